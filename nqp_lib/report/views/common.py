"""Views and helpers every section may use: labels, source lines, the indicator system, data coverage,
the measurement options."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from nqp_lib.charts import ChartText
from nqp_lib.data.citation import source_line
from nqp_lib.labels import vocabulary

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.report.context import Report


def dimension_labels(ctx: Report) -> list[tuple[str, str]]:
    """``(id, name)`` of each dimension of the system, in the system's order."""
    return [(d.id, d.name(ctx.lang)) for d in ctx.system.dimensions]


def words(ctx: Report, kind: str) -> dict:
    """A part of the article's vocabulary (features, conditions, …) in the report's language."""
    return {k: v[ctx.lang] for k, v in vocabulary(kind).items()}


def computed_source(ctx: Report) -> str:
    """Source line of results nqp computes from the report's panel (index, decompositions …)."""
    return source_line(ctx.panel, ctx.lang)


def values_source(ctx: Report) -> str:
    """Source line of the panel's values themselves; says when some of them are nqp's arithmetic (a
    formula indicator, or a column the shipped panel derives — a user's columns are the user's values)."""
    columns = ctx.panel.columns if ctx.panel.name == "provincial" else {}
    derived = any(
        i.column is None or (i.column in columns and columns[i.column].source == "derived")
        for i in ctx.system.indicators
    )
    return source_line(ctx.panel, ctx.lang, computed=False, derived=derived)


def system_source(ctx: Report) -> str:
    """Source line of the indicator system: its file (relative to the project for a shipped system)."""
    from nqp_lib.report.context import PROJECT_ROOT

    path = ctx.system.path
    if path is None:
        shown = ctx.system.id
    else:
        p = Path(path).resolve()
        shown = str(p.relative_to(PROJECT_ROOT)) if p.is_relative_to(PROJECT_ROOT) else p.name
    return ctx.t("system_source", path=shown)


def index_text(ctx: Report, title: str, unit: str | None = None, note: str | None = None) -> ChartText:
    """Chart text of a chart of computed results (the index by default unit)."""
    return ChartText(title, computed_source(ctx), unit or ctx.t("index_unit"), note)


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
    features = words(ctx, "features")
    sep = "、" if ctx.lang == "zh" else "; "
    rows = []
    for d in ctx.system.dimensions:
        for i in d.indicators:
            rows.append({
                ctx.t("dimension"): d.name(ctx.lang),
                ctx.t("indicator"): i.name(ctx.lang),
                ctx.t("unit"): i.unit_in(ctx.lang),
                ctx.t("direction"): "+" if i.direction > 0 else "−",
                ctx.t("features"): sep.join(features[f] for f in i.features),
                ctx.t("conditions"): ", ".join(str(c) for c in i.conditions),
            })
    return pd.DataFrame(rows)


def conditions_legend(ctx: Report) -> pd.DataFrame:
    """The six formation conditions, numbered as the system table refers to them."""
    conditions = words(ctx, "conditions")
    return pd.DataFrame({"#": list(conditions), ctx.t("conditions"): list(conditions.values())})


def options_table(ctx: Report) -> pd.DataFrame:
    """The index's measurement options, labelled in the report's language beside their code names."""
    opts = ctx.index.options_.as_dict()
    opts["years"] = f"{ctx.settings.year_from}–{ctx.settings.year_to}"
    opts["exclude_units"] = ", ".join(ctx.name_of(u) for u in ctx.excluded_units) or ctx.t("none")
    keep = ["normalise", "scope", "zeros", "shift", "weights", "hierarchy", "aggregate", "impute", "years", "exclude_units"]
    return pd.DataFrame({ctx.t("option"): [ctx.t(f"opt_{k}") for k in keep], ctx.t("option_key"): keep,
                         ctx.t("option_value"): [str(opts.get(k)) for k in keep]})


def excluded_names(ctx: Report) -> list[str]:
    """Display names of the units the index leaves out (an indicator has no value for them at all)."""
    return [ctx.name_of(u) for u in ctx.excluded_units]


def group_order(ctx: Report) -> list[str]:
    """The groups present in the index, in a fixed order — the regions table's order for known units, then
    any other groups sorted — so that a group gets the same colour in every language
    (:func:`nqp_lib.argument_charts.group_scale`)."""
    present = list(dict.fromkeys(ctx.scores["group"].dropna().astype(str)))
    known = [g for g in dict.fromkeys(ctx.regions["group"].astype(str)) if g in present]
    return known + sorted(g for g in present if g not in known)


def grouping_note(ctx: Report) -> str | None:
    """Why results that compare groups (Dagum's decomposition, group counts) are not shown, or None when the
    report has a grouping with at least two groups: the panel has no grouping column, or the chosen one puts
    every scored unit in one group. Views return this note instead of a degenerate result."""
    if ctx.grouping is None:
        return ctx.t("grouping_none")
    scored = ctx.scores.dropna(subset=["score"])
    if scored["group"].nunique() < 2:
        return ctx.t("grouping_single")
    return None


def weights_note(ctx: Report) -> str | None:
    """Why spatial measures (Moran's I, LISA, spatial Markov) are not shown, or None when the report has
    spatial weights (:meth:`~nqp_lib.report.context.Report.weights`)."""
    return ctx.t("spatial_provinces_only") if ctx.weights() is None else None


def focus_position(ctx: Report) -> dict:
    """Where the focus unit stands on the index: its rank among all scored units in the first and last
    report year, and its rank within its group in the last year (ranks as the index gives them, 1 = highest
    score). Keys: ``focus_name``, ``last_year``, ``focus_rank``, ``n_ranked``, ``first_year``, ``first_rank``
    (None when the focus has no score that year), ``group_name``, ``group_rank``, ``group_size`` (empty
    name without a grouping)."""
    s = ctx.scores.dropna(subset=["score"])
    focus = ctx.settings.focus
    first, last = int(s["year"].min()), int(s["year"].max())
    end = s[s["year"] == last]
    row = end[end["unit"] == focus]
    start = s[(s["year"] == first) & (s["unit"] == focus)]
    out = {"focus_name": ctx.name_of(focus), "last_year": last, "n_ranked": len(end), "first_year": first,
           "focus_rank": int(row["rank"].iat[0]) if len(row) else None,
           "first_rank": int(start["rank"].iat[0]) if len(start) else None,
           "group_name": "", "group_rank": None, "group_size": None}
    if ctx.grouping is not None and len(row) and grouping_note(ctx) is None:
        group = row["group"].iat[0]
        peers = end[end["group"] == group].sort_values("score", ascending=False)
        out.update(group_name=str(group), group_size=len(peers),
                   group_rank=int((peers["score"] > row["score"].iat[0]).sum()) + 1)
    return out
