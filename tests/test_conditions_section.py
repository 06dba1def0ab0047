"""Section 02 (the six formation conditions): the numbers its views show against the series and the ledger
they come from, its charts' controls, and the section on a user's panel of cities."""

from __future__ import annotations

import csv
import math
import re
import textwrap
from collections import Counter

import altair as alt
import pandas as pd
import pytest

from nqp_lib.claims import LEDGER_CSV, check_claims
from nqp_lib.conditions import (HEADLINES, comparison_year, drop_thin_means, national_trend, peer_position,
                                solid_mean)
from nqp_lib.data import countries, national, oecd_average
from nqp_lib.data.economies import peers
from nqp_lib.report.context import setup
from nqp_lib.report.views import conditions as views

# raw cells of the NBS national key series (亿元 and %, newer vintage; also in the source CSV)
RETAIL_2012, RETAIL_2022 = 205517.3, 439732.5
RD_INTENSITY_2013, RD_INTENSITY_2023 = 2.08, 2.65


@pytest.fixture(scope="module", params=["zh", "en"])
def ctx(request):
    return setup("conditions", lang=request.param)


def test_national_trend_against_hand_arithmetic():
    # retail sales 2012 → 2022: (439,732.5 / 205,517.3)^(1/10) − 1 = 2.13963^(0.1) − 1 = 7.903 % a year
    tr = national_trend("retail_sales", span=10, year=2022)
    assert (tr.start_year, tr.start_value, tr.value) == (2012, RETAIL_2012, RETAIL_2022)
    assert tr.change_kind == "cagr_pct" and tr.change == pytest.approx(100 * ((RETAIL_2022 / RETAIL_2012) ** 0.1 - 1))
    assert tr.change == pytest.approx(7.903, abs=5e-4)
    # R&D intensity is a percentage: its change is in points, 2.65 − 2.08 = 0.57
    rd = national_trend("rd_intensity", span=10, year=2023)
    assert (rd.start_year, rd.change_kind) == (2013, "points") and rd.change == pytest.approx(RD_INTENSITY_2023 - RD_INTENSITY_2013)


def test_national_trend_never_spans_the_vintage_break():
    # 2022 − 15 = 2007 lies before the NBS 2009/2010 break: the start moves to 2010, the first newer-vintage year
    tr = national_trend("retail_sales", span=15, year=2022)
    assert tr.shortened and tr.start_year == 2010
    assert tr.start_value == national("retail_sales", [2010])["value"].item()
    assert not national_trend("retail_sales", span=10, year=2022).shortened


def test_peer_position_counts_the_peers_below_china():
    year = comparison_year("rd_intensity")
    pp = peer_position("rd_intensity", year)
    frame = countries("rd_intensity", ["CHN", *(e.code for e in peers())], [year]).set_index("economy")["value"]
    china = frame["CHN"]
    assert set(pp.below) == {c for c in frame.index if c != "CHN" and frame[c] < china}
    assert pp.n + len(pp.missing) == len(peers()) == 7
    # the comparison year is one most peers share with China
    assert sum(c in frame.index for c in (e.code for e in peers())) >= 4


def test_thin_oecd_means_are_not_shown_as_the_oecd():
    # R&D intensity: 35 of 38 members report for 2023 but only 2 for 2024 (a "mean" of 1.02 against ~2.2)
    frame = countries("rd_intensity", ["OECD_MEAN", "OED"], [2023, 2024])
    n = frame.set_index(["economy", "year"])["n_members"]
    assert n[("OECD_MEAN", 2024)] < 19 <= n[("OECD_MEAN", 2023)]
    kept = drop_thin_means(frame)
    assert set(zip(kept["economy"], kept["year"])) == {("OECD_MEAN", 2023), ("OED", 2023), *(
        {("OED", 2024)} & set(zip(frame["economy"], frame["year"])))}
    assert solid_mean(oecd_average("rd_intensity", 2024, "simple")) is None
    assert solid_mean(oecd_average("rd_intensity", 2023, "simple")) == oecd_average("rd_intensity", 2023, "simple")


@pytest.mark.parametrize("n", range(1, 7))
def test_status_line_numbers_are_the_series_values(ctx, n):
    values = views.status(ctx, n)
    intl_id, nat_id = HEADLINES[n]
    nat = national(nat_id)
    assert values["nat"]["tr"].value == nat.loc[nat["year"] == nat["year"].max(), "value"].item()
    text = ctx.text("status", **values)
    year = str(values["nat"]["tr"].year)
    assert year in text
    if intl_id is None:
        assert values["intl"] is None
        return
    st = values["intl"]["st"]
    raw = countries(intl_id, ["CHN", "OED", "OECD_MEAN"], [st.year]).set_index("economy")["value"]
    assert st.value == raw["CHN"]
    assert st.gap_to_oecd_mean == pytest.approx(raw["OECD_MEAN"] - raw["CHN"])
    if "OED" in raw:
        assert st.gap_to_oecd_aggregate == pytest.approx(raw["OED"] - raw["CHN"])
    # the line states China's level and the gap as computed, at the precision of the num filter
    from nqp_lib.report.markup import format_number

    assert format_number(st.value) in text and format_number(abs(st.gap_to_oecd_mean)) in text


def test_status_line_of_condition_one_reads_right(ctx):
    text = ctx.text("status", **views.status(ctx, 1))
    st = views.status(ctx, 1)["intl"]["st"]
    below = st.gap_to_oecd_aggregate > 0
    if ctx.lang == "en":
        assert ("below the OECD read as a weighted average" if below else "above the OECD read as a weighted average") in text
    else:
        assert ("低于经合组织加权平均" if below else "高于经合组织加权平均") in text


def test_ledger_summary_counts_the_computed_outcomes(ctx):
    with LEDGER_CSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    outcomes = Counter((int(r.claim.condition), r.outcome) for r in check_claims(lang=ctx.lang))
    table = views.ledger_summary(ctx)
    total = table.iloc[-1]
    assert total.iloc[-1] == len(rows) == sum(outcomes.values())
    for i, n in enumerate(range(1, 7)):
        row = table.iloc[i]
        assert row.iloc[-1] == sum(v for (c, _), v in outcomes.items() if c == n)
        assert list(row.iloc[1:-1]) == [outcomes.get((n, o), 0) for o in ("agrees", "differs", "consistent",
                                                                          "inconsistent", "not_checkable")]


def test_claims_table_lists_each_conditions_claims(ctx):
    by_condition = Counter(r.claim.condition for r in check_claims(lang=ctx.lang))
    for n in range(1, 7):
        assert len(views.claims_table(ctx, n)) == by_condition.get(n, 0)


def test_ledger_chart_filters_by_condition_and_outcome(ctx):
    spec = views.ledger_chart(ctx).to_dict()
    params = {p["name"]: p for p in spec["params"]}
    assert set(params) == {"ledger_condition", "ledger_outcome"}
    assert params["ledger_condition"]["bind"]["options"] == ["all", "1", "2", "3", "4", "5", "6"]
    assert params["ledger_outcome"]["bind"]["options"][0] == "all"
    data = next(iter(spec["datasets"].values()))
    assert len(data) == len(check_claims(lang=ctx.lang))


@pytest.mark.parametrize("n", range(1, 7))
def test_every_chart_has_title_source_unit_and_named_params(ctx, n):
    for view in (views.national_chart, views.peers_chart, views.provincial_chart):
        chart = view(ctx, n)
        if isinstance(chart, str):
            assert n == 6 and view is views.peers_chart  # only condition 6 has no international series
            continue
        spec = chart.to_dict()
        sub = " ".join(spec["title"]["subtitle"])
        assert spec["title"]["text"] and ctx.t("source") in sub and ctx.t("unit") in sub
        assert all(not p["name"].startswith("param_") for p in spec["params"])
    peers_chart = views.peers_chart(ctx, n)
    if not isinstance(peers_chart, str):
        sub = " ".join(peers_chart.to_dict()["title"]["subtitle"])
        assert ("World Bank WDI" in sub or "世界银行WDI" in sub or "Penn" in sub or "佩恩表" in sub)


def test_ends_keeps_top_bottom_and_focus():
    # 5 units, k = 1: per year the highest (e), the lowest (a) and the focus (c)
    frame = pd.DataFrame({"unit": list("abcde"), "indicator": "x", "year": 2020, "value": [1.0, 2, 3, 4, 5]})
    assert sorted(views.ends(frame, 1, "c")["unit"]) == ["a", "c", "e"]
    assert sorted(views.ends(frame, 2, None)["unit"]) == ["a", "b", "d", "e"]


CITIES_SYSTEM = """\
    id: cities
    name: {zh: 城市体系, en: City system}
    dimensions:
      - id: d1
        name: {zh: 维一, en: D1}
        indicators:
          - {id: rd, name: {zh: 研发, en: R&D}, column: rd, unit: "%", direction: "+", conditions: [1, 3]}
          - {id: net, name: {zh: 网络, en: Net}, column: net, unit: "%", direction: "+", conditions: [2]}
      - id: d2
        name: {zh: 维二, en: D2}
        indicators:
          - {id: shop, name: {zh: 零售, en: Retail}, column: shop, unit: "yuan", direction: "+", conditions: [4, 5, 6]}
    """


@pytest.mark.slow
def test_a_panel_of_cities_builds_section_two_without_province_words(tmp_path):
    """5 cities × 3 years: the national and international parts stay, the panel parts speak of cities."""
    from nqp_lib.report.build import build

    rows = ["city,year,rd,net,shop"]
    for i, city in enumerate(["Lyon", "Nantes", "Lille", "Nice", "Brest"]):
        for y in (2020, 2021, 2022):
            rows.append(f"{city},{y},{1 + i * 0.5 + (y - 2020) * 0.1},{60 + i * 3 + y - 2020},{1000 * (i + 1) + 50 * (y - 2020)}")
    (tmp_path / "cities.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "cities.yaml").write_text(textwrap.dedent(CITIES_SYSTEM), encoding="utf-8")
    for lang in ("en", "zh"):
        res = build(["conditions"], overrides={"panel": str(tmp_path / "cities.csv"), "system": str(tmp_path / "cities.yaml"),
                                               "focus": "Lille", "year_from": "2020", "year_to": "2022", "lang": lang},
                    out=tmp_path / lang, quiet=True)
        assert not res.failed, [o.error for o in res.failed]
        page = (tmp_path / lang / "02_conditions.html").read_text(encoding="utf-8")
        # the page without the Vega library: its text, tables and every chart's spec (titles, tooltips, selects)
        ours = re.sub(r"<script[^>]*>(?!\s*vegaEmbed).*?</script>", "", page, flags=re.S)
        assert "vegaEmbed(" in ours
        found = re.findall(r".{40}(?:province|provincial|省份|省际|各省).{40}", ours, re.I)
        assert not found, (lang, found[:3])
        visible = re.sub(r"<script.*?</script>", "", page, flags=re.S)
        specs = re.findall(r'"subtitle"', page)
        assert len(specs) >= 10  # national, international and panel charts are all there
        assert ("cities" if lang == "en" else "城市") in visible
        assert "Lille" in page and "Brest" in page
        assert (tmp_path / lang / "02_conditions.html").stat().st_size < 3_000_000


def test_a_large_panel_shows_only_the_ends_and_the_focus(tmp_path):
    """100 cities: the ranking carries the 15 highest, the 15 lowest and the focus city per indicator and
    year (31 rows each), never every city, and its note says so."""
    rows = ["city,year,rd,net,shop"]
    for i in range(100):
        for y in (2020, 2021):
            rows.append(f"C{i:03d},{y},{i + y - 2020},{(i * 37) % 100 + y - 2020},{1000 + i}")
    (tmp_path / "big.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "cities.yaml").write_text(textwrap.dedent(CITIES_SYSTEM), encoding="utf-8")
    ctx = setup("conditions", lang="en", panel=str(tmp_path / "big.csv"), system=str(tmp_path / "cities.yaml"),
                focus="C050", year_from=2020, year_to=2021)
    assert not ctx.is_provincial
    spec = views.provincial_chart(ctx, 1).to_dict()
    data = next(iter(v for v in spec["datasets"].values() if v and "k" in v[0]))
    assert len(data) == 2 * (2 * views.ENDS + 1)  # one indicator (rd) tagged 1, two years
    shown = {r["unit"] for r in data}
    assert "C050" in shown and {"C099", "C000", "C085", "C014"} <= shown and "C084" not in shown and "C015" not in shown
    assert "100 cities" in " ".join(spec["title"]["subtitle"])
    assert "province" not in str(spec).lower()
