"""Chart builders of section 02 (the six formation conditions): a national series picked from a select,
economies compared on an indicator picked from a select with one economy set against China, a tile map or a
ranking of a condition's indicators with a year slider, and the claims ledger as a table filtered by select.

Like :mod:`nqp_lib.charts`, every control is a named Altair parameter bound to an input or a legend, so the
charts work in static offline HTML without a kernel, and every chart's title carries its source and unit
(:func:`nqp_lib.charts.titled`). Frames are tidy and lean; display words come in as arguments, never from
here.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from nqp_lib.charts import ChartText, focus_outline, tile_layers, titled, year_param
from nqp_lib.labels import t


#: one colour per economy (China first, in red like the national charts), distinct for up to 14 economies
ECONOMY_COLOURS = ["#b22222", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                   "#bcbd22", "#393b79", "#7f7f7f", "#000000", "#aec7e8", "#ffbb78"]


def signif(values: pd.Series, digits: int = 5) -> pd.Series:
    """Values rounded to ``digits`` significant digits (what a tooltip shows; keeps the page small)."""
    return values.map(lambda v: v if pd.isna(v) else float(f"{v:.{digits}g}"))


def _codes(ids: Sequence[str]) -> dict[str, int]:
    """Series or indicator id → a small integer the chart data carries instead of the id."""
    return {i: k for k, i in enumerate(ids)}


def _select(name: str, options: Sequence, labels: Sequence[str], title: str, value=None) -> alt.Parameter:
    return alt.param(name=name, value=value if value is not None else options[0],
                     bind=alt.binding_select(options=list(options), labels=list(labels), name=title + " "))


def series_lines(
    data: pd.DataFrame, labels: dict[str, str], *, key: str, lang: str, text: ChartText, series_title: str,
    vintage_title: str,
) -> alt.Chart:
    """One national series over the years, picked from a select (``labels``: series id → label with its unit).

    ``data``: ``series``, ``year``, ``value``, ``vintage_label`` (the statistical vintage in words; points of
    an older vintage are drawn hollow, so a break in the series is visible).
    """
    ids = list(labels)
    pick = _select(f"{key}_series", list(range(len(ids))), [labels[i] for i in ids], series_title, 0)
    lean = pd.DataFrame({"k": data["series"].map(_codes(ids)), "year": data["year"], "value": signif(data["value"]),
                         "vintage_label": data["vintage_label"]})
    base = alt.Chart(lean).transform_filter(alt.datum.k == pick)
    x = alt.X("year:Q", title=t("year", lang), axis=alt.Axis(format="d"))
    y = alt.Y("value:Q", title=text.unit, scale=alt.Scale(zero=False))
    line = base.mark_line(color="#b22222").encode(x=x, y=y)
    dots = base.mark_point(color="#b22222", size=40).encode(
        x=x, y=y,
        fill=alt.Fill("vintage_label:N", title=vintage_title, scale=alt.Scale(range=["#b22222", "white", "#b22222"])),
        tooltip=[alt.Tooltip("year:Q", title=t("year", lang)), alt.Tooltip("value:Q", format=",.4~g"),
                 alt.Tooltip("vintage_label:N", title=vintage_title)],
    )
    return (line + dots).add_params(pick).properties(width=520, height=260, title=titled(text, lang))


def economy_lines(
    data: pd.DataFrame, labels: dict[str, str], economies: dict[str, str], *, key: str, lang: str, text: ChartText,
    indicator_title: str, economy_title: str, subject: str = "CHN", compare: str = "OED",
) -> alt.Chart:
    """Economies over the years on an indicator picked from a select; ``subject`` and the economy picked in
    a second select are drawn bold, the others faint; clicking the legend also highlights an economy.

    ``data``: ``indicator``, ``economy``, ``name``, ``year``, ``value``; ``labels``: indicator id → label with
    unit; ``economies``: code → name, in legend order.
    """
    ids = list(labels)
    codes = [c for c in economies if c != subject]
    pick = _select(f"{key}_indicator", list(range(len(ids))), [labels[i] for i in ids], indicator_title, 0)
    other = _select(f"{key}_economy", codes, [economies[c] for c in codes], economy_title,
                    compare if compare in codes else codes[0])
    legend = alt.selection_point(name=f"{key}_legend", fields=["name"], bind="legend")
    bold = (alt.datum.economy == subject) | (alt.datum.economy == other)
    lean = pd.DataFrame({"k": data["indicator"].map(_codes(ids)), "economy": data["economy"],
                         "year": data["year"], "value": signif(data["value"])})
    names = pd.DataFrame({"economy": list(economies), "name": list(economies.values())})
    return (
        alt.Chart(lean)
        .transform_filter(alt.datum.k == pick)
        .transform_lookup(lookup="economy", from_=alt.LookupData(names, "economy", ["name"]))
        .mark_line(point=alt.OverlayMarkDef(size=14))
        .encode(
            x=alt.X("year:Q", title=t("year", lang), axis=alt.Axis(format="d")),
            y=alt.Y("value:Q", title=text.unit, scale=alt.Scale(zero=False)),
            color=alt.Color("name:N", title=economy_title, sort=list(economies.values()),
                            scale=alt.Scale(domain=list(economies.values()), range=ECONOMY_COLOURS[:len(economies)])),
            opacity=alt.condition(bold | legend, alt.value(1.0), alt.value(0.18)),
            strokeWidth=alt.condition(bold, alt.value(3), alt.value(1.2)),
            tooltip=[alt.Tooltip("name:N", title=economy_title), alt.Tooltip("year:Q", title=t("year", lang)),
                     alt.Tooltip("value:Q", format=",.4~g")],
        )
        .add_params(pick, other, legend)
        .properties(width=520, height=300, title=titled(text, lang))
    )


def indicator_tiles(
    data: pd.DataFrame, labels: dict[str, str], *, key: str, lang: str, text: ChartText, tiles: pd.DataFrame,
    indicator_title: str, level_title: str, unit_title: str,
) -> alt.LayerChart:
    """China tile map of an indicator picked from a select, in the year on a slider.

    ``data``: ``unit``, ``indicator``, ``year``, ``value``; ``tiles``: the regions table. Colour is the
    value's level over every unit and year of the indicator, :math:`(x - \\min)/(\\max - \\min)` (computed in
    the page), so colours compare across years and indicators.
    """
    ids = list(labels)
    pick = _select(f"{key}_indicator", list(range(len(ids))), [labels[i] for i in ids], indicator_title, 0)
    year = year_param(key, sorted(data["year"].unique()), lang)
    x, y, back, names = tile_layers(tiles, lang)
    lean = pd.DataFrame({"unit": data["unit"], "k": data["indicator"].map(_codes(ids)), "year": data["year"],
                         "value": signif(data["value"])})
    front = (
        alt.Chart(lean)
        .transform_filter(alt.datum.k == pick)
        # the level over every year of the indicator, (x − min) / (max − min), so colours compare across years
        .transform_joinaggregate(lo="min(value)", hi="max(value)")
        .transform_calculate(level="datum.hi > datum.lo ? (datum.value - datum.lo) / (datum.hi - datum.lo) : 0.5")
        .transform_filter(alt.datum.year == year)
        .transform_lookup(lookup="unit", from_=alt.LookupData(tiles[["unit", "name", "tile_row", "tile_col"]], "unit",
                                                              ["name", "tile_row", "tile_col"]))
        .mark_rect(stroke="white", strokeWidth=2, cornerRadius=3)
        .encode(
            x=x, y=y,
            color=alt.Color("level:Q", title=level_title, scale=alt.Scale(domain=[0, 1], range=["#fff1dc", "#e6550d"])),
            tooltip=[alt.Tooltip("name:N", title=unit_title), alt.Tooltip("year:O", title=t("year", lang)),
                     alt.Tooltip("value:Q", title=t("value_of_selected", lang), format=",.4~g")],
        )
    )
    return (back + front + names).add_params(pick, year).properties(width=380, height=360, title=titled(text, lang))


def indicator_ranks(
    data: pd.DataFrame, labels: dict[str, str], *, key: str, lang: str, text: ChartText, indicator_title: str,
    unit_title: str, focus: str | None = None,
) -> alt.Chart:
    """Units ranked on an indicator picked from a select, in the year on a slider; the focus unit outlined.

    ``data``: ``unit``, ``name``, ``indicator``, ``year``, ``value`` — already cut to the units to show
    (every unit of a small panel; the top and bottom of a large one, plus the focus unit).
    """
    ids = list(labels)
    pick = _select(f"{key}_indicator", list(range(len(ids))), [labels[i] for i in ids], indicator_title, 0)
    year = year_param(key, sorted(data["year"].unique()), lang)
    lean = pd.DataFrame({"unit": data["unit"], "k": data["indicator"].map(_codes(ids)), "year": data["year"],
                         "value": signif(data["value"])})
    names = data[["unit", "name"]].drop_duplicates("unit")
    return (
        alt.Chart(lean)
        .transform_filter((alt.datum.k == pick) & (alt.datum.year == year))
        .transform_lookup(lookup="unit", from_=alt.LookupData(names, "unit", ["name"]))
        .mark_bar(color="#e6550d")
        .encode(
            y=alt.Y("name:N", sort="-x", title=None),
            x=alt.X("value:Q", title=t("value_of_selected", lang)),
            **focus_outline(focus),
            tooltip=[alt.Tooltip("name:N", title=unit_title), alt.Tooltip("value:Q", format=",.4~g")],
        )
        .add_params(pick, year)
        .properties(width=420, height=alt.Step(14), title=titled(text, lang))
    )


def ledger_table(
    data: pd.DataFrame, columns: dict[str, tuple[str, int]], *, key: str, lang: str, text: ChartText,
    conditions: dict[str, str], outcomes: dict[str, str], colours: dict[str, str], all_label: str,
    condition_title: str, outcome_title: str, row_height: int = 18,
) -> alt.LayerChart:
    """The claims as a table drawn by Vega, filtered by a condition select and an outcome select.

    ``data``: one row per claim with ``order`` (its place in the ledger), ``condition`` and ``outcome``
    (codes, as text) and the text columns named in ``columns`` (column → (header, x position in pixels)).
    The rows left after filtering are numbered again in the browser so the table closes up.
    """
    cond = _select(f"{key}_condition", ["all", *conditions], [all_label, *conditions.values()], condition_title, "all")
    outc = _select(f"{key}_outcome", ["all", *outcomes], [all_label, *outcomes.values()], outcome_title, "all")
    keep = ((cond == "all") | (alt.datum.condition == cond)) & ((outc == "all") | (alt.datum.outcome == outc))
    base = (
        alt.Chart(data[["order", "condition", "outcome", *columns]])
        .transform_filter(keep)
        .transform_window(row="row_number()", sort=[alt.SortField("order")])
    )
    n = len(data)
    y = alt.Y("row:Q", axis=None, scale=alt.Scale(domain=[0, n + 1], reverse=True))
    layers = []
    for col, (header, px) in columns.items():
        colour = (alt.Color("outcome:N", scale=alt.Scale(domain=list(colours), range=list(colours.values())), legend=None)
                  if col == "outcome_label" else alt.value("#1f2933"))
        layers.append(base.mark_text(align="left", baseline="middle", fontSize=11, limit=max(60, _width(columns, col) - 8))
                      .encode(x=alt.value(px), y=y, text=f"{col}:N", color=colour, tooltip=[f"{c}:N" for c in columns]))
    for h, px in columns.values():
        layers.append(alt.Chart(pd.DataFrame({"h": [h]})).mark_text(align="left", fontWeight="bold", fontSize=11)
                      .encode(x=alt.value(px), y=alt.value(0), text="h:N"))
    width = max(px for _, px in columns.values()) + 160
    return alt.layer(*layers).add_params(cond, outc).properties(width=width, height=(n + 1) * row_height,
                                                                 title=titled(text, lang))


def _width(columns: dict[str, tuple[str, int]], col: str) -> int:
    """Pixels from a column's left edge to the next column's (the last one gets 160)."""
    xs = sorted(px for _, px in columns.values())
    px = columns[col][1]
    later = [x for x in xs if x > px]
    return (later[0] - px) if later else 160
