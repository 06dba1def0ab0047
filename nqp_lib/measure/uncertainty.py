r"""Uncertainty and sensitivity analysis of the ranks of a composite index.

A seeded Monte Carlo draws, for every draw independently and uniformly, one level of each modelling choice

* normalisation (default: every normaliser not signed by construction — minmax, rank, vector — and the
  nominal one),
* weighting (default: every weighter that needs nothing but the data — entropy, critic, std, equal, pca —
  and the nominal one),
* aggregation (default: every aggregator — sum, geometric, topsis),
* zero handling (default: every zero handling — shift, replace, none),
* leave-one-indicator-out (with probability ``exclude_probability`` one indicator, drawn uniformly, is dropped),
* weight noise (every weight multiplied by an independent :math:`U(1-a, 1+a)` factor, then renormalised;
  hierarchical indexes also perturb the dimension weights),

keeping the nominal index's scope, hierarchy, combination rule, ``ddof`` and shift. It returns, per
unit-year, the nominal rank, the median rank and the 5th–95th percentile interval, and a first-order
sensitivity index of the rank to each choice.

Vectorisation: the normalised matrix of each (normalisation, zero handling) pair is computed once; the
base weights of each distinct (normalisation, zero handling, weighting, left-out indicator) configuration
once; then every draw sharing a (normalisation, zero handling, aggregation) is scored in one batched call
(n × m times m × d matrix products, :mod:`nqp_lib.measure.aggregate`), and ranks are taken along the unit
axis of each year for all draws at once.

Combinations that cannot be computed on the data (entropy weights or a geometric mean on negative
z-scores, a method that fails on a left-out set) are redrawn; the notes list them. Redrawing makes the
choices slightly dependent, which the first-order indices below assume they are not.

First-order index (Saltelli-style, estimated by binning). For a choice :math:`X_f` and the rank
:math:`Y` of one unit-year, :math:`S_f = \mathrm{Var}(E[Y \mid X_f]) / \mathrm{Var}(Y)`, the share of the
rank's variance that fixing the choice would remove. With draws grouped by the levels of :math:`X_f`
(quantile bins for the continuous weight noise), the between-level sum of squares over the total is the
correlation ratio :math:`\eta^2`; because a finite number of draws inflates it by about
:math:`(L-1)/D` for L levels and D draws, ``first_order`` reports the less biased
:math:`\varepsilon^2 = (SS_B - (L-1) MS_W)/SS_T` (Kelley 1935), floored at 0. The index of a factor over
all unit-years pools the sums of squares (a variance-weighted mean, so unit-years whose rank never moves do
not count). ``weight_noise`` is the sum of the per-weight indices. What the first-order indices leave of 1
is interaction between the choices.

References
----------
Saisana, M., Saltelli, A. & Tarantola, S. (2005). Uncertainty and sensitivity analysis techniques as tools
for the quality assessment of composite indicators. *Journal of the Royal Statistical Society A* 168(2),
307–323. https://doi.org/10.1111/j.1467-985X.2005.00350.x

OECD/JRC (2008). *Handbook on Constructing Composite Indicators*, section 7.

Saltelli, A. et al. (2008). *Global Sensitivity Analysis: The Primer*. Wiley, ch. 1 (first-order index).

Kelley, T. L. (1935). An unbiased correlation ratio measure. *PNAS* 21(9), 554–559.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib.errors import MethodError, ParameterError
from nqp_lib.measure.aggregate import AGGREGATORS, score_block
from nqp_lib.measure.draws import DrawModels
from nqp_lib.measure.index import CompositeIndex
from nqp_lib.measure.normalise import NORMALISERS, ZERO_HANDLERS, handle_zeros, normalise
from nqp_lib.measure.ranks import rank_within_years
from nqp_lib.measure.weights import WEIGHTERS, compute_weights, data_weighters, parse_methods

#: Default levels of each choice, from the registries' tags: the normalisations that are not signed by
#: construction (bounded ones first), the weighting methods that need nothing but the data, every
#: aggregation and every zero handling.
DEFAULT_NORMALISATIONS = tuple(sorted(NORMALISERS.names(signed=False), key=lambda n: not NORMALISERS[n].bounded))
DEFAULT_WEIGHTINGS = data_weighters()
DEFAULT_AGGREGATIONS = AGGREGATORS.names()
DEFAULT_ZEROS = ZERO_HANDLERS.names()
FACTORS = ("normalise", "weights", "aggregate", "zeros", "exclude", "weight_noise")
NOISE_BINS = 10


@dataclass
class UncertaintyResult:
    """Result of :func:`uncertainty`.

    Attributes
    ----------
    ranks : DataFrame
        unit, year, nominal_rank, median_rank, p05, p95 (5th/95th percentiles of the rank over draws),
        mean_rank, std_rank, nominal_score, driver (the choice with the largest first-order index for that
        unit-year; "none" if the rank never moves).
    sensitivity : DataFrame
        factor, levels, first_order (ε², pooled over unit-years), eta2 (raw correlation ratio), sorted by
        first_order.
    sensitivity_by_unit : DataFrame
        unit, year and the first-order index (ε²) of every factor.
    design : DataFrame
        One row per draw: draw, normalise, weights, aggregate, zeros, exclude ("" when nothing is left out).
    draw_ranks : ndarray (n × draws)
        The rank of every unit-year in every draw (rows as in ``ranks``).
    draw_scores : ndarray (n × draws)
    models : DrawModels
        What each draw learned (normalisation parameters, weights, TOPSIS points), for :meth:`transform`.
    mean_abs_shift : float
        Mean over draws and unit-years of |rank − nominal rank| (Saisana et al. 2005's R̄_S, averaged).
    options : dict
    notes : list of str
    """

    ranks: pd.DataFrame
    sensitivity: pd.DataFrame
    sensitivity_by_unit: pd.DataFrame
    design: pd.DataFrame
    draw_ranks: np.ndarray
    draw_scores: np.ndarray
    mean_abs_shift: float
    options: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    models: DrawModels | None = None

    def transform(self, values: np.ndarray, years: Sequence[int]) -> np.ndarray:
        """Score new rows of raw indicator values as every draw would: each draw's fitted normalisation
        parameters, weights and TOPSIS points, as :meth:`CompositeIndex.transform` does for the nominal index.

        ``values`` is r × m (indicators in the order of the index's result), ``years`` the year of each row
        (which picks the scope block of a per-year index). Returns r × draws. Scoring the fitted rows
        reproduces :attr:`draw_scores`; scoring a changed row gives the score that draw would give it in a
        what-if, so the draws' ranks of a scenario give its rank interval.
        """
        return self.models.transform(np.asarray(values, dtype=float), np.asarray(years))

    @property
    def driver(self) -> str:
        """The choice with the largest pooled first-order index."""
        return str(self.sensitivity.iloc[0]["factor"])


def _levels(name: str, given: Sequence[str] | str | None, default: Sequence[str], nominal: str, valid: Sequence[str]) -> list[str]:
    if given is None:
        levels = list(default)
        if nominal not in levels:
            levels.append(nominal)
    else:
        levels = [given] if isinstance(given, str) else list(given)
    if not levels:
        raise ParameterError(f"uncertainty: {name} needs at least one level")
    for lv in levels:
        if name == "weights":
            parse_methods(lv)
        elif lv not in valid:
            raise ParameterError(f"uncertainty: unknown {name} level {lv!r}; choose from {', '.join(valid)}")
    if len(set(levels)) != len(levels):
        raise ParameterError(f"uncertainty: {name} lists a level twice: {levels}")
    return levels


def _ss_first_order(
    r: np.ndarray, factors: Sequence[tuple[np.ndarray, int]], mean: np.ndarray, sst: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Between-level and total sums of squares of each row of ``r`` (n × D, ranks of any numeric type) over
    the draws' levels of each factor (``factors``: the level of every draw, number of levels).

    ``mean`` (n × 1) and ``sst`` (n,) are each row's mean and total sum of squares (:func:`_row_moments`).
    Every factor's level sums come from one product of ``r`` with the stacked one-hot matrices of all
    factors, a block of rows at a time: ``r`` is read once, not once per factor. Returns, per factor,
    (SS_B, SS_T, (L−1)·MS_W) per row, with L the number of levels actually drawn.
    """
    D = r.shape[1]
    onehots, spans, start = [], [], 0
    for labels, n_levels in factors:
        onehot = np.zeros((D, n_levels))
        onehot[np.arange(D), labels] = 1.0
        counts = onehot.sum(axis=0)
        used = counts > 0
        onehots.append(onehot[:, used])
        spans.append((start, start + int(used.sum()), counts[used]))
        start += int(used.sum())
    stacked = np.hstack(onehots)
    sums = np.empty((r.shape[0], start))
    for rows in _row_chunks(r.shape[0]):  # r may be integer ranks: cast block by block, never all at once
        sums[rows] = r[rows].astype(float) @ stacked
    out = []
    for lo, hi, counts in spans:
        L = hi - lo
        cond = sums[:, lo:hi] / counts
        ssb = ((cond - mean) ** 2 * counts).sum(axis=1)
        msw = (sst - ssb) / max(D - L, 1)
        out.append((ssb, sst, (L - 1) * msw))
    return out


#: Rows of an n × draws matrix processed at once by the row-wise statistics (bounds their temporaries to
#: about 4,096 × draws × 8 bytes: 33 MB at 1,000 draws, whatever the panel's size).
ROW_CHUNK = 4096


def _row_chunks(n: int) -> list[slice]:
    return [slice(i, min(i + ROW_CHUNK, n)) for i in range(0, n, ROW_CHUNK)]


def _row_moments(r: np.ndarray, nominal: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, float]:
    """Per row of ``r`` (n × D, ranks of any numeric type): mean (n × 1), total sum of squares about it (n,), the 5th/50th/95th
    percentiles (3 × n); over all cells: the total sum of squares and the mean |r − nominal|. Computed in
    blocks of :data:`ROW_CHUNK` rows so no n × D temporary is made."""
    n = r.shape[0]
    mean = np.empty((n, 1))
    sst = np.empty(n)
    pct = np.empty((3, n))
    abs_shift = 0.0
    for rows in _row_chunks(n):
        block = r[rows].astype(float)
        mean[rows] = block.mean(axis=1, keepdims=True)
        sst[rows] = ((block - mean[rows]) ** 2).sum(axis=1)
        pct[:, rows] = np.percentile(block, [5, 50, 95], axis=1)
        abs_shift += float(np.abs(block - nominal[rows, None]).sum())
    return mean, sst, float(sst.sum()), pct, abs_shift / max(r.size, 1)


def _points_only(sc):
    """What :class:`~nqp_lib.measure.draws.DrawModels` keeps of a batch's scores: the TOPSIS points (the
    scores themselves are in ``draw_scores``; keeping them again would double the memory)."""
    from nqp_lib.measure.aggregate import BlockScores

    return BlockScores(total=np.empty(0), dimensions=np.empty((0, 0, 0)), best=sc.best, worst=sc.worst,
                       dimension_best=sc.dimension_best, dimension_worst=sc.dimension_worst)


def uncertainty(
    index: CompositeIndex,
    draws: int = 1000,
    seed: int = 0,
    *,
    normalisations: Sequence[str] | None = None,
    weightings: Sequence[str] | None = None,
    aggregations: Sequence[str] | None = None,
    zeros: Sequence[str] | None = None,
    exclude_probability: float = 0.5,
    weight_noise: float = 0.25,
) -> UncertaintyResult:
    """Monte Carlo uncertainty and sensitivity analysis of a fitted index's ranks (see the module docstring).

    Parameters
    ----------
    index : CompositeIndex
        A fitted index: its panel, system and options are the nominal case.
    draws : int
        Number of Monte Carlo draws (≥ 10).
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same result.
    normalisations, weightings, aggregations, zeros : sequence of str, optional
        Levels of each choice. Defaults: :data:`DEFAULT_NORMALISATIONS` (minmax/rank/vector),
        :data:`DEFAULT_WEIGHTINGS` (entropy/critic/std/equal/pca), :data:`DEFAULT_AGGREGATIONS`
        (sum/geometric/topsis), :data:`DEFAULT_ZEROS` (shift/replace/none) — each plus the nominal option if
        it is not among them. A weighting level may be a combination such as ``"entropy+critic"``. One level
        fixes the choice.
    exclude_probability : float
        Probability that a draw leaves one indicator out (default 0.5; 0 never does).
    weight_noise : float
        Half-width a of the multiplicative weight noise U(1 − a, 1 + a) (default 0.25; 0 for none; < 1).
    """
    if not hasattr(index, "result_"):
        raise ParameterError("uncertainty: fit the index first (CompositeIndex(...).fit(panel))")
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 10:
        raise ParameterError(f"uncertainty: draws must be an integer ≥ 10, got {draws!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"uncertainty: seed must be a non-negative integer, got {seed!r}")
    if not 0.0 <= float(exclude_probability) <= 1.0:
        raise ParameterError(f"uncertainty: exclude_probability must lie in [0, 1], got {exclude_probability!r}")
    if not 0.0 <= float(weight_noise) < 1.0:
        raise ParameterError(f"uncertainty: weight_noise must lie in [0, 1), got {weight_noise!r}")
    opts = index.options_
    res = index.result_
    a = res.arrays
    norms = _levels("normalise", normalisations, DEFAULT_NORMALISATIONS, opts.normalise, tuple(NORMALISERS))
    wts = _levels("weights", weightings, DEFAULT_WEIGHTINGS, opts.weights, ())
    wts = ["+".join(parse_methods(w)) for w in wts]
    aggs = _levels("aggregate", aggregations, DEFAULT_AGGREGATIONS, opts.aggregate, tuple(AGGREGATORS))
    zs = _levels("zeros", zeros, DEFAULT_ZEROS, opts.zeros, tuple(ZERO_HANDLERS))
    fixed, fixed_dim = index.fixed_
    if fixed is None:
        for w in wts:
            reads = [m for m in parse_methods(w) if WEIGHTERS[m].system_weights]
            if reads:
                raise ParameterError(
                    f"uncertainty: weighting level {w!r} uses {reads[0]!r}, which reads the indicator system's "
                    "weights, but the system gives none"
                )

    notes: list[str] = []
    X, years = a.raw, a.years
    n, m = X.shape
    dims, K = index.dims_, len(a.dimensions)
    hier = opts.hierarchy == "hierarchical"
    blocks = [np.flatnonzero(a.block == b) for b in range(len(a.scope_keys))]
    p_ex = float(exclude_probability) if m > 1 else 0.0
    if m == 1 and exclude_probability > 0:
        notes.append("one indicator only: nothing is left out")

    # normalised matrices, once per (block, normalisation, zero handling)
    normalised: dict[tuple[int, int], np.ndarray] = {}
    models = DrawModels(index.directions_, dims, K, opts.hierarchy, opts.shift, opts.ddof, list(a.scope_keys),
                        norms, zs, aggs, int(draws))
    adjusted: dict[tuple[int, int, int], np.ndarray] = {}
    nonneg: dict[tuple[int, int], bool] = {}
    for b, rows in enumerate(blocks):
        x = X[rows]
        for i, nm in enumerate(norms):
            xn, models.params[(b, i)] = normalise(x, index.directions_, nm, ddof=opts.ddof)
            normalised[(b, i)] = xn
            for z, zn in enumerate(zs):
                xa = handle_zeros(xn, zn, opts.shift)
                adjusted[(b, i, z)] = xa
                nonneg[(i, z)] = nonneg.get((i, z), True) and bool((xa >= 0).all())
    # levels whose methods take logarithms need x'' ≥ 0
    logs_w = np.array([any(WEIGHTERS[m].reads_logs for m in parse_methods(w)) for w in wts])
    logs_a = np.array([AGGREGATORS[g].reads_logs for g in aggs])

    rng = np.random.default_rng(int(seed))
    D = int(draws)
    f_norm = np.zeros(D, dtype=int)
    f_w = np.zeros(D, dtype=int)
    f_agg = np.zeros(D, dtype=int)
    f_zero = np.zeros(D, dtype=int)
    f_ex = np.full(D, -1, dtype=int)
    todo = np.arange(D)
    cache: dict[tuple, Any] = {}
    failures: dict[str, int] = {}

    def config_key(b: int, d: int) -> tuple:
        agg_part = f_agg[d] if (hier and opts.dimension_weights == "method") else -1
        return (b, f_norm[d], f_zero[d], f_w[d], agg_part, f_ex[d])

    for _attempt in range(100):
        k = len(todo)
        f_norm[todo] = rng.integers(len(norms), size=k)
        f_w[todo] = rng.integers(len(wts), size=k)
        f_agg[todo] = rng.integers(len(aggs), size=k)
        f_zero[todo] = rng.integers(len(zs), size=k)
        leave = rng.random(k) < p_ex
        f_ex[todo] = np.where(leave, rng.integers(m, size=k), -1)
        bad = []
        for d in todo:
            ok = nonneg[(f_norm[d], f_zero[d])] or not (logs_w[f_w[d]] or logs_a[f_agg[d]])
            if not ok:
                label = f"{norms[f_norm[d]]} × {wts[f_w[d]] if logs_w[f_w[d]] else aggs[f_agg[d]]}"
                failures[f"{label} (negative values)"] = failures.get(f"{label} (negative values)", 0) + 1
                bad.append(d)
                continue
            for b in range(len(blocks)):
                key = config_key(b, d)
                if key not in cache:
                    active = np.ones(m, dtype=bool)
                    if f_ex[d] >= 0:
                        active[f_ex[d]] = False
                    try:
                        zn = zs[f_zero[d]]
                        cache[key] = compute_weights(
                            normalised[(b, f_norm[d])], parse_methods(wts[f_w[d]]), dims, K,
                            hierarchy=opts.hierarchy, how=opts.combine, dimension_weights=opts.dimension_weights,
                            aggregate=aggs[f_agg[d]], ddof=opts.ddof, fixed=fixed, fixed_dimension=fixed_dim,
                            active=active, labels=a.indicators, dimension_labels=a.dimensions,
                            zeros=lambda v, zn=zn: handle_zeros(v, zn, opts.shift),
                        )
                        cache[key].details.clear()  # each method's arrays (n × m for some): not needed here
                    except MethodError as exc:
                        cache[key] = exc
                if isinstance(cache[key], MethodError):
                    label = f"{norms[f_norm[d]]} × {wts[f_w[d]]}" + (f" without {a.indicators[f_ex[d]]}" if f_ex[d] >= 0 else "")
                    failures[label] = failures.get(label, 0) + 1
                    bad.append(d)
                    break
        todo = np.array(bad, dtype=int)
        if len(todo) == 0:
            break
    else:
        raise ParameterError(
            "uncertainty: too few of the requested combinations can be computed on these data "
            f"({'; '.join(sorted(failures)[:5])}); drop the failing levels"
        )
    if failures:
        total_bad = sum(failures.values())
        notes.append(
            f"{total_bad} draws hit a combination that cannot be computed and were redrawn: "
            + "; ".join(f"{k} ({v}×)" for k, v in sorted(failures.items(), key=lambda kv: -kv[1])[:8])
        )

    # weight noise, then batched scoring per (block, normalisation, zero handling, aggregation)
    a_noise = float(weight_noise)
    noise = rng.uniform(1.0 - a_noise, 1.0 + a_noise, size=(D, m)) if a_noise > 0 else np.ones((D, m))
    dnoise = rng.uniform(1.0 - a_noise, 1.0 + a_noise, size=(D, K)) if (a_noise > 0 and hier) else np.ones((D, K))
    onehot_dims = np.zeros((m, K))
    onehot_dims[np.arange(m), dims] = 1.0
    scores = np.empty((n, D))
    for b, rows in enumerate(blocks):
        keys = [config_key(b, d) for d in range(D)]
        final = np.vstack([cache[k].final for k in keys])
        within = np.vstack([cache[k].within for k in keys])
        dimw = np.vstack([cache[k].dimension for k in keys])
        if hier:
            v = within * noise
            sums = v @ onehot_dims
            v = v / np.where(sums > 0, sums, 1.0)[:, dims]
            W = dimw * dnoise
            W = W / W.sum(axis=1, keepdims=True)
            within, dimw, final = v, W, v * W[:, dims]
        else:
            final = final * noise
            final = final / final.sum(axis=1, keepdims=True)
            sums = final @ onehot_dims
            within = final / np.where(sums > 0, sums, 1.0)[:, dims]
            dimw = sums
        group = (f_norm * len(zs) + f_zero) * len(aggs) + f_agg
        for g in np.unique(group):
            idx = np.flatnonzero(group == g)
            d0 = idx[0]
            xa = adjusted[(b, f_norm[d0], f_zero[d0])] if logs_a[f_agg[d0]] else normalised[(b, f_norm[d0])]
            sc = score_block(xa, final[idx], within[idx], dimw[idx], dims, K, aggs[f_agg[d0]], opts.hierarchy,
                             with_dimensions=False)
            scores[np.ix_(rows, idx)] = sc.total
            models.batches.append((b, idx, f_norm[d0], f_zero[d0], f_agg[d0], final[idx], within[idx], dimw[idx],
                                   _points_only(sc)))
    ranks = rank_within_years(scores, years)

    # statistics
    nominal = a.rank
    rf = ranks  # int32; the statistics cast it to float a block of rows at a time (an n × D float copy is 360 MB
    # for 3,000 units × 15 years × 1,000 draws)
    row_mean, row_sst, tot, (p05, med, p95), mean_abs_shift = _row_moments(rf, nominal)
    factor_labels = {
        "normalise": (f_norm, len(norms)),
        "weights": (f_w, len(wts)),
        "aggregate": (f_agg, len(aggs)),
        "zeros": (f_zero, len(zs)),
        "exclude": (f_ex + 1, m + 1),
    }
    # weight noise: each weight's factor binned into quantile bins, indices summed
    noise_cols = [noise[:, j] for j in range(m)] + ([dnoise[:, k] for k in range(K)] if hier else [])
    noise_labels = [np.searchsorted(np.quantile(col, np.linspace(0, 1, NOISE_BINS + 1)[1:-1]), col)
                    for col in noise_cols] if a_noise > 0 else []
    first_order = _ss_first_order(rf, [*factor_labels.values(), *((lab, NOISE_BINS) for lab in noise_labels)],
                                  row_mean, row_sst)
    by_unit: dict[str, np.ndarray] = {}
    rows_out = []
    for (name, (labels, L)), (ssb, sst, bias) in zip(factor_labels.items(), first_order):
        by_unit[name] = np.where(sst > 0, np.clip((ssb - bias) / np.where(sst > 0, sst, 1.0), 0, None), 0.0)
        tot = sst.sum()
        rows_out.append((name, int(len(np.unique(labels))),
                         max(float((ssb - bias).sum() / tot), 0.0) if tot > 0 else 0.0,
                         float(ssb.sum() / tot) if tot > 0 else 0.0))
    if a_noise > 0:
        eps_sum, eta_sum, unit_sum = 0.0, 0.0, np.zeros(n)
        for ssb, sst, bias in first_order[len(factor_labels):]:
            unit_sum += np.where(sst > 0, np.clip((ssb - bias) / np.where(sst > 0, sst, 1.0), 0, None), 0.0)
            if tot > 0:
                eps_sum += max(float((ssb - bias).sum() / tot), 0.0)
                eta_sum += float(ssb.sum() / tot)
        by_unit["weight_noise"] = unit_sum
        rows_out.append(("weight_noise", len(noise_cols), eps_sum, eta_sum))
    else:
        by_unit["weight_noise"] = np.zeros(n)
        rows_out.append(("weight_noise", 0, 0.0, 0.0))
    sens = pd.DataFrame(rows_out, columns=["factor", "levels", "first_order", "eta2"])
    sens = sens.sort_values("first_order", ascending=False, kind="stable").reset_index(drop=True)
    names = list(by_unit)
    stack = np.vstack([by_unit[k] for k in names]).T
    std_rank = np.sqrt(row_sst / D)
    moving = std_rank > 0
    driver = np.where(moving, np.asarray(names, dtype=object)[stack.argmax(axis=1)], "none")
    ranks_df = pd.DataFrame({
        "unit": a.units, "year": a.years, "nominal_rank": nominal, "median_rank": med, "p05": p05, "p95": p95,
        "mean_rank": row_mean[:, 0], "std_rank": std_rank, "nominal_score": a.total, "driver": driver,
    })
    by_unit_df = pd.DataFrame({"unit": a.units, "year": a.years, **by_unit})
    design = pd.DataFrame({
        "draw": np.arange(D),
        "normalise": np.asarray(norms, dtype=object)[f_norm],
        "weights": np.asarray(wts, dtype=object)[f_w],
        "aggregate": np.asarray(aggs, dtype=object)[f_agg],
        "zeros": np.asarray(zs, dtype=object)[f_zero],
        "exclude": np.where(f_ex >= 0, np.asarray(a.indicators + [""], dtype=object)[f_ex], ""),
    })
    options = {
        "draws": D, "seed": int(seed), "normalisations": norms, "weightings": wts, "aggregations": aggs,
        "zeros": zs, "exclude_probability": p_ex, "weight_noise": a_noise,
        "fixed_from_nominal": {k: res.options[k] for k in ("scope", "hierarchy", "combine", "dimension_weights",
                                                          "ddof", "shift", "impute", "years", "exclude_units")},
        "nominal": {k: res.options[k] for k in ("normalise", "weights", "aggregate", "zeros")},
        "system": res.options["system"], "panel": res.options["panel"],
        "first_order": "epsilon-squared (Kelley 1935) of the rank over the levels of each choice, pooled over unit-years",
    }
    return UncertaintyResult(
        ranks=ranks_df, sensitivity=sens, sensitivity_by_unit=by_unit_df, design=design, draw_ranks=ranks,
        draw_scores=scores, mean_abs_shift=mean_abs_shift, options=options, notes=notes + list(res.notes),
        models=models,
    )
