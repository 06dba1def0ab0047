r"""Global Moran's I and local Moran (LISA) with seeded permutation inference and analytical moments.

With deviations :math:`z_i = y_i - \bar y`, weights :math:`w_{ij}` (zero diagonal, held sparse — see
:mod:`~nqp_lib.disparity.weights`) and :math:`S_0 = \sum_i \sum_j w_{ij}`:

.. math::
    I = \frac{n}{S_0} \frac{\sum_i \sum_j w_{ij} z_i z_j}{\sum_i z_i^2}, \qquad
    I_i = \frac{z_i}{m_2} \sum_j w_{ij} z_j, \quad m_2 = \frac{1}{n} \sum_i z_i^2 .

Weights are row-standardised by default (:math:`\sum_j w_{ij} = 1`, so :math:`S_0 = n` and the mean of the
:math:`I_i` equals :math:`I`). esda scales :math:`I_i` by :math:`m_2 = \sum z^2/(n-1)` instead, which
multiplies every :math:`I_i` by :math:`(n-1)/n` and changes no ranking, quadrant or p-value.

Inference is by permutation, with a seeded :class:`numpy.random.Generator`: for global I the values are
shuffled over the units :math:`R` times; for :math:`I_i` the value of unit :math:`i` is held and the other
:math:`n-1` values are shuffled (conditional randomisation; as in PySAL, one set of random draws serves all
units). The pseudo p-value counts ties as extreme in both tails (:func:`~nqp_lib.disparity.inference.
pseudo_p`). Global I also gets analytical z and two-sided p under normality and under randomisation
(Cliff & Ord; :mod:`~nqp_lib.disparity.inference`), as esda reports them.

LISA quadrants compare the unit's value with the mean and its spatial lag with 0 (the lag of the
deviations): HH (:math:`z_i > 0`, lag > 0), LH, LL, HL; a unit is reported in its quadrant's cluster when
its p-value — adjusted for the :math:`n` tests of a period when ``adjust`` is ``"bonferroni"`` or ``"fdr"``
— is at most :math:`\alpha`, else ``"ns"``.

References
----------
Moran, P. A. P. (1950). Notes on continuous stochastic phenomena. *Biometrika* 37, 17–23.
Anselin, L. (1995). Local indicators of spatial association — LISA. *Geographical Analysis* 27(2), 93–115.
Cliff, A. D., & Ord, J. K. (1981). *Spatial Processes: Models and Applications*. Pion.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from nqp_lib.errors import DataError, MethodError, ParameterError
from nqp_lib.disparity.inference import ADJUSTMENTS, adjust_pvalues, moran_moments, pseudo_p, weight_sums
from nqp_lib.disparity.panel import by_period, check_unique_keys, naming_period
from nqp_lib.disparity.validation import as_labels, as_values, check_choice, check_int
from nqp_lib.disparity.weights import SpatialWeights, read_weights, spatial_weights, weights_from_edges

__all__ = [
    "LisaResult", "MoranByPeriod", "MoranResult", "SpatialWeights", "aligned_periods", "local_moran", "moran",
    "moran_by_period", "quadrants", "read_weights", "spatial_weights", "weights_from_edges",
]

Seed = int | np.random.Generator

_CHUNK = 1 << 21  # permuted values held at once (permutations × units)


def _deviations(y: np.ndarray) -> tuple[np.ndarray, float]:
    if y.size < 3:
        raise MethodError(f"Moran's I needs at least 3 units, got {y.size}")
    z = y - y.mean()
    ss = float(z @ z)
    if not ss > 0:
        raise MethodError("Moran's I is undefined when all values are equal (zero variance)")
    return z, ss


def _check_aligned(values: ArrayLike, w: SpatialWeights) -> np.ndarray:
    y = as_values(values, measure="Moran's I")
    if y.size != w.n:
        raise DataError(f"values: {y.size} values for a {w.n}-unit weights matrix; give one per unit in its order")
    return y


def _seed_label(seed: Seed) -> object:
    """The seed as recorded in results: the integer, or ``"generator"`` for a Generator passed in."""
    return "generator" if isinstance(seed, np.random.Generator) else seed


def _generator(seed: Seed) -> np.random.Generator:
    if isinstance(seed, (bool, float)) or not isinstance(seed, (int, np.integer, np.random.Generator)):
        raise ParameterError(f"seed must be an integer or a numpy Generator, got {seed!r}")
    return np.random.default_rng(seed)


@dataclass(frozen=True)
class MoranResult:
    """Global Moran's I with its permutation distribution summary.

    Attributes
    ----------
    I, expected
        Observed statistic and :math:`E[I] = -1/(n-1)`.
    mean_sim, sd_sim
        Mean and standard deviation (ddof 0) of the permuted statistics.
    z_sim, p_sim
        :math:`(I - \\text{mean}_{sim}) / \\text{sd}_{sim}` and the pseudo p-value (ties count in both tails).
    n, permutations, seed
        Units, permutations and the seed (or ``"generator"``) used.
    var_norm, z_norm, p_norm, var_rand, z_rand, p_rand
        Analytical variance of I, z and two-sided p under normality and under randomisation (esda's names).
    note
        Why an analytical field is NaN (empty otherwise).
    """

    I: float  # noqa: E741 - the statistic's name
    expected: float
    mean_sim: float
    sd_sim: float
    z_sim: float
    p_sim: float
    n: int
    permutations: int
    seed: object
    var_norm: float
    z_norm: float
    p_norm: float
    var_rand: float
    z_rand: float
    p_rand: float
    note: str = ""

    def to_frame(self) -> pd.DataFrame:
        """One row with every field."""
        return pd.DataFrame([asdict(self)])


def _permutation_prefixes(rng: np.random.Generator, rows: int, n: int, k: int) -> np.ndarray:
    """``rows`` × ``k`` array: the first ``k`` entries of ``rows`` random permutations of ``range(n)``.

    Drawn in chunks so that at most about ``_CHUNK`` random keys exist at once (memory linear in n).
    """
    step = max(1, _CHUNK // max(n, 1))
    parts = [np.argsort(rng.random((min(step, rows - s), n)), axis=1)[:, :k] for s in range(0, rows, step)]
    return np.concatenate(parts)


def _permuted(z: np.ndarray, rng: np.random.Generator, count: int) -> np.ndarray:
    return rng.permuted(np.broadcast_to(z, (count, z.size)), axis=1)


def moran(values: ArrayLike, weights: SpatialWeights, *, permutations: int = 999, seed: Seed = 0) -> MoranResult:
    r"""Global Moran's I of ``values`` (in the order of ``weights.labels``) with a permutation p-value.

    See the module docstring for the formula and the p-value rule.

    Parameters
    ----------
    values
        One value per unit, ordered like ``weights.labels``.
    weights
        :class:`SpatialWeights` (see :func:`spatial_weights`).
    permutations
        Number of random permutations R (≥ 1; default 999).
    seed
        Integer seed or :class:`numpy.random.Generator`.
    """
    y = _check_aligned(values, weights)
    r = check_int(permutations, "permutations", minimum=1)
    rng = _generator(seed)
    z, ss = _deviations(y)
    W, n = weights.matrix, y.size
    sums = weight_sums(W)
    scale = n / sums.s0
    observed = float(scale * (z @ (W @ z)) / ss)
    sims = np.empty(r)
    step = max(1, _CHUNK // n)
    for start in range(0, r, step):
        zp = _permuted(z, rng, min(step, r - start))
        sims[start : start + zp.shape[0]] = scale * np.einsum("ri,ir->r", zp, W @ zp.T) / ss
    sd = float(sims.std())
    moments = moran_moments(observed, z, sums)
    return MoranResult(
        I=observed,
        expected=-1.0 / (n - 1),
        mean_sim=float(sims.mean()),
        sd_sim=sd,
        z_sim=float((observed - sims.mean()) / sd) if sd > 0 else 0.0,
        p_sim=float(pseudo_p(observed, sims)),
        n=n,
        permutations=r,
        seed=_seed_label(seed),
        **asdict(moments),
    )


@dataclass(frozen=True)
class LisaResult:
    """Local Moran statistics.

    Attributes
    ----------
    table
        One row per unit (in the order of the weights): ``unit, value, z, lag`` (spatial lag of z) ``, I_i,
        p_sim``, ``p_adjusted`` (only when ``adjust`` is not ``"none"``) ``, quadrant`` (HH/LH/LL/HL) ``,
        cluster`` (the quadrant if the p-value used is at most ``alpha``, else ``"ns"``).
    alpha, permutations, seed, adjust
        Options used.
    """

    table: pd.DataFrame
    alpha: float
    permutations: int
    seed: object
    adjust: str = "none"


def quadrants(z: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """Moran scatterplot quadrant of each unit: HH, LH, LL or HL (High means strictly above 0)."""
    high, lag_high = z > 0, lag > 0
    return np.where(high, np.where(lag_high, "HH", "HL"), np.where(lag_high, "LH", "LL"))


def local_moran(
    values: ArrayLike,
    weights: SpatialWeights,
    *,
    permutations: int = 999,
    seed: Seed = 0,
    alpha: float = 0.05,
    adjust: str = "none",
) -> LisaResult:
    r"""Local Moran's :math:`I_i` (Anselin 1995) with conditional-permutation pseudo p-values.

    Parameters
    ----------
    values
        One value per unit, ordered like ``weights.labels``.
    weights
        :class:`SpatialWeights`.
    permutations
        Number of conditional permutations R (≥ 1; default 999).
    seed
        Integer seed or :class:`numpy.random.Generator`.
    alpha
        Significance level for the cluster label (default 0.05; 0 < alpha < 1).
    adjust
        ``"none"`` (default), ``"bonferroni"`` or ``"fdr"`` (Benjamini–Hochberg) over the n units; the
        cluster label then uses the adjusted p-value.
    """
    y = _check_aligned(values, weights)
    r = check_int(permutations, "permutations", minimum=1)
    check_alpha(alpha)
    check_choice(adjust, "adjust", ADJUSTMENTS)
    rng = _generator(seed)
    z, ss = _deviations(y)
    n, W = y.size, weights.matrix
    m2 = ss / n
    lag = W @ z
    local = z * lag / m2
    ptr, wts = W.indptr, W.data
    draws = _permutation_prefixes(rng, r, n - 1, int(np.diff(ptr).max()))
    p = np.empty(n)
    for i in range(n):
        neighbours = slice(ptr[i], ptr[i + 1])
        picks = draws[:, : ptr[i + 1] - ptr[i]]
        picks = picks + (picks >= i)  # skip unit i itself
        sims = z[i] * (z[picks] @ wts[neighbours]) / m2
        p[i] = pseudo_p(local[i], sims)
    quadrant = quadrants(z, lag)
    columns = {"unit": list(weights.labels), "value": y, "z": z, "lag": lag, "I_i": local, "p_sim": p}
    used = p
    if adjust != "none":
        used = columns["p_adjusted"] = adjust_pvalues(p, adjust)
    table = pd.DataFrame({**columns, "quadrant": quadrant, "cluster": np.where(used <= alpha, quadrant, "ns")})
    return LisaResult(table, alpha, r, _seed_label(seed), adjust)


def check_alpha(alpha: float, name: str = "alpha") -> float:
    """Return ``alpha`` if it is a number strictly between 0 and 1; raise :class:`ParameterError` otherwise."""
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)) or not 0 < alpha < 1:
        raise ParameterError(f"{name} must be a significance level strictly between 0 and 1 (e.g. 0.05), got {alpha!r}")
    return float(alpha)


@dataclass(frozen=True)
class MoranByPeriod:
    """Global and local Moran's I for every period.

    Attributes
    ----------
    global_
        One row per period: ``period`` and the fields of :class:`MoranResult`.
    local
        One row per period and unit: ``period`` and the columns of :attr:`LisaResult.table`; ``None`` when
        not requested.
    options
        ``permutations, seed, alpha, standardised``, and ``dropped_from_weights`` (units of the matrix absent
        from the data, by period).
    """

    global_: pd.DataFrame
    local: pd.DataFrame | None
    options: dict = field(default_factory=dict)


def aligned_periods(units: np.ndarray, periods: np.ndarray, weights: SpatialWeights, *, min_units: int = 2,
                    measure: str = "a spatial measure") -> Iterator[tuple[object, np.ndarray, SpatialWeights]]:
    """Yield ``(period, rows, period_weights)`` with the rows of each period ordered like the weights.

    The weights are restricted to the units present in the period (rows re-standardised from the raw
    matrix); a unit the matrix lacks raises :class:`DataError`, a period with fewer than ``min_units`` units
    :class:`MethodError`.
    """
    check_unique_keys(units, periods)
    order = {label: k for k, label in enumerate(weights.labels)}
    for period, rows in by_period(periods):
        with naming_period(period):
            if rows.size < min_units:
                raise MethodError(f"{measure} needs at least {min_units} units, got {rows.size}")
            known = np.array([u in order for u in units[rows]])
            if not known.all():
                weights.subset(list(units[rows][~known]))  # raises, naming the units the matrix lacks
            rows = rows[np.argsort([order[u] for u in units[rows]], kind="stable")]
            yield period, rows, weights.subset(list(units[rows]))


def moran_by_period(
    values: ArrayLike,
    units: ArrayLike,
    periods: ArrayLike,
    weights: SpatialWeights,
    *,
    permutations: int = 999,
    seed: Seed = 0,
    alpha: float = 0.05,
    adjust: str = "none",
    local: bool = True,
) -> MoranByPeriod:
    """Global (and local) Moran's I in every period of a panel.

    Rows may come in any order: in each period they are matched to the weights by unit label. Each period
    gets its own random stream spawned from ``seed``, so a period's result does not depend on the others.
    Units of the matrix absent in a period are dropped from it and the rows re-standardised (recorded in
    ``options["dropped_from_weights"]``). ``alpha`` and ``adjust`` (``"none"``, ``"bonferroni"``, ``"fdr"``;
    the family is the units of one period) label the LISA clusters.
    """
    check_alpha(alpha)
    check_choice(adjust, "adjust", ADJUSTMENTS)
    check_int(permutations, "permutations", minimum=1)
    y = as_values(values, measure="Moran's I")
    u = as_labels(units, y.size, "units")
    per = as_labels(periods, y.size, "periods")
    slices = list(aligned_periods(u, per, weights, min_units=3, measure="Moran's I"))
    streams = _generator(seed).spawn(len(slices))
    global_rows, local_tables, dropped = [], [], {}
    for (period, rows, w), rng in zip(slices, streams):
        with naming_period(period):
            g = moran(y[rows], w, permutations=permutations, seed=rng)
            global_rows.append({"period": period, **asdict(g), "seed": _seed_label(seed)})
            if local:
                lisa = local_moran(y[rows], w, permutations=permutations, seed=rng, alpha=alpha, adjust=adjust)
                local_tables.append(lisa.table.assign(period=period))
        gone = sorted(set(weights.labels) - set(w.labels), key=str)
        if gone:
            dropped[period] = gone
    local_table = None
    if local:
        local_table = pd.concat(local_tables, ignore_index=True)
        local_table = local_table[["period", *local_table.columns[:-1]]]
    options = {
        "permutations": permutations,
        "seed": _seed_label(seed),
        "alpha": alpha,
        "adjust": adjust,
        "p_sim": "ties count as extreme in both tails",
        "analytical_p": "two-sided, under normality and under randomisation",
        "standardised": weights.standardised,
        "dropped_from_weights": dropped,
    }
    return MoranByPeriod(pd.DataFrame(global_rows), local_table, options)
