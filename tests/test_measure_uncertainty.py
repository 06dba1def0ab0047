"""Monte Carlo uncertainty analysis: reproducibility, degenerate designs, a known driver, invalid combinations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from measure_fixtures import synthetic_panel, synthetic_system

from nqp_lib.errors import ParameterError
from nqp_lib.measure.index import CompositeIndex, rank_within_years
from nqp_lib.measure.uncertainty import uncertainty

PANEL = synthetic_panel(15, 4, 8, seed=11)
SYSTEM = synthetic_system(8, n_dims=2, costs=(3,))


@pytest.fixture(scope="module")
def index():
    return CompositeIndex(SYSTEM).fit(PANEL)


def test_seeded_and_reproducible(index):
    a = uncertainty(index, 200, seed=7)
    b = uncertainty(index, 200, seed=7)
    c = uncertainty(index, 200, seed=8)
    np.testing.assert_array_equal(a.draw_ranks, b.draw_ranks)
    pd.testing.assert_frame_equal(a.ranks, b.ranks)
    pd.testing.assert_frame_equal(a.design, b.design)
    assert not np.array_equal(a.draw_ranks, c.draw_ranks)


def test_interval_contents(index):
    u = uncertainty(index, 300, seed=1)
    r = u.ranks
    assert (r["p05"] <= r["median_rank"]).all() and (r["median_rank"] <= r["p95"]).all()
    assert r["p05"].min() >= 1 and r["p95"].max() <= 15
    pd.testing.assert_series_equal(r["nominal_rank"], index.result_.scores["rank"], check_names=False)
    # every draw's ranks are a ranking within each year
    np.testing.assert_array_equal(u.draw_ranks, rank_within_years(u.draw_scores, r["year"].to_numpy()))
    assert list(u.design.columns) == ["draw", "normalise", "weights", "aggregate", "zeros", "exclude"]
    assert len(u.design) == 300
    assert set(u.sensitivity["factor"]) == {"normalise", "weights", "aggregate", "zeros", "exclude", "weight_noise"}
    assert u.options["draws"] == 300 and u.options["seed"] == 1


def test_design_with_one_level_and_no_noise_reproduces_the_nominal_index(index):
    # nothing varies: every draw is the nominal index, so every interval collapses on the nominal rank
    u = uncertainty(index, 20, seed=0, normalisations=["minmax"], weightings=["entropy"], aggregations=["sum"],
                    zeros=["shift"], exclude_probability=0.0, weight_noise=0.0)
    for d in range(20):
        np.testing.assert_allclose(u.draw_scores[:, d], index.result_.scores["score"], rtol=1e-12)
    r = u.ranks
    assert (r["p05"] == r["nominal_rank"]).all() and (r["p95"] == r["nominal_rank"]).all()
    assert u.mean_abs_shift == 0.0
    assert (r["driver"] == "none").all()
    np.testing.assert_allclose(u.sensitivity["first_order"], 0.0)


def test_draw_scores_equal_a_refit_with_the_drawn_options(index):
    # each draw (no noise, nothing left out) must be exactly the index refitted with the drawn options
    u = uncertainty(index, 24, seed=3, exclude_probability=0.0, weight_noise=0.0)
    for d in (0, 5, 11, 23):
        row = u.design.iloc[d]
        ref = index.variant(normalise=row["normalise"], weights=row["weights"], aggregate=row["aggregate"],
                            zeros=row["zeros"]).result_
        np.testing.assert_allclose(u.draw_scores[:, d], ref.scores["score"], rtol=1e-10, atol=1e-14)


def test_leaving_an_indicator_out_matches_a_refit_without_it(index):
    u = uncertainty(index, 40, seed=5, normalisations=["minmax"], weightings=["critic"], aggregations=["topsis"],
                    zeros=["shift"], exclude_probability=1.0, weight_noise=0.0)
    row = u.design.iloc[0]
    left = row["exclude"]
    keep = [i for i in SYSTEM.indicator_ids if i != left]
    dims = {d.id: [i.id for i in d.indicators if i.id != left] for d in SYSTEM.dimensions}
    from measure_fixtures import make_system

    smaller = make_system({k: v for k, v in dims.items() if v}, {"x03": "-"})
    ref = CompositeIndex(smaller, weights="critic", aggregate="topsis").fit(PANEL[["unit", "year", *keep]]).result_
    np.testing.assert_allclose(u.draw_scores[:, 0], ref.scores["score"], rtol=1e-10)


def test_sensitivity_finds_the_only_varying_choice(index):
    # only the aggregation varies: its first-order index dominates, the others are about 0
    u = uncertainty(index, 300, seed=2, normalisations=["minmax"], weightings=["entropy"], zeros=["shift"],
                    exclude_probability=0.0, weight_noise=0.0)
    s = u.sensitivity.set_index("factor")["first_order"]
    assert u.driver == "aggregate"
    assert s["aggregate"] > 0.95
    assert s.drop("aggregate").max() < 0.02


def test_invalid_combinations_are_redrawn_and_noted(index):
    u = uncertainty(index, 100, seed=4, normalisations=["zscore", "minmax"], weightings=["entropy", "critic"])
    bad = u.design[(u.design["normalise"] == "zscore") & ((u.design["weights"] == "entropy") | (u.design["aggregate"] == "geometric"))]
    assert bad.empty
    assert any("redrawn" in n and "zscore" in n for n in u.notes)
    assert np.isfinite(u.draw_scores).all()


def test_hierarchical_and_per_year(index):
    for options in ({"hierarchy": "hierarchical", "aggregate": "topsis"}, {"scope": "per-year"}):
        idx = index.variant(**options)
        u = uncertainty(idx, 60, seed=9)
        assert np.isfinite(u.draw_scores).all()
        assert u.options["fixed_from_nominal"]["scope"] == idx.result_.options["scope"]


@pytest.mark.parametrize("kwargs, match", [
    ({"draws": 5}, "draws"),
    ({"seed": -1}, "seed"),
    ({"exclude_probability": 1.5}, "exclude_probability"),
    ({"weight_noise": 1.0}, "weight_noise"),
    ({"normalisations": ["minmax", "minmax"]}, "twice"),
    ({"aggregations": ["mean"]}, "mean"),
    ({"weightings": ["fixed"]}, "fixed"),
])
def test_bad_arguments(index, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        uncertainty(index, **{"draws": 20, **kwargs})


def test_needs_a_fitted_index():
    with pytest.raises(ParameterError, match="fit"):
        uncertainty(CompositeIndex(SYSTEM), 20)


def test_transform_scores_new_rows_as_each_draw_would(index):
    # the fitted rows give back the draws' scores exactly
    u = uncertainty(index, 40, seed=5)
    a = index.result_.arrays
    np.testing.assert_array_equal(u.transform(a.raw, a.years), u.draw_scores)
    # changed rows: each draw (no noise, nothing left out) is the index refitted with the drawn options, so its
    # transform of a changed row equals that refit's transform (fitted bounds, weights and TOPSIS points)
    u = uncertainty(index, 24, seed=3, exclude_probability=0.0, weight_noise=0.0)
    matrix = index.result_.matrix.copy()
    matrix.loc[matrix["unit"] == "P003", "x01"] *= 2.5  # beyond the fitted range for some draws
    matrix.loc[matrix["unit"] == "P007", "x03"] *= 0.5
    new = u.transform(matrix[a.indicators].to_numpy(), matrix["year"].to_numpy())
    for d in (0, 5, 11, 23):
        row = u.design.iloc[d]
        ref = index.variant(normalise=row["normalise"], weights=row["weights"], aggregate=row["aggregate"],
                            zeros=row["zeros"]).transform_matrix(matrix)
        np.testing.assert_allclose(new[:, d], ref.scores["score"], rtol=1e-10, atol=1e-14)
    with pytest.raises(ParameterError, match="indicator values"):
        u.transform(a.raw[:, :3], a.years)


def test_transform_per_year_picks_each_year_s_draw_parameters(index):
    u = uncertainty(index.variant(scope="per-year"), 20, seed=2)
    a = index.result_.arrays
    np.testing.assert_array_equal(u.transform(a.raw, a.years), u.draw_scores)
    with pytest.raises(ParameterError, match="not fitted"):
        u.transform(a.raw[:2], [1990, 1990])


def test_batch_ranks_match_scipy_min_ranks_with_ties():
    # an independent oracle: scipy's rankdata(method="min") of −x, column by column, within each year;
    # values drawn from 5 levels so ties are everywhere (ties share the best rank: [0.5, 0.9, 0.5] → [2, 1, 2])
    from scipy.stats import rankdata

    rng = np.random.default_rng(3)
    scores = rng.integers(0, 5, size=(40, 7)).astype(float)
    years = np.repeat([2020, 2021, 2022, 2023], 10)
    got = rank_within_years(scores, years)
    for y in np.unique(years):
        rows = years == y
        for d in range(scores.shape[1]):
            np.testing.assert_array_equal(got[rows, d], rankdata(-scores[rows, d], method="min"))
    np.testing.assert_array_equal(rank_within_years(scores[:, 0], years), got[:, 0])  # one column alike


def test_row_statistics_in_blocks_equal_the_whole_matrix(monkeypatch):
    # the per-unit-year statistics are computed a block of rows at a time; blocks of 7 rows must give what
    # numpy gives on the whole matrix (mean, total sum of squares, percentiles, mean |rank − nominal|)
    import importlib

    mod = importlib.import_module("nqp_lib.measure.uncertainty")  # the module (the package exports the function)
    monkeypatch.setattr(mod, "ROW_CHUNK", 7)
    rng = np.random.default_rng(5)
    ranks = rng.integers(1, 31, size=(50, 40)).astype(np.int32)
    nominal = rng.integers(1, 31, size=50)
    mean, sst, tot, pct, shift = mod._row_moments(ranks, nominal)
    r = ranks.astype(float)
    np.testing.assert_allclose(mean[:, 0], r.mean(axis=1), rtol=1e-14)
    np.testing.assert_allclose(sst, ((r - r.mean(axis=1, keepdims=True)) ** 2).sum(axis=1), rtol=1e-12)
    assert tot == pytest.approx(sst.sum(), rel=1e-14)
    np.testing.assert_array_equal(pct, np.percentile(r, [5, 50, 95], axis=1))
    assert shift == pytest.approx(np.abs(r - nominal[:, None]).mean(), rel=1e-14)
    # the between-level sums of squares of one factor, by hand on two draws' levels
    labels = np.arange(40) % 2
    (ssb, _, _), = mod._ss_first_order(ranks, [(labels, 2)], mean, sst)
    cond = np.stack([r[:, labels == k].mean(axis=1) for k in (0, 1)], axis=1)
    np.testing.assert_allclose(ssb, ((cond - r.mean(axis=1, keepdims=True)) ** 2 * 20).sum(axis=1), rtol=1e-12)
