r"""Synthetic county-scale panels: a deterministic panel, the indicator system that reads it and the
contiguity of its units, for tests, benchmarks and trying nqp at scale before real county data are at hand.

The values are invented — never report them as findings. What they are built to have is the shape of a
county panel: thousands of units on a map, a grouping column, spatially clustered levels, growth over the
years, a few missing cells, cost indicators beside benefit indicators.

Model
-----
Unit :math:`k` sits on a grid (row-major, ``cols = ⌈√n⌉`` columns; the last row may be partial). Its latent
level in year :math:`t` is

.. math::

    \ell_{kt} = s_k + z_{g(k)} + \gamma\,t + u_{kt},\qquad u_{kt} = \rho\,u_{k,t-1} + \varepsilon_{kt},

with :math:`s_k` a smooth field (a sum of Gaussian bumps over the grid: neighbours have similar levels, so
Moran's I is positive), :math:`z_g` a level per zone (zones are bands of grid columns, east to west),
:math:`\gamma` common growth and an AR(1) shock. Indicator :math:`j` is
:math:`x_{jkt} = c_j \exp(\pm a_j \ell_{kt} + \sigma_j \eta_{jkt})`, the sign negative for cost indicators
(direction ``-``). Cells are then removed at random with probability ``missing``.

Everything is drawn from one :func:`numpy.random.default_rng` seeded by ``seed``: the same arguments give
the same files byte for byte.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

#: Display names of the zones (bands of grid columns), in order from the first column.
ZONE_NAMES = ("East", "Central", "West", "Northeast", "North", "South")
#: Dimensions the synthetic system cycles its indicators through: id, zh and en names, a key feature.
DIMENSIONS = (
    ("tech", "科技", "Technology", "high_tech"),
    ("green", "绿色", "Green", "green"),
    ("digital", "数字", "Digital", "new_domains"),
)


@dataclass(frozen=True)
class SyntheticPanel:
    """A synthetic panel with its system and weights.

    Attributes
    ----------
    frame
        Wide panel: ``county``, ``zone`` (grouping), ``year``, then ``x01`` … one column per indicator.
    system
        An indicator system (the mapping a system YAML holds) reading those columns.
    edges
        Rook contiguity of the grid as a directed edge list ``from, to`` with both directions of every pair.
    shape
        ``(rows, cols)`` of the grid.
    seed
        The seed the values were drawn with (named in the sidecar's citation).
    """

    frame: pd.DataFrame
    system: dict
    edges: pd.DataFrame
    shape: tuple[int, int]
    seed: int = 0

    def meta(self, weights: str) -> dict:
        """The panel's sidecar (:mod:`nqp_lib.data.panelmeta`): counties, the ``zone`` grouping, a citation
        saying the values are invented, the weights file ``weights`` (relative to the sidecar)."""
        zone_zh = {"East": "东部", "Central": "中部", "West": "西部", "Northeast": "东北", "North": "北部", "South": "南部"}
        zones = sorted(self.frame["zone"].unique(), key=ZONE_NAMES.index)
        return {
            "unit_kind": "county",
            "groupings": [{"column": "zone", "name": {"zh": "地带", "en": "Zone"},
                           "values": {z: {"zh": zone_zh[z], "en": z} for z in zones}}],
            "citation": f"Synthetic county panel, nqp_lib.data.synthetic (seed {self.seed}); invented values, not statistics",
            "licence": "CC0-1.0",
            "weights": weights,
            "focus": str(self.frame["county"].iat[0]),
        }

    def write(self, folder: str | Path, stem: str = "county") -> dict[str, Path]:
        """Write ``STEM.csv`` (the panel), ``STEM.meta.yaml`` (its sidecar), ``STEM.yaml`` (the system) and
        ``STEM_w.csv`` (the edge list) into ``folder``; returns their paths under the keys ``panel``,
        ``meta``, ``system``, ``weights``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {"panel": folder / f"{stem}.csv", "meta": folder / f"{stem}.meta.yaml",
                 "system": folder / f"{stem}.yaml", "weights": folder / f"{stem}_w.csv"}
        paths["meta"].write_text(yaml.safe_dump(self.meta(paths["weights"].name), allow_unicode=True, sort_keys=False),
                                 encoding="utf-8")
        self.frame.to_csv(paths["panel"], index=False, float_format="%.6g")
        paths["system"].write_text(yaml.safe_dump(self.system, allow_unicode=True, sort_keys=False), encoding="utf-8")
        self.edges.to_csv(paths["weights"], index=False)
        return paths


def grid_shape(units: int) -> tuple[int, int]:
    """``(rows, cols)`` of the grid holding ``units`` units row by row, ``cols = ⌈√units⌉``."""
    if units < 2:
        raise ValueError(f"units must be at least 2, got {units}")
    cols = math.ceil(math.sqrt(units))
    return math.ceil(units / cols), cols


def grid_edges(units: int, names: list[str] | None = None) -> pd.DataFrame:
    """Rook contiguity of ``units`` units laid row by row on the grid of :func:`grid_shape`: each unit is a
    neighbour of the next one in its row and of the one below it. Both directions of every pair are listed
    (``from, to``), so the list reads unambiguously with :func:`nqp_lib.disparity.read_weights`."""
    _, cols = grid_shape(units)
    k = np.arange(units)
    right = k[(k % cols < cols - 1) & (k + 1 < units)]
    down = k[k + cols < units]
    a = np.concatenate([right, down])
    b = np.concatenate([right + 1, down + cols])
    label = np.array(names if names is not None else unit_names(units), dtype=object)
    return pd.DataFrame({"from": label[np.concatenate([a, b])], "to": label[np.concatenate([b, a])]})


def unit_names(units: int) -> list[str]:
    """``C0001`` … — names that no province spelling matches, so a panel of them reads as counties."""
    width = max(4, len(str(units)))
    return [f"C{k + 1:0{width}d}" for k in range(units)]


def _smooth_field(rng: np.random.Generator, rows: int, cols: int, bumps: int = 6) -> np.ndarray:
    """A sum of Gaussian bumps over the grid, standardised (mean 0, sd 1), flattened row by row."""
    r, c = np.mgrid[0:rows, 0:cols]
    field = np.zeros((rows, cols))
    for _ in range(bumps):
        cr, cc = rng.uniform(0, rows), rng.uniform(0, cols)
        width = rng.uniform(0.15, 0.35) * max(rows, cols)
        field += rng.normal(0, 1) * np.exp(-((r - cr) ** 2 + (c - cc) ** 2) / (2 * width**2))
    field = field.ravel()
    return (field - field.mean()) / (field.std() or 1.0)


def county_panel(
    units: int = 3000,
    years: int = 15,
    indicators: int = 20,
    *,
    first_year: int = 2009,
    zones: int = 4,
    missing: float = 0.005,
    seed: int = 20240701,
) -> SyntheticPanel:
    """A deterministic county-scale panel (see the module docstring for the model).

    Parameters
    ----------
    units, years, indicators
        Size of the panel: ``units × years`` rows, ``indicators`` value columns ``x01`` ….
    first_year
        The first year; years run consecutively.
    zones
        Number of zones (the grouping column ``zone``), bands of grid columns; at most ``len(ZONE_NAMES)``.
    missing
        Share of value cells removed at random (never a whole unit's series of one indicator in practice).
    seed
        Seed of the random generator.

    Returns
    -------
    SyntheticPanel
    """
    if not 1 <= zones <= len(ZONE_NAMES):
        raise ValueError(f"zones must be 1–{len(ZONE_NAMES)}, got {zones}")
    if indicators < len(DIMENSIONS) or years < 2 or not 0 <= missing < 0.5:
        raise ValueError(f"need indicators ≥ {len(DIMENSIONS)}, years ≥ 2 and 0 ≤ missing < 0.5")
    rng = np.random.default_rng(seed)
    rows, cols = grid_shape(units)
    names = unit_names(units)
    zone_of = (np.arange(units) % cols) * zones // cols
    zone_level = np.linspace(0.6, -0.6, zones)
    base = _smooth_field(rng, rows, cols)[:units] + zone_level[zone_of] + rng.normal(0, 0.3, units)

    level = np.empty((years, units))
    shock = np.zeros(units)
    for t in range(years):
        shock = 0.6 * shock + rng.normal(0, 0.08, units)
        level[t] = base + 0.06 * t + shock

    loadings = rng.uniform(0.5, 1.2, indicators)
    scales = 10.0 ** rng.integers(-1, 4, indicators)
    noise = rng.uniform(0.1, 0.35, indicators)
    cost = (np.arange(indicators) % 7) == 6  # every seventh indicator is a cost
    values = np.empty((years * units, indicators))
    flat = level.ravel()  # year-major: row t*units + k
    for j in range(indicators):
        sign = -1.0 if cost[j] else 1.0
        values[:, j] = scales[j] * np.exp(sign * loadings[j] * flat + noise[j] * rng.normal(0, 1, flat.size))
    values[rng.random(values.shape) < missing] = np.nan

    ids = [f"x{j + 1:02d}" for j in range(indicators)]
    frame = pd.DataFrame(values, columns=ids)
    frame.insert(0, "year", np.repeat(np.arange(first_year, first_year + years), units))
    frame.insert(0, "zone", np.tile(np.array(ZONE_NAMES[:zones], dtype=object)[zone_of], years))
    frame.insert(0, "county", np.tile(np.array(names, dtype=object), years))
    frame = frame.sort_values(["county", "year"], kind="stable").reset_index(drop=True)
    return SyntheticPanel(frame=frame, system=_system(ids, cost), edges=grid_edges(units, names), shape=(rows, cols),
                          seed=seed)


def _system(ids: list[str], cost: np.ndarray) -> dict:
    """The indicator system of a synthetic panel: indicators dealt round the dimensions in turn."""
    dims = []
    for d, (did, zh, en, feature) in enumerate(DIMENSIONS):
        inds = []
        for j in range(d, len(ids), len(DIMENSIONS)):
            inds.append({
                "id": ids[j], "name": {"zh": f"合成指标{j + 1}", "en": f"Synthetic indicator {j + 1}"},
                "column": ids[j], "unit": {"zh": "合成单位", "en": "synthetic unit"},
                "direction": "-" if cost[j] else "+", "features": [feature], "conditions": [d % 6 + 1],
                "rationale": "synthetic test indicator",
            })
        dims.append({"id": did, "name": {"zh": zh, "en": en}, "indicators": inds})
    return {
        "id": "synthetic_county",
        "name": {"zh": "合成县域指标体系", "en": "Synthetic county system"},
        "description": "Invented values for testing nqp at county scale (nqp_lib.data.synthetic).",
        "defaults": {"min": 0},
        "dimensions": dims,
    }
