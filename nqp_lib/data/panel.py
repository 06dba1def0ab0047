"""The provincial panel: 31 provinces × 2011–2023, tidy (one row per province-year, one column per variable).

Assembled from three sources, each read through :func:`nqp_lib.data.package.load`:

* the China Statistical Yearbook on Science and Technology (``st_yearbook_long``): total R&D expenditure
  and intensity, R&D personnel, basic research, patents, technology-market flows, high-tech industry,
  public budget by function;
* the NBS/EPS provincial panel (``eps_provincial_panel``): population, GDP, higher-education enrolment,
  digital finance, telecom, e-commerce, software, trade, pollution-control investment, industrial
  structure, urbanisation, energy. Its R&D columns cover industrial enterprises above designated size only
  and are kept under ``industrial_rd_*`` names; total R&D comes from the S&T yearbook;
* CEADs provincial CO2 inventories (``ceads_provincial_co2``), 30 provinces (no Tibet) to 2019.

Derived indicators (per 10k people, per GDP, shares, intensities) are computed here from the base columns
with the same arithmetic formula language the indicator systems use, each with its unit. Missing cells stay
missing; :meth:`Panel.impute` is the separate, named step that fills them and flags every filled cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from nqp_lib.data.impute import Imputation, impute
from nqp_lib.data.package import Provenance, load, resource_path
from nqp_lib.data.regions import province_names
from nqp_lib.errors import DataError
from nqp_lib.systems import evaluate_formula

YEARS = tuple(range(2011, 2024))


@dataclass(frozen=True)
class ColumnInfo:
    """Metadata of one panel column."""

    name: str
    unit: str
    zh: str
    en: str
    source: str  # resource name, or "derived"
    detail: str = ""  # source variable, or the formula
    maximum: float | None = None  # plausibility bound checked after assembly

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


# (column, dataset, variable code, expected unit, zh, en)
_ST = [
    ("rd_exp_100m_yuan", "RDIntense", "v4_ztr_jf_RD", "亿元", "R&D经费内部支出", "R&D expenditure (all sectors)"),
    ("rd_intensity_pct", "RDIntense", "v4_ztr_qd_RD", "%", "R&D经费投入强度", "R&D intensity (R&D / GDP)"),
    ("rd_internal_exp_10k_yuan", "RDActivity", "v4_zh_nbzc_hj", "万元", "R&D经费内部支出（按活动类型合计）", "R&D expenditure, total by activity"),
    ("rd_basic_research_10k_yuan", "RDActivity", "v4_zh_nbzc_jcyj", "万元", "基础研究经费", "Basic research expenditure"),
    ("rd_gov_funds_10k_yuan", "RDSource", "v4_zh_nbzc_zfzj", "万元", "R&D经费中政府资金", "R&D funded by government"),
    ("rd_enterprise_funds_10k_yuan", "RDSource", "v4_zh_nbzc_qyzj", "万元", "R&D经费中企业资金", "R&D funded by enterprises"),
    ("rd_fte_person_years", "RDLaborHour", "v4_zh_qsdl_hj", "人年", "R&D人员全时当量", "R&D personnel, full-time equivalent"),
    ("rd_researchers_fte", "RDLaborHour", "v4_zh_qsdl_yjry", "人年", "R&D研究人员全时当量", "R&D researchers, full-time equivalent"),
    ("patent_applications", "RDPatentAccept", "v4_cg_zlsq_hj", "件", "专利申请受理数", "Patent applications"),
    ("invention_patent_applications", "RDPatentAccept", "v4_cg_zlsq_fm", "件", "发明专利申请受理数", "Invention patent applications"),
    ("patent_grants", "RDPatentAuthority", "v4_cg_zlsq2_hj", "件", "专利申请授权数", "Patent grants"),
    ("invention_patent_grants", "RDPatentAuthority", "v4_cg_zlsq2_fm", "件", "发明专利授权数", "Invention patent grants"),
    ("valid_invention_patents", "RDPatentValid", "v4_cg_zlsyx_fm", "件", "有效发明专利数", "Valid invention patents"),
    ("tech_market_outflow_10k_yuan", "MarketPush", "v4_cg_jssc_je", "万元", "技术市场成交额（技术输出地域）", "Technology contracts sold (by seller region)"),
    ("tech_market_inflow_10k_yuan", "MarketPull", "v4_cg_jssr_je", "万元", "技术市场成交额（技术吸纳地域）", "Technology contracts bought (by buyer region)"),
    ("hightech_enterprises", "IndustryOperation", "v4_cy_scjy_qys", "个", "高技术产业企业数", "High-tech industry enterprises"),
    ("hightech_revenue_100m_yuan", "IndustryOperation", "v4_cy_scjy_zyyw", "亿元", "高技术产业营业收入", "High-tech industry revenue"),
    ("sci_papers", "RDPaperInternational", "v4_cg_gwlw_pssci", "篇", "SCI收录科技论文数", "Papers indexed in SCI"),
    ("fiscal_total_exp_100m_yuan", "PublicBudget", "v6_cz_yszc_hj", "亿元", "一般公共预算支出", "General public budget expenditure"),
    ("fiscal_education_exp_100m_yuan", "PublicBudget", "v6_cz_yszc_jy", "亿元", "教育支出", "Public spending on education"),
    ("fiscal_sci_tech_exp_100m_yuan", "PublicBudget", "v6_cz_yszc_kxjs", "亿元", "科学技术支出", "Public spending on science and technology"),
]
_ST_UNITS = {"亿元": "100m yuan", "万元": "10k yuan", "%": "%", "人年": "person-years", "件": "patents", "个": "enterprises", "篇": "papers"}

# (column, EPS header, unit, zh, en)
_EPS = [
    ("population_10k", "总人口（万人）", "10k persons", "年末常住人口", "Year-end resident population"),
    ("gdp_100m_yuan", "GDP（亿元）", "100m yuan", "地区生产总值", "Gross regional product (current prices)"),
    ("gdp_per_capita_yuan", "人均地区生产总值（元）", "yuan per person", "人均地区生产总值", "GDP per capita"),
    ("disposable_income_pc_yuan", "居民人均可支配收入（元）", "yuan per person", "居民人均可支配收入", "Disposable income per capita"),
    ("higher_edu_students", "在校学生数（人）", "persons", "普通高等学校在校学生数", "Students in higher education"),
    ("pku_dfiic_index", "数字普惠金融总指数", "index points", "数字普惠金融指数", "Digital financial inclusion index (PKU-DFIIC)"),
    ("telecom_business_100m_yuan", "电信业务总量（亿元）", "100m yuan", "电信业务总量", "Telecom business volume"),
    ("ecommerce_sales_100m_yuan", "电子商务销售额（亿元）", "100m yuan", "电子商务销售额", "E-commerce sales"),
    ("software_revenue_100m_yuan", "软件产品收入（亿元）", "100m yuan", "软件产品收入", "Software product revenue"),
    ("tech_market_turnover_10k_yuan", "技术市场成交额（万元）", "10k yuan", "技术市场成交额", "Technology market turnover"),
    ("trade_100m_yuan", "货物进出口金额（亿人民币）", "100m yuan", "货物进出口总额", "Goods imports and exports"),
    ("pollution_invest_100m_yuan", "工业污染治理完成投资（亿元）", "100m yuan", "工业污染治理完成投资", "Investment in industrial pollution control"),
    ("tertiary_share_pct", "产业高级化率（%）", "%", "第三产业增加值占GDP比重", "Tertiary industry share of GDP"),
    ("urbanization_pct", "城镇化率（%）", "%", "城镇化率", "Urbanisation rate"),
    ("highway_km", "基础设施_公路里程（公里）", "km", "公路里程", "Highway length"),
    ("railway_km", "基础设施_铁路里程（公里）", "km", "铁路营业里程", "Railway length"),
    ("hospital_beds_per_1000", "每千人口医疗卫生机构床位（张）", "beds per 1,000 people", "每千人口医疗卫生机构床位", "Hospital beds per 1,000 people"),
    ("energy_10k_tce", "能源消费量（万吨标煤）", "10k tce", "能源消费总量", "Energy consumption"),
    ("industrial_rd_exp_10k_yuan", "R&D经费（万元）", "10k yuan", "规上工业企业R&D经费", "R&D expenditure, industrial enterprises above designated size"),
    ("industrial_rd_fte", "R&D人员全时当量（人年）", "person-years", "规上工业企业R&D人员全时当量", "R&D FTE, industrial enterprises above designated size"),
]

# (column, formula over panel columns, unit, zh, en, maximum)
DERIVED = [
    ("rd_fte_per_10k_pop", "rd_fte_person_years / population_10k", "person-years per 10k people", "每万人R&D人员全时当量", "R&D personnel FTE per 10k people", None),
    ("researchers_per_10k_pop", "rd_researchers_fte / population_10k", "person-years per 10k people", "每万人R&D研究人员", "R&D researchers (FTE) per 10k people", None),
    ("students_per_10k_pop", "higher_edu_students / population_10k", "students per 10k people", "每万人高校在校生数", "Higher-education students per 10k people", 10000),
    ("rd_exp_per_capita_yuan", "rd_exp_100m_yuan * 1e4 / population_10k", "yuan per person", "人均R&D经费", "R&D expenditure per person", None),
    ("basic_research_share_pct", "rd_basic_research_10k_yuan / rd_internal_exp_10k_yuan * 100", "%", "基础研究经费占R&D经费比重", "Basic research share of R&D", 100),
    ("enterprise_rd_share_pct", "rd_enterprise_funds_10k_yuan / rd_internal_exp_10k_yuan * 100", "%", "R&D经费中企业资金占比", "Enterprise-funded share of R&D", 100),
    ("education_exp_share_pct", "fiscal_education_exp_100m_yuan / fiscal_total_exp_100m_yuan * 100", "%", "教育支出占一般公共预算支出比重", "Education share of public spending", 100),
    ("sci_tech_exp_share_pct", "fiscal_sci_tech_exp_100m_yuan / fiscal_total_exp_100m_yuan * 100", "%", "科学技术支出占一般公共预算支出比重", "S&T share of public spending", 100),
    ("invention_grants_per_10k_pop", "invention_patent_grants / population_10k", "patents per 10k people", "每万人发明专利授权数", "Invention patent grants per 10k people", None),
    ("valid_invention_patents_per_10k_pop", "valid_invention_patents / population_10k", "patents per 10k people", "每万人有效发明专利拥有量", "Valid invention patents per 10k people", None),
    ("sci_papers_per_10k_pop", "sci_papers / population_10k", "papers per 10k people", "每万人SCI论文数", "SCI papers per 10k people", None),
    ("tech_market_gdp_pct", "tech_market_turnover_10k_yuan / (gdp_100m_yuan * 1e4) * 100", "% of GDP", "技术市场成交额占GDP比重", "Technology market turnover, % of GDP", None),
    ("hightech_revenue_gdp_pct", "hightech_revenue_100m_yuan / gdp_100m_yuan * 100", "% of GDP", "高技术产业营业收入与GDP之比", "High-tech industry revenue relative to GDP", None),
    ("software_revenue_gdp_pct", "software_revenue_100m_yuan / gdp_100m_yuan * 100", "% of GDP", "软件产品收入与GDP之比", "Software revenue relative to GDP", None),
    ("ecommerce_gdp_pct", "ecommerce_sales_100m_yuan / gdp_100m_yuan * 100", "% of GDP", "电子商务销售额与GDP之比", "E-commerce sales relative to GDP", None),
    ("telecom_per_capita_yuan", "telecom_business_100m_yuan * 1e4 / population_10k", "yuan per person", "人均电信业务总量", "Telecom business volume per person", None),
    ("trade_gdp_pct", "trade_100m_yuan / gdp_100m_yuan * 100", "% of GDP", "货物进出口总额占GDP比重", "Goods trade, % of GDP", None),
    ("pollution_invest_gdp_permille", "pollution_invest_100m_yuan / gdp_100m_yuan * 1000", "‰ of GDP", "工业污染治理投资占GDP比重", "Pollution-control investment, ‰ of GDP", None),
    ("energy_intensity_tce_per_10k_yuan", "energy_10k_tce / gdp_100m_yuan", "tce per 10k yuan of GDP", "单位GDP能耗", "Energy use per unit of GDP", None),
    ("co2_intensity_t_per_10k_yuan", "co2_mt * 100 / gdp_100m_yuan", "t CO2 per 10k yuan of GDP", "单位GDP二氧化碳排放", "CO2 emissions per unit of GDP", None),
    ("co2_per_capita_t", "co2_mt * 100 / population_10k", "t CO2 per person", "人均二氧化碳排放", "CO2 emissions per person", None),
]


#: Derived indicators relative to the same year's all-province level: (column, numerator, denominator, unit,
#: zh, en). value = (num_i / den_i) / (Σ_i num_i / Σ_i den_i) within a year. Used for series published at
#: constant prices whose base year changes (telecom business volume: 2010 prices to 2015, 2015 prices
#: 2016–2020, 2020 prices from 2021 — the all-province median falls ×0.66 in 2016 and ×0.13 in 2021): a
#: price-base change scales every province alike, so the within-year ratio stays comparable across years.
RELATIVE = [
    ("telecom_per_capita_rel", "telecom_business_100m_yuan", "population_10k", "ratio to the all-province average",
     "人均电信业务总量（相对全国平均）", "Telecom business volume per person, relative to the all-province average"),
]


@dataclass
class Panel:
    """A unit × year panel with metadata, provenance and (optionally) imputation flags.

    Attributes
    ----------
    frame : DataFrame
        ``unit``, ``year`` and one float column per variable; one row per unit-year, sorted by unit
        (in the regions' code order for the provincial panel) then year.
    columns : dict
        Variable name → :class:`ColumnInfo` (unit, zh/en label, source).
    provenance : list of Provenance
        Every source table read to build the panel.
    name : str
        ``"provincial"`` for the shipped panel, the file path for a user panel.
    unit_kind : str
        What the units are (:mod:`nqp_lib.data.unitkind`): ``province`` for the shipped panel; a user panel's
        kind from its key column or units.
    imputation : Imputation or None
        Set by :meth:`impute`: the method and a boolean flag per imputed cell.
    """

    frame: pd.DataFrame
    columns: dict[str, ColumnInfo]
    provenance: list[Provenance]
    name: str = "provincial"
    imputation: Imputation | None = None
    unit_kind: str = "province"
    notes: list[str] = field(default_factory=list)

    @property
    def variables(self) -> list[str]:
        return [c for c in self.frame.columns if c not in ("unit", "year")]

    @property
    def units(self) -> dict[str, str]:
        return {k: v.unit for k, v in self.columns.items()}

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.frame["year"].unique())

    @property
    def unit_names(self) -> list[str]:
        return list(dict.fromkeys(self.frame["unit"]))

    def label(self, column: str, lang: str = "zh") -> str:
        info = self.columns.get(column)
        return info.label(lang) if info else column

    @property
    def flags(self) -> pd.DataFrame:
        """Boolean frame (unit, year, variables): True where a cell was imputed."""
        if self.imputation is None:
            flags = self.frame[["unit", "year"]].copy()
            for c in self.variables:
                flags[c] = False
            return flags
        return self.imputation.flags

    def impute(self, method: str, columns: list[str] | None = None) -> Panel:
        """Return a new panel with missing cells filled by ``method`` (see :mod:`nqp_lib.data.impute`)."""
        result = impute(self.frame, method, columns=columns or self.variables)
        return replace(self, frame=result.frame, imputation=result)

    def select(self, years: tuple[int, int] | None = None, units: list[str] | None = None) -> Panel:
        """A sub-panel restricted to a year range (inclusive) and/or a list of units."""
        mask = pd.Series(True, index=self.frame.index)
        if years is not None:
            mask &= self.frame["year"].between(years[0], years[1])
        if units is not None:
            unknown = sorted(set(units) - set(self.frame["unit"]))
            if unknown:
                raise DataError(f"panel {self.name}: unknown unit(s) {unknown}")
            mask &= self.frame["unit"].isin(units)
        imp = None
        if self.imputation is not None:
            imp = replace(
                self.imputation,
                frame=self.imputation.frame[mask.to_numpy()].reset_index(drop=True),
                flags=self.imputation.flags[mask.to_numpy()].reset_index(drop=True),
            )
        return replace(self, frame=self.frame[mask].reset_index(drop=True), imputation=imp)

    def coverage(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Non-missing cells per variable (rows) and year (columns)."""
        cols = columns or self.variables
        return self.frame.groupby("year")[cols].count().T

    def missing_cells(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Long table of missing cells: variable, unit, year."""
        cols = columns or self.variables
        long = self.frame.melt(id_vars=["unit", "year"], value_vars=cols, var_name="variable")
        return long.loc[long["value"].isna(), ["variable", "unit", "year"]].reset_index(drop=True)


def _st_columns(names: list[str]) -> tuple[pd.DataFrame, Provenance]:
    st = load("st_yearbook_long")
    prov = st.attrs["provenance"]
    st = st[st["province"] != "全国"]
    unknown = sorted(set(st["province"]) - set(names))
    if unknown:
        raise DataError(f"st_yearbook_long: province name(s) not in data/regions.csv: {unknown}")
    pieces = []
    for col, dataset, var, unit, _, _ in _ST:
        part = st[(st["dataset"] == dataset) & (st["variables"] == var)]
        if part.empty:
            raise DataError(f"st_yearbook_long: no rows for {dataset}/{var} (needed for {col})")
        wrong = part[part["units"] != unit]
        if not wrong.empty:
            r = wrong.iloc[0]
            raise DataError(
                f"st_yearbook_long: {dataset}/{var} expected unit {unit!r} but {r['province']} {r['year']} says {r['units']!r}"
            )
        pieces.append(part.set_index(["province", "year"])["value"].rename(col))
    wide = pd.concat(pieces, axis=1)
    wide.index.names = ["unit", "year"]
    return wide, prov


def _eps_columns(names: list[str]) -> tuple[pd.DataFrame, Provenance]:
    eps = load("eps_provincial_panel")
    prov = eps.attrs["provenance"]
    unknown = sorted(set(eps["省份"]) - set(names))
    if unknown:
        raise DataError(f"eps_provincial_panel: province name(s) not in data/regions.csv: {unknown}")
    wide = eps.rename(columns={"省份": "unit", "年份": "year"}).set_index(["unit", "year"])
    wide = wide[[h for _, h, *_ in _EPS]].rename(columns={h: c for c, h, *_ in _EPS})
    return wide.astype(float), prov


def _ceads_column(names: list[str]) -> tuple[pd.DataFrame, Provenance]:
    co2 = load("ceads_provincial_co2")
    prov = co2.attrs["provenance"]
    unknown = sorted(set(co2["province"]) - set(names))
    if unknown:
        raise DataError(f"ceads_provincial_co2: province name(s) not in data/regions.csv: {unknown}")
    wide = co2.rename(columns={"province": "unit"}).set_index(["unit", "year"])[["co2_mt"]]
    return wide.astype(float), prov


def column_catalogue() -> dict[str, ColumnInfo]:
    """Metadata of every column the provincial panel has, base and derived."""
    cat: dict[str, ColumnInfo] = {}
    for col, dataset, var, unit, zh, en in _ST:
        cat[col] = ColumnInfo(col, _ST_UNITS[unit], zh, en, "st_yearbook_long", f"{dataset}/{var}")
    for col, header, unit, zh, en in _EPS:
        cat[col] = ColumnInfo(col, unit, zh, en, "eps_provincial_panel", header)
    cat["co2_mt"] = ColumnInfo("co2_mt", "Mt CO2", "二氧化碳排放量", "CO2 emissions", "ceads_provincial_co2", "co2_mt")
    for col, formula, unit, zh, en, maximum in DERIVED:
        cat[col] = ColumnInfo(col, unit, zh, en, "derived", formula, maximum)
    for col, num, den, unit, zh, en in RELATIVE:
        cat[col] = ColumnInfo(col, unit, zh, en, "derived", f"({num}/{den}) / (Σ{num}/Σ{den} in the same year)")
    return cat


def add_derived(frame: pd.DataFrame) -> pd.DataFrame:
    """Append the derived indicators of :data:`DERIVED` and :data:`RELATIVE` to a frame of base columns.

    A zero denominator yields a missing cell (never inf); any value above a column's plausible maximum
    raises :class:`DataError` naming the unit-year. Relative indicators use only unit-years where both
    numerator and denominator are observed.
    """
    out = frame.copy()
    for col, num, den, *_ in RELATIVE:
        both = out[num].notna() & out[den].notna()
        totals = out[both].groupby("year")[[num, den]].sum()
        level = (totals[num] / totals[den]).reindex(out["year"]).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            values = (out[num] / out[den]).to_numpy(dtype=float) / level
        values[~np.isfinite(values)] = np.nan
        out[col] = values
    for col, formula, _unit, _zh, _en, maximum in DERIVED:
        values = evaluate_formula(formula, out, label=f"derived column {col!r}")
        values[~np.isfinite(values)] = np.nan
        if maximum is not None and (values > maximum).any():
            pos = int(np.nanargmax(values))
            raise DataError(
                f"derived column {col!r} = {values[pos]:g} for {out['unit'].iat[pos]} {out['year'].iat[pos]} "
                f"exceeds the plausible maximum {maximum:g}"
            )
        out[col] = values
    return out


SOURCES = ("st_yearbook_long", "eps_provincial_panel", "ceads_provincial_co2")


@lru_cache(maxsize=2)
def _provincial(years: tuple[int, ...], files: tuple[tuple[str, float, int], ...]) -> Panel:
    """Assemble the panel; ``files`` (path, mtime, size of each source) only keys the cache."""
    names = province_names("zh")
    st, p_st = _st_columns(names)
    eps, p_eps = _eps_columns(names)
    co2, p_co2 = _ceads_column(names)
    grid = pd.MultiIndex.from_product([names, list(years)], names=["unit", "year"])
    wide = pd.concat([st.reindex(grid), eps.reindex(grid), co2.reindex(grid)], axis=1).reset_index()
    wide = add_derived(wide)
    wide["unit"] = wide["unit"].astype(str)
    wide["year"] = wide["year"].astype(int)
    notes = [
        "industrial_rd_* columns cover industrial enterprises above designated size only; total R&D is rd_exp_100m_yuan",
        "energy_10k_tce ends 2019 and lacks 西藏; co2_mt (CEADs) ends 2019 and lacks 西藏",
        "telecom_business_100m_yuan is at constant prices of a base year that changes (2016, 2021): compare it "
        "across years only through telecom_per_capita_rel",
        "monetary values are in current prices",
    ]
    return Panel(
        frame=wide,
        columns=column_catalogue(),
        provenance=[p_st, p_eps, p_co2],
        name="provincial",
        notes=notes,
    )


def provincial_panel(years: tuple[int, int] = (YEARS[0], YEARS[-1])) -> Panel:
    """The shipped provincial panel (31 provinces × ``years`` inclusive, default 2011–2023).

    Returns a fresh :class:`Panel` (safe to modify). Missing cells stay missing: call
    :meth:`Panel.impute` for a filled copy with flags.
    """
    lo, hi = years
    if lo < YEARS[0] or hi > YEARS[-1] or lo > hi:
        raise DataError(f"provincial panel covers {YEARS[0]}–{YEARS[-1]}; got years {lo}–{hi}")
    files = []
    for name in SOURCES:
        path = resource_path(name)  # raises a clear error when the data root or a file is missing
        stat = path.stat()
        files.append((str(path), stat.st_mtime, stat.st_size))
    base = _provincial(tuple(range(lo, hi + 1)), tuple(files))
    return replace(base, frame=base.frame.copy(), provenance=list(base.provenance), notes=list(base.notes))
