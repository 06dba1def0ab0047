"""Normalisation: put indicators on a common, direction-aware scale.

Every method is a pair of small pure functions picked by name from :data:`NORMALISERS`: ``fit`` learns
column-wise parameters from a block of rows (the *scope*: all unit-years pooled, or one year), ``apply``
maps values with those parameters. Keeping the two apart is what lets
:meth:`~nqp_lib.measure.index.CompositeIndex.transform` score a new panel with the bounds learned in
``fit`` (scikit-learn's ``fit``/``transform`` split).

After normalisation every indicator points the same way: a larger value is better, whatever the
indicator's direction (``+`` benefit, ``-`` cost).

A column that is constant within the scope carries no information; every method maps it to a constant
(0.5 for min-max and rank, 0 for z-score, x/‖x‖ for vector) and flags it in ``params["constant"]`` so that
the caller can record it (objective weights then give it weight 0).

Zero handling (:data:`ZERO_HANDLERS`) runs after normalisation, before any logarithm (entropy weights,
geometric aggregation): shift every value by a constant, replace only exact zeros, or leave values as they
are.

References
----------
OECD/JRC (2008). *Handbook on Constructing Composite Indicators: Methodology and User Guide*, section 5.
Paris: OECD. https://doi.org/10.1787/9789264043466-en
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nqp_lib.registry import Label, Registry

Params = dict[str, np.ndarray]


def _constant(x: np.ndarray) -> np.ndarray:
    return np.ptp(x, axis=0) == 0 if x.shape[0] else np.ones(x.shape[1], dtype=bool)


# --------------------------------------------------------------------------- min-max


def minmax_fit(x: np.ndarray, ddof: int = 1) -> Params:
    """Column minima and maxima of ``x`` (rows in scope × indicators)."""
    return {"min": x.min(axis=0), "max": x.max(axis=0), "constant": _constant(x)}


def minmax_apply(x: np.ndarray, params: Params, directions: np.ndarray) -> np.ndarray:
    r"""Direction-aware min-max rescaling.

    .. math::

        x'_{ij} = \frac{x_{ij} - \min_i x_{ij}}{\max_i x_{ij} - \min_i x_{ij}} \;(+), \qquad
        x'_{ij} = \frac{\max_i x_{ij} - x_{ij}}{\max_i x_{ij} - \min_i x_{ij}} \;(-)

    with min and max over the rows of the scope. Values of a new panel outside the fitted bounds map
    outside [0, 1]. A constant column maps to 0.5.

    References
    ----------
    OECD/JRC (2008), Handbook on Constructing Composite Indicators, section 5 ("Min-Max").
    """
    lo, hi = params["min"], params["max"]
    span = hi - lo
    safe = np.where(span > 0, span, 1.0)
    up = (x - lo) / safe
    out = np.where(directions > 0, up, (hi - x) / safe)
    return np.where(span > 0, out, 0.5)


# --------------------------------------------------------------------------- z-score


def zscore_fit(x: np.ndarray, ddof: int = 1) -> Params:
    """Column means and standard deviations (``ddof`` as given: 1 = sample σ, 0 = population σ)."""
    n = x.shape[0]
    sd = x.std(axis=0, ddof=ddof) if n > ddof else np.zeros(x.shape[1])
    return {"mean": x.mean(axis=0), "sd": sd, "constant": _constant(x)}


def zscore_apply(x: np.ndarray, params: Params, directions: np.ndarray) -> np.ndarray:
    r"""Direction-aware standardisation.

    .. math:: x'_{ij} = d_j \, \frac{x_{ij} - \bar x_j}{\sigma_j}

    with :math:`d_j = \pm 1` the direction and :math:`\sigma_j` the standard deviation over the scope
    (``ddof`` option). Values are unbounded and negative for half the rows, so z-scores cannot feed entropy
    weights or a geometric mean. A constant column maps to 0.

    References
    ----------
    OECD/JRC (2008), Handbook on Constructing Composite Indicators, section 5 ("Standardisation").
    """
    sd = params["sd"]
    safe = np.where(sd > 0, sd, 1.0)
    out = directions * (x - params["mean"]) / safe
    return np.where(sd > 0, out, 0.0)


# --------------------------------------------------------------------------- vector


def vector_fit(x: np.ndarray, ddof: int = 1) -> Params:
    """Column Euclidean norms."""
    return {"norm": np.sqrt((x * x).sum(axis=0)), "constant": _constant(x)}


def vector_apply(x: np.ndarray, params: Params, directions: np.ndarray) -> np.ndarray:
    r"""Vector (Euclidean) normalisation, as in TOPSIS.

    .. math::

        x'_{ij} = \frac{x_{ij}}{\sqrt{\sum_i x_{ij}^2}} \;(+), \qquad
        x'_{ij} = 1 - \frac{x_{ij}}{\sqrt{\sum_i x_{ij}^2}} \;(-)

    The cost form ``1 − x/‖x‖`` is the one pymcdm and pyrepo-mcda use. A column of zeros maps to 0 (+) or 1 (−).

    References
    ----------
    Hwang, C.-L. & Yoon, K. (1981). *Multiple Attribute Decision Making: Methods and Applications*.
    Berlin: Springer, pp. 128–140.
    """
    norm = params["norm"]
    safe = np.where(norm > 0, norm, 1.0)
    up = np.where(norm > 0, x / safe, 0.0)
    return np.where(directions > 0, up, 1.0 - up)


# --------------------------------------------------------------------------- rank


def rank_fit(x: np.ndarray, ddof: int = 1) -> Params:
    """For each column, its sorted distinct values and their rank scaled to [0, 1] (ties: average rank)."""
    n, m = x.shape
    values, scaled = [], []
    for j in range(m):
        col = np.sort(x[:, j])
        uniq, first, counts = np.unique(col, return_index=True, return_counts=True)
        avg_rank = first + (counts + 1) / 2.0  # 1-based average rank of each distinct value
        values.append(uniq)
        scaled.append((avg_rank - 1.0) / (n - 1.0) if n > 1 else np.full(uniq.shape, 0.5))
    params: Params = {"constant": _constant(x)}
    # ragged per column: keep as object arrays so the parameters stay one dict of arrays
    params["values"] = np.empty(m, dtype=object)
    params["scaled"] = np.empty(m, dtype=object)
    for j in range(m):
        params["values"][j] = values[j]
        params["scaled"][j] = scaled[j]
    return params


def rank_apply(x: np.ndarray, params: Params, directions: np.ndarray) -> np.ndarray:
    r"""Rank normalisation scaled to [0, 1].

    .. math:: x'_{ij} = \frac{r_{ij} - 1}{n - 1}

    where :math:`r_{ij}` is the rank of :math:`x_{ij}` among the n rows of the scope (ascending for a
    benefit indicator, descending for a cost indicator; ties get the average rank). A constant column
    maps to 0.5. Values of a new panel are placed by linear interpolation between the fitted values and
    are bounded by 0 and 1 by construction.

    References
    ----------
    OECD/JRC (2008), Handbook on Constructing Composite Indicators, section 5 ("Ranking").
    """
    out = np.empty(x.shape, dtype=float)
    for j in range(x.shape[1]):
        vals, scaled = params["values"][j], params["scaled"][j]
        if len(vals) == 1:
            out[:, j] = 0.5
            continue
        r = np.interp(x[:, j], vals, scaled)
        out[:, j] = r if directions[j] > 0 else 1.0 - r
    return out


@dataclass(frozen=True)
class Normaliser:
    """A normalisation method: ``fit(x, ddof) -> params`` and ``apply(x, params, directions) -> x'``.

    Tags: ``bounded`` — the fitted rows map into [0, 1] (needed by the obstacle degree); ``signed`` — the
    method gives negative values by construction, whatever the data (z-scores), so its output cannot feed a
    method that takes logarithms.
    """

    name: str
    label: Label
    fit: Callable[..., Params]
    apply: Callable[[np.ndarray, Params, np.ndarray], np.ndarray]
    bounded: bool
    signed: bool = False


#: Normalisation methods by name.
NORMALISERS: Registry[Normaliser] = Registry("normalise", [
    Normaliser("minmax", Label("极差标准化", "min-max"), minmax_fit, minmax_apply, bounded=True),
    Normaliser("zscore", Label("Z分数标准化", "z-score"), zscore_fit, zscore_apply, bounded=False, signed=True),
    Normaliser("vector", Label("向量标准化", "vector"), vector_fit, vector_apply, bounded=False),
    Normaliser("rank", Label("秩标准化", "rank"), rank_fit, rank_apply, bounded=True),
])


def normaliser(name: str) -> Normaliser:
    """Look a normalisation method up by name; :class:`ParameterError` lists the valid names."""
    return NORMALISERS.pick(name)


def normalise(
    x: np.ndarray, directions: np.ndarray, method: str = "minmax", params: Params | None = None, ddof: int = 1
) -> tuple[np.ndarray, Params]:
    """Normalise the block ``x`` (rows × indicators); fit the parameters on ``x`` unless ``params`` is given.

    Returns the normalised block and the parameters used.
    """
    norm = normaliser(method)
    if params is None:
        params = norm.fit(x, ddof)
    return norm.apply(x, params, np.asarray(directions, dtype=float)), params


# --------------------------------------------------------------------------- zero handling


def zeros_shift(x: np.ndarray, shift: float) -> np.ndarray:
    r"""Shift every value: :math:`x''_{ij} = x'_{ij} + a` (the common :math:`a = 10^{-4}`).

    Order and differences are unchanged; a weighted sum moves by :math:`a \sum_j w_j = a`.
    """
    return x + shift


def zeros_replace(x: np.ndarray, shift: float) -> np.ndarray:
    r"""Replace exact zeros only: :math:`x''_{ij} = a` where :math:`x'_{ij} = 0`, else unchanged.

    A value in (0, a) then ranks below a replaced zero; choose ``a`` below the smallest positive value.
    """
    return np.where(x == 0, shift, x)


def zeros_none(x: np.ndarray, shift: float) -> np.ndarray:
    r"""Leave values unchanged. Entropy then uses the limit :math:`0 \ln 0 = 0`; a geometric mean is 0
    for a row with a zero on an indicator of positive weight."""
    return x


@dataclass(frozen=True)
class ZeroHandler:
    """A zero handling before logarithms: ``apply(x, shift) -> x''``."""

    name: str
    label: Label
    apply: Callable[[np.ndarray, float], np.ndarray]

    def __call__(self, x: np.ndarray, shift: float) -> np.ndarray:
        return self.apply(x, shift)


#: Zero handling before logarithms, by name.
ZERO_HANDLERS: Registry[ZeroHandler] = Registry("zeros", [
    ZeroHandler("shift", Label("整体平移", "shift every value"), zeros_shift),
    ZeroHandler("replace", Label("仅替换零值", "replace zeros only"), zeros_replace),
    ZeroHandler("none", Label("不处理", "none"), zeros_none),
])


def handle_zeros(x: np.ndarray, method: str = "shift", shift: float = 1e-4) -> np.ndarray:
    """Apply the zero handling ``method`` (see :data:`ZERO_HANDLERS`)."""
    return ZERO_HANDLERS.pick(method)(x, shift)
