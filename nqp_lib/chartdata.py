r"""Chart data that scale: what a chart is given when a panel has too many units to draw one mark per unit.

A page must stay small (< 3 MB) and draw quickly, so a chart never receives one row per unit-year for
every unit of a panel of thousands. The builders in :mod:`nqp_lib.charts` take whatever frame a view
gives them; the functions here choose that frame and say what they kept, as a :class:`ChartData`:

* :func:`top_bottom_focus` — the ``n`` highest and ``n`` lowest units (in each year, or chosen in one year
  and followed over all years) plus the focus unit; the whole frame when there are at most
  :data:`MAX_UNITS` units.
* :func:`quantile_bands` — per year (and group): quantiles such as P10, P50 and P90, with the mean and
  the number of units.
* :func:`binned` — per year: counts of units in bins of equal width shared by every year (a histogram, or
  the cells of a year × value heat map).
* :func:`binned_2d` — counts over a grid of two values (a scatter plot of thousands of points as a heat map).

:func:`summarised_note` turns a :class:`ChartData` into the sentence a chart's note carries (both
languages, the panel's own noun for its units), so a page always says what it summarised; it returns
``None`` when nothing was.

Quantiles are pandas' default (linear interpolation between order statistics, Hyndman & Fan 1996 type 7).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nqp_lib.labels import entry

#: Most units a chart shows one by one; above it a view summarises (top/bottom N, quantiles, bins).
MAX_UNITS = 60
#: Default number of top and of bottom units kept by :func:`top_bottom_focus`.
TOP_N = 10
#: Default quantiles of :func:`quantile_bands` (P10, P50, P90).
BANDS = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class ChartData:
    """A chart's frame and how it was obtained from the full data.

    Attributes
    ----------
    frame
        The rows to draw.
    form
        ``all`` (nothing summarised), ``top_bottom``, ``quantiles``, ``binned`` or ``binned_2d``.
    units
        Distinct units in the data before summarising.
    n
        Top and bottom units kept (``top_bottom``).
    focus
        The focus unit kept besides them (``top_bottom``), if it is in the data.
    year
        The year the top and bottom units were chosen in, or ``None`` when chosen in each year.
    quantiles
        The quantiles of ``quantiles`` (e.g. ``(0.1, 0.5, 0.9)``).
    bins
        Number of bins (``binned``; ``binned_2d`` gives ``x × y`` as a pair).
    """

    frame: pd.DataFrame
    form: str
    units: int
    n: int | None = None
    focus: str | None = None
    year: int | None = None
    quantiles: tuple[float, ...] = ()
    bins: int | tuple[int, int] | None = None
    extra: dict = field(default_factory=dict)

    @property
    def summarised(self) -> bool:
        """True when the frame does not hold every unit's rows."""
        return self.form != "all"


def unit_count(frame: pd.DataFrame, unit: str = "unit") -> int:
    """Number of distinct units in ``frame``."""
    return int(frame[unit].nunique())


def too_many_units(frame: pd.DataFrame, unit: str = "unit", limit: int = MAX_UNITS) -> bool:
    """True when ``frame`` holds more than ``limit`` units: a chart of one mark per unit must summarise."""
    return unit_count(frame, unit) > limit


def quantile_name(q: float) -> str:
    """Column name of a quantile: ``0.1 → "p10"``, ``0.5 → "p50"``, ``0.975 → "p97.5"``."""
    return f"p{q * 100:g}"


def top_bottom_focus(
    frame: pd.DataFrame,
    value: str,
    n: int = TOP_N,
    focus: str | None = None,
    *,
    year: int | None = None,
    unit: str = "unit",
    by: str | list[str] = "year",
    limit: int = MAX_UNITS,
) -> ChartData:
    """The ``n`` units with the highest and the ``n`` with the lowest ``value``, plus ``focus``.

    Parameters
    ----------
    frame
        Long or wide frame with ``unit``, ``by`` (the year) and ``value`` columns; other columns are kept.
    value
        Column ranked (higher is "top"); rows where it is missing are never chosen.
    n
        How many top and how many bottom units to keep.
    focus
        A unit always kept (outlined by the charts); ignored when not in the data.
    by
        The column (or, with ``year=None``, the columns — e.g. ``["indicator", "year"]``) within whose
        groups units are chosen.
    year
        ``None``: choose the units within each ``by`` group (a ranking with a year slider shows the top
        and bottom of the year shown). A year: choose them by their value in that year and keep all their
        rows (trend lines of the same units every year).
    limit
        With at most this many units nothing is dropped (``form == "all"``).

    Returns
    -------
    ChartData
        Its frame has a column ``shown_as`` — ``top``, ``bottom`` or ``focus`` — and ``place``, the unit's
        place by descending ``value`` among all units with a value (in its year, or in ``year``), ties
        broken by unit name, so a chart can still say "1,532nd of 3,000".
    """
    units = unit_count(frame, unit)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if units <= max(limit, 2 * n):
        return ChartData(frame, "all", units)
    keys = [by] if isinstance(by, str) else list(by)
    if year is not None and len(keys) != 1:
        raise ValueError(f"with a year, by must be one column, got {by!r}")
    ranked = frame if year is None else frame[frame[keys[0]] == year]
    ranked = ranked.dropna(subset=[value]).sort_values([*keys, value, unit], ascending=[*[True] * len(keys), False, True],
                                                       kind="stable")
    place = ranked.groupby(keys, sort=False).cumcount() + 1
    count = ranked.groupby(keys, sort=False)[unit].transform("size")
    shown_as = pd.Series(np.where(place <= n, "top", np.where(place > count - n, "bottom", "")), index=ranked.index)
    if focus is not None:
        shown_as[(ranked[unit] == focus).to_numpy() & (shown_as == "").to_numpy()] = "focus"
    keep = ranked.assign(shown_as=shown_as.to_numpy(), place=place.to_numpy())
    keep = keep[keep["shown_as"] != ""]
    if year is None:
        out = keep
    else:
        chosen = keep[[unit, "shown_as", "place"]]
        out = frame.merge(chosen, on=unit, how="inner")
    out = out.sort_values([*keys, "place"] if year is None else [unit, *keys], kind="stable").reset_index(drop=True)
    present = focus is not None and bool((frame[unit] == focus).any())
    return ChartData(out, "top_bottom", units, n=n, focus=focus if present else None, year=year)


def quantile_bands(
    frame: pd.DataFrame,
    value: str,
    by: str | Sequence[str] = "year",
    quantiles: Sequence[float] = BANDS,
    *,
    unit: str = "unit",
) -> ChartData:
    """Quantiles of ``value`` across units, per ``by`` group (e.g. per year, or per year and region).

    Returns a :class:`ChartData` whose frame has the ``by`` columns, one column per quantile
    (:func:`quantile_name`: ``p10``, ``p50``, ``p90``), ``mean`` and ``n`` (units with a value); missing
    values are left out. Example: values 1, 2, 3, 4, 5 in one year give p10 = 1 + 0.1·4 = 1.4, p50 = 3,
    p90 = 4.6 (type-7 quantiles: position ``q·(n − 1)`` in the sorted values).
    """
    by = [by] if isinstance(by, str) else list(by)
    qs = tuple(float(q) for q in quantiles)
    if not qs or any(not 0 <= q <= 1 for q in qs):
        raise ValueError(f"quantiles must lie in [0, 1], got {quantiles!r}")
    data = frame.dropna(subset=[value])
    grouped = data.groupby(by, sort=True)[value]
    out = grouped.quantile(list(qs)).unstack(-1)
    out.columns = [quantile_name(q) for q in qs]
    out["mean"] = grouped.mean()
    out["n"] = grouped.size()
    return ChartData(out.reset_index(), "quantiles", unit_count(frame, unit), quantiles=qs)


def _edges(values: np.ndarray, bins: int, domain: tuple[float, float] | None) -> np.ndarray:
    lo, hi = domain if domain is not None else (float(np.min(values)), float(np.max(values))) if values.size else (0.0, 1.0)
    if hi <= lo:
        hi = lo + 1.0
    return np.linspace(lo, hi, bins + 1)


def _bin_index(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin of each value: ``[e_i, e_{i+1})``, the last bin closed; values outside the edges are clipped."""
    return np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)


def binned(
    frame: pd.DataFrame,
    value: str,
    bins: int = 20,
    by: str | Sequence[str] = "year",
    *,
    domain: tuple[float, float] | None = None,
    unit: str = "unit",
) -> ChartData:
    """Counts of rows per bin of ``value``, per ``by`` group, with the same equal-width bins for every group.

    The bins split ``domain`` (default: the range of ``value`` over all groups) into ``bins`` intervals
    ``[start, end)``, the last one closed. The frame has the ``by`` columns, ``bin`` (0-based),
    ``bin_start``, ``bin_end``, ``count`` and ``share`` (count over the group's rows with a value); every
    bin appears in every group, empty ones with 0, so a heat map has no holes. Example: values 0, 1, 2, 3,
    4 in 2 bins over [0, 4] give [0, 2) → 2 (0 and 1) and [2, 4] → 3.
    """
    by = [by] if isinstance(by, str) else list(by)
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    data = frame.dropna(subset=[value])
    edges = _edges(data[value].to_numpy(dtype=float), bins, domain)
    idx = _bin_index(data[value].to_numpy(dtype=float), edges)
    counts = data.assign(bin=idx).groupby([*by, "bin"]).size()
    groups = data[by].drop_duplicates().sort_values(by)
    full = groups.merge(pd.DataFrame({"bin": np.arange(bins)}), how="cross")
    out = full.merge(counts.rename("count").reset_index(), on=[*by, "bin"], how="left")
    out["count"] = out["count"].fillna(0).astype(int)
    totals = out.groupby(by)["count"].transform("sum")
    out["share"] = np.where(totals > 0, out["count"] / totals.where(totals > 0, 1), 0.0)
    out.insert(len(by) + 1, "bin_start", edges[out["bin"].to_numpy()])
    out.insert(len(by) + 2, "bin_end", edges[out["bin"].to_numpy() + 1])
    return ChartData(out, "binned", unit_count(frame, unit), bins=bins)


def binned_2d(
    frame: pd.DataFrame,
    x: str,
    y: str,
    bins: tuple[int, int] = (20, 20),
    by: str | Sequence[str] = (),
    *,
    unit: str = "unit",
) -> ChartData:
    """Counts of rows over a grid of ``x`` × ``y`` bins (equal width over each column's range), per ``by``
    group; only non-empty cells are returned (``x_start``, ``x_end``, ``y_start``, ``y_end``, ``count``)."""
    by = [by] if isinstance(by, str) else list(by)
    data = frame.dropna(subset=[x, y])
    xv, yv = data[x].to_numpy(dtype=float), data[y].to_numpy(dtype=float)
    xe, ye = _edges(xv, bins[0], None), _edges(yv, bins[1], None)
    xi, yi = _bin_index(xv, xe), _bin_index(yv, ye)
    out = data[by].assign(x_bin=xi, y_bin=yi).groupby([*by, "x_bin", "y_bin"]).size().rename("count").reset_index()
    out["x_start"], out["x_end"] = xe[out["x_bin"]], xe[out["x_bin"] + 1]
    out["y_start"], out["y_end"] = ye[out["y_bin"]], ye[out["y_bin"] + 1]
    return ChartData(out, "binned_2d", unit_count(frame, unit), bins=tuple(bins))


def _int(n: int, lang: str) -> str:
    return f"{n:,}"


def summarised_note(data: ChartData, lang: str, units_noun: str, focus_name: str | None = None) -> str | None:
    """The sentence saying what a chart summarised, or ``None`` when it shows every unit.

    ``units_noun`` is the panel's word for its units (``ctx.noun(plural=True)``: "counties", "县");
    ``focus_name`` the focus unit's display name (default: its key). Sentences live in
    ``nqp_lib/text/summaries.yaml``.
    """
    if not data.summarised:
        return None
    values = {"units": _int(data.units, lang), "noun": units_noun}
    if data.form == "top_bottom":
        key = "top_bottom_year" if data.year is None else "top_bottom_fixed"
        text = entry("summaries", key, lang).format(n=data.n, year=data.year, **values)
        if data.focus is not None:
            text += entry("summaries", "plus_focus", lang).format(focus=focus_name or data.focus, **values)
        return text
    if data.form == "quantiles":
        names = ", ".join(f"P{q * 100:g}" for q in data.quantiles)
        return entry("summaries", "quantiles", lang).format(quantiles=names, **values)
    if data.form == "binned":
        return entry("summaries", "binned", lang).format(bins=data.bins, **values)
    if data.form == "binned_2d":
        bx, by = data.bins
        return entry("summaries", "binned_2d", lang).format(bins=f"{bx} × {by}", **values)
    raise ValueError(f"unknown chart data form {data.form!r}")


def join_notes(*notes: str | None, lang: str = "zh") -> str | None:
    """Notes joined into one (``；`` in Chinese, ``; `` in English), ``None`` parts skipped."""
    parts = [n for n in notes if n]
    return ("；" if lang == "zh" else "; ").join(parts) or None
