"""Views of the overview: the index on a tile map, as a ranking, over time, under other dimension weights,
and the top units."""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from nqp_lib import charts
from nqp_lib.report.views.common import dimension_labels, index_text

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.report.context import Report


def index_map(ctx: Report) -> alt.LayerChart | str:
    if not ctx.is_provincial:
        return ctx.t("provinces_only")
    return charts.tile_map(
        ctx.scores, "score", key="map", lang=ctx.lang, tiles=ctx.regions, value_title=ctx.t("score"),
        text=index_text(ctx, ctx.t("nqpf_index") + " · " + ctx.system.name(ctx.lang)),
    )


def index_ranking(ctx: Report) -> alt.Chart:
    return charts.ranking(ctx.scores, "score", key="rank", lang=ctx.lang, focus=ctx.settings.focus,
                          text=index_text(ctx, ctx.t("nqpf_index") + " · " + ctx.t("rank")))


def index_trends(ctx: Report) -> alt.LayerChart:
    return charts.trends(ctx.scores, "score", key="trend", lang=ctx.lang,
                         text=index_text(ctx, ctx.t("nqpf_index"), note=ctx.t("trend_note")))


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
    return charts.reweight(ctx.scores, dims, key="rw", lang=ctx.lang, focus=ctx.settings.focus,
                           text=index_text(ctx, ctx.t("nqpf_index") + " · " + ctx.t("weight"), note=ctx.t("reweight_note")))


def top_table(ctx: Report, year: int | None = None, n: int = 10) -> pd.DataFrame:
    """The top ``n`` units in a year (default the last) with score and dimension sub-indices."""
    s = ctx.scores
    y = year or int(s["year"].max())
    cols = ["rank", "name", "group", "score", *[d for d, _ in dimension_labels(ctx)]]
    top = s[s["year"] == y].sort_values("rank")[cols].head(n)
    names = {"rank": ctx.t("rank"), "name": ctx.t("province"), "group": ctx.t("region"), "score": ctx.t("score")}
    names.update(dict(dimension_labels(ctx)))
    return top.rename(columns=names)
