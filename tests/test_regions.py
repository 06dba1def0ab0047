"""The regions table, groupings, tile map and contiguity."""

from __future__ import annotations

import pandas as pd

from nqp_lib.data.regions import canonical_province, contiguity_matrix, load_regions, neighbours


def test_31_provinces_each_in_exactly_one_nbs_region():
    r = load_regions()
    assert len(r) == 31 and r["code"].is_unique and r["name_zh"].is_unique
    # NBS: East 10, Central 6, West 12, Northeast 3
    assert r["region4"].value_counts().to_dict() == {"West": 12, "East": 10, "Central": 6, "Northeast": 3}
    assert set(r.loc[r["region4"] == "Northeast", "name_zh"]) == {"辽宁", "吉林", "黑龙江"}
    assert set(r.loc[r["region4"] == "Central", "name_zh"]) == {"山西", "安徽", "江西", "河南", "湖北", "湖南"}
    # three belts: Eastern 11, Central 8, Western 12
    assert r["belt3"].value_counts().to_dict() == {"Western": 12, "Eastern": 11, "Central": 8}
    assert (r["code"] % 10000 == 0).all() and r["code"].is_monotonic_increasing


def test_tile_positions_are_unique_and_roughly_geographic():
    r = load_regions().set_index("name_zh")
    assert not r[["tile_row", "tile_col"]].duplicated().any()
    assert r.at["黑龙江", "tile_row"] < r.at["广东", "tile_row"] < r.at["海南", "tile_row"]  # north above south
    assert r.at["新疆", "tile_col"] < r.at["上海", "tile_col"]  # west left of east


def test_contiguity_symmetric_with_hainan_linked_to_guangdong():
    w = contiguity_matrix()
    assert w.shape == (31, 31) and (w.to_numpy() == w.to_numpy().T).all()
    assert neighbours("海南") == ["广东"]
    assert "海南" in neighbours("广东")
    assert set(neighbours("北京")) == {"天津", "河北"}
    assert (w.sum(axis=1) > 0).all()
    assert int(w.to_numpy().sum()) == 138  # 69 shared borders, counted both ways


def test_canonical_province_accepts_common_spellings():
    assert canonical_province("Inner Mongolia") == "内蒙古"
    assert canonical_province("内蒙古自治区") == "内蒙古"
    assert canonical_province("110000") == "北京"
    assert canonical_province(110000.0) == "北京"
    assert canonical_province("guangdong") == "广东"
    assert canonical_province("Atlantis") is None


def test_two_digit_gb_codes_name_provinces():
    from nqp_lib.data.regions import canonical_province

    # GB/T 2260: 440000 is Guangdong, so its two-digit prefix 44 is too; 11 Beijing, 65 Xinjiang
    assert canonical_province("44", two_digit=True) == canonical_province(440000) == "广东"
    assert canonical_province(11, two_digit=True) == "北京" and canonical_province("65", two_digit=True) == "新疆"
    assert canonical_province("99", two_digit=True) is None and canonical_province("4", two_digit=True) is None
    assert canonical_province("44") is None  # a panel's unit keys are not read as two-digit codes


def test_focus_given_as_a_two_digit_code_is_accepted():
    from nqp_lib.report.context import check_settings

    assert check_settings(focus="44").focus == "广东"
