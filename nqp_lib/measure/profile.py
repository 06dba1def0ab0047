"""A unit's profile in one year: its dimension sub-indices and every indicator (normalised and raw), beside
the median of all units and the median of its own group.

Normalised values are the index's direction-aware :math:`x'_{ij}` (for min-max in [0, 1], 1 = best); raw
values are the indicator values the index read, after imputation; ``imputed`` flags cells the imputation
filled. Medians are taken over the units measured in that year (the same cells, so an imputed value counts
in the median as it counts in the index).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from nqp_lib.errors import ParameterError
from nqp_lib.measure.result import IndexResult

COLUMNS = ["unit", "group", "kind", "item", "dimension", "value", "raw", "imputed", "median_all", "median_group"]


def unit_profiles(result: IndexResult, year: int, groups: Mapping[str, str], units: Sequence[str] | None = None) -> pd.DataFrame:
    """Long table of the profile of ``units`` (default: every unit) in ``year``.

    Columns: ``unit, group, kind`` ("dimension" or "indicator"), ``item`` (dimension or indicator id),
    ``dimension`` (the dimension an indicator belongs to; the dimension itself for a dimension row),
    ``value`` (sub-index or normalised value), ``raw`` (raw indicator value; NaN for a dimension),
    ``imputed`` (bool), ``median_all`` and ``median_group`` (medians of ``value`` over all units and over
    the unit's group in that year). ``groups`` maps every unit to its group.
    """
    scores = result.scores
    if int(year) not in set(scores["year"].astype(int)):
        raise ParameterError(f"unit_profiles: year {year} is not among the index's years")
    a = result.arrays
    sel = a.years == int(year)
    names = a.units[sel]
    missing = sorted(set(names) - set(groups))
    if missing:
        raise ParameterError(f"unit_profiles: no group for unit(s) {missing[:5]}")
    group = np.asarray([groups[u] for u in names], dtype=object)
    dim_of = [a.dimensions[k] for k in a.dims]
    parts = []
    blocks = [
        ("dimension", a.dimensions, a.dimension_scores[sel], np.full((sel.sum(), len(a.dimensions)), np.nan),
         np.zeros((sel.sum(), len(a.dimensions)), dtype=bool), list(a.dimensions)),
        ("indicator", a.indicators, a.normalised[sel], a.raw[sel],
         a.imputed[sel] if a.imputed is not None else np.zeros((sel.sum(), len(a.indicators)), dtype=bool), dim_of),
    ]
    for kind, items, value, raw, imputed, dims in blocks:
        for j, item in enumerate(items):
            v = value[:, j]
            frame = pd.DataFrame({"unit": names, "group": group, "value": v})
            med_group = frame.groupby("group")["value"].transform("median")
            parts.append(pd.DataFrame({
                "unit": names, "group": group, "kind": kind, "item": item, "dimension": dims[j], "value": v,
                "raw": raw[:, j], "imputed": imputed[:, j].astype(bool), "median_all": float(np.nanmedian(v)),
                "median_group": med_group.to_numpy(),
            }))
    out = pd.concat(parts, ignore_index=True)[COLUMNS]
    if units is not None:
        unknown = sorted(set(units) - set(names))
        if unknown:
            raise ParameterError(f"unit_profiles: unit(s) {unknown[:5]} not measured in {year}")
        out = out[out["unit"].isin(list(units))].reset_index(drop=True)
    return out


def indicator_medians(result: IndexResult) -> pd.DataFrame:
    """Per indicator: the median over units of its observed (not imputed) raw values in the first year and in
    the last year it was observed, and the change between them.

    Columns: ``indicator, first_year, last_year, first, last, change_pct`` (:math:`100 (m_1/m_0 - 1)`, NaN when
    :math:`m_0 \\le 0`), ``better`` (True when the change goes the indicator's way: up for a benefit
    indicator, down for a cost one; None when unchanged or undefined) and ``ends_early`` (True when the last
    observed year is before the index's last year).
    """
    a = result.arrays
    direction = result.system.directions.reindex(a.indicators).to_numpy(dtype=float)
    imputed = a.imputed if a.imputed is not None else np.zeros(a.raw.shape, dtype=bool)
    years = np.asarray(a.years)
    last_index_year = int(years.max())
    rows = []
    for j, ind in enumerate(a.indicators):
        seen = ~imputed[:, j] & np.isfinite(a.raw[:, j])
        yrs = sorted(set(years[seen].tolist()))
        if not yrs:
            continue
        y0, y1 = int(yrs[0]), int(yrs[-1])
        m0 = float(np.median(a.raw[seen & (years == y0), j]))
        m1 = float(np.median(a.raw[seen & (years == y1), j]))
        change = 100.0 * (m1 / m0 - 1.0) if m0 > 0 else float("nan")
        better = None if (m1 == m0 or not np.isfinite(change)) else bool((m1 - m0) * direction[j] > 0)
        rows.append({"indicator": ind, "first_year": y0, "last_year": y1, "first": m0, "last": m1,
                     "change_pct": change, "better": better, "ends_early": y1 < last_index_year})
    return pd.DataFrame(rows, columns=["indicator", "first_year", "last_year", "first", "last", "change_pct", "better",
                                       "ends_early"])
