"""The panel's unit kind and the nouns the report uses for it."""

import pytest

from nqp_lib.data.unitkind import kind_from_column, noun, unit_kinds
from nqp_lib.data.userpanel import read_panel
from nqp_lib.errors import ParameterError


def test_nouns_by_kind_and_language():
    assert noun("province", "zh") == "省份"
    assert noun("province", "en", plural=True) == "provinces"
    assert noun("country", "en") == "economy" and noun("country", "en", plural=True) == "economies"
    assert noun("city", "zh", plural=True) == "城市"
    assert noun("other", "en", override={"en": "district", "en_plural": "districts"}, plural=True) == "districts"
    assert set(unit_kinds()) >= {"province", "city", "county", "country", "other"}
    with pytest.raises(ParameterError, match="not a unit kind.*province"):
        noun("planet", "en")


@pytest.mark.parametrize("column, kind", [("Country", "country"), ("城市", "city"), ("county", "county"),
                                          ("unit", "other"), ("省份", "province")])
def test_kind_from_key_column(column, kind):
    assert kind_from_column(column) == kind


def test_user_panel_kind_from_key_column_and_units(tmp_path):
    cities = tmp_path / "cities.csv"
    cities.write_text("city,year,x\nLyon,2020,1\nLyon,2021,2\nNantes,2020,3\nNantes,2021,4\n", encoding="utf-8")
    assert read_panel(cities).unit_kind == "city"
    countries = tmp_path / "countries.csv"
    countries.write_text("country,year,x\nFrance,2020,1\nJapan,2020,2\n", encoding="utf-8")
    p = read_panel(countries)
    assert p.unit_kind == "country" and set(p.frame["unit"]) == {"France", "Japan"}
    provinces = tmp_path / "p.csv"  # a neutral key column, but every unit is a province
    provinces.write_text("unit,year,x\nBeijing,2020,1\nGuangdong,2020,2\n", encoding="utf-8")
    assert read_panel(provinces).unit_kind == "province"
