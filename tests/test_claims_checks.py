"""Outcomes of the claims ledger, computed from the shipped data, against hand arithmetic.

Each check type has a real row that passes and one that fails (a real row, or a real row read one other way);
each trap of issue #8 has its own test with the arithmetic written out.
"""

from __future__ import annotations

from collections import Counter

import pytest

from claims_fixtures import variant
from nqp_lib.claims import by_condition, check_claims, load_ledger, results_frame, summary
from nqp_lib.claims.expressions import Interval, cagr_interval, evaluate
from nqp_lib.conditions import all_conditions, condition_data, standing
from nqp_lib.data import countries, national

# raw cells (also read independently in test_national_international.py)
RETAIL_2013, RETAIL_2022 = 232252.6, 439732.5  # NBS, 亿元, newer vintage
GDP_2021, GDP_2022 = 1149237.0, 1210207.2  # NBS, 亿元
URBAN_CHN_2022, URBAN_OED_2022, URBAN_OECD_MEAN_2022 = 65.2176361083984, 80.949627748444, 78.55863459388523


@pytest.fixture(scope="module")
def results():
    return {r.claim.id: r for r in check_claims(lang="en")}


def reading(result, key):
    return next(r for r in result.readings if r.key == key)


def test_outcome_counts(results):
    assert Counter(r.outcome for r in results.values()) == {"not_checkable": 43, "agrees": 9, "consistent": 5}
    table = summary(list(results.values()))
    assert table.loc["total", "total"] == 57 and table.loc["2.4", "agrees"] == 7
    assert all(r.outcome != "not_checkable" for r in results.values() if r.claim.check != "none")  # every data row has data


def test_data_check_agrees(results):
    r = results["c4_retail_growth"]
    assert r.outcome == "agrees"
    assert r.compared == pytest.approx((RETAIL_2022 / RETAIL_2013 - 1) * 100)  # +89.33%
    assert r.compared == pytest.approx(89.333, abs=1e-3)  # within 90 ± 1
    assert "232,253 (2013) → 439,732 (2022)" in r.arithmetic and r.arithmetic.endswith("vs 90 ± 1 → agrees")
    level = results["c4_retail_sales"]  # 439,732.5 亿元 × 10⁻⁴ = 43.97 万亿元 vs 44 ± 2.2 (左右: ±5%)
    assert level.outcome == "agrees" and level.compared == pytest.approx(RETAIL_2022 * 1e-4)


def test_data_check_differs(tmp_path):
    """The urbanisation gap read against the World Bank OECD aggregate only: 80.95 − 65.22 = 15.73 pp, not 13 ± 1."""
    ledger = load_ledger(variant(tmp_path, "c4_urbanisation_gap_oecd", economy="OED"))
    r = next(x for x in check_claims(ledger, "en") if x.claim.id == "c4_urbanisation_gap_oecd")
    assert r.outcome == "differs" and len(r.readings) == 1
    assert r.compared == pytest.approx(URBAN_OED_2022 - URBAN_CHN_2022) == pytest.approx(15.732, abs=1e-3)


def test_arithmetic_check_consistent(results):
    r = results["c2_digital_economy_share"]  # 50.2 万亿元 / 121.02 万亿元 GDP = 41.48% vs 41.5 ± 0.1
    assert r.outcome == "consistent"
    assert r.compared == pytest.approx(50.2e4 / GDP_2022 * 100) == pytest.approx(41.481, abs=1e-3)
    lo, hi = reading(r, "as_stated").interval  # 50.2 ± 0.1 → [50.1, 50.3] / GDP
    assert (lo, hi) == (pytest.approx(50.1e4 / GDP_2022 * 100), pytest.approx(50.3e4 / GDP_2022 * 100))
    growth = results["c2_digital_economy_growth"]  # 10.3 ± 0.1 exceeds nominal GDP growth 2022 = 5.31%
    assert growth.outcome == "consistent" and growth.compared == pytest.approx((GDP_2022 / GDP_2021 - 1) * 100)
    quantum = results["c1_quantum_exceeds_four"]  # the rest of the world together: at most 100 − 52.3 = 47.7 < 52.3
    assert quantum.outcome == "consistent" and quantum.compared == pytest.approx(47.7)


def test_arithmetic_check_inconsistent(tmp_path):
    """The retail CAGR read as a simple average only: 90 / 9 = 10.0% a year, not 7.3 ± 0.1."""
    ledger = load_ledger(variant(tmp_path, "c4_retail_cagr", expression="simple: c4_retail_growth / 9"))
    r = next(x for x in check_claims(ledger, "en") if x.claim.id == "c4_retail_cagr")
    assert r.outcome == "inconsistent" and r.compared == pytest.approx(10.0)


def test_not_checkable_keeps_its_reason(results, tmp_path):
    r = results["c2_data_production"]
    assert r.outcome == "not_checkable" and r.compared is None and "32.85 ZB" in r.reason
    ledger = load_ledger(variant(tmp_path, "c4_retail_sales", year="2021", tolerance="2.2"))
    assert next(x for x in check_claims(ledger) if x.claim.id == "c4_retail_sales").outcome == "agrees"
    missing = load_ledger(variant(tmp_path, "c4_household_share", year="2023"))  # NBS national ends 2022
    r = next(x for x in check_claims(missing, "en") if x.claim.id == "c4_household_share")
    assert r.outcome == "not_checkable" and "no value for 2023" in r.reason


def test_trap_grew_5_4_times_against_22_8_percent_a_year(results):
    """"比2013年增长5.4倍" with "年均复合增长22.8%" over 2013→2022 (9 years):
    (1 + 0.228)^9 = 6.350; stated precision 22.8 ± 0.1 → [1.227^9, 1.229^9] = [6.304, 6.397].
    Read as 6.4 times the base (NBS usage: 增长N倍 = N+1 times): 6.4 ± 0.1 = [6.3, 6.5] meets it → consistent.
    Read literally as 5.4 times: [5.3, 5.5] does not → inconsistent (5.4 would need 5.4^(1/9) − 1 = 20.6% a year)."""
    r = results["c4_online_growth"]
    assert 1.228 ** 9 == pytest.approx(6.3502, abs=1e-4)
    nbs, literal = reading(r, "nbs_usage"), reading(r, "literal")
    assert nbs.primary and not literal.primary
    assert nbs.compared == pytest.approx(1.228 ** 9)
    assert nbs.interval == (pytest.approx(1.227 ** 9), pytest.approx(1.229 ** 9))
    assert nbs.outcome == "consistent" and literal.outcome == "inconsistent"
    assert r.outcome == "consistent" and r.reading == "nbs_usage"
    assert (5.4 ** (1 / 9) - 1) * 100 == pytest.approx(20.6, abs=0.05)
    assert "(1 + 22.8 / 100) ^ 9 = 6.350" in nbs.arithmetic and "×6.4 ± 0.1" in nbs.arithmetic


def test_trap_plus_90_percent_against_7_3_percent_a_year(results):
    """"增长90%" with "年均复合增长7.3%": compound 1.9^(1/9) − 1 = 7.392% (90 ± 1 → [7.329, 7.455]) meets
    7.3 ± 0.1 → consistent; read as a simple average 90/9 = 10.0% → inconsistent. The NBS levels themselves
    give ×1.8933 = +89.33% and 7.350% a year."""
    r = results["c4_retail_cagr"]
    compound, simple = reading(r, "compound"), reading(r, "simple")
    assert compound.compared == pytest.approx((1.9 ** (1 / 9) - 1) * 100) == pytest.approx(7.392, abs=1e-3)
    assert compound.interval == (pytest.approx((1.89 ** (1 / 9) - 1) * 100), pytest.approx((1.91 ** (1 / 9) - 1) * 100))
    assert compound.outcome == "consistent" and simple.outcome == "inconsistent" and simple.compared == pytest.approx(10.0)
    assert r.outcome == "consistent" and r.reading == "compound"
    data = results["c4_retail_growth"].arithmetic
    assert "×1.8933 = +89.33%; compound 7.35% a year over 9 years (simple average 9.93%)" in data


def test_trap_urbanisation_gap_to_the_oecd_both_ways(results):
    """"城镇化率…低于OECD国家平均水平13个百分点" (2022): the World Bank OECD aggregate (population-weighted)
    80.95 − 65.22 = 15.73 pp → differs; the simple mean of the 38 members 78.56 − 65.22 = 13.34 pp → agrees."""
    r = results["c4_urbanisation_gap_oecd"]
    agg, mean = reading(r, "oecd_aggregate"), reading(r, "oecd_simple_mean")
    assert agg.compared == pytest.approx(URBAN_OED_2022 - URBAN_CHN_2022) and agg.outcome == "differs"
    assert mean.compared == pytest.approx(URBAN_OECD_MEAN_2022 - URBAN_CHN_2022) and mean.outcome == "agrees"
    assert r.outcome == "agrees" and r.reading == "oecd_simple_mean" and not r.proxy
    assert "simple mean of the 38 of 38 members with data" in mean.arithmetic
    assert "World Bank aggregate (weighted)" in agg.arithmetic


def test_trap_household_consumption_gap_is_a_labelled_proxy(results):
    """"居民消费占GDP比重…低于OECD国家平均水平21个百分点": no shipped OECD series at national prices. NBS gives
    China's own share (37.17% in 2022, agreeing with 37.2); the cross-country check uses PWT's csh_c, a
    PPP-based household share ending 2019, on both sides — a proxy, and labelled so:
    GDP-weighted OECD 0.5962 − China 0.388 = 20.82 pp → agrees; simple mean 0.5363 − 0.388 = 14.83 pp → differs."""
    r = results["c4_household_share_gap_oecd"]
    assert r.proxy and r.outcome_label("en") == "agrees (proxy)" and r.outcome_label("zh") == "与数据一致（替代指标）"
    agg, mean = reading(r, "oecd_aggregate"), reading(r, "oecd_simple_mean")
    assert agg.compared == pytest.approx(20.82, abs=0.01) and agg.outcome == "agrees"
    assert mean.compared == pytest.approx(14.83, abs=0.01) and mean.outcome == "differs"
    assert "PPP" in r.reason and r.options["year"] == 2019
    own = results["c4_household_share"]
    assert own.outcome == "agrees" and not own.proxy and own.compared == pytest.approx(447910.209905 / 1205017 * 100, abs=1e-3)
    pwt_china = countries("household_consumption_share_ppp", "CHN", 2019).iloc[0]["value"]
    nbs_china = national("household_consumption_share", [2019]).iloc[0]["value"]
    assert pwt_china == 0.388 and nbs_china == pytest.approx(39.08, abs=0.01)  # two different measures, both shown


def test_trap_manufacturing_rd_over_revenue_is_not_rd_intensity(results):
    r = results["c1_mfg_rd_revenue"]
    assert r.claim.measure == "rd_to_revenue_manufacturing" and r.outcome == "not_checkable"
    assert "not R&D intensity" in r.reason
    assert national("rd_intensity", [2022]).iloc[0]["value"] == 2.54  # R&D / GDP, 2022: a different ratio


def test_trap_8_1_zb_and_32_85_zb_are_different_bases(results):
    r = results["c2_data_production"]
    assert r.claim.basis == "digital_china_report" and "different basis" in r.reason


def test_interval_arithmetic_by_hand():
    a, b = Interval(1.0, 2.0), Interval(3.0, 5.0)
    assert (a + b, b - a, a * b, b / a) == (Interval(4, 7), Interval(1, 4), Interval(3, 10), Interval(1.5, 5))
    assert cagr_interval(Interval(1.89, 1.91), Interval.point(9)) == Interval(
        100 * (1.89 ** (1 / 9) - 1), 100 * (1.91 ** (1 / 9) - 1))
    ev = evaluate("(x - y) * 2", {"x": Interval(10, 11), "y": Interval(1, 2)}, lambda f, a: (0.0, "", ""))
    assert ev.value == Interval(16, 20) and ev.shown == "(10.50 − 1.500) × 2"


def test_results_in_both_languages(results):
    zh = {r.claim.id: r for r in check_claims(lang="zh")}
    assert [r.outcome for r in zh.values()] == [r.outcome for r in results.values()]
    assert zh["c4_retail_growth"].arithmetic.endswith("→ 与数据一致")
    assert "9年复合年均 7.35%" in zh["c4_retail_growth"].arithmetic
    frame = results_frame(list(zh.values()), "zh")
    assert list(frame.loc[frame["id"] == "c4_online_growth", "stated"]) == ["5.4 倍（增长）"]
    assert frame.loc[frame["id"] == "c4_urbanisation_gap_oecd", "reading_label"].item() == "OECD平均＝成员简单平均"


def test_section_two_api(results):
    """What the section-02 rebuild reads: each condition's claims with outcomes and its series as tidy frames."""
    four = condition_data(4, lang="en", results=list(results.values()))
    assert len(four.claims) == 15 and {r.claim.section for r in four.claims} == {"2.4"}
    assert {"retail_sales", "household_consumption_share", "urbanisation_rate"} <= set(four.national["series"])
    urban = four.international[(four.international["indicator"] == "urban_share") & (four.international["year"] == 2022)]
    assert set(urban["economy"]) >= {"CHN", "USA", "JPN", "DEU", "KOR", "GBR", "FRA", "EUU", "OED", "OECD_MEAN", "HIC", "WLD"}
    assert urban.set_index("economy").loc["OECD_MEAN", "n_members"] == 38
    assert {"value", "unit", "source", "method"} <= set(four.international.columns)
    assert "PPP" in four.notes("en")["household_consumption_share_ppp"]
    assert len(by_condition(4, list(results.values()))) == 15
    six = all_conditions("en")
    assert [len(c.claims) for c in six] == [12, 19, 0, 15, 11, 0]
    assert six[5].international.empty and not six[5].national.empty  # condition 6: national enterprise data only
    st = standing("urban_share", 2022)
    assert st.value == pytest.approx(URBAN_CHN_2022)
    assert st.gap_to_oecd_aggregate == pytest.approx(URBAN_OED_2022 - URBAN_CHN_2022)
    assert st.gap_to_oecd_mean == pytest.approx(URBAN_OECD_MEAN_2022 - URBAN_CHN_2022)
    assert st.change_kind == "points" and st.start_year == 2012 and st.rank is not None
