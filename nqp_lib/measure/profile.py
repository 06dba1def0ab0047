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
