"""Spatial weights, Moran's I and LISA: hand cases, brute-force double sums, permutation inference, errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from disparity_fixtures import SHARED_PANEL, contiguity_from_shared, local_moran_loops, moran_double_sum
from nqp_lib.disparity import local_moran, moran, moran_by_period, spatial_weights
from nqp_lib.errors import DataError, MethodError, ParameterError

PATH = pd.DataFrame(  # four units on a line: A - B - C - D
    [[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]], index=list("ABCD"), columns=list("ABCD"), dtype=float
)


def test_moran_on_a_line_by_hand():
    y = [1.0, 2.0, 3.0, 4.0]  # z = −1.5, −0.5, 0.5, 1.5; Σz² = 5
    # binary W: Σ w z_i z_j = 2(z1z2 + z2z3 + z3z4) = 2(0.75 − 0.25 + 0.75) = 2.5; S0 = 6 → I = (4/6)(2.5/5) = 1/3
    binary = moran(y, spatial_weights(PATH, standardise=False), permutations=9)
    assert binary.I == pytest.approx(1 / 3, abs=1e-15)
    # row-standardised: Σ = z1z2 + ½z2(z1+z3) + ½z3(z2+z4) + z4z3 = 0.75 + 0.25 + 0.25 + 0.75 = 2; S0 = 4 → I = 0.4
    row = moran(y, spatial_weights(PATH), permutations=9)
    assert row.I == pytest.approx(0.4, abs=1e-15)
    assert row.expected == pytest.approx(-1 / 3)
    # LISA: lags of z (row-standardised) are −0.5, −0.5, 0.5, 0.5 → quadrants LL, LL, HH, HH;
    # m2 = 5/4, I_A = (−1.5)(−0.5)/1.25 = 0.6, I_B = (−0.5)(−0.5)/1.25 = 0.2
    lisa = local_moran(y, spatial_weights(PATH), permutations=9).table
    assert lisa["lag"].tolist() == pytest.approx([-0.5, -0.5, 0.5, 0.5])
    assert lisa["quadrant"].tolist() == ["LL", "LL", "HH", "HH"]
    assert lisa["I_i"].tolist() == pytest.approx([0.6, 0.2, 0.2, 0.6])


@pytest.mark.parametrize("standardise", [True, False])
def test_moran_against_brute_force_double_sum(standardise):
    W = contiguity_from_shared()
    w = spatial_weights(W, standardise=standardise)
    rng = np.random.default_rng(0)
    for _ in range(3):
        y = rng.lognormal(size=31)
        assert moran(y, w, permutations=9).I == pytest.approx(moran_double_sum(y, w.dense()), abs=1e-12)
        lisa = local_moran(y, w, permutations=9).table
        assert lisa["I_i"].to_numpy() == pytest.approx(local_moran_loops(y, w.dense()), abs=1e-12)
    if standardise:  # with row-standardised weights the local statistics average to the global one
        assert lisa["I_i"].mean() == pytest.approx(moran(y, w, permutations=9).I, abs=1e-12)


def test_permutation_inference_is_seeded_and_sensible():
    W = contiguity_from_shared()
    w = spatial_weights(W)
    # the most autocorrelated pattern: the leading eigenvector of the centred symmetric part of W
    n = 31
    centre = np.eye(n) - 1.0 / n
    vals, vecs = np.linalg.eigh(centre @ (w.dense() + w.dense().T) / 2 @ centre)
    clustered = vecs[:, -1] - vecs[:, -1].min() + 1.0
    r = moran(clustered, w, permutations=999, seed=42)
    assert r.I == pytest.approx(vals[-1], abs=1e-12)  # I = z'Wz / z'z attains the top eigenvalue
    assert r.I > 0.5 and r.p_sim == pytest.approx(1 / 1000)  # no permutation beats it
    assert r.z_sim > 3
    again = moran(clustered, w, permutations=999, seed=42)
    assert (again.I, again.p_sim, again.mean_sim) == (r.I, r.p_sim, r.mean_sim)
    other = moran(clustered, w, permutations=999, seed=43)
    assert other.mean_sim != r.mean_sim
    # under permutation the mean of I* is close to E[I] = −1/(n−1)
    noise = np.random.default_rng(9).normal(size=31) + 10
    big = moran(noise, w, permutations=9999, seed=1)
    assert big.mean_sim == pytest.approx(-1 / 30, abs=0.01)
    assert 1 / 10000 <= big.p_sim <= 0.5 + 1 / 10000


def test_lisa_pvalues_and_clusters():
    w = spatial_weights(contiguity_from_shared())
    rng = np.random.default_rng(3)
    y = rng.lognormal(size=31)
    a = local_moran(y, w, permutations=499, seed=7, alpha=0.1).table
    b = local_moran(y, w, permutations=499, seed=7, alpha=0.1).table
    assert a.equals(b)
    assert ((a["p_sim"] >= 1 / 500) & (a["p_sim"] <= 0.5 + 1 / 500)).all()
    significant = a["p_sim"] <= 0.1
    assert (a.loc[significant, "cluster"] == a.loc[significant, "quadrant"]).all()
    assert (a.loc[~significant, "cluster"] == "ns").all()
    assert set(a["quadrant"]) <= {"HH", "LH", "LL", "HL"}


def test_moran_by_period_is_invariant_to_row_order_and_matches_single_calls():
    W = contiguity_from_shared()
    provinces = np.array(W.index)
    rng = np.random.default_rng(5)
    years = np.repeat([2020, 2021, 2022], 31)
    units = np.tile(provinces, 3)
    y = rng.lognormal(size=93)
    w = spatial_weights(W)
    a = moran_by_period(y, units, years, w, permutations=199, seed=11)
    perm = rng.permutation(93)
    b = moran_by_period(y[perm], units[perm], years[perm], w, permutations=199, seed=11)
    pd.testing.assert_frame_equal(a.global_, b.global_)
    pd.testing.assert_frame_equal(a.local, b.local)
    for year in (2020, 2021, 2022):
        assert a.global_.set_index("period").at[year, "I"] == pytest.approx(
            moran_double_sum(y[years == year], w.dense()), abs=1e-12
        )
    assert a.local.columns[:2].tolist() == ["period", "unit"] and len(a.local) == 93


def test_units_missing_from_a_period_are_dropped_from_the_weights():
    W = contiguity_from_shared()
    provinces = np.array(W.index)
    keep = provinces != "西藏"
    rng = np.random.default_rng(6)
    y = rng.lognormal(size=keep.sum())
    r = moran_by_period(y, provinces[keep], np.full(keep.sum(), 2020), spatial_weights(W), permutations=9)
    assert r.options["dropped_from_weights"] == {2020: ["西藏"]}
    sub = W.loc[keep, keep]
    assert r.global_["I"].iloc[0] == pytest.approx(moran_double_sum(y, sub.div(sub.sum(axis=1), axis=0)), abs=1e-12)


def test_weights_errors():
    with pytest.raises(MethodError, match="no neighbours \\(D\\)"):
        spatial_weights(PATH.assign(D=0.0).T.assign(D=0.0))
    with pytest.raises(DataError, match="square"):
        spatial_weights(np.ones((2, 3)), labels=["a", "b"])
    with pytest.raises(DataError, match="diagonal must be 0"):
        spatial_weights(pd.DataFrame(np.ones((2, 2)), index=["a", "b"], columns=["a", "b"]))
    with pytest.raises(DataError, match="labels must be the same units"):
        spatial_weights(pd.DataFrame([[0, 1], [1, 0]], index=["a", "b"], columns=["a", "c"]))
    with pytest.raises(DataError, match="non-negative"):
        spatial_weights(pd.DataFrame([[0, -1], [1, 0]], index=["a", "b"], columns=["a", "b"]))
    with pytest.raises(DataError, match="4-unit weights matrix"):
        moran([1.0, 2.0, 3.0], spatial_weights(PATH))
    with pytest.raises(MethodError, match="all values are equal"):
        moran([2.0] * 4, spatial_weights(PATH))
    with pytest.raises(ParameterError, match="permutations"):
        moran([1.0, 2.0, 3.0, 4.0], spatial_weights(PATH), permutations=0)
    with pytest.raises(ParameterError, match="seed"):
        moran([1.0, 2.0, 3.0, 4.0], spatial_weights(PATH), seed=1.5)
    with pytest.raises(MethodError, match="period 2021: Moran's I needs at least 3 units"):
        moran_by_period([1.0, 2.0, 3.0, 4.0, 5.0], list("ABCDA"), [2020] * 4 + [2021], spatial_weights(PATH))
    with pytest.raises(DataError, match="period 2020: weights: no row for E"):
        moran_by_period([1.0, 2.0, 3.0], list("ABE"), [2020] * 3, spatial_weights(PATH))


def test_columns_reordered_to_match_rows():
    shuffled = PATH.loc[:, ["C", "A", "D", "B"]]
    assert np.array_equal(spatial_weights(shuffled).raw.toarray(), PATH.to_numpy())


def test_conditional_permutation_draws_are_permutation_prefixes_even_in_chunks(monkeypatch):
    from nqp_lib.disparity import spatial

    monkeypatch.setattr(spatial, "_CHUNK", 50)  # force chunks of 5 rows for n = 10
    draws = spatial._permutation_prefixes(np.random.default_rng(0), 23, 10, 4)
    assert draws.shape == (23, 4)
    assert all(len(set(row)) == 4 for row in draws.tolist())
    assert draws.min() >= 0 and draws.max() <= 9
    assert len({tuple(row) for row in draws.tolist()}) > 15  # rows differ


# --- pseudo p-values: ties count as extreme in both tails -------------------------------------------------------


def _one_neighbour_exact_p(y, w: "SpatialWeights", unit: int) -> float:
    """Exact conditional-permutation p of a unit with one neighbour: its lag is one of the other n − 1 values.

    Enumerate them (each equally likely), count those at least as extreme as the observed one on each side,
    and take the smaller tail: p = min(#{I* ≥ I}, #{I* ≤ I}) / (n − 1).
    """
    z = np.asarray(y, dtype=float) - np.mean(y)
    m2 = (z @ z) / z.size
    observed = z[unit] * (w.dense()[unit] @ z) / m2
    possible = np.array([z[unit] * z[j] / m2 for j in range(z.size) if j != unit])
    tol = 1e-12 * max(1.0, abs(observed))
    return min((possible >= observed - tol).sum(), (possible <= observed + tol).sum()) / possible.size


def test_lisa_pvalue_of_a_one_neighbour_unit_matches_exact_enumeration():
    """Hainan (one neighbour, Guangdong) among the 30 provinces measured in 2023: 29 possible permuted values."""
    panel = pd.read_csv(SHARED_PANEL)
    y2023 = panel[panel["year"] == 2023].set_index("province")["stc_rd_intensity_pct"]
    W = contiguity_from_shared().drop(index="西藏", columns="西藏")
    w = spatial_weights(W)
    y = y2023.loc[W.index].to_numpy()
    hainan = list(W.index).index("海南")
    assert w.cardinalities[hainan] == 1
    exact = _one_neighbour_exact_p(y, w, hainan)
    # the observed value is itself one of the 29 (Guangdong's): a tie that the old lower-tail rule left out
    assert exact * 29 == round(exact * 29) and 1 / 29 <= exact <= 0.5 + 1 / 29
    R = 99_999
    p = local_moran(y, w, permutations=R, seed=2023).table["p_sim"].iloc[hainan]
    sd = np.sqrt(exact * (1 - exact) / R)
    assert p == pytest.approx((exact * R + 1) / (R + 1), abs=5 * sd)  # binomial noise only
    assert abs(p - (exact - 1 / 29)) > 10 * sd  # the old rule's answer, 1/29 too small, is far off


def test_pseudo_p_counts_ties_in_both_tails_by_hand():
    from nqp_lib.disparity.inference import pseudo_p

    sims = np.array([1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])  # R = 9
    # observed 2: #{≥ 2} = 8, #{≤ 2} = 3 → lower tail, p = (3 + 1)/10 (the old rule counted 1: p = 0.2)
    assert pseudo_p(2.0, sims) == pytest.approx(0.4)
    # observed 7: #{≥ 7} = 2, #{≤ 7} = 8 → p = 3/10
    assert pseudo_p(7.0, sims) == pytest.approx(0.3)
    # every permuted value equals the observed one: nothing is more extreme, p = 1 (the old rule said 1/(R+1))
    assert pseudo_p(2.0, np.full(9, 2.0)) == 1.0


def test_pseudo_p_is_the_smaller_of_esdas_greater_and_lesser():
    from esda.significance import _permutation_significance

    from nqp_lib.disparity.inference import pseudo_p

    # esda's numba-compiled function as plain Python (compiling it takes ~40 s; the arithmetic is the same)
    significance = getattr(_permutation_significance, "py_func", _permutation_significance)
    rng = np.random.default_rng(12)
    sims = rng.integers(0, 6, size=(40, 99)).astype(float)  # many ties
    observed = rng.integers(0, 6, size=40).astype(float)
    greater = significance(observed[:, None], sims, alternative="greater")  # the shapes calculate_significance passes
    lesser = significance(observed[:, None], sims, alternative="lesser")
    assert pseudo_p(observed, sims) == pytest.approx(np.minimum(greater, lesser), abs=1e-15)


def test_all_permutations_tie_gives_p_one():
    # a unit whose neighbours' permuted values are all equal: every draw reproduces the observed I_i
    w = spatial_weights(PATH)
    lisa = local_moran([0.0, 5.0, 5.0, 5.0], w, permutations=99).table
    assert lisa["p_sim"].iloc[0] == 1.0
    # global: on the complete graph K3 every permutation is a symmetry, I* = I = −1/2 always
    k3 = pd.DataFrame(1.0 - np.eye(3), index=list("abc"), columns=list("abc"))
    r = moran([1.0, 2.0, 4.0], spatial_weights(k3), permutations=99)
    assert r.I == pytest.approx(-0.5) and r.p_sim == 1.0


# --- analytical moments of Moran's I ----------------------------------------------------------------------------


def test_moran_analytical_moments_by_hand():
    # binary line A–B–C–D, y = 1..4: S0 = 6, S1 = ½·6·2² = 12, row + column sums 2, 4, 4, 2 → S2 = 40; n = 4
    r = moran([1.0, 2.0, 3.0, 4.0], spatial_weights(PATH, standardise=False), permutations=9)
    # Var_N = (n²S1 − nS2 + 3S0²)/((n² − 1)S0²) − E² = (192 − 160 + 108)/540 − 1/9 = 4/27
    assert r.var_norm == pytest.approx(4 / 27, abs=1e-15)
    assert r.z_norm == pytest.approx(np.sqrt(3), abs=1e-14)  # (1/3 + 1/3)/√(4/27)
    # z = ±1.5, ±0.5: Σz² = 5, Σz⁴ = 10.25, b2 = 4·10.25/25 = 1.64; A = 4(7·12 − 160 + 108) = 128,
    # B = 1.64(12·12 − 320 + 216) = 65.6; Var_R = (128 − 65.6)/(3·2·1·36) − 1/9 = 8/45
    assert r.var_rand == pytest.approx(8 / 45, abs=1e-15)
    assert r.z_rand == pytest.approx(np.sqrt(2.5), abs=1e-14)
    assert r.p_norm == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(np.sqrt(3) / np.sqrt(2)))), abs=1e-14)
    three = moran([1.0, 2.0, 4.0], spatial_weights(PATH.iloc[:3, :3]), permutations=9)
    assert np.isnan(three.z_rand) and "at least 4 units" in three.note and np.isfinite(three.z_norm)


@pytest.mark.parametrize("transform", ["r", "b"])
def test_moran_analytical_inference_matches_esda(transform):
    import esda
    from libpysal.weights import full2W

    panel = pd.read_csv(SHARED_PANEL)
    W = contiguity_from_shared()
    w = spatial_weights(W, standardise=transform == "r")
    lw = full2W(W.to_numpy(), ids=list(W.index))
    for year in (2011, 2023):
        y = panel[panel["year"] == year].set_index("province").loc[W.index, "stc_rd_intensity_pct"].to_numpy()
        ours = moran(y, w, permutations=9)
        theirs = esda.Moran(y, lw, transformation=transform, permutations=0)
        assert ours.I == pytest.approx(theirs.I, abs=1e-13)
        for field in ("z_norm", "p_norm", "z_rand", "p_rand"):
            assert getattr(ours, field) == pytest.approx(getattr(theirs, field), rel=1e-11), field
        assert ours.var_norm == pytest.approx(theirs.VI_norm, rel=1e-11)
        assert ours.var_rand == pytest.approx(theirs.VI_rand, rel=1e-11)
        if transform == "r":  # esda scales I_i by n − 1 where nqp uses n
            local = esda.Moran_Local(y, lw, transformation="r", permutations=0)
            lisa = local_moran(y, w, permutations=9).table
            assert lisa["I_i"].to_numpy() * (y.size - 1) / y.size == pytest.approx(local.Is, abs=1e-12)


# --- multiple testing -------------------------------------------------------------------------------------------


def test_fdr_and_bonferroni_adjustments():
    import esda
    from scipy.stats import false_discovery_control

    from nqp_lib.disparity.inference import adjust_pvalues

    p = np.array([0.01, 0.04, 0.03, 0.2])
    # Bonferroni: min(1, 4p)
    assert adjust_pvalues(p, "bonferroni").tolist() == pytest.approx([0.04, 0.16, 0.12, 0.8])
    # BH by hand: sorted 0.01, 0.03, 0.04, 0.2 → 4p/rank = 0.04, 0.06, 0.0533, 0.2 → running min from the top
    assert adjust_pvalues(p, "fdr").tolist() == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2])
    rng = np.random.default_rng(4)
    many = np.concatenate([rng.uniform(0, 0.01, 8), rng.uniform(0, 1, 40)])
    q = adjust_pvalues(many, "fdr")
    assert q == pytest.approx(false_discovery_control(many), abs=1e-15)
    for alpha in (0.05, 0.1):
        assert ((q <= alpha) == (many <= esda.fdr(many, alpha))).all()


def test_lisa_clusters_use_the_adjusted_p():
    w = spatial_weights(contiguity_from_shared())
    y = np.random.default_rng(3).lognormal(size=31)
    plain = local_moran(y, w, permutations=199, seed=1).table
    fdr = local_moran(y, w, permutations=199, seed=1, adjust="fdr", alpha=0.1)
    t = fdr.table
    assert fdr.adjust == "fdr" and "p_adjusted" not in plain.columns
    assert t["p_sim"].tolist() == plain["p_sim"].tolist()  # same draws
    assert (t["p_adjusted"] >= t["p_sim"]).all()
    assert (np.where(t["p_adjusted"] <= 0.1, t["quadrant"], "ns") == t["cluster"]).all()
    with pytest.raises(ParameterError, match="adjust must be one of"):
        local_moran(y, w, adjust="holm")
    for bad in (0, 1, 2, -0.5):
        with pytest.raises(ParameterError, match="strictly between 0 and 1"):
            local_moran(y, w, alpha=bad)
