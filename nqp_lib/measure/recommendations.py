r"""The article's six recommendations as levers on an indicator system, and the obstacle diagnosis linked to them.

The article's part 三 makes six recommendations, (一)–(六), each answering the formation condition of the
same number in part 二 (new technologies; data; the science–industry–finance cycle; the domestic market;
the industrial base and skilled labour; enterprises and entrepreneurs). An indicator system tags each
indicator with the conditions it measures (``conditions: [1, 5]``), so a recommendation acts on the
indicators tagged with its condition — through them on their dimensions and on the index.

* :func:`lever_table` — recommendation × indicator: the condition, dimension, direction and the indicator's
  weight in a fitted index; a recommendation no indicator measures keeps one row with no indicator.
* :func:`reach` — per recommendation: how many indicators and dimensions it acts on and the share of the
  index's weight they carry.
* :func:`diagnosis` — obstacle degrees (:func:`~nqp_lib.measure.diagnose.obstacle_degree`) of every unit and
  of every group of units by indicator, dimension and recommendation, year by year, ranked.
* :func:`diagnosis_facts` — the numbers one sentence about a unit's or group's main obstacle needs.

A recommendation's obstacle is the sum of the obstacle degrees of the indicators it acts on,
:math:`R_{ir} = \sum_{j:\, r \in c(j)} O_{ij}`. An indicator tagged with two conditions counts for both
recommendations, so the :math:`R_{ir}` of a unit-year may add up to more than 1 (and a recommendation
without indicators has none). A group's obstacle degree of an item is the mean over the group's units of
theirs, :math:`\bar O_{gj} = \frac{1}{n_g}\sum_{i \in g} O_{ij}` (each unit counts once, whatever its size).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nqp_lib.errors import ParameterError
from nqp_lib.measure.diagnose import ObstacleResult, obstacle_degree
from nqp_lib.measure.result import IndexResult
from nqp_lib.systems import CONDITIONS, IndicatorSystem

#: The recommendation (三、(n)) that answers each formation condition (二、(n)): the article pairs them by number.
RECOMMENDATION_OF_CONDITION: dict[int, int] = {c: c for c in CONDITIONS}

LEVELS = ("indicator", "dimension", "recommendation")


def recommendations_of(system: IndicatorSystem) -> dict[str, tuple[int, ...]]:
    """The recommendations each indicator of ``system`` answers to (from its ``conditions`` tags)."""
    return {i.id: tuple(sorted({RECOMMENDATION_OF_CONDITION[c] for c in i.conditions})) for i in system.indicators}


def _final_weights(result: IndexResult | None) -> tuple[dict[str, float], str]:
    if result is None:
        return {}, "none"
    a = result.arrays
    w = a.final.mean(axis=0)
    how = "pooled" if a.final.shape[0] == 1 else f"mean over the {a.final.shape[0]} per-year weightings"
    return dict(zip(a.indicators, w.tolist())), how


def lever_table(system: IndicatorSystem, result: IndexResult | None = None) -> pd.DataFrame:
    """Recommendation × indicator: which indicators (and dimensions) each recommendation acts on.

    Columns: recommendation, condition, dimension, indicator, direction (+1/−1), weight (the indicator's final
    weight in ``result``; NaN without it). A recommendation that no indicator of the system measures has one
    row with empty dimension and indicator, so a table of levers shows it as a gap rather than leaving it out.
    Rows follow the recommendations' order, then the system's.
    """
    weights, _ = _final_weights(result)
    rows = []
    for cond, rec in RECOMMENDATION_OF_CONDITION.items():
        hits = [i for i in system.indicators if cond in i.conditions]
        for i in hits:
            rows.append({"recommendation": rec, "condition": cond, "dimension": i.dimension, "indicator": i.id,
                         "direction": int(i.direction), "weight": weights.get(i.id, np.nan)})
        if not hits:
            rows.append({"recommendation": rec, "condition": cond, "dimension": None, "indicator": None,
                         "direction": np.nan, "weight": np.nan})
    return pd.DataFrame(rows)


def reach(system: IndicatorSystem, result: IndexResult | None = None) -> pd.DataFrame:
    """Per recommendation: indicators and dimensions it acts on and the share of the index weight they carry.

    Columns: recommendation, condition, indicators (count), dimensions (tuple of dimension ids in system
    order), weight_share (Σ of the final weights of its indicators; 0 for none, NaN without ``result``).
    Shares overlap: an indicator tagged with two conditions counts for both.
    """
    table = lever_table(system, result)
    order = [d.id for d in system.dimensions]
    out = []
    for rec, part in table.groupby("recommendation", sort=True):
        have = part.dropna(subset=["indicator"])
        dims = tuple(d for d in order if d in set(have["dimension"]))
        share = float(have["weight"].sum()) if result is not None else np.nan
        out.append({"recommendation": int(rec), "condition": int(part["condition"].iat[0]),
                    "indicators": len(have), "dimensions": dims, "weight_share": share})
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- diagnosis


@dataclass
class Diagnosis:
    """Obstacle degrees by unit and by group, for each level (indicator, dimension, recommendation).

    Attributes
    ----------
    units : DataFrame
        unit, year, level, item, obstacle, position (1 = the largest of its level in that unit-year).
    groups : DataFrame
        group, year, level, item, obstacle (mean over the group's units), position, n_units. Empty without
        groups.
    links : DataFrame
        indicator, dimension, recommendation: one row per (indicator, recommendation) tag.
    options : dict
    notes : list of str
    """

    units: pd.DataFrame
    groups: pd.DataFrame
    links: pd.DataFrame
    options: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def top(self, level: str, who: str, year: int, n: int = 5, *, by: str = "unit") -> pd.DataFrame:
        """The ``n`` largest obstacles of one unit (``by="unit"``) or group (``by="group"``) in ``year``."""
        frame = self._frame(by)
        key = "unit" if by == "unit" else "group"
        part = frame[(frame[key] == who) & (frame["year"] == int(year)) & (frame["level"] == _level(level))]
        if part.empty:
            raise ParameterError(f"diagnosis: no {key} {who!r} in {year}")
        return part.sort_values("position").head(n).reset_index(drop=True)

    def series(self, level: str, who: str, *, by: str = "unit") -> pd.DataFrame:
        """year × item obstacle degrees of one unit or group (a wide frame for a line chart)."""
        frame = self._frame(by)
        key = "unit" if by == "unit" else "group"
        part = frame[(frame[key] == who) & (frame["level"] == _level(level))]
        if part.empty:
            raise ParameterError(f"diagnosis: no {key} {who!r}")
        return part.pivot(index="year", columns="item", values="obstacle")

    def _frame(self, by: str) -> pd.DataFrame:
        if by not in ("unit", "group"):
            raise ParameterError(f"diagnosis: by must be 'unit' or 'group', got {by!r}")
        if by == "group" and self.groups.empty:
            raise ParameterError("diagnosis: computed without groups")
        return self.units if by == "unit" else self.groups


def _level(level: str) -> str:
    if level not in LEVELS:
        raise ParameterError(f"diagnosis: level must be one of {', '.join(LEVELS)}, got {level!r}")
    return level


def _long(frame: pd.DataFrame, key: str, level: str) -> pd.DataFrame:
    long = frame.melt(id_vars=[key, "year"], var_name="item", value_name="obstacle")
    long.insert(2, "level", level)
    # position: 1 = largest within the key-year; ties keep the items' order
    long["position"] = long.groupby([key, "year"])["obstacle"].rank(ascending=False, method="first").astype(int)
    return long


def diagnosis(result: IndexResult, groups: Mapping[str, str] | pd.Series | None = None,
              obstacles: ObstacleResult | None = None) -> Diagnosis:
    """Obstacle degrees of every unit and group by indicator, dimension and recommendation (module docstring).

    Parameters
    ----------
    result : IndexResult
        A fitted index with normalised values in [0, 1] (min-max or rank normalisation).
    groups : mapping or Series, optional
        unit → group (e.g. the NBS four regions). Units of the index without a group are left out of the
        group means, with a note.
    obstacles : ObstacleResult, optional
        ``obstacle_degree(result)``, if already computed.
    """
    ob = obstacles if obstacles is not None else obstacle_degree(result)
    system = result.system
    recs = recommendations_of(system)
    links = pd.DataFrame([
        {"indicator": i.id, "dimension": i.dimension, "recommendation": r}
        for i in system.indicators for r in recs[i.id]
    ], columns=["indicator", "dimension", "recommendation"])
    ind = ob.indicators
    rec_cols = {}
    for r in sorted(set(RECOMMENDATION_OF_CONDITION.values())):
        members = [i for i, rs in recs.items() if r in rs]
        if members:
            rec_cols[r] = ind[members].sum(axis=1)
    rec = pd.concat([ind[["unit", "year"]], pd.DataFrame(rec_cols)], axis=1)
    frames = {"indicator": ind, "dimension": ob.dimensions, "recommendation": rec}
    units = pd.concat([_long(f, "unit", lv) for lv, f in frames.items()], ignore_index=True)
    notes = list(ob.notes)
    missing_recs = sorted(set(RECOMMENDATION_OF_CONDITION.values()) - set(rec_cols))
    if missing_recs:
        notes.append(f"recommendation(s) {missing_recs} act on no indicator of system {system.id!r}: no obstacle")
    group_frame = pd.DataFrame(columns=["group", "year", "level", "item", "obstacle", "position", "n_units"])
    if groups is not None:
        g = pd.Series(groups) if not isinstance(groups, pd.Series) else groups
        member = ind["unit"].map(g)
        if member.isna().any():
            left = sorted(set(ind.loc[member.isna(), "unit"]))
            notes.append(f"unit(s) {left} have no group and are left out of the group means")
        parts = []
        for lv, f in frames.items():
            f = f.assign(group=member.to_numpy()).dropna(subset=["group"])
            means = f.drop(columns="unit").groupby(["group", "year"], sort=True).mean().reset_index()
            long = _long(means, "group", lv)
            counts = f.groupby(["group", "year"]).size().rename("n_units").reset_index()
            parts.append(long.merge(counts, on=["group", "year"]))
        group_frame = pd.concat(parts, ignore_index=True)
    options = {"recommendation_obstacle": "sum of the obstacle degrees of the indicators it acts on (overlapping)",
               "group_obstacle": "mean over the group's units", "system": system.id}
    return Diagnosis(units, group_frame, links, options, notes)


# --------------------------------------------------------------------------- facts for one sentence


@dataclass(frozen=True)
class ObstacleFacts:
    """The main obstacle of one unit or group: what a sentence about it needs.

    ``who`` and ``by`` (unit or group); ``year`` and ``first_year``; the largest indicator obstacle and its
    share, with the recommendations it answers to; the largest dimension obstacle and its share in ``year``
    and in ``first_year`` (the same dimension), and the largest recommendation obstacle and its share.
    ``recommendation`` is None when no indicator carries a condition tag.
    """

    who: str
    by: str
    year: int
    first_year: int
    indicator: str
    indicator_share: float
    indicator_recommendations: tuple[int, ...]
    dimension: str
    dimension_share: float
    dimension_share_first: float
    recommendation: int | None
    recommendation_share: float


def diagnosis_facts(diag: Diagnosis, who: str, year: int, *, by: str = "unit") -> ObstacleFacts:
    """:class:`ObstacleFacts` of one unit or group in ``year`` (first year: the first the diagnosis has)."""
    frame = diag._frame(by)
    key = "unit" if by == "unit" else "group"
    first = int(frame.loc[frame[key] == who, "year"].min()) if (frame[key] == who).any() else int(year)
    ind = diag.top("indicator", who, year, 1, by=by).iloc[0]
    dim = diag.top("dimension", who, year, 1, by=by).iloc[0]
    dim_first = diag.series("dimension", who, by=by).loc[first, dim["item"]]
    recs = tuple(int(r) for r in diag.links.loc[diag.links["indicator"] == ind["item"], "recommendation"])
    rec_part = frame[(frame[key] == who) & (frame["year"] == int(year)) & (frame["level"] == "recommendation")]
    top_rec = rec_part.sort_values("position").head(1)
    return ObstacleFacts(
        who=str(who), by=by, year=int(year), first_year=first, indicator=str(ind["item"]),
        indicator_share=float(ind["obstacle"]), indicator_recommendations=recs, dimension=str(dim["item"]),
        dimension_share=float(dim["obstacle"]), dimension_share_first=float(dim_first),
        recommendation=int(top_rec["item"].iat[0]) if len(top_rec) else None,
        recommendation_share=float(top_rec["obstacle"].iat[0]) if len(top_rec) else float("nan"),
    )
