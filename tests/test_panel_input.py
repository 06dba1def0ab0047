"""Reading a user's panel file right, or refusing it: decimal marks, encodings, what a file is and how big.

Every value asserted here is written out by hand from the cells of the file the test makes; the refusals
assert exit status 2 and the message's file, line, column or cell. Probes that could hang or fill memory if
the reader regressed (``/dev/zero``, a FIFO, a huge file) run in a subprocess with a timeout and an
address-space limit.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import run_nqp_subprocess
from nqp_lib.data.numbers import _read_both, _read_distinct
from nqp_lib.data.userpanel import read_panel
from nqp_lib.errors import DataError

PROBE_TIMEOUT = 60  # seconds
PROBE_MEMORY = 1 << 30  # bytes of address space


def run_bounded(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``nqp ARGS`` in a fresh process that cannot run longer than PROBE_TIMEOUT or map more than 1 GB."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (PROBE_MEMORY, PROBE_MEMORY))

    return subprocess.run([str(Path(sys.executable).with_name("nqp")), *map(str, args)], capture_output=True,
                          text=True, timeout=PROBE_TIMEOUT, preexec_fn=limit, env={**os.environ, **(env or {})})


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return p


def values(panel, column: str) -> dict[str, float]:
    return dict(zip(panel.frame["unit"], panel.frame[column]))


# --- decimal marks ---------------------------------------------------------------------------------------

def test_semicolon_file_with_decimal_commas_reads_them_as_decimals(tmp_path):
    # the case: '92,261' is 92.261 (not 92261) in a file whose other cells use decimal commas
    p = write(tmp_path, "eu.csv", "unit;year;x;y\n北京;2020;12,5;1\n天津;2020;92,261;2\n河北;2020;3,25;0,5\n")
    panel = read_panel(p)
    assert values(panel, "x") == {"北京": 12.5, "天津": 92.261, "河北": 3.25}
    assert values(panel, "y") == {"北京": 1.0, "天津": 2.0, "河北": 0.5}
    assert any("decimal comma ',', from cells such as '12,5' in column 'x'" in n for n in panel.notes)


def test_semicolon_file_without_other_evidence_uses_the_decimal_comma(tmp_path):
    # only 3-decimal cells: with ';' the comma is the decimal mark (92,261 → 92.261)
    p = write(tmp_path, "eu3.csv", "unit;year;x\n北京;2020;92,261\n天津;2020;1,500\n")
    assert values(read_panel(p), "x") == {"北京": 92.261, "天津": 1.5}


def test_european_thousands_and_decimal_in_a_semicolon_file(tmp_path):
    # 1.234,5 = 1234.5; 12.345.678,25 = 12345678.25; -0,75 = -0.75
    p = write(tmp_path, "eu_thousands.csv", "unit;year;x\n北京;2020;1.234,5\n天津;2020;12.345.678,25\n河北;2020;-0,75\n")
    assert values(read_panel(p), "x") == {"北京": 1234.5, "天津": 12345678.25, "河北": -0.75}


def test_english_thousands_and_decimal_in_a_comma_file(tmp_path):
    # quoted "1,234.5" = 1234.5; "12,345,678" = 12345678; 0.25 stays 0.25
    p = write(tmp_path, "en.csv", 'unit,year,x\n北京,2020,"1,234.5"\n天津,2020,"12,345,678"\n河北,2020,0.25\n')
    assert values(read_panel(p), "x") == {"北京": 1234.5, "天津": 12345678.0, "河北": 0.25}


def test_point_with_three_decimals_in_a_comma_file_is_a_decimal_point(tmp_path):
    p = write(tmp_path, "pt.csv", "unit,year,x\n北京,2020,1.234\n天津,2020,2\n")
    assert values(read_panel(p), "x") == {"北京": 1.234, "天津": 2.0}


def test_declared_decimal_mark_settles_an_ambiguous_file(tmp_path):
    comma_file = write(tmp_path, "c.csv", 'unit,year,x\n北京,2020,"1,234"\n天津,2020,5\n')
    assert values(read_panel(comma_file, decimal="."), "x") == {"北京": 1234.0, "天津": 5.0}
    assert values(read_panel(comma_file, decimal=","), "x") == {"北京": 1.234, "天津": 5.0}
    semi_file = write(tmp_path, "s.csv", "unit;year;x\n北京;2020;1.234\n天津;2020;5\n")
    assert values(read_panel(semi_file, decimal=","), "x") == {"北京": 1234.0, "天津": 5.0}
    assert values(read_panel(semi_file, decimal="."), "x") == {"北京": 1.234, "天津": 5.0}


def test_declared_decimal_mark_refuses_cells_that_do_not_follow_it(tmp_path):
    p = write(tmp_path, "d.csv", "unit;year;x\n北京;2020;12.5\n天津;2020;5\n")
    with pytest.raises(DataError, match=r"column 'x', line 2 \(北京 2020\): '12.5' is not a number with a decimal comma"):
        read_panel(p, decimal=",")


def test_measure_scores_a_decimal_comma_file_like_the_same_file_with_points(run_cli, tmp_path):
    rows = [("北京", 2020, "12,5", "0,8"), ("天津", 2020, "92,261", "1,25"), ("河北", 2020, "3,25", "0,3"),
            ("北京", 2021, "13,5", "0,9"), ("天津", 2021, "90,5", "1,5"), ("河北", 2021, "4,75", "0,2")]
    eu = "unit;year;a;b\n" + "".join(f"{u};{y};{a};{b}\n" for u, y, a, b in rows)
    en = "unit,year,a,b\n" + "".join(f"{u},{y},{a.replace(',', '.')},{b.replace(',', '.')}\n" for u, y, a, b in rows)
    system = write(tmp_path, "s.yaml", (
        "id: s\nname: {zh: 甲, en: S}\ndimensions:\n  - id: d\n    name: {zh: 维, en: D}\n    indicators:\n"
        "      - {id: a, name: {zh: 甲, en: A}, column: a, unit: x, direction: '+'}\n"
        "      - {id: b, name: {zh: 乙, en: B}, column: b, unit: x, direction: '+'}\n"))
    for name, text in (("eu", eu), ("en", en)):
        res = run_cli("measure", write(tmp_path, f"{name}.csv", text), "--system", system, "--out", tmp_path / name)
        assert res.code == 0, res.err
    eu_scores = pd.read_csv(tmp_path / "eu" / "scores.csv")
    en_scores = pd.read_csv(tmp_path / "en" / "scores.csv")
    pd.testing.assert_frame_equal(eu_scores, en_scores)
    # 天津 leads both indicators in 2020 (a 92.261, b 1.25), so it ranks first whatever the weights
    assert eu_scores.set_index(["unit", "year"]).loc[("天津", 2020), "rank"] == 1


def test_vectorised_reader_agrees_with_the_per_cell_reader():
    """The vectorised plain-cell path against the pattern-based reader cell by cell (an independent oracle)."""
    rng = np.random.default_rng(7)
    alphabet = list("0123456789.,-+eE")
    cells = {"".join(rng.choice(alphabet, size=rng.integers(1, 9))) for _ in range(20000)}
    for x in rng.random(3000) * 10.0 ** rng.integers(0, 7, 3000):
        cells |= {f"{x:.3f}", f"{x:,.2f}", f"-{x:.0f}", f"{x:.1f}"}
    cells = np.array(sorted(cells), dtype=str)
    fast = _read_distinct(cells)
    slow = np.array([_read_both(str(c)) for c in cells])
    np.testing.assert_array_equal(fast, slow)  # NaN positions equal too
    assert _read_both("1.234") == (1.234, 1234.0) and _read_both("1,234") == (1234.0, 1.234)
    assert np.isnan(_read_both("12,5")[0]) and _read_both("12,5")[1] == 12.5


# --- refusals: exit 2 with the file, column, line or cell --------------------------------------------------

GBK = "北京".encode("gbk")
BAD_INPUT = [
    ("ambiguous_comma.csv", 'unit,year,x\n北京,2020,"1,234"\n天津,2020,5\n', [],
     r"column 'x' is ambiguous: '1,234' reads as 1234 with a decimal point and as 1\.234 with a decimal comma"),
    ("ambiguous_point.csv", "unit;year;x\n北京;2020;1.234\n天津;2020;5\n", [],
     r"column 'x' is ambiguous: '1\.234' reads as 1\.234 with a decimal point and as 1234 with a decimal comma"),
    ("ambiguous_tab.csv", "unit\tyear\tx\n北京\t2020\t2,500\n天津\t2020\t5\n", [],
     r"column 'x' is ambiguous: '2,500'.*tab-separated"),
    ("mixed_forms.csv", "unit;year;x\n北京;2020;1.234,5\n天津;2020;1,234.5\n", [],
     r"mixed decimal marks: column 'x' has '1,234\.5' and '1\.234,5'"),
    ("mixed_columns.csv", "unit;year;x;y\n北京;2020;12,5;0.5\n天津;2020;3;1\n", [],
     r"mixed decimal marks: column 'y' has '0\.5' but column 'x' has '12,5'"),
    ("unquoted_decimal_comma.csv", "unit,year,x\n北京,2020,12,5\n天津,2020,3,25\n", [],
     r"line 2 has 4 fields but the header has 3 \(numbers with a decimal comma in a comma-separated file\?"),
    ("not_decimal_comma.csv", "unit;year;x\n北京;2020;12.5\n天津;2020;5\n", ["--decimal", ","],
     r"'12\.5' is not a number with a decimal comma"),
    ("mixed_encodings.csv", "unit,year,x\n北京,2020,1\n".encode() + "天津,2020,2\n".encode("gbk")
     + "河北,2020,3\n".encode(), [], r"mixed encodings: line 2 is UTF-8 text but line 3 is not valid UTF-8"),
    ("bom_then_gbk.csv", b"\xef\xbb\xbfunit,year,x\n" + GBK + b",2020,1\n", [],
     r"starts with a UTF-8 byte-order mark but line 2 is not valid UTF-8"),
    ("neither_encoding.csv", b"unit,year,x\nA,2020,1\n\xff\xfe\xff,2020,2\n", [],
     r"cannot decode the file as UTF-8 or GBK: line 3 is not valid UTF-8 and line 3 is not valid GBK/GB18030"),
    ("nul_bytes.csv", b"unit,year,x\nA,2020,1\x00\n", [], r"line 2 contains NUL bytes"),
]


@pytest.mark.parametrize("name, content, options, message", BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_bad_input_is_refused_with_exit_2_and_a_named_cause(run_cli, tmp_path, name, content, options, message):
    path = write(tmp_path, name, content)
    res = run_cli("check-data", path, *options)
    assert res.code == 2, res.out
    assert re.search(message, res.err), res.err
    assert str(path) in res.err


def test_gbk_file_with_a_line_that_happens_to_be_ascii_is_still_gbk(tmp_path):
    text = "省份,年份,x\n北京,2020,1\nBeijing2,2020,2\n天津,2021,3\n"
    p = write(tmp_path, "gbk.csv", text.encode("gbk"))
    with pytest.raises(DataError, match=r"unknown province name\(s\) \['Beijing2'\]"):  # read as GBK, names intact
        read_panel(p)
    p = write(tmp_path, "gbk2.csv", text.replace("Beijing2", "河北").encode("gbk"))
    assert sorted(read_panel(p).unit_names) == ["北京", "天津", "河北"]


# --- not a regular file, too large -------------------------------------------------------------------------

def test_dev_zero_is_refused_at_once():
    proc = run_bounded("check-data", "/dev/zero")
    assert proc.returncode == 2, proc.stderr
    assert "/dev/zero: is a character device, not a regular file" in proc.stderr


def test_fifo_without_writer_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "panel.csv"
    os.mkfifo(fifo)
    proc = run_bounded("check-data", fifo)
    assert proc.returncode == 2, proc.stderr
    assert f"{fifo}: is a named pipe (FIFO), not a regular file" in proc.stderr


def test_huge_file_is_refused_by_its_size_before_reading(tmp_path):
    big = tmp_path / "big.csv"
    with big.open("wb") as fh:  # a sparse 500 MB file: no disk used, nothing worth reading
        fh.write(b"unit,year,x\n")
        fh.truncate(500_000_000)
    proc = run_bounded("measure", big, "--out", tmp_path / "out")
    assert proc.returncode == 2, proc.stderr
    assert f"{big}: the file is 500.0 MB, larger than the 50 MB limit for a panel" in proc.stderr
    assert "NQP_MAX_PANEL_MB" in proc.stderr


def test_size_limit_can_be_raised_and_lowered(tmp_path):
    rows = "".join(f"u{i},{2000 + j},{i * j}\n" for i in range(2000) for j in range(20))  # 40,000 rows
    p = write(tmp_path, "mid.csv", "unit,year,x\n" + rows)
    assert 600_000 < p.stat().st_size < 1_000_000
    proc = run_bounded("check-data", p, env={"NQP_MAX_PANEL_MB": "1"})
    assert proc.returncode == 0, proc.stderr
    small = write(tmp_path, "two.csv", "unit,year,x\n" + rows * 2)  # > 1 MB
    proc = run_bounded("check-data", small, env={"NQP_MAX_PANEL_MB": "1"})
    assert proc.returncode == 2 and "larger than the 1 MB limit" in proc.stderr
    proc = run_bounded("check-data", p, env={"NQP_MAX_PANEL_MB": "lots"})
    assert proc.returncode == 2 and "NQP_MAX_PANEL_MB='lots': must be a whole number of megabytes" in proc.stderr


# --- the command line --------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, code", [(("check-data", "provincial"), 141), (("measure", "provincial", "--years",
                                         "2012-2019", "--impute", "linear_nearest", "--exclude-units", "auto", "--out", "{tmp}"), 141),
                                         (("--help",), 0), (("measure", "--help"), 0)])
def test_closed_output_pipe_ends_quietly(tmp_path, args, code):
    """``nqp … | head``: the reader goes away; nqp stops with 141 (128 + SIGPIPE) and says nothing.
    (argparse itself ignores a failed write of --help and exits 0.)"""
    args = [a.format(tmp=tmp_path) for a in args]
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before nqp writes a byte
    try:
        proc = subprocess.run([str(Path(sys.executable).with_name("nqp")), *args], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=PROBE_TIMEOUT)
    finally:
        os.close(write_end)
    assert proc.returncode == code, proc.stderr
    assert proc.stderr == ""


def test_output_into_a_pipe_that_is_read_is_complete():
    proc = run_nqp_subprocess("check-data", "provincial")
    assert proc.returncode == 0 and "Errors: none" in proc.stdout


@pytest.mark.parametrize("draws, shown", [("9", "9"), ("100001", "100001"), ("many", "'many'")])
def test_uncertainty_draws_are_bounded_like_the_build(run_cli, draws, shown):
    res = run_cli("uncertainty", "provincial", "--draws", draws)
    assert res.code == 2
    assert f"argument --draws: must be a whole number from 10 to 100000, got {shown}" in res.err


def test_workbook_that_unpacks_beyond_the_limit_is_refused_before_parsing(tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 5_000_000 + b">")  # 5 MB of spaces, ~5 kB packed
    assert bomb.stat().st_size < 100_000
    proc = run_bounded("check-data", bomb, env={"NQP_MAX_PANEL_MB": "1"})
    assert proc.returncode == 2, proc.stderr
    assert f"{bomb}: the workbook unpacks to 5.0 MB, more than 4 × the 1 MB limit" in proc.stderr
