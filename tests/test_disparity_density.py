"""Kernel density: bandwidth rules by hand and against scipy, densities, peaks, common grid, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from nqp_lib.disparity import bandwidth, kernel_density
from nqp_lib.disparity.density import density_peaks, gaussian_density, half_max_width
from nqp_lib.errors import MethodError, ParameterError


def test_silverman_bandwidth_by_hand():
    # y = 1..5: s = sqrt(10/4) = 1.5811, IQR = 4 − 2 = 2 → 2/1.34 = 1.4925 < s; h = 0.9·1.4925·5^(−1/5).
    assert bandwidth([1, 2, 3, 4, 5]) == pytest.approx(0.9 * (2 / 1.34) * 5 ** -0.2, rel=1e-14)
    # y = 0, 0, 0, 10: s = 5 (sample), IQR = 2.5 − 0 = 2.5 → 1.8657 < 5; h = 0.9·1.8657·4^(−1/5).
    assert bandwidth([0, 0, 0, 10]) == pytest.approx(0.9 * (2.5 / 1.34) * 4 ** -0.2, rel=1e-14)
    # IQR = 0 (y = 0, 1, 1, 1, 1, 1, 2): Silverman falls back to s = sqrt(2/6).
    assert bandwidth([0, 1, 1, 1, 1, 1, 2]) == pytest.approx(0.9 * math.sqrt(2 / 6) * 7 ** -0.2, rel=1e-14)


def test_scott_bandwidth_is_scipys_and_fixed_is_passed_through():
    y = np.random.default_rng(0).normal(size=50)
    kde = stats.gaussian_kde(y, bw_method="scott")
    assert bandwidth(y, "scott") == pytest.approx(math.sqrt(kde.covariance[0, 0]), rel=1e-12)
    assert bandwidth(y, 0.3) == 0.3


def test_density_values_by_hand_and_against_scipy():
    # one point at 0, h = 1: f(0) = φ(0) = 1/sqrt(2π); two points at 0 and 2: f(1) = φ(1) = e^(−1/2)/sqrt(2π).
    assert gaussian_density(np.array([0.0]), np.array([0.0]), 1.0)[0] == pytest.approx(1 / math.sqrt(2 * math.pi))
    assert gaussian_density(np.array([0.0, 2.0]), np.array([1.0]), 1.0)[0] == pytest.approx(
        math.exp(-0.5) / math.sqrt(2 * math.pi)
    )
    rng = np.random.default_rng(1)
    y = rng.lognormal(size=80)
    for rule in ("silverman", "scott"):
        r = kernel_density(y, np.zeros(80), bandwidth_rule=rule)
        h = r.summary["bandwidth"].iloc[0]
        scipy_kde = stats.gaussian_kde(y, bw_method=h / np.std(y, ddof=1))
        assert r.density["density"].to_numpy() == pytest.approx(scipy_kde(r.grid), rel=1e-10, abs=1e-14)


def test_density_integrates_to_one_on_common_grid():
    rng = np.random.default_rng(2)
    y = np.concatenate([rng.normal(0, 1, 100), rng.normal(3, 0.5, 60)])
    periods = np.repeat([2020, 2021], [100, 60])
    r = kernel_density(y, periods, grid_size=400)
    assert r.grid.size == 400
    assert r.grid[0] == pytest.approx(y.min() - 3 * r.summary["bandwidth"].max())
    for _, curve in r.density.groupby("period"):
        assert curve["x"].to_numpy() == pytest.approx(r.grid)  # the same grid for every period
        assert np.trapezoid(curve["density"], curve["x"]) == pytest.approx(1.0, abs=5e-3)


def test_peak_summary_for_two_clusters():
    # values 0, 0, 5 with fixed h = 0.5: the grid runs from −1.5 to 6.5; with 161 points its step is 0.05 so
    # 0 is a grid point. Main peak at 0 with height (2/3)·φ(0)/0.5 (the other point is 10 h away);
    # its width at half maximum is that of a normal with sd h: 2·sqrt(2 ln 2)·0.5 = 1.1774.
    r = kernel_density([0.0, 0.0, 5.0], [1, 1, 1], bandwidth_rule=0.5, grid_size=161)
    s = r.summary.iloc[0]
    assert s["peak_x"] == pytest.approx(0.0, abs=1e-12)
    assert s["peak_height"] == pytest.approx(2 / 3 / (0.5 * math.sqrt(2 * math.pi)), rel=1e-9)
    assert s["peak_width"] == pytest.approx(2 * math.sqrt(2 * math.log(2)) * 0.5, abs=2e-3)
    assert s["n_peaks"] == 2  # the side peak at 5 has half the main height
    r = kernel_density([0.0, 0.0, 5.0], [1, 1, 1], bandwidth_rule=0.5, grid_size=161, min_prominence=0.6)
    assert r.summary["n_peaks"].iloc[0] == 1
    assert r.options == {"bandwidth": 0.5, "kernel": "gaussian", "grid_size": 161, "cut": 3.0, "min_prominence": 0.6,
                         "ddof": 0}


def test_peak_helpers_on_a_known_curve():
    grid = np.linspace(-3, 3, 601)
    f = np.exp(-0.5 * grid**2)  # peak at 0, half maximum at ±sqrt(2 ln 2)
    assert density_peaks(grid, f).tolist() == [300]
    assert half_max_width(grid, f, 300) == pytest.approx(2 * math.sqrt(2 * math.log(2)), abs=1e-4)
    plateau = np.array([0.0, 1.0, 2.0, 2.0, 1.0, 0.0])
    assert density_peaks(np.arange(6.0), plateau).tolist() == [2]


def test_row_order_does_not_matter():
    rng = np.random.default_rng(4)
    y, p = rng.normal(size=60), np.repeat([1, 2, 3], 20)
    perm = rng.permutation(60)
    a, b = kernel_density(y, p), kernel_density(y[perm], p[perm])
    assert b.density["density"].to_numpy() == pytest.approx(a.density["density"].to_numpy(), rel=1e-12)
    assert b.summary["n_peaks"].tolist() == a.summary["n_peaks"].tolist()


def test_errors():
    with pytest.raises(MethodError, match="period 2: .*at least 2 values.*fixed bandwidth"):
        kernel_density([1.0, 2.0, 3.0], [1, 1, 2])
    assert kernel_density([1.0, 2.0, 3.0], [1, 1, 2], bandwidth_rule=0.5).summary["n"].tolist() == [2, 1]
    with pytest.raises(MethodError, match="all values are equal"):
        bandwidth([2, 2, 2])
    with pytest.raises(ParameterError, match="bandwidth must be"):
        bandwidth([1, 2, 3], "nrd0")
    with pytest.raises(ParameterError, match="bandwidth must be"):
        bandwidth([1, 2, 3], -1.0)
    with pytest.raises(ParameterError, match="grid_size"):
        kernel_density([1.0, 2.0], [1, 1], grid_size=2)


def test_epanechnikov_kernel_by_hand_and_as_the_textbook_form():
    from nqp_lib.disparity.density import kernel_curve

    # one point at 0, h = 1: f(0) = 3/(4√5); f(1) = 3/(4√5)·(1 − 1/5); zero from |x| ≥ √5 on
    f = kernel_curve(np.array([0.0]), np.array([0.0, 1.0, math.sqrt(5), 3.0]), 1.0, "epanechnikov")
    assert f.tolist() == pytest.approx([0.75 / math.sqrt(5), 0.75 / math.sqrt(5) * 0.8, 0.0, 0.0], abs=1e-15)
    # the textbook kernel ¾(1 − v²) on |v| < 1 with bandwidth √5·h is the same curve
    rng = np.random.default_rng(5)
    y, grid, h = rng.normal(size=40), np.linspace(-4, 4, 81), 0.4
    v = (grid[None, :] - y[:, None]) / (math.sqrt(5) * h)
    textbook = (0.75 * (1 - v**2) * (np.abs(v) < 1)).sum(axis=0) / (y.size * math.sqrt(5) * h)
    assert kernel_curve(y, grid, h, "epanechnikov") == pytest.approx(textbook, abs=1e-14)
    r = kernel_density(y, np.zeros(40), kernel="epanechnikov", grid_size=2001)
    assert r.options["kernel"] == "epanechnikov"
    assert np.trapezoid(r.density["density"], r.density["x"]) == pytest.approx(1.0, abs=1e-4)
    # unit variance: ∫ u² K(u) du = 1 for both kernels
    u = np.linspace(-6, 6, 120_001)
    from nqp_lib.disparity.density import kernel_values
    for kernel in ("gaussian", "epanechnikov"):
        assert np.trapezoid(u * u * kernel_values(u, kernel), u) == pytest.approx(1.0, abs=1e-6)


def test_peaks_need_prominence():
    from nqp_lib.disparity.density import density_peaks

    x = np.linspace(0, 10, 1001)
    bump = lambda centre, height, width: height * np.exp(-0.5 * ((x - centre) / width) ** 2)  # noqa: E731
    # main peak 1.0 at 3; a second mode 0.3 high at 7 (prominence ≈ 0.3); a wiggle 0.02 high at 5.5, in the valley
    f = bump(3, 1.0, 0.8) + bump(7, 0.3, 0.5) + bump(5.5, 0.02, 0.05)
    assert len(density_peaks(x, f, 0.0)) == 3  # every local maximum
    assert x[density_peaks(x, f, 0.05)].tolist() == pytest.approx([3.0, 7.0], abs=0.02)  # the wiggle does not count
    assert x[density_peaks(x, f, 0.5)].tolist() == pytest.approx([3.0], abs=0.02)


def test_sd_shown_follows_ddof():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    # Σ(y − 2.5)² = 5: population sd √(5/4), sample sd √(5/3)
    assert kernel_density(y, np.zeros(4)).summary["sd"].iloc[0] == pytest.approx(math.sqrt(5 / 4))
    assert kernel_density(y, np.zeros(4), ddof=1).summary["sd"].iloc[0] == pytest.approx(math.sqrt(5 / 3))
    with pytest.raises(ParameterError, match="kernel must be one of"):
        kernel_density(y, np.zeros(4), kernel="triangular")
    with pytest.raises(ParameterError, match="min_prominence"):
        kernel_density(y, np.zeros(4), min_prominence=2)


def test_peaks_and_prominences_match_scipy():
    from scipy.signal import find_peaks, peak_prominences

    from nqp_lib.disparity.density import local_maxima, prominences

    rng = np.random.default_rng(8)
    for _ in range(20):
        f = np.round(rng.random(60), 1)  # rounding makes plateaus
        ours, theirs = local_maxima(f), find_peaks(f)[0]
        assert ours.tolist() == theirs.tolist()
        assert prominences(f, ours) == pytest.approx(peak_prominences(f, theirs)[0], abs=1e-15)
        assert density_peaks(np.arange(60.0), f, 0.3).tolist() == find_peaks(f, prominence=0.3 * f.max())[0].tolist()
