"""Small indicator systems and synthetic panels for the measurement-engine tests and benchmark."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nqp_lib.systems import IndicatorSystem, system_from_dict


def make_system(
    dims: dict[str, list[str]] | None = None,
    directions: dict[str, str] | None = None,
    weights: dict[str, float] | None = None,
    dim_weights: dict[str, float] | None = None,
    sys_id: str = "toy",
    conditions: dict[str, list[int]] | None = None,
) -> IndicatorSystem:
    """A system whose indicator ids equal their panel columns. Default: 2 dimensions, 4 indicators, c is a cost.
    ``conditions`` tags indicators with the article's formation conditions (default: none)."""
    dims = dims or {"alpha": ["a", "b"], "beta": ["c", "d"]}
    directions = directions if directions is not None else {"c": "-"}
    spec = {"id": sys_id, "name": {"zh": "测试", "en": "Test"}, "dimensions": []}
    for d, inds in dims.items():
        dim = {"id": d, "name": {"zh": d, "en": d}, "indicators": []}
        if dim_weights:
            dim["weight"] = dim_weights[d]
        for i in inds:
            ind = {"id": i, "name": {"zh": i, "en": i}, "column": i, "unit": "u", "direction": directions.get(i, "+")}
            if weights:
                ind["weight"] = weights[i]
            if conditions and i in conditions:
                ind["conditions"] = conditions[i]
            dim["indicators"].append(ind)
        spec["dimensions"].append(dim)
    return system_from_dict(spec, source="test")


def frame_from(matrix, columns, units=None, years=None) -> pd.DataFrame:
    """A panel frame from an (n × m) matrix; default one year (2020) and units u0, u1, …"""
    matrix = np.asarray(matrix, dtype=float)
    n = matrix.shape[0]
    units = units if units is not None else [f"u{i}" for i in range(n)]
    years = years if years is not None else [2020] * n
    out = pd.DataFrame(matrix, columns=columns)
    out.insert(0, "year", years)
    out.insert(0, "unit", units)
    return out


def synthetic_panel(n_units: int, n_years: int, n_ind: int, seed: int = 0, start: int = 2011) -> pd.DataFrame:
    """A positive, skewed, trending panel (log-normal levels growing by year, with correlated indicators)."""
    rng = np.random.default_rng(seed)
    unit_level = rng.normal(0.0, 1.0, size=(n_units, 1))
    loads = rng.uniform(0.2, 1.0, size=(1, n_ind))
    rows = []
    for t in range(n_years):
        noise = rng.normal(0.0, 0.6, size=(n_units, n_ind))
        values = np.exp(1.0 + unit_level * loads + noise + 0.05 * t)
        rows.append(values)
    mat = np.vstack(rows)
    units = [f"P{u:03d}" for u in range(n_units)] * n_years
    years = np.repeat(np.arange(start, start + n_years), n_units)
    return frame_from(mat, [f"x{j:02d}" for j in range(n_ind)], units=units, years=years)


def synthetic_system(n_ind: int, n_dims: int = 3, costs: tuple[int, ...] = (1,)) -> IndicatorSystem:
    """Indicators x00… split into ``n_dims`` dimensions d0…; indicators whose index is in ``costs`` are costs."""
    ids = [f"x{j:02d}" for j in range(n_ind)]
    groups = np.array_split(np.arange(n_ind), n_dims)
    dims = {f"d{k}": [ids[j] for j in g] for k, g in enumerate(groups)}
    return make_system(dims, {ids[j]: "-" for j in costs if j < n_ind}, sys_id="synthetic")
