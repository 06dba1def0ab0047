"""Views of section 1 (connotation): a unit's profile (elements and indicators against the medians), how much
the ranking depends on the method (rank correlations between weighting and aggregation methods), the four key
features with evidence (tagged indicators, energy and CO₂ intensity, TFP and human capital against peers), the
dimensions' sub-indices by region, and coupling coordination of the dimensions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

from nqp_lib import argument_charts, charts
from nqp_lib.charts import ChartText
from nqp_lib.report.markup import format_number
from nqp_lib.report.views.common import dimension_labels, group_order, index_text, system_source, values_source, words

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
    chart = charts.dimension_profile(ctx.scores, dimension_labels(ctx), key="dims", lang=ctx.lang,
                                     text=index_text(ctx, ctx.system.name(ctx.lang), ctx.t("subindex_unit")))
    return argument_charts.with_group_colours(chart, group_order(ctx), ctx.t("region"))


def coupling(ctx: Report) -> pd.DataFrame:
    """Coupling coordination (C, T, D, grade) of the dimensions per unit-year
    (:func:`nqp_lib.measure.diagnose.coupling_coordination`), with region columns."""
    from nqp_lib.measure.diagnose import coupling_coordination

    return ctx.memo("coupling", lambda: ctx.with_regions(coupling_coordination(ctx.index.result_)))


def coupling_map(ctx: Report) -> alt.LayerChart:
    """Coupling coordination D on the tile map for the 31 provinces; for any other panel, its mean with the
    P10–P90 and min–max bands across units and each group's mean over the years (scales to any number of units)."""
    title = ctx.t("coupling_title")
    if ctx.is_provincial:
        return charts.tile_map(
            coupling(ctx), "D", key="ccd", lang=ctx.lang, tiles=ctx.regions, value_title="D",
            colours=("#e6f3f8", "#3a8fc4"), text=index_text(ctx, title, ctx.t("coupling_unit")),
        )
    from nqp_lib.measure.summary import group_means, spread_by_year

    cc = coupling(ctx)
    note = ctx.t("cn_coupling_note", units=ctx.noun(plural=True))
    return argument_charts.spread_band(spread_by_year(cc, "D"), group_means(cc, value="D"), key="ccd", lang=ctx.lang,
                                       order=group_order(ctx), group_title=ctx.t("region"), text=index_text(ctx, title, ctx.t("coupling_unit"), note))


def coupling_grades(ctx: Report, year: int) -> pd.DataFrame:
    """Number of provinces in each coordination grade, by region, in ``year``."""
    cc = coupling(ctx)
    cc = cc[cc["year"] == year]
    label = "grade_zh" if ctx.lang == "zh" else "grade_en"
    table = cc.pivot_table(index=["grade", label], columns="group", values="unit", aggfunc="count", fill_value=0)
    table = table.reset_index().sort_values("grade", ascending=False).drop(columns="grade")
    table.columns.name = None
    return table.rename(columns={label: ctx.t("grade")})


# ----------------------------------------------------------------------------------------- unit profile
#: top and bottom units offered in the profile's drop-down when the panel has too many to list
PROFILE_ENDS = 10


def profile_choice(ctx: Report):
    """The units the profile offers (:func:`nqp_lib.chartdata.top_bottom_focus` in the last year: every unit
    of a small panel; the top and bottom :data:`PROFILE_ENDS` plus the focus unit of a large one)."""
    from nqp_lib.chartdata import top_bottom_focus

    last = ctx.scores[ctx.scores["year"] == ctx.settings.year_to]
    return top_bottom_focus(last, "score", PROFILE_ENDS, ctx.settings.focus, year=ctx.settings.year_to)


def profiles(ctx: Report) -> pd.DataFrame:
    """Long profile table of the offered units in the last year (:func:`nqp_lib.measure.profile.unit_profiles`),
    with display labels: ``name``, ``label`` (dimension or "dimension · indicator"), ``raw_text`` (raw value
    with its unit)."""
    from nqp_lib.measure.profile import unit_profiles

    def compute() -> pd.DataFrame:
        groups = dict(zip(ctx.scores["unit"], ctx.scores["group"].astype(str)))
        units = list(profile_choice(ctx).frame["unit"])
        p = unit_profiles(ctx.index.result_, ctx.settings.year_to, groups, units)
        dims = dict(dimension_labels(ctx))
        inds = {i.id: i for i in ctx.system.indicators}
        p["name"] = p["unit"].map(ctx.name_of)
        p["imputed"] = p["imputed"].map({True: ctx.t("cn_imputed"), False: ctx.t("cn_observed")})
        p["label"] = [dims[i] if k == "dimension" else f"{dims[d]} · {inds[i].name(ctx.lang)}"
                      for k, i, d in zip(p["kind"], p["item"], p["dimension"])]
        p["raw_text"] = [
            "" if k == "dimension" else f"{format_number(r, 3)} {inds[i].unit_in(ctx.lang)}" + (" *" if imp == ctx.t("cn_imputed") else "")
            for k, i, r, imp in zip(p["kind"], p["item"], p["raw"], p["imputed"])
        ]
        return p

    return ctx.memo("profiles", compute)


def profile_order(ctx: Report) -> list[str]:
    dims = dict(dimension_labels(ctx))
    out = []
    for d in ctx.system.dimensions:
        out.append(dims[d.id])
        out += [f"{dims[d.id]} · {i.name(ctx.lang)}" for i in d.indicators]
    return out


def profile_chart(ctx: Report) -> alt.LayerChart:
    from nqp_lib.chartdata import summarised_note

    p = profiles(ctx)
    choice = profile_choice(ctx)
    ranked = choice.frame.sort_values("score", ascending=False)
    options = [ctx.name_of(u) for u in ranked["unit"]]
    focus = ctx.name_of(ctx.settings.focus)
    note = ctx.t("cn_profile_note")
    summary = summarised_note(choice, ctx.lang, ctx.noun(plural=True), focus)
    if summary:
        note = f"{note}\n{summary}"
    labels = {"unit": ctx.noun().capitalize() if ctx.lang == "en" else ctx.noun(), "median_all": ctx.t("cn_median_all"),
              "median_group": ctx.t("cn_median_group"), "raw": ctx.t("cn_raw"), "imputed": ctx.t("cn_imputed"), "observed": ctx.t("cn_observed")}
    title = ctx.t("cn_profile_title", noun=labels["unit"], year=ctx.settings.year_to)
    text = ChartText(title, values_source(ctx), ctx.t("cn_profile_unit"), note)
    return argument_charts.unit_profile(p, key="prof", lang=ctx.lang, text=text, options=options, initial=focus,
                                        order=profile_order(ctx), select_label=labels["unit"], labels=labels)


def profile_table(ctx: Report) -> pd.DataFrame:
    """The focus unit's profile as a table (what the chart shows first)."""
    p = profiles(ctx)
    p = p[p["unit"] == ctx.settings.focus]
    return pd.DataFrame({
        ctx.t("indicator"): p["label"].to_numpy(),
        ctx.t("cn_value"): p["value"].round(3).to_numpy(),
        ctx.t("cn_median_all"): p["median_all"].round(3).to_numpy(),
        ctx.t("cn_median_group"): p["median_group"].round(3).to_numpy(),
        ctx.t("cn_raw"): p["raw_text"].replace("", "—").to_numpy(),
    })


def profile_values(ctx: Report) -> dict[str, Any]:
    p = profiles(ctx)
    mine = p[(p["unit"] == ctx.settings.focus) & (p["kind"] == "indicator")]
    dims = p[(p["unit"] == ctx.settings.focus) & (p["kind"] == "dimension")]
    above = int((mine["value"] > mine["median_all"]).sum())
    best = dims.loc[dims["value"].idxmax()]
    worst = dims.loc[dims["value"].idxmin()]
    choice = profile_choice(ctx)
    return {"focus_name": ctx.name_of(ctx.settings.focus), "group": str(mine["group"].iat[0]), "n_above": above,
            "n_ind": len(mine), "best_dim": best["label"], "best_value": float(best["value"]),
            "worst_dim": worst["label"], "worst_value": float(worst["value"]), "n_imputed": int((mine["imputed"] == ctx.t("cn_imputed")).sum()),
            "summarised": choice.summarised, "n_offered": int(choice.frame["unit"].nunique()), "n_units": choice.units,
            "ends": PROFILE_ENDS, "year": ctx.settings.year_to}


# ----------------------------------------------------------------------------------------- robustness
def method_ranks(ctx: Report):
    """Ranks in the last year under every weighting and aggregation method
    (:func:`nqp_lib.measure.robustness.method_ranks`)."""
    from nqp_lib.measure.robustness import method_ranks as ranks

    return ctx.memo("method_ranks", lambda: ranks(ctx.index, ctx.settings.year_to))


def _method_labels(ctx: Report) -> dict[str, str]:
    return {v.key: v.label(ctx.lang) for v in method_ranks(ctx).variants}


def correlations(ctx: Report) -> pd.DataFrame:
    from nqp_lib.measure.robustness import rank_correlations

    return ctx.memo("rank_corr", lambda: rank_correlations(method_ranks(ctx).ranks))


def correlation_table(ctx: Report) -> pd.DataFrame:
    """Spearman and Kendall correlation of the report's ranking with each other method's."""
    mr = method_ranks(ctx)
    c = correlations(ctx)
    c = c[c["a"] == mr.nominal]
    names = _method_labels(ctx)
    return pd.DataFrame({ctx.t("method"): c["b"].map(names).to_numpy(), "Spearman ρ": c["spearman"].round(3).to_numpy(),
                         "Kendall τ": c["kendall"].round(3).to_numpy()})


def correlation_chart(ctx: Report) -> alt.Chart:
    """Spearman ρ between every pair of methods (both triangles, 1 on the diagonal)."""
    names = _method_labels(ctx)
    c = correlations(ctx)
    keys = list(names)
    frame = pd.concat([
        c.assign(x=c["a"].map(names), y=c["b"].map(names)),
        c.assign(x=c["b"].map(names), y=c["a"].map(names)),
        pd.DataFrame({"x": [names[k] for k in keys], "y": [names[k] for k in keys], "spearman": 1.0}),
    ], ignore_index=True)[["x", "y", "spearman"]]
    frame["spearman"] = frame["spearman"].round(3)
    text = index_text(ctx, ctx.t("cn_corr_title", year=ctx.settings.year_to), "Spearman ρ",
                      ctx.t("cn_corr_note", units=ctx.noun(plural=True)))
    return argument_charts.correlation_heatmap(frame, key="corr", lang=ctx.lang, text=text, order=[names[k] for k in keys])


def movers_table(ctx: Report, n: int = 5) -> pd.DataFrame:
    from nqp_lib.measure.robustness import rank_shifts

    mr = method_ranks(ctx)
    s = rank_shifts(mr.ranks, mr.nominal).head(n)
    names = _method_labels(ctx)
    return pd.DataFrame({
        ctx.noun().capitalize() if ctx.lang == "en" else ctx.noun(): s["unit"].map(ctx.name_of).to_numpy(),
        ctx.t("cn_rank_nominal"): s["nominal"].to_numpy(),
        ctx.t("cn_rank_range"): [f"{a}–{b}" for a, b in zip(s["best"], s["worst"])],
        ctx.t("cn_largest_move"): [f"{m:+d}" for m in s["move"]],
        ctx.t("method"): s["method"].map(names).to_numpy(),
    })


def robustness_values(ctx: Report) -> dict[str, Any]:
    from nqp_lib.measure.robustness import rank_shifts

    mr = method_ranks(ctx)
    c = correlations(ctx)
    names = _method_labels(ctx)
    nominal = c[c["a"] == mr.nominal]
    low = c.loc[c["spearman"].idxmin()]
    s = rank_shifts(mr.ranks, mr.nominal)
    top = s.iloc[0]
    return {"n_methods": len(mr.variants), "methods": [names[v.key] for v in mr.variants], "nominal": names[mr.nominal],
            "year": mr.year, "n_units": len(mr.ranks), "rho_min_nominal": float(nominal["spearman"].min()),
            "rho_max_nominal": float(nominal["spearman"].max()), "tau_min_nominal": float(nominal["kendall"].min()),
            "low_a": names[low["a"]], "low_b": names[low["b"]], "low_rho": float(low["spearman"]),
            "low_tau": float(low["kendall"]), "mover": ctx.name_of(top["unit"]), "mover_best": int(top["best"]),
            "mover_worst": int(top["worst"]), "mover_spread": int(top["spread"]),
            "n_stable": int((s["spread"] <= 2).sum()), "notes": mr.notes}


# ----------------------------------------------------------------------------------------- four features
def feature_evidence(ctx: Report) -> pd.DataFrame:
    """Per feature, the indicators tagged with it and what the data show: the median over units in the first
    and the last year observed (imputed cells left out), the change, and whether it went the indicator's way."""
    from nqp_lib.measure.profile import indicator_medians

    med = indicator_medians(ctx.index.result_).set_index("indicator")
    features = words(ctx, "features")
    yes, no = ctx.t("cn_yes"), ctx.t("cn_no")
    rows = []
    for f, fname in features.items():
        for i in ctx.system.indicators:
            if f not in i.features or i.id not in med.index:
                continue
            m = med.loc[i.id]
            rows.append({
                ctx.t("features"): fname, ctx.t("indicator"): i.name(ctx.lang), ctx.t("unit"): i.unit_in(ctx.lang),
                ctx.t("cn_years"): f"{int(m['first_year'])}–{int(m['last_year'])}" + (" †" if m["ends_early"] else ""),
                ctx.t("cn_median_first"): format_number(m["first"], 3), ctx.t("cn_median_last"): format_number(m["last"], 3),
                ctx.t("cn_change"): "—" if pd.isna(m["change_pct"]) else f"{m['change_pct']:+.1f}%",
                ctx.t("cn_better"): "—" if pd.isna(m["better"]) else (yes if bool(m["better"]) else no),
            })
    return pd.DataFrame(rows)


def feature_values(ctx: Report) -> dict[str, Any]:
    """Per feature: indicators tagged, how many improved (median moved the indicator's way)."""
    from nqp_lib.measure.profile import indicator_medians

    med = indicator_medians(ctx.index.result_).set_index("indicator")
    out = []
    for f, fname in words(ctx, "features").items():
        tagged = [i for i in ctx.system.indicators if f in i.features and i.id in med.index]
        better = sum(1 for i in tagged if pd.notna(med.loc[i.id, "better"]) and bool(med.loc[i.id, "better"]))
        out.append({"name": fname, "n": len(tagged), "better": better})
    early = [i.name(ctx.lang) for i in ctx.system.indicators if i.id in med.index and bool(med.loc[i.id, "ends_early"])]
    return {"per_feature": out, "early": early, "missing": [o["name"] for o in out if o["n"] == 0]}


# ----------------------------------------------------------------------------------------- national series
#: (series label key, numerator column, denominator column, scale, intensity column, unit key)
INTENSITIES = (
    ("cn_energy_intensity", "energy_10k_tce", "gdp_100m_yuan", 1.0, "energy_intensity_tce_per_10k_yuan"),
    ("cn_co2_intensity", "co2_mt", "gdp_100m_yuan", 100.0, "co2_intensity_t_per_10k_yuan"),
)


def intensity_series(ctx: Report) -> pd.DataFrame | None:
    """Energy and CO₂ per unit of GDP: all units together (Σ numerator / Σ GDP,
    :func:`nqp_lib.measure.summary.aggregate_ratio`) with the median and the P10–P90 band of the units'
    own intensities, in the years with data; None when the panel has no such columns."""
    from nqp_lib.measure.summary import aggregate_ratio, spread_by_year

    frame = ctx.panel.frame
    frame = frame[~frame["unit"].isin(ctx.excluded_units)]
    parts = []
    for label, num, den, scale, col in INTENSITIES:
        if not {num, den, col} <= set(frame.columns):
            continue
        agg = aggregate_ratio(frame, num, den, scale).rename(columns={"value": "national"})
        band = spread_by_year(frame.rename(columns={col: "v"}), "v")[["year", "median", "p10", "p90"]]
        parts.append(agg.merge(band, on="year").assign(series=ctx.t(label)))
    if not parts:
        return None
    return pd.concat(parts, ignore_index=True)


def intensity_chart(ctx: Report) -> alt.Chart | str:
    from nqp_lib.data.citation import source_names
    from nqp_lib.labels import join

    data = intensity_series(ctx)
    if data is None:
        return ctx.t("cn_no_intensity")
    end = int(data["year"].max())
    used = [p for p in ctx.panel.provenance if p.resource in ("eps_provincial_panel", "ceads_provincial_co2")] or ctx.panel.provenance
    source = ctx.t("source_computed", sources=join(source_names(used, ctx.lang), ctx.lang))
    note = ctx.t("cn_intensity_note", units=ctx.noun(plural=True), end=end)
    text = ChartText(ctx.t("cn_intensity_title"), source, ctx.t("cn_intensity_unit"), note)
    return argument_charts.series_band(data, key="int", lang=ctx.lang, text=text,
                                       end_year=end if end < ctx.settings.year_to else None,
                                       end_label=ctx.t("cn_data_end", end=end))


def intensity_values(ctx: Report) -> dict[str, Any] | None:
    from nqp_lib.data.growth import compound_rate

    data = intensity_series(ctx)
    if data is None:
        return None
    out = {}
    for key, *_ in INTENSITIES:
        s = data[data["series"] == ctx.t(key)].sort_values("year")
        if len(s) < 2:
            continue
        a, b = s.iloc[0], s.iloc[-1]
        out[key.removeprefix("cn_")] = {"y0": int(a["year"]), "y1": int(b["year"]), "v0": float(a["national"]),
                                        "v1": float(b["national"]),
                                        "rate": 100 * compound_rate(float(a["national"]), float(b["national"]), int(b["year"] - a["year"]))}
    if not out:
        return None
    return {**out, "end": int(data["year"].max())}


#: first year of the international comparison (Penn World Table ends 2019)
PEERS_FROM = 2000


def peer_series(ctx: Report) -> pd.DataFrame:
    """TFP level (USA = 1) and the human capital index from the Penn World Table, China and peers."""
    from nqp_lib.data.international import countries

    def compute() -> pd.DataFrame:
        parts = []
        for s in ("tfp_level", "human_capital"):
            f = countries(s, lang=ctx.lang)
            f = f[f["year"] >= PEERS_FROM]
            parts.append(f.assign(series=f"{ctx.t('cn_' + s)} ({f['unit'].iat[0]})"))
        out = pd.concat(parts, ignore_index=True)
        out.attrs["provenance"] = [p for part in parts for p in part.attrs.get("provenance", [])]
        return out

    return ctx.memo("peers", compute)


def peer_chart(ctx: Report) -> alt.Chart:
    from nqp_lib.data.citation import source_names
    from nqp_lib.data.economies import economy
    from nqp_lib.labels import join

    f = peer_series(ctx)
    china = economy("CHN").name(ctx.lang)
    source = join(source_names(f.attrs["provenance"], ctx.lang), ctx.lang)
    end = int(f["year"].max())
    text = ChartText(ctx.t("cn_peers_title", start=PEERS_FROM, end=end), source, ctx.t("cn_peers_unit"),
                     ctx.t("cn_peers_note", end=end))
    return argument_charts.economies_lines(f, key="pwt", lang=ctx.lang, text=text, highlight=china)


def peer_values(ctx: Report) -> dict[str, Any]:
    from nqp_lib.data.economies import economy

    f = peer_series(ctx)
    china = economy("CHN").code
    out = {"end": int(f["year"].max()), "start": PEERS_FROM}
    for s in ("tfp_level", "human_capital"):
        mine = f[(f["indicator"] == s) & (f["economy"] == china)].sort_values("year")
        usa = f[(f["indicator"] == s) & (f["economy"] == "USA")].set_index("year")["value"]
        last = mine.iloc[-1]
        out[s] = {"first": float(mine.iloc[0]["value"]), "last": float(last["value"]),
                  "usa": float(usa.get(int(last["year"]), float("nan")))}
    return out
