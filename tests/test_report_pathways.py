"""Section 3 (pathways): its views in both languages, the numbers its sentences carry against the library's
results and independent oracles, the explorer's grid against ``transform`` of a changed panel, and a panel
of cities (one group, no contiguity) that builds with notes and no province wording."""

from __future__ import annotations

import re

import altair as alt
import numpy as np
import pandas as pd
import pytest
from pathways_fixtures import indicator_without_imputation, transform_oracle

from nqp_lib.report.context import setup
from nqp_lib.report.views import pathways

CHARTS = ("focus_obstacle_lines", "group_obstacle_lines", "dagum_shares", "dagum_ginis", "density_chart",
          "markov_chart", "spatial_markov_chart", "sigma_chart", "explorer_chart")
TABLES = ("levers_table", "beta_table")
YEAR_TABLES = ("focus_top_obstacles", "group_table", "main_obstacle_by_region")


@pytest.fixture(scope="module", params=["zh", "en"])
def ctx(request):
    return setup("pathways", lang=request.param, year_from=2015, year_to=2023)


@pytest.mark.parametrize("name", CHARTS)
def test_every_chart_is_valid_named_and_sourced(ctx, name):
    chart = getattr(pathways, name)(ctx)
    assert isinstance(chart, alt.TopLevelMixin)
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    text = str(spec)
    assert ("Source" in text or "来源" in text) and ("Unit" in text or "单位" in text)
    assert "param_" not in text  # every param named
    assert "省份" not in text.replace("省份数", "") or ctx.lang == "zh"  # the unit noun comes from the panel


@pytest.mark.parametrize("name", TABLES + YEAR_TABLES)
def test_every_table_has_rows_in_the_reports_language(ctx, name):
    fn = getattr(pathways, name)
    out = fn(ctx, 2023) if name in YEAR_TABLES else fn(ctx)
    assert isinstance(out, pd.DataFrame) and len(out) >= 1
    heading = " ".join(map(str, out.columns))
    assert bool(re.search(r"[\u4e00-\u9fff]", heading)) == (ctx.lang == "zh")


def test_levers_table_has_the_six_recommendations_and_the_weight_their_indicators_carry(ctx):
    table = pathways.levers_table(ctx)
    assert len(table) == 6
    # oracle: the final weights of the indicators tagged with condition 4 (recommendation 4), summed
    w = ctx.index.result_.weights.set_index("indicator")["final"]
    tagged = [i.id for i in ctx.system.indicators if 4 in i.conditions]
    assert tagged  # the shipped system measures the domestic market
    share = table.iloc[3, -1]
    assert share == pytest.approx(round(float(w[tagged].sum()) * 100, 1))
    names = table.iloc[3][ctx.t("indicator")]
    assert all(ctx.system.indicator(i).name(ctx.lang) in names for i in tagged)


def test_diagnosis_sentence_carries_the_focus_units_numbers(ctx):
    f = pathways.facts(ctx, ctx.settings.focus, 2023)
    top = pathways.focus_top_obstacles(ctx, 2023)
    # the largest indicator obstacle in the table is the one the sentence names
    assert top.iloc[0][ctx.t("indicator")] == f["indicator"]
    assert top.iloc[0][ctx.t("obstacle_share")] == pytest.approx(round(f["indicator_share"] * 100, 1))
    text = ctx.text("focus_finding", f=f)
    assert f"{f['dimension_share'] * 100:.1f}%" in text and str(f["first_year"]) in text
    # every top row names the recommendation(s) of its indicator's condition tags
    for _, row in top.iterrows():
        ind = next(i for i in ctx.system.indicators if i.name(ctx.lang) == row[ctx.t("indicator")])
        for c in ind.conditions:
            assert pathways.numbered(ctx, c) in row[ctx.t("recommendation")]


def test_dagum_parts_sum_to_the_gini_and_the_sentence_reads_the_result(ctx):
    from nqp_lib.disparity import suite

    r = suite.run("dagum", pathways.suite_data(ctx))
    s = r.result.summary
    np.testing.assert_allclose(s["G_w"] + s["G_nb"] + s["G_t"], s["G"], atol=1e-12)
    np.testing.assert_allclose(s["share_w"] + s["share_nb"] + s["share_t"], 1.0, atol=1e-12)
    d = pathways.dagum_facts(ctx)
    last = s[s["period"] == 2023].iloc[0]
    assert d.share_between_last == pytest.approx(last["share_nb"])
    text = ctx.text("dagum_finding", d=d)
    assert f"{last['share_nb'] * 100:.0f}%" in text and f"{last['G']:.3f}" in text
    # four NBS regions: four within-group Ginis and six pairs each year
    pairs = r.result.pairs()
    assert (pairs[pairs["period"] == 2023]["kind"].value_counts().to_dict()) == {"within": 4, "between": 6}


def test_markov_is_shown_relative_to_each_years_mean_and_the_absolute_chain_is_summarised(ctx):
    assert pathways.SHOWN_BASIS == "relative" and pathways.markov_facts(ctx).basis == "relative"
    title = str(pathways.markov_chart(ctx).to_dict()["title"])
    assert ctx.t("basis_relative") in title
    absolute = pathways.markov_facts(ctx, "absolute")
    rising = pathways.rising_share(ctx)
    s = ctx.scores
    first, last = s[s["year"] == 2015].set_index("unit")["score"], s[s["year"] == 2023].set_index("unit")["score"]
    assert rising == pytest.approx(float((last > first.reindex(last.index)).mean()))  # oracle
    text = ctx.text("markov_basis", m=pathways.markov_facts(ctx), rising=rising, absolute_top=absolute.stay_highest)
    assert f"{rising * 100:.0f}%" in text
    if rising >= 0.8:
        assert f"{absolute.stay_highest * 100:.0f}%" in text


def test_convergence_sentences_carry_the_half_life(ctx):
    b = pathways.beta_facts(ctx)
    text = ctx.text("beta_finding", a=b["absolute"], c=b["conditional"])
    assert f"{b['absolute'].beta:.3f}" in text
    if b["conditional"].converging and b["conditional"].significant:
        assert f"{b['conditional'].half_life:.1f}" in text
    # half-life of β-convergence: ln 2 / λ with λ = −ln(1 + β)
    c = b["conditional"]
    assert c.half_life == pytest.approx(np.log(2) / -np.log(1 + c.beta))


def test_explorer_grid_equals_transform_of_the_changed_panel():
    ctx = setup("pathways", lang="en", year_from=2015, year_to=2023)
    year = 2023
    out = pathways.outcomes(ctx)
    group_key = next(k for k in out["target"].unique() if k.startswith("group:"))
    groups = ctx.scores[ctx.scores["year"] == year].set_index("unit")["group"]
    members = [u for u, g in groups.items() if f"group:{g}" == group_key]
    assert 1 < len(members) < len(groups)
    ind = indicator_without_imputation(ctx, members, year)
    row = out[(out["lever"] == f"indicator:{ind.id}") & (out["size"] == "+20%") & (out["target"] == group_key)].iloc[0]
    national, score, rank = transform_oracle(ctx, ind, 0.2, members, year)
    assert row["national"] == pytest.approx(national, abs=1e-12)
    assert row["score"] == pytest.approx(score, abs=1e-12) and row["rank"] == rank
    # the focus unit's own target moves only its score
    mine = out[(out["lever"] == f"indicator:{ind.id}") & (out["size"] == "+20%")
               & (out["target"] == f"unit:{ctx.settings.focus}")].iloc[0]
    national, score, rank = transform_oracle(ctx, ind, 0.2, [ctx.settings.focus], year)
    assert (mine["national"], mine["score"], mine["rank"]) == (pytest.approx(national), pytest.approx(score), rank)


def test_explorer_page_data_stay_small():
    ctx = setup("pathways", lang="zh", year_from=2015, year_to=2023)
    spec = pathways.explorer_chart(ctx).to_json()
    f = pathways.explorer_facts(ctx)
    assert f["scenarios"] == f["levers"] * f["sizes"] * f["targets"]
    assert len(spec.encode()) < 400_000  # of the page's 3 MB
    assert {p["name"] for p in pathways.explorer_chart(ctx).to_dict()["params"]} == {"pwx_lever", "pwx_size",
                                                                                      "pwx_target"}


@pytest.mark.slow
@pytest.mark.parametrize("lang, zones", [("en", True), ("zh", False)])
def test_a_panel_of_cities_builds_with_no_province_wording(tmp_path, lang, zones):
    """Cities with a grouping column (en) show the group diagnosis and Dagum's decomposition; without one
    (zh) notes replace them. Neither has spatial weights: a note replaces the spatial Markov chain."""
    from nqp_lib.data.panel import provincial_panel
    from nqp_lib.data.regions import load_regions
    from nqp_lib.report.build import build

    frame = provincial_panel().frame
    names = {u: f"City{i}" for i, u in enumerate(sorted(frame["unit"].unique()))}
    if zones:
        frame = frame.assign(zone=frame["unit"].map(load_regions().set_index("name_zh")["region4"]))
    frame.assign(unit=frame["unit"].map(names)).rename(columns={"unit": "city"}).to_csv(tmp_path / "c.csv", index=False)
    res = build(["pathways"], overrides={"panel": str(tmp_path / "c.csv"), "focus": "City3", "lang": lang},
                out=tmp_path / "out", quiet=True)
    assert not res.failed, [o.error for o in res.failed]
    page = (tmp_path / "out" / "03_pathways.html").read_text(encoding="utf-8")
    body = page.split('class="nqp-footer"')[0]
    body = re.sub(r"provincial_panel|provincial panel|eps_provincial", "", body)
    if lang == "en":
        assert not re.search(r"\bprovinces?\b", body, re.I), re.findall(r".{60}\bprovinces?\b.{20}", body, re.I)[:3]
        assert "none is given for this panel's cities" in body  # no W: the spatial Markov chain is a note
        assert "The net gap between groups explains" in body and "Zone: East" in body  # groups from the column
    else:
        assert "省份" not in body, re.findall(r".{30}省份.{10}", body)[:3]
        assert "当前面板没有分组列" in body and "城市" in body
        assert "组间净差距解释了" not in body


def test_an_imputed_value_behind_an_obstacle_is_marked_on_its_row():
    ctx = setup("pathways", lang="en", focus="青海")
    top = pathways.focus_top_obstacles(ctx, 2023)
    imputed = ctx.index.result_.imputed
    row = imputed[(imputed["unit"] == "青海") & (imputed["year"] == 2023)].iloc[0]
    names = {i.name("en"): i.id for i in ctx.system.indicators}
    expected = ["yes" if row[names[n]] else "" for n in top["Indicator"]]
    assert "yes" in expected  # 青海 2023 has an imputed cell among its five largest obstacles
    assert top["Imputed value"].tolist() == expected
    guangdong = pathways.focus_top_obstacles(setup("pathways", lang="en"), 2023)
    assert "Imputed value" not in guangdong.columns  # no column when every value was observed


def test_groups_sentence_names_a_shared_obstacle_once_with_its_range():
    ctx = setup("pathways", lang="en")
    s = pathways.group_summary(ctx, 2023)
    shares = [g["dimension_share"] for g in s["groups"]]
    assert s["low_share"] == min(shares) and s["high_share"] == max(shares)
    text = ctx.text("groups_finding", s=s)
    if s["same_dimension"]:
        assert text.count(s["dimension"]) == 1 and f"{max(shares) * 100:.1f}%" in text


def test_the_live_explorer_scores_each_choice_as_the_static_grid_does(monkeypatch):
    """ipywidgets version (a kernel): each choice is scored on the spot with levers.scenario; the numbers
    equal the grid the static page looks up."""
    from nqp_lib.report.views.pathways.explorer import ScenarioExplorer

    monkeypatch.delenv("NQP_STATIC", raising=False)
    ctx = setup("pathways", lang="en", year_from=2015)
    ex = ScenarioExplorer(ctx)
    ex.lever.value, ex.size.value = "dimension:objects", "p75"
    ex.target.value = next(k for k in pathways.outcomes(ctx)["target"].unique() if k.startswith("group:"))
    table = ex.table().set_index("")
    row = pathways.outcomes(ctx).set_index(["lever", "size", "target"]).loc[
        ("dimension:objects", "p75", ex.target.value)]
    assert table.loc[ctx.t("national_index"), ctx.t("after")] == pytest.approx(row["national"], abs=1e-12)
    assert table.loc[ctx.t("rank"), ctx.t("after")] == row["rank"]
    assert table.loc[ctx.t("rank"), ctx.t("before")] == row["rank_base"]


def test_without_groups_or_weights_the_views_return_notes(tmp_path):
    """A panel of cities with no grouping column and no spatial weights: every view that needs groups or
    weights says why it is left out; the explorer offers every unit and the focus unit only."""
    from nqp_lib.data.panel import provincial_panel
    from nqp_lib.report.views.common import grouping_note, weights_note

    frame = provincial_panel().frame
    names = {u: f"City{i}" for i, u in enumerate(sorted(frame["unit"].unique()))}
    frame.assign(unit=frame["unit"].map(names)).rename(columns={"unit": "city"}).to_csv(tmp_path / "c.csv", index=False)
    ctx = setup("pathways", panel=str(tmp_path / "c.csv"), focus="City3", lang="en")
    note, wnote = grouping_note(ctx), weights_note(ctx)
    assert note and wnote and "cities" in wnote
    for view in (pathways.dagum_shares, pathways.dagum_ginis, pathways.group_obstacle_lines):
        assert view(ctx) == note
    assert pathways.group_table(ctx, 2023) == note and pathways.main_obstacle_by_region(ctx, 2023) == note
    assert pathways.dagum_facts(ctx) is None and pathways.group_summary(ctx, 2023)["groups"] == []
    assert pathways.spatial_markov_chart(ctx) == wnote and pathways.spatial_markov_facts(ctx) is None
    assert set(pathways.outcomes(ctx)["target"]) == {"all", "unit:City3"}
    assert isinstance(pathways.markov_chart(ctx), alt.TopLevelMixin)  # needs neither


def test_focus_obstacles_over_time_heatmap_and_its_sentence(ctx):
    chart = pathways.focus_indicator_heatmap(ctx, 2023)
    spec = chart.to_dict()
    assert "来源" in str(spec) or "Source" in str(spec)
    t = pathways.focus_trend(ctx, 2023)
    # oracle: obstacle degrees of the focus unit's five largest 2023 obstacles in 2015 and 2023
    from nqp_lib.measure.diagnose import obstacle_degree

    ob = obstacle_degree(ctx.index.result_).indicators
    me = ob[ob["unit"] == ctx.settings.focus].set_index("year").drop(columns="unit")
    top5 = me.loc[2023].sort_values(ascending=False).index[:5]
    change = me.loc[2023, top5] - me.loc[2015, top5]
    assert t["up"] == ctx.system.indicator(change.idxmax()).name(ctx.lang)
    assert t["up_last"] == pytest.approx(me.loc[2023, change.idxmax()])
    text = ctx.text("focus_trend_finding", t=t)
    if t["up_rose"]:
        assert f"{t['up_last'] * 100:.1f}%" in text


def test_groups_of_one_unit_are_left_out_of_the_within_group_chart_with_a_note():
    ctx = setup("pathways", lang="en", panel="international", system="international", focus="China")
    within = pathways.dagum_facts(ctx)  # facts skip one-unit groups for widest/narrowest too
    sizes = pathways.suite_data(ctx).groups.groupby(pathways.suite_data(ctx).periods.to_numpy()).value_counts()
    single = sorted({g for (_, g), n in sizes.items() if n == 1})
    assert single  # the shipped international panel has an income group with one economy
    spec = pathways.dagum_ginis(ctx).to_dict()
    left = spec["hconcat"][0]
    drawn = {row["pair"] for row in spec["datasets"][left["data"]["name"]]}
    assert not drawn & set(single) and within.widest_group not in single
    assert "by definition" in str(left["title"])


def test_an_unbounded_normalisation_gets_notes_instead_of_a_failed_page():
    """z-scores: obstacle degrees need values in [0, 1] and the Gini needs scores ≥ 0 — both say so; the
    explorer (transform only) still works."""
    ctx = setup("pathways", lang="en", normalise="zscore", weights="critic")
    assert "normalise = zscore" in pathways.diagnosis_note(ctx)
    assert pathways.disparity_note(ctx) and pathways.convergence_note(ctx) == pathways.disparity_note(ctx)
    assert pathways.focus_gap(ctx) is None
    assert pathways.explorer_facts(ctx)["scenarios"] > 0
    fine = setup("pathways", lang="en")
    assert pathways.diagnosis_note(fine) is None and pathways.disparity_note(fine) is None
    assert pathways.convergence_note(fine) is None


def test_a_focus_the_index_leaves_out_gets_a_note():
    ctx = setup("pathways", lang="en", focus="西藏")
    assert "西藏" in ctx.excluded_units  # energy and CO2 never cover Tibet
    assert "does not score Tibet" in pathways.focus_note(ctx)
    assert pathways.diagnosis_note(ctx) is None and pathways.group_table(ctx, 2023) is not None  # groups still work
    assert pathways.focus_note(setup("pathways", lang="en")) is None


def test_pair_colours_follow_the_groups_fixed_order_in_both_languages():
    from nqp_lib.data.regions import load_regions

    r = load_regions()
    zh_to_en = dict(zip(r["region4_zh"], r["region4"]))
    orders = {}
    for lang in ("zh", "en"):
        ctx = setup("pathways", lang=lang)
        orders[lang] = pathways.dagum_ginis(ctx).to_dict()["hconcat"][1]["encoding"]["color"]["sort"]
    as_en = [frozenset(zh_to_en[g] for g in pair.split("–")) for pair in orders["zh"]]
    assert as_en == [frozenset(pair.split("–")) for pair in orders["en"]]  # pair k has colour k in both
