"""Checking and converting the inputs of the disparity measures.

Every measure takes plain array-likes (lists, numpy arrays, pandas Series). When a Series is given, error
messages name the offending entries by its index labels (the command line indexes its Series by CSV line,
unit and period); otherwise by position. Nothing here coerces silently: missing, non-finite or out-of-domain
values raise :class:`nqp_lib.errors.DataError` or :class:`nqp_lib.errors.MethodError`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from nqp_lib.errors import DataError, MethodError, ParameterError

Domain = Literal["finite", "nonnegative", "positive"]

_DOMAIN_TEXT = {
    "nonnegative": "non-negative values (zeros are allowed)",
    "positive": "strictly positive values",
}


def _where(labels: np.ndarray | None, positions: np.ndarray, limit: int = 5) -> str:
    shown = positions[:limit]
    names = [str(labels[p]) if labels is not None else f"position {p}" for p in shown]
    more = f" and {positions.size - limit} more" if positions.size > limit else ""
    return ", ".join(names) + more


def _labels_of(data: ArrayLike) -> np.ndarray | None:
    return np.asarray(data.index) if isinstance(data, pd.Series) else None


def as_values(
    data: ArrayLike,
    name: str = "values",
    *,
    domain: Domain = "finite",
    measure: str = "this measure",
) -> np.ndarray:
    """Return ``data`` as a 1-D float array after checking it is numeric, finite and in ``domain``.

    Parameters
    ----------
    data
        The values (one per unit, or one per unit-period).
    name
        What to call the values in messages (a parameter or column name); a named Series given with the
        default name is called ``column '<its name>'``.
    domain
        ``"finite"``, ``"nonnegative"`` or ``"positive"``.
    measure
        The measure that needs the domain, for the message.

    Raises
    ------
    DataError
        Values are not numeric, not one-dimensional, empty, missing or infinite.
    MethodError
        Values fall outside ``domain``.
    """
    labels = _labels_of(data)
    if name == "values" and isinstance(data, pd.Series) and data.name is not None:
        name = f"column {data.name!r}"
    try:
        y = np.asarray(data, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name}: values must be numbers ({exc})") from None
    if y.ndim != 1:
        raise DataError(f"{name}: expected one value per unit (a 1-D array), got shape {y.shape}")
    if y.size == 0:
        raise DataError(f"{name}: no values given; {measure} needs at least one")
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise DataError(f"{name}: missing or infinite values at {_where(labels, bad)}; drop or fill them first")
    if domain == "nonnegative":
        bad = np.flatnonzero(y < 0)
    elif domain == "positive":
        bad = np.flatnonzero(y <= 0)
    if domain != "finite" and bad.size:
        raise MethodError(
            f"{name}: {measure} needs {_DOMAIN_TEXT[domain]}; found {y[bad[0]]:g} at "
            f"{_where(labels, bad)}. Use a positive index (e.g. min-max scores shifted above 0) or a "
            "measure that accepts such values"
        )
    return y


def as_weights(data: ArrayLike | None, n: int, name: str = "weights") -> np.ndarray | None:
    """Return population weights as a float array of length ``n`` (all finite and > 0), or ``None``."""
    if data is None:
        return None
    if name == "weights" and isinstance(data, pd.Series) and data.name is not None:
        name = f"weights column {data.name!r}"
    w = as_values(data, name, domain="positive", measure="weighting")
    if w.size != n:
        raise DataError(f"{name}: {w.size} weights for {n} values; give one weight per value")
    return w


def as_labels(data: ArrayLike, n: int, name: str) -> np.ndarray:
    """Return labels (groups, units, periods) as a 1-D array of length ``n`` with no missing entries."""
    labels = _labels_of(data)
    arr = np.asarray(data, dtype=object) if not isinstance(data, pd.Series) else data.to_numpy(dtype=object)
    if arr.ndim != 1 or arr.size != n:
        raise DataError(f"{name}: expected {n} labels (one per value), got shape {arr.shape}")
    missing = np.flatnonzero(pd.isna(arr))
    if missing.size:
        raise DataError(f"{name}: missing labels at {_where(labels, missing)}")
    return arr


def check_int(value: int, name: str, *, minimum: int) -> int:
    """Return ``value`` if it is an integer ≥ ``minimum``; raise :class:`ParameterError` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value)


def check_choice(value: str, name: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``; raise :class:`ParameterError` otherwise."""
    if value not in choices:
        raise ParameterError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value
