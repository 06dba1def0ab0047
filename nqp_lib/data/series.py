"""The catalogue of national and international series nqp reads: ``data/series.csv``.

One row per series, in one of two scopes:
- ``national`` — China's national annual figures, read by :func:`nqp_lib.data.national` from the NBS
  national tables (``nbs_national_key``, ``nbs_national_long``) or the 全国 rows of the S&T yearbook
  (``st_yearbook_long``);
- ``international`` — economies compared, read by :func:`nqp_lib.data.countries` from World Bank WDI
  (``wdi_long``), Penn World Table (``pwt``) or Our World in Data (``owid_internet``).

A series is either read (``resource`` + ``code``: a column name, ``table|indicator`` in the NBS long file,
``dataset|variable`` in the S&T yearbook, an indicator code in WDI) or derived by ``formula`` from other
series of the same scope (``secondary_value_added / gdp * 100``). Each has Chinese and English names, a
unit code (:mod:`nqp_lib.data.units`), the ``measure`` it quantifies (claims are compared only with series
measuring the same thing), optionally the measure it is only a ``proxy_for``, for international series
the ``aggregate_weight`` series that makes a weighted OECD average where the source has no aggregate, the
article's conditions it speaks to, its source and a caveat.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from nqp_lib.data.package import PROJECT_ROOT
from nqp_lib.data.tables import cell_error, optional, read_table, split_list, text_field
from nqp_lib.data.units import UNITS
from nqp_lib.errors import ParameterError
from nqp_lib.formula import check as check_formula
from nqp_lib.formula import names as formula_names

SERIES_CSV = PROJECT_ROOT / "data" / "series.csv"
SCOPES = ("national", "international")
RESOURCES = {
    "national": ("nbs_national_key", "nbs_national_long", "st_yearbook_long"),
    "international": ("wdi_long", "pwt", "owid_internet"),
}
_ID = r"[a-z][a-z0-9_]*"

SCHEMA = {
    "fields": [
        text_field("scope", required=True, enum=list(SCOPES)),
        text_field("id", required=True, pattern=_ID),
        text_field("resource"),
        text_field("code"),
        text_field("formula"),
        text_field("name_zh", required=True),
        text_field("name_en", required=True),
        text_field("unit", required=True, enum=list(UNITS)),
        text_field("measure", required=True, pattern=_ID),
        text_field("proxy_for", pattern=_ID),
        text_field("aggregate_weight", pattern=_ID),
        text_field("conditions", pattern=r"[1-6](;[1-6])*"),
        text_field("source_zh", required=True),
        text_field("source_en", required=True),
        text_field("note_zh"),
        text_field("note_en"),
    ],
    "primaryKey": ["scope", "id"],
}


@dataclass(frozen=True)
class Series:
    """One catalogue row."""

    scope: str
    id: str
    resource: str | None
    code: str | None
    formula: str | None
    name_zh: str
    name_en: str
    unit: str
    measure: str
    proxy_for: str | None
    aggregate_weight: str | None
    conditions: tuple[int, ...]
    source_zh: str
    source_en: str
    note_zh: str
    note_en: str

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def source(self, lang: str = "zh") -> str:
        return self.source_zh if lang == "zh" else self.source_en

    def note(self, lang: str = "zh") -> str:
        return self.note_zh if lang == "zh" else self.note_en

    @property
    def derived(self) -> bool:
        return self.formula is not None

    def inputs(self) -> tuple[str, ...]:
        """Series ids a derived series is computed from (empty for a series read from a resource)."""
        return tuple(sorted(formula_names(self.formula))) if self.formula else ()


@lru_cache(maxsize=1)
def _catalogue() -> dict[tuple[str, str], Series]:
    frame = read_table(SERIES_CSV, SCHEMA)
    key = ("scope", "id")
    out: dict[tuple[str, str], Series] = {}
    for idx, r in frame.iterrows():
        scope, resource, code, formula = r["scope"], optional(r["resource"]), optional(r["code"]), optional(r["formula"])
        if formula is None and (resource is None or code is None):
            raise cell_error(SERIES_CSV, frame, idx, "formula", "give either resource and code, or a formula", key)
        if formula is not None and (resource is not None or code is not None):
            raise cell_error(SERIES_CSV, frame, idx, "formula", "a derived series has no resource or code", key)
        if resource is not None and resource not in RESOURCES[scope]:
            raise cell_error(SERIES_CSV, frame, idx, "resource",
                             f"{resource!r} is not a {scope} resource ({', '.join(RESOURCES[scope])})", key)
        if formula is not None:
            try:
                check_formula(formula)
            except ValueError as exc:
                raise cell_error(SERIES_CSV, frame, idx, "formula", str(exc), key) from None
        out[(scope, r["id"])] = Series(
            scope=scope, id=r["id"], resource=resource, code=code, formula=formula,
            name_zh=r["name_zh"], name_en=r["name_en"], unit=r["unit"], measure=r["measure"],
            proxy_for=optional(r["proxy_for"]), aggregate_weight=optional(r["aggregate_weight"]),
            conditions=tuple(int(c) for c in split_list(r["conditions"])),
            source_zh=r["source_zh"], source_en=r["source_en"],
            note_zh=optional(r["note_zh"]) or "", note_en=optional(r["note_en"]) or "",
        )
    for (scope, sid), s in out.items():  # references between rows
        for ref, what in [*((n, "formula") for n in s.inputs()), *(((s.aggregate_weight, "aggregate_weight"),) if s.aggregate_weight else ())]:
            if (scope, ref) not in out:
                idx = frame.index[(frame["scope"] == scope) & (frame["id"] == sid)][0]
                raise cell_error(SERIES_CSV, frame, idx, what, f"{ref!r} is not a {scope} series in this file", key)
    return out


def catalogue(scope: str | None = None) -> list[Series]:
    """Every series (of one scope), in file order."""
    if scope is not None and scope not in SCOPES:
        raise ParameterError(f"scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    return [s for (sc, _), s in _catalogue().items() if scope is None or sc == scope]


def series_info(series_id: str, scope: str) -> Series:
    """The catalogue row of a series; an unknown id lists the known ones of that scope.

    International series may also be named by their source code (a WDI indicator code such as
    ``GB.XPD.RSDV.GD.ZS`` or a PWT column such as ``csh_c``).
    """
    cat = _catalogue()
    if (scope, series_id) in cat:
        return cat[(scope, series_id)]
    by_code = [s for (sc, _), s in cat.items() if sc == scope and s.code == series_id]
    if by_code:
        return by_code[0]
    known = ", ".join(s.id for s in catalogue(scope))
    raise ParameterError(f"unknown {scope} series {series_id!r}; known: {known}")


def for_condition(condition: int, scope: str) -> list[Series]:
    """Series of ``scope`` tagged with one of the article's six conditions."""
    if condition not in range(1, 7):
        raise ParameterError(f"condition must be 1–6, got {condition!r}")
    return [s for s in catalogue(scope) if condition in s.conditions]
