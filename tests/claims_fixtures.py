"""Variants of the shipped claims ledger for tests: change a cell of a row, add a row, write to a temp file."""

from __future__ import annotations

import csv
from pathlib import Path

from nqp_lib.claims import LEDGER_CSV


def ledger_rows() -> list[dict[str, str]]:
    with LEDGER_CSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_ledger(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def variant(path: Path, claim_id: str | None = None, add: list[dict[str, str]] | None = None, **cells: str) -> Path:
    """The shipped ledger with ``cells`` of row ``claim_id`` changed and ``add`` rows appended."""
    rows = ledger_rows()
    if claim_id is not None:
        row = next(r for r in rows if r["id"] == claim_id)
        unknown = set(cells) - set(row)
        assert not unknown, unknown
        row.update(cells)
    for extra in add or []:
        rows.append({k: extra.get(k, "") for k in rows[0]})
    return write_ledger(path / "claims.csv", rows)


def row_number(claim_id: str) -> int:
    """The line of ``claim_id`` in the shipped ledger (header = line 1)."""
    return next(i for i, r in enumerate(ledger_rows(), start=2) if r["id"] == claim_id)
