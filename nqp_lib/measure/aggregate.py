"""Aggregation: weighted sum, weighted geometric mean and TOPSIS, batched over weight vectors.

Every aggregator in :data:`AGGREGATORS` takes the normalised block ``x`` (n rows × m indicators) and a
*batch* of weight vectors ``w`` (d × m, each row one weighting) and returns an :class:`Aggregation` whose
``scores`` are n × d. A single index is the batch d = 1; the Monte Carlo uncertainty analysis scores all of
its draws for one normalisation in one call, which is what makes it fast.

:func:`dimension_scores` and :func:`score_block` build the two-level result (a score per dimension and a
total) from within-dimension and dimension weights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nqp_lib.errors import MethodError
from nqp_lib.registry import Label, Registry


@dataclass
class Aggregation:
    """Scores (n × d) and, for TOPSIS, the ideal/anti-ideal points (m,) and the distances (n × d)."""

    scores: np.ndarray
    best: np.ndarray | None = None
    worst: np.ndarray | None = None
    d_plus: np.ndarray | None = None
    d_minus: np.ndarray | None = None


def weighted_sum(x: np.ndarray, w: np.ndarray, best=None, worst=None) -> Aggregation:
    r"""Weighted arithmetic mean (linear aggregation): :math:`S_i = \sum_j w_j x'_{ij}`.

    Fully compensatory: a loss on one indicator is offset by an equal weighted gain on another. Raising a
    benefit indicator never lowers the score (weights are non-negative).

    References
    ----------
    OECD/JRC (2008), Handbook on Constructing Composite Indicators, section 6.2 ("Additive methods").
    """
    return Aggregation(x @ w.T)


def weighted_geometric(x: np.ndarray, w: np.ndarray, best=None, worst=None) -> Aggregation:
    r"""Weighted geometric mean: :math:`S_i = \prod_j (x'_{ij})^{w_j} = \exp \sum_j w_j \ln x'_{ij}`.

    Partly compensatory (a low value weighs more than in the sum). Needs :math:`x' \ge 0` on indicators
    of positive weight; a row with :math:`x'_{ij} = 0` and :math:`w_j > 0` scores 0 (so choose a zero
    handling, e.g. ``shift``); :math:`0^0 = 1` for indicators of weight 0.

    References
    ----------
    OECD/JRC (2008), Handbook on Constructing Composite Indicators, section 6.2 ("Geometric aggregation").
    """
    used = (w > 0).any(axis=0)
    negative = (x < 0).any(axis=0) & used
    if negative.any():
        raise MethodError(
            f"geometric aggregation needs non-negative normalised values, but {int(negative.sum())} "
            "indicator(s) have negative values (z-score, or vector normalisation of negative data); "
            "use minmax or rank normalisation, or sum/topsis aggregation"
        )
    zero = x <= 0
    logx = np.log(np.where(zero, 1.0, x))
    scores = np.exp(logx @ w.T)
    if zero.any():
        hit = (zero.astype(float) @ (w > 0).T.astype(float)) > 0
        scores = np.where(hit, 0.0, scores)
    return Aggregation(scores)


def topsis(x: np.ndarray, w: np.ndarray, best: np.ndarray | None = None, worst: np.ndarray | None = None) -> Aggregation:
    r"""TOPSIS closeness to the ideal point.

    With the weighted matrix :math:`v_{ij} = w_j x'_{ij}`, ideal :math:`v^+_j = \max_i v_{ij}` and
    anti-ideal :math:`v^-_j = \min_i v_{ij}` over the rows of the scope (``x'`` is already direction-aware,
    so the maximum is the best value of every indicator),

    .. math::

        D_i^{\pm} = \sqrt{\sum_j (v_{ij} - v^{\pm}_j)^2}
                  = \sqrt{\sum_j w_j^2 (x'_{ij} - x'^{\pm}_j)^2}, \qquad
        S_i = \frac{D_i^-}{D_i^+ + D_i^-} \in [0, 1].

    The second form (weights are non-negative, so :math:`v^+_j = w_j \max_i x'_{ij}`) turns a batch of
    weight vectors into two matrix products. ``best``/``worst`` (per indicator, on the x' scale) default to
    the column max/min of ``x``; :meth:`CompositeIndex.transform` passes the fitted ones. A row with
    :math:`D^+ = D^- = 0` (every weighted indicator constant) scores 0.5.

    References
    ----------
    Hwang, C.-L. & Yoon, K. (1981). *Multiple Attribute Decision Making: Methods and Applications*.
    Berlin: Springer. https://doi.org/10.1007/978-3-642-48318-9
    """
    best = x.max(axis=0) if best is None else best
    worst = x.min(axis=0) if worst is None else worst
    w2 = (w * w).T
    d_plus = np.sqrt(np.clip(((x - best) ** 2) @ w2, 0.0, None))
    d_minus = np.sqrt(np.clip(((x - worst) ** 2) @ w2, 0.0, None))
    total = d_plus + d_minus
    closeness = np.where(total > 0, d_minus / np.where(total > 0, total, 1.0), 0.5)
    return Aggregation(closeness, best, worst, d_plus, d_minus)


def topsis_of_dimensions(
    s: np.ndarray, dimension: np.ndarray, best: np.ndarray | None = None, worst: np.ndarray | None = None
) -> Aggregation:
    r"""TOPSIS of the dimension scores ``s`` (n × K × d, one K-column matrix per weighting of the batch) with
    the dimension weights ``dimension`` (d × K): :math:`D^\pm_i = \sqrt{\sum_k W_k^2 (S_{ik} - S^\pm_k)^2}`.

    ``best``/``worst`` (K × d) default to the column max/min of ``s``. Returns closeness n × d, the points
    and the distances.
    """
    best = s.max(axis=0) if best is None else best  # K × d
    worst = s.min(axis=0) if worst is None else worst
    w2 = (dimension * dimension).T  # K × d
    d_plus = np.sqrt((((s - best) ** 2) * w2).sum(axis=1))
    d_minus = np.sqrt((((s - worst) ** 2) * w2).sum(axis=1))
    tot = d_plus + d_minus
    closeness = np.where(tot > 0, d_minus / np.where(tot > 0, tot, 1.0), 0.5)
    return Aggregation(closeness, best, worst, d_plus, d_minus)


@dataclass(frozen=True)
class Aggregator:
    """An aggregation method, ``compute(x, w, best, worst) -> Aggregation``, and what it needs.

    Tags
    ----
    reads_logs
        The method takes logarithms, so it reads the zero-handled matrix x″, which must be non-negative on
        indicators of positive weight.
    linear
        The score is linear in the indicators, so a hierarchical total is Σ_k W_k × (dimension score) and a
        reader can re-weight dimension scores in the browser.
    of_dimensions
        For a hierarchical index, the total is not the aggregate of the indicators with w_j = W_k v_j but
        this function of the dimension scores (n × K × d) and dimension weights (d × K); None when the two
        forms agree.
    """

    name: str
    label: Label
    compute: Callable[..., Aggregation]
    reads_logs: bool = False
    linear: bool = False
    of_dimensions: Callable[..., Aggregation] | None = None

    def __call__(self, x: np.ndarray, w: np.ndarray, best=None, worst=None) -> Aggregation:
        return self.compute(x, w, best, worst)


#: Aggregation methods by name.
AGGREGATORS: Registry[Aggregator] = Registry("aggregate", [
    Aggregator("sum", Label("加权求和", "weighted sum"), weighted_sum, linear=True),
    Aggregator("geometric", Label("加权几何平均", "geometric mean"), weighted_geometric, reads_logs=True),
    Aggregator("topsis", Label("TOPSIS法", "TOPSIS"), topsis, of_dimensions=topsis_of_dimensions),
])


def aggregator(name: str) -> Aggregator:
    """Look an aggregation method up by name; :class:`ParameterError` lists the valid names."""
    return AGGREGATORS.pick(name)


def dimension_scores(
    x: np.ndarray,
    within: np.ndarray,
    dims: np.ndarray,
    n_dims: int,
    method: str = "sum",
    best: np.ndarray | None = None,
    worst: np.ndarray | None = None,
) -> tuple[np.ndarray, list[Aggregation | None]]:
    """Score each dimension with its indicators and within-dimension weights.

    ``within`` is d × m (each row sums to 1 within every dimension). Returns the scores, n × K × d
    (a dimension whose indicators all have weight 0 scores 0), and the per-dimension aggregations.
    """
    agg = aggregator(method)
    n, d = x.shape[0], within.shape[0]
    out = np.zeros((n, n_dims, d))
    parts: list[Aggregation | None] = []
    for k in range(n_dims):
        cols = np.flatnonzero(dims == k)
        wk = within[:, cols]
        if not (wk > 0).any():
            parts.append(None)
            continue
        a = agg(x[:, cols], wk, None if best is None else best[cols], None if worst is None else worst[cols])
        out[:, k, :] = a.scores
        parts.append(a)
    return out, parts


@dataclass
class BlockScores:
    """Scores of one block: ``total`` (n × d), ``dimensions`` (n × K × d) and what TOPSIS learned."""

    total: np.ndarray
    dimensions: np.ndarray
    best: np.ndarray | None = None
    worst: np.ndarray | None = None
    dimension_best: np.ndarray | None = None
    dimension_worst: np.ndarray | None = None
    d_plus: np.ndarray | None = None
    d_minus: np.ndarray | None = None


def score_block(
    x: np.ndarray,
    final: np.ndarray,
    within: np.ndarray,
    dimension: np.ndarray,
    dims: np.ndarray,
    n_dims: int,
    method: str = "sum",
    hierarchy: str = "flat",
    best: np.ndarray | None = None,
    worst: np.ndarray | None = None,
    dimension_best: np.ndarray | None = None,
    dimension_worst: np.ndarray | None = None,
    with_dimensions: bool = True,
) -> BlockScores:
    r"""Total and dimension scores of one block for a batch of weightings (``final``/``within``: d × m,
    ``dimension``: d × K).

    Dimension k's score aggregates its indicators with the within weights :math:`v_j`. The total:

    * flat: the aggregate of all indicators with the final weights :math:`w_j`;
    * hierarchical: the aggregate of the dimension scores with the dimension weights :math:`W_k`. For the
      weighted sum and the geometric mean this equals the flat form with :math:`w_j = W_k v_j`
      (:math:`\sum_k W_k \sum_{j\in k} v_j x_j`, :math:`\prod_k (\prod_{j \in k} x_j^{v_j})^{W_k}`); for
      TOPSIS it is TOPSIS on the n × K matrix of dimension closeness values.

    ``best``/``worst`` (m,) and ``dimension_best``/``dimension_worst`` (K × d) are TOPSIS points learned in
    ``fit``; when None they are taken from this block. ``with_dimensions=False`` skips the dimension scores
    when only the total is needed (they are still computed for hierarchical TOPSIS, which needs them).
    """
    agg = aggregator(method)
    hierarchical = hierarchy == "hierarchical"
    need = with_dimensions or (hierarchical and agg.of_dimensions is not None)
    if need:
        dim_scores, _ = dimension_scores(x, within, dims, n_dims, method, best, worst)
    else:
        dim_scores = np.zeros((x.shape[0], n_dims, 0))
    out = BlockScores(total=np.empty(0), dimensions=dim_scores)
    if hierarchical and agg.of_dimensions is not None:
        # the aggregate of the dimension scores, every weighting (column of the batch) at once
        top = agg.of_dimensions(dim_scores, dimension, dimension_best, dimension_worst)
        out.total = top.scores
        out.dimension_best, out.dimension_worst = top.best, top.worst
        out.d_plus, out.d_minus = top.d_plus, top.d_minus
        out.best = x.max(axis=0) if best is None else best
        out.worst = x.min(axis=0) if worst is None else worst
        return out
    if hierarchical and agg.linear and need:
        out.total = np.einsum("nkd,dk->nd", dim_scores, dimension)
        return out
    a = agg(x, final, best, worst)  # hierarchical sum/geometric: = the dimension form with w_j = W_k v_j
    out.total = a.scores
    out.best, out.worst, out.d_plus, out.d_minus = a.best, a.worst, a.d_plus, a.d_minus
    return out
