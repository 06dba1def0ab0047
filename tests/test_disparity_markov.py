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
