"""Altair chart builders for the reports: a theme, and charts a reader can explore without a kernel.

Every builder takes a tidy frame and one :class:`ChartText` (title, source, unit, note), and returns an
Altair chart whose title carries its source and unit. Interactivity comes from named parameters bound to inputs (a year slider, a group
select, weight sliders that recompute and re-rank the index in the browser) and from legend selections —
all computed by Vega in the page, so it works in static, offline HTML. Every parameter has an explicit
name (prefixed by the chart's ``key``) so output is deterministic and two charts on a page never clash.

Frames use these columns where relevant: ``unit`` (short Chinese name, the key), ``name`` (display name in
the report language), ``abbr`` (tile label), ``year``, ``group`` (display name of the region), ``tile_row``,
``tile_col`` and the value columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd

from nqp_lib.labels import t

FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, Helvetica Neue, Arial, sans-serif"
#: Colours of the NBS four regions and the three belts (colour-blind-safe, fixed so every chart agrees).
GROUP_COLOURS = ["#b22222", "#e08214", "#2166ac", "#5aae61", "#8c6bb1", "#666666"]


def theme() -> dict:
    return {
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "title": {"fontSize": 15, "subtitleFontSize": 11, "subtitleColor": "#5f6b7a", "anchor": "start", "offset": 10},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e6e9ee"},
            "legend": {"labelFontSize": 11, "titleFontSize": 12},
            "range": {"category": GROUP_COLOURS},
        }
    }


def enable_theme() -> None:
    alt.theme.register("nqp", enable=True)(theme)


@dataclass(frozen=True)
class ChartText:
    """The words around a chart: its title, the source of its data, the unit of its values and an
    optional note (how to use its controls). Views build it: the source line from the data actually used
    (:func:`nqp_lib.data.citation.source_line`), the unit from the indicator system."""

    title: str
    source: str
    unit: str
    note: str | None = None


def titled(text: ChartText, lang: str) -> alt.TitleParams:
    """Title with a subtitle naming the source and the unit (every chart says both) and the note."""
    sub = [f"{t('source', lang)}: {text.source}", f"{t('unit', lang)}: {text.unit}"]
    if text.note:
        sub.extend(text.note.split("\n"))  # a long note may break into lines
    return alt.TitleParams(text=text.title, subtitle=sub)


def year_param(key: str, years: Sequence[int], lang: str, value: int | None = None) -> alt.Parameter:
    lo, hi = int(min(years)), int(max(years))
    return alt.param(
        name=f"{key}_year",
        value=int(value if value is not None else hi),
        bind=alt.binding_range(min=lo, max=hi, step=1, name=t("year", lang) + " "),
    )


def focus_outline(focus: str | None) -> dict:
    """Encodings that outline the focus unit's mark in black."""
    is_focus = alt.datum.unit == (focus or "")
    return {
        "stroke": alt.condition(is_focus, alt.value("#111111"), alt.value(None)),
        "strokeWidth": alt.condition(is_focus, alt.value(2), alt.value(0)),
    }


def tile_layers(tiles: pd.DataFrame, lang: str) -> tuple[alt.X, alt.Y, alt.Chart, alt.Chart]:
    """The grid encodings, a grey tile per province (the background every tile map draws over) and the
    tile labels."""
    x = alt.X("tile_col:O", axis=None)
    y = alt.Y("tile_row:O", axis=None)
    back = (
        alt.Chart(tiles[["name", "tile_row", "tile_col"]])
        .mark_rect(color="#e3e6ea", stroke="white", strokeWidth=2, cornerRadius=3)
        .encode(x=x, y=y, tooltip=[alt.Tooltip("name:N", title=t("province", lang))])
    )
    text = alt.Chart(tiles[["abbr", "tile_row", "tile_col"]]).mark_text(
        fontSize=12, fontWeight="bold", color="#1f2933"
    ).encode(x=x, y=y, text="abbr:N")
    return x, y, back, text


def _domain(series: pd.Series) -> list[float]:
    s = series.dropna()
    return [float(s.min()), float(s.max())] if len(s) else [0.0, 1.0]


def tile_map(
    data: pd.DataFrame,
    value: str,
    *,
    key: str,
    lang: str,
    text: ChartText,
    tiles: pd.DataFrame,
    value_title: str | None = None,
    colours: tuple[str, str] = ("#fff1dc", "#e6550d"),
    fmt: str = ".3f",
) -> alt.LayerChart:
    """China tile map of ``value`` with a year slider; provinces without a value show as grey tiles.

    ``tiles`` is the regions table (``unit``, ``name``, ``abbr``, ``tile_row``, ``tile_col``) so every
    province has a tile even when ``data`` lacks it.
    """
    years = sorted(data["year"].unique())
    year = year_param(key, years, lang)
    x, y, back, names = tile_layers(tiles, lang)
    cols = ["unit", "name", "abbr", "year", "tile_row", "tile_col", value] + (["rank"] if "rank" in data else [])
    base = alt.Chart(data[cols]).transform_filter(alt.datum.year == year)
    tooltip = [alt.Tooltip("name:N", title=t("province", lang)), alt.Tooltip("year:O", title=t("year", lang)),
               alt.Tooltip(f"{value}:Q", title=value_title or text.unit, format=fmt)]
    if "rank" in data:
        tooltip.append(alt.Tooltip("rank:Q", title=t("rank", lang)))
    front = base.mark_rect(stroke="white", strokeWidth=2, cornerRadius=3).encode(
        x=x,
        y=y,
        # a two-colour ramp that stays light enough for the dark tile labels to read on every tile
        color=alt.Color(f"{value}:Q", scale=alt.Scale(range=list(colours), domain=_domain(data[value])),
                        legend=alt.Legend(title=value_title or text.unit, orient="right")),
        tooltip=tooltip,
    )
    return (back + front + names).add_params(year).properties(
        width=380, height=360, title=titled(text, lang)
    )


def ranking(
    data: pd.DataFrame,
    value: str,
    *,
    key: str,
    lang: str,
    text: ChartText,
    focus: str | None = None,
    fmt: str = ".3f",
) -> alt.Chart:
    """Horizontal bars of ``value`` for one year (slider), sorted, coloured by group; the focus unit outlined."""
    years = sorted(data["year"].unique())
    year = year_param(key, years, lang)
    cols = ["unit", "name", "group", "year", value] + (["rank"] if "rank" in data else [])
    tooltip = [alt.Tooltip("name:N", title=t("province", lang)), alt.Tooltip("group:N", title=t("region", lang)),
               alt.Tooltip(f"{value}:Q", title=text.unit, format=fmt)]
    if "rank" in data:
        tooltip.append(alt.Tooltip("rank:Q", title=t("rank", lang)))
    return (
        alt.Chart(data[cols])
        .transform_filter(alt.datum.year == year)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", sort="-x", title=None),
            x=alt.X(f"{value}:Q", title=text.unit, scale=alt.Scale(domain=[0, float(data[value].max()) * 1.02])),
            color=alt.Color("group:N", title=t("region", lang)),
            **focus_outline(focus),
            tooltip=tooltip,
        )
        .add_params(year)
        .properties(width=420, height=alt.Step(14), title=titled(text, lang))
    )


def trends(
    data: pd.DataFrame,
    value: str,
    *,
    key: str,
    lang: str,
    text: ChartText,
    fmt: str = ".3f",
) -> alt.LayerChart:
    """Group means over time (thick lines) over the provinces of a group chosen in a select (thin lines).

    Clicking a legend entry highlights that group.
    """
    groups = sorted(data["group"].dropna().unique())
    everyone = t("all_regions", lang)
    pick = alt.param(
        name=f"{key}_group",
        value=everyone,
        bind=alt.binding_select(options=[everyone, *groups], name=t("region", lang) + " "),
    )
    legend = alt.selection_point(name=f"{key}_legend", fields=["group"], bind="legend")
    frame = data[["unit", "name", "group", "year", value]]
    provinces = (
        alt.Chart(frame)
        .transform_filter((pick == everyone) | (alt.datum.group == pick))
        .mark_line(strokeWidth=1, opacity=0.35)
        .encode(
            x=alt.X("year:O", title=t("year", lang)),
            y=alt.Y(f"{value}:Q", title=text.unit),
            detail="unit:N",
            color=alt.Color("group:N", title=t("region", lang)),
            tooltip=[alt.Tooltip("name:N", title=t("province", lang)), alt.Tooltip("year:O"),
                     alt.Tooltip(f"{value}:Q", format=fmt)],
        )
    )
    means = (
        alt.Chart(frame)
        .transform_aggregate(mean=f"mean({value})", groupby=["group", "year"])
        .mark_line(strokeWidth=3, point=True)
        .encode(
            x="year:O",
            y=alt.Y("mean:Q", title=text.unit),
            color=alt.Color("group:N", title=t("region", lang)),
            opacity=alt.condition(legend, alt.value(1.0), alt.value(0.15)),
            tooltip=[alt.Tooltip("group:N", title=t("region", lang)), alt.Tooltip("year:O"),
                     alt.Tooltip("mean:Q", title=t("group_mean", lang), format=fmt)],
        )
        .add_params(legend)
    )
    return (provinces + means).add_params(pick).properties(
        width=560, height=320, title=titled(text, lang)
    )


def reweight(
    data: pd.DataFrame,
    dimensions: Sequence[tuple[str, str, float]],
    *,
    key: str,
    lang: str,
    text: ChartText,
    focus: str | None = None,
) -> alt.Chart:
    """Re-weight the dimensions with sliders and watch the index and the ranking change, in the browser.

    ``data`` holds one sub-index per dimension (columns named by dimension id, each a weighted mean of
    normalised indicators); ``dimensions`` gives ``(id, label, initial weight)``. The page computes
    ``score = Σ w_d s_d / Σ w_d`` and ranks provinces within the chosen year.
    """
    years = sorted(data["year"].unique())
    year = year_param(key, years, lang)
    sliders = [
        alt.param(name=f"{key}_w_{dim}", value=round(float(w), 3),
                  bind=alt.binding_range(min=0, max=1, step=0.01, name=f"{label} "))
        for dim, label, w in dimensions
    ]
    num = " + ".join(f"{p.name} * datum['{dim}']" for p, (dim, _, _) in zip(sliders, dimensions))
    den = " + ".join(p.name for p in sliders)
    cols = ["unit", "name", "group", "year", *[d for d, _, _ in dimensions]]
    # Bars are placed by the rank the window transform computes, not by a sorted name axis: Vega does not
    # re-sort a band domain when tuples change in place, but a recomputed rank moves the bars.
    base = (
        alt.Chart(data[cols])
        .transform_filter(alt.datum.year == year)
        .transform_calculate(score=f"({den}) > 0 ? ({num}) / ({den}) : 0")
        .transform_window(rank="row_number()", sort=[alt.SortField("score", order="descending"), alt.SortField("unit")])
    )
    y = alt.Y("rank:O", axis=None)
    bars = base.mark_bar().encode(
        y=y,
        x=alt.X("score:Q", title=text.unit, scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("group:N", title=t("region", lang)),
        **focus_outline(focus),
        tooltip=[alt.Tooltip("name:N", title=t("province", lang)), alt.Tooltip("score:Q", format=".3f"),
                 alt.Tooltip("rank:Q", title=t("rank", lang))]
        + [alt.Tooltip(f"{d}:Q", title=label, format=".3f") for d, label, _ in dimensions],
    )
    names = base.mark_text(align="right", dx=-4, fontSize=11, color="#1f2933").encode(
        y=y, x=alt.value(0), text=alt.Text("label:N")
    ).transform_calculate(label="datum.rank + '. ' + datum.name")
    # every weight at 0: no order exists, so hide bars and names and say so
    zero = f"({den}) <= 0"
    bars = bars.encode(opacity=alt.condition(zero, alt.value(0), alt.value(1)))
    names = names.encode(opacity=alt.condition(zero, alt.value(0), alt.value(1)))
    nothing = alt.Chart(pd.DataFrame({"note": [t("reweight_nothing", lang)]})).mark_text(
        align="left", fontSize=13, color="#b22222", fontWeight="bold").encode(
        x=alt.value(10), y=alt.value(20), text="note:N", opacity=alt.condition(zero, alt.value(1), alt.value(0)))
    return (
        (bars + names + nothing)
        .add_params(year, *sliders)
        .properties(width=420, height=alt.Step(14), title=titled(text, lang))
    )


def dimension_profile(
    data: pd.DataFrame,
    dimensions: Sequence[tuple[str, str]],
    *,
    key: str,
    lang: str,
    text: ChartText,
) -> alt.Chart:
    """Sub-index of each dimension by group over the years (small multiples), with a group select."""
    long = data.melt(id_vars=["unit", "group", "year"], value_vars=[d for d, _ in dimensions], var_name="dimension")
    names = dict(dimensions)
    long["dimension"] = long["dimension"].map(names)
    means = long.groupby(["group", "year", "dimension"], as_index=False)["value"].mean()
    legend = alt.selection_point(name=f"{key}_legend", fields=["group"], bind="legend")
    return (
        alt.Chart(means)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=t("year", lang)),
            y=alt.Y("value:Q", title=text.unit),
            color=alt.Color("group:N", title=t("region", lang)),
            opacity=alt.condition(legend, alt.value(1.0), alt.value(0.15)),
            tooltip=[alt.Tooltip("group:N", title=t("region", lang)), "year:O",
                     alt.Tooltip("value:Q", title=t("group_mean", lang), format=".3f")],
        )
        .add_params(legend)
        .properties(width=230, height=200)
        .facet(column=alt.Column("dimension:N", title=None, sort=[n for _, n in dimensions]))
        .properties(title=titled(text, lang))
    )


def weights_bars(data: pd.DataFrame, *, key: str, lang: str, text: ChartText, methods: Sequence[str]) -> alt.Chart:
    """Indicator weights under several methods side by side (``indicator``, ``name``, ``dimension``, one
    column per method); a select picks the method shown."""
    long = data.melt(id_vars=["indicator", "name", "dimension"], value_vars=list(methods), var_name="method", value_name="weight")
    pick = alt.param(name=f"{key}_method", value=methods[0],
                     bind=alt.binding_select(options=list(methods), name=t("method", lang) + " "))
    return (
        alt.Chart(long)
        .transform_filter(alt.datum.method == pick)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", sort=None, title=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("weight:Q", title=t("weight", lang), scale=alt.Scale(domain=[0, float(long["weight"].max()) * 1.05])),
            # legend in the system's dimension order, not alphabetical
            color=alt.Color("dimension:N", title=t("dimension", lang), sort=list(dict.fromkeys(data["dimension"]))),
            tooltip=["name:N", "dimension:N", "method:N", alt.Tooltip("weight:Q", format=".4f")],
        )
        .add_params(pick)
        .properties(width=380, height=alt.Step(15), title=titled(text, lang))
    )


def metric_ranking(
    data: pd.DataFrame,
    metrics: dict[str, str],
    names: pd.DataFrame,
    *,
    key: str,
    lang: str,
    text: ChartText,
    focus: str | None = None,
) -> alt.Chart:
    """Pick an indicator (select) and a year (slider); provinces ranked on it.

    ``data`` is lean — ``unit``, ``year``, ``indicator`` (id), ``value`` — and ``names`` (``unit``,
    ``name``, ``group``) is joined in the browser with a lookup, so 20 indicators × 400 unit-years stay
    small. ``metrics`` maps indicator id → label shown in the select (with its unit).
    """
    ids = list(metrics)
    years = sorted(data["year"].unique())
    year = year_param(key, years, lang)
    pick = alt.param(name=f"{key}_metric", value=ids[0],
                     bind=alt.binding_select(options=ids, labels=[metrics[i] for i in ids], name=t("indicator", lang) + " "))
    return (
        alt.Chart(data[["unit", "year", "indicator", "value"]])
        .transform_filter((alt.datum.indicator == pick) & (alt.datum.year == year))
        .transform_lookup(lookup="unit", from_=alt.LookupData(names[["unit", "name", "group"]], "unit", ["name", "group"]))
        .mark_bar()
        .encode(
            y=alt.Y("name:N", sort="-x", title=None),
            x=alt.X("value:Q", title=t("value_of_selected", lang)),
            color=alt.Color("group:N", title=t("region", lang)),
            **focus_outline(focus),
            tooltip=[alt.Tooltip("name:N", title=t("province", lang)), alt.Tooltip("value:Q", format=",.3f")],
        )
        .add_params(year, pick)
        .properties(width=420, height=alt.Step(14), title=titled(text, lang))
    )


def lines(
    data: pd.DataFrame, x: str, y: str, color: str, *, key: str, lang: str, text: ChartText,
    x_title: str | None = None, y_title: str | None = None, color_title: str | None = None, fmt: str = ".3f",
    zero: bool = False, order: Sequence[str] | None = None,
) -> alt.Chart:
    """Lines of ``y`` over ``x`` per ``color`` (legend in ``order`` when given); clicking the legend
    highlights a series."""
    legend = alt.selection_point(name=f"{key}_legend", fields=[color], bind="legend")
    return (
        alt.Chart(data[[x, y, color]])
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:O", title=x_title or t("year", lang)),
            y=alt.Y(f"{y}:Q", title=y_title or text.unit, scale=alt.Scale(zero=zero)),
            color=alt.Color(f"{color}:N", title=color_title or "", sort=list(order) if order else None),
            opacity=alt.condition(legend, alt.value(1.0), alt.value(0.15)),
            tooltip=[f"{color}:N", f"{x}:O", alt.Tooltip(f"{y}:Q", format=fmt)],
        )
        .add_params(legend)
        .properties(width=520, height=280, title=titled(text, lang))
    )


def stacked_shares(
    data: pd.DataFrame, x: str, part: str, value: str, *, key: str, lang: str, text: ChartText,
    order: Sequence[str] | None = None, fmt: str = ".1%",
) -> alt.Chart:
    """Stacked bars of the parts of a whole per ``x`` (e.g. Dagum's within / net between / transvariation)."""
    return (
        alt.Chart(data[[x, part, value]])
        .mark_bar()
        .encode(
            x=alt.X(f"{x}:O", title=t("year", lang)),
            y=alt.Y(f"{value}:Q", title=text.unit, stack="normalize", axis=alt.Axis(format="%")),
            color=alt.Color(f"{part}:N", title="", sort=list(order) if order else None),
            tooltip=[f"{x}:O", f"{part}:N", alt.Tooltip(f"{value}:Q", format=fmt)],
        )
        .properties(width=520, height=260, title=titled(text, lang))
    )


def densities(
    data: pd.DataFrame, *, key: str, lang: str, text: ChartText, x_title: str
) -> alt.LayerChart:
    """Kernel densities of every year (faint) with the year chosen on a slider drawn bold."""
    years = sorted(data["year"].unique())
    year = year_param(key, years, lang)
    base = alt.Chart(data[["year", "x", "density"]]).encode(
        x=alt.X("x:Q", title=x_title), y=alt.Y("density:Q", title=text.unit)
    )
    faint = base.mark_line(strokeWidth=1).encode(
        color=alt.Color("year:O", title=t("year", lang), scale=alt.Scale(scheme="blues")), detail="year:O"
    )
    bold = base.transform_filter(alt.datum.year == year).mark_area(opacity=0.35, color="#b22222", line={"color": "#b22222"})
    return (faint + bold).add_params(year).properties(width=520, height=280, title=titled(text, lang))


def heatmap(
    data: pd.DataFrame, x: str, y: str, value: str, *, key: str, lang: str, text: ChartText,
    x_title: str, y_title: str, fmt: str = ".2f", facet: str | None = None,
) -> alt.Chart:
    """A labelled heat map (e.g. a Markov transition matrix)."""
    cols = [x, y, value] + ([facet] if facet else [])
    base = alt.Chart(data[cols]).encode(x=alt.X(f"{x}:O", title=x_title), y=alt.Y(f"{y}:O", title=y_title))
    cells = base.mark_rect().encode(color=alt.Color(f"{value}:Q", title=text.unit, scale=alt.Scale(scheme="oranges")),
                                    tooltip=[f"{x}:O", f"{y}:O", alt.Tooltip(f"{value}:Q", format=fmt)])
    labels = base.mark_text(fontSize=11).encode(
        text=alt.Text(f"{value}:Q", format=fmt),
        color=alt.condition(f"datum['{value}'] > 0.5", alt.value("white"), alt.value("#1f2933")),
    )
    chart = (cells + labels).properties(width=220, height=220)
    if facet:
        return chart.facet(column=alt.Column(f"{facet}:N", title=None)).properties(title=titled(text, lang))
    return chart.properties(title=titled(text, lang))


def rank_intervals(
    data: pd.DataFrame, *, key: str, lang: str, text: ChartText, focus: str | None = None
) -> alt.LayerChart:
    """Nominal rank (dot), median rank (tick) and the 5th–95th percentile interval of each unit, for the
    year on a slider (``unit``, ``name``, ``group``, ``year``, ``nominal_rank``, ``median_rank``, ``p05``, ``p95``)."""
    years = sorted(data["year"].unique())
    year = year_param(key, years, lang)
    base = alt.Chart(data[["unit", "name", "group", "year", "nominal_rank", "median_rank", "p05", "p95"]]).transform_filter(
        alt.datum.year == year
    )
    y = alt.Y("name:N", sort=alt.EncodingSortField("nominal_rank", order="ascending"), title=None)
    rule = base.mark_rule(strokeWidth=3, opacity=0.6).encode(
        y=y, x=alt.X("p05:Q", title=t("rank", lang), scale=alt.Scale(reverse=False)), x2="p95:Q",
        color=alt.Color("group:N", title=t("region", lang)),
        tooltip=["name:N", "nominal_rank:Q", "median_rank:Q", "p05:Q", "p95:Q"],
    )
    dot = base.mark_point(filled=True, size=45, color="#1f2933").encode(y=y, x="nominal_rank:Q")
    tick = base.mark_tick(color="#b22222", thickness=2, size=10).encode(y=y, x="median_rank:Q")
    return (rule + dot + tick).add_params(year).properties(
        width=420, height=alt.Step(14), title=titled(text, lang)
    )


def category_map(
    data: pd.DataFrame, category: str, *, key: str, lang: str, text: ChartText,
    tiles: pd.DataFrame, domain: Sequence[str], colours: Sequence[str],
) -> alt.LayerChart:
    """Tile map coloured by a category (e.g. LISA clusters) with a year slider."""
    years = sorted(data["year"].unique())
    year = year_param(key, years, lang)
    x, y, back, names = tile_layers(tiles, lang)
    front = (
        alt.Chart(data[["name", "year", "tile_row", "tile_col", category]])
        .transform_filter(alt.datum.year == year)
        .mark_rect(stroke="white", strokeWidth=2, cornerRadius=3)
        .encode(x=x, y=y, color=alt.Color(f"{category}:N", title=text.unit, scale=alt.Scale(domain=list(domain), range=list(colours))),
                tooltip=[alt.Tooltip("name:N", title=t("province", lang)), f"{category}:N"])
    )
    return (back + front + names).add_params(year).properties(width=380, height=360, title=titled(text, lang))
