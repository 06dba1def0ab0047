"""Normalisation and zero handling: hand-computed cases, directions, constants, fitted parameters."""

from __future__ import annotations

import numpy as np
import pytest

from nqp_lib.errors import ParameterError
from nqp_lib.measure.normalise import NORMALISERS, handle_zeros, normalise

# Two indicators over four rows: a is a benefit (+), c a cost (−).
X = np.array([[10.0, 4.0], [20.0, 2.0], [30.0, 2.5], [20.0, 3.0]])
DIRS = np.array([1.0, -1.0])


def test_minmax_by_hand():
    xn, params = normalise(X, DIRS, "minmax")
    # a: (x − 10)/(30 − 10) → 0, 0.5, 1, 0.5; c (cost): (4 − x)/(4 − 2) → 0, 1, 0.75, 0.5
    np.testing.assert_allclose(xn, [[0, 0], [0.5, 1], [1, 0.75], [0.5, 0.5]])
    np.testing.assert_allclose(params["min"], [10, 2])
    np.testing.assert_allclose(params["max"], [30, 4])


def test_zscore_by_hand_and_ddof():
    xn, _ = normalise(X, DIRS, "zscore", ddof=1)
    # a: mean 20, sample sd sqrt((100 + 0 + 100 + 0)/3) = 8.164966 → (−1.224745, 0, 1.224745, 0)
    np.testing.assert_allclose(xn[:, 0], [-1.224745, 0, 1.224745, 0], atol=1e-6)
    # c: mean 2.875, sample sd sqrt((1.265625 + 0.765625 + 0.140625 + 0.015625)/3) = 0.853913; cost flips the sign
    np.testing.assert_allclose(xn[:, 1], [-1.317465, 1.024695, 0.439155, -0.146385], atol=1e-6)
    xp, _ = normalise(X, DIRS, "zscore", ddof=0)
    # population sd of a = sqrt(200/4) = 7.071068 → 10/7.071068 = 1.414214
    np.testing.assert_allclose(xp[:, 0], [-1.414214, 0, 1.414214, 0], atol=1e-6)


def test_vector_by_hand():
    xn, _ = normalise(X, DIRS, "vector")
    # ‖a‖ = sqrt(100 + 400 + 900 + 400) = 42.426407; ‖c‖ = sqrt(16 + 4 + 6.25 + 9) = 5.937171
    np.testing.assert_allclose(xn[:, 0], np.array([10, 20, 30, 20]) / 42.426407, atol=1e-7)
    # cost: 1 − x/‖c‖ → 1 − 4/5.937171 = 0.326278, …
    np.testing.assert_allclose(xn[:, 1], 1 - np.array([4, 2, 2.5, 3]) / 5.937171, atol=1e-7)


def test_rank_by_hand_with_ties():
    xn, _ = normalise(X, DIRS, "rank")
    # a = 10, 20, 30, 20: ranks 1, 2.5, 4, 2.5 (ties averaged) → (r − 1)/3 = 0, 0.5, 1, 0.5
    np.testing.assert_allclose(xn[:, 0], [0, 0.5, 1, 0.5])
    # c (cost) = 4, 2, 2.5, 3: ascending ranks 4, 1, 2, 3 → 1 − (r − 1)/3 = 0, 1, 2/3, 1/3
    np.testing.assert_allclose(xn[:, 1], [0, 1, 2 / 3, 1 / 3])


def test_rank_transform_interpolates_and_is_bounded():
    _, params = normalise(X, DIRS, "rank")
    new = np.array([[25.0, 1.0], [5.0, 10.0]])
    xn, _ = normalise(new, DIRS, "rank", params=params)
    # 25 lies halfway between 20 (0.5) and 30 (1.0) → 0.75; 1.0 is below every fitted c → best → 1
    np.testing.assert_allclose(xn[0], [0.75, 1.0])
    np.testing.assert_allclose(xn[1], [0.0, 0.0])


def test_fitted_params_are_reused_outside_the_range():
    _, params = normalise(X, DIRS, "minmax")
    xn, _ = normalise(np.array([[40.0, 1.0]]), DIRS, "minmax", params=params)
    # (40 − 10)/20 = 1.5 and (4 − 1)/2 = 1.5: outside [0, 1], as documented
    np.testing.assert_allclose(xn, [[1.5, 1.5]])


@pytest.mark.parametrize("method, value", [("minmax", 0.5), ("rank", 0.5), ("zscore", 0.0)])
def test_constant_column_maps_to_a_documented_constant(method, value):
    x = np.array([[1.0, 7.0], [2.0, 7.0], [3.0, 7.0]])
    xn, params = normalise(x, np.array([1.0, 1.0]), method)
    assert params["constant"].tolist() == [False, True]
    np.testing.assert_allclose(xn[:, 1], value)
    assert np.isfinite(xn).all()


@pytest.mark.parametrize("method", list(NORMALISERS))
def test_direction_reverses_order(method):
    rng = np.random.default_rng(3)
    x = rng.uniform(1, 10, size=(20, 1))
    up, _ = normalise(x, np.array([1.0]), method)
    down, _ = normalise(x, np.array([-1.0]), method)
    order = np.argsort(x[:, 0])
    assert np.all(np.diff(up[order, 0]) > 0)
    assert np.all(np.diff(down[order, 0]) < 0)


def test_zero_handling():
    x = np.array([0.0, 0.00005, 0.5, 1.0])
    np.testing.assert_allclose(handle_zeros(x, "shift", 1e-4), [1e-4, 1.5e-4, 0.5001, 1.0001])
    # replace touches exact zeros only; 0.00005 stays (and now ranks below the replaced zero, as documented)
    np.testing.assert_allclose(handle_zeros(x, "replace", 1e-4), [1e-4, 0.00005, 0.5, 1.0])
    np.testing.assert_array_equal(handle_zeros(x, "none", 1e-4), x)


def test_unknown_names_are_parameter_errors():
    with pytest.raises(ParameterError, match="minmax, zscore, vector, rank"):
        normalise(X, DIRS, "maxmin")
    with pytest.raises(ParameterError, match="shift, replace, none"):
        handle_zeros(X, "drop")
