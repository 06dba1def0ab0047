"""The facts one sentence of interpretation needs, computed from a disparity result.

A report states each chart's finding in one sentence ("the between-region gap explains 69% of the Gini in
2023, down from 73% in 2012"). The wording lives with the report's prose; this module only reads the
numbers off the results, so every number in such a sentence is computed, in any language. Each function
takes a result of :mod:`nqp_lib.disparity` and returns a frozen dataclass of plain numbers and labels.

* :func:`dagum_facts` — Gini and the shares of its three parts, first and last period; the pair of groups
  contributing most; the group with the widest and narrowest internal gap (:class:`DagumFacts`).
* :func:`density_facts` — where the main peak sits, how wide the distribution is, how many peaks
  (:class:`DensityFacts`).
* :func:`markov_facts` — persistence and mobility of a classic chain (:class:`MarkovFacts`).
* :func:`spatial_markov_facts` — how the chance of moving up depends on the neighbours' class
  (:class:`SpatialMarkovFacts`).
* :func:`sigma_facts`, :func:`beta_facts` — σ- and β-convergence (:class:`SigmaFacts`, :class:`BetaFacts`).

"First" and "last" are the first and last period of the result; shares are fractions (0.69, not 69).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nqp_lib.disparity.convergence import BetaResult, SigmaResult
from nqp_lib.disparity.dagum import DagumByPeriod
from nqp_lib.disparity.density import DensityResult
from nqp_lib.disparity.markov import MarkovResult, SpatialMarkovResult
from nqp_lib.errors import MethodError


def _period(value: object) -> object:
    """A period as a plain value: whole numbers (2012.0) as int, other labels unchanged."""
    if isinstance(value, (int, float, np.integer, np.floating)) and float(value).is_integer():
        return int(value)
    return value


def _ends(periods) -> tuple:
    ordered = sorted(periods)
    if not ordered:
        raise MethodError("findings: the result has no period")
    return ordered[0], ordered[-1]


# --------------------------------------------------------------------------- Dagum


@dataclass(frozen=True)
class DagumFacts:
    """Dagum decomposition, first and last period.

    ``share_*`` are G_w/G, G_nb/G and G_t/G. ``top_pair`` is the pair of groups whose net between-group term
    plus transvariation is the largest share of G in the last period (``top_pair_share``; its G_jh is
    ``top_pair_gini``). ``widest_group``/``narrowest_group`` have the largest and smallest within-group
    Gini G_jj in the last period (groups of one unit have G_jj = 0 and are skipped when others exist).
    """

    first: object
    last: object
    gini_first: float
    gini_last: float
    share_within_first: float
    share_within_last: float
    share_between_first: float
    share_between_last: float
    share_trans_first: float
    share_trans_last: float
    top_pair: tuple[str, str]
    top_pair_gini: float
    top_pair_share: float
    widest_group: str
    widest_gini: float
    widest_gini_first: float
    narrowest_group: str
    narrowest_gini: float
    n_groups: int


def dagum_facts(result: DagumByPeriod) -> DagumFacts:
    """:class:`DagumFacts` of a :func:`~nqp_lib.disparity.dagum.dagum_by_period` result."""
    s = result.summary.set_index("period")
    first, last = _ends(s.index)
    if int(s.loc[last, "n_groups"]) < 2:
        raise MethodError("findings: the Dagum decomposition has one group only; there is no between-group gap")
    b = result.between[result.between["period"] == last].copy()
    b["share"] = b["share_nb"] + b["share_t"]
    top = b.loc[b["share"].idxmax()]
    w = result.within[result.within["period"] == last]
    several = w[w["n"] > 1] if (w["n"] > 1).sum() >= 2 else w
    widest, narrowest = several.loc[several["G_jj"].idxmax()], several.loc[several["G_jj"].idxmin()]
    w_first = result.within[(result.within["period"] == first) & (result.within["group"] == widest["group"])]
    return DagumFacts(
        first=_period(first), last=_period(last), gini_first=float(s.loc[first, "G"]), gini_last=float(s.loc[last, "G"]),
        share_within_first=float(s.loc[first, "share_w"]), share_within_last=float(s.loc[last, "share_w"]),
        share_between_first=float(s.loc[first, "share_nb"]), share_between_last=float(s.loc[last, "share_nb"]),
        share_trans_first=float(s.loc[first, "share_t"]), share_trans_last=float(s.loc[last, "share_t"]),
        top_pair=(str(top["group_j"]), str(top["group_h"])), top_pair_gini=float(top["G_jh"]),
        top_pair_share=float(top["share"]), widest_group=str(widest["group"]), widest_gini=float(widest["G_jj"]),
        widest_gini_first=float(w_first["G_jj"].iat[0]) if len(w_first) else float("nan"),
        narrowest_group=str(narrowest["group"]), narrowest_gini=float(narrowest["G_jj"]),
        n_groups=int(s.loc[last, "n_groups"]),
    )


# --------------------------------------------------------------------------- kernel density


@dataclass(frozen=True)
class DensityFacts:
    """Kernel density, first and last period: main peak position, standard deviation, half-maximum width
    of the main peak, number of peaks and mean."""

    first: object
    last: object
    peak_first: float
    peak_last: float
    sd_first: float
    sd_last: float
    width_first: float
    width_last: float
    peaks_first: int
    peaks_last: int
    mean_first: float
    mean_last: float


def density_facts(result: DensityResult) -> DensityFacts:
    """:class:`DensityFacts` of a :func:`~nqp_lib.disparity.density.kernel_density` result."""
    s = result.summary.set_index("period")
    first, last = _ends(s.index)
    f, t = s.loc[first], s.loc[last]
    return DensityFacts(
        first=_period(first), last=_period(last), peak_first=float(f["peak_x"]), peak_last=float(t["peak_x"]),
        sd_first=float(f["sd"]), sd_last=float(t["sd"]), width_first=float(f["peak_width"]),
        width_last=float(t["peak_width"]), peaks_first=int(f["n_peaks"]), peaks_last=int(t["n_peaks"]),
        mean_first=float(f["mean"]), mean_last=float(t["mean"]),
    )


# --------------------------------------------------------------------------- Markov chains


@dataclass(frozen=True)
class MarkovFacts:
    """A classic Markov chain: ``stay_mean`` is the mean of the observed diagonal probabilities;
    ``stay_lowest``/``stay_highest`` the chance of staying in class 1 / class k; ``up_from_lowest`` the chance of
    leaving class 1 upwards and ``down_from_highest`` of leaving class k downwards (NaN where a row has no
    transition); ``steady_state`` the long-run shares or None; ``basis`` as recorded by the chain (absolute
    values, or values relative to each period's mean)."""

    classes: int
    n_transitions: int
    stay_mean: float
    stay_lowest: float
    stay_highest: float
    up_from_lowest: float
    down_from_highest: float
    steady_state: tuple[float, ...] | None
    basis: str


def markov_facts(result: MarkovResult) -> MarkovFacts:
    """:class:`MarkovFacts` of a :func:`~nqp_lib.disparity.markov.markov_chain` result."""
    p = result.probabilities
    k = p.shape[0]
    diag = np.diag(p)
    return MarkovFacts(
        classes=k, n_transitions=int(result.n_transitions), stay_mean=float(np.nanmean(diag)),
        stay_lowest=float(p[0, 0]), stay_highest=float(p[-1, -1]), up_from_lowest=float(np.sum(p[0, 1:])),
        down_from_highest=float(np.sum(p[-1, :-1])) if not np.isnan(p[-1]).all() else float("nan"),
        steady_state=None if result.steady_state is None else tuple(float(v) for v in result.steady_state),
        basis=str(result.options.get("basis", "absolute")),
    )


@dataclass(frozen=True)
class SpatialMarkovFacts:
    """How the neighbours change a unit's chance of moving up from class ``from_class``: ``up_low`` with
    neighbours in the lowest observed lag class (``lag_low``), ``up_high`` in the highest (``lag_high``),
    with the number of transitions behind each (``n_low``, ``n_high``). ``from_class`` is the lowest class
    observed in at least two lag classes. ``homogeneity_p`` is the p-value of the test that every lag class
    has the same matrix, when the result carries one (else None)."""

    classes: int
    from_class: int
    lag_low: int
    lag_high: int
    up_low: float
    up_high: float
    n_low: int
    n_high: int
    homogeneity_p: float | None


def spatial_markov_facts(result: SpatialMarkovResult) -> SpatialMarkovFacts:
    """:class:`SpatialMarkovFacts` of a :func:`~nqp_lib.disparity.markov.spatial_markov` result."""
    counts, p = result.counts, result.probabilities
    k = p.shape[1]
    for a in range(k - 1):
        rows = counts[:, a, :].sum(axis=1)
        observed = np.flatnonzero(rows > 0)
        if len(observed) >= 2:
            lo, hi = observed[0], observed[-1]
            homog = getattr(result, "homogeneity", None)
            pval = getattr(homog, "p_value", None) if homog is not None else None
            return SpatialMarkovFacts(
                classes=k, from_class=a + 1, lag_low=int(lo + 1), lag_high=int(hi + 1),
                up_low=float(p[lo, a, a + 1:].sum()), up_high=float(p[hi, a, a + 1:].sum()),
                n_low=int(rows[lo]), n_high=int(rows[hi]), homogeneity_p=None if pval is None else float(pval),
            )
    raise MethodError("findings: no class below the top is observed under two neighbour classes")


# --------------------------------------------------------------------------- convergence


@dataclass(frozen=True)
class SigmaFacts:
    """σ-convergence: coefficient of variation and sd of logs, first and last period; ``cv_change`` is the
    relative change of the CV (−0.12 = fell by 12%); ``years_falling`` how many period-to-period steps the
    CV fell, of ``steps``."""

    first: object
    last: object
    cv_first: float
    cv_last: float
    cv_change: float
    sd_log_first: float
    sd_log_last: float
    years_falling: int
    steps: int

    @property
    def converging(self) -> bool:
        """The CV is lower in the last period than in the first."""
        return self.cv_last < self.cv_first


def sigma_facts(result: SigmaResult) -> SigmaFacts:
    """:class:`SigmaFacts` of a :func:`~nqp_lib.disparity.convergence.sigma_convergence` result."""
    t = result.table.sort_values("period").reset_index(drop=True)
    if t.empty:
        raise MethodError("findings: the σ table has no period")
    cv = t["cv"].to_numpy(dtype=float)
    first, last = t.iloc[0], t.iloc[-1]
    return SigmaFacts(
        first=_period(first["period"]), last=_period(last["period"]), cv_first=float(cv[0]), cv_last=float(cv[-1]),
        cv_change=float(cv[-1] / cv[0] - 1.0) if cv[0] else float("nan"),
        sd_log_first=float(first["sd_log"]), sd_log_last=float(last["sd_log"]),
        years_falling=int((np.diff(cv) < 0).sum()), steps=int(len(cv) - 1),
    )


@dataclass(frozen=True)
class BetaFacts:
    """β-convergence of one model: β, its cluster-robust p-value, whether −1 < β < 0 (``converging``) and
    significant at ``alpha``, the speed λ per period and the half-life in periods (None when not
    converging)."""

    model: str
    fixed_effects: bool
    beta: float
    p: float
    converging: bool
    significant: bool
    speed: float | None
    half_life: float | None
    n_units: int
    n_periods: int
    alpha: float


def beta_facts(result: BetaResult, alpha: float = 0.05) -> BetaFacts:
    """:class:`BetaFacts` of a :func:`~nqp_lib.disparity.convergence.beta_convergence` result."""
    row = result.coefficients.set_index("term").loc["ln_y"] if "term" in result.coefficients else None
    p = float(row["p_cluster"]) if row is not None and "p_cluster" in row else float("nan")
    return BetaFacts(
        model=result.model, fixed_effects=bool(result.options.get("fixed_effects", result.model != "absolute")),
        beta=float(result.beta), p=p, converging=bool(result.converging), significant=bool(p < alpha),
        speed=None if result.speed is None else float(result.speed),
        half_life=None if result.half_life is None else float(result.half_life),
        n_units=int(result.n_units), n_periods=int(result.n_periods), alpha=float(alpha),
    )
