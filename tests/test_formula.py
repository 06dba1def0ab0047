"""The formula language (nqp_lib/formula.py): bounds, domain errors, unknown columns with suggestions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from nqp_lib import formula
from nqp_lib.errors import DataError, SystemDefinitionError
from nqp_lib.systems import system_from_dict


def _system(expr: str) -> dict:
    return {
        "id": "probe", "name": {"zh": "探针", "en": "Probe"},
        "dimensions": [{"id": "d", "name": {"zh": "维", "en": "D"}, "indicators": [
            {"id": "f", "name": {"zh": "公式", "en": "Formula"}, "formula": expr, "unit": "x", "direction": "+"},
            {"id": "g", "name": {"zh": "人口", "en": "Population"}, "column": "population_10k", "unit": "x",
             "direction": "+"},
        ]}],
    }


def _write(tmp_path, expr: str, name: str = "bad.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(_system(expr), allow_unicode=True), encoding="utf-8")
    return path


def test_a_thousand_term_formula_exits_2_naming_file_indicator_and_limit(run_cli, tmp_path):
    # today's evaluator recursed once per '+' and died with RecursionError (exit 1, "internal error")
    system = _write(tmp_path, " + ".join(["gdp_100m_yuan"] * 1000))
    r = run_cli("check-data", "provincial", "--system", system)
    assert r.code == 2
    assert "bad.yaml" in r.err and "indicator 'f'" in r.err
    assert f"it has 1,000 terms (column names and numbers); the limit is {formula.MAX_TERMS}" in r.err
    assert "internal error" not in r.err and len(r.err) < 600  # the formula is shortened in the message


def test_deep_nesting_is_refused_with_its_limit():
    # 150 nested calls: within the term limit (1 term), beyond the depth limit
    with pytest.raises(formula.FormulaError, match=f"nests operations 150 deep; the limit is {formula.MAX_DEPTH}"):
        formula.check("log(" * 150 + "a" + ")" * 150)
    # 5,000 unary minus signs exceed what Python's own parser can nest: a refusal, not RecursionError
    with pytest.raises(formula.FormulaError, match="nested too deeply to parse"):
        formula.check("-" * 5000 + "a")
    with pytest.raises(formula.FormulaError, match="characters; the limit is 20,000"):
        formula.check("a+" * 10_001 + "a")
    # at the limits it still evaluates: a chain of MAX_DEPTH '+' → MAX_DEPTH + 1 terms of 1.0
    frame = pd.DataFrame({"a": [1.0]})
    assert formula.evaluate(" + ".join(["a"] * (formula.MAX_DEPTH + 1)), frame)[0] == formula.MAX_DEPTH + 1


def test_log_of_a_negative_value_names_unit_year_indicator_and_value(tmp_path):
    spec = _system("log(a - 3)")
    spec["dimensions"][0]["indicators"][1]["column"] = "a"
    s = system_from_dict(spec, "probe.yaml")
    # a - 3 = [2, -1, nan]: 甲 2020 is fine (log 2), 乙 2021 has a value (2) whose argument is -1
    panel = pd.DataFrame({"unit": ["甲", "乙", "丙"], "year": [2020, 2021, 2021], "a": [5.0, 2.0, np.nan]})
    with pytest.raises(DataError) as info:
        s.matrix(panel)
    msg = str(info.value)
    assert "indicator 'f'" in msg and "log(a - 3) needs values > 0 but its argument is -1" in msg
    assert "unit 乙, year 2021 (a = 2)" in msg and "refused rather than left missing" in msg
    # the missing source cell (丙) stays missing, it is not an error: without 乙 the matrix is computed
    ok = s.matrix(panel[panel["unit"] != "乙"])
    assert ok["f"].iloc[0] == pytest.approx(math.log(2)) and math.isnan(ok["f"].iloc[1])


@pytest.mark.parametrize("expr, words", [
    ("sqrt(a - 6)", "sqrt(a - 6) needs values ≥ 0 but its argument is -1"),  # 5 - 6
    ("log(a - 5)", "log(a - 5) needs values > 0 but its argument is 0"),  # log(0) = -inf is refused too
    ("(a - 6) ** 0.5", "(a - 6) ** 0.5 is undefined"),  # (-1) ** 0.5 is NaN in floating point
    ("(a - 5) / (a - 5)", "(a - 5) / (a - 5) is undefined"),  # 0 / 0
])
def test_undefined_values_are_errors_not_missing(expr, words):
    frame = pd.DataFrame({"unit": ["甲"], "year": [2020], "a": [5.0]})
    with pytest.raises(DataError, match="unit 甲, year 2020 \\(a = 5\\)") as info:
        formula.evaluate(expr, frame, label="x.yaml: indicator 'f'")
    assert words in str(info.value) and "x.yaml: indicator 'f'" in str(info.value)


def test_x_over_zero_stays_inf_for_the_caller_to_report():
    assert np.isinf(formula.evaluate("a / (a - 5)", pd.DataFrame({"a": [5.0]}))[0])


def test_unknown_column_in_a_formula_names_file_indicator_column_and_close_matches(run_cli, tmp_path):
    system = _write(tmp_path, "gdp_100m_yuan / popluation_10k", name="typo.yaml")
    r = run_cli("check-data", "provincial", "--system", system)
    assert r.code == 2
    assert "typo.yaml" in r.err and "f needs popluation_10k (did you mean 'population_10k'?)" in r.err


def test_unknown_column_in_evaluate_suggests_close_matches():
    frame = pd.DataFrame({"population_10k": [1.0], "gdp_100m_yuan": [2.0]})
    with pytest.raises(SystemDefinitionError,
                       match=r"sys.yaml: indicator 'f': formula 'gdp_100m_yuan / popluation_10k' uses unknown column "
                             r"'popluation_10k' \(did you mean 'population_10k'\?\)"):
        formula.evaluate("gdp_100m_yuan / popluation_10k", frame, label="sys.yaml: indicator 'f'")


def test_names_and_values():
    assert formula.names("log(a) + b * 2 - sqrt(abs(c))") == {"a", "b", "c"}
    frame = pd.DataFrame({"a": [math.e, 1.0], "b": [0.5, 2.0], "c": [-16.0, 4.0]})
    # row 1: log e + 0.5·2 − √16 = 1 + 1 − 4 = −2 ; row 2: log 1 + 2·2 − √4 = 0 + 4 − 2 = 2
    assert formula.evaluate("log(a) + b * 2 - sqrt(abs(c))", frame).tolist() == pytest.approx([-2.0, 2.0])


def test_the_data_layer_does_not_import_the_systems_layer():
    import ast
    from pathlib import Path

    data_dir = Path(formula.__file__).parent / "data"
    imports = {}
    for path in data_dir.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports[path.name] = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert len(imports) > 10
    assert not {name for name, mods in imports.items() if any(m.startswith("nqp_lib.systems") for m in mods)}
    assert "nqp_lib.formula" in imports["national.py"] | imports["panelspec.py"]
