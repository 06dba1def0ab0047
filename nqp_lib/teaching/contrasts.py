""""What changes if …": one method choice changed on the real panel, side by side, with the facts a sentence
needs.

Every function refits or recomputes with the engine (:meth:`CompositeIndex.variant`,
:func:`~nqp_lib.disparity.kernel_density`, :func:`~nqp_lib.disparity.growth.growth_by_unit`) and returns a
:class:`Contrast`: a side-by-side ``table``, the ``facts`` a one-sentence summary is filled from (numbers,
unit and indicator ids — the report's prose turns them into words), the underlying ``results`` (for charts)
and the ``options`` compared. Nothing here decides what is "better"; the facts say what moved and by how
much.

==================  ===========================================================================================
``scope``           pooled vs per-year normalisation: mean score per year under both, rank agreement in the
                    last year (why only pooled scores compare across years)
``zeros``           entropy weights with the zero shift, with zeros replaced, and with larger shifts
``weights``         entropy vs CRITIC weights, and what they do to the last year's ranks
``aggregate``       weighted sum vs geometric mean vs TOPSIS: last year's ranks
``bandwidth``       Silverman vs Scott kernel bandwidths: bandwidth and peak count per year
``growth``          compound (CAGR) vs simple average growth of the mean score, per unit, and the textbook case
==================  ===========================================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib.disparity.density import kernel_density
from nqp_lib.disparity.growth import growth, growth_by_unit
from nqp_lib.errors import ParameterError

#: The textbook case of compound vs simple growth: an index going from 0.3026 to 0.8747 over nine years.
TEXTBOOK_GROWTH = (0.3026, 0.8747, 9)


@dataclass(frozen=True)
class Contrast:
    """One "what changes if" comparison: ``key``, side-by-side ``table``, ``facts`` for its sentence, the
    underlying ``results`` by variant, and the ``options`` compared."""

    key: str
    table: pd.DataFrame
    facts: dict[str, Any]
    results: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


def rank_correlation(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's ρ: Pearson's correlation of the average ranks of ``a`` and ``b``."""
    ra = pd.Series(np.asarray(a, dtype=float)).rank().to_numpy()
    rb = pd.Series(np.asarray(b, dtype=float)).rank().to_numpy()
    if np.ptp(ra) == 0 or np.ptp(rb) == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def _last_year(scores: pd.DataFrame) -> int:
    return int(scores["year"].max())


def _rank_moves(base: pd.DataFrame, other: pd.DataFrame, year: int) -> dict[str, Any]:
    """Facts on how ranks in ``year`` move from ``base`` to ``other`` (both ``unit, year, score, rank``)."""
    a = base[base["year"] == year].set_index("unit")
    b = other[other["year"] == year].set_index("unit").reindex(a.index)
    move = (b["rank"] - a["rank"]).astype(int)
    unit = move.abs().idxmax()
    return {
        "rho": rank_correlation(a["score"], b["score"]),
        "changed": int((move != 0).sum()),
        "units": int(len(move)),
        "mover": unit,
        "mover_from": int(a.loc[unit, "rank"]),
        "mover_to": int(b.loc[unit, "rank"]),
        "top": str(a["rank"].idxmin()),
        "top_other": str(b["rank"].idxmin()),
    }


def _variant(index: Any, **changes: Any) -> Any:
    """``index`` itself when it already has ``changes``, else a refit with them."""
    opts = index.options_.as_dict()
    same = all(opts.get(k) == v for k, v in changes.items())
    return index if same else index.variant(**changes)


def scope_contrast(index: Any, unit: str | None = None) -> Contrast:
    """Pooled vs per-year normalisation of a fitted index: the mean score of every year under both (and
    ``unit``'s scores), and how the last year's ranks agree.

    Pooled bounds are the same in every year, so a pooled score rises when a province's indicators rise;
    per-year bounds move with each year's best and worst, so per-year scores show standing within the
    year and not growth.
    """
    pooled = _variant(index, scope="pooled").result_.scores
    per_year = _variant(index, scope="per-year").result_.scores
    table = pd.DataFrame({
        "year": sorted(pooled["year"].unique()),
    })
    table["pooled"] = pooled.groupby("year")["score"].mean().reindex(table["year"]).to_numpy()
    table["per_year"] = per_year.groupby("year")["score"].mean().reindex(table["year"]).to_numpy()
    if unit is not None:
        if unit not in set(pooled["unit"]):
            raise ParameterError(f"scope_contrast: unit {unit!r} is not in the index")
        for name, s in (("pooled", pooled), ("per_year", per_year)):
            table[f"{name}_unit"] = s[s["unit"] == unit].set_index("year")["score"].reindex(table["year"]).to_numpy()
    first, last = table.iloc[0], table.iloc[-1]
    facts = {
        "first_year": int(first["year"]), "last_year": int(last["year"]),
        "pooled_first": float(first["pooled"]), "pooled_last": float(last["pooled"]),
        "per_year_first": float(first["per_year"]), "per_year_last": float(last["per_year"]),
        "pooled_growth": float(last["pooled"] / first["pooled"] - 1.0),
        "per_year_growth": float(last["per_year"] / first["per_year"] - 1.0),
        **{f"last_{k}": v for k, v in _rank_moves(pooled, per_year, int(last["year"])).items()},
    }
    if unit is not None:
        facts.update(unit=unit, unit_pooled_first=float(first["pooled_unit"]),
                     unit_pooled_last=float(last["pooled_unit"]),
                     unit_per_year_first=float(first["per_year_unit"]), unit_per_year_last=float(last["per_year_unit"]))
    return Contrast("scope", table, facts, {"pooled": pooled, "per_year": per_year},
                    {"compared": ["pooled", "per-year"], "unit": unit})


def zeros_contrast(index: Any, larger_shifts: Sequence[float] = (0.01, 1.0)) -> Contrast:
    """Entropy weights of a fitted index's indicators under the index's zero shift, with only zeros replaced
    by the same constant, and with ``larger_shifts`` (entropy weights whatever the index's own weighting).

    Facts: the exact zeros in x′, the largest weight change against the shift (indicator, before, after)
    for ``replace`` and for each larger shift.
    """
    shift = index.options_.shift
    variants = {f"shift {shift:g}": {"zeros": "shift", "shift": shift},
                f"replace {shift:g}": {"zeros": "replace", "shift": shift}}
    for s in larger_shifts:
        variants[f"shift {s:g}"] = {"zeros": "shift", "shift": float(s)}
    results = {k: _variant(index, weights="entropy", hierarchy="flat", **v).result_ for k, v in variants.items()}
    base_key = next(iter(variants))
    base = results[base_key]
    table = base.weights[["indicator", "dimension"]].drop_duplicates("indicator").reset_index(drop=True)
    for k, r in results.items():
        table[k] = r.weights.groupby("indicator", sort=False)["final"].mean().reindex(table["indicator"]).to_numpy()
    x = base.normalised[base.arrays.indicators].to_numpy()
    facts: dict[str, Any] = {"shift": shift, "zero_cells": int((x == 0).sum()), "cells": int(x.size),
                             "rows": int(x.shape[0])}
    changes = []
    for k, v in variants.items():
        if k == base_key:
            continue
        diff = (table[k] - table[base_key]).abs()
        j = int(diff.idxmax())
        changes.append({"variant": k, "zeros": v["zeros"], "shift": v["shift"], "max_change": float(diff[j]),
                        "indicator": str(table.at[j, "indicator"]), "before": float(table.at[j, base_key]),
                        "after": float(table.at[j, k])})
    facts["changes"] = changes
    facts["replace"] = changes[0]
    return Contrast("zeros", table, facts, results, {"variants": variants, "weights": "entropy"})


def weights_contrast(index: Any, methods: tuple[str, str] = ("entropy", "critic")) -> Contrast:
    """Two weighting methods on a fitted index: weights side by side and how the last year's ranks move."""
    a, b = (_variant(index, weights=m).result_ for m in methods)
    table = a.weights[["indicator", "dimension"]].drop_duplicates("indicator").reset_index(drop=True)
    for m, r in zip(methods, (a, b)):
        table[m] = r.weights.groupby("indicator", sort=False)["final"].mean().reindex(table["indicator"]).to_numpy()
    diff = (table[methods[1]] - table[methods[0]])
    j = int(diff.abs().idxmax())
    facts = {
        "methods": list(methods),
        "largest_gap": str(table.at[j, "indicator"]), "gap_a": float(table.at[j, methods[0]]),
        "gap_b": float(table.at[j, methods[1]]),
        "top_a": str(table.at[int(table[methods[0]].idxmax()), "indicator"]),
        "top_b": str(table.at[int(table[methods[1]].idxmax()), "indicator"]),
        "weights_rho": rank_correlation(table[methods[0]], table[methods[1]]),
        "year": _last_year(a.scores),
        **_rank_moves(a.scores, b.scores, _last_year(a.scores)),
    }
    return Contrast("weights", table, facts, dict(zip(methods, (a, b))), {"methods": list(methods)})


def aggregate_contrast(index: Any, methods: Sequence[str] = ("sum", "geometric", "topsis")) -> Contrast:
    """Aggregations of a fitted index: last year's score and rank under each, and how ranks move against
    the first method."""
    results = {m: _variant(index, aggregate=m).result_ for m in methods}
    base = results[methods[0]].scores
    year = _last_year(base)
    table = base[base["year"] == year][["unit"]].reset_index(drop=True)
    for m, r in results.items():
        s = r.scores[r.scores["year"] == year].set_index("unit")
        table[f"score_{m}"] = s["score"].reindex(table["unit"]).to_numpy()
        table[f"rank_{m}"] = s["rank"].reindex(table["unit"]).to_numpy().astype(int)
    table = table.sort_values(f"rank_{methods[0]}", kind="stable").reset_index(drop=True)
    facts: dict[str, Any] = {"year": year, "methods": list(methods), "base": methods[0]}
    facts["against"] = {m: _rank_moves(base, results[m].scores, year) for m in methods[1:]}
    return Contrast("aggregate", table, facts, results, {"methods": list(methods)})


def bandwidth_contrast(values: Any, periods: Any, rules: Sequence[str] = ("silverman", "scott")) -> Contrast:
    """Kernel densities of the same values with two bandwidth rules: bandwidth and peak count per period."""
    results = {r: kernel_density(values, periods, bandwidth_rule=r) for r in rules}
    first = results[rules[0]].summary
    table = pd.DataFrame({"period": first["period"]})
    for r, res in results.items():
        s = res.summary.set_index("period")
        table[f"bandwidth_{r}"] = s["bandwidth"].reindex(table["period"]).to_numpy()
        table[f"peaks_{r}"] = s["n_peaks"].reindex(table["period"]).to_numpy().astype(int)
    a, b = rules[0], rules[1]
    ratio = table[f"bandwidth_{b}"] / table[f"bandwidth_{a}"]
    last = table.iloc[-1]
    differ = table.loc[table[f"peaks_{a}"] != table[f"peaks_{b}"], "period"].tolist()
    facts = {
        "rules": list(rules), "last_period": table["period"].iloc[-1],
        "bandwidth_a": float(last[f"bandwidth_{a}"]), "bandwidth_b": float(last[f"bandwidth_{b}"]),
        "ratio_last": float(ratio.iloc[-1]), "ratio_min": float(ratio.min()), "ratio_max": float(ratio.max()),
        "peaks_a": int(last[f"peaks_{a}"]), "peaks_b": int(last[f"peaks_{b}"]),
        "periods_peaks_differ": differ, "n_periods": int(len(table)),
    }
    return Contrast("bandwidth", table, facts, results, {"rules": list(rules)})


def growth_contrast(scores: pd.DataFrame, start: int | None = None, end: int | None = None,
                    unit: str | None = None) -> Contrast:
    """Compound vs simple average annual growth of the mean score, of each unit (``table``, fastest first)
    and of ``unit``, from ``start`` to ``end`` (default the first and last year), with the textbook case
    :data:`TEXTBOOK_GROWTH` worked the same way."""
    g = growth_by_unit(scores["score"], scores["unit"], scores["year"], start=start, end=end)
    table = g.table.sort_values("compound", ascending=False, kind="stable").reset_index(drop=True)
    m = g.mean
    book = growth(*TEXTBOOK_GROWTH)
    facts: dict[str, Any] = {
        "start": g.options["start"], "end": g.options["end"], "years": g.options["periods"],
        "first": m.first, "last": m.last, "ratio": m.ratio, "compound": m.compound, "simple": m.simple,
        "fastest": str(table.at[0, "unit"]), "fastest_compound": float(table.at[0, "compound"]),
        "fastest_simple": float(table.at[0, "simple"]),
        "book_first": book.first, "book_last": book.last, "book_years": int(book.periods),
        "book_compound": book.compound, "book_simple": book.simple,
    }
    if unit is not None:
        row = table[table["unit"] == unit]
        if row.empty:
            raise ParameterError(
                f"growth_contrast: unit {unit!r} has no score in both {facts['start']} and {facts['end']}"
            )
        r = row.iloc[0]
        facts.update(unit=unit, unit_first=float(r["first"]), unit_last=float(r["last"]),
                     unit_compound=float(r["compound"]), unit_simple=float(r["simple"]))
    return Contrast("growth", table, facts, {"by_unit": g}, dict(g.options))
