"""``nqp claims``: the article's numeric claims with outcomes computed from the shipped data.

Filters: ``--section 2.4``, ``--condition 4``, ``--outcome differs``, ``--check data``; formats: ``table``
(each claim with its outcome and arithmetic, then a count by section and outcome), ``csv`` (one row per
claim, every column of :func:`nqp_lib.claims.results_frame`) and ``json`` (every reading, source and
option). ``--ledger`` checks another ledger file. An unknown section or a bad ledger exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from nqp_lib.claims.checks import OUTCOMES, ClaimResult, check_claims
from nqp_lib.claims.ledger import CHECKS, SECTIONS, load_ledger
from nqp_lib.claims.tables import results_frame, summary
from nqp_lib.claims.text import label
from nqp_lib.errors import ParameterError

FORMATS = ("table", "csv", "json")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "claims", help="the article's numeric claims, checked against the shipped data",
        description="Print the claims ledger (data/claims.csv) with outcomes computed now from the shipped series: "
                    "agrees/differs (data), consistent/inconsistent (arithmetic between the article's figures), "
                    "not_checkable (with the reason).",
    )
    p.add_argument("--section", help=f"only this section of the article, e.g. 2.4 (one of {', '.join(SECTIONS)})")
    p.add_argument("--condition", type=int, choices=range(1, 7), metavar="N", help="only claims of condition N (1–6)")
    p.add_argument("--outcome", choices=OUTCOMES, help="only claims with this outcome")
    p.add_argument("--check", choices=CHECKS, help="only claims checked this way")
    p.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of labels and arithmetic (default: zh)")
    p.add_argument("--ledger", help="a ledger CSV to check instead of data/claims.csv")
    p.set_defaults(func=run)


def select(results: list[ClaimResult], section: str | None = None, condition: int | None = None,
           outcome: str | None = None, check: str | None = None) -> list[ClaimResult]:
    """The results passing every given filter; an unknown section or outcome is a :class:`ParameterError`."""
    if section is not None and section not in SECTIONS:
        raise ParameterError(f"--section {section!r} is not a section of the article; use one of {', '.join(SECTIONS)}")
    if outcome is not None and outcome not in OUTCOMES:
        raise ParameterError(f"--outcome {outcome!r} is not an outcome; use one of {', '.join(OUTCOMES)}")
    return [
        r for r in results
        if (section is None or r.claim.section == section) and (condition is None or r.claim.condition == condition)
        and (outcome is None or r.outcome == outcome) and (check is None or r.claim.check == check)
    ]


def _table(results: list[ClaimResult], lang: str) -> str:
    lines = []
    for r in results:
        c = r.claim
        lines.append(f"{c.id}  [{c.section}]  {c.label(lang)}: {c.stated(lang)}  → {r.outcome_label(lang)}")
        for x in r.readings:
            mark = "" if x.primary else " *"
            lines.append(f"    {x.label(lang)}{mark}: {x.arithmetic}")
        if r.reason:
            lines.append(f"    {label('col_reason', lang)}: {r.reason}")
    if not results:
        lines.append(label("no_claims", lang))
        return "\n".join(lines) + "\n"
    table = summary(results)
    table.columns = [label(col, lang) if col != "total" else label("summary", lang) for col in table.columns]
    table.index = [label("summary", lang) if i == "total" else i for i in table.index]
    lines += ["", table.to_string()]
    return "\n".join(lines) + "\n"


def _json(results: list[ClaimResult], lang: str) -> str:
    out: list[dict[str, Any]] = []
    for row, r in zip(results_frame(results, lang).drop(columns=["readings"]).to_dict("records"), results):
        row = {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
        row["tolerance"] = r.tolerance
        row["options"] = r.options
        row["readings"] = [
            {"key": x.key, "label": x.label(lang), "primary": x.primary, "compared": x.compared,
             "interval": list(x.interval) if x.interval else None, "outcome": x.outcome,
             "arithmetic": x.arithmetic, "sources": list(x.sources)}
            for x in r.readings
        ]
        out.append(row)
    return json.dumps(out, ensure_ascii=False, indent=2, default=str) + "\n"


def run(args: argparse.Namespace) -> int:
    ledger = load_ledger(args.ledger)
    if args.section is not None or args.outcome is not None:
        select([], args.section, outcome=args.outcome)  # refuse a bad filter before any work
    results = select(check_claims(ledger, args.lang), args.section, args.condition, args.outcome, args.check)
    if args.format == "csv":
        sys.stdout.write(results_frame(results, args.lang).to_csv(index=False))
    elif args.format == "json":
        sys.stdout.write(_json(results, args.lang))
    else:
        sys.stdout.write(_table(results, args.lang))
    return 0
