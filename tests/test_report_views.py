"""Every view builds a valid chart or a non-empty table from the real data, in both languages (fast: no
notebook, no browser)."""

from __future__ import annotations

import inspect

import altair as alt
import pandas as pd
import pytest

from nqp_lib.report.context import Report, check_settings, setup
from nqp_lib.report.views import common, conditions, connotation, methods, overview, pathways

MODULES = (common, overview, connotation, conditions, pathways, methods)
NEEDS_YEAR = {"coupling_grades", "focus_top_obstacles", "main_obstacle_by_region", "top_table"}
NEEDS_DRAWS = {"rank_interval_chart", "sensitivity_table"}
#: functions that return results, labels or helpers rather than a table or a chart
NOT_VIEWS = {"dimension_labels", "words", "computed_source", "values_source", "system_source", "index_text",
             "excluded_names", "condition_names", "coupling", "obstacles", "inequality", "dagum",
             "density", "markov", "convergence", "sigma", "contiguity", "moran", "single_neighbour_links",
             "weights_by_method", "indicator_long", "rank_uncertainty", "draws_of", "condition_results", "heading",
             "status", "panel_values", "ends", "enterprise_data", "grouping_note", "weights_note", "focus_position",
             # overview and connotation: graphs, numbers for prose, commands and lists
             "argument_graph", "headline_values", "ends_values", "rebuild_command", "section_names", "changed_names",
             "group_order", "profile_choice", "profile_order", "profile_values", "method_ranks", "robustness_values",
             "feature_values", "intensity_values", "peer_values", "intro"}
#: section-02 views of one formation condition
NEEDS_CONDITION = {"condition_table", "national_chart", "peers_chart", "standing_table", "provincial_chart", "claims_table"}


@pytest.fixture(scope="module", params=["zh", "en"])
def ctx(request):
    return setup("methods", lang=request.param, year_from=2015, year_to=2023, focus="浙江", draws=60)


def _views():
    for module in MODULES:
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and name not in NOT_VIEWS and not name.startswith("_"):
                yield f"{module.__name__.rsplit('.', 1)[1]}.{name}", fn


@pytest.mark.parametrize("name, fn", list(_views()), ids=[n for n, _ in _views()])
def test_view_builds(ctx, name, fn):
    short = name.split(".")[1]
    if short in NEEDS_YEAR:
        out = fn(ctx, 2023)
    elif short in NEEDS_DRAWS:
        out = fn(ctx, 60)
    elif short in NEEDS_CONDITION:
        out = fn(ctx, 1)
    else:
        out = fn(ctx)
    if isinstance(out, pd.DataFrame):
        assert len(out) >= 1 and len(out.columns) >= 1
    else:
        assert isinstance(out, alt.TopLevelMixin)
        spec = out.to_dict()  # validates against the Vega-Lite schema
        assert "source" in str(spec.get("title", spec.get("vconcat", ""))).lower() or "来源" in str(spec)
        params = [p["name"] for p in spec.get("params", [])]
        assert all(not p.startswith("param_") for p in params)  # every param named explicitly


@pytest.mark.parametrize("value, text", [(0.5234, "0.523"), (-0.5534, "-0.553"), (99.9994, "100.0"), (99.94, "99.940"),
                                         (290.525, "290.5"), (-2.396, "-2.396"), (17458.723, "17,459"),
                                         (33192.0, "33,192"), (999.96, "1,000"), (-1234.5, "-1,234")])
def test_table_numbers_carry_precision_by_magnitude(value, text):
    from nqp_lib.report.markup import format_number, html_table

    assert format_number(value) == text
    assert f'<td class="num">{text}</td>' in html_table(pd.DataFrame({"x": [value]}))


def test_options_table_speaks_the_reports_language_and_names_the_code_options():
    zh = Report("methods", check_settings(lang="zh", year_from=2015, year_to=2023, weights="critic"))
    table = common.options_table(zh)
    assert list(table.columns) == ["选项", "代码中的名称", "取值"]
    rows = table.set_index("代码中的名称")
    assert rows.loc["weights", "选项"] == "赋权方法" and rows.loc["weights", "取值"] == "critic"
    assert rows.loc["years", "取值"] == "2015–2023"
    assert rows.loc["exclude_units", "取值"] == "西藏"  # energy/CO2 never cover Tibet
    en = common.options_table(Report("methods", check_settings(lang="en")))
    assert list(en.columns) == ["Option", "Name in code", "Value"] and en.iloc[0, 0] == "Normalisation"
    assert en.set_index("Name in code").loc["exclude_units", "Value"] == "Tibet"  # names in the report's language


@pytest.mark.parametrize("view", [methods.weights_chart, pathways.focus_obstacle_lines])
def test_dimension_legends_follow_the_systems_order(ctx, view):
    spec = view(ctx).to_dict()
    order = [label for _, label in common.dimension_labels(ctx)]
    assert spec["encoding"]["color"]["sort"] == order


def test_units_follow_the_report_language():
    for lang, unit in (("zh", "元/人"), ("en", "yuan per person")):
        ctx = Report("connotation", check_settings(lang=lang))
        table = common.system_table(ctx).set_index(ctx.t("indicator"))
        assert table.loc[ctx.system.indicator("gdp_per_capita").name(lang), ctx.t("unit")] == unit


def test_the_report_reuses_the_index_the_settings_check_fitted():
    s = check_settings(lang="en", year_from=2016)
    assert s.prefit is not None and Report("overview", s).index is s.prefit
    assert "prefit" not in s.as_dict()  # not a parameter: never in the footer or the cache key
    assert s == check_settings(lang="en", year_from=2016)  # nor part of equality


def test_methods_tables_are_headed_in_the_reports_language_and_keep_the_librarys_numbers():
    zh = setup("methods", lang="zh")
    dag = methods.dagum_table(zh).set_index("年份")
    summary = methods.dagum(zh).summary.set_index("period")
    assert dag.loc[2023, "总体基尼系数 G"] == summary.loc[2023, "G"]
    parts = dag[["组内 G_w", "组间净值 G_nb", "超变密度 G_t"]].sum(axis=1)  # Dagum identity survives relabelling
    assert parts.to_numpy() == pytest.approx(dag["总体基尼系数 G"].to_numpy(), abs=1e-12)
    conv = methods.convergence_table(zh)
    assert conv["模型"].tolist() == ["绝对β收敛", "条件β收敛"] and conv["固定效应"].tolist() == ["无", "省份+年份"]
    assert list(methods.moran_table(zh).columns)[:2] == ["年份", "莫兰指数 I"]
    assert "峰数" in methods.density_table(zh).columns
    sens = methods.sensitivity_table(zh, 60)
    assert set(sens["方法选择"]) == {"权重随机扰动", "标准化方法", "加总方法", "剔除单个指标", "赋权方法", "零值处理"}
    en = setup("methods", lang="en")
    assert list(methods.convergence_table(en).columns) == [
        "Model", "Fixed effects", "β", "Standard error (clustered by province)", "p-value (clustered by province)",
        "Speed of convergence", "Half-life (years)", "Observations"]


def test_chart_sources_come_from_the_panel_actually_used(tmp_path):
    from nqp_lib.data.citation import source_line, source_names
    from nqp_lib.data.package import Provenance
    from nqp_lib.data.panel import provincial_panel

    shipped = Report("overview", check_settings(lang="en"))
    assert common.computed_source(shipped) == (
        "nqp computation from China Statistical Yearbook on S&T, NBS/EPS provincial panel and CEADs CO2 data")
    assert common.values_source(shipped).endswith("; derived indicators computed by nqp")  # per-capita columns
    spec = overview.index_ranking(shipped).to_dict()
    assert spec["title"]["subtitle"][0] == "Source: " + common.computed_source(shipped)
    zh = Report("overview", check_settings())
    assert common.computed_source(zh) == "nqp 根据《中国科技统计年鉴》、国家统计局/EPS省级面板与CEADs碳排放数据测算"

    frame = provincial_panel().frame
    frame.to_csv(tmp_path / "my_panel.csv", index=False)
    mine = Report("overview", check_settings(lang="en", panel=str(tmp_path / "my_panel.csv")))
    assert common.computed_source(mine) == "nqp computation from my_panel.csv"  # its own file, not the yearbook
    assert common.values_source(mine) == "my_panel.csv"  # every indicator read from one of its columns
    assert "Yearbook" not in str(overview.index_trends(mine).to_dict()["title"])

    # a citation in the provenance (what a panel's sidecar will give) is preferred to the file name
    cited = Provenance("user_panel", "user panel x.csv", "/d/x.csv", "0" * 64, 3, "user", "World Bank (2024), WDI", "", "")
    assert source_names([cited], "en") == ["World Bank (2024), WDI"]

    class Two:
        provenance = [cited, cited]

    assert source_line(Two(), "en") == "nqp computation from World Bank (2024), WDI"  # no repeats
    assert source_line(Two(), "zh", computed=False) == "World Bank (2024), WDI"


def test_grouping_and_weights_notes_are_none_on_the_shipped_panel_and_say_why_otherwise():
    ctx = setup("methods", lang="en")
    assert common.grouping_note(ctx) is None and common.weights_note(ctx) is None
    # provincial contiguity is the default W, over the scored units (Tibet is left out by exclude_units=auto)
    assert ctx.weights().n == 30 and "西藏" not in ctx.weights().labels and ctx.excluded_units == ["西藏"]
    none = setup("methods", lang="en", grouping="none")
    assert common.grouping_note(none) == none.t("grouping_none")
    assert methods.dagum_shares(none) == none.t("grouping_none")
