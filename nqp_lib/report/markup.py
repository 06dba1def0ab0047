"""How values appear in a page: numbers formatted by magnitude, strings escaped for Markdown prose and HTML
tables. Every user-supplied string (unit and indicator names, file names, the focus) passes through here
before it reaches a page, so none can inject markup."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def format_number(value: float, digits: int = 3) -> str:
    """A float for a table: ``digits`` decimals below 100, one decimal from 100, none from 1,000 (with
    thousands separators) — 0.523, 290.5, 33,192 — so large yuan figures do not carry spurious precision."""
    for threshold, decimals in ((1000, 0), (100, 1)):
        if abs(round(value, decimals)) >= threshold:  # 999.96 is "1,000", not "1,000.0"
            return f"{value:,.{decimals}f}"
    return f"{value:,.{digits}f}"


def _cell(value: Any, digits: int) -> tuple[str, bool]:
    """Text of one table cell and whether it is a number (right-aligned)."""
    if value is None or (isinstance(value, float) and value != value):
        return "—", True
    if isinstance(value, bool):
        return html.escape(str(value)), False
    if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
        return f"{int(value):,}" if abs(int(value)) >= 10000 else str(int(value)), True
    if isinstance(value, float) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "f"):
        return format_number(float(value), digits), True
    return html.escape(str(value)), False


def html_table(frame: pd.DataFrame, digits: int = 3) -> str:
    """A plain HTML table: every string escaped, numbers formatted and right-aligned, no random ids."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for row in frame.itertuples(index=False):
        cells = []
        for v in row:
            text, numeric = _cell(v, digits)
            cells.append(f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="nqp-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def escape_md(value: Any) -> str:
    """Escape a value for insertion into markdown prose: HTML-escaped, markdown punctuation neutralised."""
    text = html.escape(" ".join(str(value).split()), quote=False)  # one line: a newline could end a heading
    for ch in "\\`*_[]#|$":
        text = text.replace(ch, "\\" + ch)
    return text




def format_percent(share: float, digits: int = 1) -> str:
    """A share as a percentage: 0.6912 → ``69.1%``."""
    return f"{share * 100:.{digits}f}%"
