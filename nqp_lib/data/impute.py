"""Imputation as a separate, named step that flags every cell it fills.

Missing cells in the assembled panel stay missing. A report or a measurement that needs a complete matrix
calls :func:`impute` with one of :data:`METHODS` and gets back the filled frame *and* a boolean frame of the
same shape marking each imputed cell, so tables and charts can mark them.

Methods (within each unit, along the year axis; never across units):

``none``
    Nothing is filled.
``linear``
    Linear interpolation between the nearest observed years before and after a gap (interior gaps only);
    leading and trailing gaps are left missing.
``linear_nearest``
    ``linear`` for interior gaps, then the nearest observed year's value for leading and trailing gaps
    (constant extrapolation). This is what most NQPF studies call "interpolation" for panels whose series
    start late or end early.
``nearest``
    Each missing cell takes the value of the nearest observed year (ties go to the earlier year).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nqp_lib.errors import ParameterError

METHODS = ("none", "linear", "linear_nearest", "nearest")


@dataclass
class Imputation:
    """Result of :func:`impute`.

    Attributes
    ----------
    frame : DataFrame
        The input with imputed cells filled (same rows, same order, same columns).
    flags : DataFrame
        ``unit``, ``year`` and one boolean column per imputed-over column: True where the cell was filled.
    method : str
        The method used.
    columns : list of str
        The columns considered.
    """

    frame: pd.DataFrame
    flags: pd.DataFrame
    method: str
    columns: list[str] = field(default_factory=list)

    @property
    def n_imputed(self) -> int:
        return int(self.flags[self.columns].to_numpy().sum()) if self.columns else 0

    def summary(self) -> pd.DataFrame:
        """Imputed cells per column (count and share of rows)."""
        counts = self.flags[self.columns].sum()
        return pd.DataFrame({"imputed": counts.astype(int), "share": counts / max(len(self.flags), 1)})

    def still_missing(self) -> pd.Series:
        """Cells still missing after imputation, per column."""
        return self.frame[self.columns].isna().sum()


def _fill_series(years: np.ndarray, values: np.ndarray, method: str) -> np.ndarray:
    """Fill one unit's series (sorted by year). Pure; returns a new array."""
    out = values.copy()
    observed = ~np.isnan(values)
    if method == "none" or observed.all() or not observed.any():
        return out
    yo, vo = years[observed], values[observed]
    missing = ~observed
    ym = years[missing]
    if method == "nearest":
        pos = np.searchsorted(yo, ym)
        left = np.clip(pos - 1, 0, len(yo) - 1)
        right = np.clip(pos, 0, len(yo) - 1)
        take_right = np.abs(yo[right] - ym) < np.abs(ym - yo[left])
        out[missing] = np.where(take_right, vo[right], vo[left])
        return out
    interior = (ym > yo[0]) & (ym < yo[-1])
    filled = np.full(ym.shape, np.nan)
    filled[interior] = np.interp(ym[interior], yo, vo)
    if method == "linear_nearest":
        filled[ym < yo[0]] = vo[0]
        filled[ym > yo[-1]] = vo[-1]
    out[missing] = filled
    return out


def impute(
    frame: pd.DataFrame,
    method: str = "none",
    columns: Sequence[str] | None = None,
    unit: str = "unit",
    year: str = "year",
) -> Imputation:
    """Fill missing cells of a unit × year panel within each unit.

    Parameters
    ----------
    frame : DataFrame
        Panel with ``unit`` and ``year`` columns and numeric value columns.
    method : {"none", "linear", "linear_nearest", "nearest"}
        See the module docstring.
    columns : sequence of str, optional
        Columns to fill; default every numeric column except ``unit`` and ``year``.

    Returns
    -------
    Imputation
        The filled frame, a flag for every imputed cell, and the options.

    Examples
    --------
    A unit observed in 2011 (1.0) and 2014 (4.0): ``linear`` fills 2012 with 2.0 and 2013 with 3.0
    (1 + (4 − 1)·(y − 2011)/3); ``nearest`` fills 2012 with 1.0 and 2013 with 4.0.
    """
    if method not in METHODS:
        raise ParameterError(f"impute: unknown method {method!r}; choose one of {', '.join(METHODS)}")
    for key in (unit, year):
        if key not in frame.columns:
            raise ParameterError(f"impute: the panel has no {key!r} column")
    if columns is None:
        columns = [c for c in frame.columns if c not in (unit, year) and pd.api.types.is_numeric_dtype(frame[c])]
    else:
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise ParameterError(f"impute: column(s) {absent} not in the panel")
    columns = list(columns)
    out = frame.copy()
    flags = pd.DataFrame({unit: frame[unit].to_numpy(), year: frame[year].to_numpy()}, index=frame.index)
    order = frame.sort_values([unit, year], kind="stable").index
    groups = list(frame.loc[order].groupby(unit, sort=False).indices.values())
    group_of = np.empty(len(order), dtype=np.int64)
    for k, idx in enumerate(groups):
        group_of[idx] = k
    years_sorted = frame.loc[order, year].to_numpy(dtype=float)
    for col in columns:
        values = frame.loc[order, col].to_numpy(dtype=float)
        filled = values.copy()
        # only series with a gap change: a panel of 3,000 units × 20 indicators has 60,000 series, few with gaps
        for k in np.unique(group_of[np.isnan(values)]):
            idx = groups[k]
            filled[idx] = _fill_series(years_sorted[idx], values[idx], method)
        new = pd.Series(filled, index=order).reindex(frame.index)
        out[col] = new.to_numpy()
        flags[col] = (frame[col].isna() & new.notna()).to_numpy()
    return Imputation(frame=out, flags=flags, method=method, columns=columns)
