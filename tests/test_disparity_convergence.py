"""σ- and β-convergence: exact recoveries, the within estimator against explicit dummies, standard errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from nqp_lib.disparity import beta_convergence, sigma_convergence
from nqp_lib.errors import DataError, MethodError, ParameterError


def test_sigma_by_hand():
    # 2020: y = 1, e → logs 0, 1: sd_log = 0.5 (ddof 0); mean (1+e)/2, sd (e−1)/2.
    # 2021: y = 2, 4, 6 → CV = sqrt(8/3)/4.
    r = sigma_convergence([1, math.e, 2, 4, 6], [2020, 2020, 2021, 2021, 2021])
    t = r.table.set_index("period")
    assert t.at[2020, "sd_log"] == pytest.approx(0.5, abs=1e-15)
    assert t.at[2020, "cv"] == pytest.approx((math.e - 1) / (math.e + 1), abs=1e-15)
    assert t.at[2021, "cv"] == pytest.approx(math.sqrt(8 / 3) / 4, abs=1e-15)
    r1 = sigma_convergence([1, math.e, 2, 4, 6], [2020, 2020, 2021, 2021, 2021], ddof=1)
    assert r1.table.set_index("period").at[2020, "sd_log"] == pytest.approx(math.sqrt(0.5), abs=1e-15)
    assert r1.options == {"ddof": 1}


def _exact_panel(beta: float, alpha: float, n_units: int = 6, n_periods: int = 5) -> pd.DataFrame:
    # ln y[t+1] − ln y[t] = alpha + beta · ln y[t] exactly
    rows = []
    for i in range(n_units):
        log_y = 0.3 * i - 0.5
        for t in range(n_periods):
            rows.append((f"u{i}", 2000 + t, math.exp(log_y)))
            log_y = log_y + alpha + beta * log_y
    return pd.DataFrame(rows, columns=["unit", "year", "y"])


def test_absolute_beta_recovers_an_exact_process_with_speed_and_half_life():
    p = _exact_panel(beta=-0.2, alpha=0.1)
    r = beta_convergence(p["y"], p["unit"], p["year"])
    assert r.beta == pytest.approx(-0.2, abs=1e-12)
    const = r.coefficients.set_index("term").at["const", "estimate"]
    assert const == pytest.approx(0.1, abs=1e-12)
    # λ = −ln(1 − 0.2) = 0.223144 per period; half-life = ln 2 / λ = 3.106 periods.
    assert r.speed == pytest.approx(-math.log(0.8), abs=1e-12)
    assert r.half_life == pytest.approx(math.log(2) / -math.log(0.8), abs=1e-10)
    assert r.converging and r.model == "absolute" and r.r2 == pytest.approx(1.0)
    assert (r.n_obs, r.n_units, r.n_periods) == (24, 6, 4)
    assert "log difference" in r.growth


def test_divergence_has_no_half_life():
    p = _exact_panel(beta=0.05, alpha=0.0)
    r = beta_convergence(p["y"], p["unit"], p["year"])
    assert r.beta == pytest.approx(0.05, abs=1e-12)
    assert not r.converging and r.half_life is None and r.speed == pytest.approx(-math.log(1.05))


def _random_panel(seed: int, n_units: int = 25, n_periods: int = 8, drop: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_units):
        log_y = rng.normal(0, 1)
        for t in range(n_periods):
            rows.append((f"u{i:02d}", 2010 + t, math.exp(log_y), rng.normal()))
            log_y = log_y + 0.05 * i / n_units - 0.15 * log_y + rng.normal(0, 0.1)
    frame = pd.DataFrame(rows, columns=["unit", "year", "y", "x"])
    return frame.drop(index=rng.choice(len(frame), drop, replace=False)).reset_index(drop=True)  # unbalanced


def _oracle_two_way(frame: pd.DataFrame, controls: bool):
    """Explicit unit and year dummies, numpy lstsq: growth on ln y (+ x), conventional and cluster SEs."""
    f = frame.sort_values(["unit", "year"]).reset_index(drop=True)
    f["next_y"] = f.groupby("unit")["y"].shift(-1)
    f["next_year"] = f.groupby("unit")["year"].shift(-1)
    years = sorted(frame["year"].unique())
    following = {a: b for a, b in zip(years, years[1:])}
    f = f[f["next_year"] == f["year"].map(following)]
    g = np.log(f["next_y"].to_numpy()) - np.log(f["y"].to_numpy())
    slopes = [np.log(f["y"].to_numpy())] + ([f["x"].to_numpy()] if controls else [])
    unit_d = pd.get_dummies(f["unit"]).to_numpy(dtype=float)  # all units: absorbs the constant
    year_d = pd.get_dummies(f["year"]).to_numpy(dtype=float)[:, 1:]  # drop the first starting year
    X = np.column_stack(slopes + [year_d, unit_d])
    coef, *_ = np.linalg.lstsq(X, g, rcond=None)
    u = g - X @ coef
    n, k_all = X.shape
    xtx_inv = np.linalg.inv(X.T @ X)
    se = np.sqrt(np.diag(xtx_inv) * (u @ u) / (n - k_all))
    meat = np.zeros((k_all, k_all))
    for unit in f["unit"].unique():
        rows = (f["unit"] == unit).to_numpy()
        s = X[rows].T @ u[rows]
        meat += np.outer(s, s)
    n_clusters = f["unit"].nunique()
    k_slopes = len(slopes) + year_d.shape[1] + 1  # slopes, year dummies and the intercept (xtreg-style)
    c = n_clusters / (n_clusters - 1) * (n - 1) / (n - k_slopes)
    se_cluster = np.sqrt(np.diag(c * xtx_inv @ meat @ xtx_inv))
    return coef[: len(slopes)], se[: len(slopes)], se_cluster[: len(slopes)], n, k_all


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("with_controls", [False, True])
def test_within_estimator_equals_explicit_dummies(seed, with_controls):
    frame = _random_panel(seed)
    controls = frame[["x"]] if with_controls else None
    r = beta_convergence(frame["y"], frame["unit"], frame["year"], fixed_effects=True, controls=controls)
    coef, se, se_cluster, n, k_all = _oracle_two_way(frame, with_controls)
    table = r.coefficients
    assert table["estimate"].to_numpy() == pytest.approx(coef, rel=1e-9)
    assert table["se"].to_numpy() == pytest.approx(se, rel=1e-9)
    assert table["se_cluster"].to_numpy() == pytest.approx(se_cluster, rel=1e-9)
    assert r.n_obs == n and r.model == "conditional"
    assert table["p"].to_numpy() == pytest.approx(2 * stats.t.sf(np.abs(coef / se), n - k_all), rel=1e-9)
    assert table["p_cluster"].to_numpy() == pytest.approx(2 * stats.t.sf(np.abs(coef / se_cluster), 24), rel=1e-9)
    assert table["term"].tolist() == (["ln_y", "x"] if with_controls else ["ln_y"])
    assert r.options["fixed_effects"] == ("unit", "period")


def test_absolute_beta_standard_errors_against_loops():
    frame = _random_panel(3, drop=0)
    r = beta_convergence(frame["y"], frame["unit"], frame["year"])
    f = frame.sort_values(["unit", "year"])
    ly = np.log(f["y"].to_numpy()).reshape(25, 8)
    x, g = ly[:, :-1].ravel(), np.diff(ly, axis=1).ravel()
    slope, intercept, _, _, stderr = stats.linregress(x, g)
    assert r.beta == pytest.approx(slope, rel=1e-10)
    assert r.coefficients.set_index("term").at["const", "estimate"] == pytest.approx(intercept, rel=1e-10)
    assert r.coefficients["se"].iloc[0] == pytest.approx(stderr, rel=1e-10)
    # cluster-robust by unit: sandwich over the 25 units, c = G/(G−1)·(N−1)/(N−2)
    X = np.column_stack([x, np.ones_like(x)])
    u = g - X @ np.array([slope, intercept])
    bread = np.linalg.inv(X.T @ X)
    scores = [X[i * 7 : i * 7 + 7].T @ u[i * 7 : i * 7 + 7] for i in range(25)]  # 7 transitions per unit
    meat = sum(np.outer(s, s) for s in scores)
    c = 25 / 24 * (175 - 1) / (175 - 2)
    assert r.coefficients["se_cluster"].iloc[0] == pytest.approx(math.sqrt((c * bread @ meat @ bread)[0, 0]), rel=1e-10)


def test_row_order_does_not_matter():
    frame = _random_panel(4)
    shuffled = frame.sample(frac=1.0, random_state=1)
    for fe in (False, True):
        a = beta_convergence(frame["y"], frame["unit"], frame["year"], fixed_effects=fe).to_frame()
        b = beta_convergence(shuffled["y"], shuffled["unit"], shuffled["year"], fixed_effects=fe).to_frame()
        numeric = a.select_dtypes("number").columns
        assert b[numeric].to_numpy(dtype=float) == pytest.approx(a[numeric].to_numpy(dtype=float), rel=1e-10)


def test_errors():
    with pytest.raises(MethodError, match="β-convergence.*strictly positive.*position 1"):
        beta_convergence([1.0, 0.0, 2.0, 3.0], ["a", "a", "b", "b"], [1, 2, 1, 2])
    with pytest.raises(MethodError, match="σ-convergence.*strictly positive"):
        sigma_convergence([1.0, -1.0], [1, 1])
    with pytest.raises(MethodError, match="more transitions than parameters"):
        beta_convergence([1.0, 2.0, 3.0, 4.0], ["a", "a", "b", "b"], [1, 2, 1, 2], fixed_effects=True)
    with pytest.raises(DataError, match="controls: 2 rows for 4 values"):
        beta_convergence([1.0, 2.0, 3.0, 4.0], ["a", "a", "b", "b"], [1, 2, 1, 2], controls=np.ones(2))
    with pytest.raises(ParameterError, match="ddof"):
        sigma_convergence([1.0, 2.0], [1, 1], ddof=2)
    frame = _random_panel(5)
    constant = pd.DataFrame({"c": frame["unit"].str[1:].astype(float)})  # constant within units
    with pytest.raises(MethodError, match="collinear"):
        beta_convergence(frame["y"], frame["unit"], frame["year"], fixed_effects=True, controls=constant)
