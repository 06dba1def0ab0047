"""Scenarios on a fitted index: re-weighting the dimensions — hand-computed cases and the identity with the
index (what-if levers and the largest gap: tests/test_measure_levers.py)."""

from __future__ import annotations

import numpy as np
import pytest
from measure_fixtures import frame_from, make_system, synthetic_panel, synthetic_system

from nqp_lib.errors import MethodError, ParameterError
from nqp_lib.measure.index import CompositeIndex
from nqp_lib.measure.scenario import (
    check_reweighting,
    fitted_dimension_weights,
    reweighted_scores,
    reweighting_conflict,
)

# a = (10, 20, 30) → x' = (0, 0.5, 1); c = (4, 2, 3) → x' = (1, 0, 0.5); equal weights 0.5
HAND = frame_from([[10.0, 4.0], [20.0, 2.0], [30.0, 3.0]], ["a", "c"])
HAND_SYSTEM = make_system({"alpha": ["a"], "gamma": ["c"]}, {})


def _fit(system=HAND_SYSTEM, frame=HAND, **options):
    return CompositeIndex(system, weights="equal", **options).fit(frame)


def test_reweighted_scores_by_hand():
    scores = _fit().result_.scores
    # scores 0.5·x'a + 0.5·x'c = (0.5, 0.25, 0.75); with w = (3, 1):
    # u0 (3·0 + 1·1)/4 = 0.25, u1 (3·0.5 + 0)/4 = 0.375, u2 (3·1 + 0.5)/4 = 0.875 → ranks 3, 2, 1
    out = reweighted_scores(scores, {"alpha": 3, "gamma": 1}).set_index("unit")
    np.testing.assert_allclose(out.loc[["u0", "u1", "u2"], "score"], [0.25, 0.375, 0.875])
    assert out.loc[["u0", "u1", "u2"], "rank"].tolist() == [3, 2, 1]
    # every weight 0: nothing to weigh — scores 0 (as the browser's formula gives), all share rank 1
    zero = reweighted_scores(scores, {"alpha": 0, "gamma": 0})
    assert (zero["score"] == 0).all() and (zero["rank"] == 1).all()
    with pytest.raises(ParameterError, match=r"≥ 0"):
        reweighted_scores(scores, {"alpha": -1, "gamma": 1})
    with pytest.raises(ParameterError, match=r"no sub-index column for dimension\(s\) \['delta'\]"):
        reweighted_scores(scores, {"delta": 1})


@pytest.mark.parametrize("hierarchy", ["flat", "hierarchical"])
def test_fitted_dimension_weights_reproduce_a_pooled_weighted_sum(hierarchy):
    panel = synthetic_panel(12, 4, 6, seed=5)
    index = CompositeIndex(synthetic_system(6, n_dims=3), hierarchy=hierarchy).fit(panel)
    weights = fitted_dimension_weights(index.result_)
    assert sum(weights.values()) == pytest.approx(1.0)
    got = reweighted_scores(index.result_.scores, weights)
    np.testing.assert_allclose(got["score"], index.result_.scores["score"], atol=1e-12)
    assert (got["rank"].to_numpy() == index.result_.scores["rank"].to_numpy()).all()


@pytest.mark.parametrize("options, conflict", [({"aggregate": "geometric"}, ("aggregate", "geometric")),
                                               ({"aggregate": "topsis"}, ("aggregate", "topsis")),
                                               ({"scope": "per-year"}, ("scope", "per-year"))])
def test_reweighting_refuses_indexes_it_cannot_reproduce(options, conflict):
    panel = synthetic_panel(12, 4, 6, seed=5)
    result = CompositeIndex(synthetic_system(6), **options).fit(panel).result_
    assert reweighting_conflict(result) == conflict
    with pytest.raises(MethodError, match=rf"only with {conflict[0]}="):
        check_reweighting(result)
    if conflict[0] == "scope":  # per-year weights really differ, so one set could not start from the index
        dw = result.dimension_weights
        assert dw.groupby("dimension")["weight"].nunique().max() > 1
