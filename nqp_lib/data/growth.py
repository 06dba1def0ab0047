"""Growth between two years, with the statistical vintage breaks of the source respected.

Two ways to average growth over n years, which differ a lot and must always be named:

- compound (CAGR): :math:`g = (x_1 / x_0)^{1/n} - 1`;
- simple: :math:`g = (x_1 / x_0 - 1) / n`.

E.g. retail sales ×1.893 over 2013→2022 (n = 9) is 7.35% a year compounded but 9.9% "simple".

A *vintage break* is a year boundary across which a source's figures were revised on a different basis
(NBS national accounts were revised after the 2013 and 2018 economic censuses for 2010 onwards only, so
2009 and 2010 come from different vintages). :func:`growth` refuses a span that crosses a break of the
series' source; the breaks travel with a frame in ``frame.attrs["vintage_breaks"]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib.data.units import fmt
from nqp_lib.errors import DataError, MethodError


def check_rate_inputs(first: float, last: float, periods: float) -> None:
    for name, v in (("first", first), ("last", last), ("periods", periods)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not math.isfinite(v):
            raise MethodError(f"growth: {name} must be a finite number, got {v!r}")
    if periods <= 0:
        raise MethodError(f"growth: the number of periods must be positive, got {periods!r}")
    if first <= 0:
        raise MethodError(f"growth: the first value must be positive to compute a growth rate, got {first!r}")
    if last < 0:
        raise MethodError(f"growth: the last value must not be negative, got {last!r}")


def compound_rate(first: float, last: float, periods: float) -> float:
    r"""Compound average growth per period (CAGR): :math:`(y_n / y_0)^{1/n} - 1`.

    Examples
    --------
    >>> round(compound_rate(0.3026, 0.8747, 9), 4)    # 2.890615^(1/9) = 1.1252
    0.1252
    """
    check_rate_inputs(first, last, periods)
    return float((last / first) ** (1.0 / periods) - 1.0)


def simple_rate(first: float, last: float, periods: float) -> float:
    r"""Simple average growth per period: :math:`(y_n / y_0 - 1) / n`.

    Examples
    --------
    >>> round(simple_rate(0.3026, 0.8747, 9), 4)      # 1.890615 / 9
    0.2101
    """
    check_rate_inputs(first, last, periods)
    return float((last / first - 1.0) / periods)


def cagr_pct(ratio: float, years: float) -> float:
    """Compound annual growth in percent: :math:`100\\,((x_1/x_0)^{1/n} - 1)` (:func:`compound_rate`)."""
    return 100.0 * compound_rate(1.0, ratio, years)


def simple_pct(ratio: float, years: float) -> float:
    """Simple average annual growth in percent: :math:`100\\,(x_1/x_0 - 1)/n` (:func:`simple_rate`)."""
    return 100.0 * simple_rate(1.0, ratio, years)


def crossed_break(breaks: list[dict[str, Any]], start: int, end: int) -> dict[str, Any] | None:
    """The first break lying between ``start`` and ``end`` (either order), or ``None``."""
    lo, hi = min(start, end), max(start, end)
    for brk in breaks:
        if lo <= int(brk["after"]) and int(brk["before"]) <= hi:
            return brk
    return None


def check_span(breaks: list[dict[str, Any]], start: int, end: int, what: str) -> None:
    """Raise a :class:`DataError` if ``start``→``end`` crosses a vintage break of ``what``'s source."""
    brk = crossed_break(breaks, start, end)
    if brk is not None:
        raise DataError(
            f"growth of {what} from {start} to {end} crosses the statistical vintage break between "
            f"{brk['after']} and {brk['before']} ({brk['reason']}); choose both years on one side of it "
            f"(≤ {brk['after']} or ≥ {brk['before']})"
        )


@dataclass(frozen=True)
class Growth:
    """Growth of one series between two years, with both averages and the arithmetic shown."""

    series: str
    start: int
    end: int
    first: float
    last: float
    unit: str
    source: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def years(self) -> int:
        return self.end - self.start

    @property
    def ratio(self) -> float:
        return self.last / self.first

    @property
    def pct(self) -> float:
        """Total growth in percent, :math:`100\\,(x_1/x_0 - 1)`."""
        return 100.0 * (self.ratio - 1.0)

    @property
    def cagr_pct(self) -> float:
        return cagr_pct(self.ratio, self.years)

    @property
    def simple_pct(self) -> float:
        return simple_pct(self.ratio, self.years)

    def arithmetic(self) -> str:
        return (
            f"{self.series}: {fmt(self.first)} ({self.start}) → {fmt(self.last)} ({self.end}) {self.unit}: "
            f"×{self.ratio:.4f} = {self.pct:+.2f}%; compound {self.cagr_pct:.2f}% a year over {self.years} years "
            f"(simple average {self.simple_pct:.2f}%)"
        )


def growth(frame: pd.DataFrame, start: int, end: int, what: str | None = None) -> Growth:
    """Growth of the single series in ``frame`` (columns ``year``, ``value``; one row per year).

    Refuses a span crossing a vintage break listed in ``frame.attrs["vintage_breaks"]``, a year without a
    value, and a non-positive first value.
    """
    what = what or str(frame["series"].iloc[0] if "series" in frame and len(frame) else "the series")
    if end <= start:
        raise DataError(f"growth of {what}: the end year {end} must be after the start year {start}")
    check_span(frame.attrs.get("vintage_breaks", []), start, end, what)
    values = {}
    for year in (start, end):
        row = frame.loc[frame["year"] == year, "value"].dropna()
        if row.empty:
            have = sorted(frame.loc[frame["value"].notna(), "year"].tolist())
            span = f"{have[0]}–{have[-1]}" if have else "none"
            raise DataError(f"growth of {what}: no value for {year} (years with values: {span})")
        if len(row) > 1:
            raise DataError(f"growth of {what}: {len(row)} values for {year}; select one series and economy first")
        values[year] = float(row.iloc[0])
    if values[start] <= 0:
        raise DataError(f"growth of {what}: the {start} value {values[start]} is not positive")
    unit = str(frame["unit"].iloc[0]) if "unit" in frame else ""
    source = str(frame["source"].iloc[0]) if "source" in frame else ""
    return Growth(what, start, end, values[start], values[end], unit, source)
