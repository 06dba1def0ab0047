"""Views of section 2 (conditions): the indicators behind each formation condition, and an indicator
explorer over the raw panel values."""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from nqp_lib import charts
from nqp_lib.charts import ChartText
from nqp_lib.report.views.common import values_source, words

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.report.context import Report


def condition_names(ctx: Report) -> list[tuple[int, str]]:
    """``(number, name)`` of the article's six formation conditions."""
    return list(words(ctx, "conditions").items())


def indicator_long(ctx: Report) -> pd.DataFrame:
    """Raw indicator values (before imputation) in long form with display labels including units."""
    m = ctx.system.matrix(ctx.panel.frame)
    long = m.melt(id_vars=["unit", "year"], var_name="indicator", value_name="value").dropna(subset=["value"])
    label = {i.id: f"{i.name(ctx.lang)} ({i.unit_in(ctx.lang)})" for i in ctx.system.indicators}
    long["metric"] = long["indicator"].map(label)
    return ctx.with_regions(long)


def indicator_explorer(ctx: Report) -> alt.Chart:
    long = indicator_long(ctx)
    metrics = {i.id: f"{i.name(ctx.lang)} ({i.unit_in(ctx.lang)})" for i in ctx.system.indicators}
    return charts.metric_ranking(
        long, metrics, ctx.regions, key="ind", lang=ctx.lang, focus=ctx.settings.focus,
        text=ChartText(ctx.t("indicator_explorer"), values_source(ctx), ctx.t("unit_in_select")),
    )


def condition_table(ctx: Report, condition: int) -> pd.DataFrame:
    """The system's indicators that speak to a formation condition: provincial median, highest and lowest
    province in the last year observed, and the change of the median since the first year observed (each
    indicator's own first and last year; raw data, nothing imputed)."""
    long = indicator_long(ctx)
    rows = []
    for ind in ctx.system.indicators:
        if condition not in ind.conditions:
            continue
        d = long[long["indicator"] == ind.id]
        end = d[d["year"] == d["year"].max()]
        start = d[d["year"] == d["year"].min()]
        if end.empty:
            continue
        hi, lo = end.loc[end["value"].idxmax()], end.loc[end["value"].idxmin()]
        rows.append({
            ctx.t("indicator"): ind.name(ctx.lang),
            ctx.t("unit"): ind.unit_in(ctx.lang),
            ctx.t("year"): int(end["year"].iat[0]),
            ctx.t("median"): end["value"].median(),
            ctx.t("highest"): f"{hi['name']} {hi['value']:,.2f}",
            ctx.t("lowest"): f"{lo['name']} {lo['value']:,.2f}",
            ctx.t("first_year"): int(start["year"].iat[0]),
            ctx.t("median_change"): end["value"].median() - start["value"].median(),
        })
    return pd.DataFrame(rows)
