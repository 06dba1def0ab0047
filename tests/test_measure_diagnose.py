"""Diagnostics: obstacle degree, coupling coordination, coherence — hand-computed cases and bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from measure_fixtures import frame_from, make_system, synthetic_panel, synthetic_system

from nqp_lib.errors import MethodError, ParameterError
from nqp_lib.measure.diagnose import coherence, coupling_coordination, cronbach_alpha, obstacle_degree
from nqp_lib.measure.index import measure

HAND = frame_from([[10.0, 4.0], [20.0, 2.0], [30.0, 2.5]], ["a", "c"])
HAND_SYSTEM = make_system({"alpha": ["a"], "gamma": ["c"]}, {"c": "-"})


def test_obstacle_degree_by_hand():
    res = measure(HAND_SYSTEM, HAND, weights="equal")
    ob = obstacle_degree(res, top=2)
    # x' = a (0, 0.5, 1), c (0, 1, 0.75); w = (0.5, 0.5); I = 1 − x'
    # u0: F·I = (0.5, 0.5) → O = (0.5, 0.5); u1: (0.25, 0) → (1, 0); u2: (0, 0.125) → (0, 1)
    o = ob.indicators.set_index("unit")[["a", "c"]]
    np.testing.assert_allclose(o.loc[["u0", "u1", "u2"]].to_numpy(), [[0.5, 0.5], [1, 0], [0, 1]])
    # one indicator per dimension: dimension obstacles equal the indicator obstacles
    np.testing.assert_allclose(ob.dimensions[["alpha", "gamma"]].to_numpy(), o.loc[["u0", "u1", "u2"]].to_numpy())
    top = ob.top_indicators
    assert top[top["unit"] == "u2"].iloc[0][["indicator", "dimension", "obstacle"]].tolist() == ["c", "gamma", 1.0]
    assert top[top["unit"] == "u1"].iloc[0]["indicator"] == "a"


def test_obstacle_degree_rows_sum_to_one_and_use_final_weights():
    panel = synthetic_panel(10, 3, 6, seed=3)
    system = synthetic_system(6, n_dims=2)
    res = measure(system, panel, hierarchy="hierarchical")
    ob = obstacle_degree(res, top=3)
    o = ob.indicators[system.indicator_ids].to_numpy()
    np.testing.assert_allclose(o.sum(axis=1), 1.0)
    np.testing.assert_allclose(ob.dimensions[system.dimension_ids].to_numpy().sum(axis=1), 1.0)
    # O ∝ w_j (1 − x'_ij) with the final (within × dimension) weights
    w = res.weights["final"].to_numpy()
    raw = w * (1 - res.normalised[system.indicator_ids].to_numpy())
    np.testing.assert_allclose(o, raw / raw.sum(axis=1, keepdims=True))
    assert len(ob.top_indicators) == 30 * 3 and (ob.top_indicators["position"].max() == 3)


def test_obstacle_degree_no_obstacle_and_bad_normalisation():
    frame = frame_from([[10.0, 1.0], [30.0, 4.0]], ["a", "c"])  # u1 is best on both (a +, c + here)
    system = make_system({"alpha": ["a"], "gamma": ["c"]}, {})
    res = measure(system, frame, weights="equal")
    ob = obstacle_degree(res)
    assert ob.indicators.loc[1, ["a", "c"]].tolist() == [0.0, 0.0]
    assert any("no obstacle" in n for n in ob.notes)
    with pytest.raises(MethodError, match=r"\[0, 1\]"):
        obstacle_degree(measure(system, frame, weights="equal", normalise="zscore"))
    with pytest.raises(ParameterError):
        obstacle_degree(res, top=0)


def test_coupling_coordination_by_hand():
    frame = pd.DataFrame({"unit": ["p", "q", "r"], "year": 2020, "u1": [0.2, 0.5, 0.0], "u2": [0.4, 0.5, 0.3],
                          "u3": [0.8, 0.5, 0.6]})
    out = coupling_coordination(frame)
    # p: C = 3·(0.2·0.4·0.8)^{1/3}/1.4 = 3·0.4/1.4 = 0.857143; T = 1.4/3 = 0.466667; D = sqrt(0.4) = 0.632456
    np.testing.assert_allclose(out.loc[0, ["C", "T", "D"]].astype(float), [0.857143, 0.466667, 0.632456], atol=1e-6)
    assert out.loc[0, "grade"] == 6 and out.loc[0, "grade_zh"] == "初级协调"
    # q: equal subsystems → C = 1 (the maximum), D = sqrt(0.5) = 0.707107 → grade 7
    np.testing.assert_allclose(out.loc[1, ["C", "D"]].astype(float), [1.0, 0.707107], atol=1e-6)
    # r: a zero subsystem → C = 0 → D = 0, 极度失调
    assert out.loc[2, "C"] == 0 and out.loc[2, "D"] == 0 and out.loc[2, "grade_en"] == "extreme imbalance"
    # the widely copied three-system form tops out at 1/2 at equal subsystems, so it is not on [0, 1]:
    u = np.array([0.5, 0.5, 0.5])
    copied = (u.prod() / ((u[0] + u[1]) * (u[0] + u[2]) * (u[1] + u[2]))) ** (1 / 3)
    assert copied == pytest.approx(0.5) and out.loc[1, "C"] == pytest.approx(1.0)
    # weighted T: α = (0.5, 0.25, 0.25) → T_p = 0.1 + 0.1 + 0.2 = 0.4
    w = coupling_coordination(frame, alpha={"u1": 0.5, "u2": 0.25, "u3": 0.25})
    assert w.loc[0, "T"] == pytest.approx(0.4)


def test_coupling_two_systems_is_the_familiar_form():
    frame = pd.DataFrame({"unit": ["p"], "year": [2020], "u1": [0.3], "u2": [0.6]})
    out = coupling_coordination(frame)
    assert out.loc[0, "C"] == pytest.approx(2 * np.sqrt(0.3 * 0.6) / 0.9)


def test_coupling_bounds_on_an_index():
    res = measure(synthetic_system(9), synthetic_panel(12, 3, 9, seed=8))
    out = coupling_coordination(res, alpha="weights")
    for col in ("C", "T", "D"):
        assert out[col].between(0, 1).all()
    np.testing.assert_allclose(out["T"], res.scores["score"])  # T with the index's dimension weights = total
    with pytest.raises(MethodError, match=r"\[0, 1\]"):
        coupling_coordination(measure(synthetic_system(9), synthetic_panel(12, 3, 9, seed=8), normalise="zscore", weights="std"))
    with pytest.raises(ParameterError, match="summing to 1"):
        coupling_coordination(res, alpha=[0.5, 0.5, 0.5])


def test_cronbach_alpha_by_hand():
    # items (1, 2, 3) and (2, 2, 4): variances 0.666667 and 0.888889; total (3, 4, 7) variance 2.888889
    # α = 2·(1 − 1.555556/2.888889) = 0.923077
    assert cronbach_alpha(np.array([[1.0, 2.0], [2.0, 2.0], [3.0, 4.0]])) == pytest.approx(0.923077, abs=1e-6)
    with pytest.raises(MethodError, match="two"):
        cronbach_alpha(np.ones((3, 1)))


def test_coherence():
    system = make_system({"alpha": ["a", "b"], "beta": ["c"]}, {})
    rng = np.random.default_rng(0)
    base = rng.uniform(1, 2, 20)
    frame = frame_from(np.column_stack([base, base + rng.normal(0, 0.05, 20), rng.uniform(1, 2, 20)]), ["a", "b", "c"])
    res = measure(system, frame, weights="equal")
    coh = coherence(res)
    assert coh.correlations.loc["a", "b"] > 0.9
    alpha = coh.alpha.set_index("dimension")
    assert alpha.loc["alpha", "cronbach_alpha"] > 0.9
    assert np.isnan(alpha.loc["beta", "cronbach_alpha"]) and "two" in alpha.loc["beta", "note"]
    ic = coh.indicator_correlations.set_index("indicator")
    assert ic.loc["c", "r_dimension"] == pytest.approx(1.0)  # the only indicator of its dimension
