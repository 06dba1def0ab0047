"""The suite registry: one entry per measure, the same numbers as the library calls and as ``nqp disparity``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from disparity_fixtures import SHARED_PANEL, contiguity_from_shared
from nqp_lib.disparity import (
    dagum_by_period,
    kernel_density,
    markov_chain,
    moran_by_period,
    spatial_markov,
    spatial_weights,
    suite,
)
from nqp_lib.errors import MethodError, ParameterError


@pytest.fixture(scope="module")
def rd() -> pd.DataFrame:
    panel = pd.read_csv(SHARED_PANEL)
    frame = panel[["province", "year", "stc_rd_intensity_pct"]].rename(
        columns={"province": "unit", "stc_rd_intensity_pct": "rd"})
    from nqp_lib.data.regions import load_regions

    return frame.assign(group=frame["unit"].map(load_regions().set_index("name_zh")["region4"]))


@pytest.fixture(scope="module")
def data(rd) -> suite.SuiteData:
    return suite.SuiteData(rd["rd"], rd["unit"], rd["year"], groups=rd["group"],
                           weights=spatial_weights(contiguity_from_shared()))


def test_registry_entries_and_defaults():
    assert list(suite.MEASURES) == ["inequality", "dagum", "density", "markov", "spatial_markov", "sigma", "beta",
                                    "moran"]
    assert suite.defaults("moran") == {"permutations": 999, "seed": 0, "alpha": 0.05, "adjust": "none", "local": True}
    assert suite.defaults("density")["bandwidth"] == "silverman" and suite.defaults("density")["kernel"] == "gaussian"
    assert suite.defaults("markov")["bases"] == ("absolute", "relative")
    assert suite.MEASURES["dagum"].needs == ("groups",) and suite.MEASURES["moran"].needs == ("weights",)


def test_entries_give_the_library_numbers(data, rd):
    d = suite.run("dagum", data)
    pd.testing.assert_frame_equal(d.result.summary, dagum_by_period(rd["rd"], rd["group"], rd["year"]).summary)
    k = suite.run("density", data, kernel="epanechnikov")
    direct = kernel_density(rd["rd"], rd["year"], kernel="epanechnikov")
    pd.testing.assert_frame_equal(k.tables["kde_summary"], direct.summary)
    assert k.options["kernel"] == "epanechnikov" and k.options["min_prominence"] == 0.05
    m = suite.run("markov", data, bases="relative")
    assert list(m.result) == ["relative"]
    direct = markov_chain(rd["rd"], rd["unit"], rd["year"], basis="relative", regimes=rd["group"])
    assert m.result["relative"].counts.tolist() == direct.counts.tolist()
    assert m.options["relative"]["cuts"] == pytest.approx(direct.cuts.tolist())
    assert set(m.tables) == {"markov", "markov_steady", "markov_passage", "markov_tests"}
    assert set(m.tables["markov_tests"]["test"]) == {"time", "regimes"}
    s = suite.run("spatial_markov", data, bases=("absolute",))
    direct = spatial_markov(rd["rd"], rd["unit"], rd["year"], data.weights)
    assert s.result["absolute"].counts.tolist() == direct.counts.tolist()


def test_seed_reaches_the_permutations(data, rd):
    a = suite.run("moran", data, seed=20240701, permutations=199)
    b = suite.run("moran", data, seed=20240701, permutations=199)
    c = suite.run("moran", data, seed=1, permutations=199)
    direct = moran_by_period(rd["rd"], rd["unit"], rd["year"], data.weights, seed=20240701, permutations=199)
    pd.testing.assert_frame_equal(a.result.global_, direct.global_)
    pd.testing.assert_frame_equal(a.result.local, b.result.local)
    assert not a.result.local["p_sim"].equals(c.result.local["p_sim"])
    assert a.options["seed"] == 20240701 and a.options["adjust"] == "none"


def test_the_command_line_writes_what_the_suite_computes(run_cli, data, rd, tmp_path):
    rd.drop(columns="group").to_csv(tmp_path / "rd.csv", index=False)
    res = run_cli("disparity", tmp_path / "rd.csv", "--value", "rd", "--seed", "5", "--permutations", "99",
                  "--out", tmp_path / "o")
    assert res.code == 0, res.err
    results, notes = suite.run_all(data, options={"moran": {"seed": 5, "permutations": 99}})
    assert notes == []
    tables = suite.combined_tables(results.values())
    for name in ("moran", "lisa", "dagum", "kde_summary", "markov", "markov_steady", "markov_tests", "convergence"):
        written = pd.read_csv(tmp_path / "o" / f"{name}.csv")
        expected = tables[name].reset_index(drop=True)
        for column in expected.columns:
            if expected[column].dtype.kind == "f":
                assert written[column].to_numpy() == pytest.approx(expected[column].to_numpy(), rel=1e-12,
                                                                    nan_ok=True), (name, column)
            else:  # text columns; an empty note reads back as NaN
                shown = written[column].astype(object).fillna("").astype(str).tolist()
                assert shown == expected[column].astype(str).tolist(), (name, column)


def test_options_and_needs_are_checked(data, rd):
    with pytest.raises(ParameterError, match="moran: unknown option\\(s\\) seeds; valid: permutations, seed"):
        suite.run("moran", data, seeds=1)
    with pytest.raises(ParameterError, match="unknown disparity measure 'gini'"):
        suite.run("gini", data)
    bare = suite.SuiteData(rd["rd"], rd["unit"], rd["year"])
    with pytest.raises(MethodError, match="dagum needs groups"):
        suite.run("dagum", bare)
    results, notes = suite.run_all(bare, ["inequality", "dagum", "moran"])
    assert list(results) == ["inequality"]
    assert notes == ["dagum: skipped (no groups)", "moran: skipped (no weights)"]
    with pytest.raises(ParameterError, match="bases: unknown"):
        suite.run("markov", data, bases=("pooled",))
    assert np.isfinite(suite.run("sigma", bare).tables["sigma"]["cv"]).all()
