"""The article's six recommendations as levers: the conditions, dimensions and indicators each acts on.

Built on :func:`nqp_lib.measure.recommendations.lever_table` and :func:`~nqp_lib.measure.recommendations.reach`
(the system's ``conditions`` tags); labels from the article's vocabulary (``text/vocabulary.yaml``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from nqp_lib.report.views.common import dimension_labels, words

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.report.context import Report


def numbered(ctx: Report, n: int) -> str:
    """A recommendation by number and name: "（二）释放数据要素潜能" / "(2) Release the potential of data"."""
    name = words(ctx, "recommendations")[n]
    return f"（{_chinese_number(n)}）{name}" if ctx.lang == "zh" else f"({n}) {name}"


def _chinese_number(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


def reach(ctx: Report) -> pd.DataFrame:
    """Per recommendation: indicators, dimensions and weight share (:func:`~nqp_lib.measure.recommendations.reach`)."""
    from nqp_lib.measure.recommendations import reach as reach_of

    return ctx.memo("lever_reach", lambda: reach_of(ctx.system, ctx.index.result_))


def levers_table(ctx: Report) -> pd.DataFrame:
    """One row per recommendation: the condition it answers, the dimensions and indicators it acts on
    (names in the report's language) and the share of the index's weight those indicators carry (%).
    A recommendation no indicator of the system measures keeps its row, marked as a gap."""
    from nqp_lib.measure.recommendations import lever_table

    table = lever_table(ctx.system, ctx.index.result_)
    conditions = words(ctx, "conditions")
    dims = dict(dimension_labels(ctx))
    sep = "、" if ctx.lang == "zh" else "; "
    shares = reach(ctx).set_index("recommendation")["weight_share"]
    rows = []
    for rec, part in table.groupby("recommendation", sort=True):
        have = part.dropna(subset=["indicator"])
        names = [ctx.system.indicator(i).name(ctx.lang) + ("" if d > 0 else " (−)")
                 for i, d in zip(have["indicator"], have["direction"])]
        dim_names = [dims[d] for d in dims if d in set(have["dimension"])]
        rows.append({
            ctx.t("recommendation"): numbered(ctx, int(rec)),
            ctx.t("condition_answered"): f"{int(part['condition'].iat[0])}. {conditions[int(part['condition'].iat[0])]}",
            ctx.t("dimension"): sep.join(dim_names) or ctx.t("no_indicator"),
            ctx.t("indicator"): sep.join(names) or ctx.t("no_indicator"),
            ctx.t("weight_share_pct"): round(float(shares.loc[rec]) * 100, 1),
        })
    return pd.DataFrame(rows)


def lever_facts(ctx: Report) -> dict:
    """For the prose: the recommendation with the largest and smallest weight share, and those that act on
    no indicator of the system."""
    r = reach(ctx)
    acting = r[r["indicators"] > 0]
    top = acting.loc[acting["weight_share"].idxmax()]
    low = acting.loc[acting["weight_share"].idxmin()]
    return {
        "top": numbered(ctx, int(top["recommendation"])), "top_share": float(top["weight_share"]),
        "top_n": int(top["indicators"]),
        "low": numbered(ctx, int(low["recommendation"])), "low_share": float(low["weight_share"]),
        "gaps": [numbered(ctx, int(x)) for x in r.loc[r["indicators"] == 0, "recommendation"]],
        "overlap": float(r["weight_share"].sum()) > 1 + 1e-9,
    }
