"""The provincial panel: shape, sources, derived indicators against hand computation from the raw tables."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import raw_csv_rows
from nqp_lib.data import provincial_panel
from nqp_lib.data.panel import column_catalogue
from nqp_lib.data.panelspec import load_panel_spec
from nqp_lib.errors import DataError


def cell(panel, unit, year, col):
    f = panel.frame
    return float(f.loc[(f["unit"] == unit) & (f["year"] == year), col].iloc[0])


@pytest.fixture(scope="module")
def eps_rows(shared_data):
    rows = raw_csv_rows(shared_data / "nqp_spatial_development_panel/nqp_panel_raw_2011_2023.csv")
    return {(r["省份"], int(r["年份"])): r for r in rows}


@pytest.fixture(scope="module")
def st_rows(shared_data):
    rows = raw_csv_rows(shared_data / "techme_cn_st_yearbook/techme_st_yearbook_long.csv")
    return {(r["dataset"], r["variables"], r["province"], int(r["year"])): r["value"] for r in rows}


def test_shape_and_keys(panel):
    f = panel.frame
    assert len(f) == 31 * 13 and f["unit"].nunique() == 31
    assert panel.years == list(range(2011, 2024))
    assert not f.duplicated(["unit", "year"]).any()
    assert set(column_catalogue()) == set(panel.variables)
    assert [p.resource for p in panel.provenance] == ["st_yearbook_long", "eps_provincial_panel", "ceads_provincial_co2"]


def test_every_column_has_unit_and_labels(panel):
    for name, info in panel.columns.items():
        assert info.unit and info.zh and info.en, name


def test_base_values_come_from_the_right_source(panel, eps_rows, st_rows, shared_data):
    # Total R&D (S&T yearbook) vs industrial-enterprise R&D (EPS): Beijing 2012 = 1063.4 vs 197.3 亿元.
    assert cell(panel, "北京", 2012, "rd_exp_100m_yuan") == 1063.4
    assert cell(panel, "北京", 2012, "industrial_rd_exp_10k_yuan") == pytest.approx(1973442.3)
    assert cell(panel, "北京", 2012, "rd_exp_100m_yuan") == float(st_rows[("RDIntense", "v4_ztr_jf_RD", "北京", 2012)])
    assert cell(panel, "广东", 2020, "gdp_100m_yuan") == float(eps_rows[("广东", 2020)]["GDP（亿元）"])
    ceads = {(r["province"], int(r["year"])): float(r["co2_mt"]) for r in raw_csv_rows(
        shared_data / "ceads_co2_openclimate/ceads_provincial_co2_1998_2019.csv")}
    assert cell(panel, "上海", 2019, "co2_mt") == ceads[("上海", 2019)]


@pytest.mark.parametrize(
    "unit, year, column, hand",
    [
        # rd_fte_per_10k_pop = R&D FTE / population(10k) — Beijing 2012: 235,493 person-years / 2,078 (10k) = 113.3268
        ("北京", 2012, "rd_fte_per_10k_pop", 235493 / 2078),
        # invention grants per 10k people — Beijing 2012: 20,140 / 2,078 = 9.6920
        ("北京", 2012, "invention_grants_per_10k_pop", 20140 / 2078),
        # education share of budget — Beijing 2012: 628.651 / 3685.3076 × 100 = 17.0583 %
        ("北京", 2012, "education_exp_share_pct", 628.651 / 3685.3076 * 100),
        # tech market turnover / GDP — Beijing 2011: 18,902,752.02 万元 / (16,251.93 亿元 × 1e4) × 100 = 11.6311 %
        ("北京", 2011, "tech_market_gdp_pct", 18902752.02 / (16251.93 * 1e4) * 100),
        # energy intensity — Beijing 2011: 6,995.39789 万tce / 16,251.93 亿元 = 0.43044 tce per 10k yuan
        ("北京", 2011, "energy_intensity_tce_per_10k_yuan", 6995.39789 / 16251.93),
        # CO2 intensity — Beijing 2011: 95.310817 Mt × 1e6 t / (16,251.93 × 1e8 yuan / 1e4) = 0.58646 t per 10k yuan
        ("北京", 2011, "co2_intensity_t_per_10k_yuan", 95.310817e6 / (16251.93e8 / 1e4)),
        # telecom per person — Beijing 2011: 436.29 亿元 × 1e8 / (2,024 × 1e4 persons) = 2,155.58 yuan
        ("北京", 2011, "telecom_per_capita_yuan", 436.29e8 / 2024e4),
    ],
)
def test_derived_against_hand_computation(panel, unit, year, column, hand):
    assert cell(panel, unit, year, column) == pytest.approx(hand, rel=1e-9)


def test_derived_against_raw_tables_everywhere(panel, eps_rows, st_rows):
    """Students per 10k and R&D FTE per 10k for all 403 cells, recomputed from the raw CSV text."""
    f = panel.frame.set_index(["unit", "year"])
    for (unit, year), row in eps_rows.items():
        students = float(row["在校学生数（人）"]) / float(row["总人口（万人）"])
        assert f.at[(unit, year), "students_per_10k_pop"] == pytest.approx(students, rel=1e-12)
        fte = float(st_rows[("RDLaborHour", "v4_zh_qsdl_hj", unit, year)]) / float(row["总人口（万人）"])
        assert f.at[(unit, year), "rd_fte_per_10k_pop"] == pytest.approx(fte, rel=1e-12)


def test_missing_cells_stay_missing(panel):
    assert math.isnan(cell(panel, "北京", 2020, "energy_10k_tce"))  # energy series ends 2019
    assert math.isnan(cell(panel, "西藏", 2015, "co2_mt"))  # CEADs has no Tibet
    assert math.isnan(cell(panel, "上海", 2017, "hightech_revenue_100m_yuan"))  # yearbook gap 2017
    assert math.isnan(cell(panel, "北京", 2020, "energy_intensity_tce_per_10k_yuan"))  # derived inherits the gap
    assert panel.frame["energy_10k_tce"].isna().sum() == 4 * 31 + 9  # 2020–23 all, plus Tibet 2011–19


def test_derived_formulas_only_use_panel_columns(panel):
    for name in [d.name for d in load_panel_spec("provincial").derived]:
        assert np.isfinite(panel.frame[name].dropna()).all(), name


def test_year_selection(panel):
    sub = provincial_panel(years=(2015, 2016))
    assert sub.years == [2015, 2016] and len(sub.frame) == 62
    with pytest.raises(DataError, match="covers 2011–2023"):
        provincial_panel(years=(2005, 2016))


def test_panel_is_a_fresh_copy_each_time():
    a = provincial_panel()
    a.frame.loc[0, "gdp_100m_yuan"] = -1.0
    assert provincial_panel().frame.loc[0, "gdp_100m_yuan"] > 0


def test_impute_on_panel_flags_cells(panel):
    filled = panel.impute("nearest", columns=["energy_10k_tce"])
    flags = filled.flags
    bj2021 = (filled.frame["unit"] == "北京") & (filled.frame["year"] == 2021)
    # nearest observed year for Beijing 2021 is 2019
    assert filled.frame.loc[bj2021, "energy_10k_tce"].iloc[0] == cell(panel, "北京", 2019, "energy_10k_tce")
    assert flags.loc[bj2021, "energy_10k_tce"].iloc[0]
    assert int(flags["energy_10k_tce"].sum()) == 4 * 30  # 2020–23 for 30 provinces; Tibet has nothing to copy
    assert filled.frame["energy_10k_tce"].isna().sum() == 13  # Tibet stays missing


#: The 21 derived columns as the Python code computed them before they became data (data/panels/provincial.yaml),
#: with the same order of operations, so equality is exact: an independent oracle for the formula evaluator.
OLD_DERIVED = {
    "rd_fte_per_10k_pop": lambda f: f.rd_fte_person_years / f.population_10k,
    "researchers_per_10k_pop": lambda f: f.rd_researchers_fte / f.population_10k,
    "students_per_10k_pop": lambda f: f.higher_edu_students / f.population_10k,
    "rd_exp_per_capita_yuan": lambda f: f.rd_exp_100m_yuan * 1e4 / f.population_10k,
    "basic_research_share_pct": lambda f: f.rd_basic_research_10k_yuan / f.rd_internal_exp_10k_yuan * 100,
    "enterprise_rd_share_pct": lambda f: f.rd_enterprise_funds_10k_yuan / f.rd_internal_exp_10k_yuan * 100,
    "education_exp_share_pct": lambda f: f.fiscal_education_exp_100m_yuan / f.fiscal_total_exp_100m_yuan * 100,
    "sci_tech_exp_share_pct": lambda f: f.fiscal_sci_tech_exp_100m_yuan / f.fiscal_total_exp_100m_yuan * 100,
    "invention_grants_per_10k_pop": lambda f: f.invention_patent_grants / f.population_10k,
    "valid_invention_patents_per_10k_pop": lambda f: f.valid_invention_patents / f.population_10k,
    "sci_papers_per_10k_pop": lambda f: f.sci_papers / f.population_10k,
    "tech_market_gdp_pct": lambda f: f.tech_market_turnover_10k_yuan / (f.gdp_100m_yuan * 1e4) * 100,
    "hightech_revenue_gdp_pct": lambda f: f.hightech_revenue_100m_yuan / f.gdp_100m_yuan * 100,
    "software_revenue_gdp_pct": lambda f: f.software_revenue_100m_yuan / f.gdp_100m_yuan * 100,
    "ecommerce_gdp_pct": lambda f: f.ecommerce_sales_100m_yuan / f.gdp_100m_yuan * 100,
    "telecom_per_capita_yuan": lambda f: f.telecom_business_100m_yuan * 1e4 / f.population_10k,
    "trade_gdp_pct": lambda f: f.trade_100m_yuan / f.gdp_100m_yuan * 100,
    "pollution_invest_gdp_permille": lambda f: f.pollution_invest_100m_yuan / f.gdp_100m_yuan * 1000,
    "energy_intensity_tce_per_10k_yuan": lambda f: f.energy_10k_tce / f.gdp_100m_yuan,
    "co2_intensity_t_per_10k_yuan": lambda f: f.co2_mt * 100 / f.gdp_100m_yuan,
    "co2_per_capita_t": lambda f: f.co2_mt * 100 / f.population_10k,
}


def test_derived_columns_from_the_description_equal_the_old_code_exactly(panel):
    spec = load_panel_spec("provincial")
    assert [d.name for d in spec.derived] == list(OLD_DERIVED)  # 21, in the old order
    for name, old in OLD_DERIVED.items():
        expected = old(panel.frame).to_numpy(dtype=float)
        assert np.array_equal(panel.frame[name].to_numpy(), expected, equal_nan=True), name
    # telecom relative to the all-province level, by hand for 2011: (t_i / p_i) / (Σt / Σp) over both observed
    f = panel.frame[panel.frame["year"] == 2011]
    level = f["telecom_business_100m_yuan"].sum() / f["population_10k"].sum()
    bj = f[f["unit"] == "北京"].iloc[0]
    assert bj["telecom_per_capita_rel"] == pytest.approx((436.29 / 2024.0) / level, rel=1e-12)  # 北京 2011
    assert bj["telecom_business_100m_yuan"] == 436.29 and bj["population_10k"] == 2024.0 and level > 0


def test_column_order_and_metadata_follow_the_description(panel):
    cat = column_catalogue()
    assert panel.variables[:3] == ["rd_exp_100m_yuan", "rd_intensity_pct", "rd_internal_exp_10k_yuan"]
    assert panel.variables[-22:-21] == ["telecom_per_capita_rel"] and panel.variables[-1] == "co2_per_capita_t"
    assert cat["rd_exp_100m_yuan"].detail == "RDIntense/v4_ztr_jf_RD" and cat["rd_exp_100m_yuan"].unit == "100m yuan"
    assert cat["population_10k"].detail == "总人口（万人）" and cat["population_10k"].source == "eps_provincial_panel"
    assert cat["students_per_10k_pop"].maximum == 10000 and cat["students_per_10k_pop"].source == "derived"
    assert panel.unit_kind == "province" and len(panel.notes) == 4


def _spec_text(**changes):
    import yaml

    from nqp_lib.data.panelspec import PANELS_DIR

    spec = yaml.safe_load((PANELS_DIR / "provincial.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        spec["derived"][key] = value
    return yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)


def test_a_mistyped_column_in_the_description_is_named_with_close_matches(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(_spec_text(gdp_per_person={"formula": "gdp_100m_yuan / popluation_10k", "unit": "x",
                                               "zh": "甲", "en": "A"}), encoding="utf-8")
    with pytest.raises(DataError, match=r"mine.yaml: derived column 'gdp_per_person': formula "
                                        r"'gdp_100m_yuan / popluation_10k' uses unknown column 'popluation_10k' "
                                        r"\(did you mean 'population_10k'\?\)"):
        load_panel_spec(path)


def test_a_derived_log_of_a_negative_value_is_an_error_not_a_missing_cell(panel, tmp_path):
    from nqp_lib.data.panel import assemble

    path = tmp_path / "mine.yaml"
    path.write_text(_spec_text(log_gdp={"formula": "log(gdp_100m_yuan - 1000)", "unit": "x", "zh": "甲", "en": "A"}),
                    encoding="utf-8")
    spec = load_panel_spec(path)
    with pytest.raises(DataError, match=r"mine.yaml: derived column 'log_gdp': .* at unit 西藏, year 2011 "
                                        r"\(gdp_100m_yuan = 605\.83\)"):
        assemble(spec, (2011,))


def test_a_derived_column_is_one_entry_in_the_description(tmp_path):
    from nqp_lib.data.panel import assemble

    path = tmp_path / "mine.yaml"
    path.write_text(_spec_text(gdp_pc_check={"formula": "gdp_100m_yuan * 1e4 / population_10k",
                                             "unit": "yuan per person", "zh": "人均GDP", "en": "GDP per person"}),
                    encoding="utf-8")
    p = assemble(load_panel_spec(path), (2011,))
    assert p.variables[-1] == "gdp_pc_check" and p.columns["gdp_pc_check"].detail == "gdp_100m_yuan * 1e4 / population_10k"
    # 北京 2011: 16,251.93 亿元 × 1e4 / 2,024 万人 = 80,296.09 yuan per person
    assert cell(p, "北京", 2011, "gdp_pc_check") == pytest.approx(16251.93 * 1e4 / 2024, rel=1e-12)
    assert cell(p, "北京", 2011, "gdp_pc_check") == pytest.approx(80296.09, abs=0.01)
