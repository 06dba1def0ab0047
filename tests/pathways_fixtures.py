"""An oracle for the scenario explorer: the outcome of one (lever, size, target) computed the plain way —
change the panel's cells and score the changed panel with ``CompositeIndex.transform``."""

from __future__ import annotations

import numpy as np


def indicator_without_imputation(ctx, units, year):
    """The first indicator read from a panel column whose cells of ``units`` in ``year`` were all observed
    (so changing the panel changes exactly the values the index scores)."""
    res = ctx.index.result_
    imputed = res.imputed
    for ind in ctx.system.indicators:
        if ind.column is None:
            continue
        if imputed is None:
            return ind
        rows = imputed[(imputed["year"] == year) & imputed["unit"].isin(units)]
        if not rows[ind.id].any():
            return ind
    raise AssertionError("no indicator observed for every target unit")


def transform_oracle(ctx, indicator, relative: float, units, year):
    """National mean score, the focus unit's score and rank after ``indicator`` improves by ``relative`` of
    its magnitude (x + d·p·|x|) for ``units`` in ``year``, from ``transform`` of the changed panel."""
    frame = ctx.index.panel_.copy()
    rows = (frame["year"] == year) & frame["unit"].isin(units)
    x = frame.loc[rows, indicator.column].astype(float)
    frame.loc[rows, indicator.column] = x + indicator.direction * relative * np.abs(x)
    scores = ctx.index.transform(frame).scores
    s = scores[scores["year"] == year]
    focus = s[s["unit"] == ctx.settings.focus].iloc[0]
    return float(s["score"].mean()), float(focus["score"]), int(focus["rank"])
