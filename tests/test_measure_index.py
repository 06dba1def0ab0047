"""CompositeIndex end to end: a hand-computed case, oracles, identities, fit/transform/variant, degenerate inputs."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from measure_fixtures import frame_from, make_system, synthetic_panel, synthetic_system
from pymcdm.methods import TOPSIS as PymcdmTOPSIS
from pymcdm.weights import entropy_weights as pymcdm_entropy

from nqp_lib.errors import DataError, MethodError, ParameterError
from nqp_lib.measure.index import CompositeIndex, measure, measure_options

# --------------------------------------------------------------------------- a case by hand

# Three units, one year; a is a benefit, c a cost, each in its own dimension.
HAND = frame_from([[10.0, 4.0], [20.0, 2.0], [30.0, 2.5]], ["a", "c"])
HAND_SYSTEM = make_system({"alpha": ["a"], "gamma": ["c"]}, {"c": "-"})


def test_entropy_sum_index_by_hand():
    res = measure(HAND_SYSTEM, HAND, zeros="none")
    # min-max: a → (0, 0.5, 1); c (cost, (4 − x)/2) → (0, 1, 0.75)
    np.testing.assert_allclose(res.normalised[["a", "c"]].to_numpy(), [[0, 0], [0.5, 1], [1, 0.75]])
    # a: p = (0, 1/3, 2/3): −Σ p ln p = 0.366204 + 0.270310 = 0.636514, e = 0.636514/ln 3 = 0.579380, d = 0.420620
    # c: p = (0, 1/1.75, 0.75/1.75): −Σ p ln p = 0.319780 + 0.363128 = 0.682908, e = 0.682908/ln 3 = 0.621610,
    #    d = 0.378390
    ent = res.entropy.set_index("item")
    np.testing.assert_allclose(ent.loc[["a", "c"], "e"], [0.579380, 0.621610], atol=1e-6)
    np.testing.assert_allclose(ent.loc[["a", "c"], "d"], [0.420620, 0.378390], atol=1e-6)
    # w = d/Σd = 0.420620/0.799010 = 0.526426, 0.473574
    w = res.weights.set_index("indicator")["final"]
    np.testing.assert_allclose(w[["a", "c"]], [0.526426, 0.473574], atol=1e-6)
    # scores: u0 = 0; u1 = 0.526426·0.5 + 0.473574·1 = 0.736787; u2 = 0.526426 + 0.473574·0.75 = 0.881607
    s = res.scores.set_index("unit")
    np.testing.assert_allclose(s.loc[["u0", "u1", "u2"], "score"], [0.0, 0.736787, 0.881607], atol=1e-6)
    assert s.loc[["u0", "u1", "u2"], "rank"].tolist() == [3, 2, 1]
    # one indicator per dimension: a dimension's score is its indicator's x'
    np.testing.assert_allclose(s.loc[["u0", "u1", "u2"], "alpha"], [0, 0.5, 1])
    np.testing.assert_allclose(s.loc[["u0", "u1", "u2"], "gamma"], [0, 1, 0.75])
    # p_ij kept
    np.testing.assert_allclose(res.entropy_p["a"], [0, 1 / 3, 2 / 3])
    # the zero cells and the 0·ln 0 convention are recorded
    assert any("0·ln 0" in n for n in res.notes)


def test_topsis_index_by_hand():
    res = measure(HAND_SYSTEM, HAND, weights="equal", aggregate="topsis")
    # same numbers as test_topsis_by_hand in test_measure_aggregate: 0, 0.690983, 0.833333
    np.testing.assert_allclose(res.scores["score"], [0.0, 0.690983, 0.833333], atol=1e-6)
    np.testing.assert_allclose(res.topsis["d_plus"], [0.707107, 0.25, 0.125], atol=1e-6)


def test_shift_enters_entropy_but_not_the_weighted_sum():
    res = measure(HAND_SYSTEM, HAND, zeros="shift", shift=1e-4)
    xn = res.normalised[["a", "c"]].to_numpy()
    np.testing.assert_allclose(res.adjusted[["a", "c"]].to_numpy(), xn + 1e-4)
    w = res.weights["final"].to_numpy()
    np.testing.assert_allclose(w, pymcdm_entropy(xn + 1e-4), rtol=1e-10)
    np.testing.assert_allclose(res.scores["score"], xn @ w, rtol=1e-12)


def test_entropy_topsis_pipeline_matches_pymcdm():
    # Raw matrix with no zeros; one cost. nqp: pooled min-max → +1e-4 → entropy; TOPSIS on min-max.
    # pymcdm: entropy on nqp's shifted matrix (it sum-normalises what it is given); TOPSIS on the raw
    # matrix with the cost type and those weights (its min-max normalisation matches nqp's).
    panel = synthetic_panel(12, 3, 5, seed=4)
    system = synthetic_system(5, n_dims=2, costs=(2,))
    res = measure(system, panel, aggregate="topsis")
    xa = res.adjusted[system.indicator_ids].to_numpy()
    w = pymcdm_entropy(xa)
    np.testing.assert_allclose(res.weights["final"], w, rtol=1e-10)
    raw = res.matrix[system.indicator_ids].to_numpy()
    types = system.directions.to_numpy()
    np.testing.assert_allclose(res.scores["score"], PymcdmTOPSIS()(raw, w, types), rtol=1e-10)


# --------------------------------------------------------------------------- identities over the options

PANEL = synthetic_panel(9, 4, 7, seed=2)
SYSTEM = synthetic_system(7, n_dims=3, costs=(1, 4))
GRID = list(itertools.product(["minmax", "rank", "vector", "zscore"], ["pooled", "per-year"],
                              ["entropy", "critic", "pca", "entropy+std"], ["sum", "geometric", "topsis"],
                              ["flat", "hierarchical"]))


def _valid(norm, weights, agg):
    return norm != "zscore" or ("entropy" not in weights and agg != "geometric")


@pytest.mark.parametrize("norm, scope, weights, agg, hierarchy", [g for g in GRID if _valid(g[0], g[2], g[3])])
def test_identities(norm, scope, weights, agg, hierarchy):
    res = measure(SYSTEM, PANEL, normalise=norm, scope=scope, weights=weights, aggregate=agg, hierarchy=hierarchy)
    s, w, dw = res.scores, res.weights, res.dimension_weights
    assert np.isfinite(s[["score", *SYSTEM.dimension_ids]].to_numpy()).all()
    np.testing.assert_allclose(w.groupby("scope")["final"].sum(), 1.0, atol=1e-12)
    np.testing.assert_allclose(w.groupby(["scope", "dimension"])["within"].sum(), 1.0, atol=1e-12)
    np.testing.assert_allclose(dw.groupby("scope")["weight"].sum(), 1.0, atol=1e-12)
    assert (w["final"] >= 0).all()
    if agg == "topsis":
        assert s["score"].between(0, 1).all()
    if agg == "sum":  # total = Σ_k W_k × dimension score, flat or hierarchical
        for key, rows in s.groupby(res.arrays.block):
            W = res.arrays.dimension[key]
            np.testing.assert_allclose(rows["score"], rows[SYSTEM.dimension_ids].to_numpy() @ W, atol=1e-12)
    # ranks within each year, 1 = highest score (pandas' ranking as the oracle)
    expected = s.groupby("year")["score"].rank(method="min", ascending=False).astype(int)
    assert (s["rank"] == expected).all()
    assert res.options["normalise"] == norm and res.options["scope"] == scope
    json.loads(res.options_json())


@pytest.mark.parametrize("agg", ["sum", "geometric"])
@pytest.mark.parametrize("weights", ["entropy", "critic", "equal"])
def test_raising_a_benefit_indicator_never_lowers_the_score(agg, weights):
    idx = CompositeIndex(SYSTEM, weights=weights, aggregate=agg).fit(PANEL)
    base = idx.result_.scores["score"].to_numpy()
    for j, ind in enumerate(SYSTEM.indicator_ids):
        moved = PANEL.copy()
        step = 0.3 * PANEL[ind].std()
        sign = SYSTEM.directions[ind]  # raise a benefit, lower a cost: both are improvements
        moved[ind] = PANEL[ind] + sign * step
        new = idx.transform(moved).scores["score"].to_numpy()
        assert (new >= base - 1e-12).all(), ind
        assert (new > base).any(), ind  # and the change shows (a weight of 0 would hide it)


def test_per_year_scores_do_not_change_when_years_are_appended():
    panel = synthetic_panel(10, 8, 6, seed=5)
    system = synthetic_system(6)
    early = panel[panel["year"] <= 2014]
    for agg in ("sum", "geometric", "topsis"):
        a = measure(system, early, scope="per-year", aggregate=agg).scores
        b = measure(system, panel, scope="per-year", aggregate=agg).scores
        b = b[b["year"] <= 2014].reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)
    # pooled scores do change (the check above is not vacuous)
    a = measure(system, early).scores
    b = measure(system, panel).scores
    b = b[b["year"] <= 2014].reset_index(drop=True)
    assert not np.allclose(a["score"], b["score"])


# --------------------------------------------------------------------------- fit / transform / variant


@pytest.mark.parametrize("options", [{}, {"aggregate": "topsis"}, {"aggregate": "geometric", "hierarchy": "hierarchical"},
                                     {"scope": "per-year", "weights": "critic+entropy", "normalise": "rank"},
                                     {"hierarchy": "hierarchical", "aggregate": "topsis", "weights": "pca"}])
def test_transform_of_the_fitted_panel_reproduces_fit(options):
    idx = CompositeIndex(SYSTEM, **options).fit(PANEL)
    again = idx.transform(PANEL)
    pd.testing.assert_frame_equal(again.scores, idx.result_.scores)
    assert again.options["mode"] == "transform"


def test_transform_what_if_beyond_the_observed_best():
    idx = CompositeIndex(SYSTEM).fit(PANEL)
    what_if = PANEL.copy()
    best = what_if["x00"].max()
    what_if.loc[0, "x00"] = best * 2
    out = idx.transform(what_if)
    assert out.normalised.loc[out.normalised["unit"].eq(PANEL.loc[0, "unit"]) & out.normalised["year"].eq(PANEL.loc[0, "year"]), "x00"].iloc[0] > 1
    assert any("outside the fitted range" in n and "kept" in n for n in out.notes)
    clipped = CompositeIndex(SYSTEM, clip=True).fit(PANEL).transform(what_if)
    assert clipped.normalised["x00"].max() == pytest.approx(1.0)
    assert any("clipped" in n for n in clipped.notes)
    # the weights are the fitted ones, not re-learned
    pd.testing.assert_frame_equal(out.weights, idx.result_.weights)


def test_transform_per_year_refuses_unseen_years():
    idx = CompositeIndex(SYSTEM, scope="per-year").fit(PANEL[PANEL["year"] <= 2012])
    with pytest.raises(ParameterError, match="2013"):
        idx.transform(PANEL)
    with pytest.raises(ParameterError, match="not fitted"):
        CompositeIndex(SYSTEM).transform(PANEL)


def test_variant_changes_one_option_and_keeps_the_original():
    idx = CompositeIndex(SYSTEM, weights="entropy").fit(PANEL)
    v = idx.variant(weights="critic")
    assert v.result_.options["weights"] == "critic" and idx.result_.options["weights"] == "entropy"
    assert "critic" in v.result_.weights.columns and "critic" not in idx.result_.weights.columns
    assert not np.allclose(v.result_.scores["score"], idx.result_.scores["score"])
    assert v.get_params() == {"weights": "critic"}


def test_result_keeps_intermediates():
    res = measure(SYSTEM, PANEL, weights="entropy+critic", hierarchy="hierarchical")
    frames = res.to_frames()
    for name in ("scores", "weights", "dimension_weights", "matrix", "normalised", "adjusted", "entropy_p",
                 "method_details", "bounds", "contributions"):
        assert name in frames and not frames[name].empty, name
    assert list(res.scores.columns) == ["unit", "year", "score", "rank", *SYSTEM.dimension_ids]
    assert {"entropy", "critic", "within", "dimension_weight", "final"} <= set(res.weights.columns)
    assert {"entropy", "critic", "weight"} <= set(res.dimension_weights.columns)
    assert set(res.critic.columns) >= {"sigma", "conflict", "C"}
    corr = res.correlations()
    assert ("pooled", "within", "d0") in corr and ("pooled", "dimension", "") in corr
    # bounds are the raw min and max of each indicator
    np.testing.assert_allclose(res.bounds.set_index("indicator")["raw_max"], PANEL[SYSTEM.indicator_ids].max())


def test_panel_object_is_accepted():
    class P:  # anything with a .frame, like nqp_lib.data.Panel
        frame = PANEL

    a = measure(SYSTEM, P()).scores
    pd.testing.assert_frame_equal(a, measure(SYSTEM, PANEL).scores)


# --------------------------------------------------------------------------- degenerate inputs and options


def test_zero_variance_indicator_gets_weight_zero_and_a_note():
    panel = PANEL.copy()
    panel["x03"] = 5.0
    res = measure(SYSTEM, panel)
    w = res.weights.set_index("indicator")["final"]
    assert w["x03"] == 0.0 and w.sum() == pytest.approx(1.0)
    assert any("x03" in n and "constant" in n for n in res.notes)
    assert np.isfinite(res.scores[["score", *SYSTEM.dimension_ids]].to_numpy()).all()
    eq = measure(SYSTEM, panel, weights="equal")
    assert eq.weights.set_index("indicator")["final"]["x03"] == pytest.approx(1 / 7)
    assert any("same amount to every row" in n for n in eq.notes)


def test_single_unit():
    one = PANEL[PANEL["unit"] == PANEL["unit"].iloc[0]]
    res = measure(SYSTEM, one)  # pooled: n = 4 years
    assert (res.scores["rank"] == 1).all()
    with pytest.raises(MethodError, match="at least 2 rows"):
        measure(SYSTEM, one, scope="per-year")


def test_all_missing_indicator_is_named():
    panel = PANEL.copy()
    panel["x05"] = np.nan
    with pytest.raises(MethodError, match="x05.*no value in any"):
        measure(SYSTEM, panel, impute="linear_nearest")


def test_missing_cells_need_an_imputation():
    panel = PANEL.copy()
    unit = panel["unit"].iloc[0]
    panel.loc[(panel["unit"] == unit) & (panel["year"] == 2012), "x02"] = np.nan
    with pytest.raises(MethodError) as err:
        measure(SYSTEM, panel)
    msg = str(err.value)
    assert "x02" in msg and f"{unit} 2012" in msg and "--impute" in msg
    res = measure(SYSTEM, panel, impute="linear")
    assert res.options["imputation"] == {"method": "linear", "imputed_cells": 1}
    assert res.imputed["x02"].sum() == 1
    # linear interpolation between 2011 and 2013
    row = res.matrix[(res.matrix["unit"] == unit)].set_index("year")["x02"]
    assert row[2012] == pytest.approx((row[2011] + row[2013]) / 2)
    assert any("filled 1" in n for n in res.notes)


def test_a_unit_without_any_value_must_be_excluded():
    panel = PANEL.copy()
    unit = panel["unit"].iloc[3]
    panel.loc[panel["unit"] == unit, "x01"] = np.nan
    with pytest.raises(MethodError, match=f"exclude_units=\\['{unit}'\\]"):
        measure(SYSTEM, panel, impute="nearest")
    res = measure(SYSTEM, panel, impute="nearest", exclude_units=[unit])
    assert unit not in set(res.scores["unit"]) and res.options["exclude_units"] == [unit]


def test_exclude_units_auto_finds_exactly_the_unmeasurable_units():
    from nqp_lib.measure.index import CompositeIndex

    panel = PANEL.copy()
    gone, patchy = panel["unit"].iloc[3], panel["unit"].iloc[5]
    panel.loc[panel["unit"] == gone, "x01"] = np.nan  # never observed: cannot be imputed
    first = panel.index[panel["unit"] == patchy][0]
    panel.loc[first, "x02"] = np.nan  # one gap: imputation fills it, the unit stays
    idx = CompositeIndex(SYSTEM, impute="nearest", exclude_units="auto").fit(panel)
    assert idx.excluded_ == (gone,)
    assert gone not in set(idx.result_.scores["unit"]) and patchy in set(idx.result_.scores["unit"])
    assert any(f"left out {gone}" in n for n in idx.result_.notes)
    # the same as naming the unit by hand
    by_hand = CompositeIndex(SYSTEM, impute="nearest", exclude_units=[gone]).fit(panel)
    assert np.allclose(idx.result_.scores["score"], by_hand.result_.scores["score"])
    # transform keeps the units fit left out, even if the new panel would resolve differently
    again = idx.transform(PANEL)
    assert gone not in set(again.scores["unit"])


@pytest.mark.parametrize("options, match", [
    ({"normalise": "zscore", "weights": "entropy"}, "entropy weighting needs non-negative"),
    ({"normalise": "zscore", "weights": "equal", "aggregate": "geometric"}, "geometric aggregation needs non-negative"),
])
def test_negative_values_where_logs_are_taken(options, match):
    with pytest.raises(MethodError, match=match):
        measure(SYSTEM, PANEL, **options)


def test_negative_raw_data():
    panel = PANEL.copy()
    panel["x00"] = panel["x00"] - panel["x00"].mean()  # a growth rate, say: negative and positive
    res = measure(SYSTEM, panel)  # min-max makes it non-negative: fine
    assert np.isfinite(res.scores["score"]).all()
    with pytest.raises(MethodError, match="x00"):  # vector normalisation keeps the sign: entropy refuses
        measure(SYSTEM, panel, normalise="vector")


def test_all_constant_is_an_error():
    panel = PANEL.copy()
    for c in SYSTEM.indicator_ids:
        panel[c] = 1.0
    with pytest.raises(MethodError, match="constant"):
        measure(SYSTEM, panel)


@pytest.mark.parametrize("options, match", [
    ({"normalize": "minmax"}, "unknown option"),
    ({"normalise": "max"}, "minmax, zscore, vector, rank"),
    ({"scope": "yearly"}, "pooled, per-year"),
    ({"shift": 0}, "positive"),
    ({"ddof": 2}, "ddof"),
    ({"weights": "entropy+ahp"}, "ahp"),
    ({"years": "2019-2011"}, "backwards"),
    ({"years": "20x1"}, "FROM-TO"),
    ({"aggregate": "median"}, "sum, geometric, topsis"),
    ({"impute": "mean"}, "linear"),
])
def test_bad_options_are_parameter_errors(options, match):
    with pytest.raises(ParameterError, match=match):
        measure_options(**options)


def test_years_and_unknown_units():
    res = measure(SYSTEM, PANEL, years="2012-2013")
    assert sorted(res.scores["year"].unique()) == [2012, 2013] and res.options["years"] == [2012, 2013]
    with pytest.raises(ParameterError, match="covers 2011–2014"):
        measure(SYSTEM, PANEL, years="2030-2031")
    with pytest.raises(ParameterError, match="Atlantis"):
        measure(SYSTEM, PANEL, exclude_units="Atlantis")


def test_duplicate_unit_years():
    with pytest.raises(DataError, match="duplicate"):
        measure(SYSTEM, pd.concat([PANEL, PANEL.head(2)]))


def test_fixed_weights():
    system = make_system(weights={"a": 2, "b": 1, "c": 1, "d": 1}, dim_weights={"alpha": 0.6, "beta": 0.4})
    panel = synthetic_panel(6, 2, 4, seed=1).rename(columns={"x00": "a", "x01": "b", "x02": "c", "x03": "d"})
    res = measure(system, panel, weights="fixed")
    # within alpha: 2/3, 1/3; within beta: 1/2, 1/2; final = within × dimension weight
    np.testing.assert_allclose(res.weights["final"], [0.4, 0.2, 0.2, 0.2])
    hier = measure(system, panel, weights="entropy", hierarchy="hierarchical", dimension_weights="fixed")
    np.testing.assert_allclose(hier.dimension_weights["weight"], [0.6, 0.4])
    with pytest.raises(ParameterError, match="does not give a 'weight'"):
        measure(make_system(), panel.rename(columns={}), weights="fixed")
    no_dim = make_system(weights={"a": 2, "b": 1, "c": 1, "d": 1})
    res = measure(no_dim, panel, weights="fixed")
    np.testing.assert_allclose(res.weights["final"], [1 / 3, 1 / 6, 0.25, 0.25])
    assert any("no dimension weights" in n for n in res.notes)


def test_options_are_recorded():
    res = measure(SYSTEM, PANEL, weights="critic", ddof=0, hierarchy="hierarchical", dimension_weights="equal")
    o = res.options
    assert o["weights"] == "critic" and o["ddof"] == 0 and o["dimension_weights"] == "equal"
    assert o["system"]["id"] == "synthetic" and o["panel"] == {"rows": 36, "units": 9, "years": [2011, 2014]}
    assert "population" in o["conventions"]["sigma"]
    assert o["mode"] == "fit"


def test_transform_matrix_scores_indicator_values_as_transform_scores_the_panel():
    panel = synthetic_panel(8, 3, 5, seed=2)
    system = synthetic_system(5, n_dims=2)
    for options in ({}, {"aggregate": "topsis", "hierarchy": "hierarchical"}, {"scope": "per-year", "normalise": "rank"}):
        idx = CompositeIndex(system, **options).fit(panel)
        moved = panel.copy()
        moved["x02"] = moved["x02"] * 1.7
        via_panel = idx.transform(moved).scores
        matrix = idx.result_.matrix.copy()
        matrix["x02"] = matrix["x02"] * 1.7
        via_matrix = idx.transform_matrix(matrix).scores
        np.testing.assert_allclose(via_matrix["score"], via_panel["score"], rtol=0, atol=1e-12)
        assert (via_matrix["rank"] == via_panel["rank"]).all()
    with pytest.raises(ParameterError, match="no column 'x04'"):
        idx.transform_matrix(matrix.drop(columns="x04"))
    matrix.loc[0, "x01"] = np.nan
    with pytest.raises(MethodError, match="missing values in x01"):
        idx.transform_matrix(matrix)
