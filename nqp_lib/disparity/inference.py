r"""Inference for Moran's I and LISA: pseudo p-values, analytical moments, multiple-testing adjustment.

**Pseudo p-value.** With :math:`R` permuted statistics :math:`I^*_r` and the observed :math:`I`,

.. math:: p = \frac{\min\left(\#\{I^* \ge I\},\ \#\{I^* \le I\}\right) + 1}{R + 1},

one-sided in the direction of the smaller tail. Permuted values *equal* to the observed one count as at
least as extreme in both tails (within a relative tolerance of :math:`10^{-12}`, so that rounding in the
order of a sum does not split a tie). This is ``min(p_greater, p_lesser)`` of esda's
``calculate_significance``; esda's ``Moran.p_sim`` and ``Moran_Local.p_sim`` (its ``"directed"`` rule) count
ties only in the upper tail, which makes a lower-tail p too small when ties are frequent — e.g. a unit with a
single neighbour among 30 units, whose conditional permutations take only 29 distinct values.

**Analytical moments** (Cliff & Ord 1981, ch. 1–2), with :math:`S_0 = \sum_{ij} w_{ij}`,
:math:`S_1 = \tfrac12 \sum_{ij} (w_{ij} + w_{ji})^2`, :math:`S_2 = \sum_i (w_{i\cdot} + w_{\cdot i})^2` and
the kurtosis :math:`b_2 = n \sum z^4 / (\sum z^2)^2`:

.. math::
    E[I] = -\frac{1}{n-1}, \qquad
    \operatorname{Var}_N(I) = \frac{n^2 S_1 - n S_2 + 3 S_0^2}{(n^2 - 1) S_0^2} - E[I]^2,

    \operatorname{Var}_R(I) = \frac{n\left[(n^2 - 3n + 3) S_1 - n S_2 + 3 S_0^2\right]
        - b_2\left[(n^2 - n) S_1 - 2 n S_2 + 6 S_0^2\right]}{(n-1)(n-2)(n-3) S_0^2} - E[I]^2,

under normality (N) and under randomisation (R); :math:`z = (I - E[I])/\sqrt{\operatorname{Var}}` and the
two-sided :math:`p = 2\,(1 - \Phi(|z|))` — esda's ``z_norm, p_norm, z_rand, p_rand`` with its default
``two_tailed=True``. The randomisation variance needs :math:`n \ge 4`; for fewer units (or a non-positive
variance) z and p are NaN and the result says why.

**Multiple testing** over the :math:`n` local statistics of one period: Bonferroni
:math:`\min(1, n p_i)`, or Benjamini & Hochberg's (1995) false discovery rate — adjusted values
:math:`q_{(i)} = \min_{j \ge i} \min(1, n p_{(j)} / j)` for the sorted :math:`p_{(1)} \le \dots \le p_{(n)}`
(scipy's ``false_discovery_control``; :math:`q_i \le \alpha` exactly for the units esda's ``fdr`` threshold
keeps).

References
----------
Cliff, A. D., & Ord, J. K. (1981). *Spatial Processes: Models and Applications*. Pion.
Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate. *JRSS B* 57(1), 289–300.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse, stats

from nqp_lib.errors import ParameterError

#: Multiple-testing adjustments of LISA p-values.
ADJUSTMENTS = ("none", "bonferroni", "fdr")
_TIE = 1e-12


def pseudo_p(observed: np.ndarray, simulated: np.ndarray) -> np.ndarray:
    """Pseudo p-value along the last axis of ``simulated`` (permutations); ties count in both tails."""
    observed = np.asarray(observed, dtype=float)[..., None]
    tol = _TIE * np.maximum(1.0, np.abs(observed))
    greater = (simulated >= observed - tol).sum(axis=-1)
    lesser = (simulated <= observed + tol).sum(axis=-1)
    return (np.minimum(greater, lesser) + 1.0) / (simulated.shape[-1] + 1.0)


@dataclass(frozen=True)
class WeightSums:
    """:math:`S_0, S_1, S_2` of a weights matrix (Cliff & Ord's notation)."""

    s0: float
    s1: float
    s2: float


def weight_sums(matrix: sparse.sparray) -> WeightSums:
    """:math:`S_0, S_1, S_2` of a (sparse) weights matrix."""
    W = sparse.csr_array(matrix)
    sym = W + W.T
    s1 = 0.5 * float((sym.multiply(sym)).sum())
    margins = np.asarray(W.sum(axis=1)).ravel() + np.asarray(W.sum(axis=0)).ravel()
    return WeightSums(float(W.sum()), s1, float(margins @ margins))


@dataclass(frozen=True)
class MoranMoments:
    """Analytical inference for global Moran's I (see the module docstring); NaN fields come with a note."""

    var_norm: float
    z_norm: float
    p_norm: float
    var_rand: float
    z_rand: float
    p_rand: float
    note: str = ""


def _z_p(I: float, expected: float, var: float) -> tuple[float, float]:  # noqa: E741
    if not var > 0:
        return float("nan"), float("nan")
    z = (I - expected) / np.sqrt(var)
    return float(z), float(2.0 * stats.norm.sf(abs(z)))


def moran_moments(I: float, z: np.ndarray, sums: WeightSums) -> MoranMoments:  # noqa: E741
    """Variance, z and two-sided p of Moran's I under normality and under randomisation."""
    n = z.size
    s0, s1, s2 = sums.s0, sums.s1, sums.s2
    expected = -1.0 / (n - 1)
    var_norm = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n * n - 1) * s0 * s0) - expected**2
    notes = []
    if n >= 4:
        b2 = n * float((z**4).sum()) / float((z**2).sum()) ** 2
        a = n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0 * s0)
        b = b2 * ((n * n - n) * s1 - 2 * n * s2 + 6 * s0 * s0)
        var_rand = (a - b) / ((n - 1) * (n - 2) * (n - 3) * s0 * s0) - expected**2
    else:
        var_rand = float("nan")
        notes.append(f"the randomisation variance needs at least 4 units, got {n}")
    for label, var in (("normality", var_norm), ("randomisation", var_rand)):
        if np.isfinite(var) and not var > 0:
            notes.append(f"the variance under {label} is {var:.3g} (not positive): no z or p")
    zn, pn = _z_p(I, expected, var_norm)
    zr, pr = _z_p(I, expected, var_rand)
    return MoranMoments(float(var_norm), zn, pn, float(var_rand), zr, pr, "; ".join(notes))


def adjust_pvalues(p: np.ndarray, method: str) -> np.ndarray:
    """Bonferroni or Benjamini–Hochberg adjusted p-values of one family (see the module docstring)."""
    if method not in ADJUSTMENTS:
        raise ParameterError(f"adjust must be one of {', '.join(ADJUSTMENTS)}; got {method!r}")
    p = np.asarray(p, dtype=float)
    n = p.size
    if method == "none" or n == 0:
        return p.copy()
    if method == "bonferroni":
        return np.minimum(1.0, n * p)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * n / np.arange(1, n + 1)
    q = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    out = np.empty(n)
    out[order] = q
    return out
