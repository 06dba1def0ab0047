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
