r"""σ-convergence and β-convergence (absolute, and conditional with unit and period fixed effects).

**σ-convergence**: the dispersion of the values falls over time. Per period we report the coefficient of
variation :math:`s/\bar y` and the standard deviation of :math:`\ln y` (both with ``ddof=0`` by default).

**β-convergence** regresses growth on the starting level. Growth is the **log difference between
consecutive periods**, :math:`g_{it} = \ln y_{i,t+1} - \ln y_{it}` (one period, T = 1; a unit missing a
period has no growth across the gap):

.. math::
    \text{absolute:}\quad g_{it} = \alpha + \beta \ln y_{it} + \varepsilon_{it}, \qquad
    \text{conditional:}\quad g_{it} = \beta \ln y_{it} + \gamma' x_{it} + \mu_i + \eta_t + \varepsilon_{it}.

The conditional model is estimated by the within (fixed-effects) estimator: every column (:math:`\ln y`,
controls, dummies of the starting period with the first one dropped) is demeaned by unit, which removes
:math:`\mu_i` exactly also in unbalanced panels (Frisch–Waugh–Lovell); :math:`\eta_t` enters as those
demeaned dummies. :math:`\beta < 0` indicates convergence, with speed :math:`\lambda = -\ln(1+\beta)/T`
per period and half-life :math:`\ln 2 / \lambda` periods.

Standard errors:

* conventional: :math:`\hat\sigma^2 (X'X)^{-1}` with :math:`\hat\sigma^2 = RSS/(N - K_{all})`, where
  :math:`K_{all}` counts every estimated parameter including the unit effects;
* cluster-robust by unit: :math:`c\,(X'X)^{-1} \big(\sum_g X_g' u_g u_g' X_g\big) (X'X)^{-1}` with
  :math:`c = \frac{G}{G-1} \frac{N-1}{N-K}`, :math:`G` units and :math:`K` the slopes, period dummies and the
  intercept but not the unit effects (the convention of Stata's ``xtreg, fe vce(cluster)``); p-values
  from :math:`t_{G-1}`. Conventional p-values use :math:`t_{N-K_{all}}`.

References
----------
Barro, R. J., & Sala-i-Martin, X. (1992). Convergence. *Journal of Political Economy* 100(2), 223–251.
Barro, R. J., & Sala-i-Martin, X. (2004). *Economic Growth*, 2nd ed., ch. 11. MIT Press.
Islam, N. (1995). Growth empirics: a panel data approach. *Quarterly Journal of Economics* 110(4), 1127–1170.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from nqp_lib.errors import DataError, MethodError, ParameterError
from nqp_lib.disparity.panel import by_period, naming_period, period_codes, transitions
from nqp_lib.disparity.validation import as_labels, as_values

GROWTH = "log difference between consecutive periods, ln y[t+1] - ln y[t] (T = 1 period)"


@dataclass(frozen=True)
class SigmaResult:
    """Dispersion by period.

    Attributes
    ----------
    table
        One row per period: ``period, n, mean, sd, cv, sd_log``.
    options
        ``ddof``.
    """

    table: pd.DataFrame
    options: dict = field(default_factory=dict)


def sigma_convergence(values: ArrayLike, periods: ArrayLike, *, ddof: int = 0) -> SigmaResult:
    r"""σ-convergence table: :math:`CV_t = s_t / \bar y_t` and :math:`\mathrm{sd}(\ln y)_t` per period.

    Parameters
    ----------
    values
        Strictly positive values (logs are taken).
    periods
        Period label per value.
    ddof
        Delta degrees of freedom of the standard deviations: 0 (default) or 1.
    """
    if ddof not in (0, 1):
        raise ParameterError(f"ddof must be 0 or 1, got {ddof!r}")
    y = as_values(values, domain="positive", measure="σ-convergence (sd of logs)")
    per = as_labels(periods, y.size, "periods")
    rows = []
    for period, idx in by_period(per):
        yp = y[idx]
        with naming_period(period):
            if yp.size <= ddof:
                raise MethodError(f"a standard deviation with ddof={ddof} needs more than {ddof} values")
        sd = float(np.std(yp, ddof=ddof))
        rows.append(
            {
                "period": period,
                "n": yp.size,
                "mean": float(yp.mean()),
                "sd": sd,
                "cv": sd / float(yp.mean()),
                "sd_log": float(np.std(np.log(yp), ddof=ddof)),
            }
        )
    return SigmaResult(pd.DataFrame(rows), {"ddof": ddof})


@dataclass(frozen=True)
class BetaResult:
    """A β-convergence regression.

    Attributes
    ----------
    model
        ``"absolute"`` or ``"conditional"``.
    beta
        Coefficient on :math:`\\ln y_{it}`.
    coefficients
        One row per reported term (``ln_y``, controls, and ``const`` for the absolute model): ``term,
        estimate, se, t, p, se_cluster, t_cluster, p_cluster``. Period dummies and unit effects are not
        reported.
    r2
        R² (absolute) or within R² (conditional: of the unit-demeaned regression).
    n_obs, n_units, n_periods
        Transitions used, units, distinct starting periods.
    speed, half_life
        :math:`\\lambda = -\\ln(1+\\beta)` per period and :math:`\\ln 2/\\lambda`; ``speed`` is negative
        when β > 0 (divergence) and ``None`` when β ≤ −1; ``half_life`` is ``None`` unless λ > 0.
    converging
        ``-1 < beta < 0``.
    growth
        How growth was measured.
    options
        ``fixed_effects`` (``()`` or ``("unit", "period")``), ``controls``, ``se`` conventions.
    """

    model: str
    beta: float
    coefficients: pd.DataFrame
    r2: float
    n_obs: int
    n_units: int
    n_periods: int
    speed: float | None
    half_life: float | None
    converging: bool
    growth: str = GROWTH
    options: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row: model, the β line of :attr:`coefficients`, fit, speed and half-life."""
        b = self.coefficients.set_index("term").loc["ln_y"]
        return pd.DataFrame(
            [
                {
                    "model": self.model,
                    "beta": self.beta,
                    "se": b["se"],
                    "t": b["t"],
                    "p": b["p"],
                    "se_cluster": b["se_cluster"],
                    "t_cluster": b["t_cluster"],
                    "p_cluster": b["p_cluster"],
                    "r2": self.r2,
                    "n_obs": self.n_obs,
                    "n_units": self.n_units,
                    "n_periods": self.n_periods,
                    "speed": self.speed,
                    "half_life": self.half_life,
                    "converging": self.converging,
                    "fixed_effects": "+".join(self.options.get("fixed_effects", ())) or "none",
                    "controls": ",".join(self.options.get("controls", ())),
                }
            ]
        )


def _demean(matrix: np.ndarray, codes: np.ndarray, groups: int) -> np.ndarray:
    counts = np.bincount(codes, minlength=groups).astype(float)
    sums = np.zeros((groups, matrix.shape[1]))
    np.add.at(sums, codes, matrix)
    return matrix - (sums / counts[:, None])[codes]


def ols(
    y: np.ndarray, X: np.ndarray, clusters: np.ndarray, *, df_resid: int, k_cluster: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """OLS coefficients, residuals, conventional and cluster-robust covariance matrices.

    ``df_resid`` is the residual degrees of freedom for the conventional variance; ``k_cluster`` the K of the
    cluster correction :math:`c = G/(G-1) \\cdot (N-1)/(N-K)`.
    """
    coef, _, rank, _ = np.linalg.lstsq(X, y, rcond=None)
    if rank < X.shape[1]:
        raise MethodError("the regressors are collinear (e.g. a control constant within units); drop one")
    resid = y - X @ coef
    bread = np.linalg.inv(X.T @ X)
    conventional = bread * float(resid @ resid) / df_resid
    n_clusters = int(clusters.max()) + 1
    scores = np.zeros((n_clusters, X.shape[1]))
    np.add.at(scores, clusters, X * resid[:, None])
    c = n_clusters / (n_clusters - 1) * (y.size - 1) / (y.size - k_cluster)
    robust = c * bread @ (scores.T @ scores) @ bread
    return coef, resid, conventional, robust


def _controls(controls: ArrayLike | pd.DataFrame | None, n: int) -> tuple[np.ndarray, tuple[str, ...]]:
    if controls is None:
        return np.empty((n, 0)), ()
    if isinstance(controls, pd.DataFrame):
        names = tuple(map(str, controls.columns))
        columns = [as_values(controls[c], f"control {c}", measure="β-convergence") for c in controls.columns]
        matrix = np.column_stack(columns) if columns else np.empty((n, 0))
    else:
        matrix = np.asarray(controls, dtype=float)
        matrix = matrix[:, None] if matrix.ndim == 1 else matrix
        names = tuple(f"control_{j + 1}" for j in range(matrix.shape[1]))
        for j in range(matrix.shape[1]):
            as_values(matrix[:, j], names[j], measure="β-convergence")
    if matrix.shape[0] != n:
        raise DataError(f"controls: {matrix.shape[0]} rows for {n} values; give one row per value")
    return matrix, names


def beta_convergence(
    values: ArrayLike,
    units: ArrayLike,
    periods: ArrayLike,
    *,
    fixed_effects: bool = False,
    controls: ArrayLike | pd.DataFrame | None = None,
) -> BetaResult:
    """Absolute (pooled OLS) or conditional (unit and period fixed effects) β-convergence.

    Parameters
    ----------
    values, units, periods
        One row per unit-period; values strictly positive.
    fixed_effects
        False: absolute β, :math:`g = \\alpha + \\beta \\ln y`. True: conditional β with unit and period fixed
        effects (within estimator).
    controls
        Optional regressors measured at the start of each transition (DataFrame, or array with one row per
        value); they make the model conditional also without fixed effects.

    Returns
    -------
    BetaResult

    See the module docstring for growth, speed, half-life and the standard errors.
    """
    y = as_values(values, domain="positive", measure="β-convergence (logs)")
    u = as_labels(units, y.size, "units")
    per = as_labels(periods, y.size, "periods")
    control_matrix, names = _controls(controls, y.size)
    start, end = transitions(u, per)
    n = start.size
    log_y = np.log(y)
    growth = log_y[end] - log_y[start]
    unit_codes, _ = pd.factorize(pd.Series(u[start], dtype=object), sort=True)
    n_units = int(unit_codes.max()) + 1 if n else 0
    start_periods = period_codes(per)[0][start]
    period_index, _ = pd.factorize(start_periods, sort=True)
    n_periods = int(period_index.max()) + 1 if n else 0
    slopes = np.column_stack([log_y[start], control_matrix[start]])
    if fixed_effects:
        dummies = (period_index[:, None] == np.arange(1, n_periods)[None, :]).astype(float)
        X = _demean(np.column_stack([slopes, dummies]), unit_codes, n_units)
        target = _demean(growth[:, None], unit_codes, n_units)[:, 0]
        k_cluster = X.shape[1] + 1
        k_all = X.shape[1] + n_units
        terms = ("ln_y", *names)
    else:
        X = np.column_stack([slopes, np.ones(n)])
        target = growth
        k_cluster = k_all = X.shape[1]
        terms = ("ln_y", *names, "const")
    if n_units < 2 or n <= k_all:
        raise MethodError(
            f"β-convergence needs more transitions than parameters and at least 2 units; got {n} transitions, "
            f"{n_units} units, {k_all} parameters"
        )
    from scipy import stats  # imported here: scipy.stats costs ~0.6 s at start-up of every nqp command

    coef, resid, conventional, robust = ols(target, X, unit_codes, df_resid=n - k_all, k_cluster=k_cluster)
    r2 = 1.0 - float(resid @ resid) / float(((target - target.mean()) ** 2).sum())
    keep = [*range(slopes.shape[1]), *([X.shape[1] - 1] if not fixed_effects else [])]
    se = np.sqrt(np.diag(conventional)[keep])
    se_c = np.sqrt(np.diag(robust)[keep])
    est = coef[keep]
    table = pd.DataFrame(
        {
            "term": terms,
            "estimate": est,
            "se": se,
            "t": est / se,
            "p": 2 * stats.t.sf(np.abs(est / se), n - k_all),
            "se_cluster": se_c,
            "t_cluster": est / se_c,
            "p_cluster": 2 * stats.t.sf(np.abs(est / se_c), n_units - 1),
        }
    )
    beta = float(coef[0])
    speed = float(-np.log1p(beta)) if beta > -1 else None
    return BetaResult(
        model="conditional" if fixed_effects or names else "absolute",
        beta=beta,
        coefficients=table,
        r2=r2,
        n_obs=n,
        n_units=n_units,
        n_periods=n_periods,
        speed=speed,
        half_life=float(np.log(2) / speed) if speed is not None and speed > 0 else None,
        converging=bool(-1 < beta < 0),
        options={
            "fixed_effects": ("unit", "period") if fixed_effects else (),
            "controls": names,
            "se": "conventional (df N-K_all) and cluster-robust by unit (xtreg-style c = G/(G-1)(N-1)/(N-K))",
        },
    )
