"""Facts for the report's one-sentence findings, read off disparity results (hand-computed small cases)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nqp_lib.disparity import beta_convergence, dagum_by_period, kernel_density, markov_chain, sigma_convergence
from nqp_lib.disparity.findings import (
    beta_facts,
    dagum_facts,
    density_facts,
    markov_facts,
    sigma_facts,
    spatial_markov_facts,
)
from nqp_lib.disparity.markov import SpatialMarkovResult
from nqp_lib.errors import MethodError


def test_sigma_facts_by_hand():
    # periods 1, 2, 3: (1, 3) mean 2, sd 1, CV .5; (2, 3) mean 2.5, sd .5, CV .2; (2, 4) mean 3, sd 1, CV ⅓
    r = sigma_convergence([1, 3, 2, 3, 2, 4], [2001, 2001, 2002, 2002, 2003, 2003])
    f = sigma_facts(r)
    assert (f.first, f.last) == (2001, 2003) and isinstance(f.first, int)
    assert (f.cv_first, f.cv_last) == (pytest.approx(0.5), pytest.approx(1 / 3))
    assert f.cv_change == pytest.approx((1 / 3) / 0.5 - 1)  # fell by a third
    assert (f.years_falling, f.steps) == (1, 2) and f.converging
    assert f.sd_log_first == pytest.approx(np.std(np.log([1, 3])))


def test_markov_facts_by_hand():
    # two classes cut at 0.5; A .1 → .9 → .9, B .2 → .3 → .8, C .9 → .4 → .6
    # from 1: B 1→1, A 1→2, B 1→2, C 1→2 → p11 = ¼, p12 = ¾; from 2: A 2→2, C 2→1 → ½, ½
    values = [0.1, 0.9, 0.9, 0.2, 0.3, 0.8, 0.9, 0.4, 0.6]
    units = ["A"] * 3 + ["B"] * 3 + ["C"] * 3
    periods = [1, 2, 3] * 3
    f = markov_facts(markov_chain(values, units, periods, classes=2, cuts=[0.5]))
    assert (f.classes, f.n_transitions) == (2, 6)
    assert (f.stay_lowest, f.stay_highest, f.stay_mean) == pytest.approx((0.25, 0.5, 0.375))
    assert (f.up_from_lowest, f.down_from_highest) == pytest.approx((0.75, 0.5))
    # π1 = ¼ π1 + ½ π2 → π = (.4, .6)
    assert f.steady_state == pytest.approx((0.4, 0.6))


def test_spatial_markov_facts_pick_the_lowest_class_seen_under_two_neighbour_classes():
    k = 3
    counts = np.zeros((k, k, k), dtype=int)
    counts[0, 1] = [2, 6, 2]  # class 2 seen with low neighbours: 2 of 10 move up
    counts[2, 1] = [0, 1, 3]  # …and with high neighbours: 3 of 4 move up
    counts[1, 0] = [5, 0, 0]  # class 1 seen under one neighbour class only: skipped
    with np.errstate(invalid="ignore"):
        p = counts / counts.sum(axis=2, keepdims=True)
    r = SpatialMarkovResult(cuts=np.array([1.0, 2.0]), lag_cuts=np.array([1.0, 2.0]), counts=counts,
                            probabilities=p, steady_states=[None] * k, steady_state_notes=[""] * k, n_transitions=19)
    f = spatial_markov_facts(r)
    assert (f.from_class, f.lag_low, f.lag_high) == (2, 1, 3)
    assert (f.up_low, f.up_high, f.n_low, f.n_high) == (pytest.approx(0.2), pytest.approx(0.75), 10, 4)
    assert f.homogeneity_p is None


def test_dagum_facts_choose_the_largest_pair_and_skip_single_unit_groups():
    # three groups in two periods; group C has one unit (G_CC = 0 and is not called the narrowest)
    y = [1, 2, 3, 9, 10, 12, 30, 1, 2, 3, 8, 10, 14, 28]
    g = ["A", "A", "A", "B", "B", "B", "C"] * 2
    per = [2000] * 7 + [2001] * 7
    d = dagum_by_period(y, g, per)
    f = dagum_facts(d)
    s = d.summary.set_index("period")
    assert (f.first, f.last, f.n_groups) == (2000, 2001, 3)
    assert f.share_between_last == pytest.approx(s.loc[2001, "share_nb"])
    assert f.share_within_first + f.share_between_first + f.share_trans_first == pytest.approx(1.0)
    b = d.between[d.between["period"] == 2001]
    shares = dict(zip(zip(b["group_j"], b["group_h"]), b["share_nb"] + b["share_t"]))
    assert f.top_pair == max(shares, key=shares.get) and f.top_pair_share == pytest.approx(max(shares.values()))
    w = d.within[d.within["period"] == 2001].set_index("group")["G_jj"]
    assert f.narrowest_group in ("A", "B") and f.narrowest_gini == pytest.approx(min(w["A"], w["B"]))
    assert f.widest_gini == pytest.approx(max(w["A"], w["B"]))
    with pytest.raises(MethodError, match="one group"):
        dagum_facts(dagum_by_period(y, ["A"] * 14, per))


def test_density_and_beta_facts_read_the_results():
    rng = np.random.default_rng(0)
    y = np.concatenate([rng.normal(1, 0.2, 40), rng.normal(2, 0.5, 40)])
    per = [2010] * 40 + [2020] * 40
    f = density_facts(kernel_density(y, per))
    assert (f.first, f.last) == (2010, 2020)
    assert abs(f.peak_first - 1) < 0.2 and abs(f.peak_last - 2) < 0.4 and f.sd_last > f.sd_first
    # a panel converging exactly: ln y_{t+1} = 0.5 ln y_t + small noise, so β ≈ −0.5, half-life ln 2 / ln 2 = 1
    units = np.repeat(np.arange(20), 4)
    levels = np.exp(rng.normal(0, 1, 20))
    values = []
    for u in range(20):
        v = levels[u]
        for _t in range(4):
            values.append(v)
            v = math.exp(0.5 * math.log(v) + rng.normal(0, 0.01))
    b = beta_convergence(values, units, np.tile(np.arange(4), 20))
    bf = beta_facts(b)
    assert bf.converging and bf.significant and bf.beta == pytest.approx(-0.5, abs=0.02)
    assert bf.half_life == pytest.approx(math.log(2) / bf.speed) and bf.n_units == 20
    assert not beta_facts(b, alpha=0.0).significant
