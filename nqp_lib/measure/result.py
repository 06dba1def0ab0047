"""What a composite index learned and produced: :class:`BlockFit` per scope block, every intermediate as
arrays (:class:`ResultArrays`) and the :class:`IndexResult` that turns them into tidy tables."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib.measure.aggregate import AGGREGATORS, BlockScores
from nqp_lib.measure.weights import WeightSet
from nqp_lib.systems import IndicatorSystem


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
        x = a.adjusted if AGGREGATORS[self.options["aggregate"]].reads_logs else a.normalised
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
