r"""What-if scenarios on a fitted index: move a lever by a size for a target and rescore.

A **lever** is one indicator or one dimension (every indicator of it). A **size** says how far it moves:

* ``relative`` p (e.g. +10 %): every moved value improves by p of its own magnitude,
  :math:`x' = x + d\,p\,|x|` with :math:`d = +1` for a benefit and :math:`-1` for a cost indicator (a cost
  indicator is cut by p; the absolute value keeps a negative value moving the right way);
* ``quantile`` q (e.g. the 75th percentile): a value worse than the units' q-quantile of that indicator in
  that year (the :math:`1 - q` quantile for a cost indicator) is lifted to it, a better one stays
  (:math:`x' = \max(x, Q_q)` or :math:`\min(x, Q_{1-q})`; numpy's linear interpolation, over the units
  the index scores).

A **target** is a set of units (all of them, a region, one unit). The scenario sets the target's values in
one year and scores them with what the index learned (:meth:`CompositeIndex.transform_matrix`, i.e.
:meth:`~CompositeIndex.transform` from the indicator matrix on): normalisation bounds, weights and TOPSIS
points stay as fitted, so a score moves only because its own values moved. The values moved are those the
index scored, imputed cells included (the scenario then moves an imputed value, and says so).

Because a fitted index scores each row on its own (every normaliser and aggregator applies fitted
parameters row by row), a unit's new score does not depend on which other units move. :func:`scenario_grid`
uses this: it scores every unit under every (lever, size) once, and the score of any target follows by
choosing, unit by unit, the moved or the unmoved score; the ranks, the units' mean (the "national" index)
and — with a Monte Carlo result — the draws' rank intervals follow from those. :func:`scenario` does one
scenario the plain way and is what the grid is tested against. :func:`largest_gap` picks the scenario a
diagnosis suggests: a unit's largest obstacle that the size can still move, moved for that unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from nqp_lib.errors import ParameterError
from nqp_lib.measure.index import CompositeIndex
from nqp_lib.measure.ranks import min_ranks_descending
from nqp_lib.measure.result import IndexResult
from nqp_lib.measure.uncertainty import UncertaintyResult

# --------------------------------------------------------------------------- levers and sizes


@dataclass(frozen=True)
class Lever:
    """An indicator or a dimension of a system, and the indicator ids it moves."""

    kind: Literal["indicator", "dimension"]
    id: str
    indicators: tuple[str, ...]

    @property
    def key(self) -> str:
        """``indicator:<id>`` or ``dimension:<id>``."""
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Size:
    """How far a lever moves: ``relative`` (value = p, e.g. 0.1 for +10 %) or ``quantile`` (value = q)."""

    kind: Literal["relative", "quantile"]
    value: float

    @property
    def key(self) -> str:
        """``+10%`` or ``p75``."""
        return f"+{self.value * 100:g}%" if self.kind == "relative" else f"p{self.value * 100:g}"


#: The sizes the report offers: +10 % … +50 %, and the units' 75th percentile.
SIZES: tuple[Size, ...] = (*(Size("relative", p / 10) for p in range(1, 6)), Size("quantile", 0.75))


def parse_size(size: Size | str) -> Size:
    """A :class:`Size` from ``"+10%"``, ``"10%"`` or ``"p75"``."""
    if isinstance(size, Size):
        out = size
    elif isinstance(size, str) and size.strip().lower().startswith("p"):
        out = Size("quantile", _number(size.strip()[1:], size) / 100)
    elif isinstance(size, str) and size.strip().endswith("%"):
        out = Size("relative", _number(size.strip().lstrip("+")[:-1], size) / 100)
    else:
        raise ParameterError(f"size {size!r}: write a relative change such as '+10%' or a quantile such as 'p75'")
    if out.kind == "relative" and not 0 <= out.value:
        raise ParameterError(f"size {size!r}: a relative change must be ≥ 0 (a lever improves the indicator)")
    if out.kind == "quantile" and not 0 < out.value < 1:
        raise ParameterError(f"size {size!r}: the quantile must lie strictly between p0 and p100")
    return out


def _number(text: str, whole: object) -> float:
    try:
        return float(text)
    except ValueError:
        raise ParameterError(f"size {whole!r}: {text!r} is not a number") from None


def levers(index: CompositeIndex) -> list[Lever]:
    """Every lever of a fitted index's system: its dimensions first, then its indicators, in system order."""
    system = index.system_
    dims = [Lever("dimension", d.id, tuple(i.id for i in d.indicators)) for d in system.dimensions]
    return dims + [Lever("indicator", i, (i,)) for i in system.indicator_ids]


def parse_lever(index: CompositeIndex, lever: Lever | str) -> Lever:
    """A :class:`Lever` from ``"indicator:<id>"``, ``"dimension:<id>"`` or a bare id (indicator first)."""
    if isinstance(lever, Lever):
        return lever
    every = levers(index)
    by_key = {lv.key: lv for lv in every}
    if lever in by_key:
        return by_key[lever]
    for kind in ("indicator", "dimension"):
        if f"{kind}:{lever}" in by_key:
            return by_key[f"{kind}:{lever}"]
    raise ParameterError(f"lever {lever!r}: not an indicator or dimension of system {index.system_.id!r}; "
                         f"choose from {', '.join(by_key)}")


# --------------------------------------------------------------------------- moving values


def _fitted(index: CompositeIndex) -> IndexResult:
    if not hasattr(index, "result_"):
        raise ParameterError("fit the index first (CompositeIndex(...).fit(panel))")
    return index.result_


def _year_rows(result: IndexResult, year: int) -> np.ndarray:
    rows = np.flatnonzero(result.arrays.years == int(year))
    if not len(rows):
        years = np.unique(result.arrays.years)
        raise ParameterError(f"year {year!r} is not scored by this index; it scores {years.min()}–{years.max()}")
    return rows


def moved_values(index: CompositeIndex, lever: Lever | str, size: Size | str, year: int) -> pd.DataFrame:
    """Every unit's values of the lever's indicators in ``year``, before and after the move (as if targeted).

    Returns unit, indicator, before, after, imputed (the cell was filled by the index's imputation), target
    (the quantile level for a ``quantile`` size, else NaN).
    """
    res = _fitted(index)
    lever, size = parse_lever(index, lever), parse_size(size)
    a = res.arrays
    rows = _year_rows(res, year)
    cols = [a.indicators.index(i) for i in lever.indicators]
    x = a.raw[np.ix_(rows, cols)]
    d = index.directions_[cols]
    if size.kind == "relative":
        after = x + d * size.value * np.abs(x)
        level = np.full(len(cols), np.nan)
    else:
        level = np.where(d > 0, np.quantile(x, size.value, axis=0), np.quantile(x, 1 - size.value, axis=0))
        after = np.where(d > 0, np.maximum(x, level), np.minimum(x, level))
    imputed = a.imputed[np.ix_(rows, cols)] if a.imputed is not None else np.zeros(x.shape, dtype=bool)
    k = len(cols)
    return pd.DataFrame({
        "unit": np.repeat(a.units[rows], k), "indicator": np.tile(list(lever.indicators), len(rows)),
        "before": x.ravel(), "after": after.ravel(), "imputed": imputed.ravel(), "target": np.tile(level, len(rows)),
    })


def apply_lever(index: CompositeIndex, lever: Lever | str, size: Size | str, units: Sequence[str],
                year: int) -> pd.DataFrame:
    """The index's indicator matrix (``result_.matrix``) with the lever moved for ``units`` in ``year``."""
    res = _fitted(index)
    units = _check_units(res, units, year)
    moved = moved_values(index, lever, size, year)
    moved = moved[moved["unit"].isin(units)]
    matrix = res.matrix.copy()
    in_year = matrix["year"] == int(year)
    by_unit = dict(zip(matrix.loc[in_year, "unit"], matrix.index[in_year]))
    for ind, part in moved.groupby("indicator", sort=False):
        matrix.loc[[by_unit[u] for u in part["unit"]], ind] = part["after"].to_numpy()
    return matrix


def _check_units(res: IndexResult, units: Sequence[str], year: int) -> list[str]:
    if isinstance(units, str):
        units = [units]
    have = set(res.arrays.units[_year_rows(res, year)])
    unknown = [u for u in units if u not in have]
    if unknown:
        raise ParameterError(f"target: unit(s) {unknown} have no score in {year}; scored units: "
                             f"{', '.join(sorted(have)[:40])}")
    if not units:
        raise ParameterError("target: no unit given")
    return list(units)


# --------------------------------------------------------------------------- one scenario


@dataclass
class ScenarioResult:
    """One scenario: the lever, size, targeted units and year; the year's scores and ranks before and after
    (unit, score_before, rank_before, score_after, rank_after, targeted); the units' mean score before and
    after (``national_before``/``national_after``); the cells moved (:func:`moved_values` rows of the
    target); notes."""

    lever: Lever
    size: Size
    units: list[str]
    year: int
    scores: pd.DataFrame
    national_before: float
    national_after: float
    moved: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def of(self, unit: str) -> pd.Series:
        """The row of ``scores`` for one unit."""
        hit = self.scores[self.scores["unit"] == unit]
        if hit.empty:
            raise ParameterError(f"unit {unit!r} has no score in {self.year}")
        return hit.iloc[0]


def scenario(index: CompositeIndex, lever: Lever | str, size: Size | str, units: Sequence[str],
             year: int) -> ScenarioResult:
    """Move ``lever`` by ``size`` for ``units`` in ``year`` and rescore with the fitted index."""
    res = _fitted(index)
    lever, size = parse_lever(index, lever), parse_size(size)
    units = _check_units(res, units, year)
    after = index.transform_matrix(apply_lever(index, lever, size, units, year)).scores
    before = res.scores
    b = before[before["year"] == int(year)][["unit", "score", "rank"]]
    a = after[after["year"] == int(year)][["unit", "score", "rank"]]
    table = b.merge(a, on="unit", suffixes=("_before", "_after"))
    table["targeted"] = table["unit"].isin(units)
    moved = moved_values(index, lever, size, year)
    moved = moved[moved["unit"].isin(units)].reset_index(drop=True)
    return ScenarioResult(lever, size, units, int(year), table.reset_index(drop=True),
                          float(table["score_before"].mean()), float(table["score_after"].mean()), moved,
                          _notes(moved, index, year))


def _notes(moved: pd.DataFrame, index: CompositeIndex, year: int) -> list[str]:
    notes = []
    changed = moved[moved["after"] != moved["before"]]
    imp = changed[changed["imputed"]]
    if len(imp):
        notes.append(f"{len(imp)} of the {len(changed)} values moved in {year} were imputed "
                     f"({index.options_.impute}): e.g. {', '.join(imp['unit'].head(3) + ' ' + imp['indicator'].head(3))}")
    a = index.result_.arrays
    limits = pd.DataFrame({"indicator": a.indicators, "hi": a.raw_max.max(axis=0), "lo": a.raw_min.min(axis=0)})
    out = changed.merge(limits, on="indicator")
    beyond = out[(out["after"] > out["hi"]) | (out["after"] < out["lo"])]
    if len(beyond):
        notes.append(f"{len(beyond)} moved values lie beyond the fitted range, so their normalised values leave "
                     "[0, 1] (the index is not clipped)" if not index.options_.clip else
                     f"{len(beyond)} moved values lie beyond the fitted range and are clipped to it (clip=True)")
    return notes


def largest_gap(index: CompositeIndex, unit: str, year: int, size: Size | str = "p75",
                obstacles: pd.DataFrame | None = None) -> ScenarioResult | None:
    """The unit's largest obstacle that ``size`` can move, moved for the unit alone and rescored.

    The unit's indicators in ``year`` are taken in order of obstacle degree, largest first
    (:func:`~nqp_lib.measure.diagnose.obstacle_degree`); the first whose value ``size`` changes for this unit
    is the lever — with a quantile size (``p75``), the first that lies on the wrong side of the units'
    75th percentile (the 25th for a cost indicator). Returns :func:`scenario` of that indicator, ``size`` and
    the unit, or None when no indicator moves (the unit is at or beyond the level on every one).

    Parameters
    ----------
    obstacles
        ``obstacle_degree(index.result_).indicators``, if already computed.
    """
    res = _fitted(index)
    size = parse_size(size)
    _check_units(res, [unit], year)
    if obstacles is None:
        from nqp_lib.measure.diagnose import obstacle_degree

        obstacles = obstacle_degree(res).indicators
    row = obstacles[(obstacles["unit"] == unit) & (obstacles["year"] == int(year))]
    if row.empty:
        raise ParameterError(f"largest_gap: unit {unit!r} has no obstacle degrees in {year}")
    ranked = row.drop(columns=["unit", "year"]).iloc[0].astype(float).sort_values(ascending=False, kind="stable")
    for indicator in ranked.index:
        mv = moved_values(index, f"indicator:{indicator}", size, year)
        mine = mv[mv["unit"] == unit].iloc[0]
        if mine["after"] != mine["before"]:
            return scenario(index, f"indicator:{indicator}", size, [unit], year)
    return None


# --------------------------------------------------------------------------- the grid of every scenario


@dataclass
class ScenarioGrid:
    """Every (lever, size) for every unit of one year, and the outcome of every (lever, size, target).

    Attributes
    ----------
    year : int
    levers : DataFrame
        lever (key), kind, id, indicators (how many), imputed (how many of its cells in ``year`` were imputed).
    sizes : DataFrame
        size (key), kind, value.
    base : DataFrame
        unit, score, rank in ``year``.
    scores : DataFrame
        lever, size, unit, score — the unit's score when it is among the targets (row-wise scoring makes it
        independent of the other targets), and moved (True when any of its values moved).
    outcomes : DataFrame
        lever, size, target, subject, national (the units' mean score), score, rank (of the subject),
        rank_p05, rank_p95 (the 5th/95th percentiles of the subject's rank over the Monte Carlo draws, each
        draw scoring the scenario with its own fitted parameters; NaN without ``mc``).
    base_outcomes : DataFrame
        target, subject, national, score, rank, rank_p05, rank_p95 with nothing moved.
    options : dict
    """

    year: int
    levers: pd.DataFrame
    sizes: pd.DataFrame
    base: pd.DataFrame
    scores: pd.DataFrame
    outcomes: pd.DataFrame
    base_outcomes: pd.DataFrame
    options: dict = field(default_factory=dict)


def scenario_grid(
    index: CompositeIndex,
    year: int,
    targets: Mapping[str, Sequence[str]],
    subjects: Mapping[str, str] | str,
    *,
    lever_list: Sequence[Lever | str] | None = None,
    sizes: Sequence[Size | str] = SIZES,
    mc: UncertaintyResult | None = None,
) -> ScenarioGrid:
    """Score every (lever, size) for every unit in ``year`` and the outcome of every target.

    Parameters
    ----------
    targets : mapping of target key → units
        E.g. ``{"all": all units, "group:East": […], "unit:广东": ["广东"]}``.
    subjects : mapping of target key → unit, or one unit
        Whose score, rank and rank interval each target's outcome reports (e.g. the targeted unit for a
        one-unit target, the report's focus unit otherwise); one unit for every target.
    lever_list, sizes
        Default: every lever of the system (:func:`levers`) and :data:`SIZES`.
    mc
        A Monte Carlo result of the same index (:func:`~nqp_lib.measure.uncertainty.uncertainty`) for the rank
        intervals.
    """
    res = _fitted(index)
    a = res.arrays
    rows = _year_rows(res, year)
    units = a.units[rows]
    n = len(rows)
    lv = [parse_lever(index, x) for x in (lever_list if lever_list is not None else levers(index))]
    sz = [parse_size(s) for s in sizes]
    if not lv or not sz:
        raise ParameterError("scenario_grid: give at least one lever and one size")
    masks, subject_rows = {}, {}
    for key, members in targets.items():
        members = _check_units(res, members, year)
        masks[key] = np.isin(units, members)
        who = subjects if isinstance(subjects, str) else subjects.get(key)
        if who is None or who not in set(units):
            raise ParameterError(f"scenario_grid: target {key!r} has no subject unit scored in {year} (got {who!r})")
        subject_rows[key] = int(np.flatnonzero(units == who)[0])
    # every unit's row under every (lever, size), scored in one call
    base_x = a.raw[rows]
    stacked = np.empty((len(lv), len(sz), n, base_x.shape[1]))
    moved = np.zeros((len(lv), len(sz), n), dtype=bool)
    for i, lever in enumerate(lv):
        cols = [a.indicators.index(c) for c in lever.indicators]
        for j, size in enumerate(sz):
            mv = moved_values(index, lever, size, year)
            x = base_x.copy()
            x[:, cols] = mv["after"].to_numpy().reshape(n, len(cols))
            stacked[i, j] = x
            moved[i, j] = (x != base_x).any(axis=1)
    flat = stacked.reshape(-1, base_x.shape[1])
    frame = pd.DataFrame(flat, columns=a.indicators)
    frame.insert(0, "year", int(year))
    frame.insert(0, "unit", np.tile(units, len(lv) * len(sz)))
    new = index.transform_matrix(frame).arrays.total.reshape(len(lv), len(sz), n)
    base = a.total[rows]
    draws_base = draws_new = None
    if mc is not None:
        draws_base = mc.draw_scores[rows]
        draws_new = mc.transform(flat, np.full(len(flat), int(year))).reshape(len(lv), len(sz), n, -1)

    keys = list(masks)
    mask = np.array([masks[k] for k in keys])  # targets × units
    subj = np.array([subject_rows[k] for k in keys])
    scored = np.where(mask[None, None], new[:, :, None, :], base[None, None, None, :])  # L × S × T × n
    t_idx = np.arange(len(keys))
    own = scored[..., t_idx, subj]  # L × S × T: each target's subject
    ranks = 1 + (scored > own[..., None]).sum(axis=-1)
    p05 = p95 = np.full(own.shape, np.nan)
    base_p = (np.nan, np.nan)
    if mc is not None:
        interval = np.empty((2, *own.shape))
        for i in range(len(lv)):
            for j in range(len(sz)):
                d = np.where(mask[:, :, None], draws_new[i, j][None], draws_base[None])  # T × n × D
                r = 1 + np.count_nonzero(d > d[t_idx, subj][:, None, :], axis=1)
                interval[:, i, j] = np.percentile(r.astype(float), [5, 95], axis=-1)
        p05, p95 = interval
        rb = 1 + (draws_base[None] > draws_base[subj][:, None, :]).sum(axis=1)
        base_p = np.percentile(rb.astype(float), [5, 95], axis=-1)
    L, S, T = len(lv), len(sz), len(keys)
    outcomes = pd.DataFrame({
        "lever": np.repeat([x.key for x in lv], S * T), "size": np.tile(np.repeat([x.key for x in sz], T), L),
        "target": np.tile(keys, L * S), "subject": np.tile(units[subj], L * S),
        "national": scored.mean(axis=-1).ravel(),
        "score": own.ravel(), "rank": ranks.ravel(), "rank_p05": np.ravel(p05), "rank_p95": np.ravel(p95),
    })
    base_outcomes = pd.DataFrame({
        "target": keys, "subject": units[subj], "national": float(base.mean()), "score": base[subj],
        "rank": 1 + (base[None] > base[subj][:, None]).sum(axis=1), "rank_p05": base_p[0], "rank_p95": base_p[1],
    })
    imputed = a.imputed[rows] if a.imputed is not None else np.zeros(base_x.shape, dtype=bool)
    lever_table = pd.DataFrame({
        "lever": [x.key for x in lv], "kind": [x.kind for x in lv], "id": [x.id for x in lv],
        "indicators": [len(x.indicators) for x in lv],
        "imputed": [int(imputed[:, [a.indicators.index(c) for c in x.indicators]].sum()) for x in lv],
    })
    scores = pd.DataFrame({
        "lever": np.repeat([x.key for x in lv], len(sz) * n),
        "size": np.tile(np.repeat([s.key for s in sz], n), len(lv)),
        "unit": np.tile(units, len(lv) * len(sz)),
        "score": new.ravel(), "moved": moved.ravel(),
    })
    return ScenarioGrid(
        year=int(year), levers=lever_table,
        sizes=pd.DataFrame({"size": [s.key for s in sz], "kind": [s.kind for s in sz], "value": [s.value for s in sz]}),
        base=pd.DataFrame({"unit": units, "score": base, "rank": min_ranks_descending(base)}),
        scores=scores, outcomes=outcomes, base_outcomes=base_outcomes,
        options={"year": int(year), "draws": None if mc is None else int(mc.options["draws"]),
                 "seed": None if mc is None else mc.options["seed"], "national": "mean score of the units",
                 "rank": "1 = highest score; ties share the best rank",
                 "interval": "5th–95th percentile of the rank over the Monte Carlo draws"},
    )
