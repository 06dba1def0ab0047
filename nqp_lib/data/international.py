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

import pandas as pd

from nqp_lib.data.economies import OECD_AGGREGATE, OECD_MEAN, Economy, aggregate_codes, economy, oecd_members, resolve
from nqp_lib.data import readers
from nqp_lib.data.package import Provenance, load
from nqp_lib.data.series import Series, series_info
from nqp_lib.data.units import fmt, unit_label
from nqp_lib.errors import DataError, ParameterError
from nqp_lib.formula import evaluate as evaluate_formula

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
READERS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = readers.register_all({
    "wdi_long": read_wdi,
    "pwt": read_pwt,
    "owid_internet": read_owid,
})


def _stamps(s: Series) -> tuple[tuple[str, float, int], ...]:
    """File stamps of every resource a series reads (cache keys: a changed file invalidates)."""
    if not s.derived:
        return (readers.stamp(s.resource),)
    return tuple(st for ref in s.inputs() for st in _stamps(series_info(ref, "international")))


@lru_cache(maxsize=64)
def _values_cached(series_id: str, stamps: tuple) -> tuple[pd.DataFrame, tuple[Provenance, ...]]:
    s = series_info(series_id, "international")
    if not s.derived:
        rows, prov = readers.rows(s.resource, s.code, "international", s.id)
        return rows[["economy", "year", "value"]].reset_index(drop=True), (prov,)
    wide, provs = None, []
    for ref in s.inputs():
        part, p = values(ref)
        provs += [x for x in p if x not in provs]
        part = part.rename(columns={"value": ref})
        wide = part if wide is None else wide.merge(part, on=["economy", "year"], how="inner")
    wide = wide.reset_index(drop=True)
    wide["value"] = evaluate_formula(s.formula, wide, f"international series {s.id}")
    return wide.dropna(subset=["value"])[["economy", "year", "value"]].reset_index(drop=True), tuple(provs)


def values(indicator: str | Series) -> tuple[pd.DataFrame, list[Provenance]]:
    """(economy, year, value) of a series for every economy the source has, and the resources read.

    The frame is shared between calls: filter it, never modify it in place.
    """
    s = indicator if isinstance(indicator, Series) else series_info(indicator, "international")
    frame, provs = _values_cached(s.id, _stamps(s))
    return frame, list(provs)


@dataclass(frozen=True)
class OecdAverage:
    """One year's OECD average of a series, with how it was obtained."""

    indicator: str
    year: int
    method: str  # "aggregate" or "simple"
    value: float
    n_members: int | None  # members with data (None for the World Bank's own aggregate)
    n_total: int
    members: tuple[str, ...]  # members averaged (for the World Bank aggregate: today's members)
    weight: str | None  # the weight series of a weighted mean nqp computed
    source: str
    options: dict[str, Any]

    def label(self, lang: str = "zh") -> str:
        return _average_label(self.method, self.weight, self.n_members, self.n_total, lang)


def _average_label(method: str, weight: str | None, n: int | None, total: int, lang: str) -> str:
    if method == "simple":
        return method_label("simple_mean", lang, n=n, total=total)
    if weight is None:
        return method_label("wb_aggregate", lang)
    return method_label("weighted_mean", lang, n=n, total=total, weight=series_info(weight, "international").name(lang))


def _members(membership: str, members: tuple[str, ...] | None) -> tuple[dict[str, int], int]:
    """Members to average (code → accession year; 0 = counted every year) and how many there are today."""
    if members is not None:
        return {c: 0 for c in members}, len(members)
    if membership not in MEMBERSHIPS:
        raise ParameterError(f"membership must be one of {', '.join(MEMBERSHIPS)}, got {membership!r}")
    acc = {c: economy(c).oecd_accession or 0 for c in oecd_members(None)}
    return (acc if membership == "as_of_year" else dict.fromkeys(acc, 0)), len(acc)


@lru_cache(maxsize=64)
def _oecd_cached(series_id: str, method: str, membership: str, members: tuple[str, ...] | None,
                 stamps: tuple) -> pd.DataFrame:
    s = series_info(series_id, "international")
    data, _ = values(s)
    acc, total = _members(membership, members)
    if method == "aggregate" and members is None and (data["economy"] == OECD_AGGREGATE).any():
        rows = data[data["economy"] == OECD_AGGREGATE]
        return pd.DataFrame({"year": rows["year"].to_numpy(), "value": rows["value"].to_numpy(), "n_members": pd.NA,
                             "n_total": total, "members": [tuple(acc)] * len(rows), "weight": None})
    mine = data[data["economy"].isin(list(acc))].dropna(subset=["value"])
    mine = mine[mine["year"].to_numpy() >= mine["economy"].map(acc).to_numpy()]
    weight = None
    if method == "aggregate":
        if s.aggregate_weight is None:
            raise ParameterError(f"{s.id}: the source has no OECD aggregate and data/series.csv gives no "
                                 f"aggregate_weight; use method='simple'")
        weight = s.aggregate_weight
        w, _ = values(weight)
        mine = mine.merge(w.rename(columns={"value": "w"}), on=["economy", "year"]).dropna(subset=["w"])
        mine = mine.assign(wx=mine["w"] * mine["value"])
    out = []
    for year, grp in mine.groupby("year"):
        value = grp["wx"].sum() / grp["w"].sum() if weight else grp["value"].mean()
        n_total = total if membership == "current" or members is not None else sum(1 for a in acc.values() if a <= year)
        out.append({"year": int(year), "value": float(value), "n_members": len(grp), "n_total": n_total,
                    "members": tuple(grp["economy"]), "weight": weight})
    return pd.DataFrame(out, columns=["year", "value", "n_members", "n_total", "members", "weight"])


def oecd_averages(indicator: str, method: str = "simple", membership: str = "current",
                  members: Sequence[str] | None = None) -> pd.DataFrame:
    """Every year's OECD average of ``indicator`` read as ``method`` (``"aggregate"`` or ``"simple"``).

    Columns ``year, value, n_members, n_total, members, weight``: ``n_members`` members had a value that
    year (``<NA>`` for the World Bank's own aggregate), of ``n_total``; ``weight`` names the weight series
    of a weighted mean nqp computed. ``members`` restricts the average to given economies (e.g. to check it
    by hand). The frame is shared between calls: never modify it in place.
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    s = series_info(indicator, "international")
    key = None if members is None else tuple(economy(m).code for m in members)
    stamps = _stamps(s) + (_stamps(series_info(s.aggregate_weight, "international")) if s.aggregate_weight else ())
    return _oecd_cached(s.id, method, membership, key, stamps)


def oecd_average(indicator: str, year: int, method: str = "simple", membership: str = "current",
                 members: Sequence[str] | None = None) -> OecdAverage:
    """The OECD average of ``indicator`` in ``year`` read as ``method`` (see :func:`oecd_averages`).

    Raises a :class:`DataError` when no member has a value that year, and a :class:`ParameterError` for an
    aggregate the source cannot give (no ``OED`` row and no ``aggregate_weight`` in ``data/series.csv``).
    """
    s = series_info(indicator, "international")
    table = oecd_averages(s.id, method, membership, members)
    row = table[table["year"] == int(year)]
    if row.empty:
        raise DataError(f"{s.id}: no OECD {method} average for {year} (no member has a value)")
    r = row.iloc[0]
    n = None if pd.isna(r["n_members"]) else int(r["n_members"])
    opts = {"method": method, "membership": membership, "members": None if members is None else tuple(members)}
    return OecdAverage(s.id, int(year), method, float(r["value"]), n, int(r["n_total"]), tuple(r["members"]),
                       r["weight"], s.source("en"), opts)


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
    wanted = readers.as_years(years)
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
        table = oecd_averages(s.id, method, membership)
        table = table[table["year"].isin(data["year"].unique())]
        labels = [_average_label(method, r.weight, r.n_members, r.n_total, lang) for r in table.itertuples()]
        return pd.DataFrame({"economy": e.code, "year": table["year"].to_numpy(), "value": table["value"].to_numpy(),
                             "method": labels, "n_members": table["n_members"].to_numpy()})
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


def indicator_metadata(indicator: str) -> dict[str, Any]:
    """The World Bank's own description of a WDI series: ``title`` (with its unit), ``definition``,
    ``license``, ``year_min``/``year_max`` and China's first and last year (from ``wdi_indicators``)."""
    s = series_info(indicator, "international")
    if s.resource != "wdi_long":
        raise ParameterError(f"{s.id} is not a WDI series (its source is {s.resource or 'a formula'})")
    meta = load("wdi_indicators").set_index("indicator_code")
    if s.code not in meta.index:
        raise DataError(f"wdi_indicators has no row for {s.code} ({s.id})")
    row = meta.loc[s.code]
    return {"code": s.code, **{k: (None if pd.isna(v) else v) for k, v in row.items()}}
