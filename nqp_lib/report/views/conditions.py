"""Views of section 2 (conditions): for each of the article's six formation conditions, China's national
series, China against the article's peers and the OECD/high-income/world aggregates, the provincial (or the
user's units') picture of the condition's indicators, the article's claims with their computed outcomes and
the numbers a status line is written from; then the whole claims ledger, filterable, and its counts.

The national and international parts are about China whatever the panel; the provincial parts follow the
report's panel (its units named by ``ctx.noun()``; a tile map only for the 31 provinces). Everything shown
is computed by :mod:`nqp_lib.conditions`, :mod:`nqp_lib.claims` and :mod:`nqp_lib.data` from the shipped
series; the views only choose, label and draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

from nqp_lib import condition_charts
from nqp_lib.charts import ChartText
from nqp_lib.claims import OUTCOMES
from nqp_lib.claims.text import label as claim_label
from nqp_lib.conditions import (HEADLINES, MIN_MEMBER_SHARE, ConditionData, all_conditions, comparison_year,
                                drop_thin_means, national_trend, peer_position, provenance, solid_mean,
                                standing)
from nqp_lib.data.citation import source_names
from nqp_lib.data.economies import default_comparison, economy
from nqp_lib.data.units import unit_label
from nqp_lib.errors import DataError
from nqp_lib.labels import join
from nqp_lib.report.views.common import values_source, words

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.report.context import Report

#: international series are shown from this year on (the provincial panel starts later; the longer view
#: puts China's catching up in context)
INTERNATIONAL_FROM = 2000
#: a panel with more units than this shows its top and bottom units (and the focus unit), not every unit
MANY_UNITS = 60
#: how many units at each end a ranking of a large panel shows
ENDS = 15
OUTCOME_COLOURS = {"agrees": "#1a7f37", "consistent": "#2166ac", "differs": "#b22222", "inconsistent": "#e08214",
                   "not_checkable": "#6b7280"}


def condition_names(ctx: Report) -> list[tuple[int, str]]:
    """``(number, name)`` of the article's six formation conditions."""
    return list(words(ctx, "conditions").items())


def condition_results(ctx: Report) -> list[ConditionData]:
    """The six conditions' claims (outcomes computed once) and series, in the report's language."""
    return ctx.memo("conditions", lambda: all_conditions(ctx.lang, years=range(INTERNATIONAL_FROM, 2100)))


def _data(ctx: Report, n: int) -> ConditionData:
    return condition_results(ctx)[n - 1]


def _source(ctx: Report, series) -> str:
    """Source line from the provenance of the series shown (the origin's short name, e.g. World Bank WDI)."""
    provs = [p for s in series for p in provenance(s)]
    return ctx.t("source_values", sources=join(source_names(provs, ctx.lang), ctx.lang))


def _headline_first(labels: dict[str, str], headline: str | None) -> dict[str, str]:
    """The labels with the condition's headline series first (the one a chart opens on)."""
    return dict(sorted(labels.items(), key=lambda kv: kv[0] != headline))


def intro(ctx: Report) -> dict[str, Any]:
    """What the intro block is filled with: the origins of the international series the section compares
    China on (from their provenance)."""
    from nqp_lib.data.series import catalogue

    provs = [p for s in catalogue("international") if s.conditions for p in provenance(s)]
    return {"sources": source_names(provs, ctx.lang)}


def heading(ctx: Report, n: int) -> dict[str, Any]:
    """What the heading block of condition ``n`` is filled with: its number and name."""
    return {"n": n, "name": words(ctx, "conditions")[n]}


# --------------------------------------------------------------------------- status line

def status(ctx: Report, n: int) -> dict[str, Any]:
    """The numbers condition ``n``'s status line is written from, all computed from the shipped series:

    - ``intl``: the headline international series (``None`` when there is none): China's level and change
      (:class:`~nqp_lib.conditions.Standing`), both OECD averages and the gaps to them, the world rank, and
      the peers below and above China (:class:`~nqp_lib.conditions.PeerPosition`) in the latest year that
      China and most peers share;
    - ``nat``: the headline national series, its latest level and its change over ten years on one
      statistical vintage (:class:`~nqp_lib.conditions.NationalTrend`).
    """
    intl_id, nat_id = HEADLINES[n]
    out: dict[str, Any] = {"n": n, "intl": None}
    if intl_id is not None:
        year = comparison_year(intl_id)
        st, pp = standing(intl_id, year), peer_position(intl_id, year)
        agg, mean = solid_mean(st.oecd_aggregate), solid_mean(st.oecd_mean)
        s = next(x for x in _data(ctx, n).series if x.id == intl_id and x.scope == "international")
        out["intl"] = {
            "name": s.name(ctx.lang), "unit": unit_label(s.unit, ctx.lang), "st": st, "peers": pp,
            "gap_unit": ctx.t("cond_points") if s.unit == "%" else unit_label(s.unit, ctx.lang),
            "agg": agg, "mean": mean, "agg_label": agg.label(ctx.lang) if agg else "",
            "mean_label": mean.label(ctx.lang) if mean else "",
            "below": [economy(c).name(ctx.lang) for c in pp.below],
            "above": [economy(c).name(ctx.lang) for c in pp.above],
        }
    tr = national_trend(nat_id, lang=ctx.lang)
    s = next(x for x in _data(ctx, n).series if x.id == nat_id and x.scope == "national")
    out["nat"] = {"name": s.name(ctx.lang), "tr": tr}
    return out


# --------------------------------------------------------------------------- national and international

def national_chart(ctx: Report, n: int) -> alt.Chart | str:
    """China's national series of condition ``n`` over the years, one picked from a select."""
    d = _data(ctx, n)
    nat = [s for s in d.series if s.scope == "national"]
    if d.national.empty:
        return ctx.t("cond_no_national")
    data = d.national.assign(vintage_label=d.national["vintage"].map(
        {"older": ctx.t("cond_vintage_older"), "newer": ctx.t("cond_vintage_newer"), "": ctx.t("cond_vintage_none")}))
    labels = _headline_first({s.id: f"{s.name(ctx.lang)} ({unit_label(s.unit, ctx.lang)})" for s in nat
                              if s.id in set(data["series"])}, HEADLINES[n][1])
    text = ChartText(ctx.t("cond_national_title", n=n), _source(ctx, nat), ctx.t("unit_in_select"),
                     ctx.t("cond_national_note"))
    return condition_charts.series_lines(data, labels, key=f"c{n}nat", lang=ctx.lang, text=text,
                                         series_title=ctx.t("cond_series"), vintage_title=ctx.t("cond_vintage"))


def peers_chart(ctx: Report, n: int) -> alt.Chart | str:
    """China against the article's peers, both OECD averages, high income and the world on condition
    ``n``'s international series: the indicator and the economy set against China are picked from selects."""
    d = _data(ctx, n)
    if d.international.empty:
        return ctx.t("cond_no_international")
    intl = [s for s in d.series if s.scope == "international" and s.id in set(d.international["indicator"])]
    labels = _headline_first({s.id: f"{s.name(ctx.lang)} ({unit_label(s.unit, ctx.lang)})" for s in intl}, HEADLINES[n][0])
    shown = set(d.international["economy"])
    names = {e.code: e.name(ctx.lang) for e in default_comparison() if e.code in shown}
    text = ChartText(ctx.t("cond_peers_title", n=n), _source(ctx, intl), ctx.t("unit_in_select"),
                     ctx.t("cond_peers_note", share=f"{MIN_MEMBER_SHARE:.0%}"))
    return condition_charts.economy_lines(
        drop_thin_means(d.international), labels, names, key=f"c{n}int", lang=ctx.lang, text=text,
        indicator_title=ctx.t("indicator"), economy_title=ctx.t("cond_economy"),
    )


def standing_table(ctx: Report, n: int) -> pd.DataFrame:
    """China on each international series of condition ``n`` in the latest year it shares with most peers:
    its value, both OECD averages, the gap to each (OECD − China), its world rank and the peers below it."""
    d = _data(ctx, n)
    rows = []
    for s in d.series:
        if s.scope != "international" or s.id not in set(d.international.get("indicator", [])):
            continue
        try:
            year = comparison_year(s.id)
            st, pp = standing(s.id, year), peer_position(s.id, year)
        except DataError:
            continue
        agg, mean = solid_mean(st.oecd_aggregate), solid_mean(st.oecd_mean)
        rows.append({
            ctx.t("indicator"): s.name(ctx.lang), ctx.t("unit"): unit_label(s.unit, ctx.lang), ctx.t("year"): st.year,
            ctx.t("cond_china"): st.value,
            ctx.t("cond_oecd_aggregate"): None if agg is None else agg.value,
            ctx.t("cond_oecd_mean"): None if mean is None else mean.value,
            ctx.t("cond_gap_mean"): None if mean is None else mean.value - st.value,
            ctx.t("cond_world_rank"): "" if st.rank is None else f"{st.rank.rank} / {st.rank.n}",
            ctx.t("cond_peers_below"): f"{len(pp.below)} / {pp.n}",
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the panel's units

def _indicators(ctx: Report, n: int) -> list:
    return [i for i in ctx.system.indicators if n in i.conditions]


def panel_values(ctx: Report, n: int) -> pd.DataFrame:
    """Raw panel values (nothing imputed) of the system's indicators tagged with condition ``n``, long:
    ``unit``, ``name``, ``indicator``, ``year``, ``value``."""
    return ctx.memo(f"condition_panel_{n}", lambda: _panel_values(ctx, n))


def _panel_values(ctx: Report, n: int) -> pd.DataFrame:
    ids = [i.id for i in _indicators(ctx, n)]
    m = ctx.system.matrix(ctx.panel.frame)
    long = m.melt(id_vars=["unit", "year"], value_vars=ids, var_name="indicator", value_name="value").dropna(subset=["value"])
    names = {u: ctx.name_of(u) for u in long["unit"].unique()}  # one look-up per unit, not per row
    long["name"] = long["unit"].map(names)
    return long.reset_index(drop=True)


def ends(frame: pd.DataFrame, k: int, focus: str | None) -> pd.DataFrame:
    """Per indicator and year, the ``k`` highest and ``k`` lowest units and the focus unit (ties broken by
    unit name so the cut is deterministic)."""
    from nqp_lib.chartdata import top_bottom_focus

    kept = top_bottom_focus(frame, "value", k, focus, by=["indicator", "year"], limit=0).frame
    return kept.drop(columns=["shown_as", "place"], errors="ignore")


def provincial_chart(ctx: Report, n: int) -> alt.LayerChart | alt.Chart | str:
    """Condition ``n``'s indicators across the panel's units with an indicator select and a year slider: a
    tile map for the 31 provinces, otherwise a ranking (top and bottom units plus the focus unit when the
    panel has many)."""
    inds = _indicators(ctx, n)
    if not inds:
        return ctx.text("none")
    data = panel_values(ctx, n)
    labels = {i.id: f"{i.name(ctx.lang)} ({i.unit_in(ctx.lang)})" for i in inds if i.id in set(data["indicator"])}
    noun = ctx.noun()
    title = ctx.t("cond_panel_title", n=n, units=ctx.noun(plural=True))
    if ctx.is_provincial:
        text = ChartText(title, values_source(ctx), ctx.t("unit_in_select"), ctx.t("cond_tiles_note"))
        return condition_charts.indicator_tiles(
            data, labels, key=f"c{n}map", lang=ctx.lang, text=text, tiles=ctx.regions,
            indicator_title=ctx.t("indicator"), level_title=ctx.t("cond_level"), unit_title=noun,
        )
    units = data["unit"].nunique()
    note = ctx.t("cond_rank_note")
    if units > MANY_UNITS:
        data = ends(data, ENDS, ctx.settings.focus)
        note += "\n" + ctx.t("cond_ends_note", k=ENDS, total=units, units=ctx.noun(plural=True))
    text = ChartText(title, values_source(ctx), ctx.t("unit_in_select"), note)
    return condition_charts.indicator_ranks(
        data, labels, key=f"c{n}rank", lang=ctx.lang, text=text, indicator_title=ctx.t("indicator"),
        unit_title=noun, focus=ctx.settings.focus,
    )


def condition_table(ctx: Report, condition: int) -> pd.DataFrame:
    """The system's indicators that speak to a condition: the median over the panel's units, the highest
    and lowest unit in the last year observed, and the change of the median since the first year observed
    (each indicator's own first and last year; raw data, nothing imputed)."""
    long = panel_values(ctx, condition)
    rows = []
    for ind in _indicators(ctx, condition):
        d = long[long["indicator"] == ind.id]
        if d.empty:
            continue
        end, start = d[d["year"] == d["year"].max()], d[d["year"] == d["year"].min()]
        hi, lo = end.loc[end["value"].idxmax()], end.loc[end["value"].idxmin()]
        rows.append({
            ctx.t("indicator"): ind.name(ctx.lang),
            ctx.t("unit"): ind.unit_in(ctx.lang),
            ctx.t("year"): int(end["year"].iat[0]),
            ctx.t("cond_median", units=ctx.noun(plural=True)): end["value"].median(),
            ctx.t("highest"): f"{hi['name']} {hi['value']:,.2f}",
            ctx.t("lowest"): f"{lo['name']} {lo['value']:,.2f}",
            ctx.t("first_year"): int(start["year"].iat[0]),
            ctx.t("median_change"): end["value"].median() - start["value"].median(),
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- claims

def _claims_frame(ctx: Report) -> pd.DataFrame:
    from nqp_lib.claims import results_frame

    results = [r for d in condition_results(ctx) for r in d.claims]
    return results_frame(results, ctx.lang)


def claims_table(ctx: Report, n: int) -> pd.DataFrame:
    """The article's claims about condition ``n``: the figure as stated, the outcome computed now, the
    value compared and how (the arithmetic, or why the figure cannot be checked)."""
    f = _claims_frame(ctx)
    f = f[f["condition"] == n]
    how = [a if a else r for a, r in zip(f["arithmetic"], f["reason"])]
    return pd.DataFrame({
        claim_label("col_claim", ctx.lang): f["claim"], claim_label("col_value", ctx.lang): f["stated"], claim_label("col_outcome", ctx.lang): f["outcome_label"],
        claim_label("col_arithmetic", ctx.lang) + " / " + claim_label("col_reason", ctx.lang): how,
    })


def ledger_chart(ctx: Report) -> alt.LayerChart:
    """Every claim of the ledger in one table a reader filters by condition and outcome (selects)."""
    f = _claims_frame(ctx).reset_index(drop=True)
    conditions = {str(k): f"{k} · {v}" for k, v in words(ctx, "conditions").items()}
    outcomes = {o: claim_label(o, ctx.lang) for o in OUTCOMES}
    compared = [("" if pd.isna(v) else f"{v:,.4g}") for v in f["compared"]]
    data = pd.DataFrame({
        "order": range(len(f)), "condition": f["condition"].astype("Int64").astype(str), "outcome": f["outcome"],
        "section": f["section"], "claim": f["claim"], "stated": f["stated"], "outcome_label": f["outcome_label"],
        "compared": compared,
    })
    columns = {"section": (claim_label("col_section", ctx.lang), 0), "claim": (claim_label("col_claim", ctx.lang), 55),
               "stated": (claim_label("col_value", ctx.lang), 430), "outcome_label": (claim_label("col_outcome", ctx.lang), 560),
               "compared": (claim_label("col_compared", ctx.lang), 720)}
    text = ChartText(ctx.t("cond_ledger_title", n=len(f)), _ledger_source(ctx), ctx.t("cond_ledger_unit"),
                     ctx.t("cond_ledger_note"))
    return condition_charts.ledger_table(
        data, columns, key="ledger", lang=ctx.lang, text=text, conditions=conditions, outcomes=outcomes,
        colours=OUTCOME_COLOURS, all_label=ctx.t("cond_all"), condition_title=claim_label("col_condition", ctx.lang),
        outcome_title=claim_label("col_outcome", ctx.lang),
    )


def _ledger_source(ctx: Report) -> str:
    """The ledger's source line: the article, and the origins of every series a check read."""
    from nqp_lib.data.series import catalogue

    used = {r.claim.series for d in condition_results(ctx) for r in d.claims if r.claim.series}
    series = [s for s in catalogue() if s.id in used]
    return ctx.t("cond_ledger_source", sources=join(source_names([p for s in series for p in provenance(s)], ctx.lang), ctx.lang))


def ledger_summary(ctx: Report) -> pd.DataFrame:
    """How many claims of each condition ended in each outcome, with totals (rows: conditions; columns:
    outcomes)."""
    f = _claims_frame(ctx)
    table = pd.crosstab(f["condition"], f["outcome"]).reindex(index=list(range(1, 7)), columns=list(OUTCOMES), fill_value=0)
    table.loc["total"] = table.sum()
    table["total"] = table.sum(axis=1)
    names = words(ctx, "conditions")
    out = table.astype(int).reset_index(drop=True)
    out.columns = [claim_label(o, ctx.lang) for o in OUTCOMES] + [claim_label("summary", ctx.lang)]
    out.insert(0, claim_label("col_condition", ctx.lang), [f"{k} · {names[k]}" for k in range(1, 7)] + [claim_label("summary", ctx.lang)])
    return out


def enterprise_data(ctx: Report) -> dict[str, Any]:
    """What the data can say about condition 6 (enterprise vitality): the national series and the system's
    indicators tagged with it, and how many of the article's claims about it there are."""
    d = _data(ctx, 6)
    return {
        "national_series": [s.name(ctx.lang) for s in d.series if s.scope == "national"],
        "international_series": [s.name(ctx.lang) for s in d.series if s.scope == "international"],
        "panel_indicators": [i.name(ctx.lang) for i in _indicators(ctx, 6)],
        "claims": len(d.claims),
    }
