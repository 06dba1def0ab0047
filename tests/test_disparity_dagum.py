"""Dagum (1997) Gini decomposition: a hand-computed case, identities, the pairwise reference, edge cases."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

from disparity_fixtures import dagum_pairwise, gini_pairwise, synthetic_panel
from nqp_lib.disparity import dagum, dagum_by_period, gini
from nqp_lib.disparity.differences import between_abs_sums, weighted_within_abs_sum, within_abs_sum
from nqp_lib.errors import DataError, MethodError


def test_two_groups_by_hand():
    # Group a = {1, 3} (mean 2), group b = {2, 6} (mean 4); n = 4, overall mean 3. Order by mean: a < b.
    r = dagum([1, 3, 2, 6], ["a", "a", "b", "b"])
    assert r.groups == ("a", "b")
    # Plain Gini: unordered |diffs| of 1,2,3,6 = 1+2+5+1+4+3 = 16 → 32 ordered; 2 n² mean = 96 → 1/3.
    assert r.G == pytest.approx(1 / 3, abs=1e-15)
    # G_aa = (|1-3| + |3-1|) / (2·2²·2) = 4/16 = 1/4;  G_bb = 8 / (2·4·4) = 1/4.
    assert r.G_jj.to_dict() == pytest.approx({"a": 0.25, "b": 0.25}, abs=1e-15)
    # Between b and a: b−a differences 2−1 = 1, 2−3 = −1, 6−1 = 5, 6−3 = 3 → Σ|·| = 10;
    # G_ba = 10 / (2·2·(4 + 2)) = 5/12.
    assert r.G_jh[("b", "a")] == pytest.approx(5 / 12, abs=1e-15)
    # d_ba = (1 + 5 + 3)/4 = 9/4, p_ba = 1/4, D_ba = (9/4 − 1/4)/(9/4 + 1/4) = 0.8.
    pair = r.between.iloc[0]
    assert (pair["d_jh"], pair["p_jh"], pair["D_jh"]) == pytest.approx((2.25, 0.25, 0.8), abs=1e-15)
    # p_a = p_b = 1/2; s_a = 2·2/(4·3) = 1/3, s_b = 2/3.
    assert r.within["p"].tolist() == pytest.approx([0.5, 0.5], abs=1e-15)
    assert r.within["s"].tolist() == pytest.approx([1 / 3, 2 / 3], abs=1e-15)
    # G_w = ¼·½·⅓ + ¼·½·⅔ = 1/8; weight p_b s_a + p_a s_b = ½; G_nb = 5/12·½·0.8 = 1/6; G_t = 5/12·½·0.2 = 1/24.
    assert (r.G_w, r.G_nb, r.G_t) == pytest.approx((1 / 8, 1 / 6, 1 / 24), abs=1e-15)
    # contribution rates: 3/8, 1/2, 1/8.
    assert r.contributions == pytest.approx({"within": 0.375, "net_between": 0.5, "transvariation": 0.125}, abs=1e-15)
    assert r.to_frame()["group_order"].iloc[0] == "a < b"
    assert r.pairs["pair"].tolist() == ["a", "b", "a–b"]


@pytest.mark.parametrize("seed", range(8))
def test_matches_pairwise_reference_and_adds_up(seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 40, size=rng.integers(2, 6))  # includes occasional one-unit groups
    y = np.concatenate([rng.lognormal(mean=0.3 * k, sigma=0.6, size=s) for k, s in enumerate(sizes)])
    if seed % 2:
        y = np.round(y, 1)  # ties within and across groups
    groups = np.repeat([f"g{k}" for k in range(sizes.size)], sizes)
    perm = rng.permutation(y.size)
    y, groups = y[perm], groups[perm]
    r, ref = dagum(y, groups), dagum_pairwise(y, groups)
    assert r.groups == ref["order"]
    assert r.G == pytest.approx(ref["G"], abs=1e-12)
    assert (r.G_w, r.G_nb, r.G_t) == pytest.approx((ref["G_w"], ref["G_nb"], ref["G_t"]), abs=1e-12)
    assert r.G_jj.to_dict() == pytest.approx(ref["G_jj"], abs=1e-12)
    assert r.G_jh.to_dict() == pytest.approx(ref["G_jh"], abs=1e-12)
    assert dict(zip(zip(r.between["group_j"], r.between["group_h"]), r.between["D_jh"])) == pytest.approx(
        ref["D_jh"], abs=1e-12
    )
    # the identities
    assert r.G_w + r.G_nb + r.G_t == pytest.approx(r.G, abs=1e-12)
    assert r.G == pytest.approx(gini(y), abs=1e-12)
    assert r.G == pytest.approx(gini_pairwise(y), abs=1e-12)  # the plain Gini from the full difference matrix
    assert sum(r.contributions.values()) == pytest.approx(1.0, abs=1e-12)
    assert (r.between["D_jh"] >= 0).all() and (r.between["D_jh"] <= 1).all()
    # groups ordered by mean, pairs listed with the richer group first
    assert r.within["mean"].is_monotonic_increasing
    assert (r.between["mean_j"] >= r.between["mean_h"]).all()


def test_d_jh_identities():
    # d_jh − p_jh = mean_j − mean_h and d_jh + p_jh is the mean absolute difference between the groups.
    rng = np.random.default_rng(11)
    y = rng.gamma(2.0, size=300)
    g = rng.choice(["E", "C", "W", "NE"], size=300)
    b = dagum(y, g).between
    assert (b["d_jh"] - b["p_jh"]).to_numpy() == pytest.approx((b["mean_j"] - b["mean_h"]).to_numpy(), abs=1e-12)
    assert (b["G_jh"] * (b["mean_j"] + b["mean_h"])).to_numpy() == pytest.approx((b["d_jh"] + b["p_jh"]).to_numpy())


def test_sorted_difference_sums_match_brute_force():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=37), np.round(rng.normal(size=23), 1)
    diff = a[:, None] - b[None, :]
    above, below = between_abs_sums(a, np.sort(b))
    assert above == pytest.approx(np.maximum(diff, 0).sum(), rel=1e-13)
    assert below == pytest.approx(np.maximum(-diff, 0).sum(), rel=1e-13)
    assert within_abs_sum(np.sort(a)) == pytest.approx(np.abs(a[:, None] - a[None, :]).sum(), rel=1e-13)
    w = rng.uniform(1, 2, size=37)
    brute = (w[:, None] * w[None, :] * np.abs(a[:, None] - a[None, :])).sum()
    assert weighted_within_abs_sum(a, w) == pytest.approx(brute, rel=1e-13)


def test_invariant_to_scale_row_order_and_group_names():
    rng = np.random.default_rng(2)
    y = rng.lognormal(size=120)
    g = rng.choice(["East", "Central", "West", "Northeast"], size=120)
    base = dagum(y, g)
    perm = rng.permutation(120)
    renamed = np.array([{"East": "z", "Central": "y", "West": "x", "Northeast": "w"}[v] for v in g])
    for other in (dagum(100 * y, g), dagum(y[perm], g[perm]), dagum(y, renamed)):
        assert (other.G, other.G_w, other.G_nb, other.G_t) == pytest.approx(
            (base.G, base.G_w, base.G_nb, base.G_t), abs=1e-12
        )
        assert other.between["D_jh"].tolist() == pytest.approx(base.between["D_jh"].tolist(), abs=1e-12)


def test_edge_cases():
    # all values equal: every part 0, shares reported as 0
    r = dagum([2.0] * 6, list("aabbcc"))
    assert (r.G, r.G_w, r.G_nb, r.G_t) == (0.0, 0.0, 0.0, 0.0)
    assert r.contributions == {"within": 0.0, "net_between": 0.0, "transvariation": 0.0}
    assert r.between["D_jh"].tolist() == [0.0, 0.0, 0.0]
    # one group: everything is within
    r = dagum([1, 2, 3, 4], ["a"] * 4)
    assert r.G_w == pytest.approx(0.25, abs=1e-15) and r.G_nb == 0 and r.G_t == 0 and len(r.between) == 0
    assert r.pairs["kind"].tolist() == ["within"]
    # a group with one unit has G_jj = 0; zeros inside a group with a positive mean are fine
    r = dagum([4, 5, 0, 2, 3], ["solo", "b", "b", "c", "c"])
    assert r.within.set_index("group").at["solo", "G_jj"] == 0.0
    assert r.G_w + r.G_nb + r.G_t == pytest.approx(r.G, abs=1e-15)
    # a single unit overall
    assert dagum([3.0], ["a"]).G == 0.0


def test_errors_are_clear():
    with pytest.raises(MethodError, match="Dagum.*non-negative.*position 2"):
        dagum([1, 2, -3], ["a", "a", "b"])
    with pytest.raises(MethodError, match="group 'b' has mean 0"):
        dagum([1, 2, 0, 0], ["a", "a", "b", "b"])
    with pytest.raises(DataError, match="groups: missing labels at position 1"):
        dagum([1, 2], ["a", None])
    with pytest.raises(MethodError, match="period 2021: .*group 'b' has mean 0"):
        dagum_by_period([1, 2, 1, 0], ["a", "b", "a", "b"], [2020, 2020, 2021, 2021])


def test_by_period_matches_per_period_calls():
    panel = synthetic_panel(200, 4, seed=3)
    r = dagum_by_period(panel["score"], panel["group"], panel["year"])
    assert r.summary["period"].tolist() == [2011, 2012, 2013, 2014]
    for year, result in r.results.items():
        rows = panel["year"] == year
        direct = dagum(panel.loc[rows, "score"].to_numpy(), panel.loc[rows, "group"].to_numpy())
        assert result.G == pytest.approx(direct.G, abs=1e-15)
        assert result.G == pytest.approx(gini_pairwise(panel.loc[rows, "score"]), abs=1e-12)
    pairs = r.pairs()
    assert set(pairs["kind"]) == {"within", "between"}
    assert len(pairs) == 4 * (4 + 6)  # 4 periods × (4 groups + 6 pairs)
    by_period = pairs.groupby("period")["contribution"].sum()
    assert by_period.to_numpy() == pytest.approx(r.summary["G"].to_numpy(), abs=1e-12)
    assert (r.summary["share_w"] + r.summary["share_nb"] + r.summary["share_t"]).to_numpy() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "module",
    ["inequality", "dagum", "density"],
)
def test_docstring_examples(module):
    mod = importlib.import_module(f"nqp_lib.disparity.{module}")
    failures, tried = doctest.testmod(mod, verbose=False)
    assert tried > 0 and failures == 0
