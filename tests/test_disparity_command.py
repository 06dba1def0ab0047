"""``nqp disparity`` end to end: real provincial data, a synthetic 2,800-unit table, options and user errors."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pandas as pd
import pytest

from conftest import run_nqp_subprocess
from disparity_fixtures import (
    SHARED_PANEL,
    contiguity_from_shared,
    gini_pairwise,
    moran_double_sum,
    synthetic_panel,
)

FAST = ("--permutations", "99")


@pytest.fixture(scope="module")
def rd_frame() -> pd.DataFrame:
    """R&D intensity (% of GDP) by province and year, 2011–2023, from the shared merged panel."""
    panel = pd.read_csv(SHARED_PANEL)
    return panel[["province", "year", "stc_rd_intensity_pct", "nqp_population_10k"]].rename(
        columns={"province": "unit", "stc_rd_intensity_pct": "rd", "nqp_population_10k": "pop"}
    )


@pytest.fixture
def rd_csv(tmp_path, rd_frame):
    path = tmp_path / "rd.csv"
    rd_frame.to_csv(path, index=False)
    return path


def test_real_panel_all_measures(run_cli, rd_csv, rd_frame, tmp_path):
    out = tmp_path / "out"
    res = run_cli("disparity", rd_csv, "--value", "rd", "--out", out, *FAST)
    assert res.code == 0, res.err
    assert "Dagum 2023" in res.out and "Moran's I 2023" in res.out
    expected = {"gini", "theil", "theil_groups", "dagum", "dagum_pairs", "kde", "kde_summary", "markov",
                "markov_steady", "markov_passage", "markov_tests", "sigma", "convergence", "moran", "lisa"}
    assert {p.stem for p in out.glob("*.csv")} == expected
    gini_table = pd.read_csv(out / "gini.csv")
    dagum_table = pd.read_csv(out / "dagum.csv")
    for year in (2011, 2017, 2023):
        y = rd_frame.loc[rd_frame["year"] == year, "rd"].to_numpy()
        g = gini_table.set_index("period").at[year, "gini"]
        assert g == pytest.approx(gini_pairwise(y), abs=1e-12)
        assert dagum_table.set_index("period").at[year, "G"] == pytest.approx(g, abs=1e-12)
    parts = dagum_table[["G_w", "G_nb", "G_t"]].sum(axis=1)
    assert parts.to_numpy() == pytest.approx(dagum_table["G"].to_numpy(), abs=1e-12)
    assert set(dagum_table["group_order"].iloc[0].split(" < ")) == {"East", "Central", "West", "Northeast"}
    pairs = pd.read_csv(out / "dagum_pairs.csv")
    assert len(pairs) == 13 * (4 + 6)
    assert pairs.groupby("pair").size().eq(13).all()  # a stable label per pair, whatever the order by mean
    theil_table = pd.read_csv(out / "theil.csv")
    assert (theil_table["within"] + theil_table["between"]).to_numpy() == pytest.approx(theil_table["total"].to_numpy())
    # Moran's I with the regions table's contiguity equals the double sum over the shared adjacency matrix
    W = contiguity_from_shared()
    Wr = W.div(W.sum(axis=1), axis=0)
    y2023 = rd_frame[rd_frame["year"] == 2023].set_index("unit").loc[W.index, "rd"].to_numpy()
    moran_table = pd.read_csv(out / "moran.csv").set_index("period")
    assert moran_table.at[2023, "I"] == pytest.approx(moran_double_sum(y2023, Wr.to_numpy()), abs=1e-12)
    assert (moran_table["permutations"] == 99).all()
    markov = pd.read_csv(out / "markov.csv")
    for basis in ("absolute", "relative"):  # both bases by default
        chains = markov[markov["basis"] == basis]
        assert chains.loc[chains["chain"] == "classic", "count"].sum() == 31 * 12
        assert chains.loc[chains["chain"] == "spatial", "count"].sum() == 31 * 12
    assert len(pd.read_csv(out / "kde.csv")) == 13 * 200
    convergence = pd.read_csv(out / "convergence.csv")
    assert convergence["model"].tolist() == ["absolute", "conditional"]
    assert len(pd.read_csv(out / "lisa.csv")) == 31 * 13
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["input"]["sha256"] == hashlib.sha256(rd_csv.read_bytes()).hexdigest()
    assert record["group"] == "regions table: region4" and record["options"]["weights"] == "provincial contiguity"
    assert record["options"]["markov"]["absolute"]["cuts"] == pytest.approx(
        np.quantile(rd_frame["rd"], [0.25, 0.5, 0.75]).tolist())
    relative = rd_frame["rd"] / rd_frame.groupby("year")["rd"].transform("mean")
    assert record["options"]["markov"]["relative"]["cuts"] == pytest.approx(
        np.quantile(relative, [0.25, 0.5, 0.75]).tolist())
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in out.iterdir())  # readable by others, like nqp build's


def test_english_names_and_codes_resolve_to_the_same_provinces(run_cli, rd_frame, tmp_path):
    from nqp_lib.data.regions import load_regions

    regions = load_regions().set_index("name_zh")
    results = {}
    for label, column in (("zh", None), ("en", "name_en"), ("code", "code")):
        frame = rd_frame.copy()
        if column:
            frame["unit"] = frame["unit"].map(regions[column])
        path = tmp_path / f"{label}.csv"
        frame.to_csv(path, index=False)
        res = run_cli("disparity", path, "--value", "rd", "--out", tmp_path / label, "--measures", "dagum,moran", *FAST)
        assert res.code == 0, res.err
        results[label] = (pd.read_csv(tmp_path / label / "dagum.csv"), pd.read_csv(tmp_path / label / "moran.csv"))
    for label in ("en", "code"):
        pd.testing.assert_frame_equal(results[label][0], results["zh"][0])
        pd.testing.assert_frame_equal(results[label][1], results["zh"][1])


def test_user_weights_and_groups(run_cli, rd_csv, rd_frame, tmp_path):
    w_path = tmp_path / "W.csv"
    contiguity_from_shared().to_csv(w_path)
    for name, extra in (("default", ()), ("user", ("--weights", w_path))):
        res = run_cli("disparity", rd_csv, "--value", "rd", "--out", tmp_path / name, "--measures", "moran,markov",
                      *FAST, *extra)
        assert res.code == 0, res.err
    for table in ("moran", "lisa", "markov"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "default" / f"{table}.csv"),
                                      pd.read_csv(tmp_path / "user" / f"{table}.csv"))
    # belt3 grouping and a user column
    res = run_cli("disparity", rd_csv, "--value", "rd", "--group", "belt3", "--out", tmp_path / "belt", "--measures", "dagum")
    assert res.code == 0, res.err
    assert set(pd.read_csv(tmp_path / "belt" / "dagum.csv")["group_order"].iloc[0].split(" < ")) == {
        "Eastern", "Central", "Western"}
    frame = rd_frame.assign(half=np.where(rd_frame["rd"] > 1.5, "hi", "lo"))
    frame.to_csv(tmp_path / "half.csv", index=False)
    res = run_cli("disparity", tmp_path / "half.csv", "--value", "rd", "--group", "half", "--out", tmp_path / "half",
                  "--measures", "dagum,theil")
    assert res.code == 0, res.err
    assert pd.read_csv(tmp_path / "half" / "dagum.csv")["group_order"].iloc[0] == "lo < hi"


def test_population_weights_and_group_none(run_cli, rd_csv, rd_frame, tmp_path):
    from nqp_lib.disparity import gini

    res = run_cli("disparity", rd_csv, "--value", "rd", "--weight", "pop", "--group", "none", "--out", tmp_path / "o",
                  "--measures", "gini,theil,dagum")
    assert res.code == 0, res.err
    assert "dagum: skipped (--group none)" in res.out
    table = pd.read_csv(tmp_path / "o" / "gini.csv").set_index("period")
    y = rd_frame[rd_frame["year"] == 2020]
    assert table.at[2020, "gini"] == pytest.approx(gini(y["rd"], weights=y["pop"]), abs=1e-15)
    assert table.at[2020, "gini"] == pytest.approx(gini_pairwise(y["rd"], y["pop"]), abs=1e-12)
    assert "within" not in pd.read_csv(tmp_path / "o" / "theil.csv").columns
    assert not (tmp_path / "o" / "dagum.csv").exists()


def test_synthetic_2800_units(run_cli, tmp_path):
    panel = synthetic_panel(2800, 12, seed=1)
    path = tmp_path / "synthetic.csv"
    panel.to_csv(path, index=False)
    res = run_cli("disparity", path, "--value", "score", "--group", "group", "--out", tmp_path / "s")
    assert res.code == 0, res.err
    assert "moran, spatial Markov: skipped (units are not the 31 provinces" in res.out
    dagum_table = pd.read_csv(tmp_path / "s" / "dagum.csv")
    assert len(dagum_table) == 12 and (dagum_table["n"] == 2800).all()
    first = panel[panel["year"] == 2011]["score"].to_numpy()
    assert dagum_table["G"].iloc[0] == pytest.approx(gini_pairwise(first), abs=1e-12)
    assert not (tmp_path / "s" / "moran.csv").exists()
    markov = pd.read_csv(tmp_path / "s" / "markov.csv")
    assert set(markov["chain"]) == {"classic"} and set(markov["basis"]) == {"absolute", "relative"}
    assert markov.groupby("basis")["count"].sum().tolist() == [2800 * 11, 2800 * 11]


def test_row_order_does_not_change_results(run_cli, rd_frame, tmp_path):
    rd_frame.to_csv(tmp_path / "a.csv", index=False)
    rd_frame.sample(frac=1.0, random_state=3).to_csv(tmp_path / "b.csv", index=False)
    for name in ("a", "b"):
        res = run_cli("disparity", tmp_path / f"{name}.csv", "--value", "rd", "--out", tmp_path / f"o{name}", *FAST)
        assert res.code == 0, res.err
    for csv in sorted((tmp_path / "oa").glob("*.csv")):
        a, b = pd.read_csv(csv), pd.read_csv(tmp_path / "ob" / csv.name)
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-10)


def test_one_unit_period(run_cli, tmp_path):
    frame = pd.DataFrame({"unit": ["a", "b", "c", "a"], "year": [1, 1, 1, 2], "v": [1.0, 2.0, 4.0, 3.0],
                          "g": ["x", "x", "y", "y"]})
    frame.to_csv(tmp_path / "one.csv", index=False)
    res = run_cli("disparity", tmp_path / "one.csv", "--value", "v", "--group", "g", "--out", tmp_path / "o",
                  "--measures", "gini,theil,dagum")
    assert res.code == 0, res.err
    assert pd.read_csv(tmp_path / "o" / "gini.csv")["gini"].iloc[1] == 0.0
    assert pd.read_csv(tmp_path / "o" / "dagum.csv")["G"].iloc[1] == 0.0
    res = run_cli("disparity", tmp_path / "one.csv", "--value", "v", "--group", "g", "--out", tmp_path / "o",
                  "--measures", "kde")
    assert res.code == 2 and "kde: period 2: the silverman bandwidth needs at least 2 values" in res.err


@pytest.mark.parametrize(
    ("edit", "args", "message"),
    [
        (None, ("--value", "nope"), "--value nope: no such column in .*; columns: unit, year, rd, pop"),
        (None, ("--value", "rd", "--by", "yr"), "--by yr: no such column"),
        (None, ("--value", "rd", "--group", "zone"), "--group zone: not a column .* nor one of region4"),
        (None, ("--value", "rd", "--measures", "gini,moron"), "--measures: unknown \\['moron'\\]"),
        (None, ("--value", "rd", "--bandwidth", "wide"), "--bandwidth wide: use silverman, scott or a positive"),
        (None, ("--value", "rd", "--permutations", "0"), "--permutations must be at least 1"),
        ("text", ("--value", "rd"), "column 'rd' has non-numeric values on line\\(s\\) 5 \\(e.g. 'n/a!'\\)"),
        ("empty", ("--value", "rd"), "column 'rd' is empty on line\\(s\\) 5.*--drop-missing"),
        ("negative", ("--value", "rd"), "gini/theil: column 'rd': Theil L.*strictly positive.*line 5 \\(上海, 2014\\).*--measures"),
        ("duplicate", ("--value", "rd"), "share a \\(unit, period\\) pair"),
        ("foreign", ("--value", "rd"), "--group region4: the units of .* are not \\(all\\) the 31 provinces"),
        ("rename", ("--value", "rd"), "--unit: .* has none of unit, province.*pass --unit COL"),
        ("zero_pop", ("--value", "rd", "--weight", "pop"), "weights column 'pop'.*strictly positive.*line 5 \\(上海, 2014\\)"),
    ],
)
def test_user_errors_exit_2_with_a_clear_message(run_cli, rd_frame, tmp_path, edit, args, message):
    frame = rd_frame.copy()
    frame["rd"] = frame["rd"].astype(object)
    if edit == "text":
        frame.loc[3, "rd"] = "n/a!"
    elif edit == "empty":
        frame.loc[3, "rd"] = None
    elif edit == "negative":
        frame.loc[3, "rd"] = -0.5
    elif edit == "duplicate":
        frame = pd.concat([frame, frame.iloc[[0]]])
    elif edit == "foreign":
        frame.loc[3, "unit"] = "Atlantis"
    elif edit == "rename":
        frame = frame.rename(columns={"unit": "prov"})
    elif edit == "zero_pop":
        frame.loc[3, "pop"] = 0
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    res = run_cli("disparity", path, *args, "--out", tmp_path / "o")
    assert res.code == 2
    assert re.search(message, res.err), res.err


def test_drop_missing_and_weights_errors(run_cli, rd_frame, tmp_path):
    frame = rd_frame.copy()
    frame.loc[3, "rd"] = np.nan
    frame.to_csv(tmp_path / "gap.csv", index=False)
    res = run_cli("disparity", tmp_path / "gap.csv", "--value", "rd", "--drop-missing", "--out", tmp_path / "o", *FAST)
    assert res.code == 0, res.err
    assert "dropped 1 row(s) with an empty 'rd' (lines 5)" in res.out
    gini_table = pd.read_csv(tmp_path / "o" / "gini.csv")
    assert gini_table["n"].tolist().count(30) == 1
    assert (tmp_path / "o" / "markov.csv").is_file()
    assert set(pd.read_csv(tmp_path / "o" / "markov.csv")["chain"]) == {"classic", "spatial"}
    # after dropping line 5, errors still name the CSV's own lines (line 12 is the 11th data row)
    frame.loc[10, "pop"] = -1
    frame.to_csv(tmp_path / "gap2.csv", index=False)
    res = run_cli("disparity", tmp_path / "gap2.csv", "--value", "rd", "--drop-missing", "--weight", "pop",
                  "--measures", "gini", "--out", tmp_path / "o3")
    assert res.code == 2 and re.search(r"weights column 'pop'.*line 12 \(", res.err), res.err
    small = contiguity_from_shared().iloc[:5, :5]
    small.to_csv(tmp_path / "W5.csv")
    res = run_cli("disparity", tmp_path / "gap.csv", "--value", "rd", "--drop-missing", "--weights", tmp_path / "W5.csv",
                  "--measures", "moran", "--out", tmp_path / "o2")
    assert res.code == 2 and "weights: no row for" in res.err
    res = run_cli("disparity", tmp_path / "missing.csv", "--value", "rd")
    assert res.code == 2 and "missing.csv: no such file" in res.err


def test_console_script_runs(rd_csv, tmp_path):
    proc = run_nqp_subprocess("disparity", rd_csv, "--value", "rd", "--measures", "gini,dagum", "--out", tmp_path / "o")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o" / "dagum.csv").is_file() and "Gini 2011" in proc.stdout


def test_units_absent_from_the_data_are_dropped_from_the_weights_with_a_note(run_cli, rd_frame, tmp_path):
    frame = rd_frame[rd_frame["unit"] != "西藏"]
    frame.to_csv(tmp_path / "no_tibet.csv", index=False)
    res = run_cli("disparity", tmp_path / "no_tibet.csv", "--value", "rd", "--measures", "moran", "--out", tmp_path / "o",
                  *FAST)
    assert res.code == 0, res.err
    assert "spatial: 西藏 not in the data in 13 period(s) (2011 to 2023); dropped from the weights" in res.out
    W = contiguity_from_shared().drop(index="西藏", columns="西藏")
    y = frame[frame["year"] == 2015].set_index("unit").loc[W.index, "rd"].to_numpy()
    moran_table = pd.read_csv(tmp_path / "o" / "moran.csv").set_index("period")
    assert moran_table.at[2015, "I"] == pytest.approx(moran_double_sum(y, W.div(W.sum(axis=1), axis=0).to_numpy()))


def test_markov_alone_still_finds_the_provincial_weights(run_cli, rd_csv, tmp_path):
    res = run_cli("disparity", rd_csv, "--value", "rd", "--measures", "markov", "--out", tmp_path / "o")
    assert res.code == 0, res.err
    markov = pd.read_csv(tmp_path / "o" / "markov.csv")
    counts = markov.groupby(["basis", "chain"])["count"].sum()
    assert counts.to_dict() == {(b, c): 31 * 12 for b in ("absolute", "relative") for c in ("classic", "spatial")}
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "markov.csv", "markov_passage.csv", "markov_steady.csv", "markov_tests.csv", "run.json"]


def test_alpha_and_classes_out_of_range_exit_2_saying_what_is_valid(run_cli, rd_frame, tmp_path):
    # issue 14: --alpha 2 and --classes 1000 on 80 rows used to run
    north = ["北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江"]  # contiguous among themselves
    small = rd_frame[rd_frame["unit"].isin(north) & (rd_frame["year"] <= 2020)]
    assert len(small) == 80
    small.to_csv(tmp_path / "small.csv", index=False)
    for alpha in ("2", "0", "1", "-0.1"):
        res = run_cli("disparity", tmp_path / "small.csv", "--value", "rd", "--alpha", alpha, "--out", tmp_path / "o")
        assert res.code == 2 and "--alpha must be a significance level strictly between 0 and 1" in res.err, res.err
    res = run_cli("disparity", tmp_path / "small.csv", "--value", "rd", "--classes", "1000", "--measures", "markov",
                  "--weights", "none", "--out", tmp_path / "o")
    assert res.code == 2, res.err
    # 8 units × 10 years → 72 transitions: k² ≤ 72 → k ≤ 8
    assert "classes = 1000: a k × k Markov chain needs k^2 ≤ the number of transitions" in res.err
    assert "72 transitions, so classes must be between 2 and 8" in res.err
    res = run_cli("disparity", tmp_path / "small.csv", "--value", "rd", "--classes", "8", "--measures", "markov",
                  "--weights", "none", "--out", tmp_path / "o")
    assert res.code == 0, res.err
    # the spatial chain needs k³ ≤ 72 → k ≤ 4
    res = run_cli("disparity", tmp_path / "small.csv", "--value", "rd", "--classes", "5", "--measures", "markov",
                  "--out", tmp_path / "o")
    assert res.code == 2 and "spatial Markov chain (k matrices of k × k) needs k^3" in res.err
    assert "classes must be between 2 and 4" in res.err


def test_edge_list_weights_and_new_options(run_cli, rd_csv, tmp_path):
    W = contiguity_from_shared()
    i, j = np.nonzero(np.triu(W.to_numpy() > 0, k=1))
    pd.DataFrame({"from": W.index[i], "to": W.index[j]}).to_csv(tmp_path / "edges.csv", index=False)
    base = ("disparity", rd_csv, "--value", "rd", "--measures", "moran,markov", *FAST)
    res = run_cli(*base, "--weights", tmp_path / "edges.csv", "--out", tmp_path / "e")
    assert res.code == 2 and "no pair is listed in both directions" in res.err and "--weights-undirected" in res.err
    res = run_cli(*base, "--weights", tmp_path / "edges.csv", "--weights-undirected", "--out", tmp_path / "e")
    assert res.code == 0, res.err
    res = run_cli(*base, "--out", tmp_path / "d")
    assert res.code == 0, res.err
    # the same links give the same statistics; the permutation draws follow the weights' unit order (an edge
    # list's units are sorted by label, the contiguity matrix is in GB/T 2260 order), so p_sim may differ
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "e" / "markov.csv"), pd.read_csv(tmp_path / "d" / "markov.csv"))
    exact = ["period", "I", "expected", "z_norm", "p_norm", "z_rand", "p_rand", "n"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "e" / "moran.csv")[exact],
                                  pd.read_csv(tmp_path / "d" / "moran.csv")[exact], rtol=1e-12)
    lisa = [pd.read_csv(tmp_path / name / "lisa.csv").sort_values(["period", "unit"], ignore_index=True)
            for name in ("e", "d")]
    pd.testing.assert_frame_equal(lisa[0][["period", "unit", "I_i", "quadrant"]],
                                  lisa[1][["period", "unit", "I_i", "quadrant"]], rtol=1e-12)
    res = run_cli("disparity", rd_csv, "--value", "rd", "--measures", "moran,kde", "--adjust", "fdr", "--kernel",
                  "epanechnikov", "--min-prominence", "0.1", "--out", tmp_path / "f", *FAST)
    assert res.code == 0, res.err
    lisa = pd.read_csv(tmp_path / "f" / "lisa.csv")
    assert (lisa["p_adjusted"] >= lisa["p_sim"]).all()
    record = json.loads((tmp_path / "f" / "run.json").read_text(encoding="utf-8"))
    assert record["options"]["moran"]["adjust"] == "fdr" and record["options"]["moran"]["seed"] == 0
    assert record["options"]["density"]["kernel"] == "epanechnikov"
    assert record["options"]["density"]["min_prominence"] == 0.1
    moran_table = pd.read_csv(tmp_path / "f" / "moran.csv")
    assert {"z_norm", "p_norm", "z_rand", "p_rand"} <= set(moran_table.columns)
