"""Views of section 1 (connotation): the four key features across the system's dimensions, the dimensions'
sub-indices by region, and coupling coordination of the dimensions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from nqp_lib import charts
from nqp_lib.charts import ChartText
from nqp_lib.report.views.common import dimension_labels, index_text, system_source, words

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.report.context import Report


def feature_matrix(ctx: Report) -> alt.Chart:
    """How many indicators of each dimension evidence each of the four key features."""
    features = words(ctx, "features")
    rows = [
        {"dimension": d.name(ctx.lang), "feature": features[f], "n": sum(f in i.features for i in d.indicators)}
        for d in ctx.system.dimensions for f in features
    ]
    frame = pd.DataFrame(rows)  # the full grid, zeros included: a feature no indicator evidences shows as 0
    return charts.heatmap(
        frame, "feature", "dimension", "n", key="feat", lang=ctx.lang,
        text=ChartText(ctx.t("feature_matrix"), system_source(ctx), ctx.t("count_indicators")),
        x_title=ctx.t("features"), y_title=ctx.t("dimension"), fmt="d",
    )


def dimension_profile(ctx: Report) -> alt.Chart:
    return charts.dimension_profile(ctx.scores, dimension_labels(ctx), key="dims", lang=ctx.lang,
                                    text=index_text(ctx, ctx.system.name(ctx.lang), ctx.t("subindex_unit")))


def coupling(ctx: Report) -> pd.DataFrame:
    """Coupling coordination (C, T, D, grade) of the dimensions per unit-year
    (:func:`nqp_lib.measure.diagnose.coupling_coordination`), with region columns."""
    from nqp_lib.measure.diagnose import coupling_coordination

    return ctx.memo("coupling", lambda: ctx.with_regions(coupling_coordination(ctx.index.result_)))


def coupling_map(ctx: Report) -> alt.LayerChart | str:
    if not ctx.is_provincial:
        return ctx.t("provinces_only")
    return charts.tile_map(
        coupling(ctx), "D", key="ccd", lang=ctx.lang, tiles=ctx.regions, value_title="D",
        colours=("#e6f3f8", "#3a8fc4"), text=index_text(ctx, ctx.t("coupling_title"), ctx.t("coupling_unit")),
    )


def coupling_grades(ctx: Report, year: int) -> pd.DataFrame:
    """Number of provinces in each coordination grade, by region, in ``year``."""
    cc = coupling(ctx)
    cc = cc[cc["year"] == year]
    label = "grade_zh" if ctx.lang == "zh" else "grade_en"
    table = cc.pivot_table(index=["grade", label], columns="group", values="unit", aggfunc="count", fill_value=0)
    table = table.reset_index().sort_values("grade", ascending=False).drop(columns="grade")
    table.columns.name = None
    return table.rename(columns={label: ctx.t("grade")})
