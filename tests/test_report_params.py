"""Report parameters: parsing the parameters cell, and refusing bad overrides before anything runs."""

from __future__ import annotations

import pytest

from nqp_lib.errors import ParameterError
from nqp_lib.report.build.plan import plan
from nqp_lib.report.parameters import Parameter
from nqp_lib.report.params import validate_overrides

SPECS = [
    Parameter("lang", "str", "zh", "language", choices_from=lambda: ("zh", "en")),
    Parameter("year_from", "int", 2012, "first year"),
    Parameter("ratio", "float", 0.5, "a share"),
    Parameter("flag", "bool", False, "a switch"),
]


def test_parameters_carry_types_choices_defaults_and_help():
    specs = {s.name: s for s in SPECS}
    assert specs["lang"].choices == ("zh", "en") and specs["lang"].default == "zh" and specs["lang"].help == "language"
    assert (specs["year_from"].type, specs["year_from"].default) == ("int", 2012)
    assert specs["ratio"].coerce("0.25") == 0.25 and specs["ratio"].coerce(1) == 1.0
    assert specs["flag"].coerce("true") is True and specs["flag"].help == "a switch"


@pytest.mark.parametrize(
    "args, message",
    [
        (("x", "list", [], "help"), r"type must be one of str, int, float, bool"),
        (("x", "int", "a", "help"), r"the default must be int"),
        (("x", "float", float("nan"), "help"), r"the default must be a literal value"),
        (("x", "int", 1, ""), r"give one line of help"),
        (("x y", "int", 1, "help"), r"the name must be a Python identifier"),
    ],
)
def test_bad_declarations_are_refused(args, message):
    with pytest.raises(ParameterError, match=message):
        Parameter(*args)


def test_choices_of_mixed_types_are_refused():
    with pytest.raises(ParameterError, match=r"choices must all be str"):
        Parameter("x", "str", "a", "help", choices_from=lambda: ("a", 1)).choices


def test_overrides_are_checked_with_suggestions():
    specs = {"00_overview": SPECS}
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


# ----------------------------------------------------------------------------- the declarations


def test_choices_come_from_the_engines_registries_and_defaults_match_the_engines():
    from nqp_lib.data.impute import METHODS
    from nqp_lib.data.regions import GROUPINGS
    from nqp_lib.measure import AGGREGATORS, NORMALISERS, WEIGHTERS, MeasureOptions
    from nqp_lib.measure.options import SCOPES
    from nqp_lib.report.parameters import shared

    assert shared("normalise").choices == tuple(NORMALISERS) and shared("aggregate").choices == tuple(AGGREGATORS)
    assert shared("weights").choices == tuple(WEIGHTERS) and shared("scope").choices == tuple(SCOPES)
    assert shared("impute").choices == tuple(METHODS) and shared("grouping").choices is None  # the panel decides
    assert set(GROUPINGS) == {"region4", "belt3"}
    engine = MeasureOptions()
    for name in ("weights", "aggregate", "scope", "normalise"):
        assert shared(name).default == getattr(engine, name), name
    # the report fills gaps by default (the shipped panel has them); the engine does not
    assert (shared("impute").default, engine.impute) == ("linear_nearest", "none")


@pytest.mark.parametrize("value", ["entropy+critic", "critic+pca", "entropy+critic+std", "std+equal"])
def test_weights_accept_any_combination_the_engine_accepts(value):
    from nqp_lib.measure.weights import weights_spec
    from nqp_lib.report.parameters import shared

    assert shared("weights").coerce(value) == value == weights_spec(value)


@pytest.mark.parametrize("value, message", [
    ("entropy+critc", r"got 'entropy\+critc' \(did you mean 'entropy\+critic'\?\)"),
    ("entropy+entropy", r"parameter 'weights': 'entropy\+entropy' names a method twice"),
    ("entropy+", r"parameter 'weights' must be one of .*; got 'entropy\+'$"),
])
def test_weights_refused_through_the_engines_parser(value, message):
    from nqp_lib.report.parameters import shared

    with pytest.raises(ParameterError, match=message):
        shared("weights").coerce(value)


def test_setup_checks_the_notebooks_namespace_as_nqp_build_does():
    """In JupyterLab the parameters cell's values reach setup(section, globals()): bounds and choices are
    checked there too (04_methods once declared draws without passing it, so its bound went unchecked)."""
    from nqp_lib.report.context import setup
    from nqp_lib.report.parameters import for_section

    namespace = {p.name: p.default for p in for_section("methods")}
    with pytest.raises(ParameterError, match=r"parameter 'draws' must be a whole number from 10 to 100000, got 5"):
        setup("methods", {**namespace, "draws": 5})
    with pytest.raises(ParameterError, match=r"parameter 'weights' must be one of .*got 'entrpy'"):
        setup("methods", {**namespace, "weights": "entrpy"})
    with pytest.raises(ParameterError, match=r"parameter 'draws' is not set; run the parameters cell first"):
        setup("methods", {k: v for k, v in namespace.items() if k != "draws"})
    with pytest.raises(ParameterError, match=r"section overview: unknown parameter 'draws'"):
        setup("overview", draws=50)
    ctx = setup("methods", {**namespace, "draws": "50", "lang": "en", "unrelated": object()})
    assert ctx.settings.extra["draws"] == 50 and "unrelated" not in ctx.settings.extra and ctx.lang == "en"


def test_nqp_params_markdown_is_the_readme_table(run_cli):
    from conftest import ROOT

    res = run_cli("params", "--markdown")
    assert res.code == 0
    assert "| `weights` | str | `entropy` |" in res.out and "Only in the `methods` section:" in res.out
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- nqp params --markdown -->\n", "<!-- end of nqp params --markdown -->"
    assert readme[readme.index(start) + len(start):readme.index(end)].strip() == res.out.strip(), (
        "README's parameter table differs from `nqp params --markdown`; paste the command's output between the markers")


def test_build_refuses_a_notebook_whose_parameters_cell_was_edited(tmp_path, monkeypatch):
    import json
    import shutil

    from conftest import ROOT

    d = tmp_path / "nbs"
    d.mkdir()
    shutil.copy(ROOT / "notebooks" / "00_overview.ipynb", d / "00_overview.ipynb")
    nb = json.loads((d / "00_overview.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    cell["source"] = "".join(cell["source"]).replace('lang: str = "zh"', 'lang: str = "en"')
    (d / "00_overview.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    monkeypatch.setenv("NQP_NOTEBOOKS", str(d))
    with pytest.raises(ParameterError, match=r"the parameters cell differs from the declarations.*-p NAME VALUE"):
        plan(None, {})
