"""Data layer: the data root and descriptor, validated loading with provenance, regions, the provincial
panel, user panels and imputation; China's national series and international comparisons. Everything that
reads a source file goes through here."""

from nqp_lib.data.economies import Economy, economy, oecd_members, peers
from nqp_lib.data.growth import Growth, growth
from nqp_lib.data.impute import METHODS as IMPUTE_METHODS
from nqp_lib.data.impute import Imputation, impute
from nqp_lib.data.international import OecdAverage, Rank, countries, oecd_average, oecd_averages, rank
from nqp_lib.data.national import national
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
from nqp_lib.data.series import Series, series_info

__all__ = [
    "IMPUTE_METHODS", "ColumnInfo", "Economy", "Growth", "Imputation", "OecdAverage", "Panel", "Provenance", "Rank",
    "Series", "canonical_province", "contiguity_matrix", "countries", "data_root", "economy", "growth", "impute",
    "load", "load_regions", "national", "oecd_average", "oecd_averages", "oecd_members", "peers",
    "provenance_table", "province_names", "provincial_panel", "rank", "resource_names", "series_info",
    "used_resources",
]
