r"""Average growth per period: compound (CAGR) and simple, always named.

Over :math:`n` periods from :math:`y_0` to :math:`y_n`:

.. math::
    g_{\text{compound}} = \left(\frac{y_n}{y_0}\right)^{1/n} - 1, \qquad
    g_{\text{simple}} = \frac{y_n / y_0 - 1}{n}.

The compound rate is the constant rate that, applied every period, turns :math:`y_0` into :math:`y_n`; the
simple rate spreads the total growth evenly without compounding and overstates it whenever the series grows
over more than one period (Bernoulli: :math:`(1 + g)^n > 1 + n g` for :math:`g > 0, n > 1`). An index going from
0.3026 to 0.8747 over nine years grows 12.5% a year compounded but "21%" as a simple average — the two
must never be reported without saying which.

:math:`n` is the number of periods elapsed, ``end − start`` for years.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from nqp_lib.disparity.panel import check_unique_keys
from nqp_lib.disparity.validation import as_labels, as_values
from nqp_lib.data.growth import check_rate_inputs, compound_rate, simple_rate
from nqp_lib.errors import DataError, MethodError

__all__ = ["COMPOUND", "SIMPLE", "compound_rate", "simple_rate", "Growth", "growth", "GrowthByUnit", "growth_by_unit"]

COMPOUND = "compound: (last/first)^(1/n) - 1"
SIMPLE = "simple: (last/first - 1)/n"


@dataclass(frozen=True)
class Growth:
    """Growth of one series between two periods, both averages and the ratio.

    ``compound`` and ``simple`` are fractions per period (0.125 = 12.5%); ``total`` is ``ratio − 1``.
    """

    first: float
    last: float
    periods: float
    start: object = None
    end: object = None

    @property
    def ratio(self) -> float:
        return self.last / self.first

    @property
    def total(self) -> float:
        return self.ratio - 1.0

    @property
    def compound(self) -> float:
        return compound_rate(self.first, self.last, self.periods)

    @property
    def simple(self) -> float:
        return simple_rate(self.first, self.last, self.periods)


def growth(first: float, last: float, periods: float, *, start: object = None, end: object = None) -> Growth:
    """A :class:`Growth` of ``first`` → ``last`` over ``periods`` periods (checked: first > 0, periods > 0)."""
    check_rate_inputs(first, last, periods)
    return Growth(float(first), float(last), float(periods), start, end)


@dataclass(frozen=True)
class GrowthByUnit:
    """Growth of every unit, and of the cross-unit mean, from ``start`` to ``end``.

    Attributes
    ----------
    table
        One row per unit observed in both periods: ``unit, first, last, ratio, compound, simple``.
    mean
        :class:`Growth` of the mean over those units (the mean of the values, not of the rates).
    options
        ``start``, ``end``, ``periods`` (n = end − start) and the two formulas.
    """

    table: pd.DataFrame
    mean: Growth
    options: dict = field(default_factory=dict)


def growth_by_unit(
    values: ArrayLike, units: ArrayLike, periods: ArrayLike, *, start: int | None = None, end: int | None = None
) -> GrowthByUnit:
    """Compound and simple average growth of each unit's value from ``start`` to ``end`` (default: the first
    and last period present), n = ``end − start`` periods (periods must be years or other integers).

    Units missing either period are left out (and counted in ``options["left_out"]``); a non-positive first
    value is refused, naming the unit.
    """
    y = as_values(values, measure="growth rates")
    uni = as_labels(units, y.size, "units")
    per = as_labels(periods, y.size, "periods")
    check_unique_keys(uni, per)
    try:
        years = per.astype(int)
    except (TypeError, ValueError):
        raise DataError("growth: periods must be whole numbers such as years (2012, 2023)") from None
    start = int(years.min()) if start is None else int(start)
    end = int(years.max()) if end is None else int(end)
    if end <= start:
        raise MethodError(f"growth: the end period {end} must come after the start period {start}")
    for p in (start, end):
        if not (years == p).any():
            raise DataError(f"growth: no value in period {p}; periods present: {sorted(set(years.tolist()))}")
    a = pd.Series(y[years == start], index=uni[years == start])
    b = pd.Series(y[years == end], index=uni[years == end])
    both = a.index.intersection(b.index, sort=False)
    if len(both) == 0:
        raise DataError(f"growth: no unit has a value in both {start} and {end}")
    bad = a[both][a[both] <= 0]
    if len(bad):
        raise MethodError(
            f"growth: compound growth needs a positive first value; {', '.join(map(str, bad.index[:5]))} "
            f"have {', '.join(f'{v:g}' for v in bad.iloc[:5])} in {start}"
        )
    n = end - start
    rows = [
        {"unit": u, "first": float(a[u]), "last": float(b[u]), "ratio": float(b[u] / a[u]),
         "compound": compound_rate(float(a[u]), float(b[u]), n), "simple": simple_rate(float(a[u]), float(b[u]), n)}
        for u in both
    ]
    mean = growth(float(a[both].mean()), float(b[both].mean()), n, start=start, end=end)
    left_out = int(len(a.index.union(b.index)) - len(both))
    options = {"start": start, "end": end, "periods": n, "compound": COMPOUND, "simple": SIMPLE, "left_out": left_out}
    return GrowthByUnit(pd.DataFrame(rows), mean, options)
