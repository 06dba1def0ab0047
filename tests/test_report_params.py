"""Report parameters: parsing the parameters cell, and refusing bad overrides before anything runs."""

from __future__ import annotations

import pytest

from nqp_lib.errors import ParameterError
from nqp_lib.report.build import plan
from nqp_lib.report.params import parse_parameters, validate_overrides

CELL = '''from typing import Literal

lang: Literal["zh", "en"] = "zh"  # language
year_from: int = 2012  # first year
ratio: float = 0.5  # a share
flag: bool = False
'''


def test_parse_parameters_reads_types_choices_defaults_and_help():
    specs = {s.name: s for s in parse_parameters(CELL)}
    assert specs["lang"].choices == ("zh", "en") and specs["lang"].default == "zh" and specs["lang"].help == "language"
    assert (specs["year_from"].type, specs["year_from"].default) == ("int", 2012)
    assert specs["ratio"].coerce("0.25") == 0.25 and specs["ratio"].coerce(1) == 1.0
    assert specs["flag"].coerce("true") is True and specs["flag"].help == ""


@pytest.mark.parametrize(
    "cell, message",
    [
        ("x = 1\n", r"write parameters as 'name: type = default"),
        ("x: list = []\n", r"annotation must be str, int, float, bool or Literal"),
        ("x: int = 'a'\n", r"default of parameter 'x' must be int"),
        ("x: int = f(1)\n", r"the default must be a literal value"),
        ("x: Literal['a', 1] = 'a'\n", r"Literal choices must all be"),
    ],
)
def test_parse_parameters_rejects_untyped_cells(cell, message):
    with pytest.raises(ParameterError, match=message):
        parse_parameters(cell)


def test_overrides_are_checked_with_suggestions():
    specs = {"00_overview": parse_parameters(CELL)}
    with pytest.raises(ParameterError, match=r"unknown parameter 'lnag'; did you mean 'lang'\?"):
        validate_overrides(specs, {"lnag": "en"})
    with pytest.raises(ParameterError, match=r"parameter 'year_from' must be int, got 'abc'"):
        validate_overrides(specs, {"year_from": "abc"})
    with pytest.raises(ParameterError, match=r"parameter 'lang' must be one of 'zh', 'en'; got 'ch'"):
        validate_overrides(specs, {"lang": "ch"})
    assert validate_overrides(specs, {"year_from": "2015"})["00_overview"]["year_from"] == 2015


@pytest.mark.parametrize(
    "args, message",
    [
        (["-p", "lnag", "en"], r"unknown parameter 'lnag'; did you mean 'lang'\?"),
        (["-p", "weights", "entrpy"], r"must be one of .*'entropy'.*; got 'entrpy' \(did you mean 'entropy'\?\)"),
        (["-p", "year_from", "twenty"], r"parameter 'year_from' must be int, got 'twenty'"),
        (["-p", "focus", "Atlantis"], r"parameter 'focus' = 'Atlantis' is not a unit of panel 'provincial'"),
        (["-p", "year_from", "2005"], r"year_from ≤ year_to ≤ 2023"),
        (["-p", "system", "nope.yaml"], r"parameter 'system' = 'nope.yaml'.*does not exist"),
        (["-p", "panel", "missing.csv"], r"parameter 'panel' = 'missing.csv'.*file not found"),
        (["nosuchsection"], r"unknown section 'nosuchsection'"),
        (["overveiw"], r"unknown section 'overveiw'; did you mean 'overview'\?"),
        (["--jobs", "0"], r"--jobs must be at least 1"),
        (["-p", "impute", "none"], r"the index cannot be measured with .*impute=none.*missing cells"),
        (["-p", "weights", "fixed"], r"the index cannot be measured with weights=fixed"),
        (["-p", "normalise", "zscore"], r"entropy weighting needs non-negative"),
        (["-p", "seed", "-1"], r"parameter 'seed' must be a whole number ≥ 0"),
        (["methods", "-p", "draws", "0"], r"parameter 'draws' must be a whole number from 10 to 100000"),
        (["--lang", "en", "-p", "lang", "zh"], r"--lang en contradicts -p lang zh"),
    ],
)
def test_build_refuses_bad_parameters_before_running(run_cli, tmp_path, args, message):
    import re

    out = tmp_path / "out"
    res = run_cli("build", *args, "--out", out, "--quiet")
    assert res.code == 2, res.out + res.err
    assert re.search(message, res.err), res.err
    assert not (out / "index.html").exists()  # nothing was built


def test_params_file_with_section_block(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("lang: en\nsections:\n  methods: {draws: 50}\n", encoding="utf-8")
    sections, values = plan(["overview", "methods"], {}, f)
    assert values["00_overview"]["lang"] == "en" and values["04_methods"]["draws"] == 50
    f.write_text("sections:\n  overview: {draws: 50}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"section 00_overview: unknown parameter 'draws'"):
        plan(["overview"], {}, f)
    f.write_text("sections:\n  methods: {draws: 50}\n", encoding="utf-8")
    _, values = plan(["overview"], {}, f)  # a block for a section not being built is ignored
    assert list(values) == ["00_overview"]
    f.write_text("sections:\n  method: {draws: 50}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"unknown section\(s\) \['method'\]"):
        plan(["overview"], {}, f)


def test_lang_option_must_agree_with_lang_parameter():
    with pytest.raises(ParameterError, match=r"--lang en contradicts -p lang zh"):
        plan(["overview"], {"lang": "zh"}, None, lang="en")


def test_relative_panel_and_system_paths_become_absolute(tmp_path, monkeypatch):
    from nqp_lib.data.panel import provincial_panel

    provincial_panel().frame.to_csv(tmp_path / "panel.csv", index=False)
    monkeypatch.chdir(tmp_path)
    _, values = plan(["overview"], {"panel": "panel.csv"})
    assert values["00_overview"]["panel"] == str(tmp_path / "panel.csv")


@pytest.mark.parametrize("where", ["notebooks", "."])
def test_out_may_not_overwrite_the_source_notebooks(run_cli, where):
    from nqp_lib.report.sections import notebooks_dir

    target = notebooks_dir() if where == "notebooks" else notebooks_dir().parent
    res = run_cli("build", "overview", "--out", target, "--quiet")
    assert res.code == 2 and "would overwrite the source notebooks" in res.err


def test_out_that_is_a_file_is_a_clear_error(run_cli, tmp_path):
    (tmp_path / "f").write_text("x")
    res = run_cli("build", "overview", "--out", tmp_path / "f", "--quiet")
    assert res.code == 2 and "exists and is not a directory" in res.err
    res = run_cli("build", "overview", "--out", tmp_path / "f" / "sub", "--quiet")
    assert res.code == 2 and "is not a directory" in res.err


def test_lang_option_and_cli_parameters_override_the_file(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("lang: en\nseed: 7\n", encoding="utf-8")
    _, values = plan(["overview"], {"seed": "9"}, f, lang="zh")
    assert values["00_overview"]["lang"] == "zh" and values["00_overview"]["seed"] == 9


def test_nqp_params_lists_types_defaults_and_help(run_cli):
    res = run_cli("params", "methods")
    assert res.code == 0
    assert "draws" in res.out and "'zh' | 'en'" in res.out and "default 'entropy'" in res.out
    assert "Monte Carlo draws" in res.out


def test_nqp_serve_starts_jupyterlab_on_the_notebooks(run_cli, monkeypatch):
    import subprocess

    calls = []
    monkeypatch.setattr(subprocess, "call", lambda cmd: calls.append(cmd) or 0)
    res = run_cli("serve", "--no-browser", "--port", "8123")
    assert res.code == 0 and "Live mode" in res.out
    cmd = calls[0]
    assert cmd[1] == "lab" and "--port=8123" in cmd and "--no-browser" in cmd
    assert any(c.startswith("--notebook-dir=") and c.endswith("notebooks") for c in cmd)
