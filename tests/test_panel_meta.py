"""Panels that describe themselves (issue #11): sidecar metadata, inference, and what the report and the CLI
do with it — groupings drive Dagum, a user W drives Moran, measure keeps grouping columns, the shipped
international panel reads the WDI cells it says it reads.

The small country panel below is made in the test: 6 economies × 3 years × 2 indicators and a text column
``bloc`` (north: A, B, C; south: D, E, F). Values are chosen so that hand arithmetic is short.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nqp_lib.data.panelmeta import describe_panel, read_sidecar
from nqp_lib.data.userpanel import read_panel
from nqp_lib.errors import DataError, ParameterError

UNITS = ["A", "B", "C", "D", "E", "F"]
BLOC = {"A": "north", "B": "north", "C": "north", "D": "south", "E": "south", "F": "south"}
#: x rises with the unit's position; north units are far ahead, so groups differ
LEVEL = {"A": 10.0, "B": 9.0, "C": 8.0, "D": 3.0, "E": 2.0, "F": 1.0}

SYSTEM = """\
id: tiny
name: {zh: 小体系, en: Tiny system}
dimensions:
  - id: one
    name: {zh: 一, en: One}
    indicators:
      - id: x
        name: {zh: 指标x, en: Indicator x}
        column: x
        unit: "%"
        direction: "+"
        features: [high_tech]
        conditions: [1]
      - id: y
        name: {zh: 指标y, en: Indicator y}
        column: y
        unit: "%"
        direction: "+"
        features: [green]
        conditions: [2]
"""


def write_panel(tmp_path: Path, name: str = "econ.csv", key: str = "country") -> Path:
    rows = [f"{key},year,bloc,x,y"]
    for u in UNITS:
        for k, year in enumerate((2020, 2021, 2022)):
            rows.append(f"{u},{year},{BLOC[u]},{LEVEL[u] + k},{LEVEL[u] * 2 + k}")
    p = tmp_path / name
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "tiny.yaml").write_text(SYSTEM, encoding="utf-8")
    return p


SIDECAR = """\
unit_kind: country
unit_noun: {zh: 经济体, en: economy, en_plural: economies}
names:
  A: {zh: 甲国, en: Alpha}
  D: {zh: 丁国, en: Delta}
groupings:
  - column: bloc
    name: {zh: 集团, en: Bloc}
    values: {north: {zh: 北方, en: North}, south: {zh: 南方, en: South}}
citation: "Made-up Statistics Office (2026), Test panel"
licence: CC BY 4.0
focus: D
"""


# ----------------------------------------------------------------------------------------- the sidecar


def test_sidecar_gives_kind_names_groupings_citation_and_licence(tmp_path):
    p = write_panel(tmp_path)
    (tmp_path / "econ.meta.yaml").write_text(SIDECAR, encoding="utf-8")
    panel = read_panel(p)
    meta = panel.meta
    assert meta.source == tmp_path / "econ.meta.yaml"
    assert panel.unit_kind == "country" and panel.unit_nouns == {"zh": "经济体", "en": "economy", "en_plural": "economies"}
    assert meta.name("A", "zh") == "甲国" and meta.name("D", "en") == "Delta" and meta.name("B", "en") == "B"
    assert meta.grouping_columns == ["bloc"]
    assert meta.group_of("bloc", "zh").to_dict() == {u: ("北方" if BLOC[u] == "north" else "南方") for u in UNITS}
    assert meta.focus == "D"
    # the text column is a description, not an indicator
    assert panel.variables == ["x", "y"]
    prov = panel.provenance[0]
    assert prov.citation == "Made-up Statistics Office (2026), Test panel" and prov.licence == "CC BY 4.0"
    from nqp_lib.data.citation import source_line

    line = source_line(panel, "en", computed=False)
    assert "Made-up Statistics Office (2026), Test panel" in line and "Yearbook" not in line and "NBS" not in line


@pytest.mark.parametrize("text, key", [
    ("unit_kind: country\ncolour: blue\n", "'colour'"),
    ("unit_kind: planet\n", "'unit_kind'"),
    ("groupings:\n  - column: continent\n", "groupings[0]"),
    ("names:\n  Z: {zh: 某国}\n", "'names'"),
    ("weights: nowhere.csv\n", "'weights'"),
    ("focus: Q\n", "'focus'"),
    ("unit_noun: {fr: pays}\n", "'unit_noun'"),
    ("- just\n- a list\n", "expected a mapping"),
])
def test_sidecar_errors_exit_2_naming_the_file_and_key(tmp_path, run_cli, text, key):
    p = write_panel(tmp_path)
    side = tmp_path / "econ.meta.yaml"
    side.write_text(text, encoding="utf-8")
    res = run_cli("check-data", p)
    assert res.code == 2
    assert str(side) in res.err and key in res.err, res.err


def test_sidecar_named_with_meta_and_size_bound(tmp_path, run_cli):
    p = write_panel(tmp_path)
    other = tmp_path / "described.yaml"
    other.write_text(SIDECAR, encoding="utf-8")
    res = run_cli("check-data", p, "--system", tmp_path / "tiny.yaml", "--meta", other)
    assert res.code == 0, res.err
    assert f"Metadata: {other}" in res.out and "grouping 'bloc' (Bloc / 集团): 2 groups" in res.out
    assert "citation: Made-up Statistics Office (2026), Test panel" in res.out
    big = tmp_path / "big.yaml"
    big.write_text("citation: '" + "x" * 300_000 + "'\n", encoding="utf-8")
    with pytest.raises(DataError, match=rf"{big}: 300,\d+ bytes; a panel metadata file may have at most"):
        read_sidecar(big)


def test_without_sidecar_the_reader_infers_and_says_so(tmp_path, run_cli):
    p = write_panel(tmp_path, key="city")
    panel = read_panel(p)
    meta = panel.meta
    assert meta.source is None and panel.unit_kind == "city"
    assert meta.grouping_columns == ["bloc"]
    assert "unit kind 'city' inferred from the key column 'city'" in meta.notes
    assert "column 'bloc' taken as a grouping (2 groups)" in meta.notes
    res = run_cli("check-data", p)
    assert res.code == 0
    assert "Metadata: no sidecar file — inferred from the panel" in res.out
    assert "inferred: column 'bloc' taken as a grouping (2 groups)" in res.out


def test_a_city_panel_with_a_province_column_keys_on_the_city(tmp_path):
    # 'province' is also a unit-like name; the key is the column with the most distinct values
    rows = ["city,province,year,x"] + [f"c{k},{'p1' if k < 3 else 'p2'},2020,{k}" for k in range(6)]
    p = tmp_path / "cities.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    panel = read_panel(p)
    assert panel.unit_names == [f"c{k}" for k in range(6)] and panel.unit_kind == "city"
    assert panel.meta.grouping_columns == ["province"]
    assert any("unit column 'city' chosen over 'province'" in n for n in panel.notes)


def test_text_column_that_does_not_group_is_not_a_grouping():
    text = pd.DataFrame({"unit": ["a", "b", "c"], "year": [2020] * 3, "label": ["x", "y", "z"], "one": ["k"] * 3})
    meta, used = describe_panel(text, ["a", "b", "c"], "other", "unit", None)
    assert meta.groupings == [] and used == []
    assert "text column 'label' not used (3 distinct value(s) for 3 units)" in meta.notes
    assert "text column 'one' not used (1 distinct value(s) for 3 units)" in meta.notes


# ----------------------------------------------------------------------------------------- the report


def settings_for(tmp_path, **extra):
    from nqp_lib.report.context import check_settings

    p = write_panel(tmp_path)
    base = dict(panel=str(p), system=str(tmp_path / "tiny.yaml"), year_from=2020, year_to=2022, lang="en")
    return check_settings(**{**base, **extra})


def test_defaults_that_do_not_fit_fall_back_and_the_page_says_so(tmp_path):
    from nqp_lib.report.context import Report

    s = settings_for(tmp_path, year_from=2012, year_to=2023)  # the declared defaults: outside 2020–2022
    assert (s.year_from, s.year_to, s.grouping) == (2020, 2022, "bloc")
    # no sidecar focus: the top scorer of the last year (A has the highest x and y)
    assert s.focus == "A"
    note = Report("overview", s).defaults_note()
    assert "Years: the default 2012–2023 lies outside this panel's years, so 2020–2022 is used." in note
    assert "“bloc” (bloc) is used instead" in note and "so A is used (top score in 2022)" in note


def test_a_given_grouping_the_panel_lacks_is_refused_with_its_groupings(tmp_path):
    with pytest.raises(ParameterError, match=r"parameter 'grouping' = 'income' is not a grouping column of panel .*"
                                             r"its groupings: bloc; or 'none'"):
        settings_for(tmp_path, grouping="income")
    with pytest.raises(ParameterError, match=r"parameter 'focus' = 'Atlantis' is not a unit"):
        settings_for(tmp_path, focus="Atlantis")


def test_user_grouping_drives_dagum(tmp_path):
    from nqp_lib.report.context import Report
    from nqp_lib.report.views import methods

    ctx = Report("methods", settings_for(tmp_path, grouping="bloc"))
    assert set(ctx.scores["group"]) == {"north", "south"}
    summary = methods.dagum(ctx).summary
    # every north score exceeds every south score: no overlap, so transvariation is 0 and the between part is
    # the whole between-group contribution; with two equal-sized groups far apart it dominates
    assert (summary["share_nb"] > 0.5).all() and np.allclose(summary["G_t"], 0.0)
    assert np.allclose(summary["G_w"] + summary["G_nb"] + summary["G_t"], summary["G"])
    # no grouping: the views say so instead of a 100 % "within" decomposition
    none = Report("methods", settings_for(tmp_path, grouping="none"))
    assert methods.dagum_table(none) == none.t("grouping_none")


def test_user_weights_drive_moran_equal_to_the_hand_value(tmp_path):
    from nqp_lib.report.context import Report
    from nqp_lib.report.views import methods

    w = tmp_path / "w.csv"  # a chain A–B–C–D–E–F, undirected written both ways
    edges = [("A", "B"), ("B", "C"), ("C", "D"), ("D", "E"), ("E", "F")]
    w.write_text("from,to\n" + "".join(f"{a},{b}\n{b},{a}\n" for a, b in edges), encoding="utf-8")
    ctx = Report("methods", settings_for(tmp_path, weights_matrix=str(w), seed=3))
    result = methods.moran(ctx)
    assert result is not None
    # oracle: I = (n / S0) · zᵀWz / zᵀz with W row-standardised (S0 = n)
    dense = np.zeros((6, 6))
    for a, b in edges:
        i, j = UNITS.index(a), UNITS.index(b)
        dense[i, j] = dense[j, i] = 1
    dense = dense / dense.sum(axis=1, keepdims=True)
    scores = ctx.scores
    for year in (2020, 2021, 2022):
        y = scores[scores["year"] == year].set_index("unit").loc[UNITS, "score"].to_numpy()
        z = y - y.mean()
        expected = (z @ dense @ z) / (z @ z)
        got = result.global_.set_index("period").loc[year, "I"]
        assert math.isclose(got, expected, rel_tol=1e-12)
    # and without any W a non-provincial panel has no spatial measures
    assert methods.moran(Report("methods", settings_for(tmp_path))) is None


def test_labels_take_the_panels_nouns_and_groups(tmp_path):
    from nqp_lib.report.context import Report

    (tmp_path / "econ.meta.yaml").write_text(SIDECAR, encoding="utf-8")
    s = settings_for(tmp_path)
    assert s.focus == "D"  # the sidecar's focus
    ctx = Report("overview", s)
    assert ctx.t("median") == "Median of economies" and ctx.t("region") == "Bloc"
    assert ctx.name_of("A") == "Alpha" and dict(zip(ctx.regions["unit"], ctx.regions["group"]))["E"] == "South"
    zh = Report("overview", settings_for(tmp_path, lang="zh"))
    assert zh.t("median") == "经济体中位数" and zh.t("province") == "经济体" and zh.name_of("A") == "甲国"


# ----------------------------------------------------------------------------------------- the CLI


def test_measure_keeps_grouping_columns_and_disparity_reads_them(tmp_path, run_cli):
    p = write_panel(tmp_path)
    out = tmp_path / "m"
    res = run_cli("measure", p, "--system", tmp_path / "tiny.yaml", "--out", out)
    assert res.code == 0, res.err
    scores = pd.read_csv(out / "scores.csv")
    assert list(scores.columns[:4]) == ["unit", "year", "score", "rank"] and scores.columns[-1] == "bloc"
    assert dict(zip(scores["unit"], scores["bloc"])) == BLOC
    d = run_cli("disparity", out / "scores.csv", "--value", "score", "--group", "bloc", "--out", tmp_path / "d",
                "--measures", "dagum")
    assert d.code == 0, d.err


def test_measure_unit_option_names_the_key_column(tmp_path, run_cli):
    p = write_panel(tmp_path, key="code")  # 'code' is not a recognised key name
    res = run_cli("measure", p, "--system", tmp_path / "tiny.yaml", "--out", tmp_path / "m")
    assert res.code == 2 and "no unit column" in res.err
    res = run_cli("measure", p, "--system", tmp_path / "tiny.yaml", "--unit", "code", "--out", tmp_path / "m")
    assert res.code == 0, res.err


# ----------------------------------------------------------------------------------------- the international panel


def raw_wdi(code: str, economy: str, year: int) -> float:
    """One cell of the shipped WDI file, read with the csv module (independent of nqp's loader)."""
    from nqp_lib.data.package import resource_path

    with open(resource_path("wdi_long"), encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["indicator_code"] == code and row["Country Code"] == economy and int(row["Year"]) == year:
                return float(row["Value"])
    raise KeyError((code, economy, year))


def test_international_panel_reads_the_wdi_cells():
    from nqp_lib.data.userpanel import open_panel

    panel = open_panel("international")
    f = panel.frame.set_index(["unit", "year"])
    assert panel.unit_kind == "country" and len(panel.unit_names) == 46 and panel.years[0] == 2000
    assert f.loc[("CHN", 2023), "rd_intensity_pct"] == raw_wdi("GB.XPD.RSDV.GD.ZS", "CHN", 2023)
    assert f.loc[("USA", 2020), "broadband_per_100"] == raw_wdi("IT.NET.BBND.P2", "USA", 2020)
    expected = raw_wdi("IP.PAT.RESD", "JPN", 2019) / raw_wdi("SP.POP.TOTL", "JPN", 2019) * 1e6
    assert math.isclose(f.loc[("JPN", 2019), "patents_per_million"], expected, rel_tol=1e-12)
    meta = panel.meta
    assert meta.focus == "CHN" and meta.grouping_columns == ["income_group", "g20", "oecd"]
    groups = meta.groups.set_index("unit")
    assert groups.loc["CHN", "oecd"] == "non-OECD" and groups.loc["MEX", "g20"] == "G20"
    assert groups.loc["IND", "income_group"] == "Lower middle income"
    assert "World Bank" in panel.provenance[0].citation


# ----------------------------------------------------------------------------------------- a country report


def visible_text(page: str) -> str:
    """The page without its scripts and styles (the Vega bundle has unrelated words)."""
    import re

    return re.sub(r"<(script|style)[^>]*>.*?</\1>", "", page, flags=re.S)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_country_panel_overview_has_no_province_wording_and_its_own_source(tmp_path, lang):
    from nqp_lib.report.build import build

    p = write_panel(tmp_path)
    (tmp_path / "econ.meta.yaml").write_text(SIDECAR, encoding="utf-8")
    out = tmp_path / "out"
    res = build(["00_overview"], overrides={"panel": str(p), "system": str(tmp_path / "tiny.yaml"), "lang": lang,
                                            "year_from": "2020", "year_to": "2022"}, out=out, quiet=True)
    assert [o.status for o in res.outcomes] == ["ok"], [o.error for o in res.failed]
    full = (out / "00_overview.html").read_text(encoding="utf-8")
    page = visible_text(full)
    for word in ("province", "Province", "省份", "省际", "Yearbook", "CEADs", "NBS"):
        assert word not in page, word
    # the sidecar's citation is the source line under the charts (chart specs are in the page's scripts)
    assert "Made-up Statistics Office (2026), Test panel" in full
    assert "China Statistical Yearbook on S&T" not in full and "《中国科技统计年鉴》" not in full
    assert ("Delta" if lang == "en" else "丁国") in page  # display names, and the sidecar's focus


def test_uncertainty_keeps_grouping_columns(tmp_path, run_cli):
    p = write_panel(tmp_path)
    out = tmp_path / "u"
    res = run_cli("uncertainty", p, "--system", tmp_path / "tiny.yaml", "--draws", "10", "--seed", "1", "--out", out)
    assert res.code == 0, res.err
    ranks = pd.read_csv(out / "ranks.csv")
    assert ranks.columns[-1] == "bloc" and dict(zip(ranks["unit"], ranks["bloc"])) == BLOC


def test_international_report_settings_follow_the_panel():
    from nqp_lib.report.context import Report, check_settings

    s = check_settings(panel="international", system="international", focus="中国", grouping="g20", lang="zh")
    assert s.focus == "CHN" and s.grouping == "g20" and s.adjusted == ()
    ctx = Report("overview", s)
    assert ctx.noun() == "经济体" and ctx.name_of("CHN") == "中国" and ctx.t("region") == "二十国集团"
    assert dict(zip(ctx.regions["unit"], ctx.regions["group"]))["CHN"] == "二十国集团成员"
    assert ctx.weights() is None  # no spatial weights ship with the international panel
    default = check_settings(panel="international", system="international", lang="en")
    assert (default.focus, default.grouping) == ("CHN", "income_group")


def test_sidecar_weights_reach_moran_and_bad_labels_are_refused(tmp_path):
    from nqp_lib.report.context import Report
    from nqp_lib.report.views import methods

    p = write_panel(tmp_path)
    (tmp_path / "w.csv").write_text("from,to\nA,B\nB,A\nB,C\nC,B\nD,E\nE,D\nE,F\nF,E\nC,D\nD,C\n", encoding="utf-8")
    (tmp_path / "econ.meta.yaml").write_text("weights: w.csv\n", encoding="utf-8")
    from_sidecar = methods.moran(Report("methods", settings_for(tmp_path)))
    as_parameter = methods.moran(Report("methods", settings_for(tmp_path, weights_matrix=str(tmp_path / "w.csv"))))
    assert from_sidecar.global_["I"].tolist() == as_parameter.global_["I"].tolist()
    (tmp_path / "w.csv").write_text("from,to\nX,Y\nY,X\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"econ\.meta\.yaml: key 'weights': its labels \(X, Y …\) share 0 unit"):
        settings_for(tmp_path)


def test_cache_key_covers_the_sidecar_and_its_weights(tmp_path):
    from nqp_lib.report.build.cache import input_hashes

    p = write_panel(tmp_path)
    params = {"panel": str(p), "system": str(tmp_path / "tiny.yaml"), "panel_meta": "", "weights_matrix": ""}
    before = input_hashes(params)
    (tmp_path / "w.csv").write_text("from,to\nA,B\nB,A\n", encoding="utf-8")
    (tmp_path / "econ.meta.yaml").write_text("weights: w.csv\n", encoding="utf-8")
    after = input_hashes(params)
    side, w = f"file:{(tmp_path / 'econ.meta.yaml').resolve()}", f"file:{(tmp_path / 'w.csv').resolve()}"
    assert side not in before and side in after and w in after
    (tmp_path / "w.csv").write_text("from,to\nA,C\nC,A\n", encoding="utf-8")
    assert input_hashes(params)[w] != after[w]  # an edited W file changes the key


def test_the_panels_own_system_replaces_the_default(tmp_path):
    from nqp_lib.report.context import Report, check_settings

    s = check_settings(panel="international", lang="en")  # system left at its default, three_elements
    assert s.system == "international"
    assert "its metadata names international, which is used instead" in Report("overview", s).defaults_note()
    p = write_panel(tmp_path)
    (tmp_path / "econ.meta.yaml").write_text("system: tiny.yaml\n", encoding="utf-8")
    own = check_settings(panel=str(p), year_from=2020, year_to=2022)
    assert own.system == str((tmp_path / "tiny.yaml").resolve())
    (tmp_path / "econ.meta.yaml").write_text("system: nowhere.yaml\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"econ\.meta\.yaml: key 'system': 'nowhere.yaml' is neither a shipped"):
        check_settings(panel=str(p), year_from=2020, year_to=2022)


def test_a_unit_without_a_group_value_is_labelled_as_such(tmp_path):
    from nqp_lib.report.context import Report, check_settings

    p = write_panel(tmp_path)
    p.write_text(p.read_text(encoding="utf-8").replace("F,2020,south", "F,2020,").replace("F,2021,south", "F,2021,")
                 .replace("F,2022,south", "F,2022,"), encoding="utf-8")
    s = check_settings(panel=str(p), system=str(tmp_path / "tiny.yaml"), year_from=2020, year_to=2022, lang="en")
    assert any("grouping 'bloc': 1 unit(s) without a value (e.g. F)" in n for n in Report("overview", s).meta.notes)
    assert dict(zip(Report("overview", s).regions["unit"], Report("overview", s).regions["group"]))["F"] == "no group"


def test_sidecar_key_names_the_unit_column(tmp_path):
    p = write_panel(tmp_path, key="code")  # not a recognised key name
    with pytest.raises(DataError, match="no unit column"):
        read_panel(p)
    (tmp_path / "econ.meta.yaml").write_text("key: code\nunit_kind: country\n", encoding="utf-8")
    panel = read_panel(p)
    assert panel.unit_names == UNITS and panel.unit_kind == "country" and panel.meta.grouping_columns == ["bloc"]


def test_focus_position_on_the_international_panel_is_the_index_rank():
    from nqp_lib.report.context import Report, check_settings
    from nqp_lib.report.views.common import focus_position

    ctx = Report("overview", check_settings(panel="international", lang="en"))
    pos = focus_position(ctx)
    s = ctx.scores.dropna(subset=["score"])
    end = s[s["year"] == 2023]
    # oracle: 1 + the number of economies scoring higher than China in 2023
    china = end.loc[end["unit"] == "CHN", "score"].iat[0]
    assert pos["focus_name"] == "China" and pos["last_year"] == 2023 and pos["n_ranked"] == len(end)
    assert pos["focus_rank"] == 1 + int((end["score"] > china).sum())
    upper = end[end["group"] == "Upper middle income"]
    assert pos["group_name"] == "Upper middle income" and pos["group_size"] == len(upper)
    assert pos["group_rank"] == 1 + int((upper["score"] > china).sum())
    text = ctx.text("ranking", **pos)
    assert f"In 2023 China ranks {pos['focus_rank']} of the {len(end)} economies measured" in text
