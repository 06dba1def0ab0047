"""Spatial weights, Moran's I and LISA: hand cases, brute-force double sums, permutation inference, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from disparity_fixtures import contiguity_from_shared, local_moran_loops, moran_double_sum
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
