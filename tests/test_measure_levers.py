"""What-if levers: hand-computed scenarios, the grid against one-by-one scenarios, rank intervals."""

from __future__ import annotations

import numpy as np
import pytest
from measure_fixtures import frame_from, make_system, synthetic_panel, synthetic_system

from nqp_lib.errors import ParameterError
from nqp_lib.measure.index import CompositeIndex
from nqp_lib.measure.levers import (
    SIZES,
    Size,
    largest_gap,
    levers,
    moved_values,
    parse_size,
    scenario,
    scenario_grid,
)
from nqp_lib.measure.uncertainty import uncertainty

# a (benefit) 10, 20, 30; c (cost) 4, 2, 2.5; equal weights ½, min-max pooled:
# x'_a = (0, .5, 1), x'_c = (4 − c)/2 = (0, 1, .75) → scores u0 0, u1 .75, u2 .875
HAND = frame_from([[10.0, 4.0], [20.0, 2.0], [30.0, 2.5]], ["a", "c"])
HAND_SYSTEM = make_system({"alpha": ["a"], "gamma": ["c"]}, {"c": "-"})


@pytest.fixture(scope="module")
def hand():
    return CompositeIndex(HAND_SYSTEM, weights="equal").fit(HAND)


def test_sizes_parse_and_name_themselves():
    assert [s.key for s in SIZES] == ["+10%", "+20%", "+30%", "+40%", "+50%", "p75"]
    assert parse_size("+25%") == Size("relative", 0.25) and parse_size("p90") == Size("quantile", 0.9)
    for bad in ("25", "p100", "-10%", "pxx"):
        with pytest.raises(ParameterError):
            parse_size(bad)


def test_relative_lever_by_hand(hand):
    s = scenario(hand, "a", "+10%", ["u0"], 2020)
    # u0: a 10 → 11, x'_a = 1/20 = .05, score .5 × .05 + .5 × 0 = .025; nobody else moves
    assert s.of("u0")["score_after"] == pytest.approx(0.025)
    assert s.of("u1")["score_after"] == pytest.approx(0.75) and s.of("u2")["score_after"] == pytest.approx(0.875)
    assert s.national_before == pytest.approx((0 + 0.75 + 0.875) / 3)
    assert s.national_after == pytest.approx((0.025 + 0.75 + 0.875) / 3)
    # a cost indicator is cut: u0's c 4 − 50% × 4 = 2, x'_c = 1 → score .5, rank 3 → 3 (u1 .75, u2 .875)
    s = scenario(hand, "dimension:gamma", "+50%", ["u0"], 2020)
    assert s.of("u0")[["score_after", "rank_after"]].tolist() == pytest.approx([0.5, 3])
    # u1 +50% on a: 20 → 30, x'_a = 1, score 1 → rank 1 (u2 falls to 2)
    s = scenario(hand, "a", "+50%", ["u1"], 2020)
    assert s.of("u1")[["score_after", "rank_after"]].tolist() == pytest.approx([1.0, 1])
    assert s.of("u2")["rank_after"] == 2


def test_quantile_lever_by_hand(hand):
    # P75 of a over (10, 20, 30) = 25 (linear): u0 → 25, x'_a = .75, score .375; u1 → 25 (.75 → .875 score)
    s = scenario(hand, "a", "p75", ["u0", "u1", "u2"], 2020)
    np.testing.assert_allclose(s.scores.set_index("unit")["score_after"].loc[["u0", "u1", "u2"]],
                               [0.375, 0.5 * 0.75 + 0.5, 0.875])  # u2 (30) is above P75 and stays
    # cost: the 25th percentile of c (2, 2.5, 4) = 2.25; u0 (4) and u2 (2.5) fall to it, u1 (2) stays
    mv = moved_values(hand, "c", "p75", 2020).set_index("unit")
    np.testing.assert_allclose(mv.loc[["u0", "u1", "u2"], "after"], [2.25, 2.0, 2.25])
    assert mv["target"].iloc[0] == pytest.approx(2.25)
    s = scenario(hand, "c", "p75", ["u0", "u1", "u2"], 2020)
    # x'_c = (4 − 2.25)/2 = .875: u0 .4375, u2 .5 + .4375 = .9375
    np.testing.assert_allclose(s.scores.set_index("unit")["score_after"].loc[["u0", "u2"]], [0.4375, 0.9375])


def test_relative_lever_moves_negative_values_the_right_way():
    frame = frame_from([[-2.0, 1.0], [4.0, 3.0]], ["a", "c"])
    idx = CompositeIndex(make_system({"alpha": ["a"], "gamma": ["c"]}, {"c": "-"}), weights="equal").fit(frame)
    mv = moved_values(idx, "a", "+50%", 2020).set_index("unit")
    assert mv.loc["u0", "after"] == -1.0 and mv.loc["u1", "after"] == 6.0  # x + ½|x|


def test_scenario_equals_transform_on_the_modified_panel_and_notes_what_it_moved():
    panel = synthetic_panel(12, 4, 6, seed=5)
    system = synthetic_system(6, n_dims=2)
    idx = CompositeIndex(system).fit(panel)
    s = scenario(idx, "x00", "+30%", ["P001", "P004"], 2013)
    frame = panel.copy()
    cell = (frame["year"] == 2013) & frame["unit"].isin(["P001", "P004"])
    frame.loc[cell, "x00"] *= 1.3
    expected = idx.transform(frame).scores
    expected = expected[expected["year"] == 2013].set_index("unit")
    got = s.scores.set_index("unit")
    np.testing.assert_allclose(got["score_after"], expected.loc[got.index, "score"], rtol=0, atol=1e-12)
    assert (got["rank_after"] == expected.loc[got.index, "rank"]).all()
    assert len(s.moved) == 2 and s.moved["after"].tolist() == pytest.approx((s.moved["before"] * 1.3).tolist())
    with pytest.raises(ParameterError, match="no score in 2013"):
        scenario(idx, "x00", "+10%", ["nowhere"], 2013)
    with pytest.raises(ParameterError, match="not an indicator or dimension"):
        scenario(idx, "x99", "+10%", ["P001"], 2013)


def test_scenario_marks_imputed_cells_and_values_beyond_the_fitted_range():
    frame = frame_from([[10.0, 4.0], [20.0, np.nan], [30.0, 2.5], [12.0, 3.0], [22.0, 2.2], [31.0, 2.4]], ["a", "c"],
                       units=["u0", "u1", "u2"] * 2, years=[2020] * 3 + [2021] * 3)
    idx = CompositeIndex(HAND_SYSTEM, weights="equal", impute="nearest").fit(frame)
    s = scenario(idx, "c", "+50%", ["u1"], 2020)
    assert any("imputed" in n for n in s.notes)
    s = scenario(idx, "a", "+50%", ["u2"], 2021)  # 31 → 46.5, above the fitted maximum 31
    assert any("beyond the fitted range" in n for n in s.notes)


@pytest.fixture(scope="module")
def grid_case():
    panel = synthetic_panel(9, 3, 5, seed=11)
    system = synthetic_system(5, n_dims=2)
    idx = CompositeIndex(system, aggregate="topsis").fit(panel)
    mc = uncertainty(idx, draws=60, seed=3)
    units = sorted(set(panel["unit"]))
    targets = {"all": units, "group:A": units[:4], "group:B": units[4:], **{f"unit:{u}": [u] for u in units[:3]}}
    subjects = {k: (k[5:] if k.startswith("unit:") else "P002") for k in targets}
    return idx, mc, targets, scenario_grid(idx, 2012, targets, subjects, mc=mc)


def test_grid_agrees_with_one_scenario_at_a_time(grid_case):
    idx, _mc, targets, grid = grid_case
    assert len(grid.scores) == 9 * len(levers(idx)) * len(SIZES)
    for lever, size, target in [("dimension:d0", "+20%", "group:A"), ("x03", "p75", "all"), ("x01", "+50%", "unit:P001")]:
        key = lever if ":" in lever else f"indicator:{lever}"
        row = grid.outcomes[(grid.outcomes["lever"] == key) & (grid.outcomes["size"] == size)
                            & (grid.outcomes["target"] == target)].iloc[0]
        s = scenario(idx, lever, size, targets[target], 2012)
        assert row["national"] == pytest.approx(s.national_after, abs=1e-12)
        assert row["score"] == pytest.approx(s.of(row["subject"])["score_after"], abs=1e-12)
        assert row["rank"] == s.of(row["subject"])["rank_after"]


def test_grid_rank_intervals_from_the_draws(grid_case):
    idx, mc, targets, grid = grid_case
    # nothing moved: the interval is the Monte Carlo interval of the unit-year
    base = grid.base_outcomes.set_index("target")
    r = mc.ranks[(mc.ranks["year"] == 2012)].set_index("unit")
    assert base.loc["all", ["rank_p05", "rank_p95"]].tolist() == r.loc["P002", ["p05", "p95"]].tolist()
    # a moved scenario, by brute force: every draw scores the modified year with its own fitted parameters
    a = idx.result_.arrays
    rows = np.flatnonzero(a.years == 2012)
    s = scenario(idx, "dimension:d1", "+40%", targets["group:A"], 2012)
    x = a.raw[rows].copy()
    moved = s.moved.pivot(index="unit", columns="indicator", values="after")
    for u, vals in moved.iterrows():
        i = list(a.units[rows]).index(u)
        for ind, v in vals.items():
            x[i, a.indicators.index(ind)] = v
    draws = mc.transform(x, np.full(len(rows), 2012))
    subject = list(a.units[rows]).index("P002")
    ranks = 1 + (draws > draws[subject]).sum(axis=0)
    row = grid.outcomes[(grid.outcomes["lever"] == "dimension:d1") & (grid.outcomes["size"] == "+40%")
                        & (grid.outcomes["target"] == "group:A")].iloc[0]
    assert [row["rank_p05"], row["rank_p95"]] == np.percentile(ranks, [5, 95]).tolist()


def test_grid_refuses_a_subject_outside_the_year(grid_case):
    idx, _mc, targets, _grid = grid_case
    with pytest.raises(ParameterError, match="subject"):
        scenario_grid(idx, 2012, {"all": targets["all"]}, "nowhere")
    with pytest.raises(ParameterError, match="not scored"):
        scenario_grid(idx, 1999, {"all": targets["all"]}, "P002")


# a = (10, 20, 30) → x' = (0, .5, 1); c = (4, 2, 3) benefit → x' = (1, 0, .5); equal weights ½
GAP = frame_from([[10.0, 4.0], [20.0, 2.0], [30.0, 3.0]], ["a", "c"])


def test_largest_gap_by_hand_benefit():
    index = CompositeIndex(make_system({"alpha": ["a"], "gamma": ["c"]}, {}), weights="equal").fit(GAP)
    # u0: x' = (0, 1) → F·I = (.5, 0) → obstacle a = 1; the 75th percentile of a (10, 20, 30) is
    # 20 + .5 × 10 = 25 > 10, so a → 25: x'_a = (25 − 10)/20 = .75 with the fitted bounds,
    # score .5 × .75 + .5 × 1 = .875 (was .5, rank 2) — above u2's .75: rank 1
    g = largest_gap(index, "u0", 2020)
    assert g.lever.key == "indicator:a" and g.units == ["u0"]
    assert g.moved[["before", "after"]].iloc[0].tolist() == [10.0, 25.0]
    assert g.of("u0")[["score_before", "rank_before"]].tolist() == pytest.approx([0.5, 2])
    assert g.of("u0")[["score_after", "rank_after"]].tolist() == pytest.approx([0.875, 1])
    # u2: x' = (1, .5) → its obstacle is c; the median of c (4, 2, 3) is 3, not above u2's 3, and a = 30 is
    # above the median 20: nothing to move
    assert largest_gap(index, "u2", 2020, "p50") is None


def test_largest_gap_by_hand_cost():
    frame = frame_from([[10.0, 3.0], [20.0, 2.0], [30.0, 4.0]], ["a", "c"])
    index = CompositeIndex(make_system({"alpha": ["a"], "gamma": ["c"]}, {"c": "-"}), weights="equal").fit(frame)
    # c is a cost: x'_c = (4 − c)/2 = (.5, 1, 0); u2 (x' = 1, 0) has its obstacle on c; a cost is lowered
    # to the 25th percentile of (2, 3, 4): 2 + .5 × 1 = 2.5. x'_c = (4 − 2.5)/2 = .75,
    # score .5 × 1 + .5 × .75 = .875 (was .5, rank 2 behind u1's .75) → rank 1
    g = largest_gap(index, "u2", 2020)
    assert g.lever.key == "indicator:c" and g.moved[["before", "after"]].iloc[0].tolist() == [4.0, 2.5]
    assert g.of("u2")[["score_before", "rank_before", "score_after", "rank_after"]].tolist() == pytest.approx(
        [0.5, 2, 0.875, 1])
    with pytest.raises(ParameterError, match=r"year 2030 is not scored by this index"):
        largest_gap(index, "u2", 2030)
    with pytest.raises(ParameterError, match=r"unit\(s\) \['u9'\] have no score in 2020"):
        largest_gap(index, "u9", 2020)


def test_largest_gap_on_the_shipped_panel_against_an_oracle():
    from nqp_lib.measure.diagnose import obstacle_degree
    from nqp_lib.report.context import Report, check_settings

    ctx = Report("pathways", check_settings(focus="广东", year_from=2015, year_to=2023))
    g = largest_gap(ctx.index, "广东", 2023)
    row = g.of("广东")
    assert row["score_after"] > row["score_before"] and row["rank_after"] <= row["rank_before"]
    # oracle: the indicator with the largest obstacle among those where 广东 is on the wrong side of the
    # scored units' 75th (cost: 25th) percentile of the values the index scored
    ob = obstacle_degree(ctx.index.result_).indicators
    degrees = ob[(ob["unit"] == "广东") & (ob["year"] == 2023)].drop(columns=["unit", "year"]).iloc[0]
    m = ctx.index.result_.matrix
    m = m[m["year"] == 2023]
    wrong = []
    for ind in ctx.system.indicators:
        v = m.loc[m["unit"] == "广东", ind.id].iat[0]
        q = np.quantile(m[ind.id], 0.75 if ind.direction > 0 else 0.25)
        if (v < q) if ind.direction > 0 else (v > q):
            wrong.append(ind.id)
    assert g.lever.id == degrees[wrong].idxmax()
