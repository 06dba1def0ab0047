"""Compound (CAGR) vs simple average growth: the textbook case, a hand panel, refusals."""

from __future__ import annotations

import math

import pytest

from nqp_lib.disparity.growth import compound_rate, growth, growth_by_unit, simple_rate
from nqp_lib.errors import DataError, MethodError


def test_textbook_case():
    # 0.3026 → 0.8747 over nine years: ratio 0.8747/0.3026 = 2.890615
    # compound: 2.890615^(1/9) = exp(1.061469/9) = exp(0.117941) = 1.125178 → 12.5% a year
    # simple:   (2.890615 − 1)/9 = 1.890615/9 = 0.210068 → "21%" a year
    assert compound_rate(0.3026, 0.8747, 9) == pytest.approx(0.125178, abs=1e-6)
    assert simple_rate(0.3026, 0.8747, 9) == pytest.approx(0.210068, abs=1e-6)
    assert f"{compound_rate(0.3026, 0.8747, 9):.1%}" == "12.5%"
    assert f"{simple_rate(0.3026, 0.8747, 9):.0%}" == "21%"
    g = growth(0.3026, 0.8747, 9)
    # compounding the compound rate nine times gives back the end value; compounding the simple rate
    # overshoots it almost twofold: 0.3026 · 1.210068⁹ = 0.3026 · 5.562742 = 1.683286
    assert 0.3026 * (1 + g.compound) ** 9 == pytest.approx(0.8747, rel=1e-12)
    assert 0.3026 * (1 + g.simple) ** 9 == pytest.approx(1.683286, abs=1e-6)
    assert g.total == pytest.approx(1.890615, abs=1e-6)


def test_growth_by_unit_by_hand():
    # a: 1 → 4 over 2 years: compound sqrt(4) − 1 = 1.0, simple (4 − 1)/2 = 1.5
    # b: 2 → 2: both 0;  c: only 2021, left out;  mean of a, b: 1.5 → 3: compound sqrt(2) − 1, simple 0.5
    g = growth_by_unit([1, 2, 5, 4, 2, 3], ["a", "b", "c", "a", "b", "x"], [2021, 2021, 2021, 2023, 2023, 2022])
    t = g.table.set_index("unit")
    assert t.loc["a", "compound"] == pytest.approx(1.0) and t.loc["a", "simple"] == pytest.approx(1.5)
    assert t.loc["b", "compound"] == 0 and t.loc["b", "simple"] == 0
    assert set(t.index) == {"a", "b"} and g.options["left_out"] == 1
    assert g.mean.first == 1.5 and g.mean.last == 3.0
    assert g.mean.compound == pytest.approx(math.sqrt(2) - 1) and g.mean.simple == pytest.approx(0.5)
    assert g.options["periods"] == 2


def test_growth_refusals():
    with pytest.raises(MethodError, match="first value must be positive"):
        compound_rate(0.0, 1.0, 3)
    with pytest.raises(MethodError, match="periods must be positive"):
        simple_rate(1.0, 2.0, 0)
    with pytest.raises(MethodError, match="positive first value; a have 0"):
        growth_by_unit([0.0, 1.0], ["a", "a"], [2020, 2021])
    with pytest.raises(MethodError, match="must come after"):
        growth_by_unit([1.0, 2.0], ["a", "a"], [2020, 2021], start=2021, end=2020)
    with pytest.raises(DataError, match="no value in period 2019"):
        growth_by_unit([1.0, 2.0], ["a", "a"], [2020, 2021], start=2019)
    with pytest.raises(DataError, match="whole numbers"):
        growth_by_unit([1.0, 2.0], ["a", "a"], ["early", "late"])
