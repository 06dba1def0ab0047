"""Views of the overview: where the concept comes from and how the article argues (the argument map), the
headline results (the index's spread across units, group means and their growth, the top and bottom units
with rank intervals), the index on a tile map, as a ranking and under other dimension weights, and the
command that rebuilds the page."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

from nqp_lib import argument_charts, charts
from nqp_lib.charts import ChartText
from nqp_lib.report.views.common import dimension_labels, group_order, index_text, system_source, words

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.report.context import Report

#: Monte Carlo draws for the overview's rank intervals: enough for stable 5th/95th percentiles of a rank,
#: few enough to keep the page quick to build (the methods appendix runs its own ``draws``).
OVERVIEW_DRAWS = 200
#: units shown at each end of the ranking
ENDS = 5
#: article part → report section that treats it
TREATED_IN = {"elements": "connotation", "features": "connotation", "conditions": "conditions",
              "recommendations": "pathways"}


# ----------------------------------------------------------------------------------------- argument map
def _wrap(label: str, lang: str) -> str:
    return "\n".join(textwrap.wrap(label, 11 if lang == "zh" else 27)) or label


def argument_graph(ctx: Report) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges of the article's argument: three elements → four features → six conditions → six
    recommendations.

    Edges element → feature and feature → condition carry the number of the system's indicators tagged with
    both ends (an element is a dimension whose id is the element's key); an element → feature edge no
    indicator carries is drawn dotted when the system's dimensions are not the three elements (the article's
    claim, not measured). Condition *k* → recommendation *k* (the article answers each condition with the
    recommendation of the same number) has weight 1.
    """
    title = ctx.prose_values()["section_title"]
    parts = {kind: words(ctx, kind) for kind in TREATED_IN}
    nodes = []
    for col, (kind, items) in enumerate(parts.items()):
        heading = ctx.t(f"arg_{kind}") + "\n→ " + title(TREATED_IN[kind])
        for row, (k, label) in enumerate(items.items()):
            sep = "．" if ctx.lang == "zh" else ". "
            shown = f"{k}{sep}{label}" if kind in ("conditions", "recommendations") else label
            nodes.append({"id": f"{kind}:{k}", "column": col, "row": row + (1 if kind == "elements" else 0),
                          "label": _wrap(shown, ctx.lang), "heading": heading, "section": title(TREATED_IN[kind])})
    inds = ctx.system.indicators
    dim_of = {i.id: d.id for d in ctx.system.dimensions for i in d.indicators}
    elements_measured = set(parts["elements"]) <= {d.id for d in ctx.system.dimensions}
    edges = []
    for e in parts["elements"]:
        for f in parts["features"]:
            n = sum(1 for i in inds if f in i.features and dim_of[i.id] == e) if elements_measured else 0
            if n or not elements_measured:
                edges.append({"source": f"elements:{e}", "target": f"features:{f}", "weight": n})
    for f in parts["features"]:
        for c in parts["conditions"]:
            n = sum(1 for i in inds if f in i.features and c in i.conditions)
            if n:
                edges.append({"source": f"features:{f}", "target": f"conditions:{c}", "weight": n})
    for c in parts["conditions"]:
        if c in parts["recommendations"]:
            edges.append({"source": f"conditions:{c}", "target": f"recommendations:{c}", "weight": 1})
    return pd.DataFrame(nodes), pd.DataFrame(edges)


def argument_map(ctx: Report) -> alt.LayerChart:
    nodes, edges = argument_graph(ctx)
    text = ChartText(ctx.t("arg_map_title"), ctx.t("arg_map_source", system=system_source(ctx)),
                     ctx.t("arg_map_unit"), ctx.t("arg_map_note"))
    return argument_charts.argument_map(nodes, edges, key="arg", lang=ctx.lang, text=text)


# ----------------------------------------------------------------------------------------- headline
def spread(ctx: Report) -> pd.DataFrame:
    """Per year: n, mean, median, P10, P90, min, max of the index over the units measured."""
    from nqp_lib.measure.summary import spread_by_year

    return ctx.memo("spread", lambda: spread_by_year(ctx.scores))


def group_means(ctx: Report) -> pd.DataFrame:
    from nqp_lib.measure.summary import group_means as means

    return ctx.memo("group_means", lambda: means(ctx.scores))


def growth(ctx: Report) -> pd.DataFrame:
    """Growth of each group's mean and of the mean of all units, first to last year: compound and simple
    (fractions per year), the all-units row first."""
    from nqp_lib.measure.summary import group_growth

    def compute() -> pd.DataFrame:
        s = ctx.settings
        everyone = spread(ctx)[["year", "mean"]].assign(group=ctx.t("arg_all_units", units=ctx.noun(plural=True)))
        frame = pd.concat([everyone, group_means(ctx)[["group", "year", "mean"]]], ignore_index=True)
        table = group_growth(frame, s.year_from, s.year_to)
        order = [everyone["group"].iat[0], *group_order(ctx)]
        return table.set_index("group").reindex([g for g in order if g in set(table["group"])]).reset_index()

    return ctx.memo("growth", compute)


def headline_chart(ctx: Report) -> alt.LayerChart:
    focus = ctx.scores[ctx.scores["unit"] == ctx.settings.focus][["year", "score", "name"]].rename(columns={"score": "value"})
    note = ctx.t("arg_spread_note", units=ctx.noun(plural=True), focus=ctx.name_of(ctx.settings.focus))
    return argument_charts.spread_band(
        spread(ctx), group_means(ctx), key="head", lang=ctx.lang, order=group_order(ctx), focus=focus, group_title=ctx.t("region"),
        text=index_text(ctx, ctx.t("nqpf_index") + " · " + ctx.t("arg_spread_title", units=ctx.noun(plural=True)), note=note),
    )


def growth_table(ctx: Report) -> pd.DataFrame:
    g = growth(ctx)
    s = ctx.settings
    return pd.DataFrame({
        ctx.t("region"): g["group"],
        f"{s.year_from}": g["first"].round(3),
        f"{s.year_to}": g["last"].round(3),
        ctx.t("arg_compound"): [f"{v * 100:.1f}" for v in g["compound"]],
        ctx.t("arg_simple"): [f"{v * 100:.1f}" for v in g["simple"]],
    })


def headline_values(ctx: Report) -> dict[str, Any]:
    """The numbers the headline prose states, all computed here."""
    sp = spread(ctx).set_index("year")
    g = growth(ctx)
    y0, y1 = ctx.settings.year_from, ctx.settings.year_to
    groups = g.iloc[1:]
    fastest = groups.loc[groups["compound"].idxmax()] if len(groups) > 1 else None
    slowest = groups.loc[groups["compound"].idxmin()] if len(groups) > 1 else None
    return {
        "n_units": int(sp.loc[y1, "n"]), "y0": y0, "y1": y1,
        "mean0": sp.loc[y0, "mean"], "mean1": sp.loc[y1, "mean"],
        "p10_0": sp.loc[y0, "p10"], "p90_0": sp.loc[y0, "p90"], "p10_1": sp.loc[y1, "p10"], "p90_1": sp.loc[y1, "p90"],
        "compound": g["compound"].iat[0] * 100, "simple": g["simple"].iat[0] * 100, "periods": y1 - y0,
        "fastest": None if fastest is None else fastest["group"], "fastest_rate": None if fastest is None else fastest["compound"] * 100,
        "slowest": None if slowest is None else slowest["group"], "slowest_rate": None if slowest is None else slowest["compound"] * 100,
    }


# ----------------------------------------------------------------------------------------- rank intervals
def rank_uncertainty(ctx: Report):
    """Monte Carlo rank intervals (:func:`nqp_lib.measure.uncertainty.uncertainty`) with
    :data:`OVERVIEW_DRAWS` draws and the report's seed."""
    from nqp_lib.measure.uncertainty import uncertainty

    return ctx.memo(f"mc{OVERVIEW_DRAWS}", lambda: uncertainty(ctx.index, draws=OVERVIEW_DRAWS, seed=ctx.settings.seed))


def ends_table(ctx: Report, n: int = ENDS) -> pd.DataFrame:
    """Top and bottom ``n`` units in the last year: rank, name, group, score, median rank over the draws
    and the 5th–95th percentile rank interval."""
    mc = rank_uncertainty(ctx)
    y = ctx.settings.year_to
    r = mc.ranks[mc.ranks["year"] == y].merge(ctx.scores[ctx.scores["year"] == y][["unit", "name", "group", "score"]], on="unit")
    r = r.sort_values("nominal_rank")
    n = min(n, len(r) // 2) or len(r)
    ends = pd.concat([r.head(n), r.tail(n)]).drop_duplicates("unit")
    return pd.DataFrame({
        ctx.t("rank"): ends["nominal_rank"].astype(int).to_numpy(),
        ctx.noun().capitalize() if ctx.lang == "en" else ctx.noun(): ends["name"].to_numpy(),
        ctx.t("region"): ends["group"].to_numpy(),
        ctx.t("score"): ends["score"].round(3).to_numpy(),
        ctx.t("arg_median_rank"): [f"{v:g}" for v in ends["median_rank"].round(1)],
        ctx.t("arg_rank_interval"): [f"{int(round(a))}–{int(round(b))}" for a, b in zip(ends["p05"], ends["p95"])],
    })


def ends_values(ctx: Report) -> dict[str, Any]:
    mc = rank_uncertainty(ctx)
    r = mc.ranks[mc.ranks["year"] == ctx.settings.year_to].sort_values("nominal_rank")
    top = r.iloc[0]
    width = (r["p95"] - r["p05"])
    return {"draws": mc.options["draws"], "top_name": ctx.name_of(top["unit"]), "top_lo": int(round(top["p05"])),
            "top_hi": int(round(top["p95"])), "median_width": float(width.median()), "n_units": len(r)}


# ----------------------------------------------------------------------------------------- rebuild
def rebuild_command(ctx: Report) -> str:
    """The exact ``nqp build`` command for this page's parameters (non-default ones only)."""
    from nqp_lib.report.rebuild import build_command

    return build_command(ctx.section, ctx.settings.as_dict())


# ----------------------------------------------------------------------------------------- the index
def index_map(ctx: Report) -> alt.LayerChart | str:
    if not ctx.is_provincial:
        return ctx.t("provinces_only")
    return charts.tile_map(
        ctx.scores, "score", key="map", lang=ctx.lang, tiles=ctx.regions, value_title=ctx.t("score"),
        text=index_text(ctx, ctx.t("nqpf_index") + " · " + ctx.system.name(ctx.lang)),
    )


def _recolour(ctx: Report, chart):
    return argument_charts.with_group_colours(chart, group_order(ctx), ctx.t("region"))


def _shown(ctx: Report, note: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """The scores a one-bar-per-unit chart draws: every unit of a small panel; of a large one the top and
    bottom :data:`nqp_lib.chartdata.TOP_N` of each year plus the focus unit, and a note saying so."""
    from nqp_lib.chartdata import summarised_note, top_bottom_focus

    data = top_bottom_focus(ctx.scores, "score", focus=ctx.settings.focus)
    said = summarised_note(data, ctx.lang, ctx.noun(plural=True), ctx.name_of(ctx.settings.focus))
    return data.frame, "\n".join(x for x in (note, said) if x) or None


def index_ranking(ctx: Report) -> alt.Chart:
    frame, note = _shown(ctx)
    return _recolour(ctx, charts.ranking(frame, "score", key="rank", lang=ctx.lang, focus=ctx.settings.focus,
                                         text=index_text(ctx, ctx.t("nqpf_index") + " · " + ctx.t("rank"), note=note)))


def index_trends(ctx: Report) -> alt.LayerChart:
    return _recolour(ctx, charts.trends(ctx.scores, "score", key="trend", lang=ctx.lang,
                                        text=index_text(ctx, ctx.t("nqpf_index"), note=ctx.t("trend_note"))))


def reweight(ctx: Report) -> alt.Chart | str:
    """Dimension-weight sliders that recompute and re-rank the index in the browser
    (:func:`nqp_lib.measure.scenario.reweighted_scores` in Vega), starting from the fitted weights; a note
    when that formula does not reproduce this index (:func:`~nqp_lib.measure.scenario.check_reweighting`)."""
    from nqp_lib.measure.scenario import fitted_dimension_weights, reweighting_conflict

    conflict = reweighting_conflict(ctx.index.result_)
    if conflict:
        option, value = conflict
        return ctx.t(f"reweight_needs_{option}", value=value)
    weights = fitted_dimension_weights(ctx.index.result_)
    dims = [(d, label, weights[d]) for d, label in dimension_labels(ctx)]
    frame, note = _shown(ctx, ctx.t("reweight_note"))
    return _recolour(ctx, charts.reweight(
        frame, dims, key="rw", lang=ctx.lang, focus=ctx.settings.focus,
        text=index_text(ctx, ctx.t("nqpf_index") + " · " + ctx.t("weight"), note=note)))


def top_table(ctx: Report, year: int | None = None, n: int = 10) -> pd.DataFrame:
    """The top ``n`` units in a year (default the last) with score and dimension sub-indices."""
    s = ctx.scores
    y = year or int(s["year"].max())
    cols = ["rank", "name", "group", "score", *[d for d, _ in dimension_labels(ctx)]]
    top = s[s["year"] == y].sort_values("rank")[cols].head(n)
    names = {"rank": ctx.t("rank"), "name": ctx.noun().capitalize() if ctx.lang == "en" else ctx.noun(),
             "group": ctx.t("region"), "score": ctx.t("score")}
    names.update(dict(dimension_labels(ctx)))
    return top.rename(columns=names)


def section_names(ctx: Report) -> list[str]:
    """The report's sections by their navigation titles, in build order."""
    from nqp_lib.report.sections import all_sections

    return [s.label(ctx.lang) for s in all_sections()]


def changed_names(ctx: Report) -> list[str]:
    """``name = value`` of each parameter that differs from its default."""
    from nqp_lib.report.rebuild import changed_parameters

    return [f"{k} = {v}" for k, v in changed_parameters(ctx.section, ctx.settings.as_dict()).items()]
