"""The overview's and the connotation page's views: the argument graph, headline numbers, the unit profile,
the method comparison, and both pages built for a panel of cities in both languages."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nqp_lib.report.context import setup
from nqp_lib.report.views import connotation, overview


@pytest.fixture(scope="module")
def en():
    return setup("connotation", lang="en")


def test_argument_graph_follows_the_vocabulary_and_the_systems_tags(en):
    nodes, edges = overview.argument_graph(en)
    assert nodes.groupby("column").size().tolist() == [3, 4, 6, 6]
    w = edges.set_index(["source", "target"])["weight"]
    # three_elements: indicators of dimension "means" tagged high_tech (R&D intensity, patents …) counted
    means_ht = sum(1 for d in en.system.dimensions if d.id == "means" for i in d.indicators if "high_tech" in i.features)
    assert w[("elements:means", "features:high_tech")] == means_ht > 0
    green_5 = sum(1 for i in en.system.indicators if "green" in i.features and 5 in i.conditions)
    assert w[("features:green", "conditions:5")] == green_5
    assert all(w[(f"conditions:{k}", f"recommendations:{k}")] == 1 for k in range(1, 7))


def test_headline_values_are_the_scores_own_arithmetic():
    ctx = setup("overview", lang="en")
    v = overview.headline_values(ctx)
    s = ctx.scores
    m0, m1 = s[s["year"] == 2012]["score"].mean(), s[s["year"] == 2023]["score"].mean()
    assert v["mean0"] == pytest.approx(m0) and v["mean1"] == pytest.approx(m1)
    assert v["compound"] == pytest.approx(100 * ((m1 / m0) ** (1 / 11) - 1))
    assert v["simple"] == pytest.approx(100 * (m1 / m0 - 1) / 11)
    assert v["p90_1"] == pytest.approx(np.percentile(s[s["year"] == 2023]["score"], 90))
    assert overview.rebuild_command(ctx) == "nqp build overview -p lang en"


def test_profile_medians_and_raw_values(en):
    p = connotation.profiles(en)
    res = en.index.result_
    a = res.arrays
    j = a.indicators.index("rd_intensity")
    sel = a.years == 2023
    col = a.normalised[sel, j]
    row = p[(p["unit"] == "广东") & (p["item"] == "rd_intensity")].iloc[0]
    assert row["median_all"] == pytest.approx(np.median(col))
    east = [u for u, g in zip(en.scores["unit"], en.scores["group"]) if g == row["group"]]
    east_vals = [v for u, v in zip(a.units[sel], col) if u in set(east)]
    assert row["median_group"] == pytest.approx(np.median(east_vals))
    raw = a.raw[sel & (a.units == "广东"), j][0]
    assert row["raw_text"].startswith(f"{raw:.3f}") and "% of GDP" in row["raw_text"]
    v = connotation.profile_values(en)
    assert v["n_ind"] == len(en.system.indicators) and not v["summarised"]


def test_method_comparison_includes_the_registries_methods_and_its_own_ranking(en):
    mr = connotation.method_ranks(en)
    assert mr.nominal == "entropy/sum"
    assert (mr.ranks["entropy/sum"].sort_index() ==
            en.scores[en.scores["year"] == 2023].set_index("unit")["rank"].sort_index()).all()
    t = connotation.correlation_table(en)
    assert len(t) == len(mr.variants) - 1 and (t["Spearman ρ"] <= 1).all()
    v = connotation.robustness_values(en)
    assert v["rho_min_nominal"] <= v["rho_max_nominal"] <= 1 and v["mover_spread"] == v["mover_worst"] - v["mover_best"]


def test_energy_intensity_is_total_energy_over_total_gdp(en):
    data = connotation.intensity_series(en)
    f = en.panel.frame
    f = f[(f["year"] == 2015) & ~f["unit"].isin(en.excluded_units)].dropna(subset=["energy_10k_tce", "gdp_100m_yuan"])
    row = data[(data["series"] == en.t("cn_energy_intensity")) & (data["year"] == 2015)].iloc[0]
    assert row["national"] == pytest.approx(f["energy_10k_tce"].sum() / f["gdp_100m_yuan"].sum())
    assert data["year"].max() == 2019  # provincial energy and CO2 end in 2019


PROVINCE_WORDS = re.compile(r"province|provincial|省份|各省|分省", re.IGNORECASE)


def _visible_text(html: str) -> str:
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    html = re.sub(r"<footer.*?</footer>", " ", html, flags=re.S)  # provenance: file names of the shipped data
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_panel_of_cities_builds_both_pages_in_its_own_words(tmp_path, lang):
    from nqp_lib.data.panel import provincial_panel
    from nqp_lib.report.build import build

    frame = provincial_panel().frame
    keep = sorted(frame["unit"].unique())[:8]
    names = {u: f"City{i}" for i, u in enumerate(keep)}
    cities = frame[frame["unit"].isin(keep)].assign(unit=lambda f: f["unit"].map(names)).rename(columns={"unit": "city"})
    cities.to_csv(tmp_path / "cities.csv", index=False)
    res = build(["overview", "connotation"], overrides={"panel": str(tmp_path / "cities.csv"), "focus": "City3",
                                                        "lang": lang}, out=tmp_path / "out", quiet=True)
    assert not res.failed, [o.error for o in res.failed]
    for page in ("00_overview.html", "01_connotation.html"):
        text = _visible_text((tmp_path / "out" / page).read_text(encoding="utf-8"))
        ctx = setup("overview", lang=lang, panel=str(tmp_path / "cities.csv"), focus="City3")
        text = text.replace(overview.index_map(ctx), "")  # the note saying why the tile map is left out
        for i in ctx.system.indicators:  # the system file's own units ("ratio to the all-province average")
            text = text.replace(i.unit_in(lang), "")
        found = PROVINCE_WORDS.findall(text)
        assert not found, f"{page}: {found[:5]}"
        assert ("cities" in text) if lang == "en" else ("城市" in text)


def _colours(spec: dict) -> dict[str, str]:
    """group → colour of every colour scale with an explicit domain in a chart spec (layers and facets)."""
    found: dict[str, str] = {}

    def walk(node):
        if isinstance(node, dict):
            scale = node.get("scale") if node.get("field") == "group" else None
            if isinstance(scale, dict) and "domain" in scale:
                found.update(zip(scale["domain"], scale["range"]))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    return found


def test_region_colours_are_the_same_in_both_languages():
    zh, en = setup("overview", lang="zh"), setup("overview", lang="en")
    names = dict(zip(zh.regions["group"], en.regions["group"]))  # 东部 → East …
    for view in (overview.index_ranking, overview.reweight, overview.headline_chart):
        c_zh, c_en = _colours(view(zh).to_dict()), _colours(view(en).to_dict())
        assert len(c_zh) == 4 and {names[g]: c for g, c in c_zh.items()} == c_en, view.__name__


def test_reweighting_says_nothing_to_rank_when_every_weight_is_zero():
    en = setup("overview", lang="en")
    spec = str(overview.reweight(en).to_dict())
    assert "there is nothing to rank" in spec
    # the note is shown, and bars and names hidden, exactly when the sum of the weights is 0
    assert spec.count("(rw_w_laborers + rw_w_objects + rw_w_means) <= 0") == 3


def test_indicator_medians_skip_imputed_cells_and_say_when_data_end_early(en):
    from nqp_lib.measure.profile import indicator_medians

    med = indicator_medians(en.index.result_).set_index("indicator")
    f = en.panel.frame  # the panel before imputation: an independent oracle
    f = f[~f["unit"].isin(en.excluded_units)]
    e = med.loc["energy_intensity"]
    assert (e["first_year"], e["last_year"], bool(e["ends_early"])) == (2012, 2019, True)
    col = "energy_intensity_tce_per_10k_yuan"
    assert e["first"] == pytest.approx(f[f["year"] == 2012][col].median())
    assert e["last"] == pytest.approx(f[f["year"] == 2019][col].median())
    assert e["change_pct"] == pytest.approx(100 * (e["last"] / e["first"] - 1))
    assert bool(e["better"]) == (e["last"] < e["first"])  # a cost indicator improves when it falls
    r = med.loc["rd_intensity"]
    assert r["last_year"] == 2023 and not r["ends_early"]
    assert r["last"] == pytest.approx(f[f["year"] == 2023]["rd_intensity_pct"].median())
