"""The report's parameters fitted to its panel: years, grouping, focus and spatial weights.

The declared defaults (:mod:`nqp_lib.report.parameters`) suit the shipped provincial panel. On another panel
a default that does not fit is replaced by the panel's own, and the replacement is recorded as a
``(ui key, values)`` pair that the page shows (:meth:`nqp_lib.report.context.Report.defaults_note`):

* ``year_from``/``year_to`` outside the panel's years → its first/last year;
* ``grouping`` (default ``region4``) not a grouping column of the panel → its first grouping column, or
  none (views that need groups then say so);
* ``focus`` (default ``广东``) not a unit → the focus the panel's metadata names, else the unit with the
  highest index in the last year;
* ``system`` (default ``three_elements``) → the system the panel's metadata names, if any (the
  international panel's ``international``).

``weights_matrix`` (or the metadata's ``weights``) must be a readable weights file sharing units with the
panel; :func:`report_weights` gives the views the W to use (provincial contiguity by default for provinces,
None for a panel without weights).

A value the user gave that does not fit is refused with the parameter, the value and what is valid.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from nqp_lib.data.regions import canonical_province, load_regions
from nqp_lib.errors import NqpError, ParameterError
from nqp_lib.report.parameters import shared

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.data.panel import Panel
    from nqp_lib.report.context import Report

Adjusted = list[tuple[str, dict[str, Any]]]


def fit_years(s: Any, panel: Panel, adjusted: Adjusted) -> dict[str, int]:
    """``year_from``/``year_to`` within the panel: a default outside it becomes the panel's first/last year."""
    years = panel.years
    lo, hi = s.year_from, s.year_to
    d_lo, d_hi = shared("year_from").default, shared("year_to").default
    if lo == d_lo and not years[0] <= lo <= years[-1]:
        lo = years[0]
    if hi == d_hi and not years[0] <= hi <= years[-1]:
        hi = years[-1]
    if lo > hi and hi != s.year_to:
        hi = years[-1]
    if (lo, hi) != (s.year_from, s.year_to):
        adjusted.append(("default_years", {"given": f"{s.year_from}–{s.year_to}", "years": f"{lo}–{hi}"}))
    if not (years[0] <= lo <= hi <= years[-1]):
        raise ParameterError(
            f"parameters 'year_from'/'year_to' = {lo}–{hi} must satisfy "
            f"{years[0]} ≤ year_from ≤ year_to ≤ {years[-1]} (the years of panel {s.panel!r})"
        )
    return {"year_from": lo, "year_to": hi}


def fit_grouping(s: Any, panel: Panel, adjusted: Adjusted) -> str:
    """The grouping column to use ('' for none); a given grouping the panel lacks is refused with the list."""
    meta = panel.meta
    available = meta.grouping_columns if meta is not None else []
    if s.grouping in available or s.grouping == "none":
        return "" if s.grouping == "none" else s.grouping
    if s.grouping != shared("grouping").default:
        listed = ", ".join(available) if available else "none (the panel has no grouping column)"
        raise ParameterError(
            f"parameter 'grouping' = {s.grouping!r} is not a grouping column of panel {s.panel!r}; "
            f"its groupings: {listed}; or 'none'"
        )
    if available:
        g = meta.groupings[0]
        adjusted.append(("default_grouping", {"given": s.grouping, "group": g.label("zh"), "column": g.column,
                                              "_en_group": g.label("en")}))
        return g.column
    adjusted.append(("default_grouping_none", {"given": s.grouping}))
    return ""


def fit_system(s: Any, panel: Panel, adjusted: Adjusted) -> str:
    """The indicator system: the default (``three_elements``, made for the provincial panel) becomes the one
    the panel's metadata names (the international panel's ``international``; a sidecar's ``system``)."""
    meta = panel.meta
    own = getattr(meta, "system", None)
    if s.system == shared("system").default and own and own != s.system:
        adjusted.append(("default_system", {"given": s.system, "system": Path(own).stem}))
        return str(own)
    return s.system


def check_weights_matrix(s: Any, panel: Panel) -> None:
    """The weights file the report would use — ``weights_matrix``, else the panel metadata's ``weights`` — is
    readable and shares at least 3 units with the panel (errors name the parameter or the sidecar key)."""
    meta = panel.meta
    if s.weights_matrix:
        path, where = Path(s.weights_matrix), f"parameter 'weights_matrix' = {s.weights_matrix!r}"
    elif meta is not None and meta.weights is not None:
        path, where = meta.weights, f"{meta.source}: key 'weights'"
    else:
        return
    from nqp_lib.disparity.weights import read_weights

    try:
        w = read_weights(path)
    except NqpError as exc:
        raise ParameterError(f"{where}: {exc}") from None
    units = set(panel.frame["unit"])
    common = units & set(map(str, w.labels))
    if len(common) < 3:
        raise ParameterError(
            f"{where}: its labels ({', '.join(map(str, w.labels[:5]))} …) "
            f"share {len(common)} unit(s) with panel {s.panel!r} (e.g. {', '.join(panel.unit_names[:5])}); "
            "label rows and columns with the panel's unit keys"
        )


def find_focus(value: str, panel: Panel) -> str | None:
    """The unit ``value`` names: a key, a display name in either language (any case), or a province's
    other spelling; None if none."""
    units = panel.unit_names
    if value in units:
        return value
    meta = panel.meta
    if meta is not None:
        key = value.strip().casefold()
        for unit, names in meta.names.items():
            if unit in units and any(str(n).casefold() == key for n in names.values()):
                return unit
    province = canonical_province(value, two_digit=True)  # -p focus 44: a unit key 44 wins (checked above)
    return province if province in units else None


def default_focus(given: str, panel: Panel, index: Any, adjusted: Adjusted) -> str:
    """The panel's focus when the default is not one of its units: its metadata's, else the top scorer."""
    meta = panel.meta
    if meta is not None and meta.focus in set(panel.unit_names):
        adjusted.append(("default_focus", {"given": given, "unit_key": meta.focus, "how_key": "default_focus_panel"}))
        return meta.focus
    scores = index.result_.scores
    last = int(scores["year"].max())
    top = str(scores[scores["year"] == last].sort_values("rank")["unit"].iat[0])
    adjusted.append(("default_focus", {"given": given, "unit_key": top, "how_key": "default_focus_top", "year": last}))
    return top


def adjusted_text(ctx: Report, key: str, values: dict[str, Any]) -> str:
    """One recorded adjustment in the report's language."""
    values = dict(values)
    if "_en_group" in values:
        en = values.pop("_en_group")
        if ctx.lang != "zh":
            values["group"] = en
    if "unit_key" in values:
        values["name"] = ctx.name_of(values.pop("unit_key"))
        values["how"] = ctx.t(values.pop("how_key"), year=values.pop("year", ""))
    return ctx.t(key, **values)


def unit_table(ctx: Report) -> pd.DataFrame:
    """unit, name, abbr, group, tile_row, tile_col (and the regions' columns for provinces)."""
    lang = ctx.lang
    meta = ctx.meta
    g = ctx.grouping
    if ctx.is_provincial:
        r = load_regions().rename(columns={"name_zh": "unit"})
        r["name"] = r["unit"] if lang == "zh" else r["name_en"]
        r["abbr"] = r["abbr_zh"] if lang == "zh" else r["iso"]
    else:
        units = ctx.panel.unit_names
        r = pd.DataFrame({"unit": units, "name": [meta.name(u, lang) for u in units]})
        r["abbr"] = r["name"]
        r["tile_row"], r["tile_col"] = 0, 0
    if g is not None:
        r["group"] = r["unit"].map(meta.group_of(g.column, lang)).fillna(ctx.t("group_missing")).astype(str)
    else:
        r["group"] = ctx.t("no_group")
    return r.reset_index(drop=True)


def report_weights(ctx: Report):
    """See :meth:`nqp_lib.report.context.Report.weights`."""
    from nqp_lib.disparity.weights import read_weights, spatial_weights

    s = ctx.settings
    units = list(dict.fromkeys(ctx.scores.dropna(subset=["score"])["unit"]))
    if s.weights_matrix:
        w = read_weights(Path(s.weights_matrix))
    elif ctx.meta.weights is not None:
        w = read_weights(ctx.meta.weights)
    elif ctx.is_provincial:
        from nqp_lib.data.regions import contiguity_matrix

        w = spatial_weights(contiguity_matrix().loc[units, units], name="contiguity")
        return w
    else:
        return None
    labels = set(map(str, w.labels))
    present = [u for u in units if u in labels]
    if len(present) < 3:
        return None
    w = w.relabel([str(x) for x in w.labels]) if any(not isinstance(x, str) for x in w.labels) else w
    try:
        return w.subset(present)
    except NqpError:  # a unit left without neighbours among the scored units: no spatial measures
        return None
