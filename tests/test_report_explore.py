"""The live-mode weight explorer: callbacks recompute the ranking; static HTML gets a note instead."""

from __future__ import annotations

import numpy as np
import pytest

from nqp_lib.report import explore
from nqp_lib.report.context import Report, check_settings


@pytest.fixture(scope="module")
def ctx():
    return Report("overview", check_settings(year_from=2019, year_to=2023))


def test_callbacks_recompute_scores_and_ranks(ctx, monkeypatch):
    monkeypatch.delenv("NQP_STATIC", raising=False)
    ex = explore.WeightExplorer(ctx, n=5)
    scores = ctx.scores[ctx.scores["year"] == 2023]
    dims = [d.id for d in ctx.system.dimensions]
    # put all weight on the first dimension: the ranking is the ranking of that sub-index
    ex.sliders[dims[0]].value = 1.0
    for d in dims[1:]:
        ex.sliders[d].value = 0.0
    table = ex.table()
    best = scores.sort_values(dims[0], ascending=False)["name"].iloc[0]
    assert table.iloc[0]["name"] == best and table.iloc[0]["rank"] == 1
    assert table["score"].iloc[0] == pytest.approx(scores[dims[0]].max())
    # equal weights: score = plain mean of the sub-indices
    for d in dims:
        ex.sliders[d].value = 0.5
    table = ex.table().set_index("name")
    expect = scores.set_index("name")[dims].mean(axis=1)
    assert np.allclose(table.loc[expect.index, "score"], expect)
    # the year slider moves the table to another year
    ex.year.value = 2019
    assert ex.table()["score"].to_numpy().tolist() != table["score"].to_numpy().tolist()


def test_all_weights_zero_gives_zero_scores_not_nan(ctx):
    ex = explore.WeightExplorer(ctx)
    for s in ex.sliders.values():
        s.value = 0.0
    assert (ex.table()["score"] == 0).all()


def test_starting_weights_reproduce_the_index(ctx):
    ex = explore.WeightExplorer(ctx)
    got = ex.table().set_index("name")["score"]
    want = ctx.scores[ctx.scores["year"] == 2023].set_index("name")["score"]
    assert np.allclose(got.loc[want.index], want, atol=0.006)  # sliders round weights to 0.01


def test_static_mode_shows_a_note_not_a_widget(ctx, monkeypatch):
    monkeypatch.setenv("NQP_STATIC", "1")
    assert explore.weights(ctx) is None
