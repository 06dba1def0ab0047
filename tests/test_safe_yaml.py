"""Users' YAML read safely (nqp_lib/safe_yaml.py): alias bombs, deep nesting, non-UTF-8 bytes, size → exit 2.

The command-line probes run nqp in a subprocess under a memory and CPU limit (``resource.setrlimit`` in
``preexec_fn``), so a regression that expands a billion-item document fails the test instead of taking the
machine down.
"""

from __future__ import annotations

import resource
import time

import pytest
import yaml
from conftest import run_nqp_subprocess

from nqp_lib import safe_yaml
from nqp_lib.errors import ParameterError
from nqp_lib.report.params import read_params_file
from nqp_lib.systems import load_system

MEMORY_LIMIT = 3 * 1024**3  # address space: enough for nqp and pandas, far below a billion-item list
CPU_SECONDS = 60

SYSTEM_HEAD = """\
id: probe
name: {zh: 探针, en: Probe}
dimensions:
  - id: d
    name: {zh: 维, en: D}
    indicators:
      - {id: g, name: {zh: 人口, en: Population}, column: population_10k, unit: x, direction: "+"}
"""


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def _run(*args):
    t0 = time.monotonic()
    r = run_nqp_subprocess(*args, preexec_fn=_bounded, timeout=120)
    return r, time.monotonic() - t0


def laughs(levels: int = 9) -> str:
    """The "billion laughs" list: level k holds nine aliases of level k−1, so level 9 expands to 9⁹ ≈ 3.9e8 items."""
    rows = ['  - &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    rows += [f"  - &l{k} [" + ", ".join([f"*l{k - 1}"] * 9) + "]" for k in range(1, levels + 1)]
    return "\n".join(rows) + "\n"


def test_billion_laughs_in_a_systems_notes_exits_2_fast(tmp_path):
    system = tmp_path / "laughs.yaml"
    system.write_text(SYSTEM_HEAD + "notes:\n" + laughs(), encoding="utf-8")
    r, seconds = _run("check-data", "provincial", "--system", system)
    assert r.returncode == 2, r.stderr[-2000:]
    assert f"indicator system {system}: refused: its aliases expand to more than 100,000 values" in r.stderr
    assert "Traceback" not in r.stderr and "MemoryError" not in r.stderr
    assert seconds < 60  # today: a minute of expansion, then MemoryError


def test_yaml_nested_ten_thousand_deep_exits_2(tmp_path):
    system = tmp_path / "deep.yaml"
    system.write_text(SYSTEM_HEAD + "notes: " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")
    r, _ = _run("check-data", "provincial", "--system", system)
    assert r.returncode == 2, r.stderr[-2000:]
    assert f"refused: nested more than {safe_yaml.MAX_DEPTH} levels deep (line 8" in r.stderr
    assert "RecursionError" not in r.stderr and "Traceback" not in r.stderr


def test_non_utf8_params_file_exits_2_naming_the_byte(tmp_path):
    params = tmp_path / "params.yaml"
    # line 1 is ASCII; line 2 has "中文" in GBK: 0xd6 0xd0 0xce 0xc4, the first at offset 9 + 7 = 16
    params.write_bytes(b"lang: en\ntitle: " + "中文".encode("gbk") + b"\n")
    r, _ = _run("build", "-f", params, "--out", tmp_path / "out", "01_connotation")
    assert r.returncode == 2, r.stderr[-2000:]
    assert f"params file {params}: not UTF-8 text: byte 0xd6 at offset 16 (line 2, column 8)" in r.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*.html"))


def test_alias_bomb_in_a_params_file_is_refused(tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("lang: en\nbomb:\n" + laughs(), encoding="utf-8")
    with pytest.raises(ParameterError, match="params file .*refused: its aliases expand to more than 100,000 values"):
        read_params_file(params)


def test_a_few_aliases_still_work(tmp_path):
    # anchors for shared settings are ordinary YAML: 2 aliases of a 3-key mapping → 1 + 3 keys + … well within bounds
    params = tmp_path / "params.yaml"
    params.write_text("sections:\n  a: &s {draws: 99, lang: en}\n  b: *s\n", encoding="utf-8")
    assert read_params_file(params) == ({}, {"a": {"draws": 99, "lang": "en"}, "b": {"draws": 99, "lang": "en"}})


def test_an_alias_inside_its_own_anchor_is_refused():
    with pytest.raises(ParameterError, match="an alias refers to its own anchor"):
        safe_yaml.loads("a: &x [1, *x]", "cycle.yaml", "params file", ParameterError)


def test_too_many_aliases_and_too_large_files(tmp_path):
    many = "a: &x 1\nb: [" + ", ".join(["*x"] * (safe_yaml.MAX_ALIASES + 1)) + "]\n"
    with pytest.raises(ParameterError, match=f"more than {safe_yaml.MAX_ALIASES} aliases"):
        safe_yaml.loads(many, "many.yaml", "grid file", ParameterError)
    big = tmp_path / "big.yaml"
    big.write_text("notes: '" + "x" * safe_yaml.MAX_BYTES + "'\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=f"has {safe_yaml.MAX_BYTES + 10:,} bytes; the limit is 1,000,000"):
        safe_yaml.load_yaml(big, "grid file", ParameterError)


def test_shipped_systems_still_load_and_bom_is_accepted(tmp_path):
    shipped = load_system("three_elements")
    copy = tmp_path / "bom.yaml"
    copy.write_bytes(b"\xef\xbb\xbf" + shipped.path.read_bytes())
    assert load_system(copy).indicator_ids == shipped.indicator_ids
    assert yaml.safe_load(shipped.path.read_text(encoding="utf-8")) == safe_yaml.load_yaml(shipped.path)


def test_sweep_grid_files_go_through_the_same_reader(tmp_path):
    from nqp_lib.report.sweep.grid import read_grid

    grid = tmp_path / "sweep.yaml"
    grid.write_text("over:\n  normalise: [minmax, zscore]\nparams:\n  deep: " + "[" * 100 + "]" * 100 + "\n",
                    encoding="utf-8")
    with pytest.raises(ParameterError, match=f"grid file {grid}: refused: nested more than {safe_yaml.MAX_DEPTH}"):
        read_grid(grid)
    grid.write_bytes(b"over:\n  lang: [en, \xff]\n")
    # "over:" plus newline is 6 bytes and "  lang: [en, " 13: the bad byte is at offset 19, line 2, column 14
    with pytest.raises(ParameterError, match="not UTF-8 text: byte 0xff at offset 19 \\(line 2, column 14\\)"):
        read_grid(grid)
