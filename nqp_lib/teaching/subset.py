"""The worked example's data: a few units × years × indicators of a fitted index, by rule or by hand.

:func:`example_subset` takes the raw indicator values the index itself used (after its imputation, with the
imputation flags) for the units, years and indicators asked for. Whatever is not given is chosen by a rule
a reader can check on the page:

* **units** (default 6): the highest- and lowest-scoring unit of the index's last year, then the median
  unit of each group (groups in order of their mean score, highest first; the median of an even group is
  the higher of the two middle units), then units at evenly spaced ranks until there are enough. Without
  groups: units at evenly spaced ranks, top and bottom included.
* **years** (default 3): first, middle and last of the years in which the chosen units have every
  indicator of the system observed (no imputed value), the middle one nearest the midpoint; when fewer such
  years exist, the same spread over all the index's years.
* **indicators** (default 6): for each dimension in turn, among the indicators observed (not imputed) in
  every chosen unit-year, the one with the highest weight in the index, then the one with the lowest,
  then the next highest … — round-robin over dimensions until there are enough, so that every dimension is
  represented and the weights' contrast shows.

Units may be given by the index's labels or, for provinces, by any name :func:`canonical_province`
knows (``Beijing``, ``110000``); years and indicators as lists or comma-separated text (``"2013,2016,2019"``),
which is how the report's parameters give them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib.data.regions import canonical_province, load_regions
from nqp_lib.errors import ParameterError
from nqp_lib.systems import IndicatorSystem

UNIT_RULE = "highest and lowest unit of the last year, then the median unit of each group, then evenly spaced ranks"
YEAR_RULE = "first, middle and last of the years with every indicator observed for these units"
YEAR_RULE_ALL = "first, middle and last of the index's years (no year has every indicator observed for these units)"
INDICATOR_RULE = "per dimension, the highest- then the lowest-weighted observed indicator, round-robin"


@dataclass(frozen=True)
class ExampleSubset:
    """A small block of an index's raw indicator matrix, with how it was chosen.

    Attributes
    ----------
    system
        The index's indicator system (names, units, directions, dimensions).
    units, years, indicators
        The chosen units (display order: by the index's last-year score, highest first), years (ascending)
        and indicator ids (system order).
    frame
        ``unit, year`` and one column of raw values per indicator; rows year by year, units in ``units``
        order.
    imputed
        Same shape as ``frame``, True where the index imputed the cell (None when it imputes nothing).
    groups
        Unit → group label of every unit of the index (empty without groups).
    how
        For ``units``, ``years`` and ``indicators``: ``"given"`` or the rule that chose them.
    """

    system: IndicatorSystem
    units: tuple[str, ...]
    years: tuple[int, ...]
    indicators: tuple[str, ...]
    frame: pd.DataFrame
    imputed: pd.DataFrame | None
    groups: dict[str, str] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)

    @property
    def keys(self) -> pd.DataFrame:
        """``unit, year`` of every row."""
        return self.frame[["unit", "year"]]

    @property
    def values(self) -> np.ndarray:
        """Raw values, rows × indicators."""
        return self.frame[list(self.indicators)].to_numpy(dtype=float)

    @property
    def directions(self) -> np.ndarray:
        """+1 (benefit) or −1 (cost) per indicator."""
        return self.system.directions.reindex(list(self.indicators)).to_numpy(dtype=float)

    @property
    def dimensions(self) -> tuple[str, ...]:
        """Dimension id of each indicator."""
        return tuple(self.system.dimension_of.reindex(list(self.indicators)))

    @property
    def n_imputed(self) -> int:
        return 0 if self.imputed is None else int(self.imputed[list(self.indicators)].to_numpy().sum())


def as_list(value: Any, what: str) -> list[str]:
    """``None``/``""`` → ``[]``; ``"a, b"`` (also with ``，``) or a sequence → a list of stripped strings."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return []
    if isinstance(value, str):
        parts = value.replace("，", ",").replace("、", ",").split(",")
    elif isinstance(value, (Sequence, np.ndarray, pd.Index, pd.Series)):
        parts = [str(v) for v in value]
    elif isinstance(value, (int, np.integer)):
        parts = [str(value)]
    else:
        raise ParameterError(f"{what}: expected a list or comma-separated text, got {value!r}")
    return [p.strip() for p in parts if p.strip()]


def province_groups(grouping: str = "region4", lang: str = "en") -> dict[str, str]:
    """Province (short Chinese name) → its group in ``grouping`` (``region4``: NBS four regions, ``belt3``:
    three belts), labelled in ``lang``."""
    if grouping not in ("region4", "belt3"):
        raise ParameterError(f"grouping: expected region4 or belt3, got {grouping!r}")
    regions = load_regions()
    column = f"{grouping}_zh" if lang == "zh" else grouping
    return dict(zip(regions["name_zh"], regions[column]))


def _spread(items: Sequence[Any], n: int) -> list[Any]:
    """``n`` items evenly spaced over ``items`` (first and last included), in order, without repeats."""
    if n >= len(items):
        return list(items)
    positions = np.unique(np.round(np.linspace(0, len(items) - 1, n)).astype(int))
    return [items[p] for p in positions]


def _spread_years(years: Sequence[int], n: int) -> list[int]:
    """``n`` years spread over the span of ``years``: each target year of an even grid from the first to the
    last year, replaced by the nearest year of ``years`` not yet taken."""
    years = sorted(years)
    if n >= len(years):
        return years
    out: list[int] = []
    for target in np.linspace(years[0], years[-1], n):
        free = [y for y in years if y not in out]
        out.append(min(free, key=lambda y: (abs(y - target), y)))
    return sorted(out)


def _resolve_units(given: list[str], known: Sequence[str]) -> list[str]:
    known_set = set(known)
    out = []
    for name in given:
        unit = name if name in known_set else canonical_province(name)
        if unit is None or unit not in known_set:
            raise ParameterError(
                f"example units: {name!r} is not a unit of the index; its units are {', '.join(sorted(known))}"
            )
        if unit in out:
            raise ParameterError(f"example units: {name!r} is named twice")
        out.append(unit)
    return out


def choose_units(last: pd.Series, groups: Mapping[str, str], n: int) -> list[str]:
    """Units by :data:`UNIT_RULE` from the last-year scores ``last`` (unit → score)."""
    order = last.sort_values(ascending=False, kind="stable")
    ranked = list(order.index)
    picks = [ranked[0], ranked[-1]]
    if groups:
        g = pd.Series({u: groups.get(u) for u in ranked}).dropna()
        means = order[g.index].groupby(g).mean().sort_values(ascending=False, kind="stable")
        for label in means.index:
            members = [u for u in ranked if groups.get(u) == label]
            picks.append(members[(len(members) - 1) // 2])
    picks.extend(_spread(ranked, n))  # evenly spaced ranks, then anything left in rank order
    picks.extend(ranked)
    chosen = list(dict.fromkeys(picks))[:n]
    return [u for u in ranked if u in chosen]


def choose_indicators(weights: pd.Series, dims: pd.Series, usable: Sequence[str], n: int) -> list[str]:
    """Indicators by :data:`INDICATOR_RULE`: ``weights`` (indicator → weight), ``dims`` (indicator →
    dimension, in system order), ``usable`` the indicators allowed."""
    queues = []
    for dim in dict.fromkeys(dims):
        members = [i for i in dims.index if dims[i] == dim and i in usable]
        by_weight = sorted(members, key=lambda i: (-weights[i], i))
        queue = []
        while by_weight:
            queue.append(by_weight.pop(0))
            if by_weight:
                queue.append(by_weight.pop())
        queues.append(queue)
    picks: list[str] = []
    while len(picks) < n and any(queues):
        for queue in queues:
            if queue and len(picks) < n:
                picks.append(queue.pop(0))
    return [i for i in dims.index if i in picks]


def example_subset(
    index: Any,
    units: Any = None,
    years: Any = None,
    indicators: Any = None,
    *,
    groups: Mapping[str, str] | pd.Series | None = None,
    n_units: int = 6,
    n_years: int = 3,
    n_indicators: int = 6,
) -> ExampleSubset:
    """The worked example's block of a fitted :class:`~nqp_lib.measure.CompositeIndex` (rules: module docstring).

    Parameters
    ----------
    index
        A fitted ``CompositeIndex`` (its raw matrix, imputation flags, weights and scores are read).
    units, years, indicators
        What to take (lists or comma-separated text); empty or None → chosen by the rules.
    groups
        Unit → group label (e.g. :func:`province_groups`) for the unit rule and the Dagum step.
    n_units, n_years, n_indicators
        How many to choose when not given (at least 2 units, 1 year and 2 indicators).
    """
    result = getattr(index, "result_", None)
    if result is None:
        raise ParameterError("example_subset: the index is not fitted yet; call fit(panel) first")
    for name, v, low in (("n_units", n_units, 2), ("n_years", n_years, 1), ("n_indicators", n_indicators, 2)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise ParameterError(f"example {name}: expected a whole number ≥ {low}, got {v!r}")
    system: IndicatorSystem = result.system
    matrix = result.matrix
    imputed = result.imputed
    scores = result.scores
    all_units = list(dict.fromkeys(matrix["unit"]))
    all_years = sorted(int(y) for y in pd.unique(matrix["year"]))
    group_map = {str(k): str(v) for k, v in dict(groups).items()} if groups is not None else {}
    how: dict[str, str] = {}

    given_units = as_list(units, "example units")
    if given_units:
        chosen_units = _resolve_units(given_units, all_units)
        how["units"] = "given"
    else:
        last = scores[scores["year"] == all_years[-1]].set_index("unit")["score"]
        chosen_units = choose_units(last, group_map, n_units)
        how["units"] = UNIT_RULE
    if len(chosen_units) < 2:
        raise ParameterError("example units: give at least 2 units (one unit has no spread to normalise)")

    in_units = matrix["unit"].isin(chosen_units).to_numpy()
    ids = system.indicator_ids
    flags = (imputed[ids].to_numpy(dtype=bool) if imputed is not None else np.zeros((len(matrix), len(ids)), bool))
    given_years = as_list(years, "example years")
    if given_years:
        try:
            chosen_years = sorted({int(y) for y in given_years})
        except ValueError:
            raise ParameterError(f"example years: expected years such as 2013,2016,2019, got {years!r}") from None
        missing = [y for y in chosen_years if y not in all_years]
        if missing:
            raise ParameterError(
                f"example years: {missing} not in the index's years {all_years[0]}–{all_years[-1]}"
            )
        how["years"] = "given"
    else:
        year_col = matrix["year"].to_numpy().astype(int)
        complete = [y for y in all_years if not flags[in_units & (year_col == y)].any()]
        if len(complete) >= n_years:
            chosen_years, how["years"] = _spread_years(complete, n_years), YEAR_RULE
        else:
            chosen_years, how["years"] = _spread_years(all_years, n_years), YEAR_RULE_ALL

    rows = in_units & matrix["year"].isin(chosen_years).to_numpy()
    given_ind = as_list(indicators, "example indicators")
    if given_ind:
        unknown = [i for i in given_ind if i not in ids]
        if unknown:
            raise ParameterError(
                f"example indicators: {unknown} not in system {system.id!r}; its indicators are {', '.join(ids)}"
            )
        if len(set(given_ind)) != len(given_ind):
            raise ParameterError("example indicators: an indicator is named twice")
        if len(given_ind) < 2:
            raise ParameterError("example indicators: give at least 2 (weights need something to share)")
        chosen_ind = [i for i in ids if i in given_ind]
        how["indicators"] = "given"
    else:
        observed = [i for j, i in enumerate(ids) if not flags[rows, j].any()]
        w = result.weights.groupby("indicator", sort=False)["final"].mean()
        chosen_ind = choose_indicators(w, system.dimension_of, observed, n_indicators)
        if len(chosen_ind) < 2:
            raise ParameterError(
                f"example indicators: fewer than 2 indicators are observed for {', '.join(chosen_units)} in "
                f"{', '.join(map(str, chosen_years))}; name the indicators or other years"
            )
        how["indicators"] = INDICATOR_RULE

    pick = matrix.loc[rows, ["unit", "year", *chosen_ind]].copy()
    pick["year"] = pick["year"].astype(int)
    order = {u: k for k, u in enumerate(chosen_units)}
    pick = pick.sort_values(["year", "unit"], key=lambda c: c.map(order) if c.name == "unit" else c, kind="stable")
    flags_frame = None
    if imputed is not None:
        flags_frame = imputed.loc[pick.index, ["unit", "year", *chosen_ind]].reset_index(drop=True)
    return ExampleSubset(
        system=system, units=tuple(chosen_units), years=tuple(int(y) for y in chosen_years),
        indicators=tuple(chosen_ind), frame=pick.reset_index(drop=True), imputed=flags_frame,
        groups=group_map, how=how,
    )
