"""The article's numeric claims and their checks.

``data/claims.csv`` lists every numeric claim of the article (one row each); :func:`load_ledger` reads and
validates it; :func:`check_claims` computes each claim's outcome from the shipped series at run time —
``agrees`` / ``differs`` (against data), ``consistent`` / ``inconsistent`` (arithmetic between the
article's figures), or ``not_checkable`` with the reason — keeping the value compared, its source, the
arithmetic and every reading of an ambiguous figure. :func:`results_frame` and :func:`summary` turn
results into tables; ``nqp claims`` prints them.
"""

from nqp_lib.claims.checks import OUTCOMES, ClaimResult, Reading, check_claim, check_claims
from nqp_lib.claims.ledger import LEDGER_CSV, SECTIONS, Claim, Ledger, load_ledger, stated_precision
from nqp_lib.claims.tables import by_condition, results_frame, summary

__all__ = [
    "LEDGER_CSV", "OUTCOMES", "SECTIONS", "Claim", "ClaimResult", "Ledger", "Reading", "by_condition", "check_claim",
    "check_claims", "load_ledger", "results_frame", "stated_precision", "summary",
]
