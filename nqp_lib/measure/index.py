"""The composite index: ``CompositeIndex(system, **options).fit(panel)`` → :class:`IndexResult`.

Pipeline, run on each *scope block* (all unit-years pooled, or one year at a time):

1. indicator matrix from the panel (:meth:`IndicatorSystem.matrix`), optional imputation, a refusal to go on
   with missing cells;
2. direction-aware normalisation (:mod:`nqp_lib.measure.normalise`); zero handling on the copy read by the
   methods that take logarithms (entropy weights, geometric mean);
3. weights (:mod:`nqp_lib.measure.weights`), flat or hierarchical, one method or a combination;
4. aggregation (:mod:`nqp_lib.measure.aggregate`) into one score per dimension and a total; ranks per year
   (1 = highest score).

The estimator follows scikit-learn's conventions: ``__init__`` stores the options unchanged, ``fit`` validates
them and learns (attributes ending in ``_``), ``transform`` scores another panel with the learned
normalisation parameters, weights and TOPSIS points, and :meth:`CompositeIndex.variant` re-fits with one option
changed (COINr's "change one argument, regenerate"). Every result carries its options and its notes — the
record of every handling applied (constant indicators, imputed cells, values outside the fitted range).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib import __version__
from nqp_lib.data.impute import METHODS as IMPUTE_METHODS
from nqp_lib.data.impute import impute as impute_frame
from nqp_lib.errors import DataError, MethodError, ParameterError
from nqp_lib.measure.aggregate import AGGREGATORS, BlockScores, score_block
from nqp_lib.measure.normalise import NORMALISERS, ZERO_HANDLERS, handle_zeros, normalise
from nqp_lib.measure.weights import COMBINERS, WeightSet, compute_weights, parse_methods
from nqp_lib.systems import IndicatorSystem, load_system

SCOPES = ("pooled", "per-year")
HIERARCHIES = ("flat", "hierarchical")
DIMENSION_WEIGHTS = ("method", "equal", "fixed")
POOLED = "pooled"


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class MeasureOptions:
    """Validated options of a composite index (defaults are the package defaults).

    Attributes
    ----------
    normalise : {"minmax", "zscore", "vector", "rank"}
        Direction-aware normalisation (:data:`~nqp_lib.measure.normalise.NORMALISERS`).
    scope : {"pooled", "per-year"}
        Rows over which normalisation bounds, weights and TOPSIS points are learned: all unit-years
        (default; the only scope whose scores compare across years) or each year on its own.
    zeros : {"shift", "replace", "none"}
        Zero handling after normalisation, before logarithms (entropy, geometric mean).
    shift : float
        The constant of ``shift`` / ``replace`` (default 1e-4).
    weights : str
        A method of :data:`~nqp_lib.measure.weights.WEIGHTERS` or several joined by ``+``
        (``entropy+critic``).
    combine : {"mean", "geometric", "product"}
        How several methods' weights are combined.
    hierarchy : {"flat", "hierarchical"}
        Weights over all indicators at once, or within each dimension and then across dimensions.
    dimension_weights : {"method", "equal", "fixed"}
        Dimension weights of a hierarchical index: the same methods applied to the dimension scores, equal,
        or the system file's.
    aggregate : {"sum", "geometric", "topsis"}
        Aggregation (:data:`~nqp_lib.measure.aggregate.AGGREGATORS`).
    ddof : {0, 1}
        Delta degrees of freedom of every standard deviation (z-score, CRITIC, std weights): 1 = sample σ.
    impute : {"none", "linear", "linear_nearest", "nearest"}
        Imputation of missing indicator cells (:func:`nqp_lib.data.impute.impute`); ``none`` refuses to
        measure a matrix with gaps.
    years : tuple of int or None
        Keep only the years ``from``–``to`` (inclusive).
    exclude_units : tuple of str
        Units to leave out (e.g. a province with no data on an indicator, which no within-unit imputation
        can fill).
    clip : bool
        In :meth:`CompositeIndex.transform`, set raw values outside the fitted range of an indicator to the
        fitted minimum or maximum before normalising (default False: min-max scores of such values fall
        outside [0, 1], which shows a what-if beyond the observed best).
    """

    normalise: str = "minmax"
    scope: str = "pooled"
    zeros: str = "shift"
    shift: float = 1e-4
    weights: str = "entropy"
    combine: str = "mean"
    hierarchy: str = "flat"
    dimension_weights: str = "method"
    aggregate: str = "sum"
    ddof: int = 1
    impute: str = "none"
    years: tuple[int, int] | None = None
    exclude_units: tuple[str, ...] = ()
    clip: bool = False

    @property
    def methods(self) -> tuple[str, ...]:
        return parse_methods(self.weights)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["years"] = list(self.years) if self.years else None
        out["exclude_units"] = list(self.exclude_units)
        out["methods"] = list(self.methods)
        return out


OPTION_NAMES = tuple(f.name for f in fields(MeasureOptions))


def _choice(name: str, value: Any, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ParameterError(f"{name}: unknown value {value!r}; choose one of {', '.join(allowed)}")
    return value


def parse_years(value: Any) -> tuple[int, int] | None:
    """``None``, ``"2011-2023"``, ``"2015"``, ``2015`` or ``(2011, 2023)`` → ``(from, to)`` or None."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, str):
            parts = value.replace("–", "-").split("-")
            if len(parts) == 1:
                lo = hi = int(parts[0])
            elif len(parts) == 2:
                lo, hi = int(parts[0]), int(parts[1])
            else:
                raise ValueError
        elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            lo = hi = int(value)
        else:
            lo, hi = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ParameterError(f"years: {value!r} is not a year range; write FROM-TO such as 2011-2023") from None
    if lo > hi:
        raise ParameterError(f"years: {value!r} runs backwards; write FROM-TO with FROM ≤ TO")
    return (lo, hi)


AUTO = "auto"


def parse_units(value: Any) -> tuple[str, ...]:
    """``None``, ``"西藏"``, ``"西藏,青海"`` or a list → a tuple of unit names; ``"auto"`` → ``("auto",)``,
    which :func:`indicator_data` resolves to the units with an indicator that has no value in any year."""
    if value is None or value == "":
        return ()
    if isinstance(value, str) and value.strip().lower() == AUTO:
        return (AUTO,)
    if isinstance(value, str):
        parts = [v.strip() for v in value.replace("，", ",").split(",")]
    elif isinstance(value, (list, tuple, set, np.ndarray, pd.Index)):
        parts = [str(v).strip() for v in value]
    else:
        raise ParameterError(f"exclude_units: expected unit names (a list or 'A,B'), got {value!r}")
    return tuple(p for p in parts if p)


def measure_options(**options: Any) -> MeasureOptions:
    """Validate options (keyword names as in :class:`MeasureOptions`) and fill in defaults."""
    unknown = sorted(set(options) - set(OPTION_NAMES))
    if unknown:
        raise ParameterError(f"unknown option(s) {unknown}; valid options: {', '.join(OPTION_NAMES)}")
    o = {**asdict(MeasureOptions()), **options}
    _choice("normalise", o["normalise"], tuple(NORMALISERS))
    _choice("scope", o["scope"], SCOPES)
    _choice("zeros", o["zeros"], tuple(ZERO_HANDLERS))
    _choice("combine", o["combine"], tuple(COMBINERS))
    _choice("hierarchy", o["hierarchy"], HIERARCHIES)
    _choice("dimension_weights", o["dimension_weights"], DIMENSION_WEIGHTS)
    _choice("aggregate", o["aggregate"], tuple(AGGREGATORS))
    _choice("impute", o["impute"], IMPUTE_METHODS)
    methods = parse_methods(o["weights"])
    o["weights"] = "+".join(methods)
    shift = o["shift"]
    if isinstance(shift, bool) or not isinstance(shift, (int, float)) or not math.isfinite(shift) or shift <= 0:
        raise ParameterError(f"shift: must be a positive number such as 1e-4, got {shift!r}")
    o["shift"] = float(shift)
    if o["ddof"] not in (0, 1) or isinstance(o["ddof"], bool):
        raise ParameterError(f"ddof: must be 0 (population σ) or 1 (sample σ), got {o['ddof']!r}")
    if not isinstance(o["clip"], bool):
        raise ParameterError(f"clip: must be True or False, got {o['clip']!r}")
    o["years"] = parse_years(o["years"])
    o["exclude_units"] = parse_units(o["exclude_units"])
    return MeasureOptions(**o)


# --------------------------------------------------------------------------- indicator data


@dataclass
class IndicatorData:
    """The indicator matrix of a panel, ready for the engine (rows sorted by year, then unit)."""

    units: np.ndarray
    years: np.ndarray
    values: np.ndarray
    indicators: list[str]
    imputed: np.ndarray | None
    impute: str
    excluded: tuple[str, ...] = ()  # units left out (given, or found by exclude_units="auto")


def panel_frame(panel: Any) -> pd.DataFrame:
    """The DataFrame of a :class:`~nqp_lib.data.Panel` (its ``.frame``) or a DataFrame itself."""
    if isinstance(panel, pd.DataFrame):
        return panel
    frame = getattr(panel, "frame", None)
    if isinstance(frame, pd.DataFrame):
        return frame
    raise ParameterError(f"expected a Panel or a DataFrame with unit and year columns, got {type(panel).__name__}")


def _examples(mask: np.ndarray, units: np.ndarray, years: np.ndarray, limit: int = 3) -> str:
    idx = np.flatnonzero(mask)[:limit]
    return ", ".join(f"{units[i]} {years[i]}" for i in idx)


def _cells_message(mask: np.ndarray, units, years, ids, limit_ind: int = 8) -> str:
    parts = []
    for j in np.flatnonzero(mask.any(axis=0))[:limit_ind]:
        parts.append(f"{ids[j]} ({int(mask[:, j].sum())} unit-years, e.g. {_examples(mask[:, j], units, years)})")
    extra = int(mask.any(axis=0).sum()) - limit_ind
    return "; ".join(parts) + (f"; and {extra} more indicator(s)" if extra > 0 else "")


def indicator_data(
    system: IndicatorSystem,
    panel: Any,
    impute: str = "none",
    years: tuple[int, int] | None = None,
    exclude_units: Sequence[str] = (),
) -> IndicatorData:
    """Evaluate the system's indicators on the panel, restrict years and units, impute, refuse missing cells.

    Raises :class:`MethodError` if a cell is still missing, naming the indicators and unit-years and the way
    out (an imputation, fewer years, fewer indicators).
    """
    frame = panel_frame(panel)
    for key in ("unit", "year"):
        if key not in frame.columns:
            raise DataError(f"the panel has no {key!r} column (columns: {', '.join(map(str, frame.columns[:20]))})")
    if years is not None:
        have = pd.to_numeric(frame["year"], errors="coerce")
        keep = (have >= years[0]) & (have <= years[1])
        if not keep.any():
            span = f"{int(have.min())}–{int(have.max())}" if have.notna().any() else "none"
            raise ParameterError(f"years: no rows in {years[0]}–{years[1]}; the panel covers {span}")
        frame = frame.loc[keep]
    if tuple(exclude_units) == (AUTO,):
        exclude_units = units_without_data(system, frame)
    if exclude_units:
        present = set(frame["unit"].astype(str))
        unknown = [u for u in exclude_units if u not in present]
        if unknown:
            raise ParameterError(
                f"exclude_units: {unknown} not in the panel; its units are {', '.join(sorted(present)[:40])}"
            )
        frame = frame.loc[~frame["unit"].astype(str).isin(exclude_units)]
        if frame.empty:
            raise ParameterError("exclude_units: no unit is left")
    matrix = system.matrix(frame)
    dup = matrix.duplicated(["unit", "year"])
    if dup.any():
        first = matrix.loc[dup, ["unit", "year"]].head(3).to_records(index=False).tolist()
        raise DataError(f"the panel has {int(dup.sum())} duplicate unit-year rows, e.g. {first}; keep one row per unit and year")
    ids = system.indicator_ids
    units = matrix["unit"].to_numpy()
    yrs = matrix["year"].to_numpy()
    try:
        yrs = yrs.astype(int)
    except (TypeError, ValueError):
        raise DataError("the panel's year column must hold whole years such as 2011") from None
    values = matrix[ids].to_numpy(dtype=float)
    missing = np.isnan(values)
    empty = missing.all(axis=0)
    if empty.any():
        names = [f"{ids[j]} ({system.indicator(ids[j]).column or system.indicator(ids[j]).formula})" for j in np.flatnonzero(empty)]
        raise MethodError(
            f"indicator(s) {', '.join(names)} have no value in any of the {len(values)} unit-years; no imputation "
            "can fill them: supply the source column or remove the indicator from the system"
        )
    imputed = None
    if impute != "none" and missing.any():
        filled = impute_frame(matrix[["unit", "year", *ids]], impute, columns=ids)
        values = filled.frame[ids].to_numpy(dtype=float)
        imputed = filled.flags[ids].to_numpy(dtype=bool)
    elif impute != "none":
        imputed = np.zeros(values.shape, dtype=bool)
    still = np.isnan(values)
    if still.any():
        # units with no observation at all on an indicator: no within-unit imputation can help
        hopeless: dict[str, list[str]] = {}
        for j in np.flatnonzero(still.any(axis=0)):
            for u in pd.unique(units[still[:, j]]):
                if missing[units == u, j].all():
                    hopeless.setdefault(str(u), []).append(ids[j])
        lines = [f"the indicator matrix has {int(still.sum())} missing cells: {_cells_message(still, units, yrs, ids)}."]
        if impute == "none":
            lines.append(
                "Choose an imputation (impute='linear', 'linear_nearest' or 'nearest'; CLI --impute), restrict the "
                "years (--years FROM-TO), or remove these indicators from the system."
            )
        else:
            lines.append(f"Imputation {impute!r} cannot fill them"
                         + (" (it leaves leading and trailing gaps; linear_nearest fills them)." if impute == "linear" else "."))
        if hopeless:
            listed = "; ".join(f"{u} has no {', '.join(v)} in any year" for u, v in list(hopeless.items())[:5])
            lines.append(
                f"{listed}. Imputation works within a unit, so leave such units out "
                f"(exclude_units=[{', '.join(repr(u) for u in hopeless)}]; CLI --exclude-units "
                f"{','.join(hopeless)}) or remove the indicators."
            )
        raise MethodError(" ".join(lines))
    return IndicatorData(units, yrs, values, list(ids), imputed, impute, tuple(exclude_units))


def units_without_data(system: IndicatorSystem, frame: pd.DataFrame) -> tuple[str, ...]:
    """Units for which some indicator has no value in any year of ``frame`` (sorted).

    Imputation works within a unit, so such a unit can never be measured with this system; the
    ``exclude_units="auto"`` option leaves exactly these out (e.g. 西藏, which has no energy or CO2 data).
    """
    matrix = system.matrix(frame)
    never = matrix.groupby("unit")[system.indicator_ids].count().eq(0).any(axis=1)
    left = sorted(str(u) for u in never[never].index)
    if len(left) == matrix["unit"].nunique():
        return ()  # every unit lacks something: let the missing-cell error explain instead
    return tuple(left)


# --------------------------------------------------------------------------- ranks


def rank_within_years(scores: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Rank rows within each year, 1 = highest score, ties share the best rank (``min``).

    ``scores`` may be n or n × d (a batch of scores: each column ranked separately).
    """
    out = np.empty(scores.shape, dtype=np.int32)
    _, inv = np.unique(years, return_inverse=True)
    order = np.argsort(inv, kind="stable")
    bounds = np.flatnonzero(np.diff(inv[order])) + 1
    for rows in np.split(order, bounds):
        out[rows] = min_ranks_descending(scores[rows])
    return out


def min_ranks_descending(values: np.ndarray) -> np.ndarray:
    """Ranks along axis 0, 1 = largest, ties sharing the best (smallest) rank — ``method="min"``.

    Sort each column, mark where a run of equal values starts, carry the run's start position down with a
    running maximum, and scatter back: O(m log m) per column, no scipy import (which costs ~1 s).
    Example: [0.5, 0.9, 0.5, 0.1] → [2, 1, 2, 4].
    """
    a = -np.asarray(values, dtype=float)
    column = a.ndim == 1
    if column:
        a = a[:, None]
    order = np.argsort(a, axis=0, kind="stable")
    s = np.take_along_axis(a, order, axis=0)
    starts = np.zeros(s.shape, dtype=np.int64)
    starts[1:] = np.where(s[1:] != s[:-1], np.arange(1, s.shape[0])[:, None], 0)
    run_rank = np.maximum.accumulate(starts, axis=0) + 1
    ranks = np.empty_like(run_rank)
    np.put_along_axis(ranks, order, run_rank, axis=0)
    return ranks[:, 0] if column else ranks


# --------------------------------------------------------------------------- fitted state and result


@dataclass
class BlockFit:
    """What ``fit`` learned on one scope block (``key`` is "pooled" or a year)."""

    key: Any
    rows: np.ndarray
    params: dict[str, np.ndarray]
    raw_min: np.ndarray
    raw_max: np.ndarray
    weights: WeightSet
    scores: BlockScores


@dataclass
class ResultArrays:
    """Every intermediate of an index run as arrays (rows: unit-years sorted by year then unit).

    ``block`` maps each row to its scope block; per-block arrays have one row per entry of ``scope_keys``.
    """

    units: np.ndarray
    years: np.ndarray
    indicators: list[str]
    dimensions: list[str]
    dims: np.ndarray
    raw: np.ndarray
    imputed: np.ndarray | None
    normalised: np.ndarray
    adjusted: np.ndarray
    block: np.ndarray
    scope_keys: list[Any]
    final: np.ndarray
    within: np.ndarray
    dimension: np.ndarray
    by_method: dict[str, np.ndarray]
    dimension_by_method: dict[str, np.ndarray]
    details: list[list[dict]]
    total: np.ndarray
    dimension_scores: np.ndarray
    rank: np.ndarray
    d_plus: np.ndarray | None
    d_minus: np.ndarray | None
    best: np.ndarray | None
    worst: np.ndarray | None
    params: list[dict[str, np.ndarray]]
    raw_min: np.ndarray
    raw_max: np.ndarray


@dataclass
class IndexResult:
    """An index run: options, notes and every intermediate.

    Attributes
    ----------
    options : dict
        The validated options plus what the run resolved (system, panel coverage, imputation, mode).
    system : IndicatorSystem
    arrays : ResultArrays
        The intermediates as arrays; the properties below give them as tidy DataFrames.
    notes : list of str
        Every handling applied (constant indicators given weight 0, imputed cells, …).
    """

    options: dict[str, Any]
    system: IndicatorSystem
    arrays: ResultArrays
    notes: list[str] = field(default_factory=list)

    # -- tidy frames ---------------------------------------------------------------------------
    def _keys(self) -> pd.DataFrame:
        return pd.DataFrame({"unit": self.arrays.units, "year": self.arrays.years})

    def _wide(self, values: np.ndarray, columns: Sequence[str]) -> pd.DataFrame:
        out = self._keys()
        return pd.concat([out, pd.DataFrame(values, columns=list(columns))], axis=1)

    @cached_property
    def scores(self) -> pd.DataFrame:
        """unit, year, score (total), rank (within year, 1 = best), then one column per dimension.

        A dimension's column is the aggregate of its own indicators with the within-dimension weights
        (for min-max and the weighted sum it lies in [0, 1]; the total is Σ_k W_k × dimension score).
        """
        a = self.arrays
        out = self._keys()
        out["score"] = a.total
        out["rank"] = a.rank
        for k, d in enumerate(a.dimensions):
            out[d] = a.dimension_scores[:, k]
        return out

    @cached_property
    def matrix(self) -> pd.DataFrame:
        """The raw indicator values used (after imputation and the year filter)."""
        return self._wide(self.arrays.raw, self.arrays.indicators)

    @cached_property
    def imputed(self) -> pd.DataFrame | None:
        """True where a cell of :attr:`matrix` was imputed (None when ``impute="none"``)."""
        return None if self.arrays.imputed is None else self._wide(self.arrays.imputed, self.arrays.indicators)

    @cached_property
    def normalised(self) -> pd.DataFrame:
        """x'_ij: direction-aware normalised values, before zero handling."""
        return self._wide(self.arrays.normalised, self.arrays.indicators)

    @cached_property
    def adjusted(self) -> pd.DataFrame:
        """x''_ij: normalised values after zero handling — read by entropy weights and the geometric mean
        (the methods that take logarithms); the other methods read :attr:`normalised`."""
        return self._wide(self.arrays.adjusted, self.arrays.indicators)

    @cached_property
    def contributions(self) -> pd.DataFrame:
        """w_j x'_ij per indicator, on the matrix the aggregation read (weighted sum: they add up to the score)."""
        a = self.arrays
        x = a.adjusted if self.options["aggregate"] == "geometric" else a.normalised
        return self._wide(x * a.final[a.block], a.indicators)

    @cached_property
    def entropy_p(self) -> pd.DataFrame | None:
        """p_ij = x''_ij / Σ_i x''_ij within the scope (x'' after zero handling) (None unless entropy weights were used on indicators)."""
        a = self.arrays
        p = np.full(a.raw.shape, np.nan)
        found = False
        for b, recs in enumerate(a.details):
            rows = np.flatnonzero(a.block == b)
            for r in recs:
                if r["method"] == "entropy" and r["level"] in ("flat", "within"):
                    p[np.ix_(rows, r["columns"])] = r["details"]["p"]
                    found = True
        return self._wide(p, a.indicators) if found else None

    @cached_property
    def method_details(self) -> pd.DataFrame:
        """Long table of every per-indicator quantity of every weighting method.

        Columns: scope, level ("flat", "within", "dimension"), group (dimension id for "within"), method,
        quantity (e.g. entropy ``e``/``d``, CRITIC ``sigma``/``conflict``/``C``, PCA ``eigenvalues``), item
        (indicator or dimension id, or component number), value.
        """
        a = self.arrays
        rows = []
        for b, recs in enumerate(a.details):
            for r in recs:
                names = a.dimensions if r["level"] == "dimension" else a.indicators
                items = [names[c] for c in r["columns"]]
                group = a.dimensions[r["group"]] if r["level"] == "within" else ""
                for q, v in r["details"].items():
                    v = np.asarray(v)
                    if v.ndim == 0:
                        rows.append((a.scope_keys[b], r["level"], group, r["method"], q, "", float(v)))
                    elif v.ndim == 1 and len(v) == len(items):
                        rows.extend((a.scope_keys[b], r["level"], group, r["method"], q, it, float(x)) for it, x in zip(items, v))
                    elif v.ndim == 1:  # eigenvalues: one per component
                        rows.extend((a.scope_keys[b], r["level"], group, r["method"], q, f"PC{i + 1}", float(x)) for i, x in enumerate(v))
        return pd.DataFrame(rows, columns=["scope", "level", "group", "method", "quantity", "item", "value"])

    def _method_table(self, method: str, quantities: Sequence[str]) -> pd.DataFrame:
        md = self.method_details
        sub = md[(md["method"] == method) & md["quantity"].isin(quantities)]
        if sub.empty:
            return pd.DataFrame(columns=["scope", "level", "group", "item", *quantities])
        wide = sub.pivot_table(index=["scope", "level", "group", "item"], columns="quantity", values="value", sort=False)
        return wide.reset_index()[["scope", "level", "group", "item", *[q for q in quantities if q in wide.columns]]]

    @property
    def entropy(self) -> pd.DataFrame:
        """Entropy e_j and divergence d_j = 1 − e_j per scope (empty unless entropy weights were used)."""
        return self._method_table("entropy", ["e", "d"])

    @property
    def critic(self) -> pd.DataFrame:
        """CRITIC σ_j, conflict Σ_k(1 − r_jk) and information C_j per scope (empty unless used)."""
        return self._method_table("critic", ["sigma", "conflict", "C"])

    def correlations(self, method: str = "critic") -> dict[tuple, pd.DataFrame]:
        """CRITIC's correlation matrices r_jk, keyed by (scope, level, group)."""
        a = self.arrays
        out = {}
        for b, recs in enumerate(a.details):
            for r in recs:
                if r["method"] == method and "r" in r["details"]:
                    names = a.dimensions if r["level"] == "dimension" else a.indicators
                    lab = [names[c] for c in r["columns"]]
                    group = a.dimensions[r["group"]] if r["level"] == "within" else ""
                    out[(a.scope_keys[b], r["level"], group)] = pd.DataFrame(r["details"]["r"], index=lab, columns=lab)
        return out

    @cached_property
    def weights(self) -> pd.DataFrame:
        """One row per scope and indicator: dimension, each method's weight (flat: over all indicators;
        hierarchical: within the dimension), ``within`` (within-dimension weight), ``dimension_weight`` and
        ``final`` (the effective weight; sums to 1 per scope)."""
        a = self.arrays
        frames = []
        for b, key in enumerate(a.scope_keys):
            t = pd.DataFrame({"scope": key, "indicator": a.indicators, "dimension": [a.dimensions[k] for k in a.dims]})
            for name, w in a.by_method.items():
                t[name] = w[b]
            t["within"] = a.within[b]
            t["dimension_weight"] = a.dimension[b][a.dims]
            t["final"] = a.final[b]
            frames.append(t)
        return pd.concat(frames, ignore_index=True)

    @cached_property
    def dimension_weights(self) -> pd.DataFrame:
        """One row per scope and dimension: each method's dimension weight (hierarchical, ``method``) and
        ``weight`` (sums to 1 per scope)."""
        a = self.arrays
        frames = []
        for b, key in enumerate(a.scope_keys):
            t = pd.DataFrame({"scope": key, "dimension": a.dimensions})
            for name, w in a.dimension_by_method.items():
                t[name] = w[b]
            t["weight"] = a.dimension[b]
            frames.append(t)
        return pd.concat(frames, ignore_index=True)

    @cached_property
    def topsis(self) -> pd.DataFrame | None:
        """unit, year, d_plus, d_minus, closeness (None unless aggregate="topsis")."""
        a = self.arrays
        if a.d_plus is None:
            return None
        out = self._keys()
        out["d_plus"], out["d_minus"], out["closeness"] = a.d_plus, a.d_minus, a.total
        return out

    @cached_property
    def bounds(self) -> pd.DataFrame:
        """Per scope and indicator: the fitted raw minimum and maximum and the normalisation parameters."""
        a = self.arrays
        frames = []
        for b, key in enumerate(a.scope_keys):
            t = pd.DataFrame({"scope": key, "indicator": a.indicators, "raw_min": a.raw_min[b], "raw_max": a.raw_max[b]})
            for name, v in a.params[b].items():
                if isinstance(v, np.ndarray) and v.dtype != object and v.shape == (len(a.indicators),):
                    t[name] = v
            frames.append(t)
        return pd.concat(frames, ignore_index=True)

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Every tidy table by name (for charts and for writing to disk)."""
        out = {
            "scores": self.scores,
            "weights": self.weights,
            "dimension_weights": self.dimension_weights,
            "matrix": self.matrix,
            "normalised": self.normalised,
            "adjusted": self.adjusted,
            "contributions": self.contributions,
            "method_details": self.method_details,
            "bounds": self.bounds,
        }
        for name in ("imputed", "entropy_p", "topsis"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    def options_json(self) -> str:
        """Options and notes as JSON (what ``nqp measure`` writes to options.json)."""
        return json.dumps({**self.options, "notes": self.notes}, ensure_ascii=False, indent=2, default=json_default)


def json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (np.ndarray,)):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# --------------------------------------------------------------------------- the estimator


def _fixed(system: IndicatorSystem, opts: MeasureOptions, notes: list[str]) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Fixed weights of the system: (within-dimension indicator weights normalised per dimension, dimension weights)."""
    ind_w, dim_w = system.fixed_weights()
    needs_ind = "fixed" in opts.methods
    needs_dim = opts.dimension_weights == "fixed" and opts.hierarchy == "hierarchical"
    where = f"indicator system {system.id!r} ({system.path or 'in memory'})"
    if needs_ind and ind_w is None:
        raise ParameterError(
            f"weights='fixed' but {where} does not give a 'weight' for every indicator; add them to the YAML "
            "file or choose entropy, critic, std, equal or pca"
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


def _check_nonnegative(x, rows, data: IndicatorData, what: str, opts: MeasureOptions, key) -> None:
    neg = x < 0
    if neg.any():
        full = np.zeros((len(data.units), x.shape[1]), dtype=bool)
        full[rows] = neg
        raise MethodError(
            f"{what} needs non-negative normalised values, but normalise={opts.normalise!r} (scope {key}) gives "
            f"negative values for {_cells_message(full, data.units, data.years, data.indicators, 4)}; use minmax or "
            "rank normalisation, or another "
            + ("weighting (critic, std, equal, pca)" if what.startswith("entropy") else "aggregation (sum, topsis)")
        )


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
        data = indicator_data(system, panel, opts.impute, opts.years, opts.exclude_units)
        notes: list[str] = []
        if opts.exclude_units == (AUTO,):
            notes.append(
                "exclude_units='auto' left out "
                + (", ".join(data.excluded) if data.excluded else "no unit")
                + " (an indicator has no value for them in any year)"
            )
        self.excluded_ = data.excluded
        fixed, fixed_dim = _fixed(system, opts, notes)
        directions = system.directions.reindex(data.indicators).to_numpy(dtype=float)
        dim_ids = system.dimension_ids
        dims = pd.Categorical(system.dimension_of.reindex(data.indicators), categories=dim_ids).codes.astype(int)

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
        fits: list[BlockFit] = []
        norm_all = np.empty_like(data.values)
        adj_all = np.empty_like(data.values)
        for key, rows in zip(keys, blocks):
            x = data.values[rows]
            xn, params = normalise(x, directions, opts.normalise, ddof=opts.ddof)
            xa = handle_zeros(xn, opts.zeros, opts.shift)
            if "entropy" in opts.methods:
                _check_nonnegative(xa, rows, data, "entropy weighting", opts, key)
            if opts.aggregate == "geometric":
                _check_nonnegative(xa, rows, data, "geometric aggregation", opts, key)
            try:
                ws = compute_weights(
                    xn, opts.methods, dims, len(dim_ids), hierarchy=opts.hierarchy, how=opts.combine,
                    dimension_weights=opts.dimension_weights, aggregate=opts.aggregate, ddof=opts.ddof,
                    fixed=fixed, fixed_dimension=fixed_dim, labels=data.indicators, dimension_labels=dim_ids,
                    zeros=lambda v: handle_zeros(v, opts.zeros, opts.shift),
                )
            except MethodError as exc:
                raise MethodError(f"scope {key}: {exc}") from None
            scored = xa if opts.aggregate == "geometric" else xn  # logs only where the geometric mean takes them
            sc = score_block(scored, ws.final[None], ws.within[None], ws.dimension[None], dims, len(dim_ids),
                             opts.aggregate, opts.hierarchy)
            norm_all[rows], adj_all[rows] = xn, xa
            fits.append(BlockFit(key, rows, params, x.min(axis=0), x.max(axis=0), ws, sc))
            self._block_notes(key, params, ws, xa, opts, data, dim_ids, notes)

        self.options_, self.system_, self.blocks_ = opts, system, fits
        self.panel_ = panel_frame(panel)
        self.dims_, self.directions_ = dims, directions
        self.fixed_ = (fixed, fixed_dim)
        self.result_ = self._result(data, norm_all, adj_all, fits, mode="fit", notes=notes)
        return self

    def _block_notes(self, key, params, ws: WeightSet, xa, opts, data, dim_ids, notes) -> None:
        const = params["constant"]
        if const.any():
            names = ", ".join(np.asarray(data.indicators)[const])
            objective = [m for m in opts.methods if m in ("entropy", "critic", "std", "pca")]
            what = f"{'/'.join(objective)} weight 0" if objective else "its equal/fixed weight, adding the same amount to every row"
            notes.append(f"scope {key}: indicator(s) {names} are constant (zero variance); normalised to a constant and given {what}")
        for rec in ws.details:
            if rec["method"] == "entropy":
                z = np.asarray(rec["details"]["zero_cells"])
                if z.sum() and opts.zeros == "none":
                    notes.append(f"scope {key}: entropy took 0·ln 0 = 0 for {int(z.sum())} zero cells (zeros='none')")
        if opts.hierarchy == "flat":
            for k in np.flatnonzero(ws.dimension <= 0):
                notes.append(f"scope {key}: every indicator of dimension {dim_ids[k]} has weight 0; its dimension score uses equal weights within it")
        if opts.aggregate == "geometric" and (xa == 0).any() and opts.zeros == "none":
            notes.append(f"scope {key}: geometric mean is 0 for rows with a zero on a weighted indicator (zeros='none')")

    def transform(self, panel: Any) -> IndexResult:
        """Score ``panel`` with the fitted normalisation parameters, weights and TOPSIS points.

        Years are matched to the fitted scope blocks (pooled: all years use the one block; per-year: a year
        not seen in ``fit`` raises :class:`ParameterError`). Raw values outside the fitted range are kept
        (min-max scores outside [0, 1]) or clipped to it (``clip=True``); either way the count is noted.
        Ranks are within each year of ``panel``.
        """
        self._check_fitted()
        opts, system, dims = self.options_, self.system_, self.dims_
        excluded = self.excluded_ if opts.exclude_units == (AUTO,) else opts.exclude_units  # the units fit left out
        data = indicator_data(system, panel, opts.impute, opts.years, excluded)
        notes: list[str] = []
        fixed_notes: list[str] = []
        _fixed(system, opts, fixed_notes)
        notes.extend(fixed_notes)
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
        n, m = data.values.shape
        norm_all, adj_all = np.empty((n, m)), np.empty((n, m))
        total = np.empty(n)
        dscores = np.empty((n, len(system.dimension_ids)))
        d_plus = np.empty(n) if opts.aggregate == "topsis" else None
        d_minus = np.empty(n) if opts.aggregate == "topsis" else None
        for b in np.unique(block):
            f = self.blocks_[b]
            rows = np.flatnonzero(block == b)
            x = data.values[rows]
            outside = (x < f.raw_min) | (x > f.raw_max)
            if outside.any():
                full = np.zeros((n, m), dtype=bool)
                full[rows] = outside
                notes.append(
                    f"scope {f.key}: {int(outside.sum())} raw values lie outside the fitted range "
                    f"({'clipped to it' if opts.clip else 'kept, so min-max values fall outside [0, 1]'}): "
                    + _cells_message(full, data.units, data.years, data.indicators, 4)
                )
            if opts.clip:
                x = np.clip(x, f.raw_min, f.raw_max)
            xn, _ = normalise(x, self.directions_, opts.normalise, params=f.params, ddof=opts.ddof)
            xa = handle_zeros(xn, opts.zeros, opts.shift)
            if opts.aggregate == "geometric":
                _check_nonnegative(xa, rows, data, "geometric aggregation", opts, f.key)
            ws, sc = f.weights, f.scores
            out = score_block(
                xa if opts.aggregate == "geometric" else xn, ws.final[None], ws.within[None], ws.dimension[None], dims, len(system.dimension_ids),
                opts.aggregate, opts.hierarchy, best=sc.best, worst=sc.worst,
                dimension_best=sc.dimension_best, dimension_worst=sc.dimension_worst,
            )
            norm_all[rows], adj_all[rows] = xn, xa
            total[rows] = out.total[:, 0]
            dscores[rows] = out.dimensions[:, :, 0]
            if d_plus is not None:
                d_plus[rows], d_minus[rows] = out.d_plus[:, 0], out.d_minus[:, 0]
        return self._result(data, norm_all, adj_all, self.blocks_, mode="transform", notes=notes,
                            block=block, total=total, dscores=dscores, d_plus=d_plus, d_minus=d_minus)

    def fit_transform(self, panel: Any) -> IndexResult:
        return self.fit(panel).result_

    def variant(self, **changes: Any) -> CompositeIndex:
        """A new index fitted on the same panel with some options changed, e.g. ``variant(weights="critic")``."""
        self._check_fitted()
        return CompositeIndex(self.system_, **{**self.options, **changes}).fit(self.panel_)

    # -- result assembly -----------------------------------------------------------------------------
    def _result(self, data: IndicatorData, norm_all, adj_all, fits: list[BlockFit], mode: str, notes: list[str],
                block=None, total=None, dscores=None, d_plus=None, d_minus=None) -> IndexResult:
        opts, system = self.options_, self.system_
        n = len(data.years)
        K = len(system.dimension_ids)
        if block is None:
            block = np.empty(n, dtype=int)
            total, dscores = np.empty(n), np.empty((n, K))
            topsis = opts.aggregate == "topsis"
            d_plus = np.empty(n) if topsis else None
            d_minus = np.empty(n) if topsis else None
            for b, f in enumerate(fits):
                block[f.rows] = b
                total[f.rows] = f.scores.total[:, 0]
                dscores[f.rows] = f.scores.dimensions[:, :, 0]
                if topsis:
                    d_plus[f.rows], d_minus[f.rows] = f.scores.d_plus[:, 0], f.scores.d_minus[:, 0]
        methods = list(fits[0].weights.by_method)
        dmethods = list(fits[0].weights.dimension_by_method)
        arrays = ResultArrays(
            units=data.units, years=data.years, indicators=data.indicators, dimensions=list(system.dimension_ids),
            dims=self.dims_, raw=data.values, imputed=data.imputed, normalised=norm_all, adjusted=adj_all,
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


def options_from_mapping(values: Mapping[str, Any]) -> dict[str, Any]:
    """Keep only the measurement options of a mapping (e.g. parsed CLI arguments), dropping None."""
    return {k: values[k] for k in OPTION_NAMES if k in values and values[k] is not None}
