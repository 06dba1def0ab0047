"""The six recommendations as levers on a system, and the obstacle diagnosis by unit, group and recommendation."""

from __future__ import annotations

import numpy as np
import pytest
from measure_fixtures import frame_from, make_system

from nqp_lib.errors import ParameterError
from nqp_lib.measure.index import measure
from nqp_lib.measure.recommendations import diagnosis, diagnosis_facts, lever_table, reach, recommendations_of
from nqp_lib.systems import load_system

# a (benefit) and c (cost) in two dimensions, b (benefit) in alpha; tags: a → 1, 5; b → 5; c → 2
SYSTEM = make_system({"alpha": ["a", "b"], "gamma": ["c"]}, {"c": "-"}, conditions={"a": [1, 5], "b": [5], "c": [2]})
# one year, four units; equal weights ⅓ each
FRAME = frame_from([[10.0, 1.0, 4.0], [20.0, 3.0, 2.0], [30.0, 2.0, 2.5], [20.0, 2.0, 3.0]], ["a", "b", "c"])
GROUPS = {"u0": "N", "u1": "N", "u2": "S", "u3": "S"}


def test_lever_table_maps_recommendations_to_tagged_indicators_and_keeps_gaps():
    res = measure(SYSTEM, FRAME, weights="equal")
    table = lever_table(SYSTEM, res)
    assert table[table["recommendation"] == 5]["indicator"].tolist() == ["a", "b"]
    assert table[table["recommendation"] == 2][["indicator", "dimension", "direction"]].values.tolist() == [["c", "gamma", -1]]
    # recommendations 3, 4 and 6 have no indicator here: one empty row each, not left out
    for r in (3, 4, 6):
        assert table[table["recommendation"] == r]["indicator"].isna().all()
    assert len(table) == 1 + 1 + 1 + 1 + 2 + 1  # recommendations 1…6
    re = reach(SYSTEM, res).set_index("recommendation")
    assert re.loc[5, "indicators"] == 2 and re.loc[5, "dimensions"] == ("alpha",)
    assert re.loc[5, "weight_share"] == pytest.approx(2 / 3) and re.loc[1, "weight_share"] == pytest.approx(1 / 3)
    assert re.loc[6, "indicators"] == 0 and re.loc[6, "weight_share"] == 0.0
    assert np.isnan(reach(SYSTEM)["weight_share"]).all()  # no fitted index: no weights
    assert recommendations_of(SYSTEM) == {"a": (1, 5), "b": (5,), "c": (2,)}


def test_diagnosis_by_hand():
    res = measure(SYSTEM, FRAME, weights="equal")
    d = diagnosis(res, GROUPS)
    # x'_a = (0, .5, 1, .5), x'_b = (0, 1, .5, .5), x'_c = (4 − c)/2 = (0, 1, .75, .5); w = ⅓ each
    # u3: gaps (.5, .5, .5) → O = (⅓, ⅓, ⅓); u2: gaps (0, .5, .25) → O = (0, ⅔, ⅓)
    top = d.top("indicator", "u2", 2020, 3)
    assert top["item"].tolist() == ["b", "c", "a"] and top["obstacle"].tolist() == pytest.approx([2 / 3, 1 / 3, 0])
    # recommendation 5 acts on a and b: u2 R_5 = 0 + ⅔; recommendation 1 on a only: 0; 2 on c: ⅓
    rec = d.top("recommendation", "u2", 2020, 6).set_index("item")["obstacle"]
    assert rec.to_dict() == pytest.approx({5: 2 / 3, 2: 1 / 3, 1: 0.0})
    # group S = mean of u2 and u3: a (0 + ⅓)/2 = ⅙, b (⅔ + ⅓)/2 = ½, c ⅓
    s = d.top("indicator", "S", 2020, 3, by="group").set_index("item")
    assert s["obstacle"].to_dict() == pytest.approx({"b": 0.5, "c": 1 / 3, "a": 1 / 6})
    assert (s["n_units"] == 2).all()
    dims = d.top("dimension", "S", 2020, 2, by="group").set_index("item")["obstacle"]
    assert dims.to_dict() == pytest.approx({"alpha": 2 / 3, "gamma": 1 / 3})
    assert any("[3, 4, 6]" in n for n in d.notes)


def test_diagnosis_facts_over_years():
    frame = frame_from([[10.0, 1.0, 4.0], [20.0, 3.0, 2.0], [12.0, 2.0, 3.0], [22.0, 3.0, 1.0]], ["a", "b", "c"],
                       units=["u0", "u1"] * 2, years=[2020, 2020, 2021, 2021])
    res = measure(SYSTEM, frame, weights="equal")
    d = diagnosis(res)
    f = diagnosis_facts(d, "u0", 2021)
    series = d.series("dimension", "u0")
    top = d.top("indicator", "u0", 2021, 1).iloc[0]
    assert (f.indicator, f.indicator_share) == (top["item"], pytest.approx(top["obstacle"]))
    assert f.first_year == 2020 and f.dimension_share_first == pytest.approx(series.loc[2020, f.dimension])
    assert f.indicator_recommendations == recommendations_of(SYSTEM)[f.indicator]
    with pytest.raises(ParameterError, match="without groups"):
        d.top("indicator", "N", 2021, by="group")
    with pytest.raises(ParameterError, match="no unit"):
        d.top("indicator", "u9", 2021)


def test_shipped_system_without_enterprise_indicators_says_so():
    system = load_system("tech_green_digital")
    re = reach(system).set_index("recommendation")
    assert re.loc[6, "indicators"] == 0 and re.loc[1, "indicators"] == 4
