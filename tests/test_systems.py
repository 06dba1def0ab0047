"""Indicator systems: the shipped ones cover the panel; malformed ones fail with the file and key named."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from nqp_lib.errors import DataError, SystemDefinitionError
from nqp_lib.formula import evaluate as evaluate_formula
from nqp_lib.systems import CONDITIONS, FEATURES, load_system, shipped_systems, system_from_dict


def test_shipped_systems_are_the_three_promised():
    # two for the provincial panel, one for the international panel (panel=international)
    assert shipped_systems() == ["international", "tech_green_digital", "three_elements"]


def test_international_system_fits_the_international_panel_and_uses_the_three_elements():
    from nqp_lib.data.userpanel import open_panel

    s = load_system("international")
    assert [d.id for d in s.dimensions] == ["laborers", "objects", "means"]
    s.check_columns(open_panel("international").frame.columns, where="international panel")
    assert {i.id for i in s.indicators if i.direction < 0} == {"energy_intensity"}
    assert {f for i in s.indicators for f in i.features} == set(FEATURES)


def test_three_elements_structure():
    s = load_system("three_elements")
    assert [d.id for d in s.dimensions] == ["laborers", "objects", "means"]
    assert [d.name_zh for d in s.dimensions] == ["新劳动者", "新劳动对象", "新劳动资料"]
    assert len(s.indicators) >= 18 and all(len(d.indicators) >= 5 for d in s.dimensions)
    used = {f for i in s.indicators for f in i.features}
    assert used == set(FEATURES)  # every key feature is evidenced by some indicator
    assert {c for i in s.indicators for c in i.conditions} == set(CONDITIONS)
    for ind in s.indicators:
        assert ind.rationale and ind.unit and ind.features and ind.conditions, ind.id


def test_tech_green_digital_structure():
    s = load_system("tech_green_digital")
    assert [d.name_zh for d in s.dimensions] == ["科技生产力", "绿色生产力", "数字生产力"]
    assert "卢江" in s.reference and "30(3)" in s.reference
    green = s.dimension("green")
    assert all("green" in i.features for i in green.indicators)
    assert s.name_en == "Technological, green and digital productivity"


@pytest.mark.parametrize("name", ["three_elements", "tech_green_digital"])
def test_shipped_system_covers_the_panel(name, panel):
    s = load_system(name)
    m = s.matrix(panel.frame)
    assert list(m.columns) == ["unit", "year", *s.indicator_ids]
    # 2013–2019: every indicator observed for at least 30 of the 31 provinces, except the one yearbook gap year
    counts = m[m["year"].between(2013, 2019)].groupby("year")[s.indicator_ids].count()
    gaps = {("hightech_revenue_gdp", 2017), ("pollution_invest_gdp", 2018)}
    for year, row in counts.iterrows():
        for ind, n in row.items():
            if (ind, year) not in gaps:
                assert n >= 29, (ind, year, n)
    # directions: cost indicators are exactly the energy/CO2 ones
    assert {i.id for i in s.indicators if i.direction < 0} <= {"energy_intensity", "co2_intensity", "co2_per_capita"}


def test_matrix_evaluates_formulas_and_flags_inf():
    spec = _minimal()
    spec["dimensions"][0]["indicators"][0] = {**spec["dimensions"][0]["indicators"][0], "column": None}
    del spec["dimensions"][0]["indicators"][0]["column"]
    spec["dimensions"][0]["indicators"][0]["formula"] = "a / b * 100"
    s = system_from_dict(spec, "f.yaml")
    frame = pd.DataFrame({"unit": ["x", "y"], "year": [2020, 2020], "a": [1.0, 3.0], "b": [4.0, 6.0]})
    assert s.matrix(frame)["i1"].tolist() == [25.0, 50.0]
    frame.loc[0, "b"] = 0.0
    with pytest.raises(DataError, match=r"indicator 'i1' \(a / b \* 100\) is infinite for 1 unit-years"):
        s.matrix(frame)


def test_formulas_are_arithmetic_only():
    f = pd.DataFrame({"a": [4.0]})
    assert evaluate_formula("sqrt(a) + 2 ** 3 - -1", f)[0] == 11.0
    for bad in ("__import__('os')", "a.real", "a[0]", "lambda: 1", "a if a else 1"):
        with pytest.raises(SystemDefinitionError, match="not allowed|not a valid expression"):
            evaluate_formula(bad, f)


def _minimal():
    return {
        "id": "mini",
        "name": {"zh": "小", "en": "Mini"},
        "dimensions": [
            {
                "id": "d1",
                "name": {"zh": "维一", "en": "D1"},
                "indicators": [
                    {"id": "i1", "name": {"zh": "指标一", "en": "I1"}, "column": "a", "unit": "%", "direction": "+"},
                ],
            }
        ],
    }


def _write(tmp_path, text):
    p = tmp_path / "system.yaml"
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


GOOD_HEAD = """\
id: mini
name: {zh: 小, en: Mini}
dimensions:
  - id: d1
    name: {zh: 维一, en: D1}
    indicators:
"""


@pytest.mark.parametrize(
    "body, message",
    [
        ("      - {id: i1, name: {zh: a, en: a}, column: a, unit: '%', direction: up}\n",
         r"indicator 'i1': 'direction' must be '\+' \(benefit\) or '-' \(cost\), got 'up'"),
        ("      - {id: i1, name: {zh: a, en: a}, column: a, unit: '%', direction: '+'}\n"
         "      - {id: i1, name: {zh: b, en: b}, column: b, unit: '%', direction: '+'}\n",
         r"duplicate indicator id 'i1'"),
        ("      - {id: i1, name: {zh: a, en: a}, column: a, unit: '%', direction: '+', weight: heavy}\n",
         r"indicator 'i1': 'weight' must be a non-negative number, got 'heavy'"),
        ("      - {id: i1, name: {zh: a, en: a}, column: a, unit: '%', direction: '+', colour: red}\n",
         r"indicator 'i1': unknown key\(s\) \['colour'\]"),
        ("      - {id: i1, name: {zh: a, en: a}, unit: '%', direction: '+'}\n",
         r"give exactly one of 'column' or 'formula'"),
        ("      - {id: i1, name: {zh: a, en: a}, column: a, direction: '+'}\n", r"'unit' is required"),
        ("      - {id: i1, name: {zh: a, en: a}, column: a, unit: {zh: 元}, direction: '+'}\n",
         r"'unit' as a mapping needs exactly zh and en"),
        ("      - {id: i1, name: {zh: a, en: a}, column: a, unit: {zh: 元, en: ''}, direction: '+'}\n",
         r"'unit' as a mapping needs exactly zh and en"),
        ("      - {id: i1, name: {zh: a, en: a}, column: a, unit: '%', direction: '+', features: [cheap]}\n",
         r"'features' must be a list drawn from"),
        ("      - {id: i1, name: {zh: a, en: a}, column: a, unit: '%', direction: '+', conditions: [7]}\n",
         r"'conditions' must be a list of numbers 1–6"),
        ("      - {id: i1, name: {zh: a, en: a}, formula: 'open(a)', unit: '%', direction: '+'}\n",
         r"formula 'open\(a\)'"),
        ("      - {id: 1x, name: {zh: a, en: a}, column: a, unit: '%', direction: '+'}\n", r"'id' must be an identifier"),
        ("      - {id: i1, name: {zh: a, en: A, B}, column: a, unit: '%', direction: '+'}\n",
         r"must have exactly the keys zh and en"),
        ("      []\n", r"dimension 'd1': 'indicators' is empty"),
        ("      - {id: i1, name: {zh: a, en: a}, column: a, unit: '%', direction: ['+']}\n", r"'direction' must be"),
        ("      - {id: i1, name: {zh: a, en: a}, column: a, unit: '%', direction: '+', features: [[green]]}\n",
         r"'features' must be a list drawn from"),
        ("      - {id: i1, name: {zh: a, en: a}, column: a, unit: '%', direction: '+', conditions: [[1]]}\n",
         r"'conditions' must be a list of numbers 1–6"),
        ("      - {id: i1, name: {zh: a, en: a}, formula: 'a + 1e999', unit: '%', direction: '+'}\n",
         r"too large"),
    ],
)
def test_malformed_system_names_file_and_key(tmp_path, body, message):
    text = GOOD_HEAD + body if not body.strip() == "[]" else GOOD_HEAD.replace("    indicators:\n", "    indicators: []\n")
    path = _write(tmp_path, text)
    with pytest.raises(SystemDefinitionError, match=message) as exc:
        load_system(path)
    assert str(path) in str(exc.value)


def test_weights_all_or_none(tmp_path):
    path = _write(tmp_path, GOOD_HEAD
        + "      - {id: i1, name: {zh: a, en: a}, column: a, unit: '%', direction: '+', weight: 1}\n"
        + "      - {id: i2, name: {zh: b, en: b}, column: b, unit: '%', direction: '+'}\n")
    with pytest.raises(SystemDefinitionError, match=r"dimension 'd1': give a 'weight' to every indicator"):
        load_system(path)


def test_not_yaml_and_missing_file(tmp_path):
    path = _write(tmp_path, "id: [unclosed\n")
    with pytest.raises(SystemDefinitionError, match=r"system.yaml: not valid YAML at line"):
        load_system(path)
    with pytest.raises(SystemDefinitionError, match=r"does not exist"):
        load_system(tmp_path / "nope.yaml")
    with pytest.raises(SystemDefinitionError, match=r"unknown indicator system 'nope'.*three_elements"):
        load_system("nope")


def test_unknown_column_names_the_indicator(tmp_path):
    s = system_from_dict(_minimal(), "mini.yaml")
    frame = pd.DataFrame({"unit": ["x"], "year": [2020], "b": [1.0]})
    with pytest.raises(SystemDefinitionError, match=r"does not fit the panel: i1 needs a\. Columns available: b"):
        s.matrix(frame)


def test_fixed_weights_read_from_the_file():
    s = load_system("three_elements")
    ind_w, dim_w = s.fixed_weights()
    assert ind_w is None  # the shipped system sets dimension weights only
    assert dim_w.sum() == pytest.approx(1.0) and np.allclose(dim_w, 1 / 3)


def test_formula_dividing_by_a_zero_constant_is_reported_not_raised():
    f = pd.DataFrame({"unit": ["x"], "year": [2020], "a": [1.0]})
    assert np.isinf(evaluate_formula("a * (1 / 0)", f)[0])  # becomes the 'infinite' DataError in matrix()
    assert np.isinf(evaluate_formula("a + 10 ** 400", f)[0])  # overflow too: no OverflowError escapes


def test_units_in_both_languages(tmp_path):
    s = load_system("three_elements")
    gdp = s.indicator("gdp_per_capita")
    assert (gdp.unit, gdp.unit_in("en"), gdp.unit_in("zh")) == ("yuan per person", "yuan per person", "元/人")
    share = s.indicator("education_exp_share")  # one text serves both languages
    assert share.unit_in("zh") == share.unit_in("en") == "%"
    assert all(i.unit_zh for i in s.indicators if i.unit != "%")  # every shipped unit but % has a Chinese text


def test_the_readme_system_example_loads(tmp_path):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"Write an indicator system.*?```yaml\n(.*?)```", readme, re.S).group(1)
    s = load_system(_write(tmp_path, block))
    rd = s.indicator("rd")
    assert (s.id, rd.column, rd.unit, rd.unit_in("zh"), rd.conditions) == (
        "my_system", "rd_intensity_pct", "% of GDP", "%（占GDP）", (1, 3))
