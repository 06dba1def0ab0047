"""The shipped international panel: G20 and OECD economies × 2000–2023, assembled from the WDI data at load time.

``panel=international`` is the worked example of a panel that is not China's provinces. Its units are the
46 economies that are OECD members (38) or G20 member countries (19; the EU and the African Union are
members as blocs and are left out), named by ISO3 code, with Chinese and English names, G20 membership and
World Bank income group from ``data/economies.csv``. Nothing is copied into the project: the values are read
from the data root every time (``wdi_long``, World Bank WDI; ``owid_internet``, ITU via Our World in Data,
for internet use, which the WDI mirror lacks), through :func:`nqp_lib.data.readers.tidy`.

Columns are WDI indicators renamed for reading (:data:`WDI_COLUMNS`) and a few ratios computed here
(:data:`DERIVED`, same formula language as the indicator systems), each with its unit. Cells the sources do
not have stay missing (e.g. resident patent applications end in 2021, secure internet servers start in
2010, Israel reports no researcher count and Australia none after 2010, Canada no private credit after 2008);
the report's imputation fills and flags them.

The WDI's CO₂ series (``EN.ATM.CO2E.*``) is the discontinued one and ends in 2014, so it is not offered here.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import pandas as pd

from nqp_lib.data import readers
from nqp_lib.data.economies import INCOME_GROUPS, economies
from nqp_lib.data.panel import ColumnInfo, Panel
from nqp_lib.data.panelmeta import Grouping, PanelMeta
from nqp_lib.errors import DataError
from nqp_lib import formula

YEARS = (2000, 2023)

#: (column, WDI code, unit, zh, en)
WDI_COLUMNS = [
    ("rd_intensity_pct", "GB.XPD.RSDV.GD.ZS", "% of GDP", "R&D经费占GDP比重", "R&D expenditure, % of GDP"),
    ("researchers_per_million", "SP.POP.SCIE.RD.P6", "per million people", "每百万人R&D研究人员", "Researchers in R&D per million people"),
    ("hightech_exports_pct", "TX.VAL.TECH.MF.ZS", "% of manufactured exports", "高技术产品出口占制成品出口比重", "High-technology exports, % of manufactured exports"),
    ("medhigh_tech_mfg_pct", "NV.MNF.TECH.ZS.UN", "% of manufacturing value added", "中高技术制造业增加值占比", "Medium and high-tech manufacturing, % of manufacturing value added"),
    ("broadband_per_100", "IT.NET.BBND.P2", "per 100 people", "每百人固定宽带订户", "Fixed broadband subscriptions per 100 people"),
    ("mobile_per_100", "IT.CEL.SETS.P2", "per 100 people", "每百人移动电话用户", "Mobile cellular subscriptions per 100 people"),
    ("secure_servers_per_million", "IT.NET.SECR.P6", "per million people", "每百万人安全互联网服务器", "Secure internet servers per million people"),
    ("tertiary_enrolment_pct", "SE.TER.ENRR", "% gross", "高等教育毛入学率", "Tertiary school enrolment, % gross"),
    ("education_exp_gdp_pct", "SE.XPD.TOTL.GD.ZS", "% of GDP", "政府教育支出占GDP比重", "Government expenditure on education, % of GDP"),
    ("renewable_share_pct", "EG.FEC.RNEW.ZS", "% of final energy consumption", "可再生能源占终端能源消费比重", "Renewable energy, % of final energy consumption"),
    ("fossil_share_pct", "EG.USE.COMM.FO.ZS", "% of energy use", "化石能源占能源消费比重", "Fossil fuel energy consumption, % of total"),
    ("private_credit_gdp_pct", "FS.AST.PRVT.GD.ZS", "% of GDP", "私人部门国内信贷占GDP比重", "Domestic credit to private sector, % of GDP"),
    ("market_cap_gdp_pct", "CM.MKT.LCAP.GD.ZS", "% of GDP", "上市公司市值占GDP比重", "Market capitalisation of listed companies, % of GDP"),
    ("productivity_ppp", "SL.GDP.PCAP.EM.KD", "constant 2021 PPP $ per person employed", "劳均GDP（2021年不变价购买力平价）", "GDP per person employed (constant 2021 PPP $)"),
    ("gdp_per_capita_ppp", "NY.GDP.PCAP.PP.CD", "current international $", "人均GDP（现价购买力平价）", "GDP per capita, PPP (current international $)"),
    ("energy_productivity_ppp", "EG.GDP.PUSE.KO.PP.KD", "constant 2021 PPP $ per kg of oil equivalent", "单位能耗GDP", "GDP per unit of energy use"),
    ("population", "SP.POP.TOTL", "persons", "总人口", "Population"),
    ("gdp_usd", "NY.GDP.MKTP.CD", "current US$", "GDP（现价美元）", "GDP (current US$)"),
    ("patents_resident", "IP.PAT.RESD", "applications", "居民专利申请数", "Patent applications, residents"),
    ("journal_articles", "IP.JRN.ARTC.SC", "articles", "科技期刊论文数", "Scientific and technical journal articles"),
    ("ip_receipts_usd", "BX.GSR.ROYL.CD", "current US$", "知识产权使用费收入", "Charges for the use of intellectual property, receipts"),
]
#: (column, formula over the columns above, unit, zh, en)
DERIVED = [
    ("patents_per_million", "patents_resident / population * 1e6", "applications per million people", "每百万人居民专利申请数", "Resident patent applications per million people"),
    ("articles_per_million", "journal_articles / population * 1e6", "articles per million people", "每百万人科技期刊论文数", "Scientific and technical journal articles per million people"),
    ("ip_receipts_gdp_permille", "ip_receipts_usd / gdp_usd * 1000", "‰ of GDP", "知识产权使用费收入占GDP比重", "IP receipts, ‰ of GDP"),
    ("energy_intensity_kgoe_per_1000ppp", "1000 / energy_productivity_ppp", "kg of oil equivalent per 1,000 PPP $ of GDP", "单位GDP能耗", "Energy use per 1,000 PPP $ of GDP"),
]
INTERNET = ("internet_users_pct", "% of population", "互联网用户占人口比重", "Individuals using the Internet, % of population")
GROUP_LABELS = {
    "g20": {"G20": {"zh": "二十国集团成员", "en": "G20 member"}, "non-G20": {"zh": "非二十国集团成员", "en": "not in the G20"}},
    "oecd": {"OECD": {"zh": "经合组织成员", "en": "OECD member"}, "non-OECD": {"zh": "非经合组织成员", "en": "not in the OECD"}},
}


def members() -> list:
    """The panel's economies: OECD members and G20 member countries, in the order of ``economies.csv``."""
    return [e for e in economies("country") if e.g20 or e.oecd_accession is not None]


def international_meta(citation: str = "", licence: str = "") -> PanelMeta:
    """Names, groupings (income group, G20, OECD) and default focus (China) of the international panel."""
    econ = members()
    groups = pd.DataFrame({
        "unit": [e.code for e in econ],
        "income_group": [e.income_group for e in econ],
        "g20": ["G20" if e.g20 else "non-G20" for e in econ],
        "oecd": ["OECD" if e.oecd_accession is not None else "non-OECD" for e in econ],
    })
    income = {en: {"zh": zh, "en": en} for en, zh in INCOME_GROUPS.items()}
    groupings = [
        Grouping("income_group", "世界银行收入组", "World Bank income group", income),
        Grouping("g20", "二十国集团", "G20", GROUP_LABELS["g20"]),
        Grouping("oecd", "经合组织", "OECD", GROUP_LABELS["oecd"]),
    ]
    return PanelMeta(
        unit_kind="country", names={e.code: {"zh": e.name_zh, "en": e.name_en} for e in econ}, groupings=groupings,
        groups=groups, citation=citation, licence=licence, focus="CHN", system="international", source=None, shipped=True,
        notes=["income groups: World Bank classification for fiscal year 2025 (data/economies.csv)"],
    )


@lru_cache(maxsize=2)
def _assemble(stamps: tuple) -> Panel:
    wdi, p_wdi = readers.tidy("wdi_long")
    owid, p_owid = readers.tidy("owid_internet")
    codes = [e.code for e in members()]
    grid = pd.MultiIndex.from_product([codes, list(range(YEARS[0], YEARS[1] + 1))], names=["unit", "year"])
    by_code = {code: col for col, code, *_ in WDI_COLUMNS}
    part = wdi[wdi["code"].isin(by_code) & wdi["economy"].isin(codes)]
    wide = part.pivot_table(index=["economy", "year"], columns="code", values="value", aggfunc="first")
    wide.index.names = ["unit", "year"]
    wide = wide.rename(columns=by_code).reindex(grid)
    net = owid[owid["economy"].isin(codes)].set_index(["economy", "year"])["value"]
    net.index.names = ["unit", "year"]
    wide[INTERNET[0]] = net[~net.index.duplicated()].reindex(grid)
    wide = wide.reset_index()
    for col, expression, *_ in DERIVED:
        wide[col] = formula.evaluate(expression, wide, label=f"international panel column {col}", error=DataError)
    order = ["unit", "year", *[c for c, *_ in WDI_COLUMNS], INTERNET[0], *[c for c, *_ in DERIVED]]
    frame = wide[order].copy()
    frame.columns.name = None
    frame["unit"] = frame["unit"].astype(str)
    frame["year"] = frame["year"].astype(int)
    columns = {c: ColumnInfo(c, unit, zh, en, "wdi_long", code) for c, code, unit, zh, en in WDI_COLUMNS}
    columns[INTERNET[0]] = ColumnInfo(INTERNET[0], INTERNET[1], INTERNET[2], INTERNET[3], "owid_internet", "")
    columns.update({c: ColumnInfo(c, unit, zh, en, "derived", expr) for c, expr, unit, zh, en in DERIVED})
    meta = international_meta(p_wdi.citation, p_wdi.licence)
    notes = [
        "resident patent applications (IP.PAT.RESD) end in 2021; secure internet servers start in 2010; "
        "high-technology exports start in 2007; Israel has no researcher count, Australia none after 2010; "
        "Canada has no private credit after 2008",
        "internet use comes from ITU via Our World in Data (the WDI mirror lacks IT.NET.USER.ZS)",
        "the WDI CO2 series ends in 2014 and is not part of this panel",
    ]
    return Panel(frame=frame, columns=columns, provenance=[p_wdi, p_owid], name="international", unit_kind="country",
                 notes=notes, meta=meta)


def international_panel() -> Panel:
    """The shipped panel of G20 and OECD economies × 2000–2023 (a fresh copy, safe to modify)."""
    base = _assemble((readers.stamp("wdi_long"), readers.stamp("owid_internet")))
    return replace(base, frame=base.frame.copy(), provenance=list(base.provenance), notes=list(base.notes))
