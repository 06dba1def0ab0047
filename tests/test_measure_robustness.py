"""Method robustness, headline summaries, unit profiles and the rebuild command, checked against hand
arithmetic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nqp_lib.errors import ParameterError
from nqp_lib.measure.robustness import MethodVariant, method_variants, rank_correlations, rank_shifts
from nqp_lib.measure.summary import group_growth, group_means, spread_by_year
from nqp_lib.report.rebuild import build_command, changed_parameters


def test_rank_correlations_of_four_items_by_hand():
    # x = 1 2 3 4, y = 2 1 4 3: d = (−1, 1, −1, 1), Σd² = 4, ρ = 1 − 6·4/(4·(16 − 1)) = 0.6.
    # Pairs (6): (1,2) and (3,4) swap order (discordant), the other 4 keep it: τ = (4 − 2)/6 = 1/3.
    # z = 4 3 2 1 reverses x: ρ = −1, τ = −1.
    r = pd.DataFrame({"x": [1, 2, 3, 4], "y": [2, 1, 4, 3], "z": [4, 3, 2, 1]})
    out = rank_correlations(r).set_index(["a", "b"])
    assert out.loc[("x", "y"), "spearman"] == pytest.approx(0.6)
    assert out.loc[("x", "y"), "kendall"] == pytest.approx(1 / 3)
    assert out.loc[("x", "z"), "spearman"] == pytest.approx(-1.0)
    assert out.loc[("x", "z"), "kendall"] == pytest.approx(-1.0)
    # y against z: z = 5 − x, so ρ(y, z) = −ρ(x, y) and τ likewise
    assert out.loc[("y", "z"), "spearman"] == pytest.approx(-0.6)
    assert out.loc[("y", "z"), "kendall"] == pytest.approx(-1 / 3)
    assert len(out) == 3


def test_rank_correlations_refuse_too_few_units_and_missing_ranks():
    with pytest.raises(ParameterError, match="at least 3 units"):
        rank_correlations(pd.DataFrame({"x": [1, 2], "y": [2, 1]}))
    with pytest.raises(ParameterError, match="missing"):
        rank_correlations(pd.DataFrame({"x": [1, 2, 3], "y": [2, 1, None]}))


def test_rank_shifts_name_the_largest_move_and_its_method():
    r = pd.DataFrame({"nom": [1, 2, 3, 4], "a": [1, 4, 3, 2], "b": [2, 1, 3, 4]},
                     index=pd.Index(["p", "q", "s", "t"], name="unit"))
    out = rank_shifts(r).set_index("unit")
    # q: ranks 2, 4, 1 → best 1, worst 4, spread 3; moves +2 (a) and −1 (b): the largest is +2 under a
    assert out.loc["q", ["best", "worst", "spread", "move", "method"]].tolist() == [1, 4, 3, 2, "a"]
    # s never moves
    assert out.loc["s", ["spread", "move"]].tolist() == [0, 0]
    assert rank_shifts(r)["unit"].iloc[0] == "q"  # sorted by spread


def test_method_variants_come_from_the_registries_without_repeats():
    from nqp_lib.measure.aggregate import AGGREGATORS
    from nqp_lib.measure.weights import data_weighters

    v = method_variants("entropy", "sum")
    keys = [x.key for x in v]
    assert keys[0] == "entropy/sum" and len(keys) == len(set(keys))
    assert {f"{w}/sum" for w in data_weighters()} <= set(keys)
    assert {f"entropy/{a}" for a in AGGREGATORS.names()} <= set(keys)
    assert MethodVariant("critic", "topsis").label("en") == "CRITIC · TOPSIS"


def test_spread_by_year_by_hand():
    # 0 1 2 3 4: mean 2; P10 = 0 + 0.4·(1 − 0) = 0.4 (linear interpolation at position 0.4), P90 = 3.6
    f = pd.DataFrame({"year": [2020] * 5 + [2021] * 2, "score": [0, 1, 2, 3, 4, 1.0, np.nan]})
    out = spread_by_year(f).set_index("year")
    assert out.loc[2020, ["n", "mean", "median", "p10", "p90", "min", "max"]].tolist() == pytest.approx(
        [5, 2.0, 2.0, 0.4, 3.6, 0.0, 4.0])
    assert out.loc[2021, "n"] == 1  # the missing value does not count


def test_group_growth_compound_and_simple_on_a_two_point_series():
    # A: 0.2 → 0.8 over 2012→2015 (n = 3): ratio 4; compound 4^(1/3) − 1 = 0.587401; simple (4 − 1)/3 = 1.0
    # B: 0.5 → 0.5: no growth either way
    scores = pd.DataFrame({"group": ["A", "A", "A", "A", "B", "B"], "year": [2012, 2012, 2015, 2015, 2012, 2015],
                           "score": [0.1, 0.3, 0.7, 0.9, 0.5, 0.5]})
    means = group_means(scores)
    assert means.set_index(["group", "year"]).loc[("A", 2012), "mean"] == pytest.approx(0.2)
    g = group_growth(means, 2012, 2015).set_index("group")
    assert g.loc["A", "compound"] == pytest.approx(4 ** (1 / 3) - 1)
    assert g.loc["A", "compound"] == pytest.approx(0.587401, abs=1e-6)
    assert g.loc["A", "simple"] == pytest.approx(1.0)
    assert g.loc["B", ["compound", "simple"]].tolist() == pytest.approx([0.0, 0.0])


def test_build_command_lists_only_changed_parameters_quoted():
    assert build_command("overview", {"lang": "zh", "focus": "广东", "year_to": 2023}) == "nqp build overview"
    cmd = build_command("overview", {"lang": "en", "focus": "江苏", "panel": "/data/my cities.csv", "seed": 20240701})
    assert cmd == "nqp build overview -p lang en -p panel '/data/my cities.csv' -p focus 江苏"
    assert changed_parameters("methods", {"draws": 1000, "lang": "en"}) == {"lang": "en"}
    assert changed_parameters("methods", {"draws": 50}) == {"draws": 50}


def test_build_command_quotes_what_a_shell_would_split_or_expand():
    cmd = build_command("overview", {"focus": "a b; rm -rf x", "system": "$HOME/s.yaml"})
    assert cmd == "nqp build overview -p system '$HOME/s.yaml' -p focus 'a b; rm -rf x'"
