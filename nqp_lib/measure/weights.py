"""Weights: objective (entropy, CRITIC, standard deviation, PCA), equal, fixed, and their combinations.

Every method is a small pure function in :data:`WEIGHTERS` taking the normalised block ``x`` (rows in scope ×
indicators) and returning a :class:`Weights` (weights summing to 1 plus the method's intermediates). No
method looks at indicator names; the caller turns flags such as ``details["constant"]`` into notes.

A column that is constant within the scope has no dispersion and no correlation: entropy, CRITIC, standard
deviation and PCA give it weight 0 (flagged in ``details["constant"]``); equal and fixed weights keep its
weight, so it adds the same amount to every row.

:func:`compute_weights` applies one method or a combination of several either *flat* (over all indicators at
once) or *hierarchically* (within each dimension, then across dimensions), and returns a :class:`WeightSet`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nqp_lib.errors import MethodError, ParameterError
from nqp_lib.measure.aggregate import AGGREGATORS, dimension_scores
from nqp_lib.measure.combine import combine
from nqp_lib.registry import Label, Registry


@dataclass
class Weights:
    """Result of one weighting method on one block: ``values`` (sum 1) and named intermediates."""

    values: np.ndarray
    details: dict[str, np.ndarray] = field(default_factory=dict)


def _constant(x: np.ndarray) -> np.ndarray:
    return np.ptp(x, axis=0) == 0


def _labels(labels: Sequence[str] | None, mask: np.ndarray) -> str:
    idx = np.flatnonzero(mask)
    names = [labels[i] for i in idx] if labels is not None else [f"column {i}" for i in idx]
    return ", ".join(names[:8]) + (" …" if len(names) > 8 else "")


def _normalised(raw: np.ndarray, method: str, labels: Sequence[str] | None) -> np.ndarray:
    total = raw.sum()
    if not np.isfinite(total) or total <= 0:
        raise MethodError(
            f"{method} weights: every indicator ({_labels(labels, np.ones(raw.shape, bool))}) is constant "
            "within the scope (or the method gives them all zero), so the weights are undefined; "
            "check the data or use equal or fixed weights"
        )
    return raw / total


def entropy_weights(
    x: np.ndarray, ddof: int = 1, fixed: np.ndarray | None = None, labels: Sequence[str] | None = None
) -> Weights:
    r"""Entropy weights.

    .. math::

        p_{ij} = \frac{x'_{ij}}{\sum_{i=1}^{n} x'_{ij}}, \qquad
        e_j = -\frac{1}{\ln n} \sum_{i=1}^{n} p_{ij} \ln p_{ij}, \qquad
        d_j = 1 - e_j, \qquad w_j = \frac{d_j}{\sum_k d_k}

    with n the rows in scope (all unit-years when pooled, the units of one year per year) and
    :math:`0 \ln 0 = 0` (the limit). ``x`` must be non-negative: use a zero handling (``shift``/``replace``)
    before, not after. A constant column has :math:`e_j = 1` and weight 0.

    Returns ``details`` ``p`` (n × m), ``e``, ``d``, ``constant`` and ``zero_cells`` (count of
    :math:`p_{ij} = 0` per column).

    References
    ----------
    Shannon, C. E. (1948). A mathematical theory of communication. *Bell System Technical Journal* 27(3).
    Zou, Z., Yun, Y. & Sun, J. (2006). Entropy method for determination of weight of evaluating indicators
    in fuzzy synthetic evaluation for water quality assessment. *Journal of Environmental Sciences* 18(5),
    1020–1023. https://doi.org/10.1016/S1001-0742(06)60032-6

    Examples
    --------
    Two rows, column a = (1, 3) and a constant column b = (2, 2): p_a = (0.25, 0.75),
    e_a = −(0.25 ln 0.25 + 0.75 ln 0.75)/ln 2 = 0.811278, d_a = 0.188722; e_b = 1, so w = (1, 0).

    >>> entropy_weights(np.array([[1.0, 2.0], [3.0, 2.0]])).values.tolist()
    [1.0, 0.0]
    """
    if (x < 0).any():
        raise MethodError(
            f"entropy weights need non-negative normalised values, but {_labels(labels, (x < 0).any(axis=0))} "
            "have negative values (z-score, or vector normalisation of negative data); use minmax or rank "
            "normalisation, or another weighting"
        )
    n = x.shape[0]
    constant = _constant(x)
    total = x.sum(axis=0)
    safe = np.where(total > 0, total, 1.0)
    p = x / safe
    positive = p > 0
    plogp = np.where(positive, p * np.log(np.where(positive, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / np.log(n)
    e = np.where(constant, 1.0, e)
    d = np.clip(1.0 - e, 0.0, None)
    w = _normalised(d, "entropy", labels)
    return Weights(w, {"p": p, "e": e, "d": d, "constant": constant, "zero_cells": (~positive).sum(axis=0)})


def critic_weights(
    x: np.ndarray, ddof: int = 1, fixed: np.ndarray | None = None, labels: Sequence[str] | None = None
) -> Weights:
    r"""CRITIC weights (CRiteria Importance Through Intercriteria Correlation).

    .. math::

        C_j = \sigma_j \sum_{k=1}^{m} (1 - r_{jk}), \qquad w_j = \frac{C_j}{\sum_k C_k}

    with :math:`\sigma_j` the standard deviation of the normalised column (``ddof=1``: sample σ, as in
    pymcdm; ``ddof=0``: population σ, as in pyrepo-mcda) and :math:`r_{jk}` Pearson's correlation of the
    normalised columns. Because every column has the same n, the two σ differ by the common factor
    :math:`\sqrt{n/(n-1)}` and give the same weights; ``ddof`` changes the reported :math:`\sigma_j` and
    :math:`C_j` only. Constant columns (σ = 0, r undefined) get weight 0 and are left out of the sums.

    Returns ``details`` ``sigma``, ``r`` (m × m, NaN in the rows and columns of constant columns),
    ``conflict`` (Σ_k (1 − r_jk)), ``C`` and ``constant``.

    References
    ----------
    Diakoulaki, D., Mavrotas, G. & Papayannakis, L. (1995). Determining objective weights in multiple
    criteria problems: the CRITIC method. *Computers & Operations Research* 22(7), 763–770.
    https://doi.org/10.1016/0305-0548(94)00059-H
    """
    m = x.shape[1]
    constant = _constant(x)
    active = ~constant
    sigma = x.std(axis=0, ddof=ddof)
    r = np.full((m, m), np.nan)
    conflict = np.zeros(m)
    if active.sum() >= 2:
        ra = np.corrcoef(x[:, active], rowvar=False)
        r[np.ix_(active, active)] = ra
        conflict[active] = (1.0 - ra).sum(axis=0)
    elif active.sum() == 1:
        r[np.ix_(active, active)] = 1.0
    c = np.where(active, sigma * conflict, 0.0)
    if active.sum() == 1:  # one informative column: all the weight, whatever the formula gives (0/0)
        c = active.astype(float)
    w = _normalised(c, "CRITIC", labels)
    return Weights(w, {"sigma": sigma, "r": r, "conflict": conflict, "C": c, "constant": constant})


def std_weights(
    x: np.ndarray, ddof: int = 1, fixed: np.ndarray | None = None, labels: Sequence[str] | None = None
) -> Weights:
    r"""Standard-deviation weights: :math:`w_j = \sigma_j / \sum_k \sigma_k` (σ with ``ddof``, which does
    not change the weights).

    References
    ----------
    Diakoulaki, Mavrotas & Papayannakis (1995), section 2 (the SD method CRITIC extends).
    """
    sigma = x.std(axis=0, ddof=ddof)
    constant = _constant(x)
    sigma = np.where(constant, 0.0, sigma)
    return Weights(_normalised(sigma, "standard-deviation", labels), {"sigma": sigma, "constant": constant})


def equal_weights(
    x: np.ndarray, ddof: int = 1, fixed: np.ndarray | None = None, labels: Sequence[str] | None = None
) -> Weights:
    r"""Equal weights: :math:`w_j = 1/m`.

    References
    ----------
    OECD/JRC (2008), Handbook on Constructing Composite Indicators, section 6.1.
    """
    m = x.shape[1]
    return Weights(np.full(m, 1.0 / m), {"constant": _constant(x)})


def pca_weights(
    x: np.ndarray, ddof: int = 1, fixed: np.ndarray | None = None, labels: Sequence[str] | None = None
) -> Weights:
    r"""Principal-component weights.

    Eigen-decompose the correlation matrix of the non-constant columns, keep the components with
    eigenvalue :math:`\lambda_k \ge 1` (Kaiser; at least the first), and weight each indicator by its
    squared eigenvector entries, each component counted by its share of the retained variance:

    .. math:: w_j = \sum_{k \in K} \frac{\lambda_k}{\sum_{l \in K} \lambda_l} \, u_{jk}^2

    Since :math:`\sum_j u_{jk}^2 = 1`, the weights sum to 1. No rotation is applied (the OECD handbook's
    varimax step is not used), so the result does not depend on the signs of the eigenvectors.

    Returns ``details`` ``eigenvalues`` (descending), ``retained`` (count), ``loadings`` (m × retained,
    :math:`u_{jk}\sqrt{\lambda_k}`, NaN rows for constant columns) and ``constant``.

    References
    ----------
    OECD/JRC (2008), Handbook on Constructing Composite Indicators, sections 3.1 and 6.1
    (Nicoletti, Scarpetta & Boylaud 2000).
    """
    m = x.shape[1]
    constant = _constant(x)
    active = ~constant
    w = np.zeros(m)
    if active.sum() == 0:
        _normalised(w, "PCA", labels)
    if active.sum() == 1:
        w[active] = 1.0
        return Weights(w, {"eigenvalues": np.array([1.0]), "retained": np.array(1),
                           "loadings": np.where(active, 1.0, np.nan)[:, None], "constant": constant})
    corr = np.corrcoef(x[:, active], rowvar=False)
    vals, vecs = np.linalg.eigh(corr)
    order = np.argsort(vals)[::-1]
    vals, vecs = np.clip(vals[order], 0.0, None), vecs[:, order]
    keep = max(1, int((vals >= 1.0).sum()))
    share = vals[:keep] / vals[:keep].sum()
    w[active] = (vecs[:, :keep] ** 2) @ share
    loadings = np.full((m, keep), np.nan)
    loadings[active] = vecs[:, :keep] * np.sqrt(vals[:keep])
    return Weights(_normalised(w, "PCA", labels),
                   {"eigenvalues": vals, "retained": np.array(keep), "loadings": loadings, "constant": constant})


def fixed_weights(
    x: np.ndarray, ddof: int = 1, fixed: np.ndarray | None = None, labels: Sequence[str] | None = None
) -> Weights:
    r"""Fixed weights from the indicator system file, rescaled to sum to 1: :math:`w_j = a_j / \sum_k a_k`.

    References
    ----------
    OECD/JRC (2008), Handbook on Constructing Composite Indicators, section 6.1 (participatory methods).
    """
    if fixed is None:
        raise ParameterError(
            "fixed weights: the indicator system gives no 'weight' for its indicators; add 'weight:' to every "
            f"indicator in the YAML file or choose {' or '.join(data_weighters())}"
        )
    fixed = np.asarray(fixed, dtype=float)
    return Weights(_normalised(fixed, "fixed", labels), {"constant": _constant(x)})


@dataclass(frozen=True)
class Weighter:
    """A weighting method, ``compute(x, ddof, fixed, labels) -> Weights``, and what it needs.

    Tags
    ----
    objective
        The weights come from the data (information, dispersion, correlation); a constant indicator gets
        weight 0.
    reads_logs
        The method takes logarithms, so it reads the zero-handled matrix x″, which must be non-negative.
    min_rows
        The fewest rows (unit-years) of a scope the method can weigh.
    system_weights
        The method reads the ``weight:`` entries of the indicator system file.
    """

    name: str
    label: Label
    compute: Callable[..., Weights]
    objective: bool
    reads_logs: bool = False
    min_rows: int = 1
    system_weights: bool = False

    def __call__(
        self, x: np.ndarray, ddof: int = 1, fixed: np.ndarray | None = None, labels: Sequence[str] | None = None
    ) -> Weights:
        if x.shape[0] < self.min_rows:
            raise MethodError(
                f"{self.name} weights need at least {self.min_rows} rows (unit-years) in the scope, got "
                f"{x.shape[0]}; use the pooled scope or more units"
            )
        return self.compute(x, ddof=ddof, fixed=fixed, labels=labels)


#: Weighting methods by name.
WEIGHTERS: Registry[Weighter] = Registry("weights", [
    Weighter("entropy", Label("熵值法", "entropy"), entropy_weights, objective=True, reads_logs=True, min_rows=2),
    Weighter("critic", Label("CRITIC法", "CRITIC"), critic_weights, objective=True, min_rows=2),
    Weighter("std", Label("标准差法", "standard deviation"), std_weights, objective=True, min_rows=2),
    Weighter("equal", Label("等权法", "equal weights"), equal_weights, objective=False),
    Weighter("pca", Label("主成分分析法", "principal components"), pca_weights, objective=True, min_rows=3),
    Weighter("fixed", Label("固定权重（体系文件）", "fixed (system file)"), fixed_weights, objective=False,
             system_weights=True),
])


def data_weighters() -> tuple[str, ...]:
    """The weighting methods that need nothing but the data (every method but those reading the system
    file's weights): the alternatives error messages offer and the uncertainty analysis draws from."""
    return WEIGHTERS.names(system_weights=False)


def parse_methods(spec: str | Sequence[str]) -> tuple[str, ...]:
    """``"entropy+critic"`` or ``["entropy", "critic"]`` → ``("entropy", "critic")``, validated."""
    parts = [p.strip() for p in spec.split("+")] if isinstance(spec, str) else [str(p).strip() for p in spec]
    if not parts or any(not p for p in parts):
        raise ParameterError(f"weights: {spec!r} is empty; give a method such as entropy or entropy+critic")
    unknown = [p for p in parts if p not in WEIGHTERS]
    if unknown:
        raise ParameterError(
            f"weights: unknown method(s) {unknown}; choose from {', '.join(WEIGHTERS)}, or join two or more "
            "with '+' (e.g. entropy+critic)"
        )
    if len(set(parts)) != len(parts):
        raise ParameterError(f"weights: {spec!r} names a method twice")
    return tuple(parts)


def weights_spec(spec: Any) -> str:
    """The canonical spelling of a ``weights`` option (``"entropy + critic"`` → ``"entropy+critic"``), or a
    :class:`ParameterError` saying what is valid: the validator of every weights parameter."""
    if not isinstance(spec, (str, list, tuple)):
        raise ParameterError(f"weights: expected a method such as entropy or entropy+critic, got {spec!r}")
    return "+".join(parse_methods(spec))


# --------------------------------------------------------------------------- hierarchy


@dataclass
class WeightSet:
    """Weights of one scope block.

    Attributes
    ----------
    final : ndarray (m,)
        Effective indicator weights, summing to 1 (flat: the method's weights; hierarchical:
        ``within × dimension``).
    within : ndarray (m,)
        Indicator weights within their dimension, summing to 1 in each dimension.
    dimension : ndarray (K,)
        Dimension weights, summing to 1.
    by_method : dict
        Indicator-level weights of each method before combining (flat: over all indicators;
        hierarchical: within each dimension).
    dimension_by_method : dict
        Dimension-level weights of each method (hierarchical with ``dimension_weights="method"``).
    details : list of dict
        One entry per method application: ``level`` ("flat", "within", "dimension"), ``group``
        (dimension id index or -1), ``method``, ``columns`` (indices), ``details`` (the method's arrays).
    """

    final: np.ndarray
    within: np.ndarray
    dimension: np.ndarray
    by_method: dict[str, np.ndarray]
    dimension_by_method: dict[str, np.ndarray]
    details: list[dict]
    empty_dimensions: np.ndarray


def _apply_methods(x, x_log, methods, how, ddof, fixed, labels, level, group, columns, details):
    out, per = [], {}
    for name in methods:
        weighter = WEIGHTERS[name]
        res = weighter(x_log if weighter.reads_logs else x, ddof=ddof, fixed=fixed, labels=labels)
        out.append(res.values)
        per[name] = res.values
        details.append({"level": level, "group": group, "method": name, "columns": columns, "details": res.details})
    return combine(out, how, labels), per


def compute_weights(
    x: np.ndarray,
    methods: Sequence[str],
    dims: np.ndarray,
    n_dims: int,
    *,
    hierarchy: str = "flat",
    how: str = "mean",
    dimension_weights: str = "method",
    aggregate: str = "sum",
    ddof: int = 1,
    fixed: np.ndarray | None = None,
    fixed_dimension: np.ndarray | None = None,
    active: np.ndarray | None = None,
    labels: Sequence[str] | None = None,
    dimension_labels: Sequence[str] | None = None,
    zeros: Callable[[np.ndarray], np.ndarray] | None = None,
) -> WeightSet:
    r"""Weights of one block, flat or hierarchical.

    Flat
        :math:`w` from ``methods`` (combined by ``how``) over all active indicators; the dimension weight
        is :math:`W_k = \sum_{j \in k} w_j` and the within weight :math:`v_j = w_j / W_k`.
    Hierarchical
        :math:`v` from ``methods`` within each dimension (a dimension with one indicator gives it
        :math:`v_j = 1`); :math:`W` by ``dimension_weights``: ``"method"`` applies the same methods to the
        n × K matrix of dimension scores (the ``aggregate`` of each dimension's indicators with weights
        :math:`v`), ``"equal"`` gives :math:`1/K`, ``"fixed"`` takes the system file's dimension weights.
        Final :math:`w_j = W_{k(j)} v_j`.

    ``fixed`` holds the within-dimension weights from the system file and ``fixed_dimension`` its dimension
    weights (flat ``fixed`` uses their product). ``active`` (bool, m) leaves indicators out (weight 0),
    as the leave-one-out step of the uncertainty analysis does. ``zeros`` is the zero handling applied to
    the matrix read by methods that take logarithms (weighters and aggregators tagged ``reads_logs``);
    the other methods read ``x`` itself.
    """
    m = x.shape[1]
    zeros = zeros if zeros is not None else (lambda v: v)
    x_log = zeros(x)
    active = np.ones(m, dtype=bool) if active is None else np.asarray(active, dtype=bool)
    dims = np.asarray(dims)
    details: list[dict] = []
    by_method: dict[str, np.ndarray] = {}
    dim_by_method: dict[str, np.ndarray] = {}
    cols = np.flatnonzero(active)
    has_dim = np.array([bool((active & (dims == k)).any()) for k in range(n_dims)])
    sub_labels = [labels[i] for i in cols] if labels is not None else None

    if hierarchy == "flat":
        fx = None
        if fixed is not None:
            fd = fixed_dimension if fixed_dimension is not None else np.ones(n_dims)
            fx = (fixed * fd[dims])[cols]
        wa, per = _apply_methods(x[:, cols], x_log[:, cols], methods, how, ddof, fx, sub_labels, "flat", -1, cols, details)
        final = np.zeros(m)
        final[cols] = wa
        for name, w in per.items():
            full = np.zeros(m)
            full[cols] = w
            by_method[name] = full
        dimension = np.bincount(dims, weights=final, minlength=n_dims).astype(float)
        within = np.zeros(m)
        for k in range(n_dims):
            in_k = active & (dims == k)
            if not in_k.any():
                continue
            if dimension[k] > 0:
                within[in_k] = final[in_k] / dimension[k]
            else:  # every indicator of the dimension has weight 0: score the dimension with equal weights
                within[in_k] = 1.0 / in_k.sum()
        return WeightSet(final, within, dimension, by_method, dim_by_method, details, ~has_dim)

    if hierarchy != "hierarchical":
        raise ParameterError(f"hierarchy: unknown value {hierarchy!r}; choose flat or hierarchical")
    within = np.zeros(m)
    for name in methods:
        by_method[name] = np.zeros(m)
    for k in range(n_dims):
        in_k = np.flatnonzero(active & (dims == k))
        if len(in_k) == 0:
            continue
        if len(in_k) == 1:
            within[in_k] = 1.0
            for name in methods:
                by_method[name][in_k] = 1.0
            continue
        fx = fixed[in_k] if fixed is not None else None
        lab = [labels[i] for i in in_k] if labels is not None else None
        wk, per = _apply_methods(x[:, in_k], x_log[:, in_k], methods, how, ddof, fx, lab, "within", k, in_k, details)
        within[in_k] = wk
        for name, w in per.items():
            by_method[name][in_k] = w
    live = np.flatnonzero(has_dim)
    dimension = np.zeros(n_dims)
    if dimension_weights == "equal":
        dimension[live] = 1.0 / len(live)
    elif dimension_weights == "fixed":
        if fixed_dimension is None:
            raise ParameterError(
                "dimension_weights='fixed': the indicator system gives no dimension weights; add 'weight:' to "
                "every dimension in the YAML file or use dimension_weights='method' or 'equal'"
            )
        fd = np.asarray(fixed_dimension, dtype=float)[live]
        dimension[live] = _normalised(fd, "fixed dimension", None)
    elif dimension_weights == "method":
        if any(WEIGHTERS[m].system_weights for m in methods) and fixed_dimension is None:
            raise ParameterError(
                "hierarchical 'fixed' weights with dimension_weights='method' need dimension weights from the "
                "system file; add 'weight:' to every dimension or use dimension_weights='equal'"
            )
        if len(live) == 1:
            dimension[live] = 1.0
        else:
            xs = x_log if AGGREGATORS.pick(aggregate).reads_logs else x
            s = dimension_scores(xs, within[None, :], dims, n_dims, aggregate)[0][:, live, 0]
            fdim = np.asarray(fixed_dimension, dtype=float)[live] if fixed_dimension is not None else None
            dlab = [dimension_labels[k] for k in live] if dimension_labels is not None else None
            wd, per = _apply_methods(s, zeros(s), methods, how, ddof, fdim, dlab, "dimension", -1, live, details)
            dimension[live] = wd
            for name, w in per.items():
                full = np.zeros(n_dims)
                full[live] = w
                dim_by_method[name] = full
    else:
        raise ParameterError(
            f"dimension_weights: unknown value {dimension_weights!r}; choose method, equal or fixed"
        )
    final = within * dimension[dims]
    return WeightSet(final, within, dimension, by_method, dim_by_method, details, ~has_dim)
