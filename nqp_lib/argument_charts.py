"""Altair charts of the article's argument and the report's headline results: the argument map, the spread
of the index across units, a unit's profile with a drop-down, series with a band across units, and
economies compared over time.

Like :mod:`nqp_lib.charts`, every builder takes tidy frames and one :class:`~nqp_lib.charts.ChartText`,
names every parameter after its ``key``, and draws bands or a chosen few units instead of one mark per unit,
so a panel of thousands of units gives charts of the same size. Group colours come from
:func:`group_scale`, fixed by the groups' order (not their names), so Chinese and English pages agree.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from nqp_lib.charts import GROUP_COLOURS, ChartText, titled
from nqp_lib.labels import t


def group_scale(order: Sequence[str]) -> alt.Scale:
    """Colours of groups by their position in ``order`` (the same in every language)."""
    order = list(order)
    return alt.Scale(domain=order, range=[GROUP_COLOURS[i % len(GROUP_COLOURS)] for i in range(len(order))])


def with_group_colours(chart, order: Sequence[str], title: str):
    """``chart`` with every colour encoding of the field ``group`` fixed to :func:`group_scale` (layers and
    facets included); other encodings are left alone."""
    scale = group_scale(order)

    def fix(c):
        if isinstance(c, (alt.LayerChart,)):
            c.layer = [fix(layer) for layer in c.layer]
            return c
        if isinstance(c, alt.FacetChart):
            c.spec = fix(c.spec)
            return c
        enc = getattr(c, "encoding", alt.Undefined)
        if enc is alt.Undefined:
            return c
        colour = enc.color
        if isinstance(colour, alt.Color) and str(colour.shorthand).split(":")[0] == "group":
            enc.color = alt.Color("group:N", title=title, scale=scale)
        return c

    return fix(chart.copy(deep=True))


def argument_map(nodes: pd.DataFrame, edges: pd.DataFrame, *, key: str, lang: str, text: ChartText,
                 width: int = 1000) -> alt.LayerChart:
    """Columns of nodes joined by lines.

    ``nodes``: ``id, column`` (0, 1, …), ``row`` (position within the column, 0 = top), ``label`` (lines
    joined by "\\n"), ``heading`` (the column's heading, shown above it), ``section`` (where the report treats
    it). ``edges``: ``source, target`` (node ids) and ``weight`` (line width; 0 draws a dotted line).
    """
    n_rows = int(nodes["row"].max()) + 1
    pos = nodes.set_index("id")[["column", "row"]]
    e = edges.copy()
    e["x"] = e["source"].map(pos["column"]) + 0.38
    e["x2"] = e["target"].map(pos["column"]) - 0.38
    e["y"] = e["source"].map(pos["row"])
    e["y2"] = e["target"].map(pos["row"])
    e["dotted"] = e["weight"] <= 0
    n_cols = int(nodes["column"].max()) + 1
    xs = alt.Scale(domain=[-0.5, n_cols - 0.5])
    ys = alt.Scale(domain=[-1, n_rows - 0.5], reverse=True)
    lines = alt.Chart(e[["x", "x2", "y", "y2", "weight", "dotted"]]).mark_rule(color="#8fa3b8", opacity=0.7).encode(
        x=alt.X("x:Q", scale=xs, axis=None), x2="x2:Q",
        y=alt.Y("y:Q", scale=ys, axis=None), y2="y2:Q",
        strokeWidth=alt.StrokeWidth("weight:Q", scale=alt.Scale(range=[0.8, 5]), legend=None),
        strokeDash=alt.condition(alt.datum.dotted, alt.value([2, 3]), alt.value([1, 0])),
    )
    boxes = alt.Chart(nodes[["column", "row", "section"]]).mark_rect(
        color="#eef2f7", stroke="#5f6b7a", strokeWidth=0.8, cornerRadius=4).encode(
        x=alt.X("x1:Q", scale=xs, axis=None), x2="x2:Q", y=alt.Y("y1:Q", scale=ys, axis=None), y2="y2:Q",
        tooltip=[alt.Tooltip("section:N", title=t("arg_section", lang))],
    ).transform_calculate(x1="datum.column - 0.38", x2="datum.column + 0.38", y1="datum.row - 0.42", y2="datum.row + 0.42")
    # Vega draws the first line of a multi-line text at its anchor: move the anchor up by half the extra lines
    height = 64 * (n_rows + 1)
    line = 13 / (height / (n_rows + 0.5))  # one 11-px line (13 px apart) in row units
    placed = nodes.assign(text_row=nodes["row"] - nodes["label"].str.count("\n") * line / 2)
    labels = alt.Chart(placed[["column", "text_row", "label", "section"]]).mark_text(
        fontSize=11, lineBreak="\n", color="#1f2933").encode(
        x=alt.X("column:Q", scale=xs, axis=None), y=alt.Y("text_row:Q", scale=ys, axis=None), text="label:N",
        tooltip=[alt.Tooltip("section:N", title=t("arg_section", lang))],
    )
    heads = nodes.groupby("column", as_index=False)["heading"].first().assign(row=-0.75)
    headings = alt.Chart(heads).mark_text(fontSize=12, fontWeight="bold", lineBreak="\n", color="#1f2933").encode(
        x=alt.X("column:Q", scale=xs, axis=None), y=alt.Y("row:Q", scale=ys, axis=None), text="heading:N")
    return (lines + boxes + labels + headings).properties(
        width=width, height=height, title=titled(text, lang))


def spread_band(spread: pd.DataFrame, groups: pd.DataFrame, *, key: str, lang: str, text: ChartText,
                order: Sequence[str], focus: pd.DataFrame | None = None, fmt: str = ".3f",
                group_title: str | None = None) -> alt.LayerChart:
    """The index over time: the min–max range and the P10–P90 band across units (grey), the mean of all
    units (black), each group's mean (coloured; click the legend to highlight) and the focus unit (dashed).

    ``spread``: ``year, mean, p10, p90, min, max``; ``groups``: ``group, year, mean``; ``focus``: ``year,
    value, name``.
    """
    x = alt.X("year:O", title=t("year", lang))
    y_title = text.unit
    base = alt.Chart(spread[["year", "mean", "p10", "p90", "min", "max"]])
    outer = base.mark_area(color="#d9dee5", opacity=0.6).encode(x=x, y=alt.Y("min:Q", title=y_title), y2="max:Q")
    inner = base.mark_area(color="#aab4c2", opacity=0.7).encode(
        x=x, y="p10:Q", y2="p90:Q",
        tooltip=[alt.Tooltip("year:O", title=t("year", lang)), alt.Tooltip("p10:Q", title="P10", format=fmt),
                 alt.Tooltip("p90:Q", title="P90", format=fmt), alt.Tooltip("min:Q", title=t("arg_min", lang), format=fmt),
                 alt.Tooltip("max:Q", title=t("arg_max", lang), format=fmt)])
    mean = base.mark_line(color="#111111", strokeWidth=3).encode(
        x=x, y="mean:Q", tooltip=[alt.Tooltip("year:O"), alt.Tooltip("mean:Q", title=t("arg_mean_all", lang), format=fmt)])
    legend = alt.selection_point(name=f"{key}_legend", fields=["group"], bind="legend")
    group_title = group_title or t("group_mean", lang)
    g = alt.Chart(groups[["group", "year", "mean"]]).mark_line(strokeWidth=2, point=True).encode(
        x=x, y="mean:Q", color=alt.Color("group:N", title=group_title, scale=group_scale(order)),
        opacity=alt.condition(legend, alt.value(1.0), alt.value(0.15)),
        tooltip=[alt.Tooltip("group:N", title=group_title), alt.Tooltip("year:O"),
                 alt.Tooltip("mean:Q", title=t("group_mean", lang), format=fmt)],
    ).add_params(legend)
    layers = [outer, inner, mean, g]
    if focus is not None and len(focus):
        layers.append(alt.Chart(focus[["year", "value", "name"]]).mark_line(
            color="#111111", strokeDash=[5, 3], strokeWidth=1.5).encode(
            x=x, y="value:Q", tooltip=[alt.Tooltip("name:N"), alt.Tooltip("year:O"), alt.Tooltip("value:Q", format=fmt)]))
    return alt.layer(*layers).properties(width=560, height=320, title=titled(text, lang))


def unit_profile(data: pd.DataFrame, *, key: str, lang: str, text: ChartText, options: Sequence[str], initial: str,
                 order: Sequence[str], select_label: str, labels: dict[str, str]) -> alt.LayerChart:
    """One unit's profile, the unit chosen in a drop-down (works in static HTML).

    ``data`` (long): ``name`` (unit display name, the drop-down's values), ``label`` (row label), ``value``
    (0–1), ``median_all``, ``median_group``, ``raw_text`` (raw value with unit, "" for a sub-index),
    ``imputed`` (bool), ``group``. Rows appear in ``order``. ``labels``: texts for ``unit``,
    ``median_all``, ``median_group``, ``raw``, ``imputed``.
    """
    pick = alt.param(name=f"{key}_unit", value=initial,
                     bind=alt.binding_select(options=list(options), name=select_label + " "))
    base = alt.Chart(data[["name", "label", "value", "median_all", "median_group", "raw_text", "imputed", "group"]]
                     ).transform_filter(alt.datum.name == pick)
    y = alt.Y("label:N", sort=list(order), title=None, axis=alt.Axis(labelLimit=360))
    xs = alt.Scale(domain=[0, 1])
    tip = [alt.Tooltip("name:N", title=labels["unit"]), alt.Tooltip("label:N", title=t("indicator", lang)),
           alt.Tooltip("value:Q", title=text.unit, format=".3f"),
           alt.Tooltip("raw_text:N", title=labels["raw"]),
           alt.Tooltip("median_all:Q", title=labels["median_all"], format=".3f"),
           alt.Tooltip("median_group:Q", title=labels["median_group"], format=".3f")]
    rule = base.mark_rule(color="#c5ccd6").encode(y=y, x=alt.X("median_all:Q", scale=xs, title=text.unit), x2="value:Q")
    med_all = base.mark_tick(color="#111111", thickness=2, size=14).encode(y=y, x="median_all:Q", tooltip=tip)
    med_group = base.mark_tick(color="#e08214", thickness=2, size=14).encode(y=y, x="median_group:Q", tooltip=tip)
    dot = base.mark_point(size=80, filled=True, color="#2166ac").encode(
        y=y, x="value:Q", tooltip=tip,
        shape=alt.Shape("imputed:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=[labels["observed"], labels["imputed"]], range=["circle", "triangle-up"])))
    raw = base.mark_text(align="left", dx=8, fontSize=10, color="#5f6b7a").encode(
        y=y, x=alt.value(440), text="raw_text:N")
    return alt.layer(rule, med_all, med_group, dot, raw).add_params(pick).properties(
        width=430, height=alt.Step(18), title=titled(text, lang))


def series_band(data: pd.DataFrame, *, key: str, lang: str, text: ChartText, end_year: int | None = None,
                end_label: str = "", fmt: str = ".3f") -> alt.Chart:
    """One panel per series: the aggregate line (black) over the P10–P90 band across units (grey), a
    vertical rule at ``end_year`` (the last year with data) labelled ``end_label``.

    ``data``: ``series`` (panel title), ``year, national, p10, p90``.
    """
    x = alt.X("year:O", title=t("year", lang))
    base = alt.Chart()
    band = base.mark_area(color="#aab4c2", opacity=0.6).encode(x=x, y=alt.Y("p10:Q", title=text.unit), y2="p90:Q")
    line = base.mark_line(color="#111111", strokeWidth=2.5, point=True).encode(
        x=x, y="national:Q",
        tooltip=[alt.Tooltip("series:N"), alt.Tooltip("year:O"), alt.Tooltip("national:Q", title=t("arg_aggregate", lang), format=fmt),
                 alt.Tooltip("median:Q", title=t("arg_median", lang), format=fmt),
                 alt.Tooltip("p10:Q", title="P10", format=fmt), alt.Tooltip("p90:Q", title="P90", format=fmt)])
    layers = [band, line]
    if end_year is not None:
        at_end = base.transform_filter(alt.datum.year == int(end_year))
        layers.append(at_end.mark_rule(color="#b22222", strokeDash=[4, 3]).encode(x=x))
        layers.append(at_end.mark_text(align="right", dx=-4, color="#b22222", fontSize=10, baseline="top").encode(
            x=x, y=alt.value(2), text=alt.value(end_label)))
    cols = ["series", "year", "national", "p10", "p90", "median"]
    return alt.layer(*layers, data=data[cols]).properties(width=300, height=220).facet(
        column=alt.Column("series:N", title=None)).resolve_scale(y="independent").properties(title=titled(text, lang))


def economies_lines(data: pd.DataFrame, *, key: str, lang: str, text: ChartText, highlight: str,
                    fmt: str = ".2f") -> alt.Chart:
    """Series of several economies over time, one panel per series; ``highlight`` (an economy's display
    name) drawn thick. ``data``: ``series, name, year, value``; click the legend to highlight an economy."""
    legend = alt.selection_point(name=f"{key}_legend", fields=["name"], bind="legend")
    names = sorted(set(data["name"]) - {highlight})
    order = [highlight, *names]
    return alt.Chart(data[["series", "name", "year", "value"]]).mark_line().encode(
        x=alt.X("year:O", title=t("year", lang), axis=alt.Axis(labelAngle=0, values=sorted(set(data["year"]))[::5])),
        y=alt.Y("value:Q", title=None),
        color=alt.Color("name:N", title=None, sort=order,
                        scale=alt.Scale(domain=order, range=["#b22222", "#2166ac", "#5aae61", "#8c6bb1", "#e08214",
                                                               "#666666", "#1b9e77", "#a6761d", "#e7298a", "#66a61e"])),
        strokeWidth=alt.condition(alt.datum.name == highlight, alt.value(3.5), alt.value(1.5)),
        opacity=alt.condition(legend, alt.value(1.0), alt.value(0.15)),
        tooltip=[alt.Tooltip("name:N"), alt.Tooltip("year:O"), alt.Tooltip("value:Q", format=fmt)],
    ).add_params(legend).properties(width=320, height=220).facet(
        column=alt.Column("series:N", title=None)).resolve_scale(y="independent").properties(title=titled(text, lang))


def correlation_heatmap(data: pd.DataFrame, *, key: str, lang: str, text: ChartText, order: Sequence[str]) -> alt.LayerChart:
    """A symmetric matrix of rank correlations (``x, y, spearman``), labelled, rows and columns in ``order``;
    the colour scale spans the data's own range, and labels switch to white on the darker half."""
    lo = float(data["spearman"].min())
    mid = (lo + 1.0) / 2
    x = alt.X("x:N", sort=list(order), title=None, axis=alt.Axis(labelAngle=-40, labelLimit=180))
    y = alt.Y("y:N", sort=list(order), title=None, axis=alt.Axis(labelLimit=220))
    base = alt.Chart(data[["x", "y", "spearman"]]).encode(x=x, y=y)
    cells = base.mark_rect().encode(color=alt.Color("spearman:Q", title=text.unit,
                                                    scale=alt.Scale(scheme="blues", domain=[lo, 1.0])),
                                    tooltip=["x:N", "y:N", alt.Tooltip("spearman:Q", format=".3f")])
    labels = base.mark_text(fontSize=11).encode(
        text=alt.Text("spearman:Q", format=".2f"),
        color=alt.condition(f"datum.spearman > {mid}", alt.value("white"), alt.value("#1f2933")))
    return (cells + labels).properties(width=alt.Step(52), height=alt.Step(30), title=titled(text, lang))
