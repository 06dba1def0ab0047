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
from nqp_lib.measure.weights import data_weighters
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
                ctx.t("unit"): i.unit_in(ctx.lang),
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
    opts["years"] = f"{ctx.settings.year_from}–{ctx.settings.year_to}"
    opts["exclude_units"] = ", ".join(ctx.name_of(u) for u in ctx.excluded_units) or ctx.t("none")
    keep = ["normalise", "scope", "zeros", "shift", "weights", "hierarchy", "aggregate", "impute", "years", "exclude_units"]
    return pd.DataFrame({ctx.t("option"): [ctx.t(f"opt_{k}") for k in keep], ctx.t("option_key"): keep,
                         ctx.t("option_value"): [str(opts.get(k)) for k in keep]})


def index_map(ctx: Report) -> alt.LayerChart | str:
    if not ctx.is_provincial:
        return ctx.t("provinces_only")
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


def reweight(ctx: Report) -> alt.Chart | str:
    if ctx.settings.aggregate != "sum":  # the browser's Σ w·s / Σ w equals the index only for the weighted sum
        return ctx.t("reweight_sum_only", aggregate=ctx.settings.aggregate)
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


# ----------------------------------------------------------------------------------------- 01 connotation


def feature_matrix(ctx: Report) -> alt.Chart:
    """How many indicators of each dimension evidence each of the four key features."""
    rows = [
        {"dimension": d.name(ctx.lang), "feature": FEATURES[f][ctx.lang], "n": sum(f in i.features for i in d.indicators)}
        for d in ctx.system.dimensions for f in FEATURES
    ]
    frame = pd.DataFrame(rows)  # the full grid, zeros included: a feature no indicator evidences shows as 0
    return charts.heatmap(
        frame, "feature", "dimension", "n", key="feat", lang=ctx.lang, title=ctx.t("feature_matrix"),
        source=ctx.t("system_source", path=ctx.system.id), unit=ctx.t("count_indicators"),
        x_title=ctx.t("features"), y_title=ctx.t("dimension"), fmt="d",
    )




def coupling(ctx: Report) -> pd.DataFrame:
    """Coupling coordination (C, T, D, grade) of the dimensions per unit-year, with region columns."""
    from nqp_lib.measure.diagnose import coupling_coordination

    return ctx.memo("coupling", lambda: ctx.with_regions(coupling_coordination(ctx.index.result_)))


def coupling_map(ctx: Report) -> alt.LayerChart | str:
    if not ctx.is_provincial:
        return ctx.t("provinces_only")
    return charts.tile_map(
        coupling(ctx), "D", key="ccd", lang=ctx.lang, title=ctx.t("coupling_title"), source=ctx.t("index_source"),
        unit=ctx.t("coupling_unit"), tiles=ctx.regions, value_title="D", colours=("#e6f3f8", "#3a8fc4"),
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


# ----------------------------------------------------------------------------------------- 02 conditions


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
        long, metrics, ctx.regions, key="ind", lang=ctx.lang, title=ctx.t("indicator_explorer"),
        source=ctx.t("panel_source"), focus=ctx.settings.focus,
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


# ----------------------------------------------------------------------------------------- 03 pathways


def obstacles(ctx: Report):
    from nqp_lib.measure.diagnose import obstacle_degree

    return ctx.memo("obstacles", lambda: obstacle_degree(ctx.index.result_, top=5))


def focus_obstacle_lines(ctx: Report) -> alt.Chart:
    """The focus province's obstacle degree by dimension over the years."""
    ob = obstacles(ctx).dimensions
    f = ob[ob["unit"] == ctx.settings.focus]
    names = dict(dimension_labels(ctx))
    long = f.melt(id_vars=["unit", "year"], var_name="dimension", value_name="obstacle")
    long["dimension"] = long["dimension"].map(names)
    return charts.lines(
        long, "year", "obstacle", "dimension", key="obs", lang=ctx.lang,
        title=ctx.t("obstacle_title", name=ctx.name_of(ctx.settings.focus)), source=ctx.t("index_source"),
        unit=ctx.t("obstacle_unit"), color_title=ctx.t("dimension"), fmt=".1%", zero=True,
        order=[label for _, label in dimension_labels(ctx)],
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


def what_if(ctx: Report, year: int, quantile: float = 0.75) -> pd.DataFrame:
    """Close the focus province's largest closable gap and rescore.

    Among the focus province's indicators in ``year``, ordered by obstacle degree, take the first that is
    read from a panel column and lies on the wrong side of the provinces' ``quantile`` (for a cost indicator,
    the mirror quantile); set it to that quantile and rescore with the fitted bounds and weights
    (``CompositeIndex.transform``). Returns the indicator, values, scores and ranks before and after, or an
    empty frame when no indicator qualifies.
    """
    focus = ctx.settings.focus
    ob = obstacles(ctx).indicators
    row = ob[(ob["unit"] == focus) & (ob["year"] == year)]
    if row.empty:
        return pd.DataFrame()
    frame = ctx.panel.frame.copy()
    in_year = frame["year"] == year
    mask = in_year & (frame["unit"] == focus)
    ranked = row.drop(columns=["unit", "year"]).iloc[0].sort_values(ascending=False)
    for indicator_id in ranked.index:
        ind = ctx.system.indicator(str(indicator_id))
        if ind.column is None:
            continue
        values = frame.loc[in_year & ~frame["unit"].isin(ctx.excluded_units), ind.column]
        target = float(values.quantile(quantile if ind.direction > 0 else 1 - quantile))
        before_value = float(frame.loc[mask, ind.column].iat[0])
        if (ind.direction > 0 and before_value < target) or (ind.direction < 0 and before_value > target):
            break
    else:
        return pd.DataFrame()
    frame.loc[mask, ind.column] = target
    from dataclasses import replace

    after = ctx.index.transform(replace(ctx.panel, frame=frame)).scores
    before = ctx.index.result_.scores
    pick = lambda s: s[(s["unit"] == focus) & (s["year"] == year)].iloc[0]  # noqa: E731
    b, a = pick(before), pick(after)
    return pd.DataFrame({
        ctx.t("indicator"): [ind.name(ctx.lang)],
        ctx.t("obstacle_share"): [f"{float(ranked[ind.id]) * 100:.1f}"],
        ctx.t("value_before"): [f"{before_value:,.3f} {ind.unit_in(ctx.lang)}"],
        ctx.t("value_after"): [f"{target:,.3f} {ind.unit_in(ctx.lang)}"],
        ctx.t("score_before"): [b["score"]], ctx.t("score_after"): [a["score"]],
        ctx.t("rank_before"): [int(b["rank"])], ctx.t("rank_after"): [int(a["rank"])],
    })


# ----------------------------------------------------------------------------------------- 04 methods


METHODS_COMPARED = data_weighters()  # every weighting method that needs nothing but the data


def weights_by_method(ctx: Report) -> pd.DataFrame:
    """Final indicator weights of the report's index refitted with each weighting method."""
    def compute() -> pd.DataFrame:
        frames = {}
        for m in METHODS_COMPARED:
            w = ctx.index.variant(weights=m).result_.weights
            frames[m] = w.set_index("indicator")["final"]
        out = pd.DataFrame(frames)
        out.insert(0, "dimension", [ctx.system.indicator(i).dimension for i in out.index])
        out.insert(0, "name", [ctx.system.indicator(i).name(ctx.lang) for i in out.index])
        dims = dict(dimension_labels(ctx))
        out["dimension"] = out["dimension"].map(dims)
        return out.reset_index().rename(columns={"index": "indicator"})
    return ctx.memo("weights_by_method", compute)


def weights_chart(ctx: Report) -> alt.Chart:
    return charts.weights_bars(weights_by_method(ctx), key="wts", lang=ctx.lang, title=ctx.t("weights_title"),
                               source=ctx.t("index_source"), methods=list(METHODS_COMPARED))


def rank_uncertainty(ctx: Report, draws: int):
    from nqp_lib.measure.uncertainty import uncertainty

    return ctx.memo(f"mc{draws}", lambda: uncertainty(ctx.index, draws=draws, seed=ctx.settings.seed))


def rank_interval_chart(ctx: Report, draws: int) -> alt.LayerChart:
    r = ctx.with_regions(rank_uncertainty(ctx, draws).ranks)
    return charts.rank_intervals(r, key="mc", lang=ctx.lang, title=ctx.t("mc_title", draws=draws),
                                 source=ctx.t("index_source"), focus=ctx.settings.focus)


def sensitivity_table(ctx: Report, draws: int) -> pd.DataFrame:
    s = rank_uncertainty(ctx, draws).sensitivity
    s = s.assign(factor=[ctx.t(f"opt_{f}") for f in s["factor"]])
    return s.rename(columns={"factor": ctx.t("choice"), "levels": ctx.t("levels"), "first_order": ctx.t("first_order")})[
        [ctx.t("choice"), ctx.t("levels"), ctx.t("first_order")]]


def _headed(ctx: Report, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``frame`` with ``period`` and the result ``columns`` headed in the report's language (``col_*`` labels)."""
    return frame.rename(columns={"period": ctx.t("year"), **{c: ctx.t(f"col_{c}") for c in columns}})


def _scored(ctx: Report) -> pd.DataFrame:
    return ctx.scores[["unit", "year", "score", "group"]].dropna()


def inequality(ctx: Report):
    from nqp_lib.disparity import inequality_by_period

    s = _scored(ctx)
    return ctx.memo("ineq", lambda: inequality_by_period(s["score"], s["year"], s["group"]))


def dagum(ctx: Report):
    from nqp_lib.disparity import dagum_by_period

    s = _scored(ctx)
    return ctx.memo("dagum", lambda: dagum_by_period(s["score"], s["group"], s["year"]))


def inequality_lines(ctx: Report) -> alt.Chart:
    g = dagum(ctx).summary[["period", "G"]].rename(columns={"G": "value"}).assign(measure="Gini")
    th = inequality(ctx).theil
    parts = [g]
    for idx, name in (("T", "Theil T"), ("L", "Theil L")):
        part = th[th["index"] == idx]
        parts.append(part[["period", "total"]].rename(columns={"total": "value"}).assign(measure=name))
    frame = pd.concat(parts, ignore_index=True).rename(columns={"period": "year"})
    return charts.lines(frame, "year", "value", "measure", key="ineq", lang=ctx.lang, title=ctx.t("inequality_title"),
                        source=ctx.t("index_source"), unit=ctx.t("inequality_unit"), color_title=ctx.t("measure"))


def dagum_shares(ctx: Report) -> alt.Chart:
    s = dagum(ctx).summary
    names = {"G_w": ctx.t("dagum_within"), "G_nb": ctx.t("dagum_between"), "G_t": ctx.t("dagum_trans")}
    long = s.melt(id_vars=["period"], value_vars=list(names), var_name="part", value_name="value")
    long["part"] = long["part"].map(names)
    return charts.stacked_shares(long.rename(columns={"period": "year"}), "year", "part", "value", key="dag",
                                 lang=ctx.lang, title=ctx.t("dagum_title"), source=ctx.t("index_source"),
                                 unit=ctx.t("share_of_gini"), order=list(names.values()))


def dagum_table(ctx: Report) -> pd.DataFrame:
    s = dagum(ctx).summary
    cols = ["G", "G_w", "G_nb", "G_t", "share_w", "share_nb", "share_t"]
    return _headed(ctx, s[["period", *cols, "group_order"]], cols).rename(columns={"group_order": ctx.t("group_order")})


def density(ctx: Report):
    from nqp_lib.disparity import kernel_density

    s = _scored(ctx)
    return ctx.memo("kde", lambda: kernel_density(s["score"], s["year"]))


def density_chart(ctx: Report) -> alt.LayerChart:
    kd = density(ctx)
    frame = kd.density.rename(columns={"period": "year"})
    xcol = [c for c in frame.columns if c not in ("year", "density")][0]
    frame = frame.rename(columns={xcol: "x"})
    return charts.densities(frame, key="kde", lang=ctx.lang, title=ctx.t("kde_title", rule=kd.options.get("bandwidth_rule", "silverman")),
                            source=ctx.t("index_source"), unit=ctx.t("density_unit"), x_title=ctx.t("score"))


def density_table(ctx: Report) -> pd.DataFrame:
    cols = ["mean", "sd", "bandwidth", "peak_x", "peak_height", "n_peaks"]
    return _headed(ctx, density(ctx).summary[["period", *cols]], cols)


def markov(ctx: Report):
    from nqp_lib.disparity import markov_chain

    s = _scored(ctx)
    return ctx.memo("markov", lambda: markov_chain(s["score"], s["unit"], s["year"]))


def markov_chart(ctx: Report) -> alt.Chart:
    tab = markov(ctx).table()
    return charts.heatmap(tab, "to_class", "from_class", "probability", key="mk", lang=ctx.lang,
                          title=ctx.t("markov_title"), source=ctx.t("index_source"), unit=ctx.t("probability"),
                          x_title=ctx.t("to_class"), y_title=ctx.t("from_class"))


def convergence_table(ctx: Report) -> pd.DataFrame:
    from nqp_lib.disparity import beta_convergence

    s = _scored(ctx)
    a = beta_convergence(s["score"], s["unit"], s["year"])
    c = beta_convergence(s["score"], s["unit"], s["year"], fixed_effects=True)
    frame = pd.concat([a.to_frame(), c.to_frame()], ignore_index=True)
    frame["model"] = [ctx.t(f"val_{v}") for v in frame["model"]]
    frame["fixed_effects"] = [ctx.t(f"val_{v}") for v in frame["fixed_effects"]]
    cols = ["model", "fixed_effects", "beta", "se_cluster", "p_cluster", "speed", "half_life", "n_obs"]
    return _headed(ctx, frame[cols], cols)


def sigma_chart(ctx: Report) -> alt.Chart:
    from nqp_lib.disparity import sigma_convergence

    s = _scored(ctx)
    tab = sigma_convergence(s["score"], s["year"]).table
    long = tab.melt(id_vars=["period"], value_vars=["cv", "sd_log"], var_name="measure", value_name="value")
    long["measure"] = long["measure"].map({"cv": ctx.t("cv"), "sd_log": ctx.t("sd_log")})
    return charts.lines(long.rename(columns={"period": "year"}), "year", "value", "measure", key="sig", lang=ctx.lang,
                        title=ctx.t("sigma_title"), source=ctx.t("index_source"), unit=ctx.t("dispersion_unit"),
                        color_title=ctx.t("measure"))


def moran(ctx: Report):
    from nqp_lib.data.regions import contiguity_matrix
    from nqp_lib.disparity import moran_by_period, spatial_weights

    s = _scored(ctx)
    units = list(dict.fromkeys(s["unit"]))
    w = spatial_weights(contiguity_matrix().loc[units, units])
    return ctx.memo("moran", lambda: moran_by_period(s["score"], s["unit"], s["year"], w, seed=ctx.settings.seed))


def moran_table(ctx: Report) -> pd.DataFrame | str:
    if not ctx.is_provincial:
        return ctx.t("spatial_provinces_only")
    g = moran(ctx).global_
    cols = ["I", "expected", "z_sim", "p_sim", "n", "permutations"]
    return _headed(ctx, g[["period", *cols]], cols)


LISA_COLOURS = {"HH": "#b22222", "LL": "#2166ac", "HL": "#f4a582", "LH": "#92c5de", "ns": "#f1f1f1"}


def lisa_map(ctx: Report) -> alt.LayerChart | str:
    if not ctx.is_provincial:
        return ctx.t("spatial_provinces_only")
    loc = moran(ctx).local.rename(columns={"period": "year"})
    loc = ctx.with_regions(loc)
    return charts.category_map(loc, "cluster", key="lisa", lang=ctx.lang, title=ctx.t("lisa_title"),
                               source=ctx.t("index_source"), unit=ctx.t("lisa_unit"), tiles=ctx.regions,
                               domain=list(LISA_COLOURS), colours=list(LISA_COLOURS.values()))


def condition_names(ctx: Report) -> list[tuple[int, str]]:
    return [(n, c[ctx.lang]) for n, c in CONDITIONS.items()]
