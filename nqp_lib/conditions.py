"""The article's six formation conditions with their data: what section 二 of the report is built from.

For each condition (1–6, ``text/vocabulary.yaml``), :func:`condition_data` gathers

- the article's claims about it, with outcomes computed now (:mod:`nqp_lib.claims`);
- China's national series tagged with it in ``data/series.csv`` (one tidy long frame: ``series, name,
  year, value, unit, unit_code, source, vintage``);
- the international series tagged with it, for China, the article's peers, both OECD averages, high
  income and the world (``indicator, economy, name, year, value, unit, unit_code, source, method,
  n_members``);

and :func:`standing` summarises one international series for China as numbers a status line can be written
from: the latest level, the change over a span, both OECD averages and the gaps to them, the world rank.
Nothing here draws or words anything; the report's views do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from nqp_lib.claims import ClaimResult, check_claims, results_frame
from nqp_lib.data.growth import cagr_pct
from nqp_lib.data.international import OecdAverage, Rank, countries, oecd_average, rank
from nqp_lib.data.national import national
from nqp_lib.data.series import Series, for_condition, series_info
from nqp_lib.errors import DataError, ParameterError
from nqp_lib.labels import vocabulary

#: units whose changes are differences in points rather than growth rates
POINT_UNITS = ("%", "share", "per_100")


@dataclass(frozen=True)
class ConditionData:
    """One condition's claims and series."""

    number: int
    claims: tuple[ClaimResult, ...]
    national: pd.DataFrame
    international: pd.DataFrame
    series: tuple[Series, ...]
    options: dict[str, Any]

    def name(self, lang: str = "zh") -> str:
        return vocabulary("conditions")[self.number][lang]

    def claims_frame(self, lang: str = "zh") -> pd.DataFrame:
        return results_frame(list(self.claims), lang)

    def notes(self, lang: str = "zh") -> dict[str, str]:
        """series id → caveat, for the series that carry one (proxies, ends of coverage, bases)."""
        return {s.id: s.note(lang) for s in self.series if s.note(lang)}


def condition_data(number: int, lang: str = "zh", economies: list[str] | None = None, years: Any = None,
                   results: list[ClaimResult] | None = None) -> ConditionData:
    """Claims, national and international series of condition ``number`` (1–6).

    ``results`` reuses outcomes already computed (:func:`nqp_lib.claims.check_claims`, same ``lang``);
    ``economies`` and ``years`` filter the international frame (default: China, peers, OECD both ways,
    high income, world; every year).
    """
    if number not in vocabulary("conditions"):
        raise ParameterError(f"condition must be 1–6, got {number!r}")
    results = check_claims(lang=lang) if results is None else results
    nat = for_condition(number, "national")
    intl = for_condition(number, "international")
    nat_frame = pd.concat([national(s.id, years, lang) for s in nat], ignore_index=True) if nat else pd.DataFrame()
    int_frame = pd.concat([countries(s.id, economies, years, lang) for s in intl], ignore_index=True) if intl else pd.DataFrame()
    return ConditionData(
        number, tuple(r for r in results if r.claim.condition == number), nat_frame, int_frame, (*nat, *intl),
        {"lang": lang, "economies": economies, "years": years},
    )


def all_conditions(lang: str = "zh", economies: list[str] | None = None, years: Any = None) -> list[ConditionData]:
    """The six conditions, the ledger checked once."""
    results = check_claims(lang=lang)
    return [condition_data(n, lang, economies, years, results) for n in vocabulary("conditions")]


@dataclass(frozen=True)
class Standing:
    """China's position on one international series: level, change, distance to the OECD, world rank."""

    indicator: str
    year: int
    value: float
    start_year: int | None
    start_value: float | None
    change: float | None  # points (for shares) or compound % a year
    change_kind: str | None  # "points" or "cagr_pct"
    oecd_aggregate: OecdAverage | None
    oecd_mean: OecdAverage | None
    rank: Rank | None

    @property
    def gap_to_oecd_aggregate(self) -> float | None:
        """OECD aggregate minus China (positive: China below), in the series' unit."""
        return None if self.oecd_aggregate is None else self.oecd_aggregate.value - self.value

    @property
    def gap_to_oecd_mean(self) -> float | None:
        return None if self.oecd_mean is None else self.oecd_mean.value - self.value


def standing(indicator: str, year: int | None = None, span: int = 10, subject: str = "CHN") -> Standing:
    """China's (``subject``'s) level in ``year`` (default: its latest), its change since ``year − span``
    (the nearest later year with data), both OECD averages that year and its world rank.

    The change is in points for shares and percentages (e.g. +5.2 points) and compound % a year otherwise.
    Averages or a rank the data cannot give are ``None``.
    """
    s: Series = series_info(indicator, "international")
    data = countries(s.id, [subject])
    if data.empty:
        raise DataError(f"{s.id}: no value for {subject}")
    year = int(data["year"].max()) if year is None else int(year)
    now = data.loc[data["year"] == year, "value"]
    if now.empty:
        raise DataError(f"{s.id}: no value for {subject} in {year}")
    earlier = data[(data["year"] >= year - span) & (data["year"] < year)].sort_values("year")
    start_year = start_value = change = kind = None
    if not earlier.empty:
        start_year, start_value = int(earlier["year"].iloc[0]), float(earlier["value"].iloc[0])
        if s.unit in POINT_UNITS:
            change, kind = float(now.iloc[0]) - start_value, "points"
        elif start_value > 0:
            change, kind = cagr_pct(float(now.iloc[0]) / start_value, year - start_year), "cagr_pct"

    def avg(method: str) -> OecdAverage | None:
        try:
            return oecd_average(s.id, year, method)
        except (DataError, ParameterError):
            return None

    try:
        where = rank(s.id, subject, year)
    except DataError:
        where = None
    return Standing(s.id, year, float(now.iloc[0]), start_year, start_value, change, kind, avg("aggregate"),
                    avg("simple"), where)


#: each condition's headline series, ``(international, national)`` ids of ``data/series.csv`` (``None``: the
#: shipped data have none) — the series a status line is computed from
HEADLINES: dict[int, tuple[str | None, str]] = {
    1: ("rd_intensity", "rd_intensity"),
    2: ("internet_users_share", "internet_users"),
    3: ("private_credit", "tech_market_turnover"),
    4: ("urban_share", "retail_sales"),
    5: ("tertiary_enrolment", "tertiary_students_per_100k"),
    6: (None, "rd_enterprise_share"),
}


@dataclass(frozen=True)
class PeerPosition:
    """Where ``subject`` stands against the article's peers in one year: the peers below and above it."""

    indicator: str
    year: int
    value: float
    below: tuple[str, ...]  # peers with a lower value
    above: tuple[str, ...]  # peers with a value at least as high
    missing: tuple[str, ...]  # peers without a value that year

    @property
    def n(self) -> int:
        """Peers with a value that year."""
        return len(self.below) + len(self.above)


def peer_position(indicator: str, year: int, subject: str = "CHN") -> PeerPosition:
    """``subject``'s value in ``year`` against each of the article's peers (USA, JPN, DEU, KOR, GBR, FRA, EU)
    with a value that year: a peer counts as *below* when its value is strictly lower."""
    from nqp_lib.data.economies import peers

    s = series_info(indicator, "international")
    codes = [e.code for e in peers()]
    data = countries(s.id, [subject, *codes], [int(year)])
    own = data.loc[data["economy"] == subject, "value"]
    if own.empty:
        raise DataError(f"{s.id}: no value for {subject} in {year}")
    mine = float(own.iloc[0])
    vals = data[data["economy"] != subject].set_index("economy")["value"]
    below = tuple(c for c in codes if c in vals.index and vals[c] < mine)
    above = tuple(c for c in codes if c in vals.index and vals[c] >= mine)
    missing = tuple(c for c in codes if c not in vals.index)
    return PeerPosition(s.id, int(year), mine, below, above, missing)


@dataclass(frozen=True)
class NationalTrend:
    """China's national series: the latest level and its change since a start year on the same statistical
    vintage."""

    series: str
    year: int
    value: float
    start_year: int | None
    start_value: float | None
    change: float | None  # points (shares, percentages) or compound % a year
    change_kind: str | None  # "points" or "cagr_pct"
    unit: str
    shortened: bool  # the start was moved later so as not to cross a vintage break


def national_trend(series: str, span: int = 10, year: int | None = None, lang: str = "zh") -> NationalTrend:
    """The national series' value in ``year`` (default: its latest) and its change since ``year − span``
    (the nearest later year with data). A start that would cross a vintage break of the source moves to
    the first year after the break (``shortened``), since growth across it is not comparable.

    The change is in points for shares and percentages and compound % a year,
    :math:`100\\,((x_1/x_0)^{1/n} - 1)`, otherwise.
    """
    from nqp_lib.data.growth import crossed_break

    s = series_info(series, "national")
    data = national(s.id, lang=lang).dropna(subset=["value"])
    if data.empty:
        raise DataError(f"national series {s.id}: no values")
    year = int(data["year"].max()) if year is None else int(year)
    now = data.loc[data["year"] == year, "value"]
    if now.empty:
        raise DataError(f"national series {s.id}: no value for {year}")
    value = float(now.iloc[0])
    lo, shortened = year - span, False
    brk = crossed_break(data.attrs.get("vintage_breaks", []), lo, year)
    if brk is not None:
        lo, shortened = int(brk["before"]), True
    earlier = data[(data["year"] >= lo) & (data["year"] < year)].sort_values("year")
    start_year = start_value = change = kind = None
    if not earlier.empty:
        start_year, start_value = int(earlier["year"].iloc[0]), float(earlier["value"].iloc[0])
        if s.unit in POINT_UNITS:
            change, kind = value - start_value, "points"
        elif start_value > 0:
            change, kind = cagr_pct(value / start_value, year - start_year), "cagr_pct"
    return NationalTrend(s.id, year, value, start_year, start_value, change, kind, str(data["unit"].iloc[0]), shortened)


def comparison_year(indicator: str, subject: str = "CHN", min_peers: int = 4) -> int:
    """The latest year in which ``subject`` and at least ``min_peers`` of the article's peers have a value of
    ``indicator`` (else ``subject``'s latest year): the year a comparison with peers is fair in."""
    from nqp_lib.data.economies import peers

    s = series_info(indicator, "international")
    data = countries(s.id, [subject, *(e.code for e in peers())])
    own = sorted(data.loc[data["economy"] == subject, "year"].unique(), reverse=True)
    if not own:
        raise DataError(f"{s.id}: no value for {subject}")
    counts = data[data["economy"] != subject].groupby("year")["economy"].nunique()
    return int(next((y for y in own if counts.get(y, 0) >= min_peers), own[0]))


def provenance(series: Series) -> list:
    """The data-package resources a catalogue series is read from (:class:`~nqp_lib.data.package.Provenance`),
    for the source line of a chart that shows it."""
    from nqp_lib.data.international import values

    if series.scope == "international":
        return values(series)[1]
    return list(national(series.id).attrs.get("provenance", []))


#: a simple mean of OECD members is shown only in years when at least this share of the members have data
MIN_MEMBER_SHARE = 0.5


def drop_thin_means(frame: pd.DataFrame, share: float = MIN_MEMBER_SHARE) -> pd.DataFrame:
    """An international frame (:func:`~nqp_lib.data.international.countries`) without the OECD simple-mean
    rows of years when fewer than ``share`` of today's members have a value: a "mean" of 2 of 38 members
    (as for R&D intensity in the latest year) is not the OECD average and would draw a false drop."""
    from nqp_lib.data.economies import OECD_MEAN, oecd_members

    if frame.empty:
        return frame
    thin = (frame["economy"] == OECD_MEAN) & (pd.to_numeric(frame["n_members"], errors="coerce") < share * len(oecd_members()))
    return frame[~thin].reset_index(drop=True)


def solid_mean(avg: OecdAverage | None, share: float = MIN_MEMBER_SHARE) -> OecdAverage | None:
    """``avg`` if it is the World Bank aggregate or a mean over at least ``share`` of today's OECD members,
    else ``None`` (too few members to stand for the OECD)."""
    from nqp_lib.data.economies import oecd_members

    if avg is None or avg.n_members is None or avg.n_members >= share * len(oecd_members()):
        return avg
    return None
