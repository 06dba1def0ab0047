r"""The worked example, step by step: normalise → entropy → CRITIC → TOPSIS on a small subset, and Dagum's
decomposition on the full index.

Each step is one function a student can call (and change) in a notebook cell, and returns a dataclass
keeping every intermediate and the options that produced it. The steps call the engine's own functions —
:func:`nqp_lib.measure.normalise`, :func:`~nqp_lib.measure.handle_zeros`, the ``entropy`` and ``critic``
entries of :data:`~nqp_lib.measure.WEIGHTERS`, :func:`~nqp_lib.measure.topsis`,
:func:`~nqp_lib.disparity.dagum` — and only reshape their results into tables, so the page shows the
engine's numbers, not a second implementation. :func:`subset_index` scores the same subset in one call
with :class:`~nqp_lib.measure.CompositeIndex` (tests check the two agree).

Formulas (pooled scope: the n = units × years rows of the subset; j indexes indicators):

.. math::
    x'_{ij} = \frac{x_{ij} - \min_i x_{ij}}{\max_i x_{ij} - \min_i x_{ij}} \;(+), \quad
    x'_{ij} = \frac{\max_i x_{ij} - x_{ij}}{\max_i x_{ij} - \min_i x_{ij}} \;(-)

.. math::
    p_{ij} = \frac{x''_{ij}}{\sum_i x''_{ij}}, \quad
    e_j = -\frac{1}{\ln n}\sum_i p_{ij}\ln p_{ij}, \quad d_j = 1 - e_j, \quad w_j = \frac{d_j}{\sum_k d_k}

with :math:`x''` the zero-handled :math:`x'`;

.. math::
    C_j = \sigma_j \sum_k (1 - r_{jk}), \quad w_j = \frac{C_j}{\sum_k C_k};

.. math::
    v_{ij} = w_j x'_{ij}, \quad v^+_j = \max_i v_{ij}, \quad v^-_j = \min_i v_{ij}, \quad
    D^\pm_i = \sqrt{\sum_j (v_{ij} - v^\pm_j)^2}, \quad C_i = \frac{D^-_i}{D^+_i + D^-_i}.

References: Shannon (1948); Diakoulaki, Mavrotas & Papayannakis (1995); Hwang & Yoon (1981); Dagum (1997)
— see the engine's docstrings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib.disparity.dagum import DagumResult, dagum
from nqp_lib.disparity.inequality import gini
from nqp_lib.errors import ParameterError
from nqp_lib.measure.aggregate import topsis, weighted_sum
from nqp_lib.measure.index import CompositeIndex
from nqp_lib.measure.normalise import NORMALISERS, handle_zeros, normalise
from nqp_lib.measure.ranks import rank_within_years
from nqp_lib.measure.weights import WEIGHTERS
from nqp_lib.systems import IndicatorSystem
from nqp_lib.teaching.subset import ExampleSubset, example_subset


def _wide(subset: ExampleSubset, values: np.ndarray) -> pd.DataFrame:
    """``unit, year`` and one column per indicator of ``values`` (rows as in the subset)."""
    out = subset.keys.reset_index(drop=True).copy()
    return pd.concat([out, pd.DataFrame(values, columns=list(subset.indicators))], axis=1)


def _per_indicator(subset: ExampleSubset, values: np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=list(subset.indicators))


@dataclass(frozen=True)
class NormaliseStep:
    """Direction-aware normalisation of the subset, pooled over its rows.

    ``minimum``/``maximum``: the raw column bounds; ``normalised``: x′ (``unit, year`` + indicators).
    """

    subset: ExampleSubset
    method: str
    minimum: pd.Series
    maximum: pd.Series
    direction: pd.Series
    normalised: pd.DataFrame
    options: dict = field(default_factory=dict)

    @property
    def values(self) -> np.ndarray:
        return self.normalised[list(self.subset.indicators)].to_numpy(dtype=float)


def normalise_step(subset: ExampleSubset, method: str = "minmax", ddof: int = 1) -> NormaliseStep:
    """Normalise the subset's raw matrix with the engine's ``normalise`` (pooled over the subset's rows)."""
    NORMALISERS.pick(method)
    x = subset.values
    xn, _ = normalise(x, subset.directions, method, ddof=ddof)
    return NormaliseStep(
        subset=subset, method=method, minimum=_per_indicator(subset, x.min(axis=0)),
        maximum=_per_indicator(subset, x.max(axis=0)), direction=_per_indicator(subset, subset.directions),
        normalised=_wide(subset, xn), options={"normalise": method, "scope": "pooled", "ddof": ddof, "rows": len(x)},
    )


@dataclass(frozen=True)
class EntropyStep:
    """Entropy weights of the normalised subset.

    ``adjusted``: x″ (after zero handling); ``p``: p_ij; ``h``: −Σ_i p_ij ln p_ij; ``e``, ``d``, ``w``: e_j,
    d_j = 1 − e_j, w_j = d_j / Σ d; ``n``: the rows (ln n divides h).
    """

    n: int
    adjusted: pd.DataFrame
    p: pd.DataFrame
    h: pd.Series
    e: pd.Series
    d: pd.Series
    w: pd.Series
    options: dict = field(default_factory=dict)


def entropy_step(normalised: NormaliseStep, zeros: str = "shift", shift: float = 1e-4) -> EntropyStep:
    """Entropy weights of x′ after the zero handling ``zeros`` (engine: ``handle_zeros`` and
    ``WEIGHTERS["entropy"]``)."""
    sub = normalised.subset
    adjusted = handle_zeros(normalised.values, zeros, shift)
    res = WEIGHTERS["entropy"](adjusted, labels=list(sub.indicators))
    n = adjusted.shape[0]
    e = np.asarray(res.details["e"])
    return EntropyStep(
        n=n, adjusted=_wide(sub, adjusted), p=_wide(sub, res.details["p"]), h=_per_indicator(sub, e * np.log(n)),
        e=_per_indicator(sub, e), d=_per_indicator(sub, res.details["d"]), w=_per_indicator(sub, res.values),
        options={"zeros": zeros, "shift": shift, "n": n, "ln_n": float(np.log(n))},
    )


@dataclass(frozen=True)
class CriticStep:
    """CRITIC weights of the normalised subset: σ_j, r_jk, Σ_k (1 − r_jk), C_j and w_j."""

    sigma: pd.Series
    r: pd.DataFrame
    conflict: pd.Series
    C: pd.Series
    w: pd.Series
    options: dict = field(default_factory=dict)


def critic_step(normalised: NormaliseStep, ddof: int = 1) -> CriticStep:
    """CRITIC weights of x′ (engine: ``WEIGHTERS["critic"]``; σ with ``ddof``, 1 = sample σ)."""
    sub = normalised.subset
    res = WEIGHTERS["critic"](normalised.values, ddof=ddof, labels=list(sub.indicators))
    ids = list(sub.indicators)
    return CriticStep(
        sigma=_per_indicator(sub, res.details["sigma"]), r=pd.DataFrame(res.details["r"], index=ids, columns=ids),
        conflict=_per_indicator(sub, res.details["conflict"]), C=_per_indicator(sub, res.details["C"]),
        w=_per_indicator(sub, res.values),
        options={"ddof": ddof, "sigma": "sample σ" if ddof == 1 else "population σ"},
    )


@dataclass(frozen=True)
class TopsisStep:
    """TOPSIS on the normalised subset with weights ``w`` (from ``weights_from``).

    ``weighted``: v_ij = w_j x′_ij; ``ideal``/``anti_ideal``: v⁺_j, v⁻_j; ``scores``: ``unit, year, d_plus,
    d_minus, closeness, rank`` (within the year, 1 = best) and ``weighted_sum`` (Σ_j v_ij, for comparison).
    """

    weights_from: str
    w: pd.Series
    weighted: pd.DataFrame
    ideal: pd.Series
    anti_ideal: pd.Series
    scores: pd.DataFrame
    options: dict = field(default_factory=dict)


def topsis_step(normalised: NormaliseStep, weights: EntropyStep | CriticStep | pd.Series) -> TopsisStep:
    """TOPSIS closeness of every row (engine: ``topsis``; the weighted sum by ``weighted_sum``)."""
    sub = normalised.subset
    if isinstance(weights, EntropyStep):
        w, source = weights.w, "entropy"
    elif isinstance(weights, CriticStep):
        w, source = weights.w, "critic"
    elif isinstance(weights, pd.Series):
        w, source = weights, "given"
    else:
        raise ParameterError("topsis_step: weights must be an entropy_step, a critic_step or a Series of weights")
    w = w.reindex(list(sub.indicators))
    if w.isna().any():
        raise ParameterError(f"topsis_step: no weight for {', '.join(w[w.isna()].index)}")
    x = normalised.values
    wv = w.to_numpy(dtype=float)[None, :]
    agg = topsis(x, wv)
    scores = sub.keys.reset_index(drop=True).copy()
    scores["d_plus"], scores["d_minus"], scores["closeness"] = agg.d_plus[:, 0], agg.d_minus[:, 0], agg.scores[:, 0]
    scores["rank"] = rank_within_years(agg.scores[:, 0], scores["year"].to_numpy())
    scores["weighted_sum"] = weighted_sum(x, wv).scores[:, 0]
    return TopsisStep(
        weights_from=source, w=w, weighted=_wide(sub, x * wv), ideal=_per_indicator(sub, wv[0] * agg.best),
        anti_ideal=_per_indicator(sub, wv[0] * agg.worst), scores=scores,
        options={"weights": source, "ideal": "column max of v within the subset", "anti_ideal": "column min of v"},
    )


@dataclass(frozen=True)
class DagumStep:
    """Dagum's decomposition of the full index's scores in one year (every unit, not just the subset).

    ``result`` is the engine's :class:`~nqp_lib.disparity.DagumResult` (``within``: n, mean, p, s, G_jj,
    contribution; ``between``: G_jh, d_jh, p_jh, D_jh, weight, contributions); ``gini`` is the plain Gini of
    the same values, which G must equal.
    """

    year: int
    result: DagumResult
    gini: float
    options: dict = field(default_factory=dict)


def dagum_step(scores: pd.DataFrame, groups: Mapping[str, str], year: int | None = None) -> DagumStep:
    """Dagum decomposition of ``scores`` (``unit, year, score``) in ``year`` (default the last) by ``groups``."""
    if not groups:
        raise ParameterError("dagum_step: give groups (unit → group), e.g. province_groups('region4')")
    years = sorted(int(y) for y in pd.unique(scores["year"]))
    year = years[-1] if year is None else int(year)
    if year not in years:
        raise ParameterError(f"dagum_step: year {year} not in the scores ({years[0]}–{years[-1]})")
    one = scores[scores["year"] == year]
    labels = one["unit"].map(dict(groups))
    if labels.isna().any():
        raise ParameterError(f"dagum_step: no group for {', '.join(map(str, one.loc[labels.isna(), 'unit'][:5]))}")
    values = one["score"].to_numpy(dtype=float)
    return DagumStep(year=year, result=dagum(values, labels.to_numpy()), gini=gini(values),
                     options={"year": year, "units": len(values), "groups": len(set(labels))})


@dataclass(frozen=True)
class WorkedExample:
    """Every step of the worked example and the options that produced them."""

    subset: ExampleSubset
    normalised: NormaliseStep
    entropy: EntropyStep
    critic: CriticStep
    topsis: TopsisStep
    dagum: DagumStep | None
    options: dict = field(default_factory=dict)


def worked_example(
    index: Any,
    units: Any = None,
    years: Any = None,
    indicators: Any = None,
    *,
    groups: Mapping[str, str] | pd.Series | None = None,
    topsis_weights: str = "entropy",
    dagum_year: int | None = None,
    **choose: int,
) -> WorkedExample:
    """The whole worked example on a fitted index: :func:`example_subset` (``units``, ``years``, ``indicators``,
    ``groups``, ``n_units``/``n_years``/``n_indicators`` in ``choose``), then every step with the index's own
    ``zeros``, ``shift`` and ``ddof``; TOPSIS with ``topsis_weights`` (``entropy`` or ``critic``); Dagum on
    the index's scores in ``dagum_year`` (default its last year) when ``groups`` are given."""
    if topsis_weights not in ("entropy", "critic"):
        raise ParameterError(f"topsis_weights: expected entropy or critic, got {topsis_weights!r}")
    subset = example_subset(index, units, years, indicators, groups=groups, **choose)
    opts = index.options_
    norm = normalise_step(subset, "minmax", ddof=opts.ddof)
    ent = entropy_step(norm, opts.zeros, opts.shift)
    cri = critic_step(norm, ddof=opts.ddof)
    top = topsis_step(norm, ent if topsis_weights == "entropy" else cri)
    dag = dagum_step(index.result_.scores, subset.groups, dagum_year) if subset.groups else None
    options = {"normalise": "minmax", "scope": "pooled", "zeros": opts.zeros, "shift": opts.shift, "ddof": opts.ddof,
               "topsis_weights": topsis_weights, "units": list(subset.units), "years": list(subset.years),
               "indicators": list(subset.indicators), "how": dict(subset.how)}
    return WorkedExample(subset, norm, ent, cri, top, dag, options)


def _column_system(system: IndicatorSystem, indicators: tuple[str, ...]) -> IndicatorSystem:
    """``system`` cut to ``indicators``, each reading the column named by its id (no formulas)."""
    dims = []
    for d in system.dimensions:
        keep = tuple(replace(i, column=i.id, formula=None) for i in d.indicators if i.id in indicators)
        if keep:
            dims.append(replace(d, indicators=keep))
    return replace(system, id=f"{system.id}-example", dimensions=tuple(dims), path=None)


def subset_index(subset: ExampleSubset, **options: Any) -> CompositeIndex:
    """A :class:`CompositeIndex` fitted on the subset alone (its system cut to the subset's indicators, each
    reading its raw values): the worked example in one call, e.g. ``subset_index(sub, aggregate="topsis")``.
    ``options`` are the index's (``weights``, ``aggregate``, ``zeros`` …); pooled scope, no imputation."""
    return CompositeIndex(_column_system(subset.system, subset.indicators), **options).fit(subset.frame)


__all__ = [
    "CriticStep", "DagumStep", "EntropyStep", "NormaliseStep", "TopsisStep",
    "WorkedExample", "critic_step", "dagum_step", "entropy_step", "normalise_step", "subset_index",
    "topsis_step", "worked_example",
]
