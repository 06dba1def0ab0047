"""Views of the methods appendix: weights by method, Monte Carlo rank intervals and sensitivity, and the
disparity measures — Gini and Theil, the Dagum decomposition, kernel densities, the Markov chain, σ and β
convergence, Moran's I and LISA.

This module is the one place where the report calls the disparity layer, through its registry
:mod:`nqp_lib.disparity.suite` (the one ``nqp disparity`` uses, so the command line and the report share
defaults and seed): each measure is computed once per report (memoised on the
:class:`~nqp_lib.report.context.Report`) from the index scores, with the report's grouping and seed, by
:func:`inequality`, :func:`dagum`, :func:`density`, :func:`markov`, :func:`convergence`, :func:`sigma` and
:func:`moran` below.

The seminar's views live in two submodules, re-exported here so a notebook writes ``methods.x``:
:mod:`~nqp_lib.report.views.methods.worked` (the worked example's tables and facts) and
:mod:`~nqp_lib.report.views.methods.lessons` ("what changes if …" and the exercises).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd

from nqp_lib import charts
from nqp_lib.charts import ChartText
from nqp_lib.measure.weights import data_weighters
from nqp_lib.report.views.common import dimension_labels, grouping_note, index_text
from nqp_lib.report.views.methods.lessons import (  # noqa: F401 - re-exported for the notebook
    CONTRASTS,
    aggregate_table,
    bandwidth_table,
    contrast,
    contrast_facts,
    markov_facts,
    exercise_facts,
    growth_table,
    scope_table,
    weights_table,
    zeros_table,
)
from nqp_lib.report.views.methods.worked import (  # noqa: F401 - re-exported for the notebook
    bounds_table,
    correlation_table,
    critic_facts,
    critic_table,
    dagum_between_table,
    dagum_facts,
    dagum_parts_table,
    dagum_within_table,
    entropy_facts,
    entropy_table,
    example,
    ideal_table,
    label,
    legend_table,
    matrix_table,
    normalise_facts,
    subset_facts,
    symbols,
    teaching_on,
    topsis_facts,
    topsis_table,
    unit_groups,
    weights_pair_table,
)

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.report.context import Report

#: The weighting methods the weights chart compares: every one that needs nothing but the data.
METHODS_COMPARED = data_weighters()
LISA_COLOURS = {"HH": "#b22222", "LL": "#2166ac", "HL": "#f4a582", "LH": "#92c5de", "ns": "#f1f1f1"}


# ----------------------------------------------------------------------------------------- weights


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
        out["dimension"] = out["dimension"].map(dict(dimension_labels(ctx)))
        return out.reset_index().rename(columns={"index": "indicator"})
    return ctx.memo("weights_by_method", compute)


def weights_chart(ctx: Report) -> alt.Chart:
    return charts.weights_bars(weights_by_method(ctx), key="wts", lang=ctx.lang, methods=list(METHODS_COMPARED),
                               text=index_text(ctx, ctx.t("weights_title"), ctx.t("weight_unit")))


# ----------------------------------------------------------------------------------------- uncertainty


def draws_of(ctx: Report, draws: int | None) -> int:
    return int(draws if draws is not None else ctx.settings.extra["draws"])


def rank_uncertainty(ctx: Report, draws: int | None = None):
    """Monte Carlo rank intervals and sensitivity (:func:`nqp_lib.measure.uncertainty.uncertainty`), with the
    report's ``draws`` and ``seed``."""
    from nqp_lib.measure.uncertainty import uncertainty

    n = draws_of(ctx, draws)
    return ctx.memo(f"mc{n}", lambda: uncertainty(ctx.index, draws=n, seed=ctx.settings.seed))


#: Above this many units the rank-interval chart shows, each year, the :data:`INTERVAL_ENDS` best- and
#: worst-ranked units and the focus unit (one row per unit-year of thousands of units would not fit a page).
INTERVAL_ALL_UP_TO = 60
INTERVAL_ENDS = 20


def _ends_by_year(frame: pd.DataFrame, rank: str, ends: int, focus: str | None) -> pd.DataFrame:
    """Rows of ``frame`` (``unit, year, rank``) whose ``rank`` is among the ``ends`` best or worst of their
    year, and every row of ``focus``."""
    from nqp_lib.chartdata import top_bottom_focus

    lower_is_better = frame.assign(_order=-frame[rank])  # chartdata ranks by descending value
    kept = top_bottom_focus(lower_is_better, "_order", ends, focus, limit=0).frame
    return kept.drop(columns=["_order", "shown_as", "place"], errors="ignore")


def rank_interval_chart(ctx: Report, draws: int | None = None) -> alt.LayerChart:
    mc = rank_uncertainty(ctx, draws)
    r = ctx.with_regions(mc.ranks)
    note = ctx.t("interval_note")
    n = r["unit"].nunique()
    if n > INTERVAL_ALL_UP_TO:
        r = _ends_by_year(r, "nominal_rank", INTERVAL_ENDS, ctx.settings.focus)
        note += "\n" + label(ctx, "intervals_cut_note", n=n, ends=INTERVAL_ENDS, noun=ctx.noun(),
                             nouns=ctx.noun(plural=True))
    text = index_text(ctx, ctx.t("mc_title", draws=mc.options["draws"]), ctx.t("rank"), note)
    return charts.rank_intervals(r, key="mc", lang=ctx.lang, focus=ctx.settings.focus, text=text)


def sensitivity_table(ctx: Report, draws: int | None = None) -> pd.DataFrame:
    s = rank_uncertainty(ctx, draws).sensitivity
    s = s.assign(factor=[ctx.t(f"opt_{f}") for f in s["factor"]])
    return s.rename(columns={"factor": ctx.t("choice"), "levels": ctx.t("levels"), "first_order": ctx.t("first_order")})[
        [ctx.t("choice"), ctx.t("levels"), ctx.t("first_order")]]


# ----------------------------------------------------------------------------------------- disparity


def _headed(ctx: Report, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``frame`` with ``period`` and the result ``columns`` headed in the report's language (``col_*`` labels)."""
    return frame.rename(columns={"period": ctx.t("year"), **{c: ctx.t(f"col_{c}") for c in columns}})


def _scored(ctx: Report) -> pd.DataFrame:
    return ctx.scores[["unit", "year", "score", "group"]].dropna()


def _suite_data(ctx: Report, spatial: bool = False):
    """The report's scores as a :class:`~nqp_lib.disparity.suite.SuiteData`: groups from the report's
    grouping; with ``spatial``, only the units of the report's spatial weights, and those weights."""
    from nqp_lib.disparity import suite

    def compute():
        s = _scored(ctx)
        w = ctx.weights() if spatial else None
        if w is not None:
            s = s[s["unit"].isin(set(w.labels))]
        s = s.reset_index(drop=True)
        return suite.SuiteData(s["score"], s["unit"], s["year"], groups=s["group"], weights=w)
    return ctx.memo(f"suite_data_{spatial}", compute)


def _run(ctx: Report, name: str, **options):
    """``suite.run(name, …)`` on the report's scores, once per report (the suite's defaults, the report's seed)."""
    from nqp_lib.disparity import suite

    key = f"suite_{name}_{sorted(options.items())}"
    spatial = name in ("moran", "spatial_markov")
    return ctx.memo(key, lambda: suite.run(name, _suite_data(ctx, spatial), **options))


def inequality(ctx: Report):
    """Gini, Theil T/L and CV by year (suite ``inequality``)."""
    return _run(ctx, "inequality").result


def dagum(ctx: Report):
    """Dagum's Gini decomposition by year over the report's grouping (suite ``dagum``)."""
    return _run(ctx, "dagum").result


def density(ctx: Report):
    """Kernel densities of the index by year (suite ``density``: its kernel, bandwidth rule and peak
    prominence)."""
    return _run(ctx, "density").result


#: The basis of the Markov classes the report reads: values relative to each year's mean (giddy's usual
#: input); the absolute classes are shown beside it to say why.
MARKOV_BASIS = "relative"


def markov(ctx: Report, basis: str = MARKOV_BASIS):
    """The Markov chain of index classes on ``basis`` (suite ``markov``, both bases computed once)."""
    return _run(ctx, "markov").result[basis]


def convergence(ctx: Report) -> list:
    """Absolute and conditional β-convergence (suite ``beta``)."""
    r = _run(ctx, "beta").result
    return [r["absolute"], r["conditional"]]


def sigma(ctx: Report):
    """σ-convergence: dispersion by year (suite ``sigma``)."""
    return _run(ctx, "sigma").result


def moran(ctx: Report):
    """Global Moran's I and LISA by year (suite ``moran``) on the report's spatial weights
    (:meth:`Report.weights`: the ``weights_matrix`` parameter, the panel's own, or provincial contiguity) with
    the report's seed; None when the panel has no weights."""
    if ctx.weights() is None:
        return None
    return _run(ctx, "moran", seed=ctx.settings.seed).result


def moran_global(ctx: Report) -> pd.DataFrame | None:
    """Global Moran's I by year (the table the Moran exercise reads), or None without spatial weights."""
    result = moran(ctx)
    return None if result is None else result.global_


def single_neighbour_links(ctx: Report) -> list[tuple[str, str]]:
    """``(unit, its only neighbour)`` for each unit with a single neighbour in the report's weights
    (on the provinces' contiguity, the island of Hainan is linked to Guangdong), by display name."""
    w = ctx.weights()
    if w is None:
        return []
    m = w.raw.tocsr()
    return [(ctx.name_of(str(w.labels[i])), ctx.name_of(str(w.labels[m.indices[m.indptr[i]]])))
            for i in np.flatnonzero(np.diff(m.indptr) == 1)]


# ----------------------------------------------------------------------------------------- charts and tables


def inequality_lines(ctx: Report) -> alt.Chart:
    g = dagum(ctx).summary[["period", "G"]].rename(columns={"G": "value"}).assign(measure="Gini")
    th = inequality(ctx).theil
    parts = [g]
    for idx, name in (("T", "Theil T"), ("L", "Theil L")):
        part = th[th["index"] == idx]
        parts.append(part[["period", "total"]].rename(columns={"total": "value"}).assign(measure=name))
    frame = pd.concat(parts, ignore_index=True).rename(columns={"period": "year"})
    return charts.lines(frame, "year", "value", "measure", key="ineq", lang=ctx.lang, color_title=ctx.t("measure"),
                        text=index_text(ctx, ctx.t("inequality_title"), ctx.t("inequality_unit")))


def dagum_shares(ctx: Report) -> alt.Chart | str:
    if grouping_note(ctx):
        return grouping_note(ctx)
    s = dagum(ctx).summary
    names = {"G_w": ctx.t("dagum_within"), "G_nb": ctx.t("dagum_between"), "G_t": ctx.t("dagum_trans")}
    long = s.melt(id_vars=["period"], value_vars=list(names), var_name="part", value_name="value")
    long["part"] = long["part"].map(names)
    return charts.stacked_shares(long.rename(columns={"period": "year"}), "year", "part", "value", key="dag",
                                 lang=ctx.lang, order=list(names.values()),
                                 text=index_text(ctx, ctx.t("dagum_title"), ctx.t("share_of_gini")))


def dagum_table(ctx: Report) -> pd.DataFrame | str:
    if grouping_note(ctx):
        return grouping_note(ctx)
    s = dagum(ctx).summary
    cols = ["G", "G_w", "G_nb", "G_t", "share_w", "share_nb", "share_t"]
    return _headed(ctx, s[["period", *cols, "group_order"]], cols).rename(columns={"group_order": ctx.t("group_order")})


def density_chart(ctx: Report) -> alt.LayerChart:
    kd = density(ctx)
    frame = kd.density.rename(columns={"period": "year"})
    xcol = [c for c in frame.columns if c not in ("year", "density")][0]
    frame = frame.rename(columns={xcol: "x"})
    return charts.densities(frame, key="kde", lang=ctx.lang, x_title=ctx.t("score"),
                            text=index_text(ctx, ctx.t("kde_title", rule=kd.options["bandwidth"]), ctx.t("density_unit")))


def density_table(ctx: Report) -> pd.DataFrame:
    cols = ["mean", "sd", "bandwidth", "peak_x", "peak_height", "n_peaks"]
    return _headed(ctx, density(ctx).summary[["period", *cols]], cols)


def markov_chart(ctx: Report) -> alt.Chart:
    mk = markov(ctx)
    rule = ctx.t(f"class_rule_{mk.options['class_rule'].replace(' ', '_')}")
    title = ctx.t("markov_title", classes=mk.options["classes"], rule=f"{label(ctx, 'basis_relative')}, {rule}")
    return charts.heatmap(mk.table(), "to_class", "from_class", "probability", key="mk", lang=ctx.lang,
                          text=index_text(ctx, title, ctx.t("probability")),
                          x_title=ctx.t("to_class"), y_title=ctx.t("from_class"))


def markov_classes_table(ctx: Report) -> pd.DataFrame:
    """Per class of the relative chain: its share in the first year, the steady state and the sojourn time."""
    t = markov(ctx).classes_table()
    return t.rename(columns={c: label(ctx, f"mk_{c}") for c in t.columns})


def markov_passage_table(ctx: Report) -> pd.DataFrame:
    """Mean first-passage times of the relative chain, from class (rows) to class (columns)."""
    t = markov(ctx).passage_table()
    wide = t.pivot(index="from_class", columns="to_class", values="mean_first_passage")
    wide.columns = [f"→ {c}" for c in wide.columns]
    return wide.reset_index().rename(columns={"from_class": ctx.t("from_class")})


def markov_tests_table(ctx: Report) -> pd.DataFrame:
    """Homogeneity tests of both chains (over time blocks and over the groups): LR and Q with their p."""
    rows = []
    for basis in ("relative", "absolute"):
        t = markov(ctx, basis).tests_table()
        for _, r in t.iterrows():
            rows.append({label(ctx, "mk_basis"): label(ctx, f"basis_{basis}"),
                         label(ctx, "mk_test"): label(ctx, f"mk_test_{r['test']}"),
                         "LR": r["LR"], "p (LR)": r["p_LR"], "Q": r["Q"], "p (Q)": r["p_Q"],
                         label(ctx, "mk_dof"): r["dof"]})
    return pd.DataFrame(rows)


def convergence_table(ctx: Report) -> pd.DataFrame:
    frame = pd.concat([r.to_frame() for r in convergence(ctx)], ignore_index=True)
    frame["model"] = [ctx.t(f"val_{v}") for v in frame["model"]]
    frame["fixed_effects"] = [ctx.t(f"val_{v}") for v in frame["fixed_effects"]]
    cols = ["model", "fixed_effects", "beta", "se_cluster", "p_cluster", "speed", "half_life", "n_obs"]
    return _headed(ctx, frame[cols], cols)


def sigma_chart(ctx: Report) -> alt.Chart:
    tab = sigma(ctx).table
    long = tab.melt(id_vars=["period"], value_vars=["cv", "sd_log"], var_name="measure", value_name="value")
    long["measure"] = long["measure"].map({"cv": ctx.t("cv"), "sd_log": ctx.t("sd_log")})
    return charts.lines(long.rename(columns={"period": "year"}), "year", "value", "measure", key="sig", lang=ctx.lang,
                        color_title=ctx.t("measure"), text=index_text(ctx, ctx.t("sigma_title"), ctx.t("dispersion_unit")))


def moran_table(ctx: Report) -> pd.DataFrame | str:
    result = moran(ctx)
    if result is None:
        return ctx.t("spatial_provinces_only")
    cols = ["I", "expected", "z_sim", "p_sim", "n"]  # the permutations are stated in the text
    out = _headed(ctx, result.global_[["period", *cols]], cols)
    for c in ("z_norm", "p_norm", "z_rand", "p_rand"):  # esda's analytical z and p beside the permutation p
        out[label(ctx, f"col_{c}")] = result.global_[c].to_numpy()
    return out


def lisa_map(ctx: Report) -> alt.LayerChart | str:
    result = moran(ctx)
    if result is None:
        return ctx.t("spatial_provinces_only")
    if not ctx.is_provincial:
        return ctx.t("provinces_only")
    loc = ctx.with_regions(result.local.rename(columns={"period": "year"}))
    title = ctx.t("lisa_title", alpha=f"{result.options['alpha'] * 100:g}%")
    return charts.category_map(loc, "cluster", key="lisa", lang=ctx.lang, tiles=ctx.regions,
                               domain=list(LISA_COLOURS), colours=list(LISA_COLOURS.values()),
                               text=index_text(ctx, title, ctx.t("lisa_unit")))
