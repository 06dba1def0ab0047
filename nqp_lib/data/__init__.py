"""Data layer: the data root and descriptor, validated loading with provenance, regions, the provincial
panel, user panels and imputation. Everything that reads a source file goes through here."""

from nqp_lib.data.impute import METHODS as IMPUTE_METHODS
from nqp_lib.data.impute import Imputation, impute
from nqp_lib.data.package import (
    Provenance,
    data_root,
    load,
    provenance_table,
    resource_names,
    used_resources,
)
from nqp_lib.data.panel import ColumnInfo, Panel, provincial_panel
from nqp_lib.data.regions import canonical_province, contiguity_matrix, load_regions, province_names

__all__ = [
    "IMPUTE_METHODS", "ColumnInfo", "Imputation", "Panel", "Provenance", "canonical_province",
    "contiguity_matrix", "data_root", "impute", "load", "load_regions", "provenance_table",
    "province_names", "provincial_panel", "resource_names", "used_resources",
]
