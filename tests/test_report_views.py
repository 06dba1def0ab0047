"""Every view builds a valid chart or a non-empty table from the real data, in both languages (fast: no
notebook, no browser)."""

from __future__ import annotations

import inspect

import altair as alt
import pandas as pd
import pytest

from nqp_lib.report import views
from nqp_lib.report.context import Report, check_settings, setup

NEEDS_YEAR = {"coupling_grades", "focus_top_obstacles", "main_obstacle_by_region", "what_if", "top_table"}
NEEDS_DRAWS = {"rank_interval_chart", "sensitivity_table", "rank_uncertainty"}
NOT_VIEWS = {"dimension_labels", "excluded_note", "condition_names", "coupling", "obstacles", "inequality", "dagum",
             "density", "markov", "moran", "weights_by_method", "indicator_long", "_scored", "rank_uncertainty"}


@pytest.fixture(scope="module", params=["zh", "en"])
def ctx(request):
    return setup("methods", lang=request.param, year_from=2015, year_to=2023, focus="浙江")


def _views():
    for name, fn in inspect.getmembers(views, inspect.isfunction):
        if fn.__module__ == views.__name__ and name not in NOT_VIEWS and not name.startswith("_"):
            yield name, fn


@pytest.mark.parametrize("name", [n for n, _ in _views()])
def test_view_builds(ctx, name):
    fn = getattr(views, name)
    if name in NEEDS_YEAR:
        out = fn(ctx, 2023)
    elif name in NEEDS_DRAWS:
        out = fn(ctx, 60)
    elif name == "condition_table":
        out = fn(ctx, 1)
    else:
        out = fn(ctx)
    if isinstance(out, pd.DataFrame):
        if name != "what_if":  # an empty what-if is a valid answer (tested below)
            assert len(out) >= 1 and len(out.columns) >= 1
    else:
        assert isinstance(out, alt.TopLevelMixin)
        spec = out.to_dict()  # validates against the Vega-Lite schema
        assert "source" in str(spec.get("title", spec.get("vconcat", ""))).lower() or "来源" in str(spec)
        params = [p["name"] for p in spec.get("params", [])]
        assert all(not p.startswith("param_") for p in params)  # every param named explicitly


def test_what_if_closes_the_largest_closable_gap_and_rescores():
    ctx = Report("pathways", check_settings(focus="广东", year_from=2015, year_to=2023))
    out = views.what_if(ctx, 2023)
    assert len(out) == 1
    row = out.iloc[0]
    assert row[ctx.t("score_after")] > row[ctx.t("score_before")]  # raising a benefit indicator lifts a sum score
    assert row[ctx.t("rank_after")] <= row[ctx.t("rank_before")]
    # the chosen indicator is the one with the largest obstacle among those below the 75th percentile
    ob = views.obstacles(ctx).indicators
    degrees = ob[(ob["unit"] == "广东") & (ob["year"] == 2023)].drop(columns=["unit", "year"]).iloc[0]
    frame = ctx.panel.frame[ctx.panel.frame["year"] == 2023]
    frame = frame[~frame["unit"].isin(ctx.excluded_units)]
    below = []
    for ind in ctx.system.indicators:
        q = frame[ind.column].quantile(0.75 if ind.direction > 0 else 0.25)
        v = frame.loc[frame["unit"] == "广东", ind.column].iat[0]
        if (v < q) if ind.direction > 0 else (v > q):
            below.append(ind.id)
    expected = degrees[below].idxmax()
    assert row[ctx.t("indicator")] == ctx.system.indicator(expected).name("zh")
    assert row[ctx.t("obstacle_share")] == f"{float(degrees[expected]) * 100:.1f}"


@pytest.mark.parametrize("value, text", [(0.5234, "0.523"), (-0.5534, "-0.553"), (99.9994, "100.0"), (99.94, "99.940"),
                                         (290.525, "290.5"), (-2.396, "-2.396"), (17458.723, "17,459"),
                                         (33192.0, "33,192"), (999.96, "1,000"), (-1234.5, "-1,234")])
def test_table_numbers_carry_precision_by_magnitude(value, text):
    from nqp_lib.report.context import format_number, html_table

    assert format_number(value) == text
    assert f'<td class="num">{text}</td>' in html_table(pd.DataFrame({"x": [value]}))


def test_options_table_speaks_the_reports_language_and_names_the_code_options():
    zh = Report("methods", check_settings(lang="zh", year_from=2015, year_to=2023, weights="critic"))
    table = views.options_table(zh)
    assert list(table.columns) == ["选项", "代码中的名称", "取值"]
    rows = table.set_index("代码中的名称")
    assert rows.loc["weights", "选项"] == "赋权方法" and rows.loc["weights", "取值"] == "critic"
    assert rows.loc["years", "取值"] == "2015–2023"
    assert rows.loc["exclude_units", "取值"] == "西藏"  # energy/CO2 never cover Tibet
    en = views.options_table(Report("methods", check_settings(lang="en")))
    assert list(en.columns) == ["Option", "Name in code", "Value"] and en.iloc[0, 0] == "Normalisation"
    assert en.set_index("Name in code").loc["exclude_units", "Value"] == "Tibet"  # names in the report's language


@pytest.mark.parametrize("view", ["weights_chart", "focus_obstacle_lines"])
def test_dimension_legends_follow_the_systems_order(ctx, view):
    spec = getattr(views, view)(ctx).to_dict()
    order = [label for _, label in views.dimension_labels(ctx)]
    assert spec["encoding"]["color"]["sort"] == order


def test_units_follow_the_report_language():
    for lang, unit in (("zh", "元/人"), ("en", "yuan per person")):
        ctx = Report("connotation", check_settings(lang=lang))
        table = views.system_table(ctx).set_index(ctx.t("indicator"))
        assert table.loc[ctx.system.indicator("gdp_per_capita").name(lang), ctx.t("unit")] == unit


def test_the_report_reuses_the_index_the_settings_check_fitted():
    s = check_settings(lang="en", year_from=2016)
    assert s.prefit is not None and Report("overview", s).index is s.prefit
    assert "prefit" not in s.as_dict()  # not a parameter: never in the footer or the cache key
    assert s == check_settings(lang="en", year_from=2016)  # nor part of equality


def test_methods_tables_are_headed_in_the_reports_language_and_keep_the_librarys_numbers():
    zh = setup("methods", lang="zh")
    dag = views.dagum_table(zh).set_index("年份")
    summary = views.dagum(zh).summary.set_index("period")
    assert dag.loc[2023, "总体基尼系数 G"] == summary.loc[2023, "G"]
    parts = dag[["地区内 G_w", "地区间净值 G_nb", "超变密度 G_t"]].sum(axis=1)  # Dagum identity survives relabelling
    assert parts.to_numpy() == pytest.approx(dag["总体基尼系数 G"].to_numpy(), abs=1e-12)
    conv = views.convergence_table(zh)
    assert conv["模型"].tolist() == ["绝对β收敛", "条件β收敛"] and conv["固定效应"].tolist() == ["无", "地区+年份"]
    assert list(views.moran_table(zh).columns)[:2] == ["年份", "莫兰指数 I"]
    assert "峰数" in views.density_table(zh).columns
    sens = views.sensitivity_table(zh, 60)
    assert set(sens["方法选择"]) == {"权重随机扰动", "标准化方法", "加总方法", "剔除单个指标", "赋权方法", "零值处理"}
    en = setup("methods", lang="en")
    assert list(views.convergence_table(en).columns) == [
        "Model", "Fixed effects", "β", "Standard error (clustered by unit)", "p-value (clustered by unit)",
        "Speed of convergence", "Half-life (years)", "Observations"]
