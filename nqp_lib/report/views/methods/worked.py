"""Views of the worked example (the seminar part of the methods appendix): every intermediate of
:mod:`nqp_lib.teaching.worked` as a table headed in the report's language, and the facts its prose fills
its worked substitutions from.

Indicators are written x₁ … x_k in the tables (the j of the formulas) with a legend; rows are units by
display name and year (the i of the formulas). Nothing is computed here that the step results do not
hold: the tables reshape them, and the facts pick cells from them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from nqp_lib.labels import entry
from nqp_lib.teaching.subset import YEAR_RULE_ALL
from nqp_lib.teaching import (
    CriticStep,
    DagumStep,
    EntropyStep,
    ExampleSubset,
    NormaliseStep,
    TopsisStep,
    example_subset,
)

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.report.context import Report

#: Group labels that mean "no group" (a user panel whose units have no region).
NO_GROUP = {"—", "", "nan"}


def label(ctx: Report, key: str, **values: Any) -> str:
    """A label of the seminar's catalogue (``nqp_lib/text/teaching.yaml``) in the report's language."""
    text = entry("teaching", key, ctx.lang)
    return text.format(**values) if values else text


def teaching_on(ctx: Report) -> bool:
    """The ``teaching`` parameter: every intermediate table in full (True) or the compact appendix."""
    return bool(ctx.settings.extra.get("teaching", True))


def unit_groups(ctx: Report) -> dict[str, str] | None:
    """Unit → group label (the report's grouping, in its language) for the Dagum step and the unit rule;
    None when the units fall into fewer than two groups (a user panel without regions)."""
    from nqp_lib.report.views.common import grouping_note

    if grouping_note(ctx):
        return None
    s = ctx.scores[["unit", "group"]].dropna().drop_duplicates("unit")
    s = s[~s["group"].astype(str).isin(NO_GROUP)]
    groups = dict(zip(s["unit"].astype(str), s["group"].astype(str)))
    return groups if len(set(groups.values())) >= 2 else None


def example(ctx: Report) -> ExampleSubset:
    """The worked example's subset from the report's ``example_units``/``example_years``/``example_indicators``
    (what the notebook's cell does, for views and tests)."""
    x = ctx.settings.extra
    return example_subset(ctx.index, x.get("example_units", ""), x.get("example_years", ""),
                          x.get("example_indicators", ""), groups=unit_groups(ctx))


def symbols(sub: ExampleSubset) -> dict[str, str]:
    """Indicator id → its symbol in the tables (x₁, x₂, … in the subset's order)."""
    sub_digits = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    return {i: f"x{str(j + 1).translate(sub_digits)}" for j, i in enumerate(sub.indicators)}


def unit_heading(ctx: Report) -> str:
    """The heading of a column of units: the panel's noun ("Province", "City", "省份" …)."""
    noun = ctx.noun()
    return noun[:1].upper() + noun[1:]


def _rows(ctx: Report, frame: pd.DataFrame) -> pd.DataFrame:
    """``i, unit (display name), year`` for the rows of a subset-shaped frame."""
    return pd.DataFrame({label(ctx, "row"): np.arange(1, len(frame) + 1),
                         unit_heading(ctx): [ctx.name_of(str(u)) for u in frame["unit"]],
                         label(ctx, "year"): frame["year"].astype(int).to_numpy()})


def matrix_table(ctx: Report, sub: ExampleSubset, frame: pd.DataFrame) -> pd.DataFrame:
    """A rows × indicators matrix of the subset (raw, x′, p, v …): row number, unit, year, x₁ … x_k."""
    sym = symbols(sub)
    body = frame[list(sub.indicators)].reset_index(drop=True).rename(columns=sym)
    return pd.concat([_rows(ctx, frame.reset_index(drop=True)), body], axis=1)


def _per_indicator(ctx: Report, sub: ExampleSubset, columns: dict[str, pd.Series]) -> pd.DataFrame:
    sym = symbols(sub)
    out = pd.DataFrame({label(ctx, "symbol"): [sym[i] for i in sub.indicators]})
    for key, series in columns.items():
        out[label(ctx, key)] = pd.Series(series).reindex(list(sub.indicators)).to_numpy()
    return out


def legend_table(ctx: Report, sub: ExampleSubset) -> pd.DataFrame:
    """x_j → indicator name, dimension, direction and unit of measure, with imputed cells in the subset."""
    dims = {d.id: d.name(ctx.lang) for d in sub.system.dimensions}
    sym = symbols(sub)
    rows = []
    for i in sub.indicators:
        ind = sub.system.indicator(i)
        imputed = 0 if sub.imputed is None else int(sub.imputed[i].sum())
        rows.append({label(ctx, "symbol"): sym[i], label(ctx, "indicator"): ind.name(ctx.lang),
                     label(ctx, "dimension"): dims[ind.dimension],
                     label(ctx, "direction"): label(ctx, "benefit" if ind.direction > 0 else "cost"),
                     label(ctx, "measure_unit"): ind.unit_in(ctx.lang), label(ctx, "imputed"): imputed})
    return pd.DataFrame(rows)


def subset_facts(ctx: Report, sub: ExampleSubset) -> dict[str, Any]:
    """What the subset's paragraph says: units (display names), years, how many indicators and rows, and
    whether each choice was given or made by the rule."""
    return {"units": [ctx.name_of(u) for u in sub.units], "years": [str(y) for y in sub.years],
            "k": len(sub.indicators), "rows": len(sub.frame), "n_units": len(sub.units), "n_years": len(sub.years),
            "given_units": sub.how.get("units") == "given", "given_years": sub.how.get("years") == "given",
            "given_indicators": sub.how.get("indicators") == "given",
            "years_all_observed": sub.how.get("years") != YEAR_RULE_ALL,
            "imputed": sub.n_imputed, "grouped": bool(sub.groups)}


# ----------------------------------------------------------------------------- step 1: normalisation


def bounds_table(ctx: Report, norm: NormaliseStep) -> pd.DataFrame:
    """Per indicator: direction, min and max over the subset's rows."""
    sub = norm.subset
    out = _per_indicator(ctx, sub, {"min": norm.minimum, "max": norm.maximum})
    out.insert(1, label(ctx, "direction"),
               [label(ctx, "benefit" if norm.direction[i] > 0 else "cost") for i in sub.indicators])
    return out


def exact(value: float) -> str:
    """A raw value with six significant digits, for a worked substitution (a table rounds by magnitude, but
    the arithmetic shown must give the result shown)."""
    return f"{float(value):.6g}"


def normalise_facts(ctx: Report, norm: NormaliseStep) -> dict[str, Any]:
    """A benefit and (when the subset has one) a cost indicator worked out for row 1."""
    sub = norm.subset
    sym = symbols(sub)
    out: dict[str, Any] = {"rows": len(sub.frame), "unit": ctx.name_of(str(sub.frame.at[0, "unit"])),
                           "year": int(sub.frame.at[0, "year"]), "cases": []}
    benefit = [i for i in sub.indicators if norm.direction[i] > 0][:1]
    cost = [i for i in sub.indicators if norm.direction[i] < 0][:1]
    for i in benefit + cost:
        out["cases"].append({"symbol": sym[i], "name": sub.system.indicator(i).name(ctx.lang),
                             "cost": bool(norm.direction[i] < 0), "x": exact(sub.frame.at[0, i]),
                             "min": exact(norm.minimum[i]), "max": exact(norm.maximum[i]),
                             "answer": float(norm.normalised.at[0, i])})
    return out


# ----------------------------------------------------------------------------- step 2: entropy


def entropy_table(ctx: Report, ent: EntropyStep, sub: ExampleSubset) -> pd.DataFrame:
    """Per indicator: −Σ p ln p, e_j, d_j, w_j."""
    return _per_indicator(ctx, sub, {"h": ent.h, "e": ent.e, "d": ent.d, "w": ent.w})


def entropy_facts(ctx: Report, ent: EntropyStep, sub: ExampleSubset) -> dict[str, Any]:
    """x₁ worked through: x″₁₁, its column sum, p₁₁, h, e, d, Σd and w."""
    first = sub.indicators[0]
    column = ent.adjusted[first]
    return {"n": ent.n, "ln_n": ent.options["ln_n"], "zeros": ent.options["zeros"], "shift": ent.options["shift"],
            "symbol": symbols(sub)[first], "x11": float(column.iloc[0]), "col_sum": float(column.sum()),
            "p11": float(ent.p[first].iloc[0]), "h": float(ent.h[first]), "e": float(ent.e[first]),
            "d": float(ent.d[first]), "sum_d": float(ent.d.sum()), "w": float(ent.w[first])}


# ----------------------------------------------------------------------------- step 3: CRITIC


def critic_table(ctx: Report, cri: CriticStep, sub: ExampleSubset) -> pd.DataFrame:
    """Per indicator: σ_j, Σ_k (1 − r_jk), C_j, w_j."""
    return _per_indicator(ctx, sub, {"sigma": cri.sigma, "conflict": cri.conflict, "C": cri.C, "w": cri.w})


def correlation_table(ctx: Report, cri: CriticStep, sub: ExampleSubset) -> pd.DataFrame:
    """The correlation matrix r_jk of x′ (rows and columns x₁ … x_k)."""
    sym = symbols(sub)
    r = cri.r.rename(index=sym, columns=sym)
    return r.reset_index().rename(columns={"index": "r_jk"})


def critic_facts(ctx: Report, cri: CriticStep, sub: ExampleSubset) -> dict[str, Any]:
    """x₁ worked through: σ, each 1 − r₁k summed, C, ΣC and w; sample or population σ."""
    first = sub.indicators[0]
    return {"symbol": symbols(sub)[first], "ddof": cri.options["ddof"], "sigma": float(cri.sigma[first]),
            "conflict": float(cri.conflict[first]), "C": float(cri.C[first]), "sum_C": float(cri.C.sum()),
            "w": float(cri.w[first])}


def weights_pair_table(ctx: Report, ent: EntropyStep, cri: CriticStep, sub: ExampleSubset) -> pd.DataFrame:
    """Per indicator: the entropy and the CRITIC weight (the compact appendix's one table of steps 2–3)."""
    return _per_indicator(ctx, sub, {"entropy_w": ent.w, "critic_w": cri.w})


# ----------------------------------------------------------------------------- step 4: TOPSIS


def ideal_table(ctx: Report, top: TopsisStep, sub: ExampleSubset) -> pd.DataFrame:
    """Per indicator: the weight used, v⁺_j and v⁻_j."""
    return _per_indicator(ctx, sub, {"w": top.w, "ideal": top.ideal, "anti_ideal": top.anti_ideal})


def topsis_table(ctx: Report, top: TopsisStep, last_year_only: bool = False) -> pd.DataFrame:
    """Per row: D⁺, D⁻, closeness, rank within the year and the weighted sum (last year only when asked)."""
    s = top.scores.reset_index(drop=True)
    out = _rows(ctx, s)
    for key in ("d_plus", "d_minus", "closeness", "rank", "weighted_sum"):
        out[label(ctx, key)] = s[key].to_numpy()
    if last_year_only:
        out = out[s["year"].to_numpy() == s["year"].max()].reset_index(drop=True)
    return out


def topsis_facts(ctx: Report, top: TopsisStep, sub: ExampleSubset) -> dict[str, Any]:
    """Row 1 worked through: D⁺, D⁻ and C; which weights; rank agreement of closeness and weighted sum."""
    from nqp_lib.teaching import rank_correlation

    s = top.scores
    return {"weights_from": top.weights_from, "unit": ctx.name_of(str(s.at[0, "unit"])), "year": int(s.at[0, "year"]),
            "d_plus": float(s.at[0, "d_plus"]), "d_minus": float(s.at[0, "d_minus"]),
            "closeness": float(s.at[0, "closeness"]), "rho": rank_correlation(s["closeness"], s["weighted_sum"]),
            "bounds_are_weights": bool(np.allclose(top.ideal, top.w) and np.allclose(top.anti_ideal, 0.0))}


# ----------------------------------------------------------------------------- step 5: Dagum


def dagum_within_table(ctx: Report, dag: DagumStep) -> pd.DataFrame:
    """Per group (ordered by mean, ascending): n_j, ȳ_j, p_j, s_j, G_jj and its contribution to G_w."""
    w = dag.result.within
    cols = {"group": "group", "n": "n", "mean": "mean", "p": "p_share", "s": "s_share", "G_jj": "G_jj",
            "contribution": "contribution"}
    return w[list(cols)].rename(columns={k: label(ctx, v) for k, v in cols.items()})


def dagum_between_table(ctx: Report, dag: DagumStep) -> pd.DataFrame:
    """Per pair of groups (j the richer): G_jh, d_jh, p_jh, D_jh and the contributions to G_nb and G_t."""
    b = dag.result.between
    out = pd.DataFrame({label(ctx, "pair"): [f"{j} – {h}" for j, h in zip(b["group_j"], b["group_h"])]})
    for key in ("G_jh", "d_jh", "p_jh", "D_jh"):
        out[label(ctx, key)] = b[key].to_numpy()
    out[label(ctx, "G_nb")] = b["contribution_nb"].to_numpy()
    out[label(ctx, "G_t")] = b["contribution_t"].to_numpy()
    return out


def dagum_parts_table(ctx: Report, dag: DagumStep) -> pd.DataFrame:
    """G and its three parts with their shares, and the Gini computed directly (equal to G)."""
    r = dag.result
    shares = r.contributions
    rows = [("G_w", r.G_w, shares["within"]), ("G_nb", r.G_nb, shares["net_between"]),
            ("G_t", r.G_t, shares["transvariation"]), ("G", r.G, 1.0), ("gini_check", dag.gini, np.nan)]
    return pd.DataFrame({label(ctx, "part"): [label(ctx, k) for k, _, _ in rows],
                         label(ctx, "value"): [v for _, v, _ in rows], label(ctx, "share"): [s for _, _, s in rows]})


def dagum_facts(ctx: Report, dag: DagumStep) -> dict[str, Any]:
    """Year, units, groups, G and its parts, and the pair contributing most to G_nb worked through."""
    r = dag.result
    b = r.between
    facts: dict[str, Any] = {"year": dag.year, "n": r.n, "groups": len(r.groups), "G": r.G, "G_w": r.G_w,
                             "G_nb": r.G_nb, "G_t": r.G_t, "gini": dag.gini,
                             "share_w": r.contributions["within"], "share_nb": r.contributions["net_between"],
                             "share_t": r.contributions["transvariation"], "pair": None}
    if not b.empty:
        top = b.loc[b["contribution_nb"].idxmax()]
        facts["pair"] = {"j": str(top["group_j"]), "h": str(top["group_h"]), "G_jh": float(top["G_jh"]),
                         "d_jh": float(top["d_jh"]), "p_jh": float(top["p_jh"]), "D_jh": float(top["D_jh"]),
                         "weight": float(top["weight"]), "nb": float(top["contribution_nb"])}
    return facts
