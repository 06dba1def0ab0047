r"""Gini coefficient, Theil indices (T and L) with their exact group decomposition, coefficient of variation.

Conventions (recorded in every result):

* **Unweighted by default**: each unit counts once, as in NQPF studies. Population weights :math:`w_i` are
  an option; then :math:`p_i = w_i / \sum w` replaces :math:`1/n` everywhere.
* **Gini**: :math:`G = \sum_i \sum_r |y_i - y_r| / (2 n^2 \bar y)` (all ordered pairs, including
  :math:`i = r`; no :math:`n/(n-1)` small-sample factor). This is the convention under which Dagum's
  decomposition adds up exactly (see :mod:`nqp_lib.disparity.dagum`).
* **Coefficient of variation**: population standard deviation (``ddof=0``) over the mean by default.

References
----------
Theil, H. (1967). *Economics and Information Theory*. North-Holland.
Shorrocks, A. F. (1980). The class of additively decomposable inequality measures. *Econometrica* 48(3),
613–625.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from nqp_lib.errors import MethodError, ParameterError
from nqp_lib.disparity.differences import weighted_within_abs_sum, within_abs_sum
from nqp_lib.disparity.panel import by_period, naming_period
from nqp_lib.disparity.validation import as_labels, as_values, as_weights, check_choice

TheilIndex = Literal["T", "L"]


def _mean(y: np.ndarray, w: np.ndarray | None) -> float:
    return float(np.mean(y)) if w is None else float(np.dot(w, y) / w.sum())


def _positive_mean(y: np.ndarray, w: np.ndarray | None, measure: str) -> float:
    mu = _mean(y, w)
    if not mu > 0:
        raise MethodError(f"{measure} is undefined when the mean is {mu:g}; it needs a positive mean")
    return mu


def _gini_array(y: np.ndarray, w: np.ndarray | None) -> float:
    mu = _positive_mean(y, w, "the Gini coefficient")
    if w is None:
        return within_abs_sum(np.sort(y)) / (2.0 * y.size**2 * mu)
    return weighted_within_abs_sum(y, w) / (2.0 * w.sum() ** 2 * mu)


def gini(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    r"""Gini coefficient by sorting, :math:`O(n \log n)`.

    .. math:: G = \frac{\sum_{i}\sum_{r} w_i w_r |y_i - y_r|}{2 W^2 \bar y}
              = \frac{\sum_{i=1}^{n} (2i - n - 1)\, y_{(i)}}{n^2 \bar y} \quad (w \equiv 1),

    with :math:`W = \sum w_i` and :math:`\bar y = \sum w_i y_i / W`.

    Parameters
    ----------
    values
        Non-negative values, at least one positive.
    weights
        Optional population weights (> 0); default each unit counts once.

    Returns
    -------
    float
        G in [0, 1 − 1/n] (unweighted); 0 when all values are equal.

    Raises
    ------
    MethodError
        Negative values or a zero mean.

    References
    ----------
    Dagum, C. (1997). A new approach to the decomposition of the Gini income inequality ratio. *Empirical
    Economics* 22, 515–531 (the convention used here).

    Examples
    --------
    >>> round(gini([1, 2, 3, 4]), 6)   # Σ|diff| = 20, 2·4²·2.5 = 80
    0.25
    """
    y = as_values(values, domain="nonnegative", measure="the Gini coefficient")
    return _gini_array(y, as_weights(weights, y.size))


def _cv_array(y: np.ndarray, w: np.ndarray | None, ddof: int) -> float:
    mu = _positive_mean(y, w, "the coefficient of variation")
    if w is None:
        if y.size <= ddof:
            raise MethodError(f"the coefficient of variation with ddof={ddof} needs more than {ddof} values")
        return float(np.std(y, ddof=ddof) / mu)
    return float(np.sqrt(np.dot(w, (y - mu) ** 2) / w.sum()) / mu)


def coefficient_of_variation(values: ArrayLike, weights: ArrayLike | None = None, ddof: int = 0) -> float:
    r"""Coefficient of variation :math:`CV = s / \bar y`.

    .. math:: s = \sqrt{\frac{1}{n - \mathrm{ddof}} \sum_i (y_i - \bar y)^2}
              \quad\text{or, weighted,}\quad s = \sqrt{\sum_i p_i (y_i - \bar y)^2},\ p_i = w_i / W.

    Parameters
    ----------
    values
        Values with a positive mean (negative entries are allowed).
    weights
        Optional population weights; only with ``ddof=0``.
    ddof
        0 (population standard deviation, default) or 1 (sample).

    Examples
    --------
    >>> round(coefficient_of_variation([2, 4, 6]), 6)   # sd = sqrt(8/3) = 1.632993, mean 4
    0.408248
    """
    if ddof not in (0, 1):
        raise ParameterError(f"ddof must be 0 or 1, got {ddof!r}")
    y = as_values(values, measure="the coefficient of variation")
    w = as_weights(weights, y.size)
    if w is not None and ddof != 0:
        raise ParameterError("ddof must be 0 with population weights (a weighted sample variance is ambiguous)")
    return _cv_array(y, w, ddof)


@dataclass(frozen=True)
class TheilResult:
    r"""A Theil index and, when groups were given, its exact within/between split.

    Attributes
    ----------
    index
        ``"T"`` (Theil T, GE(1)) or ``"L"`` (Theil L, mean log deviation, GE(0)).
    total
        The index over all units, computed from the units directly.
    within, between
        :math:`T_w = \sum_g s_g T_g`, :math:`T_b = \sum_g s_g \ln(\bar y_g / \bar y)` (index T) or
        :math:`L_w = \sum_g p_g L_g`, :math:`L_b = \sum_g p_g \ln(\bar y / \bar y_g)` (index L);
        ``None`` without groups. ``within + between == total`` up to rounding.
    groups
        One row per group, ordered by mean: ``group, n, population_share, value_share, mean, theil,
        within_contribution, between_term``; ``None`` without groups.
    n, mean
        Number of units and (weighted) mean.
    weighted
        Whether population weights were used.
    """

    index: TheilIndex
    total: float
    within: float | None
    between: float | None
    groups: pd.DataFrame | None
    n: int
    mean: float
    weighted: bool

    @property
    def within_share(self) -> float | None:
        """``within / total`` (0 when total is 0)."""
        return None if self.within is None else (self.within / self.total if self.total > 0 else 0.0)

    @property
    def between_share(self) -> float | None:
        """``between / total`` (0 when total is 0)."""
        return None if self.between is None else (self.between / self.total if self.total > 0 else 0.0)

    def to_frame(self) -> pd.DataFrame:
        """One row: ``index, n, mean, total`` and, with groups, ``within, between`` and their shares."""
        row: dict[str, object] = {"index": self.index, "n": self.n, "mean": self.mean, "total": self.total}
        if self.within is not None:
            row |= {
                "within": self.within,
                "between": self.between,
                "within_share": self.within_share,
                "between_share": self.between_share,
            }
        return pd.DataFrame([row | {"weighted": self.weighted}])


def _theil_units(y: np.ndarray, p: np.ndarray, mu: float, index: TheilIndex) -> float:
    """Theil over units with population shares ``p`` (summing to the group's share) and mean ``mu``."""
    ratio = y / mu
    if index == "T":
        # 0 · ln 0 = 0: a unit with y = 0 adds nothing to Theil T.
        terms = np.zeros_like(ratio)
        pos = ratio > 0
        terms[pos] = ratio[pos] * np.log(ratio[pos])
        return float(np.dot(p, terms))
    return float(-np.dot(p, np.log(ratio)))


def _theil_array(
    y: np.ndarray, groups: np.ndarray | None, w: np.ndarray | None, index: TheilIndex
) -> TheilResult:
    p = np.full(y.size, 1.0 / y.size) if w is None else w / w.sum()
    mu = float(np.dot(p, y))
    if not mu > 0:
        raise MethodError(f"Theil {index} is undefined when the mean is {mu:g}; it needs a positive mean")
    total = _theil_units(y, p, mu, index)
    if groups is None:
        return TheilResult(index, total, None, None, None, y.size, mu, w is not None)
    codes, labels = pd.factorize(pd.Series(groups, dtype=object))
    rows = []
    for k, label in enumerate(labels):
        members = codes == k
        p_g = float(p[members].sum())
        mu_g = float(np.dot(p[members], y[members]) / p_g)
        if not mu_g > 0:
            raise MethodError(
                f"group {label!r} has mean {mu_g:g}; Theil {index} decomposition needs every group mean > 0"
            )
        s_g = p_g * mu_g / mu
        theil_g = _theil_units(y[members], p[members] / p_g, mu_g, index)
        weight = s_g if index == "T" else p_g
        log_ratio = np.log(mu_g / mu) if index == "T" else np.log(mu / mu_g)
        rows.append(
            {
                "group": label,
                "n": int(members.sum()),
                "population_share": p_g,
                "value_share": s_g,
                "mean": mu_g,
                "theil": theil_g,
                "within_contribution": weight * theil_g,
                "between_term": weight * log_ratio,
            }
        )
    table = pd.DataFrame(rows).sort_values(["mean", "group"], kind="stable", key=_sort_key).reset_index(drop=True)
    within = float(table["within_contribution"].sum())
    between = float(table["between_term"].sum())
    return TheilResult(index, total, within, between, table, y.size, mu, w is not None)


def _sort_key(column: pd.Series) -> pd.Series:
    return column if column.name == "mean" else column.astype(str)


def theil(
    values: ArrayLike,
    groups: ArrayLike | None = None,
    *,
    index: TheilIndex = "T",
    weights: ArrayLike | None = None,
) -> TheilResult:
    r"""Theil T or Theil L index, with the exact within/between decomposition when ``groups`` are given.

    With population shares :math:`p_i = w_i/W` (:math:`1/n` unweighted), mean :math:`\bar y = \sum p_i y_i`,
    value shares :math:`s_i = p_i y_i / \bar y`, and for group :math:`g` the shares :math:`p_g, s_g` and mean
    :math:`\bar y_g`:

    .. math::
        T = \sum_i s_i \ln\frac{y_i}{\bar y}
          = \underbrace{\sum_g s_g T_g}_{\text{within}} + \underbrace{\sum_g s_g \ln\frac{\bar y_g}{\bar y}}_{\text{between}},
        \qquad
        L = \sum_i p_i \ln\frac{\bar y}{y_i}
          = \sum_g p_g L_g + \sum_g p_g \ln\frac{\bar y}{\bar y_g}.

    Theil T accepts zeros (:math:`0 \ln 0 = 0`); Theil L needs strictly positive values.

    Parameters
    ----------
    values
        The values (non-negative for T, positive for L).
    groups
        Optional group label per value (regions, belts, any column).
    index
        ``"T"`` (default) or ``"L"``.
    weights
        Optional population weights (> 0).

    Returns
    -------
    TheilResult

    References
    ----------
    Theil (1967); Shorrocks (1980), Econometrica 48(3):613–625.

    Examples
    --------
    >>> r = theil([1, 1, 2, 4], ["a", "a", "b", "b"])
    >>> round(r.total, 6), round(r.within + r.between, 6)
    (0.173287, 0.173287)
    """
    check_choice(index, "index", ("T", "L"))
    domain = "nonnegative" if index == "T" else "positive"
    y = as_values(values, domain=domain, measure=f"Theil {index}")
    g = None if groups is None else as_labels(groups, y.size, "groups")
    return _theil_array(y, g, as_weights(weights, y.size), index)


@dataclass(frozen=True)
class InequalityByPeriod:
    """Gini, CV and Theil indices for each period of a panel.

    Attributes
    ----------
    gini
        One row per period: ``period, n, mean, gini, cv``.
    theil
        One row per period and index: ``period, index, n, mean, total`` and with groups ``within, between,
        within_share, between_share``.
    theil_groups
        With groups: one row per period, index and group (see :class:`TheilResult` ``.groups``); else ``None``.
    options
        ``weighted``, ``ddof``, ``theil_indices``, ``grouped``.
    """

    gini: pd.DataFrame
    theil: pd.DataFrame
    theil_groups: pd.DataFrame | None
    options: dict = field(default_factory=dict)


def inequality_by_period(
    values: ArrayLike,
    periods: ArrayLike,
    groups: ArrayLike | None = None,
    *,
    weights: ArrayLike | None = None,
    ddof: int = 0,
    theil_indices: tuple[TheilIndex, ...] = ("T", "L"),
) -> InequalityByPeriod:
    """Gini, coefficient of variation and Theil T/L (decomposed by ``groups``) for every period.

    See :func:`gini`, :func:`coefficient_of_variation` and :func:`theil` for the formulas. Values must be
    non-negative (positive when ``"L"`` is among ``theil_indices``); a period with a single unit gives 0.
    """
    for index in theil_indices:
        check_choice(index, "theil_indices", ("T", "L"))
    if ddof not in (0, 1):
        raise ParameterError(f"ddof must be 0 or 1, got {ddof!r}")
    need = "positive" if "L" in theil_indices else "nonnegative"
    measure = "Theil L (mean log deviation)" if need == "positive" else "the Gini coefficient"
    y = as_values(values, domain=need, measure=measure)
    per = as_labels(periods, y.size, "periods")
    g = None if groups is None else as_labels(groups, y.size, "groups")
    w = as_weights(weights, y.size)
    if w is not None and ddof != 0:
        raise ParameterError("ddof must be 0 with population weights")
    gini_rows, theil_rows, group_tables = [], [], []
    for period, rows in by_period(per):
        yp, wp = y[rows], None if w is None else w[rows]
        with naming_period(period):
            gini_rows.append(
                {
                    "period": period,
                    "n": rows.size,
                    "mean": _mean(yp, wp),
                    "gini": _gini_array(yp, wp),
                    "cv": _cv_array(yp, wp, ddof),
                }
            )
            for index in theil_indices:
                result = _theil_array(yp, None if g is None else g[rows], wp, index)
                theil_rows.append(result.to_frame().drop(columns="weighted").assign(period=period))
                if result.groups is not None:
                    group_tables.append(result.groups.assign(period=period, index=index))
    theil_table = pd.concat(theil_rows, ignore_index=True)
    theil_table = theil_table[["period", *[c for c in theil_table.columns if c != "period"]]]
    groups_table = None
    if group_tables:
        groups_table = pd.concat(group_tables, ignore_index=True)
        front = ["period", "index"]
        groups_table = groups_table[front + [c for c in groups_table.columns if c not in front]]
    options = {"weighted": w is not None, "ddof": ddof, "theil_indices": tuple(theil_indices), "grouped": g is not None}
    return InequalityByPeriod(pd.DataFrame(gini_rows), theil_table, groups_table, options)
