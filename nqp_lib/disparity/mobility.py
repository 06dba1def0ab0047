r"""What a transition matrix says about mobility: sojourn times, mean first-passage times, homogeneity tests.

**Sojourn time** of class :math:`i`: the expected number of consecutive periods spent in it once entered,
:math:`1 / (1 - p_{ii})` (infinite for an absorbing class, :math:`p_{ii} = 1`) — giddy's ``sojourn_time``.

**Mean first-passage time** :math:`m_{ij}`: the expected number of periods for a unit now in class
:math:`i` to enter class :math:`j` for the first time; :math:`m_{jj}` is the mean recurrence time. For each
target :math:`j` it solves :math:`m_{ij} = 1 + \sum_{k \ne j} p_{ik} m_{kj}` over the classes that reach
:math:`j` with probability 1; from any other class the time is infinite. In an ergodic chain this is Kemeny
& Snell's (1976, §4.4) :math:`M = (I - Z + E Z_{dg}) D` with :math:`Z = (I - P + \mathbf 1\pi)^{-1}` and
:math:`m_{jj} = 1/\pi_j`; in a reducible chain it agrees with giddy's ``mfpt`` (each closed class is a chain
of its own, the other classes cannot be reached from it). A class with no observed transition (a row of
NaN) leaves the times undefined (NaN).

**Homogeneity** (Bickenbach & Bode 2003; giddy's ``homogeneity``/``Homogeneity_Results``): do :math:`m`
regimes (periods, groups of units, or the classes of the neighbours' lag) share one transition matrix?
With counts :math:`n_{ij,r}` of regime :math:`r`, row totals :math:`n_{i,r}`, the regime's probabilities
:math:`p_{ij,r} = n_{ij,r}/n_{i,r}` and the pooled :math:`p_{ij} = \sum_r n_{ij,r} / \sum_r n_{i,r}`:

.. math::
    LR = 2 \sum_r \sum_i \sum_{j:\ n_{ij,r} > 0} n_{ij,r} \ln \frac{p_{ij,r}}{p_{ij}}, \qquad
    Q = \sum_r \sum_i \sum_{j:\ p_{ij} > 0} n_{i,r} \frac{(p_{ij,r} - p_{ij})^2}{p_{ij}},

both :math:`\chi^2` with :math:`\sum_i (b_i - 1)(a_i - 1)` degrees of freedom, where :math:`b_i` counts the
regimes with transitions out of class :math:`i` and :math:`a_i` the classes reached from :math:`i` in the
pooled matrix. With 0 degrees of freedom there is nothing to test: the p-values are NaN with a note.

References
----------
Kemeny, J. G., & Snell, J. L. (1976). *Finite Markov Chains*. Springer.
Bickenbach, F., & Bode, E. (2003). Evaluating the Markov property in studies of economic convergence.
*International Regional Science Review* 26(3), 363–392.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from nqp_lib.errors import DataError


def sojourn_times(probabilities: np.ndarray) -> np.ndarray:
    """Expected stay :math:`1/(1 - p_{ii})` in each class (inf when absorbing, NaN for an unobserved row)."""
    diag = np.diagonal(np.asarray(probabilities, dtype=float)).copy()
    with np.errstate(divide="ignore"):
        return np.where(diag >= 1.0, np.inf, 1.0 / (1.0 - diag))


def _certain_reach(P: np.ndarray, target: int) -> np.ndarray:
    """Classes other than ``target`` from which the chain enters ``target`` with probability 1."""
    k = P.shape[0]
    reach = np.zeros(k, dtype=bool)
    reach[target] = True
    while True:  # classes with a path to the target
        grown = reach | ((P[:, reach] > 0).any(axis=1))
        if (grown == reach).all():
            break
        reach = grown
    keep = reach.copy()
    keep[target] = False
    while True:  # drop classes that can step outside the set (they may never arrive)
        allowed = keep.copy()
        allowed[target] = True
        leaks = keep & ((P[:, ~allowed] > 0).any(axis=1))
        if not leaks.any():
            return keep
        keep &= ~leaks


def first_passage_times(probabilities: np.ndarray) -> np.ndarray:
    """Mean first-passage times :math:`m_{ij}` (rows: from, columns: to; diagonal: recurrence times)."""
    P = np.asarray(probabilities, dtype=float)
    k = P.shape[0]
    if not np.isfinite(P).all():
        return np.full((k, k), np.nan)
    M = np.full((k, k), np.inf)
    for j in range(k):
        sure = _certain_reach(P, j)
        idx = np.flatnonzero(sure)
        if idx.size:
            M[idx, j] = np.linalg.solve(np.eye(idx.size) - P[np.ix_(idx, idx)], np.ones(idx.size))
        out = P[j].copy()
        out[j] = 0.0
        steps = np.where(out > 0, M[:, j], 0.0)
        M[j, j] = 1.0 + float(out @ np.where(np.isfinite(steps), steps, 0.0))
        if np.any((out > 0) & ~np.isfinite(M[:, j])):
            M[j, j] = np.inf
    return M


@dataclass(frozen=True)
class HomogeneityResult:
    """Likelihood-ratio and Q tests that several regimes share one transition matrix.

    Attributes
    ----------
    LR, Q
        The two statistics (see the module docstring).
    dof
        Degrees of freedom :math:`\\sum_i (b_i - 1)(a_i - 1)`.
    p_LR, p_Q
        Upper-tail :math:`\\chi^2` p-values (NaN when ``dof`` is 0).
    regimes
        Regime names, in the order of the count matrices.
    n_transitions
        Transitions per regime.
    note
        Why the p-values are missing, if they are.
    """

    LR: float
    Q: float
    dof: int
    p_LR: float
    p_Q: float
    regimes: tuple
    n_transitions: tuple
    note: str = ""

    @property
    def p_value(self) -> float:
        """The likelihood-ratio test's p-value (giddy's ``LR_p_value``), the one to quote in a sentence."""
        return self.p_LR

    def to_frame(self) -> pd.DataFrame:
        """One row: LR, Q, dof, p_LR, p_Q, the regimes (joined by ``;``) and the note."""
        return pd.DataFrame([{
            "LR": self.LR, "Q": self.Q, "dof": self.dof, "p_LR": self.p_LR, "p_Q": self.p_Q,
            "regimes": "; ".join(map(str, self.regimes)), "note": self.note,
        }])


def homogeneity(counts: np.ndarray | Sequence[np.ndarray], regimes: Sequence | None = None) -> HomogeneityResult:
    """Test whether the regimes' transition count matrices share one transition matrix.

    Parameters
    ----------
    counts
        Array of shape (m, k, k) (or a list of m k × k arrays) of transition counts, one per regime.
    regimes
        Names of the m regimes (default 1…m).
    """
    M = np.asarray(counts, dtype=float)
    if M.ndim != 3 or M.shape[1] != M.shape[2] or M.shape[0] < 2:
        raise DataError(f"homogeneity: need at least two k × k count matrices, got shape {M.shape}")
    names = tuple(regimes) if regimes is not None else tuple(range(1, M.shape[0] + 1))
    if len(names) != M.shape[0]:
        raise DataError(f"homogeneity: {len(names)} regime names for {M.shape[0]} count matrices")
    pooled = M.sum(axis=0)
    n_i = pooled.sum(axis=1)
    p = pooled / np.where(n_i > 0, n_i, 1.0)[:, None]
    n_ir = M.sum(axis=2)
    p_r = M / np.where(n_ir > 0, n_ir, 1.0)[:, :, None]
    positive = p > 0
    den = np.where(positive, p, 1.0)
    Q = float((n_ir[:, :, None] * np.where(positive, (p_r - p) ** 2 / den, 0.0)).sum())
    seen = M > 0
    ratio = np.where(seen, p_r / np.where(seen, den, 1.0), 1.0)
    LR = float(2.0 * (M * np.log(ratio)).sum())
    b = (n_ir > 0).sum(axis=0)
    a = (pooled > 0).sum(axis=1)
    dof = int(((b - 1) * np.maximum(a - 1, 0) * (b > 0)).sum())
    note = ""
    if dof > 0:
        p_LR, p_Q = float(stats.chi2.sf(LR, dof)), float(stats.chi2.sf(Q, dof))
    else:
        p_LR = p_Q = float("nan")
        note = "0 degrees of freedom: no class has transitions in two regimes to more than one class"
    return HomogeneityResult(LR, Q, dof, p_LR, p_Q, names, tuple(int(x) for x in M.sum(axis=(1, 2))), note)
