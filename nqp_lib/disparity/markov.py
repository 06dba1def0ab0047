r"""Markov chains of relative position: classes, transition matrices, steady state, spatial Markov.

Classes come from **pooled** quantiles of all unit-period values (not per period), so a unit that improves
relative to the fixed cut points moves up: with :math:`k` classes the cut points are the
:math:`1/k, \dots, (k-1)/k` quantiles (numpy's linear interpolation), and class :math:`c` (1 = lowest) holds
values with :math:`q_{c-1} < y \le q_c`.

A transition is a unit observed in two consecutive periods (neighbours in the sorted list of periods). With
:math:`n_{ab}` transitions from class :math:`a` to :math:`b`, the maximum-likelihood transition probability
is :math:`p_{ab} = n_{ab} / \sum_b n_{ab}`. A row with no observed transition has no estimate: its
probabilities are left empty (NaN) and its count ``n`` is 0. The steady state :math:`\pi` solves
:math:`\pi P = \pi`, :math:`\sum \pi = 1`; it is reported when it exists and is unique (every row observed
and eigenvalue 1 simple), else ``None`` with the reason in ``steady_state_note``.

The spatial Markov chain (Rey 2001) conditions each transition on the class of the unit's spatial lag
:math:`\sum_j w_{ij} y_{jt}` at the start of the transition, giving one :math:`k \times k` matrix per lag
class. Lag classes come from pooled quantiles of the lags themselves (default, as in PySAL's giddy) or from
the value cut points (``lag_cuts="values"``).

References
----------
Quah, D. T. (1993). Empirical cross-section dynamics in economic growth. *European Economic Review* 37,
426–434.
Rey, S. J. (2001). Spatial empirics for economic growth and convergence. *Geographical Analysis* 33(3),
195–214.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from nqp_lib.errors import MethodError
from nqp_lib.disparity.panel import period_codes, transitions
from nqp_lib.disparity.spatial import SpatialWeights, aligned_periods
from nqp_lib.disparity.validation import as_labels, as_values, check_choice, check_int


def quantile_cuts(values: ArrayLike, k: int = 4, name: str = "values") -> np.ndarray:
    """Cut points of ``k`` classes at the pooled quantiles 1/k, …, (k−1)/k (strictly increasing).

    Raises :class:`MethodError` when two cut points coincide (many equal values), which would leave a class
    empty.
    """
    k = check_int(k, "classes", minimum=2)
    y = as_values(values, name, measure="Markov classes")
    cuts = np.quantile(y, np.arange(1, k) / k)
    if np.any(np.diff(cuts) <= 0) or cuts[-1] >= y.max():
        raise MethodError(
            f"{name}: the pooled quantile cut points {np.round(cuts, 6).tolist()} coincide (many equal values), "
            f"so {k} classes cannot all be filled; use fewer classes"
        )
    return cuts


def classify(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Class 1…k of each value: class c holds ``cuts[c-2] < y <= cuts[c-1]``."""
    return np.searchsorted(cuts, values, side="left") + 1


def steady_state(probabilities: np.ndarray) -> tuple[np.ndarray | None, str]:
    """Stationary distribution of a transition matrix, and a note when it is undefined or not unique."""
    P = np.asarray(probabilities, dtype=float)
    if not np.isfinite(P).all():
        return None, "undefined: some class has no observed transition"
    values, vectors = np.linalg.eig(P.T)
    unit = np.flatnonzero(np.abs(values - 1.0) < 1e-9)
    if unit.size != 1:
        return None, f"not unique: eigenvalue 1 has multiplicity {unit.size} (more than one closed class)"
    pi = np.real(vectors[:, unit[0]])
    pi = pi / pi.sum()
    pi[np.abs(pi) < 1e-10] = 0.0  # rounding noise of the eigen-solver
    return pi / pi.sum(), ""


def _counts(start: np.ndarray, end: np.ndarray, k: int) -> np.ndarray:
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (start - 1, end - 1), 1)
    return counts


def _probabilities(counts: np.ndarray) -> np.ndarray:
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, counts / np.where(totals > 0, totals, 1), np.nan)


def _long(counts: np.ndarray, probs: np.ndarray) -> pd.DataFrame:
    k = counts.shape[0]
    a, b = np.meshgrid(np.arange(1, k + 1), np.arange(1, k + 1), indexing="ij")
    return pd.DataFrame(
        {
            "from_class": a.ravel(),
            "to_class": b.ravel(),
            "n": np.repeat(counts.sum(axis=1), k),
            "count": counts.ravel(),
            "probability": probs.ravel(),
        }
    )


@dataclass(frozen=True)
class MarkovResult:
    """Classic (Quah) Markov chain over quantile classes.

    Attributes
    ----------
    cuts
        The k−1 pooled quantile cut points.
    counts, probabilities
        k × k arrays (row = class at t, column = class at t+1); empty rows of ``probabilities`` are NaN.
    steady_state, steady_state_note
        Stationary distribution (or ``None``) and why it is missing.
    initial
        Share of units in each class in the first period.
    n_transitions
        Number of observed transitions.
    options
        ``classes`` (k) and ``class_rule``.
    """

    cuts: np.ndarray
    counts: np.ndarray
    probabilities: np.ndarray
    steady_state: np.ndarray | None
    steady_state_note: str
    initial: np.ndarray
    n_transitions: int
    options: dict = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """Long table ``from_class, to_class, n`` (row total) ``, count, probability``."""
        return _long(self.counts, self.probabilities)


def markov_chain(
    values: ArrayLike,
    units: ArrayLike,
    periods: ArrayLike,
    *,
    classes: int = 4,
    cuts: ArrayLike | None = None,
) -> MarkovResult:
    """Transition counts, probabilities and steady state of quantile classes (see the module docstring).

    Parameters
    ----------
    values, units, periods
        One row per unit-period.
    classes
        Number of classes k (default 4), cut at pooled quantiles.
    cuts
        Explicit increasing cut points instead (k − 1 of them).
    """
    y = as_values(values, measure="a Markov chain")
    u = as_labels(units, y.size, "units")
    per = as_labels(periods, y.size, "periods")
    cut_points = _cut_points(y, classes, cuts)
    k = cut_points.size + 1
    cls = classify(y, cut_points)
    start, end = transitions(u, per)
    if start.size == 0:
        raise MethodError("a Markov chain needs units observed in at least two consecutive periods")
    counts = _counts(cls[start], cls[end], k)
    probs = _probabilities(counts)
    pi, note = steady_state(probs)
    first = period_codes(per)[0] == 0
    initial = np.bincount(cls[first] - 1, minlength=k) / first.sum()
    rule = "given" if cuts is not None else "pooled quantiles"
    options = {"classes": k, "class_rule": rule}
    return MarkovResult(cut_points, counts, probs, pi, note, initial, int(start.size), options)


def _cut_points(y: np.ndarray, classes: int, cuts: ArrayLike | None) -> np.ndarray:
    if cuts is None:
        return quantile_cuts(y, classes)
    c = as_values(cuts, "cuts", measure="Markov classes")
    if np.any(np.diff(c) <= 0):
        raise MethodError(f"cuts must be strictly increasing, got {c.tolist()}")
    return c


@dataclass(frozen=True)
class SpatialMarkovResult:
    """Spatial Markov chain: one transition matrix per class of the neighbours' spatial lag.

    Attributes
    ----------
    cuts, lag_cuts
        Cut points of the value classes and of the lag classes.
    counts, probabilities
        Arrays of shape (k, k, k): ``[lag_class - 1, from_class - 1, to_class - 1]``.
    steady_states, steady_state_notes
        One per lag class (``None`` where undefined, with the reason).
    n_transitions
        Number of transitions used.
    options
        ``classes``, ``lag_cuts`` rule, ``standardised`` weights.
    """

    cuts: np.ndarray
    lag_cuts: np.ndarray
    counts: np.ndarray
    probabilities: np.ndarray
    steady_states: list
    steady_state_notes: list
    n_transitions: int
    options: dict = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """Long table ``lag_class, from_class, to_class, n, count, probability``."""
        frames = [
            _long(c, p).assign(lag_class=l + 1) for l, (c, p) in enumerate(zip(self.counts, self.probabilities))
        ]
        out = pd.concat(frames, ignore_index=True)
        return out[["lag_class", *out.columns[:-1]]]


def spatial_markov(
    values: ArrayLike,
    units: ArrayLike,
    periods: ArrayLike,
    weights: SpatialWeights,
    *,
    classes: int = 4,
    lag_cuts: Literal["lags", "values"] = "lags",
) -> SpatialMarkovResult:
    """Spatial Markov chain (Rey 2001) conditioned on the class of each unit's spatial lag.

    Parameters
    ----------
    values, units, periods
        One row per unit-period; every unit must be in ``weights``.
    weights
        :class:`~nqp_lib.disparity.spatial.SpatialWeights`; in each period it is restricted to the units
        present and re-standardised.
    classes
        Number of classes k (default 4) for values and lags.
    lag_cuts
        ``"lags"`` (pooled quantiles of the lags, default) or ``"values"`` (the value cut points).
    """
    check_choice(lag_cuts, "lag_cuts", ("lags", "values"))
    y = as_values(values, measure="a spatial Markov chain")
    u = as_labels(units, y.size, "units")
    per = as_labels(periods, y.size, "periods")
    lag = np.empty_like(y)
    for _, rows, w in aligned_periods(u, per, weights, measure="a spatial Markov chain"):
        lag[rows] = w.lag(y[rows])
    cuts = quantile_cuts(y, classes)
    k = cuts.size + 1
    lcuts = quantile_cuts(lag, classes, name="spatial lags") if lag_cuts == "lags" else cuts
    cls, lag_cls = classify(y, cuts), classify(lag, lcuts)
    start, end = transitions(u, per)
    if start.size == 0:
        raise MethodError("a spatial Markov chain needs units observed in at least two consecutive periods")
    start_lag = lag_cls[start]
    counts = np.stack([_counts(cls[start][start_lag == c], cls[end][start_lag == c], k) for c in range(1, k + 1)])
    probs = np.stack([_probabilities(c) for c in counts])
    states = [steady_state(p) for p in probs]
    return SpatialMarkovResult(
        cuts,
        lcuts,
        counts,
        probs,
        [s for s, _ in states],
        [note for _, note in states],
        int(start.size),
        {"classes": k, "lag_cuts": lag_cuts, "standardised": weights.standardised},
    )
