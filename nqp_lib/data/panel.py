"""The provincial panel: 31 provinces × 2011–2023, tidy (one row per province-year, one column per variable).

Assembled from three sources, each read through :func:`nqp_lib.data.package.load`:

* the China Statistical Yearbook on Science and Technology (``st_yearbook_long``): total R&D expenditure
  and intensity, R&D personnel, basic research, patents, technology-market flows, high-tech industry,
  public budget by function;
* the NBS/EPS provincial panel (``eps_provincial_panel``): population, GDP, higher-education enrolment,
  digital finance, telecom, e-commerce, software, trade, pollution-control investment, industrial
  structure, urbanisation, energy. Its R&D columns cover industrial enterprises above designated size only
  and are kept under ``industrial_rd_*`` names; total R&D comes from the S&T yearbook;
* CEADs provincial CO2 inventories (``ceads_provincial_co2``), 30 provinces (no Tibet) to 2019.

Which column comes from which resource, and the derived indicators (per 10k people, per GDP, shares,
intensities) written in the formula language the indicator systems use, are data:
``data/panels/provincial.yaml``, read by :mod:`nqp_lib.data.panelspec`; each resource's columns are picked by
its panel reader (:mod:`nqp_lib.data.panelreaders`). Missing cells stay
missing; :meth:`Panel.impute` is the separate, named step that fills them and flags every filled cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from nqp_lib.data import panelreaders  # noqa: F401 - registers the panel readers
from nqp_lib.data.impute import Imputation, impute
from nqp_lib.data.package import Provenance, load, resource_path
from nqp_lib.data.panelspec import ColumnInfo, PanelSpec, load_panel_spec
from nqp_lib.data.readers import panel_reader
from nqp_lib.data.regions import province_names
from nqp_lib.errors import DataError

__all__ = ["YEARS", "ColumnInfo", "Panel", "column_catalogue", "provincial_panel"]

_FIRST, _LAST = load_panel_spec("provincial").years
YEARS = tuple(range(_FIRST, _LAST + 1))


@dataclass
class Panel:
    """A unit × year panel with metadata, provenance and (optionally) imputation flags.

    Attributes
    ----------
    frame : DataFrame
        ``unit``, ``year`` and one float column per variable; one row per unit-year, sorted by unit
        (in the regions' code order for the provincial panel) then year.
    columns : dict
        Variable name → :class:`ColumnInfo` (unit, zh/en label, source).
    provenance : list of Provenance
        Every source table read to build the panel.
    name : str
        ``"provincial"`` for the shipped panel, the file path for a user panel.
    unit_kind : str
        What the units are (:mod:`nqp_lib.data.unitkind`): ``province`` for the shipped panel; a user panel's
        kind from its key column or units.
    meta : PanelMeta or None
        What the panel says about itself (:mod:`nqp_lib.data.panelmeta`): display names, grouping columns,
        citation, licence, spatial weights. The shipped panels build theirs; a user panel's comes from its
        sidecar or is inferred.
    imputation : Imputation or None
        Set by :meth:`impute`: the method and a boolean flag per imputed cell.
    """

    frame: pd.DataFrame
    columns: dict[str, ColumnInfo]
    provenance: list[Provenance]
    name: str = "provincial"
    imputation: Imputation | None = None
    unit_kind: str = "province"
    notes: list[str] = field(default_factory=list)
    meta: Any = None  # PanelMeta (nqp_lib.data.panelmeta): names, groupings, citation, weights

    @property
    def unit_nouns(self) -> dict[str, str] | None:
        """Words for the units a panel's metadata gives (``zh``, ``en``, ``en_plural``), or None."""
        return getattr(self.meta, "nouns", None)

    @property
    def variables(self) -> list[str]:
        return [c for c in self.frame.columns if c not in ("unit", "year")]

    @property
    def units(self) -> dict[str, str]:
        return {k: v.unit for k, v in self.columns.items()}

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.frame["year"].unique())

    @property
    def unit_names(self) -> list[str]:
        return list(dict.fromkeys(self.frame["unit"]))

    def label(self, column: str, lang: str = "zh") -> str:
        info = self.columns.get(column)
        return info.label(lang) if info else column

    @property
    def flags(self) -> pd.DataFrame:
        """Boolean frame (unit, year, variables): True where a cell was imputed."""
        if self.imputation is None:
            flags = self.frame[["unit", "year"]].copy()
            for c in self.variables:
                flags[c] = False
            return flags
        return self.imputation.flags

    def impute(self, method: str, columns: list[str] | None = None) -> Panel:
        """Return a new panel with missing cells filled by ``method`` (see :mod:`nqp_lib.data.impute`)."""
        result = impute(self.frame, method, columns=columns or self.variables)
        return replace(self, frame=result.frame, imputation=result)

    def select(self, years: tuple[int, int] | None = None, units: list[str] | None = None) -> Panel:
        """A sub-panel restricted to a year range (inclusive) and/or a list of units."""
        mask = pd.Series(True, index=self.frame.index)
        if years is not None:
            mask &= self.frame["year"].between(years[0], years[1])
        if units is not None:
            unknown = sorted(set(units) - set(self.frame["unit"]))
            if unknown:
                raise DataError(f"panel {self.name}: unknown unit(s) {unknown}")
            mask &= self.frame["unit"].isin(units)
        imp = None
        if self.imputation is not None:
            imp = replace(
                self.imputation,
                frame=self.imputation.frame[mask.to_numpy()].reset_index(drop=True),
                flags=self.imputation.flags[mask.to_numpy()].reset_index(drop=True),
            )
        return replace(self, frame=self.frame[mask].reset_index(drop=True), imputation=imp)

    def coverage(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Non-missing cells per variable (rows) and year (columns)."""
        cols = columns or self.variables
        return self.frame.groupby("year")[cols].count().T

    def missing_cells(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Long table of missing cells: variable, unit, year."""
        cols = columns or self.variables
        long = self.frame.melt(id_vars=["unit", "year"], value_vars=cols, var_name="variable")
        return long.loc[long["value"].isna(), ["variable", "unit", "year"]].reset_index(drop=True)


def column_catalogue() -> dict[str, ColumnInfo]:
    """Metadata of every column the provincial panel has, base and derived (from its description)."""
    return load_panel_spec("provincial").catalogue()


def assemble(spec: PanelSpec, years: tuple[int, ...]) -> Panel:
    """Build the panel a description says: each resource through its panel reader, then the derived columns."""
    names = province_names("zh")
    grid = pd.MultiIndex.from_product([names, list(years)], names=["unit", "year"])
    pieces, provenance = [], []
    for resource, columns in spec.sources.items():
        table = load(resource)
        provenance.append(table.attrs["provenance"])
        pieces.append(panel_reader(resource)(table, columns, names).reindex(grid))
    wide = spec.add_derived(pd.concat(pieces, axis=1).reset_index())
    wide["unit"] = wide["unit"].astype(str)
    wide["year"] = wide["year"].astype(int)
    return Panel(frame=wide, columns=spec.catalogue(), provenance=provenance, name=spec.id,
                 unit_kind=spec.unit_kind, notes=list(spec.notes))


@lru_cache(maxsize=2)
def _provincial(years: tuple[int, ...], files: tuple[tuple[str, float, int], ...]) -> Panel:
    """The assembled panel; ``files`` (path, mtime, size of the description and each source) only keys the cache."""
    return replace(assemble(load_panel_spec("provincial"), years), meta=provincial_meta())


def _stamp(path: Path) -> tuple[str, float, int]:
    st = path.stat()
    return str(path), st.st_mtime, st.st_size


def provincial_panel(years: tuple[int, int] = (YEARS[0], YEARS[-1])) -> Panel:
    """The shipped provincial panel (31 provinces × ``years`` inclusive, default 2011–2023).

    Described by ``data/panels/provincial.yaml``. Returns a fresh :class:`Panel` (safe to modify). Missing
    cells stay missing: call :meth:`Panel.impute` for a filled copy with flags.
    """
    lo, hi = years
    if lo < YEARS[0] or hi > YEARS[-1] or lo > hi:
        raise DataError(f"provincial panel covers {YEARS[0]}–{YEARS[-1]}; got years {lo}–{hi}")
    spec = load_panel_spec("provincial")
    # resource_path raises a clear error when the data root or a file is missing
    files = [_stamp(spec.path)] + [_stamp(resource_path(name)) for name in spec.sources]
    base = _provincial(tuple(range(lo, hi + 1)), tuple(files))
    return replace(base, frame=base.frame.copy(), provenance=list(base.provenance), notes=list(base.notes))


def provincial_meta():
    """The shipped provincial panel's description: names from ``data/regions.csv`` (Chinese short name,
    English name), the NBS four regions (``region4``) and three belts (``belt3``) as groupings with their
    Chinese and English labels; its sources are its provenance (no citation of its own), and its spatial
    weights are the provinces' contiguity (:func:`nqp_lib.data.regions.contiguity_matrix`)."""
    from nqp_lib.data.panelmeta import Grouping, PanelMeta
    from nqp_lib.data.regions import load_regions

    r = load_regions()
    names = {row.name_zh: {"zh": row.name_zh, "en": row.name_en} for row in r.itertuples()}
    groupings = [
        Grouping(g, zh, en, {str(v): {"zh": str(vz), "en": str(v)} for v, vz in zip(r[g], r[f"{g}_zh"])})
        for g, zh, en in (("region4", "四大区域", "NBS four regions"), ("belt3", "三大地带", "three belts"))
    ]
    groups = pd.DataFrame({"unit": r["name_zh"], "region4": r["region4"], "belt3": r["belt3"]})
    return PanelMeta(unit_kind="province", names=names, groupings=groupings, groups=groups, shipped=True)
