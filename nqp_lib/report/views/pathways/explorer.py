"""The scenario explorer: choose a lever, a size and a target; see the new national index, the focus unit's
new score, rank and rank interval.

Static HTML: every (lever, size, target) is scored at build time by
:func:`nqp_lib.measure.levers.scenario_grid` (fitted bounds and weights, ``CompositeIndex.transform_matrix``;
rank intervals from the Monte Carlo draws rescoring each scenario), and the page looks the chosen one up
with three Altair selects — no kernel, no refit. Live mode (a kernel): the same three choices as ipywidgets
dropdowns, each choice scored on the spot with :func:`nqp_lib.measure.levers.scenario`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd

from nqp_lib.charts import titled
from nqp_lib.report.views.common import index_text
from nqp_lib.report.views.pathways.diagnosis import groups_of, has_groups

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.measure.levers import ScenarioGrid
    from nqp_lib.report.context import Report

#: The level the diagnosis's example closes the focus unit's largest gap to (a quantile of the units).
GAP_QUANTILE = 0.75
#: Monte Carlo draws for the explorer's rank intervals (the report's seed).
DRAWS = 200
#: Rank intervals are skipped above this many rescored rows × draws (memory: 8 bytes each).
MAX_DRAW_CELLS = 20_000_000


def targets(ctx: Report) -> dict[str, list[str]]:
    """Target key → units: every unit, each group (when there are two or more), the focus unit."""
    g = groups_of(ctx)
    year = ctx.settings.year_to
    scored = ctx.scores.loc[ctx.scores["year"] == year, "unit"].tolist()
    out = {"all": scored}
    if has_groups(ctx):
        from nqp_lib.report.views.common import group_order

        present = set(g.dropna().astype(str))
        for group in [x for x in group_order(ctx) if x in present]:
            out[f"group:{group}"] = [u for u in scored if g.get(u) == group]
    out[f"unit:{ctx.settings.focus}"] = [ctx.settings.focus]
    return out


def grid(ctx: Report) -> ScenarioGrid:
    """Every lever × size × target in the last report year, the focus unit as the subject of every target."""
    from nqp_lib.measure.levers import SIZES, levers, scenario_grid
    from nqp_lib.measure.uncertainty import uncertainty

    def compute() -> ScenarioGrid:
        lv = levers(ctx.index)
        n = int((ctx.scores["year"] == ctx.settings.year_to).sum())
        mc = None
        if len(lv) * len(SIZES) * n * DRAWS <= MAX_DRAW_CELLS:
            mc = ctx.memo(f"mc{DRAWS}", lambda: uncertainty(ctx.index, draws=DRAWS, seed=ctx.settings.seed))
        return scenario_grid(ctx.index, ctx.settings.year_to, targets(ctx), ctx.settings.focus, mc=mc)

    return ctx.memo("scenario_grid", compute)


def lever_labels(ctx: Report) -> dict[str, str]:
    """Lever key → label ("维度：…" / "Dimension: …", "指标：…" / "Indicator: …")."""
    out = {f"dimension:{d.id}": ctx.t("lever_dimension", name=d.name(ctx.lang)) for d in ctx.system.dimensions}
    out |= {f"indicator:{i.id}": ctx.t("lever_indicator", name=i.name(ctx.lang)) for i in ctx.system.indicators}
    return out


def size_labels(ctx: Report) -> dict[str, str]:
    from nqp_lib.measure.levers import SIZES

    return {s.key: (s.key if s.kind == "relative" else
                    ctx.t("size_quantile", q=f"{s.value * 100:g}", units=ctx.noun(plural=True))) for s in SIZES}


def target_labels(ctx: Report) -> dict[str, str]:
    out = {}
    for key in targets(ctx):
        kind, _, rest = key.partition(":")
        out[key] = (ctx.t("target_all", units=ctx.noun(plural=True)) if kind == "all" else
                    ctx.t("target_group", name=rest) if kind == "group" else ctx.name_of(rest))
    return out


def outcomes(ctx: Report) -> pd.DataFrame:
    """One row per (lever, size, target): national index and the focus unit's score and rank before
    (``*_base``) and after, and the rank interval after (NaN when not computed)."""
    g = grid(ctx)
    base = g.base_outcomes.set_index("target")
    out = g.outcomes.drop(columns="subject").copy()
    for col in ("national", "score", "rank"):
        out[f"{col}_base"] = out["target"].map(base[col]).to_numpy()
    return out


def _js(text: str) -> str:
    """A Vega expression string literal."""
    import json

    return json.dumps(text, ensure_ascii=False)


def explorer_chart(ctx: Report) -> alt.VConcatChart:
    """The static explorer: three selects, bars of the national index and the focus unit's score before
    and after, and the focus unit's rank (and rank interval) as text — looked up in the precomputed grid."""
    out = outcomes(ctx)
    levers, sizes, tgts = lever_labels(ctx), size_labels(ctx), target_labels(ctx)
    p_lever = alt.param(name="pwx_lever", value=next(iter(levers)), bind=alt.binding_select(
        options=list(levers), labels=list(levers.values()), name=ctx.t("lever") + " "))
    p_size = alt.param(name="pwx_size", value="+10%", bind=alt.binding_select(
        options=list(sizes), labels=list(sizes.values()), name=ctx.t("size") + " "))
    p_target = alt.param(name="pwx_target", value=f"unit:{ctx.settings.focus}", bind=alt.binding_select(
        options=list(tgts), labels=list(tgts.values()), name=ctx.t("target") + " "))
    chosen = (alt.datum.lever == p_lever) & (alt.datum.size == p_size) & (alt.datum.target == p_target)
    name = ctx.name_of(ctx.settings.focus)
    national, score = ctx.t("national_index", units=ctx.noun(plural=True)), ctx.t("score_of", name=name)
    before, after = ctx.t("before"), ctx.t("after")
    cols = ["lever", "size", "target", "national", "national_base", "score", "score_base", "rank", "rank_base"]
    has_interval = bool(out["rank_p05"].notna().all())
    data = out[cols + (["rank_p05", "rank_p95"] if has_interval else [])].round(6)
    if has_interval:  # percentiles of ranks interpolate (5.05): the page shows whole ranks, widened outwards
        data = data.assign(rank_p05=np.floor(data["rank_p05"]).astype(int), rank_p95=np.ceil(data["rank_p95"]).astype(int))
    text = index_text(ctx, ctx.t("explorer_title", year=ctx.settings.year_to), ctx.t("index_unit"),
                      ctx.t("explorer_note", n=len(out), units=ctx.noun(plural=True)))
    base = (
        alt.Chart(data).transform_filter(chosen)
        .transform_fold(["national_base", "national", "score_base", "score"], as_=["key", "value"])
        .transform_calculate(
            what=f"indexof(datum.key, 'national') == 0 ? {_js(national)} : {_js(score)}",
            when=f"indexof(datum.key, '_base') > 0 ? {_js(before)} : {_js(after)}")
    )
    y = alt.Y("what:N", title=None, sort=[national, score])
    yoff = alt.YOffset("when:N", sort=[before, after])
    colour = alt.Color("when:N", title=None, sort=[before, after],
                       scale=alt.Scale(domain=[before, after], range=["#9aa5b1", "#b22222"]))
    bars = base.mark_bar().encode(y=y, yOffset=yoff, x=alt.X("value:Q", title=text.unit), color=colour,
                                  tooltip=["what:N", "when:N", alt.Tooltip("value:Q", format=".4f")])
    labels = base.mark_text(align="left", dx=4, fontSize=11, color="#1f2933").encode(
        y=y, yOffset=yoff, x="value:Q", text=alt.Text("value:Q", format=".4f"))
    panel = (bars + labels).properties(width=460, height=150, title=titled(text, ctx.lang))
    sentence = ctx.t("rank_sentence", name=name, before="§b", after="§a")
    expr = _js(sentence).replace("§b", '" + datum.rank_base + "').replace("§a", '" + datum.rank + "')
    if has_interval:
        expr += " + " + _js(ctx.t("rank_interval", lo="§l", hi="§h")).replace(
            "§l", '" + datum.rank_p05 + "').replace("§h", '" + datum.rank_p95 + "')
    rank = (
        alt.Chart(data).transform_filter(chosen).transform_calculate(sentence=expr)
        .mark_text(align="left", fontSize=13, fontWeight="bold", color="#1f2933")
        .encode(x=alt.value(0), y=alt.value(10), text="sentence:N").properties(width=460, height=24)
    )
    return alt.vconcat(panel, rank).add_params(p_lever, p_size, p_target)


def explorer_facts(ctx: Report) -> dict:
    """Grid size and draws for the prose, and the scenario of the first lever for an example."""
    g = grid(ctx)
    rel = g.sizes[g.sizes["kind"] == "relative"]["value"]
    return {"rel_min": float(rel.min()), "rel_max": float(rel.max()), "q": GAP_QUANTILE,
            "levers": len(g.levers), "sizes": len(g.sizes), "targets": g.outcomes["target"].nunique(),
            "scenarios": len(g.outcomes), "units": len(g.base), "year": g.year,
            "draws": g.options.get("draws"), "interval": g.options.get("draws") is not None}


# ----------------------------------------------------------------------------------------- live mode


class ScenarioExplorer:
    """Lever, size and target dropdowns and a live table: each choice scored with
    :func:`nqp_lib.measure.levers.scenario` (``CompositeIndex.transform_matrix`` of the moved matrix)."""

    def __init__(self, ctx: Report):
        import ipywidgets as widgets

        self.ctx = ctx
        self.lever = widgets.Dropdown(options=[(v, k) for k, v in lever_labels(ctx).items()], description=ctx.t("lever"))
        self.size = widgets.Dropdown(options=[(v, k) for k, v in size_labels(ctx).items()], description=ctx.t("size"))
        self.target = widgets.Dropdown(options=[(v, k) for k, v in target_labels(ctx).items()],
                                       value=f"unit:{ctx.settings.focus}", description=ctx.t("target"))
        self.output = widgets.Output()
        for w in (self.lever, self.size, self.target):
            w.observe(lambda _change: self.refresh(), names="value")
        self.widget = widgets.VBox([self.lever, self.size, self.target, self.output])
        self.refresh()

    def table(self) -> pd.DataFrame:
        """National index and the focus unit's score and rank before and after the chosen scenario."""
        from nqp_lib.measure.levers import scenario

        ctx = self.ctx
        s = scenario(ctx.index, self.lever.value, self.size.value, targets(ctx)[self.target.value],
                     ctx.settings.year_to)
        me = s.of(ctx.settings.focus)
        return pd.DataFrame({
            "": [ctx.t("national_index", units=ctx.noun(plural=True)), ctx.t("score_of", name=ctx.name_of(ctx.settings.focus)),
                 ctx.t("rank")],
            ctx.t("before"): [s.national_before, me["score_before"], me["rank_before"]],
            ctx.t("after"): [s.national_after, me["score_after"], me["rank_after"]],
        })

    def refresh(self) -> None:
        from IPython.display import display

        self.output.clear_output(wait=True)
        with self.output:
            display(self.table())


def show_explorer(ctx: Report) -> ScenarioExplorer | None:
    """The static Altair explorer under ``nqp build``; the ipywidgets explorer with a kernel."""
    from nqp_lib.report.vega import is_static

    if is_static():
        ctx.show(explorer_chart(ctx))
        ctx.note(ctx.t("explorer_live_note"))
        return None
    from IPython.display import display

    explorer = ScenarioExplorer(ctx)
    display(explorer.widget)
    return explorer


def focus_gap(ctx: Report) -> dict | None:
    """The focus unit's largest obstacle that the units' 75th percentile can still close, closed for it
    alone (:func:`nqp_lib.measure.levers.largest_gap`), labelled for a sentence; None when none can."""
    from nqp_lib.measure.levers import largest_gap
    from nqp_lib.report.views.pathways.diagnosis import diagnosis, diagnosis_note

    if diagnosis_note(ctx):
        return None

    def compute() -> dict | None:
        from nqp_lib.measure.diagnose import obstacle_degree

        s = largest_gap(ctx.index, ctx.settings.focus, ctx.settings.year_to, f"p{GAP_QUANTILE * 100:g}",
                        obstacles=obstacle_degree(ctx.index.result_).indicators)
        if s is None:
            return None
        me = s.of(ctx.settings.focus)
        ind = ctx.system.indicator(s.lever.id)
        mv = s.moved.iloc[0]
        links = diagnosis(ctx).links
        from nqp_lib.report.views.pathways.levers import numbered

        return {"q": GAP_QUANTILE, "indicator": ind.name(ctx.lang), "unit": ind.unit_in(ctx.lang), "before": float(mv["before"]),
                "after": float(mv["after"]), "imputed": bool(mv["imputed"]),
                "score_before": float(me["score_before"]), "score_after": float(me["score_after"]),
                "rank_before": int(me["rank_before"]), "rank_after": int(me["rank_after"]),
                "recs": [numbered(ctx, int(r)) for r in links.loc[links["indicator"] == ind.id, "recommendation"]]}

    return ctx.memo("focus_gap", compute)
