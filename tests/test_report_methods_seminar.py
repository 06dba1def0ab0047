"""The methods appendix as a seminar: the page's worked-example tables and sentences hold the library's
numbers (and the hand-computed ones on a 3 × 3 case), every exercise is present and answered in both
languages, the disparity views are the suite's, tables stay small for many units, and the section builds
with ``teaching`` on and off, in both languages and on a user panel of cities."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from measure_fixtures import frame_from, make_system
from nqp_lib.disparity import suite
from nqp_lib.measure import CompositeIndex
from nqp_lib.report import prose
from nqp_lib.report.context import setup
from nqp_lib.report.views import methods
from nqp_lib.report.views.methods import lessons
from nqp_lib.teaching import EXERCISE_KEYS, exercises, worked_example


@pytest.fixture(scope="module", params=["zh", "en"])
def ctx(request):
    return setup("methods", lang=request.param, draws=60)


@pytest.fixture(scope="module")
def example(ctx):
    return worked_example(ctx.index, groups=methods.unit_groups(ctx))


def _numbers(table: pd.DataFrame, first: int = 3) -> np.ndarray:
    """The numeric body of a rows × indicators table (after the row, unit and year columns)."""
    return table.iloc[:, first:].to_numpy(dtype=float)


def _values(ctx, key: str, **facts) -> dict:
    return {**ctx.prose_values(), **facts}


# ------------------------------------------------------------------------------- the page = the library


def test_worked_tables_hold_the_librarys_numbers(ctx, example):
    sub = methods.example(ctx)  # the subset the notebook's cell takes from the parameters (empty: by rule)
    assert (sub.units, sub.years, sub.indicators) == (example.subset.units, example.subset.years,
                                                      example.subset.indicators)
    ids = list(sub.indicators)
    np.testing.assert_array_equal(_numbers(methods.matrix_table(ctx, sub, sub.frame)), sub.frame[ids].to_numpy())
    ent, cri, top = example.entropy, example.critic, example.topsis
    np.testing.assert_array_equal(_numbers(methods.matrix_table(ctx, sub, ent.p)), ent.p[ids].to_numpy())
    np.testing.assert_array_equal(methods.entropy_table(ctx, ent, sub).iloc[:, -1], ent.w.to_numpy())
    np.testing.assert_array_equal(methods.critic_table(ctx, cri, sub).iloc[:, -1], cri.w.to_numpy())
    np.testing.assert_array_equal(_numbers(methods.correlation_table(ctx, cri, sub), 1), cri.r.to_numpy())
    closeness = methods.topsis_table(ctx, top).iloc[:, 5].to_numpy()
    np.testing.assert_array_equal(closeness, top.scores["closeness"].to_numpy())
    last = methods.topsis_table(ctx, top, last_year_only=True)
    assert len(last) == len(sub.units) and set(last.iloc[:, 2]) == {max(sub.years)}
    parts = methods.dagum_parts_table(ctx, example.dagum).iloc[:, 1].to_numpy()
    r = example.dagum.result
    np.testing.assert_array_equal(parts[:4], [r.G_w, r.G_nb, r.G_t, r.G])
    assert parts[4] == pytest.approx(r.G, abs=1e-12)  # the Gini computed directly equals the decomposition's G
    assert parts[0] + parts[1] + parts[2] == pytest.approx(parts[3], abs=1e-12)
    assert len(methods.dagum_between_table(ctx, example.dagum)) == len(r.groups) * (len(r.groups) - 1) // 2
    # the symbols are x₁ … x_k in the subset's order, and the legend names every indicator in the report's language
    legend = methods.legend_table(ctx, sub)
    assert legend.iloc[:, 0].tolist() == [f"x{c}" for c in "₁₂₃₄₅₆"][:len(ids)]
    assert legend.iloc[:, 1].tolist() == [ctx.system.indicator(i).name(ctx.lang) for i in ids]


def test_worked_sentences_show_the_librarys_numbers(ctx, example):
    sub, ent, cri, top = example.subset, example.entropy, example.critic, example.topsis
    first = sub.indicators[0]
    f = methods.entropy_facts(ctx, ent, sub)
    assert f["w"] == ent.w[first] and f["p11"] == pytest.approx(f["x11"] / f["col_sum"], rel=1e-12)
    assert f["e"] == pytest.approx(f["h"] / f["ln_n"], rel=1e-12) and f["w"] == pytest.approx(f["d"] / f["sum_d"])
    text = ctx.text("we_entropy", **f)
    assert f"{ent.w[first]:.4f}" in text and f"{ent.e[first]:.4f}" in text and f"n = {len(sub.frame)}" in text
    c = methods.critic_facts(ctx, cri, sub)
    assert c["C"] == pytest.approx(c["sigma"] * c["conflict"]) and c["w"] == cri.w[first]
    assert f"{cri.w[first]:.4f}" in ctx.text("we_critic", **c)
    t = methods.topsis_facts(ctx, top, sub)
    assert t["bounds_are_weights"]  # min-max over the block: v⁺ = w, v⁻ = 0
    assert t["closeness"] == pytest.approx(t["d_minus"] / (t["d_plus"] + t["d_minus"]))
    assert f"{top.scores.at[0, 'closeness']:.4f}" in ctx.text("we_topsis", **t)
    d = methods.dagum_facts(ctx, example.dagum)
    assert f"{example.dagum.result.G:.4f}" in ctx.text("we_dagum", **d)
    norm = methods.normalise_facts(ctx, example.normalised)
    cost = [c for c in norm["cases"] if c["cost"]]
    assert cost and cost[0]["answer"] == pytest.approx(
        (float(cost[0]["max"]) - float(cost[0]["x"])) / (float(cost[0]["max"]) - float(cost[0]["min"])), abs=5e-6)


HAND = frame_from([[2, 10, 2], [3, 30, 5], [6, 20, 1]], ["a", "b", "c"], units=["A", "B", "C"])


def test_hand_case_in_the_pages_tables_and_words():
    """The 3 × 3 case of tests/test_teaching_worked.py as the page shows it (arithmetic there)."""
    system = make_system({"one": ["a", "b"], "two": ["c"]}, directions={"c": "-"})
    ex = worked_example(CompositeIndex(system, zeros="none", weights="entropy").fit(HAND), n_units=3, n_years=1,
                        n_indicators=3)
    page = SimpleNamespace(lang="en", name_of=str, noun=lambda: "unit")
    sub = ex.subset
    x = _numbers(methods.matrix_table(page, sub, ex.normalised.normalised)).tolist()
    assert sorted(x) == sorted([[0, 0, 0.75], [0.25, 1, 0], [1, 0.5, 1]])
    np.testing.assert_allclose(methods.entropy_table(page, ex.entropy, sub).iloc[:, 1:].to_numpy(),
                               [[0.5004024, 0.4554859, 0.5445141, 0.405288], [0.6365142, 0.5793802, 0.4206198, 0.313072],
                                [0.6829081, 0.6216097, 0.3783903, 0.281640]], atol=1e-6)
    np.testing.assert_allclose(methods.critic_table(page, ex.critic, sub).iloc[:, 1:].to_numpy(),
                               [[0.520416, 1.259808, 0.655625, 0.214857], [0.5, 2.480385, 1.240192, 0.406428],
                                [0.520416, 2.220577, 1.155625, 0.378714]], atol=1e-6)
    facts = methods.normalise_facts(page, ex.normalised)
    row1 = sub.frame.iloc[0]
    # c is a cost indicator with min 1, max 5: x' = (5 − x)/(5 − 1) for row 1's raw value
    c = next(c for c in facts["cases"] if c["cost"])
    assert (c["max"], c["min"], c["x"]) == ("5", "1", f"{row1['c']:g}") and c["answer"] == (5 - row1["c"]) / 4
    words = prose.render("methods", "we_normalise", "en", {**facts, "unit_noun": "unit", "units_noun": "units"})
    assert f"$x' = (5 - {row1['c']:g}) / (5 - 1) = {(5 - row1['c']) / 4:.4f}$" in words


# ------------------------------------------------------------------------------- exercises


def test_exercises_are_present_and_answered_in_both_languages(ctx, example):
    sheet = exercises(example, markov=methods.markov(ctx), beta=methods.convergence(ctx)[0],
                      moran_global=methods.moran_global(ctx))
    assert tuple(e.key for e in sheet) == EXERCISE_KEYS  # one per method
    summary = "答案" if ctx.lang == "zh" else "Answer"
    for ex in sheet:
        text = ctx.text(f"ex_{ex.key}", **methods.exercise_facts(ctx, ex))
        question, answer = text.split(f"<details><summary>{summary}</summary>")
        assert answer.endswith("</details>") and "\n" not in answer  # one HTML block: stays closed in nbconvert
        shown = ex.facts["answer"]
        if ex.key == "markov":
            assert f"{shown:.3f}" in answer
        elif ex.key == "convergence":
            assert f"{shown:.1f}" in answer
        else:
            assert f"{shown:.4f}" in answer, (ex.key, answer)
    # the Markov exercise reads the relative classes the page shows
    mk = next(e for e in sheet if e.key == "markov").facts
    assert mk["probability"] == methods.markov(ctx, "relative").probabilities[0, 0]


# ------------------------------------------------------------------------------- what changes if


def test_contrast_sentences_and_tables(ctx):
    for key in lessons.CONTRASTS:
        facts = methods.contrast_facts(ctx, key)
        text = ctx.text(f"wi_{key}", **facts)
        assert "{{" not in text and len(text) > 100
    scope = methods.contrast(ctx, "scope").facts
    assert f"{scope['pooled_last']:.3f}" in ctx.text("wi_scope", **methods.contrast_facts(ctx, "scope"))
    growth = methods.contrast_facts(ctx, "growth")
    assert growth["book_compound"] == pytest.approx((0.8747 / 0.3026) ** (1 / 9) - 1)
    assert f"{growth['compound'] * 100:.1f}%" in ctx.text("wi_growth", **growth)
    assert len(methods.scope_table(ctx)) == len(ctx.index.result_.scores["year"].unique())
    assert len(methods.zeros_table(ctx)) == len(methods.weights_table(ctx)) == len(ctx.system.indicator_ids)
    table, note = methods.aggregate_table(ctx)  # 30 units: the 12 largest rank moves and the focus
    assert len(table) <= lessons.MAX_UNIT_ROWS + 1 and ctx.name_of(ctx.settings.focus) in set(table.iloc[:, 0])
    assert str(ctx.index.result_.scores["unit"].nunique()) in note
    growth, note = methods.growth_table(ctx)
    assert len(growth) <= lessons.MAX_UNIT_ROWS + 2 and note  # fastest, slowest, focus and the mean
    assert growth.iloc[-1, 3] == f"{methods.contrast(ctx, 'growth').facts['compound'] * 100:.1f}%"
    bw = methods.contrast_facts(ctx, "bandwidth")
    assert bw["rules"] == ["Silverman", "Scott"]


def test_unit_tables_are_capped_for_many_units():
    n = 3000
    table = pd.DataFrame({"unit": [f"U{i}" for i in range(n)], "score": np.arange(n, dtype=float)})
    page = SimpleNamespace(lang="en", settings=SimpleNamespace(focus="U5"), noun=lambda plural=False: "units" if plural else "unit")
    kept, note = lessons._unit_rows(page, table, table["score"])
    assert len(kept) == lessons.MAX_UNIT_ROWS + 1 and "U5" in set(kept["unit"]) and "3000 units" in note
    small, none = lessons._unit_rows(page, table.head(15), table["score"].head(15))
    assert len(small) == 15 and none is None


# ------------------------------------------------------------------------------- disparity through the suite


def test_disparity_views_are_the_suites_with_the_reports_seed(ctx):
    s = ctx.scores[["unit", "year", "score", "group"]].dropna().reset_index(drop=True)
    data = suite.SuiteData(s["score"], s["unit"], s["year"], groups=s["group"], weights=ctx.weights())
    mk = suite.run("markov", data).result
    np.testing.assert_array_equal(methods.markov(ctx).probabilities, mk["relative"].probabilities)
    assert methods.markov(ctx).options["basis"] == "relative" == methods.MARKOV_BASIS
    mor = suite.run("moran", data, seed=ctx.settings.seed, local=False).result.global_
    table = methods.moran_table(ctx)
    np.testing.assert_array_equal(table.iloc[:, 4].to_numpy(), mor["p_sim"].to_numpy())  # same seed, same p
    np.testing.assert_array_equal(table.iloc[:, -1].to_numpy(), mor["p_rand"].to_numpy())
    assert table.shape[1] == 10  # esda's z_norm, p_norm, z_rand, p_rand beside the permutation p
    kde = suite.run("density", data).result
    assert methods.density(ctx).options == kde.options
    tests = methods.markov_tests_table(ctx)
    assert len(tests) == 4 and (tests["p (LR)"].between(0, 1)).all()  # time and groups, for both bases
    assert len(methods.markov_passage_table(ctx)) == mk["relative"].options["classes"]
    facts = methods.markov_facts(ctx)
    assert facts["abs_top_stay"] == mk["absolute"].probabilities[-1, -1]
    assert re.fullmatch(r"\d\.\d{3}", facts["cuts"][0])


# ------------------------------------------------------------------------------- the page


def _build(tmp_path, name, **overrides):
    from nqp_lib.report.build import build

    out = tmp_path / name
    res = build(["methods"], overrides={"draws": 30, **overrides}, out=out, quiet=True)
    assert not res.failed, [o.error for o in res.failed]
    return (out / "04_methods.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_page_builds_with_teaching_on_and_off_in_both_languages(tmp_path):
    on = _build(tmp_path, "zh-on", lang="zh")
    assert on.count("<details><summary>答案</summary>") == len(EXERCISE_KEYS)
    ctx = setup("methods", lang="zh", draws=30)  # the page's numbers are the library's
    ex = worked_example(ctx.index, groups=methods.unit_groups(ctx))
    first = ex.subset.indicators[0]
    for number in (ex.entropy.w[first], ex.critic.w[first], ex.topsis.scores.at[0, "closeness"], ex.dagum.result.G):
        assert f"<mn>{number:.4f}</mn>" in on  # in the worked substitutions' MathML
    assert f">{ex.entropy.p.at[0, first]:.4f}</td>" in on  # and in the tables
    assert "第五步" in on and "如果……会怎样" in on and "NQPMATH" not in on and "<math" in on
    off = _build(tmp_path, "en-off", lang="en", teaching=False)
    assert "<details><summary>Answer" not in off and "What changes if" not in off
    assert "The worked example in brief" in off and "Closeness C_i" in off and "Step 2" not in off
    en = _build(tmp_path, "en-on", lang="en")
    assert en.count("<details><summary>Answer</summary>") == len(EXERCISE_KEYS) and "Step 5" in en


@pytest.mark.slow
def test_a_panel_of_cities_builds_the_seminar(tmp_path):
    from nqp_lib.data.panel import provincial_panel

    frame = provincial_panel().frame
    names = {u: f"City{i}" for i, u in enumerate(sorted(frame["unit"].unique()))}
    frame.assign(unit=frame["unit"].map(names)).rename(columns={"unit": "city"}).to_csv(tmp_path / "c.csv", index=False)
    page = _build(tmp_path, "cities", lang="en", panel=str(tmp_path / "c.csv"), focus="City3",
                  example_units="City1,City2,City3")
    assert "The block: 3 cities (City1, City2 and City3)" in page
    seminar = page.split("A worked example", 1)[1].split("How reliable", 1)[0] + page.split("What changes if", 1)[1]
    assert "needs groups of cities" in seminar and "province" not in seminar.split("<footer", 1)[0].lower()
    assert page.count("<details><summary>Answer</summary>") == len(EXERCISE_KEYS) - 2  # no Dagum, no Moran


def test_example_parameters_choose_the_block_and_bad_ones_are_named():
    from nqp_lib.errors import ParameterError

    ctx = setup("methods", lang="en", draws=30, example_units="Beijing, 上海,620000", example_years="2015,2023",
                example_indicators="rd_intensity,gdp_per_capita")
    sub = methods.example(ctx)  # provinces by English name, Chinese name or code; indicators in system order
    assert sub.units == ("北京", "上海", "甘肃") and sub.years == (2015, 2023)
    assert sub.indicators == ("gdp_per_capita", "rd_intensity") and set(sub.how.values()) == {"given"}
    facts = methods.subset_facts(ctx, sub)
    assert facts["given_units"] and facts["rows"] == 6
    assert "named in `example_units`" in ctx.text("we_subset", **facts)
    bad = setup("methods", lang="en", draws=30, example_units="Atlantis,北京")
    with pytest.raises(ParameterError, match=r"example units: 'Atlantis' is not a unit of the index"):
        methods.example(bad)


def test_rank_intervals_of_many_units_keep_each_years_ends_and_the_focus():
    years, n = [2020, 2021], 3000
    rng = np.random.default_rng(1)
    frame = pd.concat([pd.DataFrame({"unit": [f"U{i}" for i in range(n)], "year": y,
                                     "nominal_rank": rng.permutation(n) + 1}) for y in years], ignore_index=True)
    kept = methods._ends_by_year(frame, "nominal_rank", methods.INTERVAL_ENDS, "U7")
    for y in years:
        ranks = set(kept.loc[kept["year"] == y, "nominal_rank"])
        ends = set(range(1, 21)) | set(range(n - 19, n + 1))
        focus = frame.loc[(frame["year"] == y) & (frame["unit"] == "U7"), "nominal_rank"].iat[0]
        assert ranks == ends | {focus}  # 20 best, 20 worst and the focus unit, per year
    assert len(kept) <= 2 * (2 * methods.INTERVAL_ENDS + 1)
