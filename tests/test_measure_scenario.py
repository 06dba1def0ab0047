"""Scenarios on a fitted index: re-weighting the dimensions and closing a gap — hand-computed cases, the
identity with the index, and the what-if on the shipped panel against an independent oracle."""

from __future__ import annotations

import numpy as np
import pytest
from measure_fixtures import frame_from, make_system, synthetic_panel, synthetic_system

from nqp_lib.errors import MethodError, ParameterError
from nqp_lib.measure.index import CompositeIndex
from nqp_lib.measure.scenario import (
    check_reweighting,
    close_largest_gap,
    fitted_dimension_weights,
    reweighted_scores,
    reweighting_conflict,
    rescore,
)
from nqp_lib.systems import system_from_dict

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


def test_close_largest_gap_by_hand_benefit():
    index = _fit()
    # u0: x' = (0, 1) → F·I = (0.5, 0) → obstacle a = 1; the 75th percentile of a (10, 20, 30) is
    # 20 + 0.5·10 = 25 > 10, so a is set to 25: x'a = (25 − 10)/20 = 0.75 with the fitted bounds,
    # score 0.5·0.75 + 0.5·1 = 0.875 (was 0.5, rank 2) — now above u2's 0.75: rank 1
    g = close_largest_gap(index, "u0", 2020)
    assert (g.indicator, g.column, g.value_before, g.value_after) == ("a", "a", 10.0, 25.0)
    assert g.obstacle == pytest.approx(1.0)
    assert (g.score_before, g.rank_before) == (pytest.approx(0.5), 2)
    assert (g.score_after, g.rank_after) == (pytest.approx(0.875), 1)
    # u2: x' = (1, 0.5) → obstacle on c; the median of c (4, 2, 3) is 3, not above u2's 3; a = 30 is
    # above the median 20: nothing to close
    assert close_largest_gap(index, "u2", 2020, quantile=0.5) is None


def test_close_largest_gap_by_hand_cost():
    system = make_system({"alpha": ["a"], "gamma": ["c"]}, {"c": "-"})
    frame = frame_from([[10.0, 3.0], [20.0, 2.0], [30.0, 4.0]], ["a", "c"])
    index = _fit(system, frame)
    # c is a cost: x'c = (4 − c)/2 = (0.5, 1, 0); u2 (x' = 1, 0) has its obstacle on c; a cost is lowered
    # to the 25th percentile of (2, 3, 4): 2 + 0.5·1 = 2.5 < 4. x'c = (4 − 2.5)/2 = 0.75,
    # score 0.5·1 + 0.5·0.75 = 0.875 (was 0.5, rank 2 behind u1's 0.75) → rank 1
    g = close_largest_gap(index, "u2", 2020)
    assert (g.indicator, g.value_before, g.value_after) == ("c", 4.0, 2.5)
    assert (g.score_before, g.rank_before, g.score_after, g.rank_after) == (
        pytest.approx(0.5), 2, pytest.approx(0.875), 1)


def test_close_largest_gap_skips_formula_indicators():
    spec = {"id": "f", "name": {"zh": "f", "en": "f"}, "dimensions": [
        {"id": "alpha", "name": {"zh": "a", "en": "a"}, "indicators": [
            {"id": "twice_a", "name": {"zh": "f", "en": "f"}, "formula": "a * 2", "unit": "u", "direction": "+"}]},
        {"id": "gamma", "name": {"zh": "c", "en": "c"}, "indicators": [
            {"id": "c", "name": {"zh": "c", "en": "c"}, "column": "c", "unit": "u", "direction": "+"}]}]}
    index = _fit(system_from_dict(spec, source="test"))
    # u0 is worst on the formula indicator (obstacle 1) and best on c: the formula has no cell to change,
    # and c is already above the 75th percentile — no scenario
    assert close_largest_gap(index, "u0", 2020) is None


def test_rescore_changes_one_cell_and_keeps_the_fit():
    index = _fit()
    after = rescore(index, "u1", 2020, "c", 4.0).scores.set_index("unit")  # x'c of u1: 0 → 1
    assert after.loc["u1", "score"] == pytest.approx(0.5 * 0.5 + 0.5 * 1.0)
    assert after.loc["u0", "score"] == pytest.approx(0.5)  # the others keep their scores
    with pytest.raises(ParameterError, match=r"no row for unit 'u9' in 2020"):
        rescore(index, "u9", 2020, "c", 1.0)
    with pytest.raises(ParameterError, match=r"quantile must lie strictly between 0 and 1"):
        close_largest_gap(index, "u0", 2020, quantile=1.0)
    with pytest.raises(ParameterError, match=r"has no score in 2030"):
        close_largest_gap(index, "u0", 2030)


def test_what_if_on_the_shipped_panel_closes_the_largest_closable_gap():
    from nqp_lib.measure.diagnose import obstacle_degree
    from nqp_lib.report.context import Report, check_settings

    ctx = Report("pathways", check_settings(focus="广东", year_from=2015, year_to=2023))
    g = close_largest_gap(ctx.index, "广东", 2023)
    assert g.score_after > g.score_before  # raising a benefit indicator lifts a sum score
    assert g.rank_after <= g.rank_before
    # the chosen indicator is the one with the largest obstacle among those below the 75th percentile
    ob = obstacle_degree(ctx.index.result_).indicators
    degrees = ob[(ob["unit"] == "广东") & (ob["year"] == 2023)].drop(columns=["unit", "year"]).iloc[0]
    frame = ctx.panel.frame[ctx.panel.frame["year"] == 2023]
    frame = frame[~frame["unit"].isin(ctx.excluded_units)]
    below = []
    for ind in ctx.system.indicators:
        q = frame[ind.column].quantile(0.75 if ind.direction > 0 else 0.25)
        v = frame.loc[frame["unit"] == "广东", ind.column].iat[0]
        if (v < q) if ind.direction > 0 else (v > q):
            below.append(ind.id)
    expected = degrees[below].idxmax()
    assert g.indicator == expected
    assert g.obstacle == pytest.approx(float(degrees[expected]))
