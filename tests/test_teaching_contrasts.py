""""What changes if …" on the shipped panel: the facts agree with the engine's variants and with the real
figures; identities that hold whatever the data."""

from __future__ import annotations

import numpy as np
import pytest

from nqp_lib.disparity import bandwidth
from nqp_lib.errors import ParameterError
from nqp_lib.measure import CompositeIndex
from nqp_lib.teaching import (
    aggregate_contrast,
    bandwidth_contrast,
    growth_contrast,
    rank_correlation,
    scope_contrast,
    weights_contrast,
    zeros_contrast,
)


@pytest.fixture(scope="module")
def index(panel):
    return CompositeIndex("three_elements", impute="linear_nearest", exclude_units="auto", years=(2012, 2023)).fit(panel)


def test_rank_correlation_by_hand():
    # ranks (1, 2, 3, 4) against (2, 1, 4, 3): Σd² = 4 → ρ = 1 − 6·4/(4·15) = 0.6
    assert rank_correlation([10, 20, 30, 40], [2, 1, 4, 3]) == pytest.approx(0.6)
    assert rank_correlation([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_scope(index):
    c = scope_contrast(index, unit="广东")
    f = c.facts
    pooled = index.result_.scores
    per_year = index.variant(scope="per-year").result_.scores
    assert f["pooled_first"] == pytest.approx(pooled[pooled["year"] == 2012]["score"].mean(), abs=1e-15)
    assert f["per_year_last"] == pytest.approx(per_year[per_year["year"] == 2023]["score"].mean(), abs=1e-15)
    # real figures: pooled, the mean score doubles (0.1092 → 0.2223); per year it barely moves (0.1854 → 0.2113)
    assert (f["pooled_first"], f["pooled_last"]) == pytest.approx((0.1092, 0.2223), abs=1e-4)
    assert (f["per_year_first"], f["per_year_last"]) == pytest.approx((0.1854, 0.2113), abs=1e-4)
    assert f["pooled_growth"] > 5 * f["per_year_growth"]
    # within a year both scopes rank much the same
    assert f["last_rho"] == pytest.approx(0.977, abs=1e-3) and f["last_top"] == f["last_top_other"] == "北京"
    assert (f["unit_pooled_first"], f["unit_pooled_last"]) == pytest.approx((0.1958, 0.3472), abs=1e-4)
    assert list(c.table.columns) == ["year", "pooled", "per_year", "pooled_unit", "per_year_unit"]
    with pytest.raises(ParameterError, match="Atlantis"):
        scope_contrast(index, unit="Atlantis")


def test_zeros(index):
    c = zeros_contrast(index)
    f = c.facts
    # each min-max column has its minimum (and ties) at 0: 26 zero cells among 360 × 20
    assert f["zero_cells"] == 26 and f["cells"] == 7200
    # replacing zeros instead of shifting every value moves no entropy weight by more than 0.0003 …
    assert f["replace"]["max_change"] == pytest.approx(0.000262, abs=1e-6)
    assert f["replace"]["indicator"] == "valid_inventions_per_10k"
    # … but the size of the shift matters: +0.01 moves it by 0.0196, +1 (x′ + 1) by 0.105
    by = {ch["variant"]: ch for ch in f["changes"]}
    assert by["shift 0.01"]["max_change"] == pytest.approx(0.019578, abs=1e-6)
    assert by["shift 1"]["max_change"] == pytest.approx(0.104832, abs=1e-6)
    assert by["shift 1"]["after"] == pytest.approx(0.022137, abs=1e-6)
    w = index.variant(zeros="replace").result_.weights.set_index("indicator")["final"]
    np.testing.assert_allclose(c.table.set_index("indicator")["replace 0.0001"], w[c.table["indicator"]], rtol=1e-12)
    for column in c.table.columns[2:]:
        assert c.table[column].sum() == pytest.approx(1.0)


def test_weights(index):
    f = weights_contrast(index).facts
    # entropy puts most weight on valid inventions (0.127), CRITIC only 0.022
    assert f["largest_gap"] == f["top_a"] == "valid_inventions_per_10k"
    assert (f["gap_a"], f["gap_b"]) == pytest.approx((0.12697, 0.02173), abs=1e-5)
    assert f["top_b"] == "education_exp_share"
    assert f["weights_rho"] < 0  # the two methods order the indicators almost oppositely …
    assert f["rho"] > 0.9  # … yet the provinces' 2023 ranks agree closely
    assert 0 < f["changed"] <= f["units"] == 30
    critic = index.variant(weights="critic").result_.scores
    row = critic[(critic["year"] == 2023) & (critic["unit"] == f["mover"])]
    assert int(row["rank"].iat[0]) == f["mover_to"]


def test_aggregate(index):
    c = aggregate_contrast(index)
    f = c.facts
    assert set(f["against"]) == {"geometric", "topsis"}
    for m, facts in f["against"].items():
        r = index.variant(aggregate=m).result_.scores
        last = r[r["year"] == 2023].set_index("unit")
        assert rank_correlation(c.table["score_sum"], last["score"][c.table["unit"]]) == pytest.approx(facts["rho"])
        assert int(last.loc[facts["mover"], "rank"]) == facts["mover_to"]
    assert c.table["rank_sum"].tolist() == list(range(1, 31))
    assert f["against"]["topsis"]["rho"] == pytest.approx(0.9813, abs=1e-4)


def test_bandwidth(index):
    s = index.result_.scores
    c = bandwidth_contrast(s["score"], s["year"])
    f = c.facts
    last = s[s["year"] == 2023]["score"]
    assert f["bandwidth_a"] == pytest.approx(bandwidth(last, "silverman"))
    assert f["bandwidth_b"] == pytest.approx(bandwidth(last, "scott"))
    # Scott's h = s·n^−1/5 and Silverman's 0.9·min(s, IQR/1.34)·n^−1/5: the ratio is at least 1/0.9 always
    assert f["ratio_min"] >= 1 / 0.9 - 1e-12
    # real figures for 2023: 0.0426 vs 0.0832, Scott's almost twice as wide
    assert (f["bandwidth_a"], f["bandwidth_b"]) == pytest.approx((0.04264, 0.08319), abs=1e-5)
    assert f["last_period"] == 2023 and f["n_periods"] == 12
    summary = c.results["scott"].summary.set_index("period")
    assert f["peaks_b"] == summary.loc[2023, "n_peaks"]


def test_growth(index):
    f = growth_contrast(index.result_.scores, unit="广东").facts
    # mean score 0.109212 (2012) → 0.222343 (2023), 11 years: ratio 2.035889
    # compound 2.035889^(1/11) − 1 = 0.066765; simple 1.035889/11 = 0.094172
    assert (f["first"], f["last"], f["years"]) == pytest.approx((0.109212, 0.222343, 11), abs=1e-6)
    assert f["compound"] == pytest.approx(0.066765, abs=1e-6) and f["simple"] == pytest.approx(0.094172, abs=1e-6)
    assert f["book_compound"] == pytest.approx(0.125178, abs=1e-6) and f["book_simple"] == pytest.approx(0.210068, abs=1e-6)
    assert f["fastest"] == "安徽"
    assert f["unit_compound"] == pytest.approx((f["unit_last"] / f["unit_first"]) ** (1 / 11) - 1)
