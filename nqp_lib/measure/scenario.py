r"""Scenarios on a fitted index: other dimension weights, and what-if changes of the data.

Both reuse what the index learned rather than refitting it — the scikit-learn ``transform`` idea: a
scenario moves one thing and keeps the normalisation bounds, the weights and the TOPSIS points fixed, so
the change in a score is the scenario's effect alone.

* :func:`reweighted_scores` — the index recomputed with other dimension weights,
  :math:`S_i = \sum_d w_d s_{id} / \sum_d w_d` over the dimension sub-indices :math:`s_{id}`, re-ranked
  within each year. The report's weight-slider chart evaluates the same formula in the browser and the
  live explorer calls this function. :func:`check_reweighting` says when it reproduces the index.
* :func:`rescore` — the index of a panel with one cell changed
  (:meth:`~nqp_lib.measure.index.CompositeIndex.transform`), and :func:`close_largest_gap`, which picks
  that cell: the unit's largest obstacle that can still be closed to a high national level. This is the
  pathways page's fixed what-if; :mod:`nqp_lib.measure.levers` moves any indicator or dimension by any size
  for any set of units (on the scored matrix, imputed cells included), and is what the page's scenario
  explorer will use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nqp_lib.errors import MethodError, ParameterError
from nqp_lib.measure.index import CompositeIndex
from nqp_lib.measure.options import POOLED
from nqp_lib.measure.result import IndexResult

# --------------------------------------------------------------------------- re-weighting


#: What re-weighting needs of an index: the option and the value it must have.
REWEIGHTING_NEEDS: dict[str, str] = {"aggregate": "sum", "scope": POOLED}


def reweighting_conflict(result: IndexResult) -> tuple[str, str] | None:
    r"""``(option, value)`` of the index's first option that keeps
    :math:`\sum_d W_d s_{id} / \sum_d W_d` (fitted dimension weights :math:`W_d`) from reproducing its
    scores, or None when it does.

    It reproduces them for the weighted sum (the total is :math:`\sum_d W_d s_{id}` with
    :math:`\sum_d W_d = 1`, flat or hierarchical) with one set of weights for all years
    (``scope="pooled"``). A geometric mean or TOPSIS closeness is not a weighted mean of the sub-indices,
    and per-year weights differ from year to year, so one slider per dimension cannot start from the index.
    """
    for option, needed in REWEIGHTING_NEEDS.items():
        if result.options[option] != needed:
            return option, str(result.options[option])
    return None


def check_reweighting(result: IndexResult) -> None:
    """Raise :class:`MethodError` when :func:`reweighting_conflict` finds one."""
    conflict = reweighting_conflict(result)
    if conflict:
        option, value = conflict
        raise MethodError(
            f"re-weighting the dimensions as Σ w·s / Σ w reproduces the index only with "
            f"{option}={REWEIGHTING_NEEDS[option]!r}; this index uses {option}={value!r}"
        )


def fitted_dimension_weights(result: IndexResult) -> dict[str, float]:
    """The dimension weights :math:`W_d` of a pooled index (they sum to 1), by dimension id."""
    check_reweighting(result)
    dw = result.dimension_weights
    return {str(d): float(w) for d, w in zip(dw["dimension"], dw["weight"])}


def reweighted_scores(scores: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    r"""Scores and ranks under other dimension weights.

    .. math:: S_{it} = \frac{\sum_d w_d\, s_{itd}}{\sum_d w_d}, \qquad
              \text{rank}_{it} = 1 + \#\{j : S_{jt} > S_{it}\}

    Parameters
    ----------
    scores : DataFrame
        ``unit``, ``year`` and one sub-index column per dimension (``IndexResult.scores``).
    weights : mapping of dimension id → weight ≥ 0
        Need not sum to 1. When every weight is 0 there is nothing to weigh: every score is 0 (as in the
        browser's version of the formula) and every unit shares rank 1.

    Returns
    -------
    DataFrame
        ``unit``, ``year``, ``score``, ``rank`` (within the year; ties share the better rank).
    """
    missing = [d for d in weights if d not in scores.columns]
    if missing:
        raise ParameterError(f"reweighted_scores: no sub-index column for dimension(s) {missing}")
    w = pd.Series({str(d): float(v) for d, v in weights.items()})
    if (w < 0).any() or not np.isfinite(w).all():
        raise ParameterError(f"reweighted_scores: weights must be finite and ≥ 0, got {dict(w)}")
    total = float(w.sum())
    score = scores[list(w.index)].to_numpy() @ w.to_numpy() / total if total > 0 else np.zeros(len(scores))
    out = pd.DataFrame({"unit": scores["unit"].to_numpy(), "year": scores["year"].to_numpy(), "score": score})
    out["rank"] = out.groupby("year")["score"].rank(ascending=False, method="min").astype(int)
    return out


# --------------------------------------------------------------------------- what if


@dataclass(frozen=True)
class GapClosure:
    """One indicator of one unit-year moved to a quantile of the units, and the index before and after.

    ``quantile`` is the level asked for (0.75: the 75th percentile of a benefit indicator, the 25th of a
    cost indicator); ``obstacle`` the indicator's obstacle degree before the change.
    """

    unit: str
    year: int
    indicator: str
    column: str
    quantile: float
    obstacle: float
    value_before: float
    value_after: float
    score_before: float
    score_after: float
    rank_before: int
    rank_after: int


def rescore(index: CompositeIndex, unit: str, year: int, column: str, value: float) -> IndexResult:
    """The fitted index applied to its own panel with one cell set to ``value`` (bounds, weights and
    TOPSIS points as fitted; ranks within each year)."""
    frame = _fitted_panel(index)
    mask = (frame["unit"] == unit) & (frame["year"] == year)
    if mask.sum() != 1:
        raise ParameterError(f"rescore: the panel has no row for unit {unit!r} in {year}")
    if column not in frame.columns:
        raise ParameterError(f"rescore: the panel has no column {column!r}")
    frame = frame.copy()
    frame.loc[mask, column] = float(value)
    return index.transform(frame)


def close_largest_gap(
    index: CompositeIndex, unit: str, year: int, quantile: float = 0.75, obstacles: pd.DataFrame | None = None
) -> GapClosure | None:
    """Close a unit's largest closable gap and rescore.

    Among the unit's indicators in ``year``, ordered by obstacle degree (largest first), take the first that
    is read from a panel column (a formula indicator has no single cell to change) and lies on the wrong side
    of the units' ``quantile`` in that year — below it for a benefit indicator, above the ``1 − quantile``
    quantile for a cost indicator; units the index leaves out do not count. Set it to that quantile and
    rescore with :func:`rescore`. Returns None when no indicator qualifies.

    Parameters
    ----------
    obstacles
        The index's obstacle degrees by indicator (``obstacle_degree(result).indicators``); computed when
        not given.
    """
    if not 0 < quantile < 1:
        raise ParameterError(f"close_largest_gap: quantile must lie strictly between 0 and 1, got {quantile!r}")
    result = index.result_
    if obstacles is None:
        from nqp_lib.measure.diagnose import obstacle_degree

        obstacles = obstacle_degree(result).indicators
    row = obstacles[(obstacles["unit"] == unit) & (obstacles["year"] == year)]
    if row.empty:
        raise ParameterError(f"close_largest_gap: unit {unit!r} has no score in {year}")
    frame = _fitted_panel(index)
    in_year = frame["year"] == year
    cell = in_year & (frame["unit"] == unit)
    ranked = row.drop(columns=["unit", "year"]).iloc[0].sort_values(ascending=False)
    system = index.system_
    for indicator_id in ranked.index:
        ind = system.indicator(str(indicator_id))
        if ind.column is None:
            continue
        others = frame.loc[in_year & ~frame["unit"].isin(index.excluded_), ind.column]
        target = float(others.quantile(quantile if ind.direction > 0 else 1 - quantile))
        before = float(frame.loc[cell, ind.column].iat[0])
        if (ind.direction > 0 and before < target) or (ind.direction < 0 and before > target):
            break
    else:
        return None
    after = rescore(index, unit, year, ind.column, target).scores
    b = _pick(result.scores, unit, year)
    a = _pick(after, unit, year)
    return GapClosure(
        unit=unit, year=int(year), indicator=ind.id, column=ind.column, quantile=float(quantile),
        obstacle=float(ranked[ind.id]), value_before=before, value_after=target,
        score_before=float(b["score"]), score_after=float(a["score"]), rank_before=int(b["rank"]),
        rank_after=int(a["rank"]),
    )


def _fitted_panel(index: CompositeIndex) -> pd.DataFrame:
    if not hasattr(index, "panel_"):
        raise ParameterError("fit the index first (CompositeIndex(...).fit(panel))")
    return index.panel_


def _pick(scores: pd.DataFrame, unit: str, year: int) -> pd.Series:
    return scores[(scores["unit"] == unit) & (scores["year"] == year)].iloc[0]
