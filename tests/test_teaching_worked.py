"""The worked example: every intermediate against hand computation on a 3 × 3 case, against the engine's
CompositeIndex on a subset of the shipped panel, and the subset rules on the shipped panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from measure_fixtures import frame_from, make_system
from nqp_lib.disparity import dagum, gini
from nqp_lib.errors import ParameterError
from nqp_lib.measure import CompositeIndex
from nqp_lib.teaching import (
    critic_step,
    dagum_step,
    entropy_step,
    example_subset,
    normalise_step,
    province_groups,
    subset_index,
    topsis_step,
    worked_example,
)

# --------------------------------------------------------------------------- 3 × 3 by hand

# Units A, B, C in 2020; a and b are benefit indicators, c a cost indicator.
HAND = frame_from([[2, 10, 2], [3, 30, 5], [6, 20, 1]], ["a", "b", "c"], units=["A", "B", "C"])


@pytest.fixture(scope="module")
def hand():
    system = make_system({"one": ["a", "b"], "two": ["c"]}, directions={"c": "-"})
    idx = CompositeIndex(system, zeros="none", weights="entropy").fit(HAND)  # zeros none: 0·ln 0 = 0, exact arithmetic
    return worked_example(idx, n_units=3, n_years=1, n_indicators=3)


def test_hand_minmax(hand):
    norm = hand.normalised
    # a: min 2, max 6 → (2−2)/4, (3−2)/4, (6−2)/4 = 0, 0.25, 1
    # b: min 10, max 30 → 0, 1, 0.5
    # c (cost): min 1, max 5 → (5−2)/4, (5−5)/4, (5−1)/4 = 0.75, 0, 1
    x = norm.normalised.set_index("unit").loc[["A", "B", "C"], ["a", "b", "c"]].to_numpy()
    np.testing.assert_allclose(x, [[0, 0, 0.75], [0.25, 1, 0], [1, 0.5, 1]])
    assert norm.minimum.tolist() == [2, 10, 1] and norm.maximum.tolist() == [6, 30, 5]
    assert norm.direction.tolist() == [1, 1, -1]


def test_hand_entropy(hand):
    ent = hand.entropy
    # p_a = (0, 0.25, 1)/1.25 = (0, 0.2, 0.8); h_a = −(0.2 ln 0.2 + 0.8 ln 0.8) = 0.3218876 + 0.1785148 = 0.5004024
    # p_b = (0, 1, 0.5)/1.5 = (0, 2/3, 1/3); h_b = (2/3) ln 1.5 + (1/3) ln 3 = 0.2703101 + 0.3662041 = 0.6365142
    # p_c = (0.75, 0, 1)/1.75 = (3/7, 0, 4/7); h_c = (3/7) ln(7/3) + (4/7) ln(7/4) = 0.3631277 + 0.3197805 = 0.6829081
    np.testing.assert_allclose(ent.p.set_index("unit").loc[["A", "B", "C"], ["a", "b", "c"]].to_numpy(),
                               [[0, 0, 3 / 7], [0.2, 2 / 3, 0], [0.8, 1 / 3, 4 / 7]], atol=1e-12)
    np.testing.assert_allclose(ent.h, [0.5004024, 0.6365142, 0.6829081], atol=1e-7)
    # e = h / ln 3 (ln 3 = 1.0986123): 0.4554859, 0.5793802, 0.6216097; d = 1 − e
    assert ent.n == 3 and ent.options["ln_n"] == pytest.approx(np.log(3))
    np.testing.assert_allclose(ent.e, [0.4554859, 0.5793802, 0.6216097], atol=1e-7)
    np.testing.assert_allclose(ent.d, [0.5445141, 0.4206198, 0.3783903], atol=1e-7)
    # Σd = 1.3435242 → w = 0.5445141/1.3435242, … = 0.405288, 0.313072, 0.281640
    np.testing.assert_allclose(ent.w, [0.405288, 0.313072, 0.281640], atol=1e-6)


def test_hand_critic(hand):
    cri = hand.critic
    # σ (ddof 1): a: deviations from 5/12 are −5/12, −2/12, 7/12 → Σ² = 0.541667 → σ = sqrt(0.270833) = 0.520416
    # b: mean 0.5, Σ² = 0.5 → σ = 0.5;  c: mean 7/12, Σ² = 0.541667 → σ = 0.520416
    np.testing.assert_allclose(cri.sigma, [0.520416, 0.5, 0.520416], atol=1e-6)
    # r_ab = 0.125/sqrt(0.541667·0.5) = 0.240192; r_ac = 0.270833/0.541667 = 0.5; r_bc = −0.375/0.520416 = −0.720577
    np.testing.assert_allclose(cri.r.loc["a", "b"], 0.240192, atol=1e-6)
    np.testing.assert_allclose(cri.r.loc["a", "c"], 0.5, atol=1e-12)
    np.testing.assert_allclose(cri.r.loc["b", "c"], -0.720577, atol=1e-6)
    # Σ_k (1 − r_jk): a 0 + 0.759808 + 0.5 = 1.259808; b 0.759808 + 1.720577 = 2.480385; c 0.5 + 1.720577 = 2.220577
    np.testing.assert_allclose(cri.conflict, [1.259808, 2.480385, 2.220577], atol=1e-6)
    # C = σ·conflict = 0.655625, 1.240192, 1.155625; ΣC = 3.051442 → w = 0.214857, 0.406428, 0.378714
    np.testing.assert_allclose(cri.C, [0.655625, 1.240192, 1.155625], atol=1e-6)
    np.testing.assert_allclose(cri.w, [0.214857, 0.406428, 0.378714], atol=1e-6)


def test_hand_topsis(hand):
    top = hand.topsis
    w = np.array([0.405288, 0.313072, 0.281640])  # the entropy weights above
    # v = w·x′: A (0, 0, 0.75·0.281640 = 0.211230); B (0.25·0.405288 = 0.101322, 0.313072, 0); C (0.405288, 0.156536, 0.281640)
    v = top.weighted.set_index("unit").loc[["A", "B", "C"], ["a", "b", "c"]].to_numpy()
    np.testing.assert_allclose(v, [[0, 0, 0.211230], [0.101322, 0.313072, 0], [0.405288, 0.156536, 0.281640]], atol=1e-6)
    # every column has x′ = 1 and x′ = 0 somewhere: v⁺ = w, v⁻ = 0
    np.testing.assert_allclose(top.ideal, w, atol=1e-6)
    np.testing.assert_allclose(top.anti_ideal, 0, atol=1e-15)
    s = top.scores.set_index("unit").loc[["A", "B", "C"]]
    # D⁺_A = sqrt(0.405288² + 0.313072² + (0.281640 − 0.211230)²) = sqrt(0.164258 + 0.098014 + 0.004958) = 0.516943
    # D⁺_B = sqrt(0.303966² + 0 + 0.281640²) = sqrt(0.092395 + 0.079321) = 0.414387;  D⁺_C = 0.313072 − 0.156536 = 0.156536
    np.testing.assert_allclose(s["d_plus"], [0.516943, 0.414387, 0.156536], atol=1e-6)
    # D⁻_A = 0.211230; D⁻_B = sqrt(0.101322² + 0.313072²) = 0.329060; D⁻_C = sqrt(0.405288² + 0.156536² + 0.281640²) = 0.517767
    np.testing.assert_allclose(s["d_minus"], [0.211230, 0.329060, 0.517767], atol=1e-6)
    # C = D⁻/(D⁺ + D⁻): 0.211230/0.728173 = 0.290082; 0.329060/0.743447 = 0.442614; 0.517767/0.674303 = 0.767855
    np.testing.assert_allclose(s["closeness"], [0.290082, 0.442614, 0.767855], atol=1e-6)
    assert s["rank"].tolist() == [3, 2, 1]
    # the weighted sum for comparison: Σ v = 0.211230, 0.414394, 0.843464
    np.testing.assert_allclose(s["weighted_sum"], [0.211230, 0.414394, 0.843464], atol=1e-6)


def test_hand_example_equals_one_index_call(hand):
    # the same subset through CompositeIndex in one call: the same weights and closeness
    idx = subset_index(hand.subset, zeros="none", weights="entropy", aggregate="topsis")
    w = idx.result_.weights.set_index("indicator")["final"]
    np.testing.assert_allclose(w[list(hand.subset.indicators)], hand.entropy.w, rtol=1e-12)
    t = idx.result_.topsis.set_index("unit")["closeness"]
    np.testing.assert_allclose(t[["A", "B", "C"]], hand.topsis.scores.set_index("unit").loc[["A", "B", "C"], "closeness"],
                               rtol=1e-12)


def test_dagum_step_by_hand():
    # L = {1, 5} (mean 3), H = {4, 6} (mean 5); n = 4, mean 4; Σ_i Σ_r |y_i − y_r| = 2·(4+3+5+1+1+2) = 32 → G = 32/(2·16·4) = 0.25
    scores = pd.DataFrame({"unit": list("abcd"), "year": 2020, "score": [1.0, 5.0, 4.0, 6.0]})
    step = dagum_step(scores, {"a": "L", "b": "L", "c": "H", "d": "H"})
    r = step.result
    assert step.year == 2020 and step.gini == pytest.approx(0.25) and r.G == pytest.approx(0.25)
    # G_LL = 2·4/(2·2²·3) = 1/3, G_HH = 2·2/(2·2²·5) = 0.1; p = 0.5, s_L = 6/16 = 0.375, s_H = 0.625
    # G_w = (1/3)·0.5·0.375 + 0.1·0.5·0.625 = 0.0625 + 0.03125 = 0.09375
    assert r.G_jj["L"] == pytest.approx(1 / 3) and r.G_jj["H"] == pytest.approx(0.1)
    assert r.G_w == pytest.approx(0.09375)
    b = r.between.iloc[0]
    # y_H − y_L: 3, −1, 5, 1 → d_HL = 9/4 = 2.25, p_HL = 1/4 = 0.25, D = 2/2.5 = 0.8; G_HL = 10/(4·8) = 0.3125
    assert (b["group_j"], b["group_h"]) == ("H", "L")
    assert b["d_jh"] == pytest.approx(2.25) and b["p_jh"] == pytest.approx(0.25) and b["D_jh"] == pytest.approx(0.8)
    assert b["G_jh"] == pytest.approx(0.3125)
    # weight p_H s_L + p_L s_H = 0.5; G_nb = 0.3125·0.5·0.8 = 0.125; G_t = 0.3125·0.5·0.2 = 0.03125
    assert r.G_nb == pytest.approx(0.125) and r.G_t == pytest.approx(0.03125)


def test_dagum_step_refuses_missing_groups():
    scores = pd.DataFrame({"unit": list("abc"), "year": 2020, "score": [1.0, 2.0, 3.0]})
    with pytest.raises(ParameterError, match="no group for c"):
        dagum_step(scores, {"a": "L", "b": "H"})
    with pytest.raises(ParameterError, match="year 2019 not in"):
        dagum_step(scores, {"a": "L", "b": "H", "c": "H"}, 2019)


# --------------------------------------------------------------------------- the shipped panel


@pytest.fixture(scope="module")
def index(panel):
    return CompositeIndex("three_elements", impute="linear_nearest", exclude_units="auto", years=(2012, 2023)).fit(panel)


@pytest.fixture(scope="module")
def example(index):
    return worked_example(index, groups=province_groups())


def test_default_subset_follows_its_rules(index, example):
    sub = example.subset
    scores = index.result_.scores
    last = scores[scores["year"] == 2023].set_index("unit")["score"]
    # highest and lowest province of 2023, then the median province of each region
    assert sub.units[0] == last.idxmax() == "北京" and sub.units[-1] == last.idxmin() == "新疆"
    groups = province_groups()
    for region in ("East", "Central", "West", "Northeast"):
        members = last[[u for u in last.index if groups[u] == region]].sort_values(ascending=False)
        assert members.index[(len(members) - 1) // 2] in sub.units
    assert sub.units == ("北京", "广东", "湖南", "吉林", "贵州", "新疆")
    # years: 2013, 2016 and 2019 — the span in which these provinces have every indicator observed
    # (disposable income and e-commerce start in 2013, energy and CO2 end in 2019)
    assert sub.years == (2013, 2016, 2019)
    assert sub.n_imputed == 0
    # two indicators per dimension: the highest and the lowest weighted, a cost indicator among them
    assert len(sub.indicators) == 6
    assert [sub.system.dimension_of[i] for i in sub.indicators].count("laborers") == 2
    assert "co2_intensity" in sub.indicators and (sub.directions < 0).sum() == 1
    assert len(sub.frame) == 18


def test_subset_without_groups_spreads_over_the_ranks(index):
    sub = example_subset(index)
    scores = index.result_.scores
    ranks = scores[scores["year"] == 2023].set_index("unit")["rank"]
    # 30 provinces, 6 picks: rank positions round(linspace(0, 29, 6)) = 0, 6, 12, 17, 23, 29 → ranks 1, 7, 13, 18, 24, 30
    assert [int(ranks[u]) for u in sub.units] == [1, 7, 13, 18, 24, 30]
    assert sub.groups == {}


def test_steps_equal_the_engine_on_the_subset(example):
    sub = example.subset
    for weights, step in (("entropy", example.entropy), ("critic", example.critic)):
        idx = subset_index(sub, weights=weights, aggregate="topsis")
        r = idx.result_
        w = r.weights.set_index("indicator")["final"][list(sub.indicators)]
        np.testing.assert_allclose(w.to_numpy(), step.w.to_numpy(), rtol=1e-12)
        x = r.normalised.merge(example.normalised.normalised, on=["unit", "year"], suffixes=("_e", "_w"))
        for i in sub.indicators:
            np.testing.assert_allclose(x[f"{i}_e"], x[f"{i}_w"], rtol=1e-12)
    entropy = subset_index(sub, weights="entropy", aggregate="topsis").result_
    np.testing.assert_allclose(entropy.entropy.set_index("item").loc[list(sub.indicators), "e"], example.entropy.e, rtol=1e-12)
    m = entropy.topsis.merge(example.topsis.scores, on=["unit", "year"])
    np.testing.assert_allclose(m["closeness_x"], m["closeness_y"], rtol=1e-12)
    np.testing.assert_allclose(m["d_plus_x"], m["d_plus_y"], rtol=1e-12)
    assert len(m) == 18


def test_dagum_step_is_the_full_index(index, example):
    step = example.dagum
    scores = index.result_.scores
    last = scores[scores["year"] == 2023]
    assert step.year == 2023 and step.result.n == 30  # every measured province, not the six
    groups = province_groups()
    direct = dagum(last["score"], last["unit"].map(groups))
    assert step.result.G == pytest.approx(direct.G, abs=1e-15)
    assert step.gini == pytest.approx(gini(last["score"]), abs=1e-15)
    assert step.result.G_w + step.result.G_nb + step.result.G_t == pytest.approx(step.gini, abs=1e-12)


def test_example_by_hand_choices(index):
    ex = worked_example(index, units="Beijing, 上海,湖北", years="2012,2023", indicators="rd_intensity,tertiary_share")
    assert ex.subset.units == ("北京", "上海", "湖北") and ex.subset.years == (2012, 2023)
    assert ex.subset.indicators == ("tertiary_share", "rd_intensity")  # system order
    assert ex.subset.how == {"units": "given", "years": "given", "indicators": "given"}
    assert ex.dagum is None  # no groups, no Dagum step
    norm = normalise_step(ex.subset)
    assert entropy_step(norm).w.sum() == pytest.approx(1.0)
    assert critic_step(norm).w.sum() == pytest.approx(1.0)
    assert topsis_step(norm, critic_step(norm)).weights_from == "critic"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"units": "北京,Atlantis"}, "'Atlantis' is not a unit of the index"),
        ({"units": "北京"}, "at least 2 units"),
        ({"units": "北京,Beijing"}, "named twice"),
        ({"years": "2012,2030"}, r"\[2030\] not in the index's years 2012–2023"),
        ({"years": "twenty"}, "expected years"),
        ({"indicators": "rd_intensity,nope"}, r"\['nope'\] not in system"),
        ({"indicators": "rd_intensity"}, "at least 2"),
        ({"n_units": 1}, "n_units"),
    ],
)
def test_bad_choices_are_refused(index, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        example_subset(index, **kwargs)


def test_topsis_weights_option(index):
    with pytest.raises(ParameterError, match="topsis_weights"):
        worked_example(index, topsis_weights="pca")
