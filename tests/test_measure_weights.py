"""Weighting methods: hand-computed cases, independent implementations (pymcdm, pyrepo-mcda), combinations,
hierarchy and degenerate inputs."""

from __future__ import annotations

import numpy as np
import pytest
from pymcdm import weights as pw
from pyrepo_mcda import weighting_methods as rw

from nqp_lib.errors import MethodError, ParameterError
from nqp_lib.measure.normalise import handle_zeros, normalise
from nqp_lib.measure.weights import (
    WEIGHTERS,
    combine,
    compute_weights,
    critic_weights,
    entropy_weights,
    equal_weights,
    fixed_weights,
    parse_methods,
    pca_weights,
    std_weights,
)

# --------------------------------------------------------------------------- hand-computed


def test_entropy_by_hand_with_a_zero():
    x = np.array([[0.0, 1.0], [1.0, 2.0], [1.0, 1.0]])
    w = entropy_weights(x)
    # a: p = (0, 1/2, 1/2), 0·ln 0 = 0 → e = ln 2 / ln 3 = 0.630930, d = 0.369070
    # b: p = (1/4, 1/2, 1/4) → −Σ p ln p = 2·0.25·ln 4 + 0.5·ln 2 = 1.039721 → e = 1.039721/ln 3 = 0.946395, d = 0.053605
    np.testing.assert_allclose(w.details["e"], [0.630930, 0.946395], atol=1e-6)
    np.testing.assert_allclose(w.details["d"], [0.369070, 0.053605], atol=1e-6)
    # w = d / Σd = 0.369070/0.422675, 0.053605/0.422675
    np.testing.assert_allclose(w.values, [0.873177, 0.126823], atol=1e-6)
    np.testing.assert_allclose(w.details["p"][:, 1], [0.25, 0.5, 0.25])
    assert w.details["zero_cells"].tolist() == [1, 0]


def test_entropy_n_is_rows_in_scope():
    # the same column repeated twice as many times has the same p-distribution shape but n doubles:
    # e uses 1/ln n with n the rows given, so e((1, 3)) = 0.811278 and e((1, 3, 1, 3)) = 1 − 0.188722/2
    one = entropy_weights(np.array([[1.0, 1.0], [3.0, 2.0]]))
    two = entropy_weights(np.array([[1.0, 1.0], [3.0, 2.0], [1.0, 1.0], [3.0, 2.0]]))
    assert one.details["e"][0] == pytest.approx(0.811278, abs=1e-6)
    # p = (1/8, 3/8, 1/8, 3/8): −Σ p ln p = ln 2 + 0.562335 = 1.255482; / ln 4 = 0.905639
    assert two.details["e"][0] == pytest.approx(0.905639, abs=1e-6)


def test_critic_by_hand():
    x = np.array([[0.0, 0.0, 1.0], [0.5, 1.0, 0.0], [1.0, 0.75, 0.5]])
    w = critic_weights(x, ddof=1)
    # σ (ddof 1): a 0.5, b sqrt(0.541667/2) = 0.520416, c 0.5
    np.testing.assert_allclose(w.details["sigma"], [0.5, 0.520416, 0.5], atol=1e-6)
    # r_ab = 0.375/sqrt(0.5·0.541667) = 0.720577, r_ac = −0.25/0.5 = −0.5, r_bc = −0.5/0.520416 = −0.960769
    np.testing.assert_allclose(w.details["r"][0, 1], 0.720577, atol=1e-6)
    np.testing.assert_allclose(w.details["r"][0, 2], -0.5, atol=1e-6)
    np.testing.assert_allclose(w.details["r"][1, 2], -0.960769, atol=1e-6)
    # conflict: a 0.279423 + 1.5 = 1.779423; b 0.279423 + 1.960769 = 2.240192; c 1.5 + 1.960769 = 3.460769
    np.testing.assert_allclose(w.details["conflict"], [1.779423, 2.240192, 3.460769], atol=1e-6)
    # C = σ·conflict = 0.889712, 1.165831, 1.730385; Σ = 3.785928
    np.testing.assert_allclose(w.values, [0.235005, 0.307938, 0.457057], atol=1e-6)


def test_critic_ddof_changes_sigma_not_weights():
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(12, 4))
    a, b = critic_weights(x, ddof=1), critic_weights(x, ddof=0)
    np.testing.assert_allclose(a.values, b.values, rtol=1e-12)
    np.testing.assert_allclose(a.details["sigma"] / b.details["sigma"], np.sqrt(12 / 11))


def test_std_and_equal_by_hand():
    x = np.array([[0.0, 0.0], [0.5, 1.0], [1.0, 0.75]])
    # σ (ddof 1): 0.5 and 0.520416 → w = 0.5/1.020416, 0.520416/1.020416
    np.testing.assert_allclose(std_weights(x).values, [0.489996, 0.510004], atol=1e-6)
    np.testing.assert_allclose(equal_weights(x).values, [0.5, 0.5])


def test_pca_by_hand():
    # a and c = −a are perfectly anti-correlated, r(a, b) = 0.8, r(b, c) = −0.8.
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([1.0, 3.0, 2.0, 4.0])
    x = np.column_stack([a, b, -a])
    w = pca_weights(x)
    # eigenvalues of R: 0 on (1, 0, 1)/√2; on span{(1, 0, −1)/√2, (0, 1, 0)} R acts as [[2, 1.131371], [1.131371, 1]]
    # → (3 ± sqrt(6.12))/2 = 2.736932, 0.263068. Only λ1 ≥ 1 is kept; its eigenvector is
    # (1.131371, λ1 − 2 = 0.736932)/1.350210 = (0.837922, 0.545790), i.e. 0.837922·(1, 0, −1)/√2 + 0.545790·(0, 1, 0)
    # = (0.592500, 0.545790, −0.592500); squared → 0.351057, 0.297887, 0.351057.
    np.testing.assert_allclose(w.details["eigenvalues"], [2.736932, 0.263068, 0.0], atol=1e-6)
    assert int(w.details["retained"]) == 1
    np.testing.assert_allclose(w.values, [0.351057, 0.297887, 0.351057], atol=1e-6)


def test_pca_two_correlated_columns_and_a_constant():
    x = np.array([[1.0, 1.0, 5.0], [2.0, 3.0, 5.0], [3.0, 2.0, 5.0], [4.0, 4.0, 5.0]])
    w = pca_weights(x)
    # R = [[1, 0.8], [0.8, 1]] → λ = 1.8 (kept), 0.2; eigenvector (1, 1)/√2 → 0.5, 0.5; the constant gets 0
    np.testing.assert_allclose(w.values, [0.5, 0.5, 0.0], atol=1e-12)


def test_fixed_rescales_and_needs_weights():
    x = np.zeros((3, 3))
    np.testing.assert_allclose(fixed_weights(x, fixed=np.array([2.0, 1.0, 1.0])).values, [0.5, 0.25, 0.25])
    with pytest.raises(ParameterError, match="weight"):
        fixed_weights(x)


def test_combinations_by_hand():
    w1, w2 = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.2, 0.6])
    np.testing.assert_allclose(combine([w1, w2], "mean"), [0.35, 0.25, 0.40])
    # geometric: sqrt(0.1, 0.06, 0.12) = 0.316228, 0.244949, 0.346410; Σ = 0.907587
    np.testing.assert_allclose(combine([w1, w2], "geometric"), [0.348428, 0.269890, 0.381682], atol=1e-6)
    # product: (0.1, 0.06, 0.12)/0.28
    np.testing.assert_allclose(combine([w1, w2], "product"), [0.357143, 0.214286, 0.428571], atol=1e-6)
    with pytest.raises(MethodError, match="combine='product'"):
        combine([np.array([1.0, 0.0]), np.array([0.0, 1.0])], "product")


def test_parse_methods():
    assert parse_methods("entropy+critic") == ("entropy", "critic")
    assert parse_methods(["std", "pca"]) == ("std", "pca")
    with pytest.raises(ParameterError, match="entropy"):
        parse_methods("entropopy")
    with pytest.raises(ParameterError, match="twice"):
        parse_methods("entropy+entropy")


# --------------------------------------------------------------------------- independent implementations


def _matrix(seed: int, n: int = 40, m: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """A raw matrix with no zeros, and directions (column 1 is a cost)."""
    rng = np.random.default_rng(seed)
    x = rng.lognormal(1.0, 0.5, size=(n, m))
    dirs = np.ones(m)
    dirs[1] = -1
    return x, dirs


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_entropy_matches_pymcdm_and_pyrepo(seed):
    # pymcdm and pyrepo-mcda sum-normalise the matrix they are given (p_ij = x_ij / Σ_i x_ij) without
    # directions; nqp computes p on the direction-aware min-max matrix after zero handling. So both oracles
    # get nqp's x'' (min-max + 1e-4): the conventions then coincide (no zeros, so pymcdm's zero rule is moot).
    x, dirs = _matrix(seed)
    xn, _ = normalise(x, dirs, "minmax")
    xa = handle_zeros(xn, "shift", 1e-4)
    ours = entropy_weights(xa).values
    np.testing.assert_allclose(ours, pw.entropy_weights(xa), rtol=1e-10)
    np.testing.assert_allclose(ours, rw.entropy_weighting(xa), rtol=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_critic_matches_pymcdm_and_pyrepo(seed):
    # Both oracles min-max normalise again as if every column were a benefit; on nqp's direction-aware
    # min-max matrix that is the identity. pymcdm uses σ with ddof=1, pyrepo-mcda ddof=0: same weights.
    x, dirs = _matrix(seed)
    xn, _ = normalise(x, dirs, "minmax")
    np.testing.assert_allclose(critic_weights(xn, ddof=1).values, pw.critic_weights(xn), rtol=1e-10)
    np.testing.assert_allclose(critic_weights(xn, ddof=0).values, rw.critic_weighting(xn), rtol=1e-10)


def test_std_and_equal_match_the_oracles():
    x, dirs = _matrix(5)
    xn, _ = normalise(x, dirs, "minmax")
    np.testing.assert_allclose(std_weights(xn, ddof=1).values, pw.standard_deviation_weights(xn), rtol=1e-10)
    np.testing.assert_allclose(std_weights(xn, ddof=0).values, rw.std_weighting(xn), rtol=1e-10)
    np.testing.assert_allclose(equal_weights(xn).values, pw.equal_weights(xn), rtol=1e-12)


# --------------------------------------------------------------------------- hierarchy and identities


@pytest.mark.parametrize("methods", [("entropy",), ("critic",), ("std",), ("equal",), ("pca",), ("entropy", "critic")])
@pytest.mark.parametrize("hierarchy", ["flat", "hierarchical"])
def test_weights_sum_to_one_within_their_level(methods, hierarchy):
    x, dirs = _matrix(7, m=7)
    xn, _ = normalise(x, dirs, "minmax")
    dims = np.array([0, 0, 0, 1, 1, 2, 2])
    ws = compute_weights(xn, methods, dims, 3, hierarchy=hierarchy, zeros=lambda v: v + 1e-4)
    assert ws.final.sum() == pytest.approx(1.0, abs=1e-12)
    assert ws.dimension.sum() == pytest.approx(1.0, abs=1e-12)
    for k in range(3):
        assert ws.within[dims == k].sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(ws.final, ws.within * ws.dimension[dims], atol=1e-15)
    assert (ws.final >= 0).all()


def test_flat_entropy_is_the_plain_method_and_hierarchical_entropy_renormalises_within():
    x, dirs = _matrix(8, m=4)
    xa = handle_zeros(normalise(x, dirs, "minmax")[0], "shift", 1e-4)
    dims = np.array([0, 0, 1, 1])
    flat = compute_weights(xa, ("entropy",), dims, 2)
    plain = entropy_weights(xa).values
    np.testing.assert_allclose(flat.final, plain)
    hier = compute_weights(xa, ("entropy",), dims, 2, hierarchy="hierarchical", dimension_weights="equal")
    # within dimension 0: d_0/(d_0 + d_1), i.e. the plain weights renormalised; dimensions equal
    np.testing.assert_allclose(hier.within[:2], plain[:2] / plain[:2].sum())
    np.testing.assert_allclose(hier.dimension, [0.5, 0.5])


def test_hierarchical_single_indicator_dimension_gets_within_weight_one():
    x, dirs = _matrix(9, m=3)
    xn, _ = normalise(x, dirs, "minmax")
    ws = compute_weights(xn, ("critic",), np.array([0, 0, 1]), 2, hierarchy="hierarchical")
    assert ws.within[2] == 1.0


def test_leave_one_out_gives_weight_zero():
    x, dirs = _matrix(10, m=5)
    xn, _ = normalise(x, dirs, "minmax")
    active = np.array([True, True, False, True, True])
    ws = compute_weights(xn, ("critic",), np.zeros(5, dtype=int), 1, active=active)
    assert ws.final[2] == 0.0 and ws.final.sum() == pytest.approx(1.0)
    # identical to CRITIC on the four remaining columns
    np.testing.assert_allclose(ws.final[active], critic_weights(xn[:, active]).values)


# --------------------------------------------------------------------------- degenerate inputs


@pytest.mark.parametrize("name", ["entropy", "critic", "std", "pca"])
def test_constant_column_gets_weight_zero(name):
    x, dirs = _matrix(11, m=4)
    xn, _ = normalise(x, dirs, "minmax")
    xn[:, 2] = 0.5
    w = WEIGHTERS[name](xn + 1e-4)
    assert w.values[2] == 0.0
    assert w.details["constant"].tolist() == [False, False, True, False]
    assert np.isfinite(w.values).all() and w.values.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("name", ["entropy", "critic", "std", "pca"])
def test_all_constant_is_an_error(name):
    with pytest.raises(MethodError, match="constant"):
        WEIGHTERS[name](np.full((5, 3), 0.5))


def test_entropy_refuses_negative_values_naming_the_column():
    x = np.array([[-1.0, 1.0], [1.0, 2.0], [0.5, 3.0]])
    with pytest.raises(MethodError, match="rd_intensity"):
        entropy_weights(x, labels=["rd_intensity", "b"])


@pytest.mark.parametrize("name", ["entropy", "critic", "std"])
def test_one_row_is_an_error(name):
    with pytest.raises(MethodError, match="at least"):
        WEIGHTERS[name](np.array([[0.2, 0.4]]))
