"""Economies compared: ``countries(indicator, economies, years)``, OECD averages read two ways, world ranks.

Sources (each a descriptor entry in ``data/datapackage.json`` plus a reader here): World Bank WDI
(``wdi_long``, with the indicator metadata ``wdi_indicators``), Penn World Table 10.01 (``pwt``) and the
ITU internet-use share via Our World in Data (``owid_internet``). Series are named by their id in
``data/series.csv`` (or their WDI/PWT code); economies by code, Chinese or English name
(:mod:`nqp_lib.data.economies`).

**"The OECD average" is read two ways, and every figure says which.**

- *aggregate* — for WDI the World Bank's ``OED`` row, a weighted aggregate over today's members (weights
  depend on the indicator: population for urbanisation, GDP for R&D/GDP, …); for a source without
  aggregates (PWT, OWID) the mean of members weighted by the series' ``aggregate_weight`` (e.g. household
  consumption share weighted by GDP at PPPs, which equals members' total consumption over total GDP):
  :math:`\\bar x_w = \\sum_i w_i x_i / \\sum_i w_i`.
- *simple mean* — every member with a value that year counts once: :math:`\\bar x = \\frac1n \\sum_i x_i`,
  and the frame says how many of the members it covers (``n_members``).

Membership is today's (as the World Bank aggregate uses) unless ``membership="as_of_year"``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib.data.economies import OECD_AGGREGATE, OECD_MEAN, Economy, aggregate_codes, economy, oecd_members, resolve
from nqp_lib.data.package import Provenance, load
from nqp_lib.data.series import Series, series_info
from nqp_lib.data.units import fmt, unit_label
from nqp_lib.errors import DataError, ParameterError
from nqp_lib.systems import evaluate_formula

COLUMNS = ["indicator", "economy", "name", "year", "value", "unit", "unit_code", "source", "method", "n_members"]
MEMBERSHIPS = ("current", "as_of_year")
METHODS = ("aggregate", "simple")
#: how a figure was obtained, (zh, en); {n} members of {total}, {weight} series
METHOD_LABELS: dict[str, tuple[str, str]] = {
    "reported": ("报告值", "reported"),
    "wb_aggregate": ("世界银行汇总（加权）", "World Bank aggregate (weighted)"),
    "source_aggregate": ("来源发布的汇总值", "aggregate as published by the source"),
    "simple_mean": ("{total}个成员中有数据的{n}个的简单平均", "simple mean of the {n} of {total} members with data"),
    "weighted_mean": ("{total}个成员中有数据的{n}个按{weight}加权平均", "mean of the {n} of {total} members with data, weighted by {weight}"),
}
#: OWID aggregate codes → the World Bank codes nqp uses
OWID_CODES = {"OWID_WRL": "WLD", "OWID_KOS": "XKX"}


def method_label(kind: str, lang: str = "zh", **values: Any) -> str:
    zh, en = METHOD_LABELS[kind]
    return (zh if lang == "zh" else en).format(**values)


def read_wdi(frame: pd.DataFrame) -> pd.DataFrame:
    """Reader of ``wdi_long``: (code, economy, year, value)."""
    out = frame.rename(columns={"indicator_code": "code", "Country Code": "economy", "Year": "year", "Value": "value"})
    return out[["code", "economy", "year", "value"]].reset_index(drop=True)


def read_pwt(frame: pd.DataFrame) -> pd.DataFrame:
    """Reader of ``pwt``: every numeric column as (code, economy, year, value)."""
    numeric = [c for c in frame.columns if c != "year" and pd.api.types.is_float_dtype(frame[c])]
    long = frame.rename(columns={"countrycode": "economy"}).melt(["economy", "year"], numeric, "code", "value")
    return long.dropna(subset=["value"])[["code", "economy", "year", "value"]].reset_index(drop=True)


def read_owid(frame: pd.DataFrame) -> pd.DataFrame:
    """Reader of ``owid_internet``: entities with a code (OWID_WRL → WLD), (code, economy, year, value)."""
    value_col = frame.columns[-1]
    out = frame.dropna(subset=["Code"]).copy()
    out["economy"] = out["Code"].astype(str).replace(OWID_CODES)
    out["code"] = value_col
    out = out.rename(columns={"Year": "year", value_col: "value"})
    return out[["code", "economy", "year", "value"]].reset_index(drop=True)


#: resource name → reader turning the validated table into (code, economy, year, value)
READERS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "wdi_long": read_wdi,
    "pwt": read_pwt,
    "owid_internet": read_owid,
}


@lru_cache(maxsize=4)
def _tidy_cached(name: str, sha256: str) -> pd.DataFrame:
    return READERS[name](load(name))


def _tidy(name: str) -> tuple[pd.DataFrame, Provenance]:
    prov = load(name).attrs["provenance"]
    return _tidy_cached(name, prov.sha256), prov


def values(indicator: str | Series) -> tuple[pd.DataFrame, list[Provenance]]:
    """(economy, year, value) of a series for every economy the source has, and the resources read."""
    s = indicator if isinstance(indicator, Series) else series_info(indicator, "international")
    if not s.derived:
        tidy, prov = _tidy(s.resource)
        rows = tidy[tidy["code"] == s.code]
        if rows.empty:
            raise DataError(f"international series {s.id!r}: code {s.code!r} not found in resource {s.resource!r}")
        return rows[["economy", "year", "value"]].reset_index(drop=True), [prov]
    wide, provs = None, []
    for ref in s.inputs():
        part, p = values(ref)
        provs += [x for x in p if x not in provs]
        part = part.rename(columns={"value": ref})
        wide = part if wide is None else wide.merge(part, on=["economy", "year"], how="inner")
    wide = wide.reset_index(drop=True)
    wide["value"] = evaluate_formula(s.formula, wide, f"series {s.id}")
    return wide.dropna(subset=["value"])[["economy", "year", "value"]], provs


def _years(years: int | Iterable[int] | None) -> list[int] | None:
    if years is None:
        return None
    if isinstance(years, (int, np.integer)):
        return [int(years)]
    return [int(y) for y in years]


def _member_list(year: int, membership: str, members: Sequence[str] | None) -> list[str]:
    if members is not None:
        return [economy(m).code for m in members]
    if membership not in MEMBERSHIPS:
        raise ParameterError(f"membership must be one of {', '.join(MEMBERSHIPS)}, got {membership!r}")
    return oecd_members(None if membership == "current" else year)


@dataclass(frozen=True)
class OecdAverage:
    """One year's OECD average of a series, with how it was obtained."""

    indicator: str
    year: int
    method: str  # "aggregate" or "simple"
    value: float
    n_members: int | None  # members with data (None for the World Bank's own aggregate)
    n_total: int
    members: tuple[str, ...]  # members averaged
    weight: str | None
    source: str
    options: dict[str, Any]

    def label(self, lang: str = "zh") -> str:
        if self.method == "simple":
            return method_label("simple_mean", lang, n=self.n_members, total=self.n_total)
        if self.weight is None:
            return method_label("wb_aggregate", lang)
        w = series_info(self.weight, "international").name(lang)
        return method_label("weighted_mean", lang, n=self.n_members, total=self.n_total, weight=w)


def oecd_average(indicator: str, year: int, method: str = "simple", membership: str = "current",
                 members: Sequence[str] | None = None) -> OecdAverage:
    """The OECD average of ``indicator`` in ``year`` read as ``method`` (``"aggregate"`` or ``"simple"``).

    ``members`` restricts the average to given economies (e.g. to check it by hand). Raises a
    :class:`DataError` when no member has data, and a :class:`ParameterError` for an aggregate the source
    cannot give (no ``OED`` row and no ``aggregate_weight`` in ``data/series.csv``).
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    s = series_info(indicator, "international")
    data, _ = values(s)
    listed = _member_list(year, membership, members)
    opts = {"method": method, "membership": membership, "members": None if members is None else tuple(listed)}
    source = s.source("en")
    at = data[data["year"] == year].set_index("economy")["value"]
    if method == "aggregate" and members is None and OECD_AGGREGATE in at.index:
        return OecdAverage(s.id, year, method, float(at[OECD_AGGREGATE]), None, len(listed), tuple(listed), None, source, opts)
    have = [m for m in listed if m in at.index and pd.notna(at[m])]
    if not have:
        raise DataError(f"{s.id}: no OECD member has a value in {year}")
    if method == "simple":
        return OecdAverage(s.id, year, method, float(at[have].mean()), len(have), len(listed), tuple(have), None, source, opts)
    if s.aggregate_weight is None:
        raise ParameterError(f"{s.id}: the source has no OECD aggregate and data/series.csv gives no aggregate_weight; "
                             f"use method='simple'")
    wdata, _ = values(s.aggregate_weight)
    w = wdata[wdata["year"] == year].set_index("economy")["value"]
    both = [m for m in have if m in w.index and pd.notna(w[m])]
    if not both:
        raise DataError(f"{s.id}: no OECD member has both a value and a weight ({s.aggregate_weight}) in {year}")
    x, wt = at[both].to_numpy(float), w[both].to_numpy(float)
    return OecdAverage(s.id, year, method, float((wt * x).sum() / wt.sum()), len(both), len(listed), tuple(both),
                       s.aggregate_weight, source, opts)


def countries(indicator: str, economies: str | Sequence[str] | None = None, years: int | Iterable[int] | None = None,
              lang: str = "zh", membership: str = "current") -> pd.DataFrame:
    """A series for several economies as a long frame.

    Columns ``indicator, economy, name, year, value, unit, unit_code, source, method, n_members``:
    ``method`` says whether a value is reported, a World Bank aggregate, or an average nqp computed (the
    OECD simple mean, ``OECD_MEAN``, or a weighted OECD mean where the source has no ``OED``);
    ``n_members`` is how many OECD members an average covers. Economies default to China, the article's
    peers, both OECD averages, high income and world. ``attrs["missing"]`` lists economies without any value.
    """
    s = series_info(indicator, "international")
    data, provs = values(s)
    wanted = _years(years)
    if wanted is not None:
        data = data[data["year"].isin(wanted)]
    parts, missing = [], []
    for e in resolve(economies):
        part = _economy_rows(s, e, data, lang, membership)
        if part.empty:
            missing.append(e.code)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    out = out.reindex(columns=["economy", "year", "value", "method", "n_members"])
    names = {e.code: e.name(lang) for e in resolve(economies)}
    out.insert(0, "indicator", s.id)
    out.insert(2, "name", out["economy"].map(names))
    out["unit"], out["unit_code"], out["source"] = unit_label(s.unit, lang), s.unit, s.source(lang)
    out = out[COLUMNS].reset_index(drop=True)
    out["year"] = out["year"].astype(int)
    out.attrs["missing"] = missing
    out.attrs["provenance"] = provs
    return out


def _economy_rows(s: Series, e: Economy, data: pd.DataFrame, lang: str, membership: str) -> pd.DataFrame:
    rows = data[data["economy"] == e.code]
    if e.code == OECD_MEAN or (e.code == OECD_AGGREGATE and rows.empty and s.aggregate_weight):
        method = "simple" if e.code == OECD_MEAN else "aggregate"
        recs = []
        for year in sorted(data["year"].unique()):
            try:
                avg = oecd_average(s.id, int(year), method, membership)
            except DataError:
                continue
            recs.append({"economy": e.code, "year": int(year), "value": avg.value, "method": avg.label(lang),
                         "n_members": avg.n_members})
        return pd.DataFrame(recs)
    kind = "reported" if e.kind != "aggregate" else "wb_aggregate" if s.resource == "wdi_long" else "source_aggregate"
    return rows.assign(method=method_label(kind, lang), n_members=pd.NA)[["economy", "year", "value", "method", "n_members"]]


@dataclass(frozen=True)
class Rank:
    """Where an economy stands among countries with a value that year (aggregates excluded)."""

    indicator: str
    economy: str
    year: int
    rank: int
    n: int
    value: float
    table: pd.DataFrame  # every country with a value, best first: economy, value, rank

    def arithmetic(self, top: int = 3, name: str | None = None) -> str:
        lead = ", ".join(f"{r.economy} {fmt(r.value)}" for r in self.table.head(top).itertuples())
        return f"{name or self.indicator} {self.year}: {self.economy} rank {self.rank} of {self.n} countries with data ({lead})"


def rank(indicator: str, subject: str = "CHN", year: int | None = None, descending: bool = True) -> Rank:
    """The rank of ``subject`` (1 = highest when ``descending``) among countries with a value in ``year``
    (default: the latest year ``subject`` has). Ties share the best rank."""
    s = series_info(indicator, "international")
    data, _ = values(s)
    code = economy(subject).code
    data = data[~data["economy"].isin(aggregate_codes())]
    if year is None:
        mine = data.loc[data["economy"] == code, "year"]
        if mine.empty:
            raise DataError(f"{s.id}: no value for {code}")
        year = int(mine.max())
    table = data[data["year"] == year].sort_values("value", ascending=not descending)[["economy", "value"]]
    if code not in set(table["economy"]):
        raise DataError(f"{s.id}: no value for {code} in {year}")
    table = table.assign(rank=table["value"].rank(ascending=not descending, method="min").astype(int)).reset_index(drop=True)
    row = table[table["economy"] == code].iloc[0]
    return Rank(s.id, code, int(year), int(row["rank"]), len(table), float(row["value"]), table)
