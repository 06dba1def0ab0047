"""Ready-made tables and charts of a report, in its language, with sources and units filled in.

Each function takes the :class:`~nqp_lib.report.context.Report` and returns a frame or an Altair chart,
so a notebook cell stays one line (``ctx.show(views.index_map(ctx))``). Nothing here computes a
statistic itself: numbers come from the data layer, the measurement engine and the disparity layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from nqp_lib import charts
from nqp_lib.systems import CONDITIONS, FEATURES

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.report.context import Report


def dimension_labels(ctx: Report) -> list[tuple[str, str]]:
    return [(d.id, d.name(ctx.lang)) for d in ctx.system.dimensions]


def coverage(ctx: Report) -> pd.DataFrame:
    """Per year: share of the system's indicator cells observed before imputation, and cells imputed."""
    m = ctx.system.matrix(ctx.panel.frame)
    m = m[~m["unit"].isin(ctx.excluded_units)]
    ids = ctx.system.indicator_ids
    observed = m.groupby("year")[ids].count().sum(axis=1)
    cells = m.groupby("year")["unit"].count() * len(ids)
    imputed = ctx.index.result_.imputed
    out = pd.DataFrame({ctx.t("year"): observed.index, ctx.t("observed_share"): (observed / cells * 100).round(1).to_numpy()})
    if imputed is not None:
        per_year = imputed.groupby("year")[ids].sum().sum(axis=1)
        out[ctx.t("imputed_cells")] = per_year.reindex(observed.index).fillna(0).astype(int).to_numpy()
    return out


def system_table(ctx: Report) -> pd.DataFrame:
    """The indicator system: dimension, indicator, unit, direction, features, conditions."""
    rows = []
    for d in ctx.system.dimensions:
        for i in d.indicators:
            rows.append({
                ctx.t("dimension"): d.name(ctx.lang),
                ctx.t("indicator"): i.name(ctx.lang),
                ctx.t("unit"): i.unit,
                ctx.t("direction"): "+" if i.direction > 0 else "−",
                ctx.t("features"): "、".join(FEATURES[f][ctx.lang] for f in i.features) if ctx.lang == "zh"
                else "; ".join(FEATURES[f][ctx.lang] for f in i.features),
                ctx.t("conditions"): ", ".join(str(c) for c in i.conditions),
            })
    return pd.DataFrame(rows)


def conditions_legend(ctx: Report) -> pd.DataFrame:
    return pd.DataFrame({"#": list(CONDITIONS), ctx.t("conditions"): [c[ctx.lang] for c in CONDITIONS.values()]})


def options_table(ctx: Report) -> pd.DataFrame:
    opts = ctx.index.options_.as_dict()
    keep = ["normalise", "scope", "zeros", "shift", "weights", "hierarchy", "aggregate", "impute", "years", "exclude_units"]
    return pd.DataFrame({"option": keep, "value": [str(opts.get(k)) for k in keep]})


def index_map(ctx: Report) -> alt.LayerChart:
    return charts.tile_map(
        ctx.scores, "score", key="map", lang=ctx.lang, title=ctx.t("nqpf_index") + " · " + ctx.system.name(ctx.lang),
        source=ctx.t("index_source"), unit=ctx.t("index_unit"), tiles=ctx.regions, value_title=ctx.t("score"),
    )


def index_ranking(ctx: Report) -> alt.Chart:
    return charts.ranking(
        ctx.scores, "score", key="rank", lang=ctx.lang, title=ctx.t("nqpf_index") + " · " + ctx.t("rank"),
        source=ctx.t("index_source"), unit=ctx.t("index_unit"), focus=ctx.settings.focus,
    )


def index_trends(ctx: Report) -> alt.LayerChart:
    return charts.trends(
        ctx.scores, "score", key="trend", lang=ctx.lang, title=ctx.t("nqpf_index"),
        source=ctx.t("index_source"), unit=ctx.t("index_unit"),
    )


def reweight(ctx: Report) -> alt.Chart:
    dw = ctx.index.result_.dimension_weights
    weights = dict(zip(dw["dimension"], dw["weight"])) if "dimension" in dw else dw.iloc[:, -1].to_dict()
    dims = [(d, label, float(weights.get(d, 1 / len(ctx.system.dimensions)))) for d, label in dimension_labels(ctx)]
    return charts.reweight(
        ctx.scores, dims, key="rw", lang=ctx.lang, title=ctx.t("nqpf_index") + " · " + ctx.t("weight"),
        source=ctx.t("index_source"), unit=ctx.t("index_unit"), focus=ctx.settings.focus,
    )


def dimension_profile(ctx: Report) -> alt.Chart:
    return charts.dimension_profile(
        ctx.scores, dimension_labels(ctx), key="dims", lang=ctx.lang, title=ctx.system.name(ctx.lang),
        source=ctx.t("index_source"), unit=ctx.t("subindex_unit"),
    )


def top_table(ctx: Report, year: int | None = None, n: int = 10) -> pd.DataFrame:
    """The top ``n`` units in a year (default the last) with score and dimension sub-indices."""
    s = ctx.scores
    y = year or int(s["year"].max())
    cols = ["rank", "name", "group", "score", *[d for d, _ in dimension_labels(ctx)]]
    top = s[s["year"] == y].sort_values("rank")[cols].head(n)
    names = {"rank": ctx.t("rank"), "name": ctx.t("province"), "group": ctx.t("region"), "score": ctx.t("score")}
    names.update(dict(dimension_labels(ctx)))
    return top.rename(columns=names)


def excluded_note(ctx: Report) -> str:
    """One sentence naming the units left out of the index (or nothing)."""
    if not ctx.excluded_units:
        return ""
    names = "、".join(ctx.name_of(u) for u in ctx.excluded_units) if ctx.lang == "zh" else ", ".join(
        ctx.name_of(u) for u in ctx.excluded_units)
    return f"{ctx.t('excluded_units')}: {names}."
