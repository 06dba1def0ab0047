"""Markov chains: pooled quantile classes, hand-counted transitions, steady state, spatial Markov oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from disparity_fixtures import contiguity_from_shared
from nqp_lib.disparity import markov_chain, quantile_cuts, spatial_markov, spatial_weights, steady_state
from nqp_lib.disparity.markov import classify
from nqp_lib.errors import DataError, MethodError, ParameterError


def test_pooled_quantile_classes_and_boundaries():
    # 1..8 pooled: quantiles at .25, .5, .75 with linear interpolation are 2.75, 4.5, 6.25.
    cuts = quantile_cuts(np.arange(1, 9), 4)
    assert cuts.tolist() == pytest.approx([2.75, 4.5, 6.25])
    assert classify(np.arange(1, 9), cuts).tolist() == [1, 1, 2, 2, 3, 3, 4, 4]
    # a value equal to a cut point belongs to the lower class: class c holds cuts[c-2] < y <= cuts[c-1]
    assert classify(np.array([1.0, 1.5, 2.0, 2.5, 3.0, 3.5]), np.array([1.0, 2.0, 3.0])).tolist() == [1, 2, 2, 3, 3, 4]


def test_transitions_counted_by_hand():
    # 4 units × 3 years; values chosen so the pooled quartile cuts (of 1..12) are 3.75, 6.5, 9.25.
    panel = pd.DataFrame(
        {
            "unit": list("ABCD") * 3,
            "year": np.repeat([2020, 2021, 2022], 4),
            # 2020: A1 B4 C7 D10 -> classes 1 2 3 4
            # 2021: A2 B8 C5 D11 -> classes 1 3 2 4
            # 2022: A6 B9 C3 D12 -> classes 2 3 1 4
            "value": [1, 4, 7, 10, 2, 8, 5, 11, 6, 9, 3, 12],
        }
    )
    # Four classes need k² = 16 transitions (one per cell on average); 8 would be refused, so a twin of
    # every unit (E–H, same values) doubles the counts. Pooled quartiles of 1,1,2,2,…,12,12 are the same.
    panel = pd.concat([panel, panel.assign(unit=panel["unit"].map(dict(zip("ABCD", "EFGH"))))], ignore_index=True)
    r = markov_chain(panel["value"], panel["unit"], panel["year"])
    assert r.cuts.tolist() == pytest.approx([3.75, 6.5, 9.25])
    # transitions: A 1→1, 1→2; B 2→3, 3→3; C 3→2, 2→1; D 4→4, 4→4 (and the same for E–H)
    expected = 2 * np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 1, 1, 0], [0, 0, 0, 2]])
    assert r.counts.tolist() == expected.tolist()
    assert r.n_transitions == 16
    assert r.probabilities[1].tolist() == [0.5, 0.0, 0.5, 0.0]
    assert r.initial.tolist() == [0.25, 0.25, 0.25, 0.25]
    # classes 1-3 communicate and never reach 4; class 4 only stays: two closed classes, no unique steady state.
    assert r.steady_state is None and "not unique" in r.steady_state_note
    table = r.table()
    assert len(table) == 16
    stay_top = table.query("from_class == 4 and to_class == 4")
    assert stay_top[["n", "count", "probability"]].iloc[0].tolist() == [4, 4, 1.0]
    with pytest.raises(ParameterError, match="classes = 4: .*k\\^2 ≤ .*8 transitions, so classes must be between 2 and 2"):
        markov_chain(panel["value"][:12], panel["unit"][:12], panel["year"][:12])


def test_steady_state_by_hand_and_undefined_cases():
    # P = [[0.9, 0.1], [0.2, 0.8]]: π = (2/3, 1/3) since (2/3)·0.9 + (1/3)·0.2 = 2/3.
    pi, note = steady_state(np.array([[0.9, 0.1], [0.2, 0.8]]))
    assert pi.tolist() == pytest.approx([2 / 3, 1 / 3], abs=1e-12) and note == ""
    pi, note = steady_state(np.eye(3))
    assert pi is None and "multiplicity 3" in note
    pi, note = steady_state(np.array([[0.5, 0.5], [np.nan, np.nan]]))
    assert pi is None and "no observed transition" in note
    # an absorbing top class with transient others: unique π = (0, 0, 1)
    pi, _ = steady_state(np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 1.0]]))
    assert pi.tolist() == pytest.approx([0.0, 0.0, 1.0], abs=1e-12)


def test_gaps_and_unbalanced_panels():
    # unit B skips 2021: no transition from 2020 to 2022 is counted for it
    r = markov_chain(
        [1, 5, 2, 6, 3, 7, 8],
        ["A", "B", "A", "C", "A", "B", "C"],
        [2020, 2020, 2021, 2021, 2022, 2022, 2022],
        cuts=[4.5],
    )
    # A: 1→1 (1→2), 1→1 (2→3); C: 2→2 (6→8); B has none
    assert r.counts.tolist() == [[2, 0], [0, 1]]
    assert r.options["class_rule"] == "given"


def test_row_order_does_not_matter():
    rng = np.random.default_rng(0)
    units, years = np.repeat(np.arange(30), 6), np.tile(np.arange(6), 30)
    y = rng.lognormal(size=180)
    perm = rng.permutation(180)
    a = markov_chain(y, units, years, classes=5)
    b = markov_chain(y[perm], units[perm], years[perm], classes=5)
    assert a.counts.tolist() == b.counts.tolist()


def _spatial_oracle(values, units, years, W: pd.DataFrame, k: int):
    """Count spatial Markov transitions with loops: lag_i,t = Σ_j w_ij y_j,t over row-standardised W."""
    frame = pd.DataFrame({"u": units, "t": years, "y": values}).set_index(["u", "t"])["y"]
    Wr = W.div(W.sum(axis=1), axis=0)
    lags = {}
    for (u, t) in frame.index:
        lags[u, t] = sum(Wr.at[u, v] * frame[v, t] for v in Wr.columns if Wr.at[u, v] > 0)
    cuts = np.quantile(frame.to_numpy(), np.arange(1, k) / k)
    lag_cuts = np.quantile(np.array(list(lags.values())), np.arange(1, k) / k)
    counts = np.zeros((k, k, k), dtype=int)
    for (u, t) in frame.index:
        if (u, t + 1) in frame.index:
            a = int(np.searchsorted(cuts, frame[u, t]))
            b = int(np.searchsorted(cuts, frame[u, t + 1]))
            lag_class = int(np.searchsorted(lag_cuts, lags[u, t]))
            counts[lag_class, a, b] += 1
    return counts


def test_spatial_markov_matches_loop_oracle_and_sums_to_classic():
    W = contiguity_from_shared()
    provinces = list(W.index)
    rng = np.random.default_rng(1)
    years = np.arange(2011, 2016)
    units = np.repeat(provinces, years.size)
    t = np.tile(years, len(provinces))
    y = rng.lognormal(size=units.size)
    r = spatial_markov(y, units, t, spatial_weights(W))
    assert r.counts.tolist() == _spatial_oracle(y, units, t, W, 4).tolist()
    classic = markov_chain(y, units, t)
    assert r.counts.sum(axis=0).tolist() == classic.counts.tolist()
    assert r.n_transitions == len(provinces) * (years.size - 1)
    table = r.table()
    assert table.columns.tolist() == ["lag_class", "from_class", "to_class", "n", "count", "probability"]
    assert len(table) == 64
    assert len(r.steady_states) == 4 and len(r.steady_state_notes) == 4
    # with lag_cuts="values" the lags are classed with the value cut points
    assert spatial_markov(y, units, t, spatial_weights(W), lag_cuts="values").lag_cuts.tolist() == r.cuts.tolist()


def test_errors():
    with pytest.raises(MethodError, match="cut points .* coincide"):
        quantile_cuts([0, 0, 0, 0, 0, 1, 2], 4)
    with pytest.raises(MethodError, match="two consecutive periods"):
        markov_chain([1, 2, 3], ["a", "b", "c"], [1, 1, 1], classes=2)
    with pytest.raises(DataError, match="share a \\(unit, period\\) pair.*a in 1"):
        markov_chain([1, 2, 3, 4], ["a", "a", "b", "b"], [1, 1, 1, 2], classes=2)
    W = pd.DataFrame([[0, 1], [1, 0]], index=["a", "b"], columns=["a", "b"])
    with pytest.raises(DataError, match="weights: no row for c"):
        spatial_markov([1, 2, 3, 4, 5, 6], list("abcabc"), [1, 1, 1, 2, 2, 2], spatial_weights(W), classes=2)


# --- relative classes, the class bound, mobility ---------------------------------------------------------------


def test_relative_classes_by_hand():
    # every unit doubles each year: absolute classes climb to the top (absorbing), relative ones never move
    panel = pd.DataFrame({"unit": list("ABCD") * 3, "year": np.repeat([1, 2, 3], 4),
                          "value": np.concatenate([[1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0], [4.0, 8.0, 12.0, 16.0]])})
    panel = pd.concat([panel, panel.assign(unit=panel["unit"].str.lower())], ignore_index=True)  # 16 transitions
    absolute = markov_chain(panel["value"], panel["unit"], panel["year"], classes=2)
    relative = markov_chain(panel["value"], panel["unit"], panel["year"], classes=2, basis="relative")
    # year means 2.5, 5, 10 → relative values 0.4, 0.8, 1.2, 1.6 every year; pooled median 1.0
    assert relative.cuts.tolist() == pytest.approx([1.0])
    assert relative.counts.tolist() == [[8, 0], [0, 8]]  # nobody changes relative position
    assert relative.options["basis"] == "relative" and absolute.options["basis"] == "absolute"
    # absolute: pooled median of {1..4, 2..8, 4..16} (×2) is 4; 1,2,3→low … the top class only gains members
    assert absolute.cuts.tolist() == pytest.approx([4.0])
    assert absolute.counts[1, 0] == 0 and absolute.probabilities[1, 1] == 1.0
    assert absolute.steady_state.tolist() == pytest.approx([0.0, 1.0])  # the artefact the relative basis avoids
    with pytest.raises(MethodError, match="period 1: relative classes divide by the period's mean, which is 0"):
        markov_chain([-1.0, 1.0, 2.0, 3.0], ["a", "b", "a", "b"], [1, 1, 2, 2], classes=2, basis="relative")


def test_class_bound_k_squared_and_k_cubed():
    from nqp_lib.disparity.markov import max_classes

    assert [max_classes(t) for t in (3, 4, 8, 9, 70, 360)] == [1, 2, 2, 3, 8, 18]
    assert [max_classes(t, spatial=True) for t in (7, 8, 70, 360)] == [1, 2, 4, 7]
    # 80 rows: 8 units × 10 years → 72 transitions; 1,000 classes are refused, saying what is valid
    rng = np.random.default_rng(0)
    units, years = np.repeat(np.arange(8), 10), np.tile(np.arange(10), 8)
    y = rng.lognormal(size=80)
    with pytest.raises(ParameterError, match="classes = 1000: .*72 transitions, so classes must be between 2 and 8"):
        markov_chain(y, units, years, classes=1000)
    assert markov_chain(y, units, years, classes=8).counts.sum() == 72


def test_homogeneity_by_hand():
    from nqp_lib.disparity.mobility import homogeneity

    # regime 1 [[8,2],[2,8]], regime 2 [[6,4],[4,6]]; pooled p = [[.7,.3],[.3,.7]], every n_i,r = 10
    h = homogeneity([[[8, 2], [2, 8]], [[6, 4], [4, 6]]], ["r1", "r2"])
    # Q = Σ n_ir (p_ijr − p_ij)²/p_ij: each (regime, row) gives 10·(0.01/0.7 + 0.01/0.3) = 10/21 → 40/21
    assert h.Q == pytest.approx(40 / 21, abs=1e-13)
    lr = 2 * 2 * (8 * np.log(8 / 7) + 2 * np.log(2 / 3) + 6 * np.log(6 / 7) + 4 * np.log(4 / 3))
    assert h.LR == pytest.approx(lr, abs=1e-13)
    assert h.dof == 2 and h.n_transitions == (20, 20) and h.regimes == ("r1", "r2")  # Σ_i (2 − 1)(2 − 1)
    assert h.p_value == h.p_LR == pytest.approx(np.exp(-lr / 2), rel=1e-12)  # χ²₂ upper tail is e^(−x/2)
    same = homogeneity([[[5, 5], [0, 0]], [[5, 5], [0, 0]]])
    assert same.LR == 0 and same.Q == 0 and same.dof == 1
    none = homogeneity([[[5, 0], [0, 5]], [[5, 0], [0, 5]]])
    assert none.dof == 0 and np.isnan(none.p_LR) and "0 degrees of freedom" in none.note


def test_homogeneity_matches_giddy():
    from giddy.markov import homogeneity as giddy_homogeneity

    from nqp_lib.disparity.mobility import homogeneity

    rng = np.random.default_rng(7)
    for _ in range(5):
        counts = rng.integers(0, 9, size=(3, 4, 4)) * (rng.random((3, 4, 4)) > 0.3)
        counts[:, :, 0] += 1  # every row observed in every regime (giddy counts an empty pooled row as +1 dof)
        ours, theirs = homogeneity(counts), giddy_homogeneity(counts.astype(float))  # giddy needs floats
        assert ours.LR == pytest.approx(theirs.LR, rel=1e-12)
        assert ours.Q == pytest.approx(theirs.Q, rel=1e-12)
        assert ours.dof == theirs.dof
        assert ours.p_LR == pytest.approx(theirs.LR_p_value, abs=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value encountered in multiply:RuntimeWarning")  # inside giddy's mfpt
def test_sojourn_and_first_passage_by_hand_and_against_giddy():
    from giddy.ergodic import mfpt
    from giddy.markov import sojourn_time

    from nqp_lib.disparity.mobility import first_passage_times, sojourn_times

    # Kemeny & Snell's Land of Oz (giddy's docstring): rain, nice, snow
    oz = np.array([[0.5, 0.25, 0.25], [0.5, 0.0, 0.5], [0.25, 0.25, 0.5]])
    M = first_passage_times(oz)
    # by hand for j = nice: m_r = 1 + .5 m_r + .25 m_s, m_s = 1 + .25 m_r + .5 m_s → m_r = m_s = 4;
    # recurrence m_nn = 1 + .5·4 + .5·4 = 5 = 1/π_nice (π = (.4, .2, .4))
    assert M[:, 1].tolist() == pytest.approx([4.0, 5.0, 4.0], abs=1e-12)
    assert np.diag(M).tolist() == pytest.approx([2.5, 5.0, 2.5], abs=1e-12)
    assert M == pytest.approx(mfpt(oz), abs=1e-12)
    assert sojourn_times(oz).tolist() == pytest.approx([2.0, 1.0, 2.0])  # 1/(1 − p_ii)
    # reducible (giddy's example): {rain, nice} closed, snow absorbing
    red = np.array([[0.5, 0.5, 0.0], [0.2, 0.8, 0.0], [0.0, 0.0, 1.0]])
    assert first_passage_times(red) == pytest.approx(mfpt(red), abs=1e-12)
    assert first_passage_times(red)[0].tolist() == pytest.approx([3.5, 2.0, np.inf])
    # transient classes draining into an absorbing top class: the top is reached, nothing comes back
    up = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 1.0]])
    Mu = first_passage_times(up)
    assert Mu[:, 2].tolist() == pytest.approx([4.0, 2.0, 1.0]) and np.isinf(Mu[2, 0]) and np.isinf(Mu[0, 0])
    assert sojourn_times(up).tolist() == [2.0, 2.0, np.inf]
    assert sojourn_times(up) == pytest.approx(sojourn_time(up, summary=False))
    rng = np.random.default_rng(3)
    for _ in range(5):  # random ergodic chains
        P = rng.random((5, 5)) + 0.05
        P /= P.sum(axis=1, keepdims=True)
        assert first_passage_times(P) == pytest.approx(mfpt(P), rel=1e-10)
    assert np.isnan(first_passage_times(np.array([[0.5, 0.5], [np.nan, np.nan]]))).all()


def _us_income():
    """US per-capita income 1929–2009 of the 48 states and their contiguity, as shipped by libpysal."""
    import libpysal

    frame = pd.read_csv(libpysal.examples.get_path("usjoin.csv"))
    gal = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    W, ids = gal.full()
    names = [frame["Name"].iloc[int(i)] for i in ids]  # the .gal ids are row positions of usjoin.csv
    years = [str(y) for y in range(1929, 2010)]
    long = frame.melt(id_vars=["Name"], value_vars=years, var_name="year", value_name="pci")
    return long.assign(year=long["year"].astype(int)), spatial_weights(W, labels=names), frame[years].to_numpy(), gal


def test_spatial_markov_reproduces_giddys_published_us_income_example():
    """giddy's Spatial_Markov docstring: relative income (pci / yearly mean), pooled quintiles, k = m = 5."""
    from giddy.markov import Spatial_Markov

    long, w, pci, gal = _us_income()
    r = spatial_markov(long["pci"], long["Name"], long["year"], w, classes=5, basis="relative")
    # published numbers
    assert r.cuts.tolist() == pytest.approx([0.83999133, 0.94707545, 1.03242697, 1.14911154], abs=5e-9)
    assert r.lag_cuts.tolist() == pytest.approx([0.88973386, 0.95891917, 1.01469758, 1.1183566], abs=5e-9)
    assert r.probabilities[0, 0].tolist() == pytest.approx([0.96341463, 0.0304878, 0.00609756, 0, 0], abs=5e-9)
    assert r.probabilities[4, 0].tolist() == pytest.approx([0.33333333, 0.66666667, 0, 0, 0], abs=5e-9)
    assert f"{r.homogeneity.LR:.3f}" == "170.659" and f"{r.homogeneity.Q:.3f}" == "200.624"
    assert r.homogeneity.dof == 60 and f"{r.homogeneity.p_LR:.3f}" == "0.000"
    assert r.steady_states[0].tolist() == pytest.approx([0.43509425, 0.2635327, 0.20363044, 0.06841983, 0.02932278],
                                                      abs=5e-9)
    assert r.first_passage[0, 0].tolist() == pytest.approx(
        [2.29835259, 28.95614035, 46.14285714, 80.80952381, 279.42857143], abs=5e-8)
    # and every number against giddy itself
    gal.transform = "r"
    sm = Spatial_Markov(pci / pci.mean(axis=0), gal, fixed=True, k=5, m=5)
    assert r.counts.tolist() == np.asarray(sm.T).astype(int).tolist()
    assert r.probabilities == pytest.approx(np.asarray(sm.P), abs=1e-14)
    assert np.array(r.steady_states) == pytest.approx(np.asarray(sm.S, dtype=float), abs=1e-12)
    assert r.first_passage == pytest.approx(np.asarray(sm.F, dtype=float), rel=1e-9)
    assert (r.homogeneity.LR, r.homogeneity.Q) == pytest.approx((sm.LR, sm.Q), rel=1e-12)


def test_classic_chain_on_us_income_relative_classes_matches_giddy():
    from giddy.ergodic import mfpt
    from giddy.markov import Markov
    from giddy.markov import homogeneity as giddy_homogeneity

    long, _, pci, _ = _us_income()
    m = markov_chain(long["pci"], long["Name"], long["year"], classes=5, basis="relative", time_blocks=2)
    # published pooled matrix (giddy's Spatial_Markov docstring, sm.p)
    assert m.probabilities[0].tolist() == pytest.approx([0.91461837, 0.07503234, 0.00905563, 0.00129366, 0], abs=5e-9)
    assert m.probabilities[4].tolist() == pytest.approx([0, 0, 0, 0.06217617, 0.93782383], abs=5e-9)
    rpci = pci / pci.mean(axis=0)
    cuts = np.quantile(rpci, [0.2, 0.4, 0.6, 0.8])
    classes = np.searchsorted(cuts, rpci, side="left")  # 48 × 81, class c holds cuts[c-1] < y ≤ cuts[c]
    g = Markov(classes)
    assert m.counts.tolist() == g.transitions.astype(int).tolist()
    assert m.steady_state == pytest.approx(np.asarray(g.steady_state, dtype=float), abs=1e-12)
    assert m.first_passage == pytest.approx(mfpt(g.p), rel=1e-9)
    # time homogeneity: transitions starting 1929–1968 against 1969–2008, counted here with loops
    halves = np.zeros((2, 5, 5))
    for t in range(80):
        for i in range(48):
            halves[0 if t < 40 else 1, classes[i, t], classes[i, t + 1]] += 1
    theirs = giddy_homogeneity(halves)
    ours = m.homogeneity["time"]
    assert ours.regimes == ("1929–1968", "1969–2008")
    assert (ours.LR, ours.Q, ours.dof) == (pytest.approx(theirs.LR, rel=1e-12), pytest.approx(theirs.Q, rel=1e-12),
                                           theirs.dof)


def test_regime_homogeneity_uses_the_start_row_label():
    from nqp_lib.disparity.mobility import homogeneity

    rng = np.random.default_rng(2)
    units, years = np.repeat(np.arange(40), 6), np.tile(np.arange(6), 40)
    region = np.where(np.repeat(np.arange(40), 6) < 20, "east", "west")
    y = rng.lognormal(size=240)
    m = markov_chain(y, units, years, classes=3, regimes=region)
    cls = np.searchsorted(m.cuts, y, side="left")
    by_region = np.zeros((2, 3, 3))
    for u in range(40):
        for t in range(5):
            by_region[0 if u < 20 else 1, cls[u * 6 + t], cls[u * 6 + t + 1]] += 1
    expected = homogeneity(by_region, ["east", "west"])
    assert m.homogeneity["regimes"] == expected
    assert m.tests_table()["test"].tolist() == ["time", "regimes"]
