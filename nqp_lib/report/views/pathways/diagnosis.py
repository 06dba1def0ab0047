"""Diagnosis: the obstacle degrees of the focus unit and of every group, by dimension and indicator, over
the years, each obstacle linked to the recommendation that addresses it
(:func:`nqp_lib.measure.recommendations.diagnosis`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from nqp_lib import charts
from nqp_lib.report.views.common import dimension_labels, group_order, grouping_note, index_text
from nqp_lib.report.views.pathways.levers import numbered

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.measure.recommendations import Diagnosis, ObstacleFacts
    from nqp_lib.report.context import Report

#: How many of a unit's largest obstacles the page lists.
TOP_OBSTACLES = 5


def groups_of(ctx: Report) -> pd.Series:
    """unit → group label (the report's grouping, in the report's language) of every scored unit."""
    s = ctx.scores.drop_duplicates("unit")
    return pd.Series(s["group"].to_numpy(), index=s["unit"].to_numpy())


def has_groups(ctx: Report) -> bool:
    """True when the report has a grouping with at least two groups among the scored units
    (:func:`~nqp_lib.report.views.common.grouping_note` says why not)."""
    return grouping_note(ctx) is None


def diagnosis_note(ctx: Report) -> str | None:
    """Why the obstacle diagnosis is left out, or None when it applies: obstacle degrees need normalised
    values in [0, 1] (min-max or rank normalisation), which an unbounded normalisation does not give."""
    from nqp_lib.errors import MethodError

    try:
        diagnosis(ctx)
    except MethodError:
        return ctx.t("obstacle_needs_bounded", normalise=ctx.settings.normalise)
    return None


def focus_note(ctx: Report) -> str | None:
    """Why nothing is said about the focus unit, or None when the index scores it: a unit the index leaves
    out (an indicator has no value for it in any report year) has no obstacle degrees and no scenario."""
    scored = set(ctx.scores.loc[ctx.scores["year"] == ctx.settings.year_to, "unit"])
    return None if ctx.settings.focus in scored else ctx.t("focus_not_scored", name=ctx.name_of(ctx.settings.focus))


def diagnosis(ctx: Report) -> Diagnosis:
    """Obstacle degrees by unit and group, for indicators, dimensions and recommendations."""
    from nqp_lib.measure.diagnose import obstacle_degree
    from nqp_lib.measure.recommendations import diagnosis as diagnose

    def compute() -> Diagnosis:
        ob = obstacle_degree(ctx.index.result_, top=TOP_OBSTACLES)
        return diagnose(ctx.index.result_, groups_of(ctx) if has_groups(ctx) else None, obstacles=ob)

    return ctx.memo("diagnosis", compute)


def _rec_names(ctx: Report, indicator: str) -> str:
    links = diagnosis(ctx).links
    recs = sorted(int(r) for r in links.loc[links["indicator"] == indicator, "recommendation"])
    return "；".join(numbered(ctx, r) for r in recs) if ctx.lang == "zh" else "; ".join(numbered(ctx, r) for r in recs)


def focus_obstacle_lines(ctx: Report) -> alt.Chart:
    """The focus unit's obstacle degree by dimension over the years."""
    wide = diagnosis(ctx).series("dimension", ctx.settings.focus)
    names = dict(dimension_labels(ctx))
    long = wide.reset_index().melt(id_vars="year", var_name="dimension", value_name="obstacle")
    long["dimension"] = long["dimension"].map(names)
    return charts.lines(
        long, "year", "obstacle", "dimension", key="obs", lang=ctx.lang, color_title=ctx.t("dimension"), fmt=".1%",
        zero=True, order=[label for _, label in dimension_labels(ctx)],
        text=index_text(ctx, ctx.t("obstacle_title", name=ctx.name_of(ctx.settings.focus)), ctx.t("obstacle_unit")),
    )


def focus_indicator_heatmap(ctx: Report, year: int) -> alt.Chart:
    """The obstacle degree of the focus unit's largest indicator obstacles in ``year``, every year (rows in
    the order of ``year``'s ranking)."""
    top = diagnosis(ctx).top("indicator", ctx.settings.focus, year, TOP_OBSTACLES)
    wide = diagnosis(ctx).series("indicator", ctx.settings.focus)[list(top["item"])]
    names = [ctx.system.indicator(i).name(ctx.lang) for i in top["item"]]
    long = wide.set_axis(names, axis=1).reset_index().melt(id_vars="year", var_name="indicator", value_name="obstacle")
    text = index_text(ctx, ctx.t("focus_heatmap_title", name=ctx.name_of(ctx.settings.focus), n=len(names)),
                      ctx.t("obstacle_unit"), ctx.t("focus_heatmap_note", year=int(year)))
    base = alt.Chart(long).encode(x=alt.X("year:O", title=ctx.t("year")),
                                  y=alt.Y("indicator:N", sort=names, title=None, axis=alt.Axis(labelLimit=300)))
    cells = base.mark_rect().encode(
        color=alt.Color("obstacle:Q", title=None, scale=alt.Scale(scheme="oranges"), legend=alt.Legend(format="%")),
        tooltip=["indicator:N", "year:O", alt.Tooltip("obstacle:Q", format=".1%")])
    labels = base.mark_text(fontSize=10).encode(
        text=alt.Text("obstacle:Q", format=".0%"),
        color=alt.condition("datum.obstacle > 0.5 * " + str(float(long["obstacle"].max())), alt.value("white"),
                            alt.value("#1f2933")))
    return (cells + labels).properties(width=520, height=alt.Step(26), title=charts.titled(text, ctx.lang))


def focus_trend(ctx: Report, year: int) -> dict:
    """For the heat map's sentence: among the focus unit's largest obstacles in ``year``, the one whose
    obstacle degree grew most since the first year, and the one that fell most."""
    top = diagnosis(ctx).top("indicator", ctx.settings.focus, year, TOP_OBSTACLES)
    wide = diagnosis(ctx).series("indicator", ctx.settings.focus)[list(top["item"])]
    first, last = wide.loc[wide.index.min()], wide.loc[int(year)]
    change = last - first
    up, down = change.idxmax(), change.idxmin()
    name = lambda i: ctx.system.indicator(i).name(ctx.lang)  # noqa: E731
    return {"first_year": int(wide.index.min()), "year": int(year),
            "up": name(up), "up_first": float(first[up]), "up_last": float(last[up]), "up_rose": bool(change[up] > 0),
            "down": name(down), "down_first": float(first[down]), "down_last": float(last[down]),
            "down_fell": bool(change[down] < 0)}


def focus_top_obstacles(ctx: Report, year: int) -> pd.DataFrame:
    """The focus unit's largest indicator obstacles in ``year`` with the recommendation(s) each answers to."""
    return _top_table(ctx, ctx.settings.focus, year, "unit")


def _top_table(ctx: Report, who: str, year: int, by: str) -> pd.DataFrame:
    top = diagnosis(ctx).top("indicator", who, year, TOP_OBSTACLES, by=by)
    first = diagnosis(ctx).series("indicator", who, by=by)
    first = first.loc[first.index.min()]
    dims = dict(dimension_labels(ctx))
    out = pd.DataFrame({
        "#": top["position"].to_numpy(),
        ctx.t("indicator"): [ctx.system.indicator(i).name(ctx.lang) for i in top["item"]],
        ctx.t("dimension"): [dims[ctx.system.indicator(i).dimension] for i in top["item"]],
        ctx.t("obstacle_share"): (top["obstacle"] * 100).round(1).to_numpy(),
        ctx.t("obstacle_share_first", year=int(first.name)): [round(float(first[i]) * 100, 1) for i in top["item"]],
        ctx.t("recommendation"): [_rec_names(ctx, i) for i in top["item"]],
    })
    imputed = ctx.index.result_.imputed
    if by == "unit" and imputed is not None:
        row = imputed[(imputed["unit"] == who) & (imputed["year"] == int(year))]
        flags = [bool(row[i].iat[0]) if len(row) else False for i in top["item"]]
        if any(flags):  # the value behind the obstacle was filled in, not observed: say so on its row
            out[ctx.t("imputed_value")] = [ctx.t("cn_yes") if f else "" for f in flags]
    return out


def facts(ctx: Report, who: str, year: int, by: str = "unit") -> dict:
    """What the diagnosis sentence of one unit or group needs, labelled in the report's language."""
    from nqp_lib.measure.recommendations import diagnosis_facts

    f: ObstacleFacts = diagnosis_facts(diagnosis(ctx), who, year, by=by)
    dims = dict(dimension_labels(ctx))
    return {
        "who": ctx.name_of(who) if by == "unit" else who, "year": f.year, "first_year": f.first_year,
        "indicator": ctx.system.indicator(f.indicator).name(ctx.lang), "indicator_share": f.indicator_share,
        "indicator_recs": [numbered(ctx, r) for r in f.indicator_recommendations],
        "dimension": dims[f.dimension], "dimension_share": f.dimension_share,
        "dimension_share_first": f.dimension_share_first,
        "recommendation": numbered(ctx, f.recommendation) if f.recommendation is not None else None,
        "recommendation_share": f.recommendation_share,
    }


def group_obstacle_lines(ctx: Report) -> alt.FacetChart | str:
    """Each group's mean obstacle degree by dimension over the years (one panel per group), or a note when
    the units form one group."""
    if not has_groups(ctx):
        return grouping_note(ctx)
    g = diagnosis(ctx).groups
    g = g[g["level"] == "dimension"].copy()
    order = [label for _, label in dimension_labels(ctx)]
    g["dimension"] = g["item"].map(dict(dimension_labels(ctx)))
    text = index_text(ctx, ctx.t("group_obstacle_title"), ctx.t("obstacle_unit"),
                      ctx.t("group_obstacle_note", units=ctx.noun(plural=True)))
    base = alt.Chart(g[["group", "year", "dimension", "obstacle"]]).mark_line(point=True).encode(
        x=alt.X("year:O", title=ctx.t("year")),
        y=alt.Y("obstacle:Q", title=text.unit, axis=alt.Axis(format="%"), scale=alt.Scale(zero=True)),
        color=alt.Color("dimension:N", title=ctx.t("dimension"), sort=order),
        tooltip=["group:N", "dimension:N", "year:O", alt.Tooltip("obstacle:Q", format=".1%")],
    ).properties(width=220, height=170)
    return base.facet(facet=alt.Facet("group:N", title=None, sort=group_order(ctx)), columns=3).properties(
        title=charts.titled(text, ctx.lang))


def group_table(ctx: Report, year: int) -> pd.DataFrame | str:
    """Per group in ``year``: the largest obstacle dimension (share, and in the first year), the largest
    indicator and the recommendation carrying the largest obstacle; a note with one group."""
    if not has_groups(ctx):
        return grouping_note(ctx)
    diag = diagnosis(ctx)
    rows = []
    for group in _ordered_groups(ctx):
        f = facts(ctx, group, year, by="group")
        n = int(diag.groups.loc[(diag.groups["group"] == group) & (diag.groups["year"] == year), "n_units"].iat[0])
        rows.append({
            ctx.t("region"): group, ctx.t("n_units"): n,
            ctx.t("main_obstacle"): f["dimension"],
            ctx.t("obstacle_share"): round(f["dimension_share"] * 100, 1),
            ctx.t("obstacle_share_first", year=f["first_year"]): round(f["dimension_share_first"] * 100, 1),
            ctx.t("top_indicator"): f"{f['indicator']} ({f['indicator_share'] * 100:.1f})",
            ctx.t("main_recommendation"): f"{f['recommendation']} ({f['recommendation_share'] * 100:.1f})"
            if f["recommendation"] else ctx.t("none"),
        })
    return pd.DataFrame(rows)


def main_obstacle_by_region(ctx: Report, year: int) -> pd.DataFrame | str:
    """For each group: how many of its units have each dimension as their largest obstacle in ``year``."""
    if not has_groups(ctx):
        return grouping_note(ctx)
    u = diagnosis(ctx).units
    first = u[(u["level"] == "dimension") & (u["year"] == year) & (u["position"] == 1)].copy()
    first["group"] = first["unit"].map(groups_of(ctx))
    first["dimension"] = first["item"].map(dict(dimension_labels(ctx)))
    table = first.pivot_table(index="dimension", columns="group", values="unit", aggfunc="count", fill_value=0)
    table = table.reindex([label for _, label in dimension_labels(ctx)]).fillna(0).astype(int)
    table = table[[g for g in group_order(ctx) if g in table.columns]]
    table.columns.name = None
    return table.reset_index().rename(columns={"dimension": ctx.t("main_obstacle")})


def group_facts(ctx: Report, year: int) -> list[dict]:
    """:func:`facts` of every group in ``year`` (empty with one group)."""
    if not has_groups(ctx):
        return []
    return [facts(ctx, g, year, by="group") for g in _ordered_groups(ctx)]


def _ordered_groups(ctx: Report) -> list[str]:
    """The diagnosis's groups in the report's fixed group order (the same in both languages)."""
    have = set(diagnosis(ctx).groups["group"].astype(str))
    return [g for g in group_order(ctx) if g in have]


def group_summary(ctx: Report, year: int) -> dict:
    """What the groups' sentence needs: every group's :func:`facts`, and whether they all share the largest
    obstacle dimension, indicator and recommendation (then one sentence names it once, with the range of
    its share across the groups)."""
    groups = group_facts(ctx, year)
    if not groups:
        return {"groups": [], "same_dimension": False, "same_indicator": False, "same_recommendation": False}
    low = min(groups, key=lambda g: g["dimension_share"])
    high = max(groups, key=lambda g: g["dimension_share"])
    return {
        "groups": groups, "n": len(groups),
        "same_dimension": len({g["dimension"] for g in groups}) == 1,
        "same_indicator": len({g["indicator"] for g in groups}) == 1,
        "same_recommendation": len({g["recommendation"] for g in groups}) == 1,
        "dimension": groups[0]["dimension"], "indicator": groups[0]["indicator"],
        "recommendation": groups[0]["recommendation"],
        "low": low["who"], "low_share": low["dimension_share"], "high": high["who"], "high_share": high["dimension_share"],
    }
