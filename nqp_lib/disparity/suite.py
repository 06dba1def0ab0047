"""The disparity measures wired once: a registry used by ``nqp disparity`` and by the report's views.

Each entry of :data:`MEASURES` is a :class:`Measure`: a name, what it needs (groups, spatial weights), its
default options and a function that computes it on a :class:`SuiteData` panel and returns the library's
result object, the tables ``nqp disparity`` writes (one DataFrame per CSV) and the options it used. Callers
give only the options they change; everything else comes from the defaults here, so the command line and
the report compute the same numbers from the same data, seed and defaults.

API
---
``SuiteData(values, units, periods, groups=None, population=None, controls=None, weights=None,
weight_keys=None)``
    One row per unit-period (pandas Series sharing one index; errors name rows by that index).
    ``weights`` is a :class:`~nqp_lib.disparity.weights.SpatialWeights`; ``weight_keys`` are the units as
    labelled in it (default ``units``).
``run(name, data, **options) -> SuiteResult``
    Compute one measure. Unknown options raise :class:`~nqp_lib.errors.ParameterError` naming the valid
    ones; a missing requirement (``dagum`` without groups, ``moran`` without weights) raises
    :class:`~nqp_lib.errors.MethodError`. ``SuiteResult`` has ``name, result, tables, options`` (defaults
    filled in, updated with what the computation recorded, e.g. Markov cut points per basis).
``run_all(data, names=None, options=None) -> (dict of SuiteResult, notes)``
    Several measures (default: every one whose needs are met); ``options`` maps a measure name to its
    options. Measures whose needs are not met are skipped with a note.
``defaults(name) -> dict``
    A measure's default options.
``combined_tables(results) -> dict``
    The tables of several results by file name (tables of the same name, e.g. the classic and spatial
    Markov chains, are stacked).

Entries and their options (defaults in brackets):

======================  =====================================================================================
``inequality``          Gini, CV, Theil T/L by period, Theil split by groups when given — ``ddof`` [0],
                        ``theil`` [("T", "L"); () for Gini and CV only], ``weighted`` [False: with True,
                        ``data.population`` weights Gini, CV and Theil]
``dagum``               Dagum's Gini decomposition by period (needs groups) — no options
``density``             kernel density per period — ``bandwidth`` ["silverman" | "scott" | number],
                        ``kernel`` ["gaussian" | "epanechnikov"], ``grid_size`` [200], ``cut`` [3.0],
                        ``min_prominence`` [0.05], ``ddof`` [0]
``markov``              classic chain, one per basis — ``classes`` [4], ``bases`` [("absolute",
                        "relative")], ``time_blocks`` [2]; groups, when given, are the regimes of a
                        homogeneity test
``spatial_markov``      spatial chain, one per basis (needs weights) — ``classes`` [4], ``lag_cuts``
                        ["lags"], ``bases`` [("absolute", "relative")]
``sigma``               σ-convergence — ``ddof`` [0]
``beta``                absolute and conditional (unit and period fixed effects) β — ``controls`` [False:
                        with True, ``data.controls`` enter the conditional model]
``moran``               global Moran's I and LISA by period (needs weights) — ``permutations`` [999],
                        ``seed`` [0], ``alpha`` [0.05], ``adjust`` ["none" | "bonferroni" | "fdr"],
                        ``local`` [True]
======================  =====================================================================================

Randomness: only ``moran`` draws. It takes an integer ``seed`` and spawns one stream per period from it, so a
period's p-values do not depend on the other periods and the same seed gives the same numbers wherever the
entry is called (the report passes its ``seed`` parameter; the command line its ``--seed``).

Example (a report view)::

    from nqp_lib.disparity import suite
    data = suite.SuiteData(s["score"], s["unit"], s["year"], groups=s["group"], weights=w)
    kde = suite.run("density", data).result               # DensityResult with the defaults above
    mor = suite.run("moran", data, seed=settings.seed)    # MoranByPeriod; .result.global_ has z_norm, p_rand …
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib.errors import MethodError, ParameterError
from nqp_lib.disparity.convergence import beta_convergence, sigma_convergence
from nqp_lib.disparity.dagum import dagum_by_period
from nqp_lib.disparity.density import kernel_density
from nqp_lib.disparity.inequality import inequality_by_period
from nqp_lib.disparity.markov import BASES, markov_chain, spatial_markov
from nqp_lib.disparity.spatial import moran_by_period
from nqp_lib.disparity.weights import SpatialWeights


@dataclass(frozen=True)
class SuiteData:
    """A panel for the suite: aligned Series (one row per unit-period) and optional groups and weights."""

    values: pd.Series
    units: pd.Series
    periods: pd.Series
    groups: pd.Series | None = None
    population: pd.Series | None = None
    controls: pd.DataFrame | None = None
    weights: SpatialWeights | None = None
    weight_keys: pd.Series | None = None

    @property
    def keys(self) -> pd.Series:
        """The units as labelled in the weights."""
        return self.units if self.weight_keys is None else self.weight_keys


@dataclass(frozen=True)
class SuiteResult:
    """One measure computed by the suite: the library's result, the tables to write, the options used."""

    name: str
    result: Any
    tables: dict[str, pd.DataFrame]
    options: dict = field(default_factory=dict)


Compute = Callable[[SuiteData, dict], tuple[Any, dict[str, pd.DataFrame], dict]]


@dataclass(frozen=True)
class Measure:
    """A registry entry: ``compute(data, options) -> (result, tables, recorded options)``."""

    name: str
    label: str
    compute: Compute
    defaults: Mapping[str, Any]
    needs: tuple[str, ...] = ()


def _inequality(d: SuiteData, o: dict) -> tuple[Any, dict, dict]:
    indices = tuple(o["theil"])
    r = inequality_by_period(d.values, d.periods, d.groups, weights=d.population if o["weighted"] else None,
                             ddof=o["ddof"], theil_indices=indices or ("T",))
    tables = {"gini": r.gini}
    if indices:
        tables["theil"] = r.theil
        if r.theil_groups is not None:
            tables["theil_groups"] = r.theil_groups
    return r, tables, dict(r.options)


def _dagum(d: SuiteData, o: dict) -> tuple[Any, dict, dict]:
    r = dagum_by_period(d.values, d.groups, d.periods)
    return r, {"dagum": r.summary, "dagum_pairs": r.pairs()}, {"weighted": False, "order": "by mean, ascending"}


def _density(d: SuiteData, o: dict) -> tuple[Any, dict, dict]:
    r = kernel_density(d.values, d.periods, bandwidth_rule=o["bandwidth"], kernel=o["kernel"],
                       grid_size=o["grid_size"], cut=o["cut"], min_prominence=o["min_prominence"], ddof=o["ddof"])
    return r, {"kde": r.density, "kde_summary": r.summary}, dict(r.options)


def _bases(o: dict) -> tuple[str, ...]:
    bases = (o["bases"],) if isinstance(o["bases"], str) else tuple(o["bases"])
    bad = [b for b in bases if b not in BASES]
    if bad or not bases:
        raise ParameterError(f"bases: unknown {bad or bases!r}; choose from {', '.join(BASES)}")
    return bases


def _steady(chain: str, basis: str, lag_class: object, pi: np.ndarray | None, sojourn: np.ndarray,
            note: str) -> pd.DataFrame:
    k = sojourn.size
    return pd.DataFrame({"chain": chain, "basis": basis, "lag_class": lag_class, "class": np.arange(1, k + 1),
                         "probability": pi if pi is not None else np.full(k, np.nan), "sojourn": sojourn,
                         "note": note})


def _front(table: pd.DataFrame, chain: str, basis: str, lag_class: object | None = None) -> pd.DataFrame:
    extra = {"chain": chain, "basis": basis} | ({"lag_class": lag_class} if lag_class is not None else {})
    out = table.assign(**extra)
    front = [c for c in ("chain", "basis", "lag_class") if c in out.columns]
    return out[front + [c for c in out.columns if c not in front]]


def _markov(d: SuiteData, o: dict) -> tuple[Any, dict, dict]:
    results, parts, record = {}, {"markov": [], "markov_steady": [], "markov_passage": [], "markov_tests": []}, {}
    for basis in _bases(o):
        m = markov_chain(d.values, d.units, d.periods, classes=o["classes"], basis=basis, regimes=d.groups,
                         time_blocks=o["time_blocks"])
        results[basis] = m
        parts["markov"].append(_front(m.table(), "classic", basis, "all"))
        parts["markov_steady"].append(_steady("classic", basis, "all", m.steady_state, m.sojourn,
                                              m.steady_state_note))
        parts["markov_passage"].append(_front(m.passage_table(), "classic", basis, "all"))
        parts["markov_tests"].append(_front(m.tests_table(), "classic", basis))
        record[basis] = {**m.options, "cuts": m.cuts.tolist(), "n_transitions": m.n_transitions}
    return results, _stack(parts), record


def _spatial_markov(d: SuiteData, o: dict) -> tuple[Any, dict, dict]:
    results, parts, record = {}, {"markov": [], "markov_steady": [], "markov_passage": [], "markov_tests": []}, {}
    for basis in _bases(o):
        s = spatial_markov(d.values, d.keys, d.periods, d.weights, classes=o["classes"], lag_cuts=o["lag_cuts"],
                           basis=basis)
        results[basis] = s
        parts["markov"].append(_front(s.table(), "spatial", basis))
        parts["markov_steady"] += [_steady("spatial", basis, lag + 1, pi, soj, note) for lag, (pi, soj, note)
                                   in enumerate(zip(s.steady_states, s.sojourn, s.steady_state_notes))]
        parts["markov_passage"].append(_front(s.passage_table(), "spatial", basis))
        parts["markov_tests"].append(_front(s.tests_table(), "spatial", basis))
        record[basis] = {**s.options, "cuts": s.cuts.tolist(), "lag_cut_points": s.lag_cuts.tolist()}
    return results, _stack(parts), record


def _stack(parts: dict[str, list[pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    return {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items() if frames}


def _sigma(d: SuiteData, o: dict) -> tuple[Any, dict, dict]:
    r = sigma_convergence(d.values, d.periods, ddof=o["ddof"])
    return r, {"sigma": r.table}, {"ddof": o["ddof"]}


def _beta(d: SuiteData, o: dict) -> tuple[Any, dict, dict]:
    controls = d.controls if o["controls"] else None
    if o["controls"] and controls is None:
        raise ParameterError("beta: controls=True needs data.controls (a DataFrame aligned with the values)")
    absolute = beta_convergence(d.values, d.units, d.periods)
    conditional = beta_convergence(d.values, d.units, d.periods, fixed_effects=True, controls=controls)
    table = pd.concat([absolute.to_frame(), conditional.to_frame()], ignore_index=True)
    record = {"growth": "log difference between consecutive periods",
              "controls": [] if controls is None else list(controls.columns)}
    return {"absolute": absolute, "conditional": conditional}, {"convergence": table}, record


def _moran(d: SuiteData, o: dict) -> tuple[Any, dict, dict]:
    r = moran_by_period(d.values, d.keys, d.periods, d.weights, permutations=o["permutations"], seed=o["seed"],
                        alpha=o["alpha"], adjust=o["adjust"], local=o["local"])
    tables = {"moran": r.global_} | ({"lisa": r.local} if r.local is not None else {})
    return r, tables, {k: v for k, v in r.options.items() if k != "dropped_from_weights"}


MEASURES: dict[str, Measure] = {m.name: m for m in (
    Measure("inequality", "Gini, CV and Theil", _inequality, {"ddof": 0, "theil": ("T", "L"), "weighted": False}),
    Measure("dagum", "Dagum decomposition of the Gini", _dagum, {}, ("groups",)),
    Measure("density", "kernel density", _density, {"bandwidth": "silverman", "kernel": "gaussian",
                                                    "grid_size": 200, "cut": 3.0, "min_prominence": 0.05,
                                                    "ddof": 0}),
    Measure("markov", "Markov chain", _markov, {"classes": 4, "bases": ("absolute", "relative"), "time_blocks": 2}),
    Measure("spatial_markov", "spatial Markov chain", _spatial_markov,
            {"classes": 4, "lag_cuts": "lags", "bases": ("absolute", "relative")}, ("weights",)),
    Measure("sigma", "σ-convergence", _sigma, {"ddof": 0}),
    Measure("beta", "β-convergence", _beta, {"controls": False}),
    Measure("moran", "Moran's I and LISA", _moran, {"permutations": 999, "seed": 0, "alpha": 0.05,
                                                   "adjust": "none", "local": True}, ("weights",)),
)}


def defaults(name: str) -> dict:
    """The default options of measure ``name``."""
    return dict(_entry(name).defaults)


def _entry(name: str) -> Measure:
    if name not in MEASURES:
        raise ParameterError(f"unknown disparity measure {name!r}; choose from {', '.join(MEASURES)}")
    return MEASURES[name]


def missing_needs(name: str, data: SuiteData) -> list[str]:
    """What measure ``name`` needs that ``data`` lacks (``"groups"``, ``"weights"``)."""
    have = {"groups": data.groups is not None, "weights": data.weights is not None}
    return [need for need in _entry(name).needs if not have[need]]


def run(name: str, data: SuiteData, **options: Any) -> SuiteResult:
    """Compute measure ``name`` on ``data`` with its defaults updated by ``options`` (see the module docstring)."""
    entry = _entry(name)
    unknown = sorted(set(options) - set(entry.defaults))
    if unknown:
        valid = ", ".join(entry.defaults) or "none"
        raise ParameterError(f"{name}: unknown option(s) {', '.join(unknown)}; valid: {valid}")
    missing = missing_needs(name, data)
    if missing:
        raise MethodError(f"{name} needs {' and '.join(missing)} (give SuiteData.{missing[0]})")
    used = {**entry.defaults, **options}
    result, tables, recorded = entry.compute(data, used)
    return SuiteResult(name, result, tables, {**used, **recorded})


def run_all(data: SuiteData, names: Iterable[str] | None = None,
            options: Mapping[str, Mapping[str, Any]] | None = None) -> tuple[dict[str, SuiteResult], list[str]]:
    """Compute several measures (default: all); return the results by name and notes on those skipped."""
    names = list(MEASURES) if names is None else list(names)
    options = dict(options or {})
    results, notes = {}, []
    for name in names:
        missing = missing_needs(name, data)
        if missing:
            notes.append(f"{name}: skipped (no {' and no '.join(missing)})")
            continue
        results[name] = run(name, data, **options.get(name, {}))
    return results, notes


def combined_tables(results: Iterable[SuiteResult]) -> dict[str, pd.DataFrame]:
    """Every table of ``results`` by name; tables of the same name are stacked in order."""
    parts: dict[str, list[pd.DataFrame]] = {}
    for r in results:
        for name, table in r.tables.items():
            parts.setdefault(name, []).append(table)
    return _stack(parts)
