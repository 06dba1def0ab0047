"""``nqp measure`` and ``nqp uncertainty`` on a user panel and on the shipped panel."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from measure_fixtures import synthetic_panel

from nqp_lib.measure.index import measure
from nqp_lib.systems import load_system

SYSTEM_YAML = {
    "id": "user_toy",
    "name": {"zh": "用户体系", "en": "User system"},
    "dimensions": [
        {"id": "tech", "name": {"zh": "科技", "en": "Tech"}, "indicators": [
            {"id": "rd", "name": {"zh": "研发", "en": "R&D"}, "column": "x00", "unit": "%", "direction": "+"},
            {"id": "patents", "name": {"zh": "专利", "en": "Patents"}, "column": "x01", "unit": "n", "direction": "+"},
        ]},
        {"id": "green", "name": {"zh": "绿色", "en": "Green"}, "indicators": [
            {"id": "energy", "name": {"zh": "能耗", "en": "Energy"}, "formula": "x02 / x03", "unit": "t/yuan",
             "direction": "-"},
            {"id": "forest", "name": {"zh": "森林", "en": "Forest"}, "column": "x04", "unit": "%", "direction": "+"},
        ]},
    ],
}


@pytest.fixture
def user_files(tmp_path):
    panel = synthetic_panel(8, 5, 5, seed=21)
    panel["unit"] = [f"城市{u[1:]}" for u in panel["unit"]]
    panel["notes"] = "x"  # a text column the reader drops
    csv = tmp_path / "my panel.csv"
    panel.to_csv(csv, index=False, encoding="utf-8-sig")
    system = tmp_path / "system.yaml"
    system.write_text(yaml.safe_dump(SYSTEM_YAML, allow_unicode=True), encoding="utf-8")
    return csv, system, panel


def test_measure_user_panel(run_cli, user_files, tmp_path):
    csv, system, panel = user_files
    out = tmp_path / "out"
    r = run_cli("measure", csv, "--system", system, "--weights", "entropy+critic", "--aggregate", "topsis",
                "--out", out)
    assert r.code == 0, r.err
    assert "scores.csv" in r.out and "top 5 in 2015" in r.out
    scores = pd.read_csv(out / "scores.csv")
    assert list(scores.columns) == ["unit", "year", "score", "rank", "tech", "green"]
    weights = pd.read_csv(out / "weights.csv")
    assert list(weights.columns) == ["scope", "indicator", "dimension", "entropy", "critic", "within",
                                     "dimension_weight", "final"]
    assert weights["final"].sum() == pytest.approx(1.0)
    options = json.loads((out / "options.json").read_text(encoding="utf-8"))
    assert options["weights"] == "entropy+critic" and options["aggregate"] == "topsis"
    assert options["normalise"] == "minmax" and options["zeros"] == "shift" and options["shift"] == 1e-4
    assert options["system"]["id"] == "user_toy" and options["panel_source"]["spec"] == str(csv)
    assert options["imputation"] == {"method": "none", "imputed_cells": 0}
    # the files hold what the library computes
    ref = measure(load_system(system), panel.drop(columns="notes"), weights="entropy+critic", aggregate="topsis")
    merged = scores.merge(ref.scores, on=["unit", "year"], suffixes=("", "_lib"))
    assert len(merged) == 40
    np.testing.assert_allclose(merged["score"], merged["score_lib"], rtol=1e-9)
    assert (merged["rank"] == merged["rank_lib"]).all()


def test_measure_details_and_options(run_cli, user_files, tmp_path):
    csv, system, _ = user_files
    out = tmp_path / "d"
    r = run_cli("measure", csv, "--system", system, "--scope", "per-year", "--hierarchy", "hierarchical",
                "--dimension-weights", "equal", "--years", "2012-2014", "--ddof", "0", "--details", "--out", out)
    assert r.code == 0, r.err
    for name in ("normalised", "adjusted", "entropy_p", "method_details", "bounds", "matrix"):
        assert (out / f"{name}.csv").exists(), name
    weights = pd.read_csv(out / "weights.csv")
    assert sorted(weights["scope"].unique()) == [2012, 2013, 2014]
    options = json.loads((out / "options.json").read_text(encoding="utf-8"))
    assert options["years"] == [2012, 2014] and options["ddof"] == 0 and options["scope_blocks"] == [2012, 2013, 2014]


def test_measure_writes_coupling_coordination_readable_by_others(run_cli, user_files, tmp_path):
    csv, system, _ = user_files
    out = tmp_path / "c"
    r = run_cli("measure", csv, "--system", system, "--out", out)
    assert r.code == 0, r.err
    assert "coupling.csv" in r.out
    scores = pd.read_csv(out / "scores.csv")
    coupling = pd.read_csv(out / "coupling.csv")
    assert list(coupling.columns) == ["unit", "year", "C", "T", "D", "grade", "grade_zh", "grade_en"]
    both = scores.merge(coupling, on=["unit", "year"])
    assert len(both) == len(scores) == 8 * 5
    # two subsystems (tech, green), equal α: C = 2√(U₁U₂)/(U₁+U₂), T = (U₁+U₂)/2, D = √(C·T), grade = ⌊10 D⌋
    u1, u2 = both["tech"], both["green"]
    assert both["C"].to_numpy() == pytest.approx((2 * np.sqrt(u1 * u2) / (u1 + u2)).to_numpy(), rel=1e-9)
    assert both["T"].to_numpy() == pytest.approx(((u1 + u2) / 2).to_numpy(), rel=1e-9)
    assert both["D"].to_numpy() == pytest.approx(np.sqrt(both["C"] * both["T"]).to_numpy(), rel=1e-9)
    assert (both["grade"] == np.minimum(np.floor(both["D"] * 10), 9)).all()
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in out.iterdir())  # readable by others, like nqp build's
    # z-scores are unbounded: no coupling table, and the note says why
    r = run_cli("measure", csv, "--system", system, "--normalise", "zscore", "--weights", "equal", "--out", tmp_path / "z")
    assert r.code == 0, r.err
    assert not (tmp_path / "z" / "coupling.csv").exists()
    assert "coupling.csv not written: coupling coordination needs subsystem scores in [0, 1]" in r.out
    options = json.loads((tmp_path / "z" / "options.json").read_text(encoding="utf-8"))
    assert any(n.startswith("coupling.csv not written") for n in options["notes"])


def test_measure_refuses_gaps_and_imputes_on_request(run_cli, user_files, tmp_path):
    csv, system, panel = user_files
    panel = panel.drop(columns="notes")
    panel.loc[3, "x01"] = np.nan
    gappy = tmp_path / "gappy.csv"
    panel.to_csv(gappy, index=False)
    r = run_cli("measure", gappy, "--system", system, "--out", tmp_path / "g")
    assert r.code == 2 and "patents" in r.err and "--impute" in r.err
    r = run_cli("measure", gappy, "--system", system, "--impute", "nearest", "--out", tmp_path / "g")
    assert r.code == 0, r.err
    options = json.loads((tmp_path / "g" / "options.json").read_text(encoding="utf-8"))
    assert options["imputation"] == {"method": "nearest", "imputed_cells": 1}


@pytest.mark.parametrize("args, match", [
    (["--weights", "entropy+magic"], "magic"),
    (["--years", "2020-2010"], "backwards"),
    (["--aggregate", "geometric", "--normalise", "zscore", "--weights", "std"], "non-negative"),
])
def test_measure_user_errors_exit_2(run_cli, user_files, tmp_path, args, match):
    csv, system, _ = user_files
    r = run_cli("measure", csv, "--system", system, *args, "--out", tmp_path / "e")
    assert r.code == 2 and match in r.err


def test_uncertainty_user_panel(run_cli, user_files, tmp_path):
    csv, system, _ = user_files
    out1, out2 = tmp_path / "u1", tmp_path / "u2"
    for out in (out1, out2):
        r = run_cli("uncertainty", csv, "--system", system, "--draws", "80", "--seed", "3", "--out", out)
        assert r.code == 0, r.err
    ranks = pd.read_csv(out1 / "ranks.csv")
    assert list(ranks.columns) == ["unit", "year", "nominal_rank", "median_rank", "p05", "p95", "mean_rank",
                                   "std_rank", "nominal_score", "driver"]
    assert len(ranks) == 40
    pd.testing.assert_frame_equal(ranks, pd.read_csv(out2 / "ranks.csv"))  # same seed, same result
    sens = pd.read_csv(out1 / "sensitivity.csv")
    assert set(sens["factor"]) == {"normalise", "weights", "aggregate", "zeros", "exclude", "weight_noise"}
    options = json.loads((out1 / "options.json").read_text(encoding="utf-8"))
    assert options["uncertainty"]["draws"] == 80 and options["uncertainty"]["seed"] == 3
    assert options["index"]["weights"] == "entropy"
    r = run_cli("uncertainty", csv, "--system", system, "--draws", "40", "--aggregations", "sum,median",
                "--out", tmp_path / "bad")
    assert r.code == 2 and "median" in r.err


@pytest.mark.parametrize("system_name", ["three_elements", "tech_green_digital"])
def test_shipped_panel_with_shipped_systems(run_cli, tmp_path, system_name, shared_data):
    out = tmp_path / system_name
    r = run_cli(
        "measure", "provincial", "--system", system_name, "--impute", "linear_nearest", "--exclude-units", "西藏",
        "--out", out)
    assert r.code == 0, r.err
    scores = pd.read_csv(out / "scores.csv")
    dims = load_system(system_name).dimension_ids
    assert list(scores.columns) == ["unit", "year", "score", "rank", *dims, "region4", "belt3"]  # groupings kept
    assert len(scores) == 30 * 13 and scores["score"].notna().all()
    options = json.loads((out / "options.json").read_text(encoding="utf-8"))
    assert options["imputation"]["imputed_cells"] > 0 and options["exclude_units"] == ["西藏"]
    # without an imputation the real panel's gaps are refused, naming Tibet's missing series
    r = run_cli("measure", "provincial", "--system", system_name, "--out", out)
    assert r.code == 2 and "西藏" in r.err and "--impute" in r.err


def test_uncertainty_shipped_panel(run_cli, tmp_path, shared_data):
    out = tmp_path / "u"
    r = run_cli("uncertainty", "provincial", "--impute", "linear_nearest", "--exclude-units", "西藏",
                "--draws", "100", "--seed", "1", "--out", out)
    assert r.code == 0, r.err
    ranks = pd.read_csv(out / "ranks.csv")
    assert len(ranks) == 390 and (ranks["p05"] <= ranks["p95"]).all()
