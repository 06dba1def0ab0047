"""National (NBS, S&T yearbook) and international (WDI, PWT, OWID) data: loaders against raw cells, economies,
OECD averages both ways, ranks, growth and the NBS vintage break."""

from __future__ import annotations

import csv
import hashlib
import math
from collections import defaultdict

import pytest

from nqp_lib.data import countries, economy, growth, national, oecd_average, oecd_members, rank
from nqp_lib.data import economies as economies_mod
from nqp_lib.data import series as series_mod
from nqp_lib.data.economies import aggregate_codes, default_comparison
from nqp_lib.data.international import indicator_metadata, oecd_averages
from nqp_lib.data.package import load, used_resources
from nqp_lib.data.series import catalogue, series_info
from nqp_lib.data.units import conversion
from nqp_lib.errors import DataError, ParameterError

NEW = ["nbs_national_long", "nbs_national_key", "wdi_long", "wdi_indicators", "pwt", "owid_internet"]
OECD38 = ("AUT BEL CAN DNK FRA DEU GRC ISL IRL LUX NLD NOR PRT ESP SWE CHE TUR GBR USA ITA JPN FIN AUS NZL MEX CZE "
          "HUN POL KOR SVK CHL SVN ISR EST LVA LTU COL CRI").split()


@pytest.fixture(scope="module")
def wdi_raw(shared_data):
    """(code, indicator, year) → value for a few indicators, read with the csv module only."""
    keep = {"SP.URB.TOTL.IN.ZS", "SP.POP.TOTL", "SP.POP.SCIE.RD.P6", "GB.XPD.RSDV.GD.ZS"}
    out: dict[tuple[str, str, int], float] = {}
    with (shared_data / "wdi_datahub_mirror/wdi_selected_long.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["indicator_code"] in keep:
                out[(row["Country Code"], row["indicator_code"], int(row["Year"]))] = float(row["Value"])
    return out


@pytest.fixture(scope="module")
def pwt_raw(shared_data):
    with (shared_data / "pwt1001/pwt1001.csv").open(encoding="utf-8-sig", newline="") as fh:
        return {(r["countrycode"], int(r["year"])): r for r in csv.DictReader(fh)}


@pytest.mark.parametrize("name", NEW)
def test_each_new_resource_loads_with_provenance(name, shared_data):
    frame = load(name)
    prov = frame.attrs["provenance"]
    path = shared_data / prov.path
    assert prov.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    with path.open(encoding="utf-8-sig", newline="") as fh:  # rows counted by the csv module
        assert prov.rows == len(frame) == sum(1 for _ in csv.reader(fh)) - 1
    assert prov.origin and prov.citation and prov.licence and prov.mirror
    assert "github" not in prov.origin.lower() and "github" not in prov.citation.lower()  # cite the origin, not the mirror
    assert name in {p.resource for p in used_resources()}


def test_nbs_vintage_break_is_recorded_in_the_descriptor():
    from nqp_lib.data.package import resource

    for name in ("nbs_national_long", "nbs_national_key"):
        res = resource(name)
        assert res["vintage_breaks"] == [dict(res["vintage_breaks"][0], after=2009, before=2010)]
        assert "VINTAGE BREAK" in res["gaps"]


def test_national_series_against_raw_cells(shared_data):
    key = {int(r["year"]): r for r in csv.DictReader((shared_data / "nbs_national_annual/china_national_key_series_2000_2022.csv").open(encoding="utf-8"))}
    retail = national("retail_sales")
    assert retail.set_index("year").loc[2022, "value"] == float(key[2022]["retail_sales_100m_yuan"]) == 439732.5
    assert retail.set_index("year").loc[2013, "value"] == 232252.6  # the newer (census-revised) vintage
    assert dict(zip(retail["year"], retail["vintage"]))[2009] == "older"
    assert dict(zip(retail["year"], retail["vintage"]))[2010] == "newer"
    assert set(retail["unit"]) == {"亿元"} and set(retail["source"]) == {"国家统计局 国家数据（年度）"}
    # the long file keeps both scrapes; national() takes the newer one where both have the year
    long = defaultdict(dict)
    with (shared_data / "nbs_national_annual/nbs_national_annual_long.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["indicator"] == "第二产业增加值":
                long[int(r["year"])]["new" if "2010-2022" in r["vintage"] else "old"] = float(r["value"])
    sec = national("secondary_value_added").set_index("year")
    assert long[2013]["old"] != long[2013]["new"]
    assert sec.loc[2013, "value"] == long[2013]["new"] and sec.loc[2005, "value"] == long[2005]["old"]
    # a derived series: secondary value added / GDP × 100, by hand from the raw cells
    share = national("secondary_share", [2022]).iloc[0]
    assert share["value"] == pytest.approx(long[2022]["new"] / float(key[2022]["gdp_100m_yuan"]) * 100, rel=1e-12)
    assert share["value"] == pytest.approx(483164.5 / 1210207.2 * 100)  # 39.92%


def test_rd_intensity_differs_between_nbs_and_wdi_by_gdp_vintage(wdi_raw):
    nbs = national("rd_intensity", [2023]).iloc[0]
    wdi = countries("rd_intensity", ["CHN"], [2023], lang="en").iloc[0]
    assert nbs["value"] == 2.65  # S&T yearbook / 2023 R&D communiqué (全国 row)
    assert wdi["value"] == wdi_raw[("CHN", "GB.XPD.RSDV.GD.ZS", 2023)] == pytest.approx(2.57729, abs=1e-5)
    assert nbs["source"].startswith("国家统计局") and wdi["source"].startswith("World Bank")
    for scope in ("national", "international"):  # both notes say why they differ
        assert "GDP" in series_info("rd_intensity", scope).note("en")


def test_international_series_against_raw_cells(wdi_raw, pwt_raw, shared_data):
    urban = countries("urban_share", ["中国", "United States", "OED"], [2022], lang="en").set_index("economy")
    assert urban.loc["CHN", "value"] == wdi_raw[("CHN", "SP.URB.TOTL.IN.ZS", 2022)]
    assert urban.loc["USA", "value"] == wdi_raw[("USA", "SP.URB.TOTL.IN.ZS", 2022)]
    assert urban.loc["OED", "value"] == wdi_raw[("OED", "SP.URB.TOTL.IN.ZS", 2022)] == pytest.approx(80.9496, abs=1e-4)
    assert urban.loc["OED", "method"] == "World Bank aggregate (weighted)"
    assert urban.loc["CHN", "name"] == "China" and urban.loc["CHN", "method"] == "reported"
    tfp = countries("tfp_level", "CHN", 2019).iloc[0]
    assert tfp["value"] == float(pwt_raw[("CHN", 2019)]["ctfp"]) == 0.403
    hc = countries("csh_c", "KOR", 2019).iloc[0]  # a PWT column name works as the series name
    assert hc["indicator"] == "household_consumption_share_ppp" and hc["value"] == float(pwt_raw[("KOR", 2019)]["csh_c"])
    owid = {(r["Code"], int(r["Year"])): float(r["Individuals using the Internet (% of population)"])
            for r in csv.DictReader((shared_data / "owid_internet_share/share-of-individuals-using-the-internet.csv").open(encoding="utf-8"))}
    net = countries("internet_users_share", ["CHN", "WLD", "HIC"], [2023]).set_index("economy")
    assert net.loc["CHN", "value"] == owid[("CHN", 2023)] == 77.4827
    assert net.loc["WLD", "value"] == owid[("OWID_WRL", 2023)]  # OWID's World is nqp's WLD
    assert "HIC" not in net.index  # OWID has no high-income aggregate: absent, and said so
    assert countries("internet_users_share", ["CHN", "HIC"], [2023]).attrs["missing"] == ["HIC"]


def test_derived_international_series_by_hand(wdi_raw, pwt_raw):
    r = countries("researchers", ["CHN"], [2022]).iloc[0]
    hand = wdi_raw[("CHN", "SP.POP.SCIE.RD.P6", 2022)] * wdi_raw[("CHN", "SP.POP.TOTL", 2022)] / 1e6
    assert r["value"] == pytest.approx(hand, rel=1e-12)
    c = countries("household_consumption_ppp", ["CHN"], [2019]).iloc[0]
    assert c["value"] == pytest.approx(float(pwt_raw[("CHN", 2019)]["csh_c"]) * float(pwt_raw[("CHN", 2019)]["cgdpo"]))


def test_wdi_series_have_the_world_banks_metadata(shared_data):
    meta = {r["indicator_code"]: r for r in csv.DictReader((shared_data / "wdi_datahub_mirror/wdi_selected_indicators_meta.csv").open(encoding="utf-8"))}
    assert set(load("wdi_long")["indicator_code"]) == set(meta)  # every indicator of the long file is described
    for s in catalogue("international"):
        if s.resource == "wdi_long":
            info = indicator_metadata(s.id)
            assert info["title"] == meta[s.code]["title"] and info["definition"] == meta[s.code]["definition"], s.id
    assert indicator_metadata("rd_intensity")["title"] == "Research and development expenditure (% of GDP)"
    assert indicator_metadata("rd_intensity")["china_last"] == 2023
    with pytest.raises(ParameterError, match="not a WDI series"):
        indicator_metadata("tfp_level")


def test_economies_by_code_name_and_alias():
    assert economy("美国").code == economy("US").code == economy("united states").code == "USA"
    assert economy("South Korea").code == economy("韩国").code == "KOR"
    assert economy("欧盟").code == economy("EU").code == "EUU"
    assert economy("经合组织简单平均").code == "OECD_MEAN"
    assert economy("ZAF").code == "ZAF"  # any ISO3 code, even unlisted
    for ambiguous in ("OECD", "经合组织", "OECD average"):
        with pytest.raises(ParameterError, match="ambiguous.*OED.*OECD_MEAN"):
            economy(ambiguous)
    with pytest.raises(ParameterError, match="unknown economy 'Atlantis'"):
        economy("Atlantis")
    assert [e.code for e in default_comparison()] == ["CHN", "USA", "JPN", "DEU", "KOR", "GBR", "FRA", "EUU", "OED",
                                                      "OECD_MEAN", "HIC", "WLD"]


def test_oecd_membership_matches_the_world_bank_aggregate(wdi_raw):
    """The static member list is confirmed by the data: OED population = sum of the 38 members', every year."""
    assert sorted(oecd_members()) == sorted(OECD38)
    for year in (1961, 1990, 2000, 2010, 2022, 2024):
        members = sum(wdi_raw[(c, "SP.POP.TOTL", year)] for c in OECD38)
        assert members == wdi_raw[("OED", "SP.POP.TOTL", year)]
    assert len(oecd_members(2000)) == 30 and "SVK" in oecd_members(2000) and "CHL" not in oecd_members(2000)
    assert economy("CRI").oecd_accession == 2021 and economy("USA").oecd_accession == 1961


def test_every_wdi_code_is_a_country_or_a_listed_aggregate(shared_data):
    wdi = {r["Country Code"] for r in csv.DictReader((shared_data / "wdi_datahub_mirror/wdi_focus_countries_wide_2000plus.csv").open(encoding="utf-8"))}
    codes = set(load("wdi_long")["Country Code"])
    assert wdi <= codes
    countries_elsewhere = set(load("pwt")["countrycode"]) | set(load("owid_internet")["Code"].dropna())
    territories = {"FRO", "XKX", "IMN", "MAF", "CHI"}  # small territories PWT and OWID do not code
    unexplained = codes - aggregate_codes() - countries_elsewhere - territories
    assert not unexplained
    assert len(aggregate_codes() & codes) == 48


def test_oecd_simple_mean_against_a_hand_mean(wdi_raw):
    three = oecd_average("urban_share", 2022, "simple", members=["USA", "JPN", "DEU"])
    hand = (wdi_raw[("USA", "SP.URB.TOTL.IN.ZS", 2022)] + wdi_raw[("JPN", "SP.URB.TOTL.IN.ZS", 2022)]
            + wdi_raw[("DEU", "SP.URB.TOTL.IN.ZS", 2022)]) / 3
    assert three.value == pytest.approx(hand, rel=1e-12) and three.n_members == 3
    full = oecd_average("urban_share", 2022, "simple")
    assert full.value == pytest.approx(sum(wdi_raw[(c, "SP.URB.TOTL.IN.ZS", 2022)] for c in OECD38) / 38, rel=1e-12)
    assert full.value == pytest.approx(78.5586, abs=1e-4) and (full.n_members, full.n_total) == (38, 38)
    assert full.label("en") == "simple mean of the 38 of 38 members with data"
    # a year in which some members have no value: the mean is over those with one, and says how many
    have = [c for c in OECD38 if (c, "SP.POP.SCIE.RD.P6", 2022) in wdi_raw]
    part = oecd_average("researchers_per_million", 2022, "simple")
    assert part.n_members == len(have) < 38
    assert part.value == pytest.approx(sum(wdi_raw[(c, "SP.POP.SCIE.RD.P6", 2022)] for c in have) / len(have), rel=1e-12)
    agg = oecd_average("urban_share", 2022, "aggregate")
    assert agg.value == wdi_raw[("OED", "SP.URB.TOTL.IN.ZS", 2022)] and agg.n_members is None
    assert agg.label("zh") == "世界银行汇总（加权）"


def test_weighted_oecd_mean_where_the_source_has_no_aggregate(pwt_raw):
    """PWT has no OECD row: the aggregate reading is Σ csh_c·cgdpo / Σ cgdpo (members' consumption over their GDP)."""
    three = oecd_average("household_consumption_share_ppp", 2019, "aggregate", members=["USA", "JPN", "MEX"])
    x = {c: float(pwt_raw[(c, 2019)]["csh_c"]) for c in ("USA", "JPN", "MEX")}
    w = {c: float(pwt_raw[(c, 2019)]["cgdpo"]) for c in ("USA", "JPN", "MEX")}
    assert three.value == pytest.approx(sum(x[c] * w[c] for c in x) / sum(w.values()), rel=1e-12)
    full = oecd_average("household_consumption_share_ppp", 2019, "aggregate")
    assert full.weight == "gdp_ppp" and full.n_members == 38 and full.value == pytest.approx(0.5962, abs=1e-4)
    with pytest.raises(ParameterError, match="no OECD aggregate.*aggregate_weight"):
        oecd_average("tfp_level", 2019, "aggregate")
    frame = countries("household_consumption_share_ppp", ["OED", "OECD_MEAN"], [2019], lang="en")
    assert list(frame["method"]) == ["mean of the 38 of 38 members with data, weighted by Output-side GDP at current PPPs",
                                     "simple mean of the 38 of 38 members with data"]


def test_membership_as_of_year_counts_members_of_that_year():
    now = oecd_averages("urban_share", "simple").set_index("year")
    then = oecd_averages("urban_share", "simple", "as_of_year").set_index("year")
    assert now.loc[1995, "n_total"] == 38 and then.loc[1995, "n_total"] == 26  # 1961–1995 accessions
    assert then.loc[2022, "n_members"] == 38 and then.loc[2022, "value"] == now.loc[2022, "value"]


def test_world_rank_excludes_aggregates(wdi_raw):
    r = rank("researchers", "CHN", 2022)
    totals = {c: wdi_raw[(c, "SP.POP.SCIE.RD.P6", 2022)] * wdi_raw[(c, "SP.POP.TOTL", 2022)] / 1e6
              for (c, ind, y) in wdi_raw if ind == "SP.POP.SCIE.RD.P6" and y == 2022 and (c, "SP.POP.TOTL", 2022) in wdi_raw
              and c not in aggregate_codes()}
    best = sorted(totals, key=totals.get, reverse=True)
    assert (r.rank, r.n) == (1, len(totals)) and best[:2] == ["CHN", "USA"]
    assert list(r.table["economy"][:2]) == ["CHN", "USA"]


def test_growth_and_the_vintage_break():
    retail = national("retail_sales")
    g = growth(retail, 2013, 2022)
    ratio = 439732.5 / 232252.6  # = 1.89334
    assert g.ratio == pytest.approx(ratio) and g.pct == pytest.approx((ratio - 1) * 100)
    assert g.cagr_pct == pytest.approx((ratio ** (1 / 9) - 1) * 100) == pytest.approx(7.3503, abs=1e-4)
    assert g.simple_pct == pytest.approx((ratio - 1) * 100 / 9) == pytest.approx(9.926, abs=1e-3)
    with pytest.raises(DataError, match=r"from 2005 to 2015 crosses the statistical vintage break between 2009 and 2010"):
        growth(retail, 2005, 2015)
    with pytest.raises(DataError, match="vintage break"):
        growth(national("household_consumption_share"), 2009, 2010)
    assert growth(retail, 2000, 2009).ratio == pytest.approx(132678.4 / 39105.7)  # within the older vintage: fine
    assert growth(national("rd_intensity"), 2011, 2023).pct == pytest.approx((2.65 / 1.84 - 1) * 100)  # the yearbook has no break
    with pytest.raises(DataError, match="no value for 2030"):
        growth(retail, 2013, 2030)


def test_units_convert_only_between_known_pairs():
    assert conversion("亿元", "万亿元") == 1e-4 and conversion("万亿元", "亿元") == 1e4 and conversion("share", "%") == 100
    with pytest.raises(DataError, match="no conversion from '%' to '亿元'"):
        conversion("%", "亿元")


def test_unknown_series_lists_the_known_ones():
    with pytest.raises(ParameterError, match="unknown national series 'gdp_ppp'.*retail_sales"):
        national("gdp_ppp")
    with pytest.raises(ParameterError, match="unknown international series 'digital_economy'"):
        countries("digital_economy")


def test_every_catalogued_series_has_data():
    for s in catalogue("national"):
        assert len(national(s.id)) > 0, s.id
    for s in catalogue("international"):
        assert len(countries(s.id, ["CHN"])) > 0, s.id


def test_bad_series_catalogue_names_file_row_and_column(tmp_path, monkeypatch):
    text = series_mod.SERIES_CSV.read_text(encoding="utf-8").replace(
        "national,retail_sales,nbs_national_key,retail_sales_100m_yuan,,社会消费品零售总额,Total retail sales of consumer goods,亿元,",
        "national,retail_sales,nbs_national_key,retail_sales_100m_yuan,,社会消费品零售总额,Total retail sales of consumer goods,yuanish,")
    bad = tmp_path / "series.csv"
    bad.write_text(text, encoding="utf-8")
    monkeypatch.setattr(series_mod, "SERIES_CSV", bad)
    series_mod._catalogue.cache_clear()
    try:
        with pytest.raises(DataError, match=r"series\.csv: row 2 \(scope=national, id=retail_sales\), column 'unit': 'yuanish' is not one of"):
            series_info("retail_sales", "national")
    finally:
        series_mod._catalogue.cache_clear()


def test_bad_economies_table_names_file_row_and_column(tmp_path, monkeypatch):
    text = economies_mod.ECONOMIES_CSV.read_text(encoding="utf-8").replace("JPN,日本,Japan,country,1964", "JPN,日本,Japan,nation,1964")
    bad = tmp_path / "economies.csv"
    bad.write_text(text, encoding="utf-8")
    monkeypatch.setattr(economies_mod, "ECONOMIES_CSV", bad)
    economies_mod._table.cache_clear()
    economies_mod._names.cache_clear()
    try:
        with pytest.raises(DataError, match=r"economies\.csv: row 4 \(code=JPN\), column 'kind': 'nation' is not one of"):
            economy("JPN")
    finally:
        economies_mod._table.cache_clear()
        economies_mod._names.cache_clear()


def test_no_nan_leaks_into_values():
    frame = countries("rd_intensity")
    assert frame["value"].notna().all() and all(math.isfinite(v) for v in frame["value"])


def test_file_hash_is_recomputed_when_the_file_changes(tmp_path):
    """sha256_of hashes each version of a file once per process (the build fingerprints ~27 MB per section)."""
    import os

    from nqp_lib.data.package import sha256_of

    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n1,2\n")
    first = sha256_of(path)
    assert first == hashlib.sha256(b"a,b\n1,2\n").hexdigest() and sha256_of(path) == first
    st = path.stat()
    path.write_bytes(b"a,b\n1,3\n")  # same size: the changed modification time tells
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert sha256_of(path) == hashlib.sha256(b"a,b\n1,3\n").hexdigest()
