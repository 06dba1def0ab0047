"""The claims ledger: schema, completeness against the article's text, and validation errors (file, row, column)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from claims_fixtures import ledger_rows, row_number, variant
from nqp_lib.claims import load_ledger, stated_precision
from nqp_lib.data.series import series_info
from nqp_lib.errors import LedgerError

ARTICLE = Path("/work/shared/article/article_zh.txt")


@pytest.fixture(scope="module")
def ledger():
    return load_ledger()


def article_text(shared_data) -> str:
    path = shared_data.parent / "article" / "article_zh.txt"
    return (path if path.exists() else ARTICLE).read_text(encoding="utf-8")


def test_counts_by_section_and_check(ledger):
    assert len(ledger) == 57
    assert Counter(c.section for c in ledger.claims) == {"2.1": 12, "2.2": 19, "2.4": 15, "2.5": 11}
    assert Counter(c.check for c in ledger.claims) == {"none": 43, "data": 9, "arithmetic": 5}
    assert len(set(ledger.ids())) == len(ledger)
    assert all(c.condition == int(c.section[2]) for c in ledger.claims)


def test_every_number_of_section_two_is_in_the_ledger(ledger, shared_data):
    """Every figure written in digits in 二、 is a ledger value, and every ledger value written in digits is in 二、.

    Not claims (left out on purpose): reference marks [n], years and the month of dates, and numbers that are
    part of names ("5G", "智能社会5.0"). Figures the article writes in Chinese numerals (十大, 第一, 第二, 万亿级)
    are ledger rows too but cannot be matched as digits; two rows restate a figure for a second claim.
    """
    text = article_text(shared_data)
    section = text[text.index("二、新质生产力的六大形成条件及其现状"):text.index("三、推进新质生产力形成的思路与建议")]
    section = re.sub(r"\[\d+\]", " ", section.replace("\n", ""))
    found = []
    for m in re.finditer(r"\d+(?:\.\d+)?", section):
        after, before = section[m.end():m.end() + 2], section[max(0, m.start() - 4):m.start()]
        if re.fullmatch(r"(19|20)\d\d", m.group()) and (after[:1] in "年-" or before.endswith("-")):
            continue  # a year
        if after.lstrip().startswith("月") or after.startswith("G") or before.endswith("智能社会"):
            continue  # a month, 5G, Society 5.0
        found.append(m.group())
    in_words = {"c1_us_frontier_fields", "c2_llm_corpus_scale"} | {c.id for c in ledger.claims if c.unit == "rank"}
    restated = {"c1_quantum_exceeds_four", "c2_digital_share_vs_secondary"}
    listed = [r["value"] for r in ledger_rows() if r["id"] not in in_words | restated]
    listed += [r["value_high"] for r in ledger_rows() if r["value_high"]]
    assert Counter(found) == Counter(listed)


def test_no_numeric_claim_outside_section_two(shared_data):
    text = article_text(shared_data)
    rest = text[:text.index("二、新质生产力的六大形成条件及其现状")] + text[text.index("三、推进新质生产力形成的思路与建议"):]
    rest = re.sub(r"\[\d+\]", " ", rest)
    rest = rest.replace("2024.7", "").replace("··35", "")  # the journal issue and a page number
    assert re.findall(r"\d+(?:\.\d+)?", rest) == []


def test_every_row_is_complete(ledger):
    for c in ledger.claims:
        assert c.label_zh and c.label_en and c.label_zh != c.label_en, c.id
        if c.check == "none":
            assert c.reason("zh") and c.reason("en"), c.id
        if c.check == "data":
            s = series_info(c.series, c.scope)  # the series exists in the catalogue
            assert s.measure == c.measure or s.proxy_for == c.measure, c.id
            assert c.year is not None and c.compare
        if c.check == "arithmetic":
            assert c.expression and c.compare in ("equal", "exceeds")


def test_tolerances_follow_the_stated_precision_policy(ledger):
    """No tolerance is tuned to an outcome: each equals the policy for its stated figure."""
    rows = {r["id"]: r for r in ledger_rows()}
    for c in ledger.claims:
        if c.tolerance is not None:
            assert c.tolerance == pytest.approx(stated_precision(rows[c.id]["value"], c.bound, c.unit)), c.id
    assert stated_precision("7.3", "eq", "%") == pytest.approx(0.1)
    assert stated_precision("65.22", "eq", "%") == pytest.approx(0.01)
    assert stated_precision("90", "eq", "%") == 1.0
    assert stated_precision("44", "about", "万亿元") == pytest.approx(2.2)  # ±5% for 左右
    assert stated_precision("2", "eq", "rank") == 0.0


def _error(tmp_path: Path, claim_id: str | None = None, add=None, **cells) -> str:
    path = variant(tmp_path, claim_id, add, **cells)
    with pytest.raises(LedgerError) as exc:
        load_ledger(path)
    return str(exc.value)


def test_unknown_series_is_named_with_row_and_column(tmp_path):
    msg = _error(tmp_path, "c4_retail_sales", series="retail_sales_online")
    assert f"claims.csv: row {row_number('c4_retail_sales')} (id=c4_retail_sales), column 'series'" in msg
    assert "unknown national series 'retail_sales_online'" in msg


def test_rd_over_revenue_is_never_compared_with_rd_intensity(tmp_path):
    """Trap: 1.55% is R&D over manufacturing revenue, not R&D / GDP; a check against R&D intensity is refused."""
    msg = _error(tmp_path, "c1_mfg_rd_revenue", check="data", series="rd_intensity", year="2022", compare="level",
                 tolerance="0.01", reason_zh="", reason_en="")
    assert "column 'series'" in msg and "'rd_intensity' measures 'rd_intensity'" in msg
    assert "'rd_to_revenue_manufacturing'" in msg and "must not be compared" in msg


def test_growth_across_the_vintage_break_is_refused(tmp_path):
    """Trap: NBS figures before 2010 are from another statistical vintage."""
    msg = _error(tmp_path, "c4_retail_growth", base_year="2005")
    assert "column 'base_year'" in msg and "2005→2022 crosses the vintage break between 2009 and 2010" in msg


def test_figures_on_different_bases_are_never_combined(tmp_path):
    """Trap: 8.1 ZB (数字中国发展报告, 2022) and 32.85 ZB (national data-resource survey, 2023) are different bases."""
    survey = {"id": "c2_data_survey", "section": "2.2", "condition": "2", "label_zh": "全国数据生产总量（调查）",
              "label_en": "Data produced (national survey)", "value": "32.85", "bound": "eq", "unit": "ZB",
              "measure": "data_production", "basis": "data_resource_survey", "ref_year": "2023", "check": "none",
              "reason_zh": "调查口径", "reason_en": "survey basis"}
    growth = {"id": "c2_data_growth_mixed", "section": "2.2", "condition": "2", "label_zh": "混算增长", "label_en": "mixed growth",
              "value": "305", "bound": "eq", "unit": "%", "measure": "data_production_growth", "check": "arithmetic",
              "compare": "equal", "tolerance": "1", "expression": "(c2_data_survey / c2_data_production - 1) * 100"}
    msg = _error(tmp_path, add=[survey, growth])
    assert "column 'expression'" in msg and "different bases" in msg
    assert "'digital_china_report'" in msg and "'data_resource_survey'" in msg
    ok = load_ledger(variant(tmp_path, add=[survey]))  # the survey figure alone is a fine row
    assert ok["c2_data_survey"].basis != ok["c2_data_production"].basis


@pytest.mark.parametrize("claim_id, cells, column, words", [
    ("c4_online_retail", {"reason_en": "", "reason_zh": ""}, "reason_en", "needs a one-line reason"),
    ("c4_online_retail", {"reason_zh": ""}, "reason_zh", "both languages"),
    ("c4_retail_sales", {"bound": "roughly"}, "bound", "'roughly' is not one of"),
    ("c1_developed_mfg_rd_revenue", {"value_high": ""}, "value_high", "exactly when bound is 'range'"),
    ("c4_retail_sales", {"condition": "5"}, "condition", "section 2.4 is condition 4"),
    ("c4_retail_sales", {"tolerance": ""}, "tolerance", "required for a data check"),
    ("c4_retail_sales", {"economy": "OECD"}, "economy", "only used for gaps"),
    ("c4_retail_sales", {"unit": "%"}, "unit", "no conversion from '亿元' to '%'"),
    ("c4_retail_cagr", {"expression": "cagr(1 + c4_nothing / 100, 9)"}, "expression", "'c4_nothing' is not another claim"),
    ("c4_retail_cagr", {"expression": "__import__('os')"}, "expression", "is not allowed"),
    ("c4_retail_cagr", {"expression": "odd: c4_retail_growth / 9"}, "expression", "unknown reading 'odd'"),
    ("c4_online_cagr", {"check": "arithmetic", "compare": "equal", "tolerance": "0.1",
                        "expression": "cagr(c4_online_growth, 9)"}, "expression", "ambiguous multiple"),
    ("c4_retail_sales", {"value": "forty"}, "value", "does not match"),
])
def test_bad_cells_are_named(tmp_path, claim_id, cells, column, words):
    msg = _error(tmp_path, claim_id, **cells)
    assert f"row {row_number(claim_id)} (id={claim_id}), column '{column}'" in msg
    assert words in msg


def test_missing_ledger_file(tmp_path):
    with pytest.raises(LedgerError, match="claims ledger .*nowhere.csv not found"):
        load_ledger(tmp_path / "nowhere.csv")
