r"""Markov chains of relative position: classes, transition matrices, steady state, spatial Markov.

Classes come from **pooled** quantiles of all unit-period values (not per period), so a unit that improves
relative to the fixed cut points moves up: with :math:`k` classes the cut points are the
:math:`1/k, \dots, (k-1)/k` quantiles (numpy's linear interpolation, as mapclassify's ``Quantiles``), and
class :math:`c` (1 = lowest) holds values with :math:`q_{c-1} < y \le q_c`.

What is classed (``basis``, recorded in every result):

* ``"absolute"`` (default): the values themselves. When every unit's score rises year after year (as a
  pooled composite index does), late years fill the top class and early years the bottom one, the top
  class becomes absorbing and the steady state is (0, …, 0, 1) — a property of the input, not a finding.
* ``"relative"``: each value divided by its period's (unweighted) mean, :math:`y_{it} / \bar y_t` —
  giddy's usual input (``rpci = pci / pci.mean(axis=0)``). Classes then describe position relative to the
  average of the same year, and the chain answers "do units change rank relative to the others".

The number of classes is bounded so that the transition matrix is estimated from something: a classic
chain needs :math:`k^2 \le T` (at least one transition per cell of the :math:`k \times k` matrix on
average, :math:`T` = the number of transitions), a spatial chain :math:`k^3 \le T` (:math:`k` matrices).

A transition is a unit observed in two consecutive periods (neighbours in the sorted list of periods). With
:math:`n_{ab}` transitions from class :math:`a` to :math:`b`, the maximum-likelihood transition probability
is :math:`p_{ab} = n_{ab} / \sum_b n_{ab}`. A row with no observed transition has no estimate: its
probabilities are left empty (NaN) and its count ``n`` is 0. The steady state :math:`\pi` solves
:math:`\pi P = \pi`, :math:`\sum \pi = 1`; it is reported when it exists and is unique (every row observed
and eigenvalue 1 simple), else ``None`` with the reason in ``steady_state_note``. Sojourn times, mean
first-passage times and the homogeneity tests (over blocks of periods, over regimes such as regions, and for
the spatial chain over the lag classes) are in :mod:`~nqp_lib.disparity.mobility`.

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

from nqp_lib.errors import MethodError, ParameterError
from nqp_lib.disparity.mobility import HomogeneityResult, first_passage_times, homogeneity, sojourn_times
from nqp_lib.disparity.panel import by_period, naming_period, period_codes, transitions
from nqp_lib.disparity.spatial import SpatialWeights, aligned_periods
from nqp_lib.disparity.validation import as_labels, as_values, check_choice, check_int

#: What the classes are cut on (see the module docstring).
BASES = ("absolute", "relative")


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


def relative_values(values: np.ndarray, periods: np.ndarray) -> np.ndarray:
    r"""Each value divided by its period's mean, :math:`y_{it} / \bar y_t` (the ``"relative"`` basis)."""
    out = np.empty_like(values)
    for period, rows in by_period(periods):
        mean = float(values[rows].mean())
        if not mean > 0:
            raise MethodError(
                f"period {period}: relative classes divide by the period's mean, which is {mean:g}; "
                "use basis='absolute' (CLI --markov-basis absolute) or a positive index"
            )
        out[rows] = values[rows] / mean
    return out


def max_classes(n_transitions: int, *, spatial: bool = False) -> int:
    """The largest k with :math:`k^2 \\le T` (classic chain) or :math:`k^3 \\le T` (spatial chain)."""
    power = 3 if spatial else 2
    k = 1
    while (k + 1) ** power <= n_transitions:
        k += 1
    return k


def check_classes(k: int, n_transitions: int, *, spatial: bool = False) -> None:
    """Refuse more classes than the transitions can estimate (see the module docstring for the rule)."""
    bound = max_classes(n_transitions, spatial=spatial)
    if k > bound:
        power, what = (3, "a spatial Markov chain (k matrices of k × k)") if spatial else (2, "a k × k Markov chain")
        raise ParameterError(
            f"classes = {k}: {what} needs k^{power} ≤ the number of transitions (one per cell on average); "
            f"this panel has {n_transitions} transitions, so classes must be between 2 and {bound}"
            if bound >= 2 else
            f"classes = {k}: {what} needs k^{power} ≤ the number of transitions (one per cell on average); "
            f"this panel has only {n_transitions} transitions, too few for even 2 classes"
        )


def _classed(y: np.ndarray, per: np.ndarray, basis: str) -> np.ndarray:
    check_choice(basis, "basis", BASES)
    return relative_values(y, per) if basis == "relative" else y


def _time_regimes(per: np.ndarray, start: np.ndarray, blocks: int) -> tuple[np.ndarray, list[str]]:
    """Block number of each transition (by its start period) and the blocks' names ("2011–2016")."""
    codes, labels = period_codes(per)
    starts = np.unique(codes[start])
    parts = [p for p in np.array_split(starts, min(blocks, starts.size)) if p.size]
    block_of = np.empty(labels.size, dtype=int)
    for b, part in enumerate(parts):
        block_of[part] = b
    names = [f"{labels[p[0]]}" if p.size == 1 else f"{labels[p[0]]}–{labels[p[-1]]}" for p in parts]
    return block_of[codes[start]], names


def _by_regime(start_cls: np.ndarray, end_cls: np.ndarray, regime: np.ndarray, n_regimes: int, k: int) -> np.ndarray:
    return np.stack([_counts(start_cls[regime == r], end_cls[regime == r], k) for r in range(n_regimes)])


@dataclass(frozen=True)
class MarkovResult:
    """Classic (Quah) Markov chain over quantile classes.

    Attributes
    ----------
    cuts
        The k−1 pooled quantile cut points (of the values, or of the relative values).
    counts, probabilities
        k × k arrays (row = class at t, column = class at t+1); empty rows of ``probabilities`` are NaN.
    steady_state, steady_state_note
        Stationary distribution (or ``None``) and why it is missing.
    initial
        Share of units in each class in the first period.
    n_transitions
        Number of observed transitions.
    options
        ``classes`` (k), ``class_rule``, ``basis``, ``time_blocks``.
    sojourn
        Expected periods spent in each class once entered, :math:`1/(1 - p_{ii})`.
    first_passage
        k × k mean first-passage times (diagonal: recurrence times).
    homogeneity
        :class:`~nqp_lib.disparity.mobility.HomogeneityResult` by test: ``"time"`` (blocks of periods) and,
        when regimes were given, ``"regimes"``; a test that cannot be formed is absent.
    """

    cuts: np.ndarray
    counts: np.ndarray
    probabilities: np.ndarray
    steady_state: np.ndarray | None
    steady_state_note: str
    initial: np.ndarray
    n_transitions: int
    options: dict = field(default_factory=dict)
    sojourn: np.ndarray | None = None
    first_passage: np.ndarray | None = None
    homogeneity: dict[str, HomogeneityResult] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """Long table ``from_class, to_class, n`` (row total) ``, count, probability``."""
        return _long(self.counts, self.probabilities)

    def classes_table(self) -> pd.DataFrame:
        """One row per class: ``class, initial, steady_state, sojourn``."""
        k = self.counts.shape[0]
        pi = self.steady_state if self.steady_state is not None else np.full(k, np.nan)
        return pd.DataFrame({"class": np.arange(1, k + 1), "initial": self.initial, "steady_state": pi,
                             "sojourn": self.sojourn})

    def passage_table(self) -> pd.DataFrame:
        """Long table ``from_class, to_class, mean_first_passage``."""
        return _passage_long(self.first_passage)

    def tests_table(self) -> pd.DataFrame:
        """One row per homogeneity test: ``test, LR, Q, dof, p_LR, p_Q, regimes, note``."""
        return _tests_long(self.homogeneity)


def _passage_long(M: np.ndarray) -> pd.DataFrame:
    k = M.shape[0]
    a, b = np.meshgrid(np.arange(1, k + 1), np.arange(1, k + 1), indexing="ij")
    return pd.DataFrame({"from_class": a.ravel(), "to_class": b.ravel(), "mean_first_passage": M.ravel()})


def _tests_long(tests: dict[str, HomogeneityResult]) -> pd.DataFrame:
    frames = [h.to_frame().assign(test=name) for name, h in tests.items()]
    if not frames:
        return pd.DataFrame(columns=["test", "LR", "Q", "dof", "p_LR", "p_Q", "regimes", "note"])
    out = pd.concat(frames, ignore_index=True)
    return out[["test", *out.columns[:-1]]]


def markov_chain(
    values: ArrayLike,
    units: ArrayLike,
    periods: ArrayLike,
    *,
    classes: int = 4,
    cuts: ArrayLike | None = None,
    basis: Literal["absolute", "relative"] = "absolute",
    regimes: ArrayLike | None = None,
    time_blocks: int = 2,
) -> MarkovResult:
    """Transition counts, probabilities, steady state and mobility of quantile classes (module docstring).

    Parameters
    ----------
    values, units, periods
        One row per unit-period.
    classes
        Number of classes k (default 4), cut at pooled quantiles; at most :func:`max_classes` of the
        transitions (k² ≤ T).
    cuts
        Explicit increasing cut points instead (k − 1 of them, on the scale of ``basis``).
    basis
        ``"absolute"`` (default): class the values; ``"relative"``: class each value over its period's mean.
    regimes
        Optional label per row (e.g. the region); a transition belongs to the regime of its start row, and
        ``homogeneity["regimes"]`` tests whether the regimes share one matrix.
    time_blocks
        Split the transitions by start period into this many consecutive blocks (default 2) for
        ``homogeneity["time"]``.
    """
    y = as_values(values, measure="a Markov chain")
    u = as_labels(units, y.size, "units")
    per = as_labels(periods, y.size, "periods")
    blocks = check_int(time_blocks, "time_blocks", minimum=2)
    y = _classed(y, per, basis)
    start, end = transitions(u, per)
    if start.size == 0:
        raise MethodError("a Markov chain needs units observed in at least two consecutive periods")
    if cuts is None:
        check_classes(check_int(classes, "classes", minimum=2), int(start.size))
    cut_points = _cut_points(y, classes, cuts)
    k = cut_points.size + 1
    cls = classify(y, cut_points)
    counts = _counts(cls[start], cls[end], k)
    probs = _probabilities(counts)
    pi, note = steady_state(probs)
    first = period_codes(per)[0] == 0
    initial = np.bincount(cls[first] - 1, minlength=k) / first.sum()
    tests = {}
    block, names = _time_regimes(per, start, blocks)
    if len(names) >= 2:
        tests["time"] = homogeneity(_by_regime(cls[start], cls[end], block, len(names), k), names)
    if regimes is not None:
        reg = as_labels(regimes, y.size, "regimes")
        codes, labels = pd.factorize(pd.Series(reg[start], dtype=object), sort=True)
        if labels.size >= 2:
            tests["regimes"] = homogeneity(_by_regime(cls[start], cls[end], codes, labels.size, k), list(labels))
    rule = "given" if cuts is not None else "pooled quantiles"
    options = {"classes": k, "class_rule": rule, "basis": basis, "time_blocks": blocks}
    return MarkovResult(cut_points, counts, probs, pi, note, initial, int(start.size), options,
                        sojourn_times(probs), first_passage_times(probs), tests)


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
        ``classes``, ``lag_cuts`` rule, ``standardised`` weights, ``basis``.
    sojourn
        (k, k): sojourn times per lag class (rows) and class (columns).
    first_passage
        (k, k, k): mean first-passage times per lag class.
    homogeneity
        Test that the k lag-class matrices are one matrix (giddy's ``Spatial_Markov`` ``LR``, ``Q``,
        ``dof_hom``).
    """

    cuts: np.ndarray
    lag_cuts: np.ndarray
    counts: np.ndarray
    probabilities: np.ndarray
    steady_states: list
    steady_state_notes: list
    n_transitions: int
    options: dict = field(default_factory=dict)
    sojourn: np.ndarray | None = None
    first_passage: np.ndarray | None = None
    homogeneity: HomogeneityResult | None = None

    def table(self) -> pd.DataFrame:
        """Long table ``lag_class, from_class, to_class, n, count, probability``."""
        frames = [
            _long(c, p).assign(lag_class=l + 1) for l, (c, p) in enumerate(zip(self.counts, self.probabilities))
        ]
        out = pd.concat(frames, ignore_index=True)
        return out[["lag_class", *out.columns[:-1]]]

    def passage_table(self) -> pd.DataFrame:
        """Long table ``lag_class, from_class, to_class, mean_first_passage``."""
        out = pd.concat([_passage_long(m).assign(lag_class=l + 1) for l, m in enumerate(self.first_passage)],
                        ignore_index=True)
        return out[["lag_class", *out.columns[:-1]]]

    def tests_table(self) -> pd.DataFrame:
        """One row: the homogeneity test across lag classes (``test`` = ``"lag classes"``)."""
        return _tests_long({"lag classes": self.homogeneity} if self.homogeneity is not None else {})


def spatial_markov(
    values: ArrayLike,
    units: ArrayLike,
    periods: ArrayLike,
    weights: SpatialWeights,
    *,
    classes: int = 4,
    lag_cuts: Literal["lags", "values"] = "lags",
    basis: Literal["absolute", "relative"] = "absolute",
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
        Number of classes k (default 4) for values and lags; k³ ≤ the number of transitions.
    lag_cuts
        ``"lags"`` (pooled quantiles of the lags, default) or ``"values"`` (the value cut points).
    basis
        ``"absolute"`` (default) or ``"relative"`` (values over their period's mean, then lags of those).
    """
    check_choice(lag_cuts, "lag_cuts", ("lags", "values"))
    y = as_values(values, measure="a spatial Markov chain")
    u = as_labels(units, y.size, "units")
    per = as_labels(periods, y.size, "periods")
    y = _classed(y, per, basis)
    start, end = transitions(u, per)
    if start.size == 0:
        raise MethodError("a spatial Markov chain needs units observed in at least two consecutive periods")
    lag = np.empty_like(y)
    for _, rows, w in aligned_periods(u, per, weights, measure="a spatial Markov chain"):
        lag[rows] = w.lag(y[rows])
    check_classes(check_int(classes, "classes", minimum=2), int(start.size), spatial=True)
    cuts = quantile_cuts(y, classes)
    k = cuts.size + 1
    lcuts = quantile_cuts(lag, classes, name="spatial lags") if lag_cuts == "lags" else cuts
    cls, lag_cls = classify(y, cuts), classify(lag, lcuts)
    counts = _by_regime(cls[start], cls[end], lag_cls[start] - 1, k, k)
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
        {"classes": k, "lag_cuts": lag_cuts, "standardised": weights.standardised, "basis": basis},
        np.stack([sojourn_times(p) for p in probs]),
        np.stack([first_passage_times(p) for p in probs]),
        homogeneity(counts, [f"lag class {c}" for c in range(1, k + 1)]),
    )
