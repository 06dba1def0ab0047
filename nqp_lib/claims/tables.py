"""Ledger results as tidy tables: one row per claim, a count by section and outcome, a condition's claims."""

from __future__ import annotations

import pandas as pd

from nqp_lib.claims.checks import OUTCOMES, ClaimResult, check_claims
from nqp_lib.claims.ledger import SECTIONS
from nqp_lib.data.units import unit_label
from nqp_lib.errors import ParameterError

COLUMNS = [
    "id", "section", "condition", "claim", "stated", "value", "value_high", "bound", "unit", "ref_year", "source_named",
    "check", "outcome", "outcome_label", "proxy", "reading", "reading_label", "compared", "arithmetic", "source",
    "reason", "readings",
]


def results_frame(results: list[ClaimResult], lang: str = "zh") -> pd.DataFrame:
    """One row per claim: the ledger's figure, the outcome (code and label), the deciding reading, the value
    compared and its source, the arithmetic, the reason or note, and every reading as ``label: arithmetic``
    lines."""
    rows = []
    for r in results:
        c = r.claim
        chosen = next((x for x in r.readings if x.key == r.reading), None)
        rows.append({
            "id": c.id, "section": c.section, "condition": c.condition, "claim": c.label(lang), "stated": c.stated(lang), "value": c.value,
            "value_high": c.value_high, "bound": c.bound, "unit": unit_label(c.unit, lang), "ref_year": c.ref_year,
            "source_named": c.source_named or "", "check": c.check, "outcome": r.outcome,
            "outcome_label": r.outcome_label(lang), "proxy": r.proxy, "reading": r.reading or "",
            "reading_label": chosen.label(lang) if chosen else "", "compared": r.compared, "arithmetic": r.arithmetic,
            "source": r.source, "reason": r.reason,
            "readings": "\n".join(f"{x.label(lang)}{'' if x.primary else ' *'}: {x.arithmetic}" for x in r.readings),
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def summary(results: list[ClaimResult]) -> pd.DataFrame:
    """Claims by section (rows, plus ``total``) and outcome (columns, plus ``total``)."""
    frame = pd.DataFrame({"section": [r.claim.section for r in results], "outcome": [r.outcome for r in results]})
    table = pd.crosstab(frame["section"], frame["outcome"]).reindex(columns=list(OUTCOMES), fill_value=0)
    table = table.reindex(sorted(table.index, key=SECTIONS.index))
    table.loc["total"] = table.sum()
    table["total"] = table.sum(axis=1)
    return table.astype(int)


def by_condition(condition: int, results: list[ClaimResult] | None = None, lang: str = "zh") -> list[ClaimResult]:
    """The claims of one of the article's six conditions, with their outcomes."""
    if condition not in range(1, 7):
        raise ParameterError(f"condition must be 1–6, got {condition!r}")
    results = check_claims(lang=lang) if results is None else results
    return [r for r in results if r.claim.condition == condition]
