"""Views of section 3 (pathways): obstacle degrees of the focus unit and of each region, and a what-if
that closes the focus unit's largest closable gap."""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from nqp_lib import charts
from nqp_lib.report.views.common import dimension_labels, index_text

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.measure.diagnose import ObstacleResult
    from nqp_lib.measure.scenario import GapClosure
    from nqp_lib.report.context import Report

#: How many of a unit's largest obstacles the page lists.
TOP_OBSTACLES = 5
#: The level the what-if lifts the focus unit's weakest closable indicator to (a quantile of the units).
WHAT_IF_QUANTILE = 0.75


def obstacles(ctx: Report) -> ObstacleResult:
    """Obstacle degrees of every unit-year (:func:`nqp_lib.measure.diagnose.obstacle_degree`)."""
    from nqp_lib.measure.diagnose import obstacle_degree

    return ctx.memo("obstacles", lambda: obstacle_degree(ctx.index.result_, top=TOP_OBSTACLES))


def focus_obstacle_lines(ctx: Report) -> alt.Chart:
    """The focus province's obstacle degree by dimension over the years."""
    ob = obstacles(ctx).dimensions
    f = ob[ob["unit"] == ctx.settings.focus]
    names = dict(dimension_labels(ctx))
    long = f.melt(id_vars=["unit", "year"], var_name="dimension", value_name="obstacle")
    long["dimension"] = long["dimension"].map(names)
    return charts.lines(
        long, "year", "obstacle", "dimension", key="obs", lang=ctx.lang, color_title=ctx.t("dimension"), fmt=".1%",
        zero=True, order=[label for _, label in dimension_labels(ctx)],
        text=index_text(ctx, ctx.t("obstacle_title", name=ctx.name_of(ctx.settings.focus)), ctx.t("obstacle_unit")),
    )


def focus_top_obstacles(ctx: Report, year: int) -> pd.DataFrame:
    top = obstacles(ctx).top_indicators
    f = top[(top["unit"] == ctx.settings.focus) & (top["year"] == year)].sort_values("position")
    names = {i.id: i.name(ctx.lang) for i in ctx.system.indicators}
    dims = dict(dimension_labels(ctx))
    return pd.DataFrame({
        "#": f["position"].to_numpy(),
        ctx.t("indicator"): f["indicator"].map(names).to_numpy(),
        ctx.t("dimension"): f["dimension"].map(dims).to_numpy(),
        ctx.t("obstacle_share"): (f["obstacle"] * 100).round(1).to_numpy(),
    })


def main_obstacle_by_region(ctx: Report, year: int) -> pd.DataFrame:
    """For each region: how many provinces have each dimension as their largest obstacle in ``year``."""
    top = obstacles(ctx).top_dimensions
    first = ctx.with_regions(top[(top["year"] == year) & (top["position"] == 1)])
    first["dimension"] = first["dimension"].map(dict(dimension_labels(ctx)))
    table = first.pivot_table(index="dimension", columns="group", values="unit", aggfunc="count", fill_value=0)
    table.columns.name = None
    return table.reset_index().rename(columns={"dimension": ctx.t("main_obstacle")})


def gap_closure(ctx: Report, year: int, quantile: float = WHAT_IF_QUANTILE) -> GapClosure | None:
    """The focus unit's largest closable gap closed (:func:`nqp_lib.measure.scenario.close_largest_gap`),
    or None when it is at or above ``quantile`` on every indicator read from a panel column."""
    from nqp_lib.measure.scenario import close_largest_gap

    return ctx.memo(f"gap{year}-{quantile}", lambda: close_largest_gap(
        ctx.index, ctx.settings.focus, year, quantile, obstacles=obstacles(ctx).indicators))


def what_if_table(ctx: Report, closure: GapClosure | None) -> pd.DataFrame:
    """The what-if as one row: indicator, obstacle share, values, scores and ranks before and after
    (empty when there is no scenario)."""
    if closure is None:
        return pd.DataFrame()
    ind = ctx.system.indicator(closure.indicator)
    unit = ind.unit_in(ctx.lang)
    return pd.DataFrame({
        ctx.t("indicator"): [ind.name(ctx.lang)],
        ctx.t("obstacle_share"): [f"{closure.obstacle * 100:.1f}"],
        ctx.t("value_before"): [f"{closure.value_before:,.3f} {unit}"],
        ctx.t("value_after"): [f"{closure.value_after:,.3f} {unit}"],
        ctx.t("score_before"): [closure.score_before], ctx.t("score_after"): [closure.score_after],
        ctx.t("rank_before"): [closure.rank_before], ctx.t("rank_after"): [closure.rank_after],
    })
