"""Panel bookkeeping shared by the measures: periods in order, unit-period keys, consecutive transitions.

A panel is three aligned 1-D arrays: values, unit labels and period labels (one row per unit-period).
Periods are ordered by sorting their labels (years sort naturally); "consecutive" means neighbours in that
sorted list of the periods present anywhere in the panel, so a unit missing a year has no transition across
the gap.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd

from nqp_lib.errors import DataError, NqpError


def period_codes(periods: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(codes, labels)``: each row's position in the sorted list of distinct period labels."""
    try:
        codes, labels = pd.factorize(pd.Series(periods, dtype=object), sort=True)
    except TypeError as exc:
        raise DataError(f"periods: labels cannot be ordered ({exc}); use one type (e.g. all years)") from None
    return np.asarray(codes), np.asarray(labels, dtype=object)


def by_period(periods: np.ndarray) -> Iterator[tuple[object, np.ndarray]]:
    """Yield ``(period, row positions)`` for each distinct period, in sorted order."""
    codes, labels = period_codes(periods)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(labels.size + 1))
    for k, label in enumerate(labels):
        yield label, order[bounds[k] : bounds[k + 1]]


def check_unique_keys(units: np.ndarray, periods: np.ndarray) -> None:
    """Raise :class:`DataError` if a (unit, period) pair occurs more than once."""
    keys = pd.DataFrame({"unit": units, "period": periods})
    dup = keys.duplicated(keep=False).to_numpy()
    if dup.any():
        pairs = keys[dup].drop_duplicates().head(5).itertuples(index=False)
        shown = "; ".join(f"{u} in {p}" for u, p in pairs)
        raise DataError(
            f"units × periods: {int(dup.sum())} rows share a (unit, period) pair, e.g. {shown}; "
            "each unit needs one row per period"
        )


def transitions(units: np.ndarray, periods: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return row positions ``(start, end)`` of every unit observed in two consecutive periods.

    Rows are paired when they have the same unit and the end period immediately follows the start period
    in the sorted list of periods present in the panel. The pairs come ordered by unit, then period.
    """
    check_unique_keys(units, periods)
    codes, _ = period_codes(periods)
    unit_codes, _ = pd.factorize(pd.Series(units, dtype=object), sort=True)
    order = np.lexsort((codes, unit_codes))
    same_unit = unit_codes[order][1:] == unit_codes[order][:-1]
    next_period = codes[order][1:] == codes[order][:-1] + 1
    link = np.flatnonzero(same_unit & next_period)
    return order[link], order[link + 1]


@contextmanager
def naming_period(period: object) -> Iterator[None]:
    """Re-raise any :class:`NqpError` from the block with ``period <label>:`` in front of its message."""
    try:
        yield
    except NqpError as exc:
        raise type(exc)(f"period {period}: {exc}") from None
