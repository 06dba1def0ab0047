r"""Scenarios on a fitted index: other dimension weights.

It reuses what the index learned rather than refitting it — the scikit-learn ``transform`` idea: a
scenario moves one thing and keeps the normalisation bounds and the weights fixed, so the change in a
score is the scenario's effect alone. What-if changes of the data (a lever moved by a size for a set of
units) are in :mod:`nqp_lib.measure.levers`.

* :func:`reweighted_scores` — the index recomputed with other dimension weights,
  :math:`S_i = \sum_d w_d s_{id} / \sum_d w_d` over the dimension sub-indices :math:`s_{id}`, re-ranked
  within each year. The report's weight-slider chart evaluates the same formula in the browser and the
  live explorer calls this function. :func:`check_reweighting` says when it reproduces the index.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from nqp_lib.errors import MethodError, ParameterError
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
