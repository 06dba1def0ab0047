r"""Headline summaries of a fitted index: the spread of the score across units each year, group means, and
the growth of each group's mean over the period (compound and simple, both named).

Spread (per year, over the :math:`n` units measured): mean, median, the 10th and 90th percentiles
(linear interpolation, :func:`numpy.percentile`'s default), minimum and maximum. Bands of these scale to any
number of units, unlike one line per unit.

Growth of a group mean :math:`\bar y_g` from year :math:`t_0` to :math:`t_1`, :math:`n = t_1 - t_0`:
compound :math:`(\bar y_{g,t_1}/\bar y_{g,t_0})^{1/n} - 1` and simple
:math:`(\bar y_{g,t_1}/\bar y_{g,t_0} - 1)/n` (:mod:`nqp_lib.disparity.growth`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nqp_lib.disparity.growth import growth_by_unit
from nqp_lib.errors import DataError


def _check(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{what}: the frame has no column(s) {missing}")


def spread_by_year(scores: pd.DataFrame, value: str = "score") -> pd.DataFrame:
    """Per year: ``n, mean, median, p10, p90, min, max`` of ``value`` over the units with a value.

    Examples
    --------
    >>> f = pd.DataFrame({"year": [1] * 5, "score": [0.0, 1.0, 2.0, 3.0, 4.0]})
    >>> spread_by_year(f).iloc[0][["mean", "p10", "p90"]].tolist()   # p10 = 0 + 0.4·(1 − 0)
    [2.0, 0.4, 3.6]
    """
    _check(scores, ["year", value], "spread_by_year")
    rows = []
    for year, g in scores.groupby("year", sort=True):
        v = g[value].dropna().to_numpy(dtype=float)
        if v.size == 0:
            continue
        p10, p90 = np.percentile(v, [10, 90])
        rows.append({"year": int(year), "n": int(v.size), "mean": float(v.mean()), "median": float(np.median(v)),
                     "p10": float(p10), "p90": float(p90), "min": float(v.min()), "max": float(v.max())})
    return pd.DataFrame(rows, columns=["year", "n", "mean", "median", "p10", "p90", "min", "max"])


def group_means(scores: pd.DataFrame, group: str = "group", value: str = "score") -> pd.DataFrame:
    """Per group and year: ``group, year, n, mean`` of ``value`` (the plain mean over the group's units)."""
    _check(scores, [group, "year", value], "group_means")
    out = scores.groupby([group, "year"], sort=False)[value].agg(n="count", mean="mean").reset_index()
    return out.rename(columns={group: "group"})


def group_growth(means: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """Growth of each group's mean from ``start`` to ``end``: ``group, first, last, ratio, compound, simple``
    (fractions per year; :func:`nqp_lib.disparity.growth.growth_by_unit` with groups as units).

    Examples
    --------
    0.2 → 0.8 over 2 years: ratio 4, compound 4^(1/2) − 1 = 1.0, simple (4 − 1)/2 = 1.5.

    >>> m = pd.DataFrame({"group": ["A", "A"], "year": [2020, 2022], "mean": [0.2, 0.8]})
    >>> group_growth(m, 2020, 2022)[["compound", "simple"]].round(6).iloc[0].tolist()
    [1.0, 1.5]
    """
    _check(means, ["group", "year", "mean"], "group_growth")
    g = growth_by_unit(means["mean"].to_numpy(), means["group"].to_numpy(), means["year"].to_numpy(),
                       start=start, end=end)
    return g.table.rename(columns={"unit": "group"})


def aggregate_ratio(frame: pd.DataFrame, numerator: str, denominator: str, scale: float = 1.0) -> pd.DataFrame:
    r"""Per year, the ratio of totals over the units that have both values:
    :math:`R_t = s \sum_i x_{it} / \sum_i y_{it}` — e.g. national energy use per unit of GDP as total
    energy over total GDP (not the mean of the units' ratios, which would weight a small unit like a large one).

    Returns ``year, value, n`` (units counted); years where no unit has both values are left out.

    Examples
    --------
    Energy 10 and 30, GDP 100 and 100: (10 + 30)/(100 + 100) = 0.2 (the mean of 0.1 and 0.3 happens to
    agree only because the GDPs are equal; with GDP 100 and 300 it is 40/400 = 0.1, not 0.15).

    >>> f = pd.DataFrame({"year": [1, 1], "e": [10.0, 30.0], "g": [100.0, 300.0]})
    >>> aggregate_ratio(f, "e", "g").iloc[0]["value"]
    0.1
    """
    _check(frame, ["year", numerator, denominator], "aggregate_ratio")
    both = frame.dropna(subset=[numerator, denominator])
    sums = both.groupby("year")[[numerator, denominator]].sum()
    counts = both.groupby("year")[numerator].count()
    sums = sums[sums[denominator] != 0]
    out = pd.DataFrame({"year": sums.index.astype(int), "value": (scale * sums[numerator] / sums[denominator]).to_numpy(),
                        "n": counts.reindex(sums.index).to_numpy()})
    return out.reset_index(drop=True)
