"""Views of "what changes if …" and of the exercises: the contrasts of :mod:`nqp_lib.teaching.contrasts` on
the report's own index (memoised per report), tables headed in the report's language and sized for any
number of units, and the facts each one-sentence summary and each exercise is filled from, with unit and
indicator ids turned into display names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from nqp_lib import teaching
from nqp_lib.report.views.methods.worked import exact, label, unit_heading

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.report.context import Report

#: At most this many unit rows in a contrast table (the units whose rank moves most, plus the focus); a
#: panel with no more than :data:`ALL_UNITS_UP_TO` units is shown whole.
MAX_UNIT_ROWS = 12
ALL_UNITS_UP_TO = 15
CONTRASTS = ("scope", "zeros", "weights", "aggregate", "bandwidth", "growth")


def _indicator(ctx: Report, indicator: str) -> str:
    return ctx.system.indicator(indicator).name(ctx.lang)


def contrast(ctx: Report, key: str) -> teaching.Contrast:
    """One contrast on the report's index (``key`` in :data:`CONTRASTS`), computed once per report."""
    def compute() -> teaching.Contrast:
        idx = ctx.index
        if key == "scope":
            return teaching.scope_contrast(idx, unit=ctx.settings.focus)
        if key == "zeros":
            return teaching.zeros_contrast(idx)
        if key == "weights":
            return teaching.weights_contrast(idx)
        if key == "aggregate":
            return teaching.aggregate_contrast(idx)
        if key == "bandwidth":
            s = idx.result_.scores
            return teaching.bandwidth_contrast(s["score"], s["year"])
        if key == "growth":
            return teaching.growth_contrast(idx.result_.scores, unit=ctx.settings.focus)
        raise KeyError(f"no contrast {key!r}; choose from {', '.join(CONTRASTS)}")
    return ctx.memo(f"contrast_{key}", compute)


def _moves(ctx: Report, moves: dict[str, Any]) -> dict[str, Any]:
    """Rank-move facts with display names."""
    out = dict(moves)
    for k in ("mover", "top", "top_other", "last_mover", "last_top", "last_top_other"):
        if k in out:
            out[k] = ctx.name_of(str(out[k]))
    return out


def contrast_facts(ctx: Report, key: str) -> dict[str, Any]:
    """The facts of a contrast's sentence, names in the report's language."""
    c = contrast(ctx, key)
    f = _moves(ctx, c.facts)
    if key == "scope" and "unit" in f:
        f["unit"] = ctx.name_of(f["unit"])
    elif key == "zeros":
        f["changes"] = [{**ch, "indicator": _indicator(ctx, ch["indicator"])} for ch in f["changes"]]
        f["replace"] = f["changes"][0]
        f["largest"] = max(f["changes"][1:] or f["changes"], key=lambda ch: ch["max_change"])
    elif key == "weights":
        for k in ("largest_gap", "top_a", "top_b"):
            f[k] = _indicator(ctx, f[k])
    elif key == "aggregate":
        f["against"] = {m: _moves(ctx, v) for m, v in f["against"].items()}
    elif key == "bandwidth":  # rule names as authors write them (Silverman 1986, Scott 1992)
        f["rules"] = [r.capitalize() for r in f["rules"]]
        f["periods_peaks_differ"] = [str(p) for p in f["periods_peaks_differ"]]
    elif key == "growth":
        f["fastest"] = ctx.name_of(f["fastest"])
        if "unit" in f:
            f["unit"] = ctx.name_of(f["unit"])
    return f


def scope_table(ctx: Report) -> pd.DataFrame:
    t = contrast(ctx, "scope").table
    focus = ctx.name_of(ctx.settings.focus)
    cols = {"year": label(ctx, "year"), "pooled": label(ctx, "mean_pooled"), "per_year": label(ctx, "mean_per_year"),
            "pooled_unit": label(ctx, "unit_pooled", unit=focus),
            "per_year_unit": label(ctx, "unit_per_year", unit=focus)}
    return t.rename(columns=cols)


def zeros_table(ctx: Report) -> pd.DataFrame:
    c = contrast(ctx, "zeros")
    t = c.table.drop(columns=["dimension"])
    names = {"indicator": label(ctx, "indicator")}
    for k, v in c.options["variants"].items():
        key = "variant_shift" if v["zeros"] == "shift" else "variant_replace"
        names[k] = label(ctx, key, shift=f"{v['shift']:g}")
    t["indicator"] = [_indicator(ctx, i) for i in t["indicator"]]
    return t.rename(columns=names)


def weights_table(ctx: Report) -> pd.DataFrame:
    t = contrast(ctx, "weights").table.drop(columns=["dimension"])
    t["indicator"] = [_indicator(ctx, i) for i in t["indicator"]]
    return t.rename(columns={"indicator": label(ctx, "indicator"), "entropy": label(ctx, "entropy_w"),
                             "critic": label(ctx, "critic_w")})


def _unit_rows(ctx: Report, table: pd.DataFrame, order: pd.Series) -> tuple[pd.DataFrame, str | None]:
    """All rows when there are few units; else the :data:`MAX_UNIT_ROWS` largest by ``order`` and the focus,
    with the note saying so."""
    if len(table) <= ALL_UNITS_UP_TO:
        return table, None
    keep = order.sort_values(ascending=False, kind="stable").index[:MAX_UNIT_ROWS]
    mask = table.index.isin(keep) | (table["unit"] == ctx.settings.focus).to_numpy()
    return table[mask], label(ctx, "rows_note", n=len(table), shown=MAX_UNIT_ROWS, noun=ctx.noun(),
                              nouns=ctx.noun(plural=True))


def aggregate_table(ctx: Report) -> tuple[pd.DataFrame, str | None]:
    """Last year's scores and ranks under each aggregation (the largest rank moves when units are many)."""
    c = contrast(ctx, "aggregate")
    t = c.table
    ranks = [f"rank_{m}" for m in c.options["methods"]]
    spread = t[ranks].max(axis=1) - t[ranks].min(axis=1)
    t, note = _unit_rows(ctx, t, spread)
    out = pd.DataFrame({unit_heading(ctx): [ctx.name_of(u) for u in t["unit"]]})
    for m in c.options["methods"]:
        out[label(ctx, "score_of", method=m)] = t[f"score_{m}"].to_numpy()
        out[label(ctx, "rank_of", method=m)] = t[f"rank_{m}"].to_numpy()
    return out, note


def bandwidth_table(ctx: Report) -> pd.DataFrame:
    c = contrast(ctx, "bandwidth")
    names = {"period": label(ctx, "year")}
    for r in c.options["rules"]:
        names[f"bandwidth_{r}"] = label(ctx, "bandwidth_of", rule=r.capitalize())
        names[f"peaks_{r}"] = label(ctx, "peaks_of", rule=r.capitalize())
    return c.table.rename(columns=names)


def growth_table(ctx: Report) -> tuple[pd.DataFrame, str | None]:
    """Compound vs simple growth: the fastest and slowest units (all when few), the focus and the mean."""
    c = contrast(ctx, "growth")
    t = c.table
    note = None
    if len(t) > ALL_UNITS_UP_TO:
        half = MAX_UNIT_ROWS // 2
        mask = (t.index < half) | (t.index >= len(t) - half) | (t["unit"] == ctx.settings.focus).to_numpy()
        note = label(ctx, "growth_note", n=len(t), half=half, noun=ctx.noun(), nouns=ctx.noun(plural=True))
        t = t[mask]
    f = c.facts
    mean = pd.DataFrame([{"unit": label(ctx, "mean_of_units"), "first": f["first"], "last": f["last"],
                          "compound": f["compound"], "simple": f["simple"]}])
    rows = pd.concat([t[["unit", "first", "last", "compound", "simple"]]
                      .assign(unit=lambda x: [ctx.name_of(u) for u in x["unit"]]), mean], ignore_index=True)
    for col in ("compound", "simple"):  # percent a year, as the sentence says them
        rows[col] = [f"{v * 100:.1f}%" for v in rows[col]]
    return rows.rename(columns={"unit": unit_heading(ctx), "first": f"{label(ctx, 'first')} {f['start']}",
                                "last": f"{label(ctx, 'last')} {f['end']}", "compound": label(ctx, "compound"),
                                "simple": label(ctx, "simple")}), note


def markov_facts(ctx: Report) -> dict:
    """What the Markov paragraph says: the basis used, its cut points, and the absolute chain's steady
    state beside it (why the relative classes are read)."""
    from nqp_lib.report.views.methods import markov

    rel, ab = markov(ctx, "relative"), markov(ctx, "absolute")
    k = rel.options["classes"]
    return {"classes": k, "cuts": [f"{c:.3f}" for c in rel.cuts], "n": rel.n_transitions,
            "rule_pooled": rel.options["class_rule"] == "pooled quantiles",
            "abs_top_steady": None if ab.steady_state is None else float(ab.steady_state[-1]),
            "abs_top_stay": float(ab.probabilities[-1, -1]), "abs_first_initial": float(ab.initial[0]),
            "rel_diag": float(sum(rel.probabilities[i, i] for i in range(k)) / k),
            "steady": rel.steady_state is not None, "note": rel.steady_state_note}


# ----------------------------------------------------------------------------- exercises


def exercise_facts(ctx: Report, exercise: teaching.Exercise) -> dict[str, Any]:
    """An exercise's facts with unit and indicator ids as display names (symbols x_j where the worked
    example's tables use them)."""
    f = dict(exercise.facts)
    if exercise.key == "normalise":  # raw values: six significant digits, so the arithmetic shown is exact
        f.update({k: exact(f[k]) for k in ("value", "min", "max")})
    for k in ("unit", "other"):
        if k in f and exercise.key in ("normalise", "topsis"):
            f[k] = ctx.name_of(str(f[k]))
    for k in ("indicator", "other", "pair_a", "pair_b"):
        if k in f and exercise.key in ("normalise", "entropy", "critic"):
            f[k] = _indicator(ctx, str(f[k]))
    return f
