"""Disparities and convergence of the index: Dagum decomposition, kernel densities, Markov and spatial
Markov chains, σ and β convergence — each computed once per report through the disparity suite
(:mod:`nqp_lib.disparity.suite`, the entries and defaults ``nqp disparity`` uses, with the report's seed),
each with the facts its one-sentence interpretation needs (:mod:`nqp_lib.disparity.findings`).

Groups are the report's grouping; spatial weights are the report's (provincial contiguity for the provinces,
else a matrix the panel or the ``weights_matrix`` parameter gives). Without two groups (Dagum) or without
weights (spatial Markov) a view returns a note instead of a degenerate result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from nqp_lib import charts
from nqp_lib.report.views.common import group_order, grouping_note, index_text, weights_note
from nqp_lib.report.views.pathways.diagnosis import has_groups

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.disparity.suite import SuiteData, SuiteResult
    from nqp_lib.report.context import Report

#: The Markov basis the page shows (see :func:`markov_chart`): each year's values over that year's mean.
SHOWN_BASIS = "relative"
#: At most this many group pairs are drawn (the largest between-group Ginis of the last year).
MAX_PAIRS = 10


def suite_data(ctx: Report) -> SuiteData:
    """The index scores as a :class:`~nqp_lib.disparity.suite.SuiteData`: groups when the report's grouping
    has two or more, and the report's spatial weights (:meth:`~nqp_lib.report.context.Report.weights`: a
    given matrix, the panel's own, or provincial contiguity) when there are any."""
    from nqp_lib.disparity import suite

    def compute() -> SuiteData:
        s = ctx.scores[["unit", "year", "score", "group"]].dropna(subset=["score"]).reset_index(drop=True)
        groups = s["group"].astype(str) if has_groups(ctx) else None
        return suite.SuiteData(s["score"], s["unit"], s["year"], groups=groups, weights=ctx.weights())

    return ctx.memo("suite_data", compute)


def disparity_note(ctx: Report) -> str | None:
    """Why the disparity measures are left out, or None when they apply: the Gini and its decomposition
    need scores ≥ 0, and classes relative to a year's mean need a positive mean, which an unbounded
    normalisation (z-scores) breaks."""
    low = float(suite_data(ctx).values.min())
    return ctx.t("disparity_needs_positive", low=f"{low:.3g}", normalise=ctx.settings.normalise) if low < 0 else None


def convergence_note(ctx: Report) -> str | None:
    """Why σ and β convergence are left out, or None when they apply: both take logs of the scores, so
    every score must be > 0 (a unit-year at the worst value of every indicator scores 0 under min-max)."""
    if disparity_note(ctx):
        return disparity_note(ctx)
    low = float(suite_data(ctx).values.min())
    return ctx.t("convergence_needs_positive", low=f"{low:.3g}") if low <= 0 else None


def run(ctx: Report, name: str) -> SuiteResult | None:
    """Measure ``name`` of the suite with its defaults (the report's seed where it draws); None when its
    needs (groups, weights) are not met."""
    from nqp_lib.disparity import suite

    data = suite_data(ctx)
    if suite.missing_needs(name, data):
        return None
    options = {"seed": ctx.settings.seed} if "seed" in suite.defaults(name) else {}
    return ctx.memo(f"suite_{name}", lambda: suite.run(name, data, **options))


# ----------------------------------------------------------------------------------------- Dagum


def dagum_facts(ctx: Report):
    """:class:`~nqp_lib.disparity.findings.DagumFacts`, or None with one group."""
    from nqp_lib.disparity.findings import dagum_facts as facts

    r = run(ctx, "dagum")
    return None if r is None else facts(r.result)


def dagum_shares(ctx: Report) -> alt.Chart | str:
    """Within / net between / transvariation shares of the Gini by year."""
    r = run(ctx, "dagum")
    if r is None:
        return grouping_note(ctx)
    names = {"G_w": ctx.t("dagum_within"), "G_nb": ctx.t("dagum_between"), "G_t": ctx.t("dagum_trans")}
    long = r.result.summary.melt(id_vars=["period"], value_vars=list(names), var_name="part", value_name="value")
    long["part"] = long["part"].map(names)
    return charts.stacked_shares(long.rename(columns={"period": "year"}), "year", "part", "value", key="pwdag",
                                 lang=ctx.lang, order=list(names.values()),
                                 text=index_text(ctx, ctx.t("dagum_title"), ctx.t("share_of_gini")))


def dagum_ginis(ctx: Report) -> alt.HConcatChart | str:
    """Within-group Gini G_jj of each group and between-group Gini G_jh of each pair, by year."""
    r = run(ctx, "dagum")
    if r is None:
        return grouping_note(ctx)
    pairs = r.result.pairs()
    within = pairs[pairs["kind"] == "within"].rename(columns={"period": "year"})
    sizes = r.result.within.groupby("group")["n"].min()
    single = sorted(str(g) for g in sizes[sizes < 2].index)  # one unit: G_jj = 0 by definition, not a finding
    within = within[~within["pair"].astype(str).isin(single)]
    within_note = ctx.t("single_groups_note", groups=("、" if ctx.lang == "zh" else ", ").join(single)) if single else None
    between = pairs[pairs["kind"] == "between"].rename(columns={"period": "year"})
    last = between["year"].max()
    shown = between[between["year"] == last].nlargest(MAX_PAIRS, "gini")["pair"]
    note = ctx.t("pairs_note", n=MAX_PAIRS) if between["pair"].nunique() > MAX_PAIRS else None
    between = between[between["pair"].isin(shown)]
    rank = {g: i for i, g in enumerate(group_order(ctx))}  # pairs in the groups' fixed order: same colours in zh/en
    key = between.drop_duplicates("pair").apply(
        lambda r: tuple(sorted((rank.get(str(r["group_j"]), 99), rank.get(str(r["group_h"]), 99)))), axis=1)
    pair_order = list(between.drop_duplicates("pair")["pair"].iloc[sorted(range(len(key)), key=lambda i: key.iloc[i])])
    unit = ctx.t("gini_unit")
    left = charts.lines(within[["year", "gini", "pair"]], "year", "gini", "pair", key="pwgjj", lang=ctx.lang,
                        color_title=ctx.t("region"), order=group_order(ctx),
                        text=index_text(ctx, ctx.t("within_gini_title"), unit, within_note))
    right = charts.lines(between[["year", "gini", "pair"]], "year", "gini", "pair", key="pwgjh", lang=ctx.lang,
                         color_title=ctx.t("region_pair"), order=pair_order,
                         text=index_text(ctx, ctx.t("between_gini_title"), unit, note))
    return (alt.hconcat(left.properties(width=300), right.properties(width=300)).resolve_scale(color="independent")
            .configure_legend(labelLimit=320))


# ----------------------------------------------------------------------------------------- density


def density_facts(ctx: Report):
    from nqp_lib.disparity.findings import density_facts as facts

    return facts(run(ctx, "density").result)


def density_chart(ctx: Report) -> alt.LayerChart:
    r = run(ctx, "density")
    frame = r.result.density.rename(columns={"period": "year"})
    xcol = [c for c in frame.columns if c not in ("year", "density")][0]
    return charts.densities(frame.rename(columns={xcol: "x"}), key="pwkde", lang=ctx.lang, x_title=ctx.t("score"),
                            text=index_text(ctx, ctx.t("kde_title", rule=r.options["bandwidth"]),
                                            ctx.t("density_unit")))


# ----------------------------------------------------------------------------------------- Markov


def markov_facts(ctx: Report, basis: str = SHOWN_BASIS):
    from nqp_lib.disparity.findings import markov_facts as facts

    return facts(run(ctx, "markov").result[basis])


def rising_share(ctx: Report) -> float:
    """Share of the units whose score is higher in the last year than in the first (with both years scored):
    when it is large, absolute Markov classes mostly record the passing of time."""
    s = ctx.scores.pivot_table(index="unit", columns="year", values="score")
    both = s[[s.columns.min(), s.columns.max()]].dropna()
    return float((both.iloc[:, 1] > both.iloc[:, 0]).mean())


def markov_chart(ctx: Report, basis: str = SHOWN_BASIS) -> alt.LayerChart:
    """Transition probabilities of the classic chain on ``basis`` (relative to each year's mean by default)."""
    r = run(ctx, "markov")
    m = r.result[basis]
    title = ctx.t("pw_markov_title", classes=m.options["classes"], basis=ctx.t(f"basis_{basis}"))
    table = m.table().dropna(subset=["probability"])  # a class never left has no row to draw
    return charts.heatmap(table, "to_class", "from_class", "probability", key="pwmk", lang=ctx.lang,
                          text=index_text(ctx, title, ctx.t("probability"), ctx.t("class_note")),
                          x_title=ctx.t("to_class"), y_title=ctx.t("from_class"))


def spatial_markov_facts(ctx: Report, basis: str = SHOWN_BASIS):
    from nqp_lib.disparity.findings import spatial_markov_facts as facts
    from nqp_lib.errors import MethodError

    r = run(ctx, "spatial_markov")
    if r is None:
        return None
    try:
        return facts(r.result[basis])
    except MethodError:
        return None


def spatial_markov_chart(ctx: Report, basis: str = SHOWN_BASIS) -> alt.FacetChart | str:
    """One transition matrix per class of the neighbours' spatial lag; a note without spatial weights."""
    r = run(ctx, "spatial_markov")
    if r is None:
        return weights_note(ctx)
    table = r.result[basis].table().dropna(subset=["probability"])  # unobserved rows: no cells, not "null"
    table = table.assign(lag=[ctx.t("lag_class", k=int(k)) for k in table["lag_class"]])
    title = ctx.t("spatial_markov_title", basis=ctx.t(f"basis_{basis}"))
    return charts.heatmap(table, "to_class", "from_class", "probability", key="pwsmk", lang=ctx.lang, facet="lag",
                          text=index_text(ctx, title, ctx.t("probability"), ctx.t("lag_note")),
                          x_title=ctx.t("to_class"), y_title=ctx.t("from_class"))


# ----------------------------------------------------------------------------------------- convergence


def sigma_facts(ctx: Report):
    from nqp_lib.disparity.findings import sigma_facts as facts

    return facts(run(ctx, "sigma").result)


def sigma_low(ctx: Report) -> dict:
    """The year of the lowest coefficient of variation and its value (the σ sentence names the turn)."""
    tab = run(ctx, "sigma").result.table
    row = tab.loc[tab["cv"].idxmin()]
    return {"year": int(row["period"]), "cv": float(row["cv"])}


def beta_facts(ctx: Report) -> dict:
    """``{"absolute": BetaFacts, "conditional": BetaFacts}``."""
    from nqp_lib.disparity.findings import beta_facts as facts

    return {k: facts(v) for k, v in run(ctx, "beta").result.items()}


def sigma_chart(ctx: Report) -> alt.Chart:
    tab = run(ctx, "sigma").result.table
    long = tab.melt(id_vars=["period"], value_vars=["cv", "sd_log"], var_name="measure", value_name="value")
    long["measure"] = long["measure"].map({"cv": ctx.t("cv"), "sd_log": ctx.t("sd_log")})
    return charts.lines(long.rename(columns={"period": "year"}), "year", "value", "measure", key="pwsig",
                        lang=ctx.lang, color_title=ctx.t("measure"),
                        text=index_text(ctx, ctx.t("sigma_title"), ctx.t("dispersion_unit")))


def beta_table(ctx: Report) -> pd.DataFrame:
    """β, p-value, speed and half-life of the absolute and conditional models."""
    frame = run(ctx, "beta").tables["convergence"]
    frame = frame.assign(model=[ctx.t(f"val_{v}") for v in frame["model"]],
                         fixed_effects=[ctx.t(f"val_{v}") for v in frame["fixed_effects"]])
    cols = ["model", "fixed_effects", "beta", "p_cluster", "speed", "half_life", "n_obs"]
    return frame[cols].rename(columns={c: ctx.t(f"col_{c}") for c in cols})
