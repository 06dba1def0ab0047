"""Aggregation: hand-computed cases, TOPSIS against pymcdm and pyrepo-mcda, batching and identities."""

from __future__ import annotations

import numpy as np
import pytest
from pymcdm.methods import TOPSIS as PymcdmTOPSIS
from pyrepo_mcda.mcda_methods import TOPSIS as PyrepoTOPSIS
from pyrepo_mcda.normalizations import minmax_normalization as pyrepo_minmax

from nqp_lib.errors import MethodError, ParameterError
from nqp_lib.measure.aggregate import aggregator, score_block, topsis, weighted_geometric, weighted_sum
from nqp_lib.measure.normalise import normalise

# normalised matrix of three units: a = (0, 0.5, 1), c = (0, 1, 0.75); equal weights
XN = np.array([[0.0, 0.0], [0.5, 1.0], [1.0, 0.75]])
W = np.array([[0.5, 0.5]])


def test_weighted_sum_by_hand():
    # 0.5·0 + 0.5·0 = 0; 0.5·0.5 + 0.5·1 = 0.75; 0.5·1 + 0.5·0.75 = 0.875
    np.testing.assert_allclose(weighted_sum(XN, W).scores[:, 0], [0.0, 0.75, 0.875])


def test_weighted_geometric_by_hand():
    # sqrt(0·0) = 0 (a zero on a weighted indicator); sqrt(0.5·1) = 0.707107; sqrt(1·0.75) = 0.866025
    np.testing.assert_allclose(weighted_geometric(XN, W).scores[:, 0], [0.0, 0.707107, 0.866025], atol=1e-6)
    # weight 0 on the zero: 0^0 = 1, so only a counts: 0, 0.5, 1
    np.testing.assert_allclose(weighted_geometric(XN, np.array([[1.0, 0.0]])).scores[:, 0], [0.0, 0.5, 1.0])


def test_geometric_refuses_negative_values():
    with pytest.raises(MethodError, match="non-negative"):
        weighted_geometric(np.array([[-0.5, 1.0], [1.0, 1.0]]), W)


def test_topsis_by_hand():
    a = topsis(XN, W)
    # ideal (1, 1), anti-ideal (0, 0) on the x' scale; weighted: D± = sqrt(Σ w² (x − x±)²)
    # u0: D+ = sqrt(0.25 + 0.25) = 0.707107, D− = 0 → 0
    # u1: D+ = sqrt(0.25·0.25) = 0.25, D− = sqrt(0.25·0.25 + 0.25·1) = 0.559017 → 0.559017/0.809017 = 0.690983
    # u2: D+ = sqrt(0.25·0.0625) = 0.125, D− = sqrt(0.25 + 0.25·0.5625) = 0.625 → 0.625/0.75 = 0.833333
    np.testing.assert_allclose(a.d_plus[:, 0], [0.707107, 0.25, 0.125], atol=1e-6)
    np.testing.assert_allclose(a.d_minus[:, 0], [0.0, 0.559017, 0.625], atol=1e-6)
    np.testing.assert_allclose(a.scores[:, 0], [0.0, 0.690983, 0.833333], atol=1e-6)
    np.testing.assert_allclose(a.best, [1.0, 1.0])
    np.testing.assert_allclose(a.worst, [0.0, 0.0])


def test_topsis_all_constant_rows_score_half():
    x = np.array([[0.5, 0.5], [0.5, 0.5]])
    np.testing.assert_allclose(topsis(x, W).scores[:, 0], [0.5, 0.5])


def _raw(seed: int, n: int = 50, m: int = 7):
    rng = np.random.default_rng(seed)
    x = rng.lognormal(2.0, 0.7, size=(n, m))  # no zeros
    types = np.where(np.arange(m) % 3 == 1, -1, 1)
    w = rng.dirichlet(np.ones(m))
    return x, types, w


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_topsis_matches_pymcdm_and_pyrepo(seed):
    # Both libraries min-max normalise with directions (cost: (max − x)/(max − min)) exactly as nqp does,
    # then take ideal/anti-ideal as the column max/min of the weighted matrix: the conventions coincide.
    x, types, w = _raw(seed)
    xn, _ = normalise(x, types.astype(float), "minmax")
    ours = topsis(xn, w[None, :]).scores[:, 0]
    np.testing.assert_allclose(ours, PymcdmTOPSIS()(x, w, types), rtol=1e-10)
    np.testing.assert_allclose(ours, PyrepoTOPSIS(normalization_method=pyrepo_minmax)(x, w, types), rtol=1e-10)


def test_batched_equals_one_at_a_time():
    x, types, _ = _raw(5)
    xn, _ = normalise(x, types.astype(float), "minmax")
    rng = np.random.default_rng(0)
    wb = rng.dirichlet(np.ones(x.shape[1]), size=9)
    for name in ("sum", "geometric", "topsis"):
        batch = aggregator(name)(xn + 1e-4, wb).scores
        for d in range(9):
            one = aggregator(name)(xn + 1e-4, wb[d : d + 1]).scores[:, 0]
            np.testing.assert_allclose(batch[:, d], one, rtol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_closeness_in_unit_interval(seed):
    x, types, w = _raw(seed)
    xn, _ = normalise(x, types.astype(float), "zscore")
    c = topsis(xn, w[None, :]).scores
    assert (c >= 0).all() and (c <= 1).all()


@pytest.mark.parametrize("method", ["sum", "geometric", "topsis"])
def test_hierarchical_scores(method):
    x, types, _ = _raw(8, m=6)
    xn, _ = normalise(x, types.astype(float), "minmax")
    xn = xn + 1e-4
    dims = np.array([0, 0, 1, 1, 1, 2])
    within = np.array([[0.3, 0.7, 0.2, 0.3, 0.5, 1.0]])
    dim_w = np.array([[0.5, 0.3, 0.2]])
    final = within * dim_w[:, dims]
    sc = score_block(xn, final, within, dim_w, dims, 3, method, "hierarchical")
    s = sc.dimensions[:, :, 0]
    if method == "sum":  # Σ_k W_k S_k
        np.testing.assert_allclose(sc.total[:, 0], s @ dim_w[0])
    elif method == "geometric":  # Π_k S_k^{W_k}
        np.testing.assert_allclose(sc.total[:, 0], np.prod(s ** dim_w[0], axis=1))
    else:  # TOPSIS on the dimension closeness values
        np.testing.assert_allclose(sc.total[:, 0], topsis(s, dim_w).scores[:, 0])
    # a dimension's score is the aggregate of its own indicators with the within weights
    np.testing.assert_allclose(s[:, 1], aggregator(method)(xn[:, 2:5], within[:, 2:5]).scores[:, 0])


def test_unknown_aggregator():
    with pytest.raises(ParameterError, match="sum, geometric, topsis"):
        aggregator("median")
