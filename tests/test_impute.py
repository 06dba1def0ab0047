"""Imputation methods against hand-computed series, with flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nqp_lib.data.impute import impute
from nqp_lib.errors import ParameterError

NAN = np.nan


def _frame():
    # unit A: 2011..2016 = [nan, 1, nan, nan, 4, nan]; unit B all missing; rows shuffled on purpose
    rows = [("A", 2011 + i, v) for i, v in enumerate([NAN, 1.0, NAN, NAN, 4.0, NAN])]
    rows += [("B", 2011 + i, NAN) for i in range(6)]
    f = pd.DataFrame(rows, columns=["unit", "year", "x"])
    return f.sample(frac=1.0, random_state=3).reset_index(drop=True)


def _series(result, unit="A"):
    f = result.frame
    return f[f["unit"] == unit].sort_values("year")["x"].tolist()


def test_none_changes_nothing():
    r = impute(_frame(), "none")
    assert r.n_imputed == 0
    assert np.isnan(_series(r)[0])


def test_linear_fills_interior_gaps_only():
    # 2013: 1 + (4 − 1)·(2013 − 2012)/3 = 2 ; 2014: 1 + 3·2/3 = 3 ; 2011 and 2016 stay missing
    s = _series(impute(_frame(), "linear"))
    assert np.isnan(s[0]) and s[1:5] == [1.0, 2.0, 3.0, 4.0] and np.isnan(s[5])


def test_linear_nearest_extends_the_ends():
    assert _series(impute(_frame(), "linear_nearest")) == [1.0, 1.0, 2.0, 3.0, 4.0, 4.0]


def test_nearest_takes_closest_year_ties_to_earlier():
    # 2013 is 1 year from 2012 (1.0) and 2 from 2015 (4.0) → 1.0; 2014 is 2 from 2012, 1 from 2015 → 4.0
    assert _series(impute(_frame(), "nearest")) == [1.0, 1.0, 1.0, 4.0, 4.0, 4.0]
    tie = pd.DataFrame({"unit": ["A"] * 3, "year": [2011, 2012, 2013], "x": [1.0, NAN, 3.0]})
    assert impute(tie, "nearest").frame["x"].tolist() == [1.0, 1.0, 3.0]


def test_flags_mark_exactly_the_filled_cells_in_input_order():
    f = _frame()
    r = impute(f, "linear")
    expected = f["x"].isna() & r.frame["x"].notna()
    assert r.flags["x"].tolist() == expected.tolist()
    assert r.n_imputed == 2
    assert r.summary().loc["x", "imputed"] == 2
    assert r.still_missing()["x"] == 2 + 6  # A 2011, 2016 and all of B


def test_never_crosses_units():
    assert all(np.isnan(v) for v in _series(impute(_frame(), "linear_nearest"), "B"))


def test_bad_method_names_the_choices():
    with pytest.raises(ParameterError, match="unknown method 'spline'; choose one of none, linear, linear_nearest, nearest"):
        impute(_frame(), "spline")
