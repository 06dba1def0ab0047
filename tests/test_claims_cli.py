"""``nqp claims``: formats, filters, languages and errors."""

from __future__ import annotations

import csv
import io
import json

import pytest

from claims_fixtures import variant


def test_table_lists_claims_with_outcomes_and_a_summary(run_cli):
    res = run_cli("claims", "--section", "2.4", "--lang", "en")
    assert res.code == 0, res.err
    claims = [line for line in res.out.splitlines() if line.startswith("c4_")]
    assert len(claims) == 15
    assert any(line.startswith("c4_online_growth  [2.4]") and line.endswith("→ consistent") for line in claims)
    assert "    \"grew N times\" = N+1 times the base (NBS usage): (1 + 22.8 / 100) ^ 9 = 6.350" in res.out
    assert "\"grew N times\" = N times the base (literal) *:" in res.out  # a non-deciding reading is starred
    last = res.out.strip().splitlines()[-1].split()
    assert last == ["total", "7", "0", "2", "0", "6", "15"]


def test_table_in_chinese_by_default(run_cli):
    res = run_cli("claims", "--condition", "5")
    assert res.code == 0
    assert "c5_st_human_resources_rank  [2.5]  科技人力资源数量的世界位次: 第1位  → 与数据一致（替代指标）" in res.out
    assert "说明: 替代指标：R&D研究人员（全时当量）" in res.out


def test_csv_has_every_claim_and_column(run_cli):
    res = run_cli("claims", "--format", "csv", "--lang", "en")
    rows = list(csv.DictReader(io.StringIO(res.out)))
    assert len(rows) == 57 and rows[0]["id"] == "c1_us_frontier_funding"
    assert {"id", "section", "claim", "stated", "outcome", "compared", "arithmetic", "source", "reason", "readings"} <= set(rows[0])
    gap = next(r for r in rows if r["id"] == "c4_urbanisation_gap_oecd")
    assert gap["outcome"] == "agrees" and gap["reading"] == "oecd_simple_mean" and float(gap["compared"]) == pytest.approx(78.55863459388523 - 65.2176361083984)


def test_json_carries_readings_and_options(run_cli):
    res = run_cli("claims", "--format", "json", "--check", "arithmetic", "--lang", "en")
    data = json.loads(res.out)
    assert [d["id"] for d in data] == ["c1_quantum_exceeds_four", "c2_digital_economy_growth", "c2_digital_economy_share",
                                       "c4_online_growth", "c4_retail_cagr"]
    online = data[3]
    assert [(r["key"], r["primary"], r["outcome"]) for r in online["readings"]] == [
        ("nbs_usage", True, "consistent"), ("literal", False, "inconsistent")]
    assert online["options"]["tolerance"] == 0.1 and online["tolerance"] == 0.1
    assert online["readings"][0]["interval"][0] == 1.227 ** 9


def test_filters_combine(run_cli):
    def count(*args):
        res = run_cli("claims", "--format", "csv", *args)
        assert res.code == 0, res.err
        return len(list(csv.DictReader(io.StringIO(res.out))))

    assert count("--outcome", "agrees") == 9
    assert count("--outcome", "differs") == 0
    assert count("--check", "data", "--section", "2.4") == 7
    assert count("--condition", "2", "--outcome", "not_checkable") == 16
    assert count("--section", "2.3") == 0  # a section of the article without numeric claims


def test_empty_selection_says_so(run_cli):
    res = run_cli("claims", "--section", "2.6", "--lang", "en")
    assert res.code == 0 and res.out.strip() == "No claim matches."


def test_bad_filters_exit_2(run_cli):
    res = run_cli("claims", "--section", "2.9")
    assert res.code == 2 and "--section '2.9' is not a section of the article; use one of 0, 1.1" in res.err
    res = run_cli("claims", "--outcome", "maybe")
    assert res.code == 2 and "invalid choice: 'maybe'" in res.err
    res = run_cli("claims", "--condition", "7")
    assert res.code == 2 and "--condition" in res.err
    res = run_cli("claims", "--format", "xml")
    assert res.code == 2 and "invalid choice: 'xml'" in res.err


def test_a_bad_ledger_exits_2_naming_the_cell(run_cli, tmp_path):
    path = variant(tmp_path, "c4_retail_growth", base_year="2005")
    res = run_cli("claims", "--ledger", path)
    assert res.code == 2
    assert "claims.csv: row" in res.err and "column 'base_year'" in res.err and "vintage break" in res.err
    ok = variant(tmp_path, "c4_retail_sales", value="45")
    res = run_cli("claims", "--ledger", ok, "--format", "csv", "--section", "2.4", "--check", "data")
    assert res.code == 0 and "c4_retail_sales" in res.out
