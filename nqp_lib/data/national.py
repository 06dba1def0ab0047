"""China's national annual series as tidy frames: ``national(series, years)``.

Sources (each a descriptor entry in ``data/datapackage.json`` plus a reader here):

- ``nbs_national_key`` — the NBS national key series 2000–2022 (retail sales, consumption, GDP, population,
  technology-market turnover, internet and broadband users, …, and the derived household-consumption share
  and urbanisation rate);
- ``nbs_national_long`` — every scraped NBS national table, two scrapes side by side; the reader keeps the
  newer (census-revised) scrape where both have a year;
- ``st_yearbook_long`` — the 全国 (national) rows of the S&T Statistical Yearbook (R&D, patents, high-tech
  industry).

The NBS figures carry a statistical vintage break between 2009 and 2010 (``vintage_breaks`` in the
descriptor): values up to 2009 come from the older scrape, from 2010 from the revised one. Every frame
:func:`national` returns says which vintage each value is (``vintage``: ``older`` / ``newer``; empty for
sources without a break) and carries the breaks in ``frame.attrs["vintage_breaks"]``, so
:func:`nqp_lib.data.growth.growth` refuses a span across them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from nqp_lib.data import readers
from nqp_lib.data.package import Provenance, resource
from nqp_lib.data.series import Series, series_info
from nqp_lib.data.units import unit_label
from nqp_lib.errors import DataError
from nqp_lib.formula import evaluate as evaluate_formula

NATIONAL_UNIT = "全国"
#: the first year of the newer NBS vintage
NBS_NEW_FROM = 2010
COLUMNS = ["series", "name", "year", "value", "unit", "unit_code", "source", "vintage"]


def _nbs_vintage(years: pd.Series) -> pd.Series:
    return pd.Series(np.where(years.to_numpy() < NBS_NEW_FROM, "older", "newer"), index=years.index)


def read_nbs_key(frame: pd.DataFrame) -> pd.DataFrame:
    """Reader of ``nbs_national_key``: one row per column and year (``code`` = column name)."""
    long = frame.melt(id_vars="year", var_name="code", value_name="value").dropna(subset=["value"])
    long["vintage"] = _nbs_vintage(long["year"])
    return long[["code", "year", "value", "vintage"]].reset_index(drop=True)


def read_nbs_long(frame: pd.DataFrame) -> pd.DataFrame:
    """Reader of ``nbs_national_long``: ``code`` = ``table|indicator``; the newer scrape wins where both have a year.

    ``vintage`` names the scrape a value comes from: an indicator only the older scrape has keeps its
    older-vintage values for 2010–2014.
    """
    out = frame.dropna(subset=["value"]).copy()
    out["code"] = out["table"].astype(str) + "|" + out["indicator"].astype(str)
    out["newer"] = out["vintage"].astype(str).str.contains("2010-2022")
    out = out.sort_values(["code", "year", "newer"]).drop_duplicates(["code", "year"], keep="last")
    out["vintage"] = np.where(out["newer"], "newer", "older")
    return out[["code", "year", "value", "vintage"]].reset_index(drop=True)


def read_st_national(frame: pd.DataFrame) -> pd.DataFrame:
    """Reader of the national (全国) rows of ``st_yearbook_long``: ``code`` = ``dataset|variable``."""
    out = frame[frame["province"] == NATIONAL_UNIT].dropna(subset=["value"]).copy()
    out["code"] = out["dataset"].astype(str) + "|" + out["variables"].astype(str)
    out["vintage"] = ""
    # the yearbook mislabels a few units (e.g. FTE labelled 万元 in 2020): keep one row per code and year
    out = out.drop_duplicates(["code", "year"], keep="first")
    return out[["code", "year", "value", "vintage"]].reset_index(drop=True)


#: resource name → reader turning the validated table into (code, year, value, vintage)
READERS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = readers.register_all({
    "nbs_national_key": read_nbs_key,
    "nbs_national_long": read_nbs_long,
    "st_yearbook_long": read_st_national,
})


def _read(s: Series) -> tuple[pd.DataFrame, list[Provenance], list[dict]]:
    """year, value, vintage of one catalogue series (derived ones computed year by year)."""
    if not s.derived:
        rows, prov = readers.rows(s.resource, s.code, "national", s.id)
        return rows[["year", "value", "vintage"]].reset_index(drop=True), [prov], list(resource(s.resource).get("vintage_breaks", []))
    parts, provs, breaks = {}, [], []
    for ref in s.inputs():
        frame, p, b = _read(series_info(ref, "national"))
        parts[ref] = frame.set_index("year")
        provs += [x for x in p if x not in provs]
        breaks += [x for x in b if x not in breaks]
    years = sorted(set.intersection(*(set(f.index) for f in parts.values())))
    wide = pd.DataFrame({ref: f["value"].reindex(years).to_numpy() for ref, f in parts.items()}, index=years)
    vint = pd.DataFrame({ref: f["vintage"].reindex(years).to_numpy() for ref, f in parts.items()}, index=years)
    if (vint.nunique(axis=1) > 1).any():
        year = vint.index[(vint.nunique(axis=1) > 1).to_numpy()][0]
        raise DataError(f"national series {s.id!r}: its inputs come from different vintages in {year}")
    out = pd.DataFrame({"year": years, "value": evaluate_formula(s.formula, wide.reset_index(drop=True), f"national series {s.id}",
                                                                   row_label=lambda i: f"year {years[i]}"),
                        "vintage": vint.iloc[:, 0].to_numpy() if len(years) else []})
    return out.dropna(subset=["value"]), provs, breaks


def national(series: str, years: int | Iterable[int] | None = None, lang: str = "zh") -> pd.DataFrame:
    """China's national annual series ``series`` (an id of ``data/series.csv``, scope ``national``).

    Returns a long frame with columns ``series, name, year, value, unit, unit_code, source, vintage``
    (names, unit and source in ``lang``); ``attrs["vintage_breaks"]`` lists the source's vintage breaks and
    ``attrs["provenance"]`` the resources read. Years without a value are simply absent.
    """
    s = series_info(series, "national")
    frame, provs, breaks = _read(s)
    wanted = readers.as_years(years)
    if wanted is not None:
        frame = frame[frame["year"].isin(wanted)]
    out = pd.DataFrame({
        "series": s.id, "name": s.name(lang), "year": frame["year"].astype(int).to_numpy(),
        "value": frame["value"].astype(float).to_numpy(), "unit": unit_label(s.unit, lang), "unit_code": s.unit,
        "source": s.source(lang), "vintage": frame["vintage"].to_numpy(),
    }, columns=COLUMNS).sort_values("year").reset_index(drop=True)
    out.attrs["vintage_breaks"] = breaks
    out.attrs["provenance"] = provs
    return out


def value(series: str, year: int) -> tuple[float, pd.DataFrame]:
    """One year's value of a national series and the one-row frame it came from (for its unit and source)."""
    frame = national(series, [year])
    if frame.empty:
        have = national(series)["year"]
        span = f"{have.min()}–{have.max()}" if len(have) else "none"
        raise DataError(f"national series {series!r} has no value for {year} (years with values: {span})")
    return float(frame["value"].iloc[0]), frame
