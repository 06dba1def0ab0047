"""Exercises: every answer recomputed from the facts the question shows (by the method's formula), and
the real figures of the default worked example on the shipped panel."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nqp_lib.data.regions import contiguity_matrix
from nqp_lib.disparity import beta_convergence, markov_chain, moran_by_period, spatial_weights
from nqp_lib.errors import MethodError
from nqp_lib.measure import CompositeIndex
from nqp_lib.teaching import EXERCISE_KEYS, exercises, province_groups, worked_example
from nqp_lib.teaching.exercises import markov_exercise


@pytest.fixture(scope="module")
def sheet(panel):
    idx = CompositeIndex("three_elements", impute="linear_nearest", exclude_units="auto", years=(2012, 2023)).fit(panel)
    s = idx.result_.scores
    units = list(dict.fromkeys(s["unit"]))
    w = spatial_weights(contiguity_matrix().loc[units, units])
    return {e.key: e.facts for e in exercises(
        worked_example(idx, groups=province_groups()),
        markov=markov_chain(s["score"], s["unit"], s["year"]),
        beta=beta_convergence(s["score"], s["unit"], s["year"]),
        moran_global=moran_by_period(s["score"], s["unit"], s["year"], w, seed=1, local=False).global_,
    )}


def test_one_exercise_per_method(sheet):
    assert tuple(sheet) == EXERCISE_KEYS


def test_normalise(sheet):
    f = sheet["normalise"]
    # the subset's cost indicator, the row nearest its median: CO2 per GDP of 湖南 in 2013
    assert (f["indicator"], f["unit"], f["year"], f["direction"]) == ("co2_intensity", "湖南", 2013, -1)
    # x′ = (max − x)/(max − min) = (3.871753 − 1.142093)/(3.871753 − 0.252138) = 2.729660/3.619614 = 0.754130
    assert f["answer"] == pytest.approx((f["max"] - f["value"]) / (f["max"] - f["min"]), rel=1e-12)
    assert f["answer"] == pytest.approx(0.754130, abs=1e-6)


def test_entropy(sheet):
    f = sheet["entropy"]
    assert f["answer"] == pytest.approx(f["d"] / f["sum_d"], rel=1e-12)
    assert f["d"] == pytest.approx(1 - f["e"], rel=1e-12)
    assert f["e"] < f["e_other"] and f["answer"] > f["w_other"]
    # valid inventions per 10k people: d = 0.388090 of Σd = 1.227723 → w = 0.316106
    assert f["indicator"] == "valid_inventions_per_10k" and f["answer"] == pytest.approx(0.316106, abs=1e-6)
    assert f["n"] == 18


def test_critic(sheet):
    f = sheet["critic"]
    assert f["C"] == pytest.approx(f["sigma"] * f["conflict"], rel=1e-12)
    assert f["answer"] == pytest.approx(f["C"] / f["sum_C"], rel=1e-12)
    # digital finance: 0.282217 × 2.545742 = 0.718452; / 3.352186 = 0.214324
    assert f["indicator"] == "digital_finance" and f["answer"] == pytest.approx(0.214324, abs=1e-6)
    assert {f["pair_a"], f["pair_b"]} == {"researchers_per_10k", "software_gdp"} and f["r"] == pytest.approx(0.98353, abs=1e-5)


def test_topsis(sheet):
    f = sheet["topsis"]
    assert f["answer"] == pytest.approx(f["d_minus"] / (f["d_plus"] + f["d_minus"]), rel=1e-12)
    assert f["other_rank"] == f["rank"] - 1 and f["other_closeness"] > f["answer"]
    # 吉林 2019: 0.095174 / (0.447148 + 0.095174) = 0.175493
    assert (f["unit"], f["year"]) == ("吉林", 2019) and f["answer"] == pytest.approx(0.175493, abs=1e-6)


def test_dagum(sheet):
    f = sheet["dagum"]
    assert f["answer"] == pytest.approx((f["d_jh"] - f["p_jh"]) / (f["d_jh"] + f["p_jh"]), rel=1e-12)
    assert f["G_t"] == pytest.approx(f["G"] - f["G_w"] - f["G_nb"], abs=1e-12)
    assert f["share_nb"] == pytest.approx(f["G_nb"] / f["G"])
    # East–West in 2023: (0.225018 − 0.004212)/(0.225018 + 0.004212) = 0.963251
    assert (f["group_j"], f["group_h"], f["year"]) == ("East", "West", 2023)
    assert f["answer"] == pytest.approx(0.963251, abs=1e-6)


def test_markov(sheet):
    f = sheet["markov"]
    assert f["answer"] == f["stay"] / f["n"] == pytest.approx(f["probability"])
    assert f["stay"] + f["up"] + f["down"] == f["n"]
    # the lowest quartile class: 66 of 90 transitions stay, 24 move up
    assert (f["cls"], f["n"], f["stay"], f["up"]) == (1, 90, 66, 24)


def test_markov_refusals():
    class Chain:
        counts = np.array([[0, 0], [1, 3]])
        probabilities = np.array([[np.nan, np.nan], [0.25, 0.75]])

    with pytest.raises(MethodError, match="class 1 has no observed transition"):
        markov_exercise(Chain())
    with pytest.raises(MethodError, match="class 3 not in 1–2"):
        markov_exercise(Chain(), cls=3)
    assert markov_exercise(Chain(), cls=2).facts["answer"] == 0.75


def test_convergence(sheet):
    f = sheet["convergence"]
    # λ = −ln(1 + β), half-life = ln 2/λ
    assert f["speed"] == pytest.approx(-math.log(1 + f["beta"]), rel=1e-12)
    assert f["answer"] == pytest.approx(math.log(2) / f["speed"], rel=1e-12)
    assert f["converging"] and f["model"] == "absolute"


def test_moran(sheet):
    f = sheet["moran"]
    # 30 provinces: E[I] = −1/29 = −0.034483
    assert f["n"] == 30 and f["answer"] == pytest.approx(-1 / 29, rel=1e-12)
    assert f["period"] == 2023 and f["above"] and f["I"] == pytest.approx(0.27104, abs=1e-5)
    assert f["permutations"] == 999 and 0 < f["p"] < 0.05
