"""Exercises on the page's own numbers: for each method, the facts a question and its answer are filled from.

Each function picks one case from a result the page shows — a cell of the worked example, a pair of the
Dagum table, a class of the Markov chain, the β regression, a year of Moran's I — and returns an
:class:`Exercise` whose ``facts`` hold the given numbers (what the question shows) and the answer, as
the library computed it. The question and answer wording lives with the report's prose (zh and en); no
number is typed there. Cases are chosen by a stated rule, so the same data give the same exercise.

=================  ===========================================================================================
``normalise``      a cost indicator if the subset has one (else the first indicator), the row whose raw
                   value is nearest the column's median: x′ from the raw value, min and max
``entropy``        the indicators with the largest and the smallest entropy weight: w_j = d_j / Σ d
``critic``         the indicator with the largest CRITIC weight: C_j = σ_j Σ_k (1 − r_jk), w_j = C_j / Σ C;
                   and the most correlated pair
``topsis``         the middle-ranked row of the last year: C = D⁻ / (D⁺ + D⁻), against the row ranked above it
``dagum``          the pair of groups contributing most to G_nb: D_jh = (d_jh − p_jh) / (d_jh + p_jh); and
                   G_t = G − G_w − G_nb
``markov``         the lowest class: share of its transitions that stay, and that move up
``convergence``    the absolute β: speed λ = −ln(1 + β) and half-life ln 2 / λ
``moran``          the last year: E[I] = −1/(n − 1) against the observed I and its pseudo p-value
=================  ===========================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib.errors import MethodError
from nqp_lib.teaching.worked import WorkedExample

#: Exercise keys in the order the page shows them (one per method).
KEYS = ("normalise", "entropy", "critic", "topsis", "dagum", "markov", "convergence", "moran")


@dataclass(frozen=True)
class Exercise:
    """One exercise: ``key`` (see :data:`KEYS`) and the ``facts`` its question and answer are filled from."""

    key: str
    facts: dict[str, Any] = field(default_factory=dict)


def normalise_exercise(example: WorkedExample) -> Exercise:
    """x′ of one raw value (rule: module docstring)."""
    step = example.normalised
    sub = example.subset
    cost = [i for i in sub.indicators if step.direction[i] < 0]
    indicator = cost[0] if cost else sub.indicators[0]
    raw = sub.frame[indicator]
    row = int((raw - raw.median()).abs().idxmin())
    return Exercise("normalise", {
        "indicator": indicator, "unit": str(sub.frame.at[row, "unit"]), "year": int(sub.frame.at[row, "year"]),
        "direction": int(step.direction[indicator]), "value": float(raw[row]),
        "min": float(step.minimum[indicator]), "max": float(step.maximum[indicator]),
        "answer": float(step.normalised.at[row, indicator]),
    })


def entropy_exercise(example: WorkedExample) -> Exercise:
    """An entropy weight from the divergences d_j."""
    ent = example.entropy
    top, low = str(ent.w.idxmax()), str(ent.w.idxmin())
    return Exercise("entropy", {
        "indicator": top, "d": float(ent.d[top]), "sum_d": float(ent.d.sum()), "e": float(ent.e[top]),
        "answer": float(ent.w[top]), "other": low, "e_other": float(ent.e[low]), "d_other": float(ent.d[low]),
        "w_other": float(ent.w[low]), "n": ent.n,
    })


def critic_exercise(example: WorkedExample) -> Exercise:
    """A CRITIC information value and weight; the most correlated pair."""
    cri = example.critic
    top = str(cri.w.idxmax())
    r = cri.r.to_numpy(dtype=float).copy()
    np.fill_diagonal(r, np.nan)
    if np.isnan(r).all():
        raise MethodError("critic exercise: no correlation between two non-constant indicators")
    j, k = np.unravel_index(np.nanargmax(r), r.shape)
    ids = list(cri.r.index)
    return Exercise("critic", {
        "indicator": top, "sigma": float(cri.sigma[top]), "conflict": float(cri.conflict[top]),
        "C": float(cri.C[top]), "sum_C": float(cri.C.sum()), "answer": float(cri.w[top]),
        "pair_a": ids[min(j, k)], "pair_b": ids[max(j, k)], "r": float(r[j, k]),
    })


def topsis_exercise(example: WorkedExample) -> Exercise:
    """A closeness from D⁺ and D⁻."""
    s = example.topsis.scores
    year = int(s["year"].max())
    last = s[s["year"] == year].sort_values("rank", kind="stable").reset_index(drop=True)
    mid = (len(last) - 1) // 2
    row, above = last.iloc[max(mid, 1)], last.iloc[max(mid, 1) - 1]
    return Exercise("topsis", {
        "unit": str(row["unit"]), "year": year, "d_plus": float(row["d_plus"]), "d_minus": float(row["d_minus"]),
        "answer": float(row["closeness"]), "rank": int(row["rank"]), "other": str(above["unit"]),
        "other_closeness": float(above["closeness"]), "other_rank": int(above["rank"]),
    })


def dagum_exercise(example: WorkedExample) -> Exercise:
    """D_jh of the pair contributing most to G_nb, and G_t from the other parts."""
    if example.dagum is None:
        raise MethodError("dagum exercise: the worked example has no Dagum step (it needs groups)")
    res = example.dagum.result
    b = res.between
    if b.empty:
        raise MethodError("dagum exercise: one group only, so there is no between-group pair")
    top = b.loc[b["contribution_nb"].idxmax()]
    return Exercise("dagum", {
        "year": example.dagum.year, "group_j": str(top["group_j"]), "group_h": str(top["group_h"]),
        "d_jh": float(top["d_jh"]), "p_jh": float(top["p_jh"]), "answer": float(top["D_jh"]),
        "G": res.G, "G_w": res.G_w, "G_nb": res.G_nb, "G_t": res.G_t,
        "share_nb": res.contributions["net_between"], "share_t": res.contributions["transvariation"],
    })


def markov_exercise(markov: Any, cls: int = 1) -> Exercise:
    """Staying in and leaving class ``cls`` (1 = lowest) of a Markov result (``counts``, ``probabilities``)."""
    counts = np.asarray(markov.counts)
    k = counts.shape[0]
    if not 1 <= cls <= k:
        raise MethodError(f"markov exercise: class {cls} not in 1–{k}")
    row = counts[cls - 1]
    n = int(row.sum())
    if n == 0:
        raise MethodError(f"markov exercise: class {cls} has no observed transition")
    stay = int(row[cls - 1])
    up = int(row[cls:].sum())
    return Exercise("markov", {
        "cls": cls, "classes": k, "n": n, "stay": stay, "up": up, "down": n - stay - up,
        "answer": stay / n, "up_share": up / n,
        "probability": float(np.asarray(markov.probabilities)[cls - 1, cls - 1]),
    })


def convergence_exercise(beta: Any) -> Exercise:
    """Speed and half-life from a β-convergence result (``beta``, ``speed``, ``half_life``, ``converging``)."""
    return Exercise("convergence", {
        "model": beta.model, "beta": float(beta.beta), "converging": bool(beta.converging),
        "speed": None if beta.speed is None else float(beta.speed),
        "answer": None if beta.half_life is None else float(beta.half_life),
    })


def moran_exercise(moran_global: pd.DataFrame, period: Any = None) -> Exercise:
    """E[I] against the observed I in ``period`` (default the last) of a Moran-by-period ``global_`` table."""
    g = moran_global
    period = g["period"].max() if period is None else period
    row = g[g["period"] == period]
    if row.empty:
        raise MethodError(f"moran exercise: no period {period!r} in the table")
    r = row.iloc[0]
    return Exercise("moran", {
        "period": int(period) if float(period).is_integer() else period, "n": int(r["n"]), "I": float(r["I"]),
        "answer": float(r["expected"]), "p": float(r["p_sim"]), "permutations": int(r["permutations"]),
        "above": bool(r["I"] > r["expected"]),
    })


def exercises(example: WorkedExample, *, markov: Any = None, beta: Any = None,
              moran_global: pd.DataFrame | None = None) -> list[Exercise]:
    """Every exercise whose result is given, in :data:`KEYS` order (the worked example's five always)."""
    out = [normalise_exercise(example), entropy_exercise(example), critic_exercise(example),
           topsis_exercise(example)]
    if example.dagum is not None:
        out.append(dagum_exercise(example))
    if markov is not None:
        out.append(markov_exercise(markov))
    if beta is not None:
        out.append(convergence_exercise(beta))
    if moran_global is not None:
        out.append(moran_exercise(moran_global))
    return out
