"""Gini, coefficient of variation and Theil T/L: hand-computed cases, identities, invariances, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from disparity_fixtures import gini_pairwise
from nqp_lib.disparity import coefficient_of_variation, gini, inequality_by_period, theil
from nqp_lib.errors import DataError, MethodError, ParameterError


def test_gini_hand_computed():
    # y = 1, 2, 3, 4: unordered |differences| 1+2+3+1+2+1 = 10, ordered pairs 20; 2 n² mean = 2·16·2.5 = 80.
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25, abs=1e-15)
    # y = 0, 0, 0, 8: |diff| ordered = 2·3·8 = 48; 2·16·2 = 64 → 0.75 = 1 − 1/n (maximal concentration).
    assert gini([0, 0, 0, 8]) == pytest.approx(0.75, abs=1e-15)


def test_weighted_gini_equals_gini_of_replicated_units():
    # y = (1, 3) with weights (1, 3): W = 4, mean = (1 + 9)/4 = 2.5, Σ w_i w_r |diff| = 2·1·3·2 = 12,
    # 2 W² mean = 80 → 0.15; the same as the unweighted Gini of (1, 3, 3, 3).
    assert gini([1, 3], weights=[1, 3]) == pytest.approx(0.15, abs=1e-15)
    assert gini([1, 3, 3, 3]) == pytest.approx(0.15, abs=1e-15)


@pytest.mark.parametrize("seed", range(5))
def test_gini_matches_pairwise_definition_on_random_data(seed):
    rng = np.random.default_rng(seed)
    y = rng.lognormal(size=57)
    y[:5] = np.round(y[:5])  # some ties and possibly zeros
    w = rng.uniform(0.5, 3.0, size=57)
    assert gini(y) == pytest.approx(gini_pairwise(y), rel=1e-12)
    assert gini(y, weights=w) == pytest.approx(gini_pairwise(y, w), rel=1e-12)


def test_coefficient_of_variation_hand_computed():
    # y = 2, 4, 6: mean 4, population variance (4 + 0 + 4)/3 = 8/3, sample variance 8/2 = 4.
    assert coefficient_of_variation([2, 4, 6]) == pytest.approx(math.sqrt(8 / 3) / 4, abs=1e-15)
    assert coefficient_of_variation([2, 4, 6], ddof=1) == pytest.approx(2 / 4, abs=1e-15)
    # weighted (1, 3) with weights (1, 3): mean 2.5, variance (1·2.25 + 3·0.25)/4 = 0.75.
    assert coefficient_of_variation([1, 3], weights=[1, 3]) == pytest.approx(math.sqrt(0.75) / 2.5, abs=1e-15)


def test_theil_t_and_l_hand_computed_with_decomposition():
    # y = 1, 1, 2, 4 (mean 2) in groups a = {1, 1}, b = {2, 4}.
    # T = Σ (y/8) ln(y/2) = 2·(1/8) ln(1/2) + (2/8) ln 1 + (4/8) ln 2 = (1/2 − 1/4) ln 2 = ln2 / 4.
    t = theil([1, 1, 2, 4], ["a", "a", "b", "b"], index="T")
    assert t.total == pytest.approx(math.log(2) / 4, abs=1e-15)
    # value shares s_a = 2/8, s_b = 6/8; T_a = 0; T_b = ½[(2/3) ln(2/3) + (4/3) ln(4/3)].
    t_b = 0.5 * (2 / 3 * math.log(2 / 3) + 4 / 3 * math.log(4 / 3))
    assert t.within == pytest.approx(0.75 * t_b, abs=1e-15)
    # between = s_a ln(1/2) + s_b ln(3/2)
    assert t.between == pytest.approx(0.25 * math.log(0.5) + 0.75 * math.log(1.5), abs=1e-15)
    # L = ¼ [ln 2 + ln 2 + ln 1 + ln ½] = ln2 / 4; L_b = ½[ln(3/2) + ln(3/4)] = ½ ln(9/8);
    # within = ½ L_b, between = ½ ln(2/1) + ½ ln(2/3) = ½ ln(4/3).
    ell = theil([1, 1, 2, 4], ["a", "a", "b", "b"], index="L")
    assert ell.total == pytest.approx(math.log(2) / 4, abs=1e-15)
    assert ell.within == pytest.approx(0.25 * math.log(9 / 8), abs=1e-15)
    assert ell.between == pytest.approx(0.5 * math.log(4 / 3), abs=1e-15)
    assert list(t.groups["group"]) == ["a", "b"]  # ordered by mean
    assert t.within_share + t.between_share == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("index", ["T", "L"])
@pytest.mark.parametrize("weighted", [False, True])
def test_theil_within_plus_between_equals_total(index, weighted):
    rng = np.random.default_rng(7)
    y = rng.lognormal(size=200)
    g = rng.choice(["East", "Central", "West", "Northeast"], size=200)
    w = rng.uniform(1, 100, size=200) if weighted else None
    r = theil(y, g, index=index, weights=w)
    # total is computed from the units directly, within and between from the groups
    assert r.within + r.between == pytest.approx(r.total, abs=1e-13)
    assert r.groups["population_share"].sum() == pytest.approx(1.0, abs=1e-13)
    assert r.groups["value_share"].sum() == pytest.approx(1.0, abs=1e-13)
    assert r.weighted is weighted


def test_weighted_theil_equals_theil_of_replicated_units():
    y, w = np.array([1.0, 2.0, 5.0]), np.array([2, 1, 3])
    replicated = np.repeat(y, w)
    for index in ("T", "L"):
        assert theil(y, index=index, weights=w).total == pytest.approx(theil(replicated, index=index).total, rel=1e-13)


def test_scale_invariance_and_row_order_invariance():
    rng = np.random.default_rng(3)
    y = rng.lognormal(size=80)
    g = rng.choice(list("ABC"), size=80)
    perm = rng.permutation(80)
    for f in (gini, coefficient_of_variation):
        assert f(7.5 * y) == pytest.approx(f(y), rel=1e-12)
        assert f(y[perm]) == pytest.approx(f(y), rel=1e-12)
    for index in ("T", "L"):
        base = theil(y, g, index=index)
        scaled = theil(1000 * y, g, index=index)
        shuffled = theil(y[perm], g[perm], index=index)
        for other in (scaled, shuffled):
            assert other.total == pytest.approx(base.total, rel=1e-12)
            assert other.within == pytest.approx(base.within, rel=1e-12)
            assert other.between == pytest.approx(base.between, rel=1e-12)


def test_all_equal_values_give_zero():
    assert gini([3, 3, 3]) == 0.0
    assert coefficient_of_variation([3, 3, 3]) == 0.0
    r = theil([3, 3, 3, 3], ["a", "a", "b", "b"])
    assert (r.total, r.within, r.between, r.within_share) == pytest.approx((0, 0, 0, 0), abs=1e-15)


def test_zeros_allowed_for_gini_and_theil_t_but_not_theil_l():
    # Theil T uses 0·ln 0 = 0: y = (0, 2): mean 1, T = ½·0 + ½·2·ln 2 = ln 2.
    assert theil([0, 2]).total == pytest.approx(math.log(2), abs=1e-15)
    assert gini([0, 2]) == pytest.approx(0.5, abs=1e-15)  # ordered |diff| = 4; 2·4·1 = 8
    with pytest.raises(MethodError, match="Theil L.*strictly positive.*position 0"):
        theil([0, 2], index="L")


def test_negative_values_and_zero_mean_raise_clear_errors():
    with pytest.raises(MethodError, match="Gini.*non-negative.*-1.*position 1"):
        gini([2, -1, 3])
    with pytest.raises(MethodError, match="positive mean"):
        gini([0, 0, 0])
    with pytest.raises(MethodError, match="group 'b' has mean 0"):
        theil([1, 2, 0, 0], ["a", "a", "b", "b"])
    with pytest.raises(MethodError, match="positive mean"):
        coefficient_of_variation([-1, 1])
    series = pd.Series([1.0, -2.0], index=["line 2 (北京, 2011)", "line 3 (天津, 2011)"])
    with pytest.raises(MethodError, match=r"line 3 \(天津, 2011\)"):
        gini(series)


def test_bad_inputs_raise_data_or_parameter_errors():
    with pytest.raises(DataError, match="missing or infinite.*position 1"):
        gini([1.0, np.nan, 2.0])
    with pytest.raises(DataError, match="numbers"):
        gini(["a", "b"])
    with pytest.raises(DataError, match="no values"):
        gini([])
    with pytest.raises(DataError, match="2 weights for 3 values"):
        gini([1, 2, 3], weights=[1, 2])
    with pytest.raises(MethodError, match="weighting needs strictly positive"):
        gini([1, 2], weights=[1, 0])
    with pytest.raises(ParameterError, match="index must be one of"):
        theil([1, 2], index="X")
    with pytest.raises(ParameterError, match="ddof"):
        coefficient_of_variation([1, 2], weights=[1, 1], ddof=1)
    with pytest.raises(DataError, match="groups: expected 3 labels"):
        theil([1, 2, 3], ["a", "b"])


def test_inequality_by_period_matches_single_period_calls_and_handles_one_unit():
    y = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 2.0, 2.0])
    periods = np.array([2020, 2020, 2020, 2020, 2021, 2021, 2022])  # 2022 has a single unit
    groups = np.array(["a", "a", "b", "b", "a", "b", "a"])
    r = inequality_by_period(y, periods, groups)
    assert r.gini["period"].tolist() == [2020, 2021, 2022]
    assert r.gini["gini"].tolist() == pytest.approx([0.25, gini([5, 2]), 0.0], abs=1e-15)
    assert r.gini["n"].tolist() == [4, 2, 1]
    t2020 = r.theil[(r.theil["period"] == 2020) & (r.theil["index"] == "L")].iloc[0]
    assert t2020["total"] == pytest.approx(theil(y[:4], index="L").total, abs=1e-15)
    assert t2020["within"] + t2020["between"] == pytest.approx(t2020["total"], abs=1e-15)
    one = r.theil[r.theil["period"] == 2022]
    assert one["total"].tolist() == [0.0, 0.0]
    assert set(r.theil_groups["index"]) == {"T", "L"}
    assert r.options == {"weighted": False, "ddof": 0, "theil_indices": ("T", "L"), "grouped": True}


def test_inequality_by_period_names_the_period_of_an_error():
    with pytest.raises(MethodError, match="period 2021: .*mean is 0"):
        inequality_by_period([1, 2, 0, 0], [2020, 2020, 2021, 2021], theil_indices=("T",))
