"""The composite index: ``CompositeIndex(system, **options).fit(panel)`` → :class:`IndexResult`.

Pipeline, run on each *scope block* (all unit-years pooled, or one year at a time):

1. indicator matrix from the panel (:mod:`nqp_lib.measure.matrix`): the system's indicators, optional
   imputation, a refusal to go on with missing cells;
2. direction-aware normalisation (:mod:`nqp_lib.measure.normalise`); zero handling on the copy read by the
   methods that take logarithms (weighters and aggregators tagged ``reads_logs``);
3. weights (:mod:`nqp_lib.measure.weights`), flat or hierarchical, one method or a combination;
4. aggregation (:mod:`nqp_lib.measure.aggregate`) into one score per dimension and a total; ranks per year
   (:mod:`nqp_lib.measure.ranks`, 1 = highest score).

Steps 2–4 are one function, :func:`_score_block`, which ``fit`` calls to learn and ``transform`` calls with
what was learned. Options live in :mod:`nqp_lib.measure.options`, the result in
:mod:`nqp_lib.measure.result`; their names are re-exported here.

The estimator follows scikit-learn's conventions: ``__init__`` stores the options unchanged, ``fit`` validates
them and learns (attributes ending in ``_``), ``transform`` scores another panel with the learned
normalisation parameters, weights and TOPSIS points, and :meth:`CompositeIndex.variant` re-fits with one option
changed (COINr's "change one argument, regenerate"). Every result carries its options and its notes — the
record of every handling applied (constant indicators, imputed cells, values outside the fitted range).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib import __version__
from nqp_lib.errors import MethodError, ParameterError
from nqp_lib.measure.aggregate import AGGREGATORS, BlockScores, score_block
from nqp_lib.measure.matrix import IndicatorData, cells_message, indicator_data, panel_frame, units_without_data
from nqp_lib.measure.normalise import NORMALISERS, Params, handle_zeros, normalise
from nqp_lib.measure.options import (
    AUTO,
    DIMENSION_WEIGHTS,
    HIERARCHIES,
    OPTION_NAMES,
    POOLED,
    SCOPES,
    MeasureOptions,
    measure_options,
    options_from_mapping,
    parse_units,
    parse_years,
)
from nqp_lib.measure.ranks import min_ranks_descending, rank_within_years
from nqp_lib.measure.result import BlockFit, IndexResult, ResultArrays, json_default
from nqp_lib.measure.weights import WEIGHTERS, WeightSet, compute_weights, data_weighters
from nqp_lib.systems import IndicatorSystem, load_system

__all__ = [
    "AUTO", "DIMENSION_WEIGHTS", "HIERARCHIES", "OPTION_NAMES", "POOLED", "SCOPES", "BlockFit", "CompositeIndex",
    "IndexResult", "IndicatorData", "MeasureOptions", "ResultArrays", "indicator_data", "json_default", "measure",
    "measure_options", "min_ranks_descending", "options_from_mapping", "panel_frame", "parse_units", "parse_years",
    "rank_within_years", "units_without_data",
]


def _fixed(system: IndicatorSystem, opts: MeasureOptions, notes: list[str]) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Fixed weights of the system: (within-dimension indicator weights normalised per dimension, dimension weights)."""
    ind_w, dim_w = system.fixed_weights()
    needs_ind = "fixed" in opts.methods
    needs_dim = opts.dimension_weights == "fixed" and opts.hierarchy == "hierarchical"
    where = f"indicator system {system.id!r} ({system.path or 'in memory'})"
    if needs_ind and ind_w is None:
        raise ParameterError(
            f"weights='fixed' but {where} does not give a 'weight' for every indicator; add them to the YAML "
            f"file or choose {', '.join(data_weighters())}"
        )
    if needs_dim and dim_w is None:
        raise ParameterError(
            f"dimension_weights='fixed' but {where} does not give a 'weight' for every dimension; add them or use "
            "dimension_weights='method' or 'equal'"
        )
    within = None
    if ind_w is not None:
        dim_of = system.dimension_of.reindex(ind_w.index)
        within = (ind_w / ind_w.groupby(dim_of).transform("sum")).to_numpy(dtype=float)
    dims = None if dim_w is None else dim_w.reindex(system.dimension_ids).to_numpy(dtype=float)
    if needs_ind and dims is None:
        if opts.hierarchy == "flat":
            notes.append(f"fixed weights: {where} gives no dimension weights, so the dimensions count equally (1/K each)")
        elif opts.dimension_weights == "method":
            notes.append(f"fixed weights: {where} gives no dimension weights, so the dimension-level 'fixed' weights are equal (1/K)")
    if needs_ind and dims is None:
        dims = np.ones(len(system.dimension_ids))
    return within, dims


def _check_nonnegative(x, rows, data: IndicatorData, what: str, instead: str, opts: MeasureOptions, key) -> None:
    neg = x < 0
    if neg.any():
        full = np.zeros((len(data.units), x.shape[1]), dtype=bool)
        full[rows] = neg
        raise MethodError(
            f"{what} needs non-negative normalised values, but normalise={opts.normalise!r} (scope {key}) gives "
            f"negative values for {cells_message(full, data.units, data.years, data.indicators, 4)}; use "
            f"{' or '.join(NORMALISERS.names(bounded=True))} normalisation, or another {instead}"
        )


@dataclass(frozen=True)
class _Setup:
    """What every scope block of one index shares: options, directions, dimension codes, fixed weights."""

    opts: MeasureOptions
    directions: np.ndarray
    dims: np.ndarray
    dim_ids: list[str]
    fixed: np.ndarray | None
    fixed_dim: np.ndarray | None


@dataclass
class _Scored:
    """One scope block scored: its rows, the block's index in the fit, x′, x″ and the scores."""

    block: int
    rows: np.ndarray
    params: Params
    weights: WeightSet
    normalised: np.ndarray
    adjusted: np.ndarray
    scores: BlockScores


def _score_block(setup: _Setup, data: IndicatorData, block: int, key: Any, rows: np.ndarray, x: np.ndarray,
                 fitted: BlockFit | None = None) -> _Scored:
    """Normalise, zero-handle, weigh (unless ``fitted``) and aggregate the raw rows ``x`` of one scope block.

    The one scoring step of :meth:`CompositeIndex.fit` (``fitted`` None: learn the normalisation parameters,
    weights and TOPSIS points on ``x``) and :meth:`CompositeIndex.transform` (reuse ``fitted``'s).
    """
    opts, dims, K = setup.opts, setup.dims, len(setup.dim_ids)
    agg = AGGREGATORS[opts.aggregate]
    xn, params = normalise(x, setup.directions, opts.normalise, params=None if fitted is None else fitted.params,
                           ddof=opts.ddof)
    xa = handle_zeros(xn, opts.zeros, opts.shift)
    if fitted is None:
        plain = ", ".join(n for n in data_weighters() if not WEIGHTERS[n].reads_logs)
        for name in opts.methods:
            if WEIGHTERS[name].reads_logs:
                _check_nonnegative(xa, rows, data, f"{name} weighting", f"weighting ({plain})", opts, key)
    if agg.reads_logs:
        plain = ", ".join(AGGREGATORS.names(reads_logs=False))
        _check_nonnegative(xa, rows, data, f"{agg.name} aggregation", f"aggregation ({plain})", opts, key)
    if fitted is None:
        try:
            ws = compute_weights(
                xn, opts.methods, dims, K, hierarchy=opts.hierarchy, how=opts.combine,
                dimension_weights=opts.dimension_weights, aggregate=opts.aggregate, ddof=opts.ddof,
                fixed=setup.fixed, fixed_dimension=setup.fixed_dim, labels=data.indicators,
                dimension_labels=setup.dim_ids, zeros=lambda v: handle_zeros(v, opts.zeros, opts.shift),
            )
        except MethodError as exc:
            raise MethodError(f"scope {key}: {exc}") from None
        points = BlockScores(total=np.empty(0), dimensions=np.empty(0))
    else:
        ws, points = fitted.weights, fitted.scores
    sc = score_block(
        xa if agg.reads_logs else xn,  # logs only where the aggregation takes them
        ws.final[None], ws.within[None], ws.dimension[None], dims, K, opts.aggregate, opts.hierarchy,
        best=points.best, worst=points.worst,
        dimension_best=points.dimension_best, dimension_worst=points.dimension_worst,
    )
    return _Scored(block, rows, params, ws, xn, xa, sc)


class CompositeIndex:
    """A composite NQPF index of an indicator system.

    Parameters
    ----------
    system : IndicatorSystem or str or Path
        The indicator system, or a shipped system name / YAML path for :func:`~nqp_lib.systems.load_system`.
    **options
        See :class:`MeasureOptions` (``normalise``, ``scope``, ``zeros``, ``shift``, ``weights``, ``combine``,
        ``hierarchy``, ``dimension_weights``, ``aggregate``, ``ddof``, ``impute``, ``years``, ``clip``).
        Stored unchanged; validated by :meth:`fit`.

    Attributes
    ----------
    result_ : IndexResult
        The fitted result (scores, weights, every intermediate, options, notes).
    options_ : MeasureOptions
        The validated options.
    blocks_ : list of BlockFit
        What was learned per scope block (normalisation parameters, fitted raw range, weights, TOPSIS points).
    system_ : IndicatorSystem
    panel_ : DataFrame
        The panel frame fitted (kept for :meth:`variant`).

    Examples
    --------
    >>> idx = CompositeIndex("three_elements", weights="entropy", aggregate="topsis").fit(panel)  # doctest: +SKIP
    >>> idx.result_.scores.head()                                                              # doctest: +SKIP
    >>> idx.variant(scope="per-year").result_.weights                                          # doctest: +SKIP
    """

    def __init__(self, system: IndicatorSystem | str | Path = "three_elements", **options: Any) -> None:
        self.system = system
        self.options = dict(options)

    # -- scikit-learn style parameters -------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """The options as given (unvalidated), without defaults filled in."""
        return dict(self.options)

    def set_params(self, **options: Any) -> CompositeIndex:
        self.options.update(options)
        return self

    def __repr__(self) -> str:
        sid = self.system.id if isinstance(self.system, IndicatorSystem) else str(self.system)
        opts = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        return f"CompositeIndex({sid!r}{', ' if opts else ''}{opts})"

    def _resolve_system(self) -> IndicatorSystem:
        return self.system if isinstance(self.system, IndicatorSystem) else load_system(self.system)

    def _check_fitted(self) -> None:
        if not hasattr(self, "result_"):
            raise ParameterError("this CompositeIndex is not fitted yet; call fit(panel) first")

    # -- fit / transform ----------------------------------------------------------------------------
    def fit(self, panel: Any) -> CompositeIndex:
        """Learn normalisation parameters, weights and TOPSIS points on ``panel`` and score it."""
        opts = measure_options(**self.options)
        system = self._resolve_system()
        reuse = self.__dict__.pop("_reuse_data", None)  # set by variant(): same panel, system and data options
        if reuse is not None and reuse[0] is panel:
            data = reuse[1]
        else:
            data = indicator_data(system, panel, opts.impute, opts.years, opts.exclude_units)
        notes: list[str] = []
        if opts.exclude_units == (AUTO,):
            notes.append(
                "exclude_units='auto' left out "
                + (", ".join(data.excluded) if data.excluded else "no unit")
                + " (an indicator has no value for them in any year)"
            )
        fixed, fixed_dim = _fixed(system, opts, notes)
        dim_ids = system.dimension_ids
        setup = _Setup(
            opts=opts,
            directions=system.directions.reindex(data.indicators).to_numpy(dtype=float),
            dims=pd.Categorical(system.dimension_of.reindex(data.indicators), categories=dim_ids).codes.astype(int),
            dim_ids=dim_ids, fixed=fixed, fixed_dim=fixed_dim,
        )
        if opts.scope == POOLED:
            keys, blocks = [POOLED], [np.arange(len(data.years))]
        else:
            keys = [int(y) for y in np.unique(data.years)]
            blocks = [np.flatnonzero(data.years == y) for y in keys]
        if opts.hierarchy == "flat" and opts.dimension_weights != "method":
            notes.append(
                f"dimension_weights={opts.dimension_weights!r} applies to hierarchical indexes only; this flat index "
                "takes its dimension weights from the indicator weights (W_k = Σ_j∈k w_j)"
            )
        pieces: list[_Scored] = []
        fits: list[BlockFit] = []
        for b, (key, rows) in enumerate(zip(keys, blocks)):
            x = data.values[rows]
            piece = _score_block(setup, data, b, key, rows, x)
            pieces.append(piece)
            fits.append(BlockFit(key, rows, piece.params, x.min(axis=0), x.max(axis=0), piece.weights, piece.scores))
            _block_notes(key, piece, opts, data, dim_ids, notes)

        self.options_, self.system_, self.blocks_ = opts, system, fits
        self.excluded_ = data.excluded
        self.panel_ = panel_frame(panel)
        self.dims_, self.directions_ = setup.dims, setup.directions
        self.fixed_ = (fixed, fixed_dim)
        self.data_ = data
        self.result_ = _result(setup, system, data, pieces, fits, mode="fit", notes=notes)
        return self

    def transform(self, panel: Any) -> IndexResult:
        """Score ``panel`` with the fitted normalisation parameters, weights and TOPSIS points.

        Years are matched to the fitted scope blocks (pooled: all years use the one block; per-year: a year
        not seen in ``fit`` raises :class:`ParameterError`). Raw values outside the fitted range are kept
        (min-max scores outside [0, 1]) or clipped to it (``clip=True``); either way the count is noted.
        Ranks are within each year of ``panel``.
        """
        self._check_fitted()
        opts = self.options_
        excluded = self.excluded_ if opts.exclude_units == (AUTO,) else opts.exclude_units  # the units fit left out
        return self._transform_data(indicator_data(self.system_, panel, opts.impute, opts.years, excluded))

    def transform_matrix(self, matrix: pd.DataFrame) -> IndexResult:
        """Score indicator values directly with the fitted normalisation parameters, weights and TOPSIS points.

        ``matrix`` has ``unit``, ``year`` and one column per indicator id of the system (the layout of
        ``result_.matrix``), with no missing cell; nothing is evaluated, imputed or left out. This is
        :meth:`transform` from the indicator matrix on: a scenario that moves an indicator's value — a
        formula indicator, or a cell the fit imputed — scores the same as a panel holding those values.
        """
        self._check_fitted()
        ids = list(self.result_.arrays.indicators)
        for key in ("unit", "year", *ids):
            if key not in matrix.columns:
                raise ParameterError(f"transform_matrix: no column {key!r}; give unit, year and the indicators {ids}")
        values = matrix[ids].to_numpy(dtype=float)
        if np.isnan(values).any():
            bad = [i for i, b in zip(ids, np.isnan(values).any(axis=0)) if b]
            raise MethodError(f"transform_matrix: missing values in {', '.join(bad)}; score complete rows only")
        data = IndicatorData(matrix["unit"].to_numpy(), matrix["year"].to_numpy().astype(int), values, ids,
                             None, "none")
        return self._transform_data(data)

    def _transform_data(self, data: IndicatorData) -> IndexResult:
        opts, system = self.options_, self.system_
        notes: list[str] = []
        _fixed(system, opts, notes)
        setup = _Setup(opts, self.directions_, self.dims_, system.dimension_ids, *self.fixed_)
        if opts.scope == POOLED:
            block = np.zeros(len(data.years), dtype=int)
        else:
            where = {f.key: b for b, f in enumerate(self.blocks_)}
            unknown = sorted(set(int(y) for y in data.years) - set(where))
            if unknown:
                raise ParameterError(
                    f"transform: year(s) {unknown} were not in the fitted panel, so with scope='per-year' there are "
                    f"no bounds or weights for them; fitted years: {sorted(where)} (use scope='pooled' to score new years)"
                )
            block = np.array([where[int(y)] for y in data.years])
        pieces: list[_Scored] = []
        for b in np.unique(block):
            f = self.blocks_[b]
            rows = np.flatnonzero(block == b)
            x = data.values[rows]
            outside = (x < f.raw_min) | (x > f.raw_max)
            if outside.any():
                full = np.zeros(data.values.shape, dtype=bool)
                full[rows] = outside
                notes.append(
                    f"scope {f.key}: {int(outside.sum())} raw values lie outside the fitted range "
                    f"({'clipped to it' if opts.clip else 'kept, so min-max values fall outside [0, 1]'}): "
                    + cells_message(full, data.units, data.years, data.indicators, 4)
                )
            if opts.clip:
                x = np.clip(x, f.raw_min, f.raw_max)
            pieces.append(_score_block(setup, data, int(b), f.key, rows, x, fitted=f))
        return _result(setup, system, data, pieces, self.blocks_, mode="transform", notes=notes)

    def fit_transform(self, panel: Any) -> IndexResult:
        return self.fit(panel).result_

    def variant(self, **changes: Any) -> CompositeIndex:
        """A new index fitted on the same panel with some options changed, e.g. ``variant(weights="critic")``."""
        self._check_fitted()
        new = CompositeIndex(self.system_, **{**self.options, **changes})
        opts = measure_options(**new.options)
        if all(getattr(opts, k) == getattr(self.options_, k) for k in ("impute", "years", "exclude_units")):
            # the evaluated, imputed indicator matrix is the same: evaluating and imputing again is most of a
            # refit on a panel of thousands of units
            new._reuse_data = (self.panel_, self.data_)
        return new.fit(self.panel_)


def _block_notes(key: Any, piece: _Scored, opts: MeasureOptions, data: IndicatorData, dim_ids: list[str],
                 notes: list[str]) -> None:
    """Record the handlings one fitted block needed: constant indicators, 0·ln 0, empty dimensions, zeros in a
    logarithm."""
    const = piece.params["constant"]
    if const.any():
        names = ", ".join(np.asarray(data.indicators)[const])
        objective = [m for m in opts.methods if WEIGHTERS[m].objective]
        what = (f"{'/'.join(objective)} weight 0" if objective
                else f"its {'/'.join(opts.methods)} weight, adding the same amount to every row")
        notes.append(f"scope {key}: indicator(s) {names} are constant (zero variance); normalised to a constant and given {what}")
    if opts.zeros == "none":
        for rec in piece.weights.details:
            if WEIGHTERS[rec["method"]].reads_logs and "zero_cells" in rec["details"]:
                z = np.asarray(rec["details"]["zero_cells"])
                if z.sum():
                    notes.append(f"scope {key}: {rec['method']} took 0·ln 0 = 0 for {int(z.sum())} zero cells (zeros='none')")
    if opts.hierarchy == "flat":
        for k in np.flatnonzero(piece.weights.dimension <= 0):
            notes.append(f"scope {key}: every indicator of dimension {dim_ids[k]} has weight 0; its dimension score uses equal weights within it")
    agg = AGGREGATORS[opts.aggregate]
    if agg.reads_logs and (piece.adjusted == 0).any() and opts.zeros == "none":
        notes.append(f"scope {key}: {agg.label.en} is 0 for rows with a zero on a weighted indicator (zeros='none')")


def _result(setup: _Setup, system: IndicatorSystem, data: IndicatorData, pieces: list[_Scored],
            fits: list[BlockFit], mode: str, notes: list[str]) -> IndexResult:
    """Gather the scored blocks into one :class:`IndexResult` (rows as in ``data``)."""
    opts = setup.opts
    n, m = data.values.shape
    K = len(setup.dim_ids)
    block = np.empty(n, dtype=int)
    norm_all, adj_all = np.empty((n, m)), np.empty((n, m))
    total, dscores = np.empty(n), np.empty((n, K))
    topsis = pieces[0].scores.d_plus is not None
    d_plus = np.empty(n) if topsis else None
    d_minus = np.empty(n) if topsis else None
    for p in pieces:
        block[p.rows] = p.block
        norm_all[p.rows], adj_all[p.rows] = p.normalised, p.adjusted
        total[p.rows] = p.scores.total[:, 0]
        dscores[p.rows] = p.scores.dimensions[:, :, 0]
        if topsis:
            d_plus[p.rows], d_minus[p.rows] = p.scores.d_plus[:, 0], p.scores.d_minus[:, 0]
    methods = list(fits[0].weights.by_method)
    dmethods = list(fits[0].weights.dimension_by_method)
    arrays = ResultArrays(
        units=data.units, years=data.years, indicators=data.indicators, dimensions=list(setup.dim_ids),
        dims=setup.dims, raw=data.values, imputed=data.imputed, normalised=norm_all, adjusted=adj_all,
        block=block, scope_keys=[f.key for f in fits],
        final=np.vstack([f.weights.final for f in fits]),
        within=np.vstack([f.weights.within for f in fits]),
        dimension=np.vstack([f.weights.dimension for f in fits]),
        by_method={k: np.vstack([f.weights.by_method[k] for f in fits]) for k in methods},
        dimension_by_method={k: np.vstack([f.weights.dimension_by_method[k] for f in fits]) for k in dmethods},
        details=[f.weights.details for f in fits],
        total=total, dimension_scores=dscores, rank=rank_within_years(total, data.years),
        d_plus=d_plus, d_minus=d_minus,
        best=None if fits[0].scores.best is None else np.vstack([f.scores.best for f in fits]),
        worst=None if fits[0].scores.worst is None else np.vstack([f.scores.worst for f in fits]),
        params=[f.params for f in fits],
        raw_min=np.vstack([f.raw_min for f in fits]), raw_max=np.vstack([f.raw_max for f in fits]),
    )
    n_imputed = int(data.imputed.sum()) if data.imputed is not None else 0
    if n_imputed:
        notes.insert(0, f"imputation {data.impute!r} filled {n_imputed} of {data.values.size} indicator cells (see .imputed)")
    options = {
        **opts.as_dict(),
        "mode": mode,
        "system": {"id": system.id, "path": str(system.path) if system.path else None,
                   "indicators": len(data.indicators), "dimensions": list(system.dimension_ids)},
        "panel": {"rows": n, "units": int(len(pd.unique(data.units))),
                  "years": [int(data.years.min()), int(data.years.max())] if n else []},
        "imputation": {"method": data.impute, "imputed_cells": n_imputed},
        "scope_blocks": [f.key for f in fits],
        "conventions": {
            "sigma": f"standard deviations use ddof={opts.ddof} ({'sample' if opts.ddof == 1 else 'population'} σ)",
            "entropy_n": "n = rows in the scope (all unit-years when pooled, units of the year when per-year)",
            "rank": "1 = highest score within a year; ties share the best rank",
            "dimension_scores": "aggregate of the dimension's indicators with within-dimension weights",
        },
        "nqp_version": __version__,
    }
    return IndexResult(options=options, system=system, arrays=arrays, notes=notes)


def measure(system: IndicatorSystem | str | Path, panel: Any, **options: Any) -> IndexResult:
    """Shortcut: ``CompositeIndex(system, **options).fit(panel).result_``."""
    return CompositeIndex(system, **options).fit(panel).result_
