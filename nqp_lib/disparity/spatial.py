r"""Spatial weights, global Moran's I and local Moran (LISA) with seeded permutation inference.

With deviations :math:`z_i = y_i - \bar y`, weights :math:`w_{ij}` (zero diagonal) and
:math:`S_0 = \sum_i \sum_j w_{ij}`:

.. math::
    I = \frac{n}{S_0} \frac{\sum_i \sum_j w_{ij} z_i z_j}{\sum_i z_i^2}, \qquad
    I_i = \frac{z_i}{m_2} \sum_j w_{ij} z_j, \quad m_2 = \frac{1}{n} \sum_i z_i^2 .

Weights are row-standardised by default (:math:`\sum_j w_{ij} = 1`, so :math:`S_0 = n` and the mean of the
:math:`I_i` equals :math:`I`). Under the null of no spatial association :math:`E[I] = -1/(n-1)`.

Inference is by permutation, with a seeded :class:`numpy.random.Generator`: for global I the values are
shuffled over the units :math:`R` times; for :math:`I_i` the value of unit :math:`i` is held and the other
:math:`n-1` values are shuffled (conditional randomisation; as in PySAL, one set of random draws serves all
units). The pseudo p-value is one-sided in the direction of the observed statistic,
:math:`p = (M + 1)/(R + 1)` where :math:`M` is the number of permuted statistics at least as extreme
(:math:`M = \min(\#\{I^* \ge I\}, R - \#\{I^* \ge I\})`, PySAL's ``p_sim``).

LISA quadrants compare the unit's value with the mean and its spatial lag with 0 (the lag of the
deviations): HH (:math:`z_i > 0`, lag > 0), LH, LL, HL; a unit is reported in its quadrant's cluster when
:math:`p_i \le \alpha`, else ``"ns"``.

References
----------
Moran, P. A. P. (1950). Notes on continuous stochastic phenomena. *Biometrika* 37, 17–23.
Anselin, L. (1995). Local indicators of spatial association — LISA. *Geographical Analysis* 27(2), 93–115.
Cliff, A. D., & Ord, J. K. (1981). *Spatial Processes: Models and Applications*. Pion.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from nqp_lib.errors import DataError, MethodError, ParameterError
from nqp_lib.disparity.panel import by_period, check_unique_keys, naming_period
from nqp_lib.disparity.validation import as_labels, as_values, check_int

Seed = int | np.random.Generator

_CHUNK = 1 << 21  # permuted values held at once (permutations × units)


@dataclass(frozen=True)
class SpatialWeights:
    """A spatial weights matrix with unit labels.

    Attributes
    ----------
    labels
        Unit labels, in the order of the matrix rows and columns.
    raw
        The matrix as given (non-negative, zero diagonal).
    matrix
        The matrix used: row-standardised copy of ``raw`` when ``standardised``, else ``raw``.
    standardised
        Whether rows were scaled to sum to 1.
    """

    labels: tuple
    raw: np.ndarray
    matrix: np.ndarray
    standardised: bool

    @property
    def n(self) -> int:
        """Number of units."""
        return len(self.labels)

    def subset(self, units: Sequence) -> SpatialWeights:
        """Weights restricted to ``units`` and in their order (rows re-standardised from ``raw``).

        Raises :class:`DataError` when a unit is not in the matrix, :class:`MethodError` when a unit is left
        without neighbours.
        """
        position = {label: k for k, label in enumerate(self.labels)}
        missing = [u for u in units if u not in position]
        if missing:
            shown = ", ".join(map(str, missing[:8])) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
            raise DataError(
                f"weights: no row for {shown}; the matrix has {self.n} units (e.g. "
                f"{', '.join(map(str, self.labels[:5]))}); give a matrix labelled with the data's units"
            )
        idx = np.array([position[u] for u in units], dtype=int)
        return _make_weights(tuple(units), self.raw[np.ix_(idx, idx)], self.standardised)

    def lag(self, values: np.ndarray) -> np.ndarray:
        r"""Spatial lag :math:`\sum_j w_{ij} y_j` of values given in the order of :attr:`labels`."""
        return self.matrix @ values


def _make_weights(labels: tuple, raw: np.ndarray, standardise: bool) -> SpatialWeights:
    sums = raw.sum(axis=1)
    islands = np.flatnonzero(sums <= 0)
    if islands.size:
        names = ", ".join(str(labels[i]) for i in islands[:8])
        raise MethodError(
            f"weights: {islands.size} unit(s) have no neighbours ({names}); link them to a neighbour "
            "(e.g. Hainan to Guangdong) or drop them"
        )
    matrix = raw / sums[:, None] if standardise else raw
    return SpatialWeights(labels, raw, matrix, standardise)


def spatial_weights(
    matrix: pd.DataFrame | ArrayLike,
    labels: Sequence | None = None,
    *,
    standardise: bool = True,
    name: str = "weights",
) -> SpatialWeights:
    """Build :class:`SpatialWeights` from a square matrix labelled on both axes (or with ``labels``).

    Parameters
    ----------
    matrix
        A square :class:`pandas.DataFrame` whose index and columns hold the same unit labels (columns are
        reordered to the index), or a square array with ``labels``. Contiguity (0/1), distance-based or any
        non-negative weights; the diagonal must be 0.
    labels
        Unit labels for an unlabelled array.
    standardise
        Row-standardise (default True).
    name
        What to call the matrix in messages (e.g. a file name).
    """
    if isinstance(matrix, pd.DataFrame):
        if labels is not None:
            raise ParameterError("labels: give labels only for an unlabelled array, not with a DataFrame")
        rows, cols = list(matrix.index), list(matrix.columns)
        if len(set(rows)) != len(rows):
            raise DataError(f"{name}: repeated row labels")
        if set(rows) != set(cols) or len(cols) != len(rows):
            extra = sorted(map(str, set(rows) ^ set(cols)))[:8]
            raise DataError(
                f"{name}: row and column labels must be the same units; they differ in {', '.join(extra)}"
            )
        labels = rows
        matrix = matrix.loc[:, rows]
    if labels is None:
        raise ParameterError(f"{name}: an unlabelled matrix needs labels (one per row)")
    try:
        raw = np.array(matrix, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{name}: all entries must be numbers") from None
    n = len(labels)
    if raw.shape != (n, n):
        raise DataError(f"{name}: expected a square {n} × {n} matrix, got {raw.shape}")
    if not np.isfinite(raw).all() or (raw < 0).any():
        raise DataError(f"{name}: entries must be finite and non-negative")
    if np.any(np.diag(raw) != 0):
        bad = [str(labels[i]) for i in np.flatnonzero(np.diag(raw))[:5]]
        raise DataError(f"{name}: the diagonal must be 0 (a unit is not its own neighbour); nonzero for {bad}")
    return _make_weights(tuple(labels), raw, standardise)


def _p_sim(observed: np.ndarray, simulated: np.ndarray) -> np.ndarray:
    """PySAL-style pseudo p-value along the last axis of ``simulated`` (permutations)."""
    r = simulated.shape[-1]
    larger = (simulated >= observed[..., None]).sum(axis=-1)
    larger = np.minimum(larger, r - larger)
    return (larger + 1.0) / (r + 1.0)


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
        :math:`(I - \\text{mean}_{sim}) / \\text{sd}_{sim}` and the pseudo p-value.
    n, permutations, seed
        Units, permutations and the seed (or ``"generator"``) used.
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
    scale = n / W.sum()
    observed = float(scale * (z @ (W @ z)) / ss)
    sims = np.empty(r)
    step = max(1, _CHUNK // n)
    for start in range(0, r, step):
        zp = _permuted(z, rng, min(step, r - start))
        sims[start : start + zp.shape[0]] = scale * np.einsum("ri,ri->r", zp, zp @ W.T) / ss
    sd = float(sims.std())
    return MoranResult(
        I=observed,
        expected=-1.0 / (n - 1),
        mean_sim=float(sims.mean()),
        sd_sim=sd,
        z_sim=float((observed - sims.mean()) / sd) if sd > 0 else 0.0,
        p_sim=float(_p_sim(np.array(observed), sims)),
        n=n,
        permutations=r,
        seed=_seed_label(seed),
    )


@dataclass(frozen=True)
class LisaResult:
    """Local Moran statistics.

    Attributes
    ----------
    table
        One row per unit (in the order of the weights): ``unit, value, z, lag`` (spatial lag of z) ``, I_i,
        p_sim, quadrant`` (HH/LH/LL/HL) ``, cluster`` (the quadrant if ``p_sim <= alpha``, else ``"ns"``).
    alpha, permutations, seed
        Options used.
    """

    table: pd.DataFrame
    alpha: float
    permutations: int
    seed: object


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
        Significance level for the cluster label (default 0.05).
    """
    y = _check_aligned(values, weights)
    r = check_int(permutations, "permutations", minimum=1)
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be between 0 and 1, got {alpha!r}")
    rng = _generator(seed)
    z, ss = _deviations(y)
    n, W = y.size, weights.matrix
    m2 = ss / n
    lag = W @ z
    local = z * lag / m2
    k_max = int((W > 0).sum(axis=1).max())
    draws = _permutation_prefixes(rng, r, n - 1, k_max)
    p = np.empty(n)
    for i in range(n):
        neighbours = np.flatnonzero(W[i] > 0)
        picks = draws[:, : neighbours.size]
        picks = picks + (picks >= i)  # skip unit i itself
        sims = z[i] * (z[picks] @ W[i, neighbours]) / m2
        p[i] = _p_sim(np.array(local[i]), sims)
    quadrant = quadrants(z, lag)
    table = pd.DataFrame(
        {
            "unit": list(weights.labels),
            "value": y,
            "z": z,
            "lag": lag,
            "I_i": local,
            "p_sim": p,
            "quadrant": quadrant,
            "cluster": np.where(p <= alpha, quadrant, "ns"),
        }
    )
    return LisaResult(table, alpha, r, _seed_label(seed))


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
    local: bool = True,
) -> MoranByPeriod:
    """Global (and local) Moran's I in every period of a panel.

    Rows may come in any order: in each period they are matched to the weights by unit label. Each period
    gets its own random stream spawned from ``seed``, so a period's result does not depend on the others.
    Units of the matrix absent in a period are dropped from it and the rows re-standardised (recorded in
    ``options["dropped_from_weights"]``).
    """
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
                lisa = local_moran(y[rows], w, permutations=permutations, seed=rng, alpha=alpha)
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
        "standardised": weights.standardised,
        "dropped_from_weights": dropped,
    }
    return MoranByPeriod(pd.DataFrame(global_rows), local_table, options)
