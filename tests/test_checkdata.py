"""``nqp check-data``: the shipped panel passes; every malformed file gets a specific message and exit 2."""

from __future__ import annotations

import io
import textwrap

import pandas as pd
import pytest

from conftest import run_nqp_subprocess

SYSTEM = """\
id: mini
name: {zh: 小体系, en: Mini system}
defaults: {min: 0}
dimensions:
  - id: d1
    name: {zh: 维一, en: D1}
    indicators:
      - {id: share, name: {zh: 占比, en: Share}, column: share, unit: '%', direction: '+', max: 100}
      - {id: ratio, name: {zh: 比率, en: Ratio}, formula: 'b / c', unit: ratio, direction: '-'}
"""

GOOD = "unit,year,share,b,c\n北京,2020,10,1,2\n北京,2021,12,1,4\n天津,2020,8,3,2\n天津,2021,9,2,2\n"


@pytest.fixture
def system(tmp_path):
    p = tmp_path / "mini.yaml"
    p.write_text(SYSTEM, encoding="utf-8")
    return p


def write(tmp_path, name, content):
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    return p


@pytest.mark.parametrize("name", ["three_elements", "tech_green_digital"])
def test_shipped_panel_passes_each_shipped_system(run_cli, name):
    res = run_cli("check-data", "provincial", "--system", name)
    assert res.code == 0, res.out + res.err
    assert "Errors: none" in res.out and "31 units × 13 years (2011–2023)" in res.out
    assert "sha256" in res.out and "Missing cells:" in res.out


def test_good_wide_csv_passes(run_cli, tmp_path, system):
    res = run_cli("check-data", write(tmp_path, "good.csv", GOOD), "--system", system)
    assert res.code == 0, res.err
    assert "read as wide UTF-8" in res.out and "2 units × 2 years" in res.out


def test_gbk_file_is_read(run_cli, tmp_path, system):
    text = GOOD.replace("unit", "省份").replace("year", "年份")
    res = run_cli("check-data", write(tmp_path, "gbk.csv", text.encode("gbk")), "--system", system)
    assert res.code == 0, res.err
    assert "GBK" in res.out


def test_bom_file_is_read(run_cli, tmp_path, system):
    res = run_cli("check-data", write(tmp_path, "bom.csv", b"\xef\xbb\xbf" + GOOD.encode()), "--system", system)
    assert res.code == 0, res.err
    assert "UTF-8 with BOM" in res.out


def test_long_format_with_english_names_is_read(run_cli, tmp_path, system):
    long = pd.read_csv(io.StringIO(GOOD)).melt(id_vars=["unit", "year"], var_name="indicator")
    long["unit"] = long["unit"].map({"北京": "Beijing", "天津": "Tianjin"})
    res = run_cli("check-data", write(tmp_path, "long.csv", long.to_csv(index=False)), "--system", system)
    assert res.code == 0, res.err
    assert "read as long" in res.out and "short Chinese names" in res.out


def test_xlsx_is_read(run_cli, tmp_path, system):
    path = tmp_path / "good.xlsx"
    pd.read_csv(io.StringIO(GOOD)).to_excel(path, index=False)
    res = run_cli("check-data", path, "--system", system)
    assert res.code == 0, res.err
    assert "XLSX" in res.out


def test_missing_cells_are_warnings_not_errors(run_cli, tmp_path, system):
    res = run_cli("check-data", write(tmp_path, "gap.csv", GOOD.replace("天津,2021,9,", "天津,2021,,")), "--system", system)
    assert res.code == 0
    assert "Missing cells: 1" in res.out and "--impute" in res.out


BAD_FILES = [
    ("missing_key.csv", "unit,share,b,c\n北京,10,1,2\n", r"no year column; name one of year, 年份, 年"),
    ("dup_unit_year.csv", GOOD + "北京,2020,11,1,2\n", r"2 rows repeat a unit-year, e.g. 北京 2020 \(lines 2, 6\)"),
    ("text_in_numeric.csv", GOOD.replace("北京,2021,12", "北京,2021,twelve"),
     r"column 'share', line 3 \(北京 2021\): 'twelve' is not a number"),
    ("inf.csv", GOOD.replace("天津,2020,8", "天津,2020,inf"), r"column 'share', line 4 \(天津 2020\): infinite value"),
    ("negative.csv", GOOD.replace("天津,2021,9", "天津,2021,-9"),
     r"indicator 'share' \(column 'share'\) has 1 value\(s\) below its plausible min 0 \(%\), e.g. 天津 2021: -9"),
    ("over_100.csv", GOOD.replace("天津,2021,9", "天津,2021,109"), r"above its plausible max 100"),
    ("empty.csv", "", r"the file is empty; expected a header row and data rows"),
    ("header_only.csv", "unit,year,share,b,c\n", r"has a header \(unit, year, share, b, c\) but no data rows"),
    ("unknown_province.csv", GOOD + "Atlantis,2020,1,1,1\n", r"unknown province name\(s\) \['Atlantis'\]"),
    ("year_range.csv", GOOD.replace("天津,2021", "天津,2099"), r"line 5: year 2099 is out of range 1949–2030"),
    ("year_fraction.csv", GOOD.replace("天津,2021", "天津,2021.5"), r"line 5: year '2021.5' is not a whole number"),
    ("missing_indicator.csv", "unit,year,share,b\n北京,2020,10,1\n天津,2020,8,3\n",
     r"column\(s\) \['c'\] are needed but not in the file"),
    ("zero_denominator.csv", GOOD.replace("天津,2021,9,2,2", "天津,2021,9,2,0"),
     r"indicator 'ratio' \(b / c\) is infinite for 1 unit-years"),
    ("empty_unit.csv", GOOD.replace("天津,2021", ",2021"), r"line 5: empty unit name"),
    ("long_dup.csv", "unit,year,indicator,value\n北京,2020,share,1\n北京,2020,share,2\n",
     r"duplicate entries for unit '北京', year 2020, indicator 'share' \(first at line 2\)"),
    ("repeated_header.csv", "unit,year,share,share\n北京,2020,1,2\n", r"repeated or empty column header"),
    ("utf16.csv", GOOD.encode("utf-16"), r"cannot decode the file as UTF-8 or GBK"),
    ("fake.xlsx", "this is not a workbook", r"not a readable XLSX workbook"),
    ("old.xls", "whatever", r"old .xls workbooks are not supported"),
    ("case_dup_header.csv", "unit,year,Share,share\n北京,2020,1,2\n", r"repeated \['Share', 'share'\] \(names are compared ignoring case\)"),
    ("bom_header_only.csv", b"\xef\xbb\xbfunit,year,share,b,c\n", r"has a header \(unit, year, share, b, c\) but no data rows"),
    ("long_text_value.csv", "province,year,indicator,value\n北京,2020,share,1\n北京,2020,b,1\n北京,2020,c,2\n"
     "天津,2020,share,12 亿\n天津,2020,b,1\n天津,2020,c,2\n",
     r"line 5 \(天津 2020 share\): '12 亿' is not a number"),
]


@pytest.mark.parametrize("name, content, message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_malformed_panel_gives_clear_error_and_exit_2(run_cli, tmp_path, system, name, content, message):
    import re

    path = write(tmp_path, name, content)
    res = run_cli("check-data", path, "--system", system)
    assert res.code == 2, res.out
    assert re.search(message, res.err + res.out), res.err + res.out
    if "does not fit" not in message and "plausible" not in message:
        assert str(path) in res.err or name in res.err + res.out


def test_bad_direction_in_system_is_exit_2(run_cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SYSTEM.replace("direction: '-'", "direction: down"), encoding="utf-8")
    res = run_cli("check-data", write(tmp_path, "good.csv", GOOD), "--system", bad)
    assert res.code == 2
    assert "indicator 'ratio': 'direction' must be '+' (benefit) or '-' (cost), got 'down'" in res.err
    assert str(bad) in res.err


def test_nonexistent_and_directory(run_cli, tmp_path, system):
    res = run_cli("check-data", tmp_path / "nope.csv", "--system", system)
    assert res.code == 2 and "nope.csv: file not found" in res.err
    res = run_cli("check-data", tmp_path, "--system", system)
    assert res.code == 2 and "is a directory" in res.err


def test_real_process_exit_code_and_no_traceback(tmp_path, system):
    proc = run_nqp_subprocess("check-data", write(tmp_path, "dup.csv", GOOD + "北京,2020,11,1,2\n"), "--system", system)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "repeat a unit-year" in proc.stderr


def test_suspicious_values_are_reported(run_cli, tmp_path, system):
    rows = ["unit,year,share,b,c"] + [f"{p},{y},{10 + i},1,2" for i, p in enumerate(
        ["北京", "天津", "河北", "山西", "上海", "江苏"]) for y in (2020, 2021)]
    rows[-1] = "江苏,2021,16,1,2"  # an ordinary change stays quiet
    text = "\n".join(rows).replace("上海,2021,14", "上海,2021,0.0014") + "\n"  # ÷10,000: a unit slip
    res = run_cli("check-data", write(tmp_path, "odd.csv", text), "--system", system)
    assert res.code == 0
    section = res.out.split("Suspicious values:")[1].split("Warnings:")[0]
    assert section.startswith(" 2")  # the robust-z hit and the ×0.0001 jump, both 上海 2021
    assert section.count("上海") == 2 and "江苏" not in section and "×0.0001 on the year before" in section


def test_semicolon_separated_csv_is_read(run_cli, tmp_path, system):
    res = run_cli("check-data", write(tmp_path, "semi.csv", GOOD.replace(",", ";")), "--system", system)
    assert res.code == 0, res.err
    assert "semicolon-separated" in res.out


def test_long_format_reports_the_file_line_of_a_bad_year(run_cli, tmp_path, system):
    rows = ["province,year,indicator,value"] + [f"北京,2020,{i},1" for i in ("share", "b", "c")]
    rows += ["天津,二〇二〇,share,1"]  # line 5 of the file
    res = run_cli("check-data", write(tmp_path, "ly.csv", "\n".join(rows) + "\n"), "--system", system)
    assert res.code == 2 and "line 5: year '二〇二〇' is not a whole number" in res.err


def test_xlsx_with_repeated_header_is_refused(run_cli, tmp_path, system):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["unit", "year", "share", "share", "b", "c"])
    ws.append(["北京", 2020, 1, 2, 1, 2])
    path = tmp_path / "dup.xlsx"
    wb.save(path)
    res = run_cli("check-data", path, "--system", system)
    assert res.code == 2 and "repeated ['share']" in res.err
