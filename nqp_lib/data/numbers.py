"""Numbers written as text in a user's file: the decimal mark, thousands separators, missing-value marks.

One file uses one convention: either a decimal point with optional comma thousands separators (``1,234.5``)
or a decimal comma with optional point thousands separators (``1.234,5``). A cell that reads the same
under both (``12``, ``-3``, ``1e5``) settles nothing; a cell that only one convention can read settles
the file (``12,5`` and ``1.234,5`` → decimal comma; ``12.5`` and ``1,234.5`` → decimal point); a cell that
both conventions read but to different numbers (``1,234``: 1234 or 1.234; ``1.234``: 1.234 or 1234) is
ambiguous.

How the mark is chosen (:func:`decimal_mark`):

1. declared — ``--decimal`` on the command line or ``decimal_mark`` in the panel's sidecar — wins; every
   cell must then read under it;
2. otherwise the cells decide: cells settling the file one way and cells settling it the other way
   (``12,5`` and ``0.5``, or ``1.234,5`` and ``1,234.5``) are refused, naming both;
3. with no settling cell, the separator's default applies — a decimal comma in a ``;``-separated file
   (European spreadsheet exports), a decimal point in a ``,``-separated file or a workbook, none in a
   tab-separated file — and an ambiguous cell is refused unless it uses the default decimal mark
   itself: in a ``,`` file ``"1,234"`` is refused (a thousands separator or a decimal comma?), in a ``;``
   file ``1.234`` is refused, while ``1.234`` in a ``,`` file is 1.234 and ``1,234`` in a ``;`` file is 1.234.

A refusal names the column and an example cell and says how to declare the mark. No cell is ever read
with a separator silently dropped in a way the file does not support: that turned ``92,261`` (92.261 with a
decimal comma) into 92261 before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nqp_lib.errors import DataError

#: Decimal marks a file may use.
DECIMAL_MARKS = (".", ",")
#: Cell texts read as missing.
MISSING_MARKS = ("", "NA", "N/A", "NaN", "nan", "-", "—", "..", "…")
#: The default decimal mark by field separator (None: no default, every ambiguous cell is refused).
SEPARATOR_DEFAULT = {",": ".", ";": ",", "\t": None, None: "."}
SEPARATOR_NAMES = {",": "comma-separated", ";": "semicolon-separated", "\t": "tab-separated", None: "workbook"}


def _pattern(decimal: str) -> re.Pattern:
    d, t = re.escape(decimal), re.escape("," if decimal == "." else ".")
    # sign; a digit must come first (or right after the decimal mark); thousands groups of exactly three
    return re.compile(rf"[+-]?(?={d}?\d)(?:\d{{1,3}}(?:{t}\d{{3}})+|\d*)(?:{d}\d*)?(?:[eE][+-]?\d+)?", re.ASCII)


_PATTERNS = {mark: _pattern(mark) for mark in DECIMAL_MARKS}
_INFINITY = re.compile(r"[+-]?(?:inf|infinity)", re.IGNORECASE)


@dataclass
class CellForms:
    """How the cells of one column read under each decimal mark.

    ``values[mark]`` holds the number each cell reads as under ``mark`` (NaN where it does not read);
    ``ok[mark]`` says which cells read; ``missing`` marks empty cells and missing-value marks. The stripped
    text of cell ``i`` is ``distinct[codes[i]]`` (typed numbers and empty cells have code −1).
    """

    codes: np.ndarray
    distinct: np.ndarray
    missing: np.ndarray
    ok: dict[str, np.ndarray]
    values: dict[str, np.ndarray]

    def only(self, mark: str) -> np.ndarray:
        """Cells that read under ``mark`` and not under the other mark: they settle the file."""
        other = "," if mark == "." else "."
        return self.ok[mark] & ~self.ok[other]

    @property
    def ambiguous(self) -> np.ndarray:
        """Cells that read under both marks to different numbers."""
        a, b = self.values["."], self.values[","]
        return self.ok["."] & self.ok[","] & ~((a == b) | (np.isnan(a) & np.isnan(b)))

    def contains(self, mark: str) -> np.ndarray:
        """Cells whose text contains ``mark``."""
        found = np.append(np.strings.find(self.distinct, mark) >= 0, False)
        return found[self.codes]  # code −1 → the appended False

    @property
    def uses_marks(self) -> bool:
        """Whether any cell contains a point or a comma."""
        return bool(self.contains(".").any() or self.contains(",").any())

    def example(self, mask: np.ndarray) -> str:
        """The text of the first cell in ``mask``."""
        return str(self.distinct[self.codes[int(np.argmax(mask))]])


def _read_both(cell: str) -> tuple[float, float]:
    """The number ``cell`` reads as with a decimal point and with a decimal comma (NaN: does not read)."""
    if cell.isascii() and cell.isdigit():
        v = float(cell)
        return v, v
    if _INFINITY.fullmatch(cell):
        v = -np.inf if cell.startswith("-") else np.inf
        return v, v
    dot = float(cell.replace(",", "")) if _PATTERNS["."].fullmatch(cell) else np.nan
    comma = float(cell.replace(".", "").replace(",", ".")) if _PATTERNS[","].fullmatch(cell) else np.nan
    return dot, comma


def _read_distinct(cells: np.ndarray) -> np.ndarray:
    """(n, 2) array: each distinct cell read with a decimal point and with a decimal comma.

    Plain cells — no comma, no exponent, at most one point, that pandas' C parser reads as a finite number
    (its grammar there is exactly the patterns') — are read vectorised: the point reading is that number;
    the comma reading is the same number without a point, or the digits without the point when they form a
    thousands group (``1.234`` → 1234), else nothing. Every other cell goes through :func:`_read_both`.
    """
    out = np.full((len(cells), 2), np.nan)
    if not len(cells):
        return out
    value = pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce").to_numpy(dtype=float)
    dots = np.strings.count(cells, ".")
    plain = (np.isfinite(value) & (dots <= 1) & (np.strings.find(cells, ",") < 0)
             & (np.strings.find(cells, "e") < 0) & (np.strings.find(cells, "E") < 0))
    signed = np.strings.startswith(cells, "-") | np.strings.startswith(cells, "+")
    whole = np.strings.find(cells, ".") - signed  # digits before the point
    grouped = plain & (dots == 1) & (np.strings.str_len(cells) - np.strings.find(cells, ".") - 1 == 3) & (whole >= 1) & (whole <= 3)
    out[plain, 0] = value[plain]
    out[plain & (dots == 0), 1] = value[plain & (dots == 0)]
    if grouped.any():
        digits = np.strings.replace(cells[grouped], ".", "")
        out[grouped, 1] = pd.to_numeric(pd.Series(digits), errors="coerce").to_numpy(float)
    rest = np.flatnonzero(~plain & (cells != ""))
    if len(rest):
        out[rest] = np.array([_read_both(str(t)) for t in cells[rest]], dtype=float).reshape(-1, 2)
    return out


def cell_forms(cells: pd.Series) -> CellForms:
    """Read a column of cells (strings, or numbers already typed — e.g. from a workbook) both ways.

    Each distinct text is read once (:func:`_read_distinct`).
    """
    if cells.dtype == object:
        is_number = cells.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool)).to_numpy(bool)
    else:
        is_number = np.zeros(len(cells), dtype=bool)
    codes, distinct = pd.factorize(cells.where(~is_number) if is_number.any() else cells)
    distinct = np.strings.strip(np.asarray(distinct, dtype=str))
    missing_distinct = np.append(np.isin(distinct, MISSING_MARKS), True)
    missing = missing_distinct[codes] & ~is_number  # code −1 (empty cell) → the appended True
    both = np.vstack([_read_distinct(distinct), [np.nan, np.nan]])
    both[:-1][missing_distinct[:-1]] = np.nan
    typed = pd.to_numeric(cells.where(is_number), errors="coerce").to_numpy(dtype=float)
    ok: dict[str, np.ndarray] = {}
    values: dict[str, np.ndarray] = {}
    for k, mark in enumerate(DECIMAL_MARKS):
        v = both[codes, k]
        v[is_number] = typed[is_number]
        values[mark] = v
        ok[mark] = ~np.isnan(v)
    return CellForms(codes=np.where(is_number, -1, codes), distinct=distinct, missing=missing, ok=ok, values=values)


@dataclass(frozen=True)
class DecimalChoice:
    """The decimal mark a file is read with, and why (a sentence for ``check-data``)."""

    mark: str
    reason: str

    @property
    def name(self) -> str:
        return "decimal point" if self.mark == "." else "decimal comma"


def _describe(mark: str) -> str:
    return "decimal point '.'" if mark == "." else "decimal comma ','"


HOW_TO_DECLARE = ("declare it with --decimal . or --decimal , (or decimal_mark in the panel's sidecar "
                  "<file>.meta.yaml)")


def decimal_mark(columns: dict[str, CellForms], separator: str | None, declared: str | None, source: str,
                 declared_by: str = "--decimal") -> DecimalChoice:
    """Choose the decimal mark of a file from its value columns (see the module docstring).

    Parameters
    ----------
    columns : column name → :func:`cell_forms` of its cells (value columns only, not the keys).
    separator : the file's field separator (``,``, ``;``, tab) or None for a workbook.
    declared : ``.`` or ``,`` when the user declared the mark, else None.
    source : the file, for messages.
    declared_by : where the declaration came from, for messages.

    Raises
    ------
    DataError
        Cells settle the file both ways; or, with no settling cell, a cell is ambiguous under the
        separator's default.
    """
    if declared is not None:
        if declared not in DECIMAL_MARKS:
            raise DataError(f"{source}: decimal mark {declared!r} ({declared_by}) must be '.' or ','")
        return DecimalChoice(declared, f"{_describe(declared)} as declared ({declared_by})")
    settled = {mark: [(c, f.example(f.only(mark))) for c, f in columns.items() if f.only(mark).any()]
               for mark in DECIMAL_MARKS}
    if settled["."] and settled[","]:
        (cp, ep), (cc, ec) = settled["."][0], settled[","][0]
        where = f"column {cp!r} has {ep!r}" + (" and " if cp == cc else f" but column {cc!r} has ") + f"{ec!r}"
        raise DataError(
            f"{source}: mixed decimal marks: {where} — the first only reads with a decimal point, the second only "
            f"with a decimal comma; write every number the same way, or {HOW_TO_DECLARE} and fix the cells it refuses"
        )
    for mark in DECIMAL_MARKS:
        if settled[mark]:
            col, eg = settled[mark][0]
            return DecimalChoice(mark, f"{_describe(mark)}, from cells such as {eg!r} in column {col!r}")
    default = SEPARATOR_DEFAULT[separator]
    for col, forms in columns.items():
        amb = forms.ambiguous
        if default is not None:
            amb = amb & ~forms.contains(default)
        if amb.any():
            eg = forms.example(amb)
            a, b = forms.values["."][int(np.argmax(amb))], forms.values[","][int(np.argmax(amb))]
            raise DataError(
                f"{source}: column {col!r} is ambiguous: {eg!r} reads as {a:g} with a decimal point and as {b:g} "
                f"with a decimal comma, and no cell in the file settles which ({SEPARATOR_NAMES[separator]}); "
                + HOW_TO_DECLARE
            )
    if default is None:
        return DecimalChoice(".", "decimal point '.' (no cell uses a separator that could be read two ways)")
    return DecimalChoice(default, f"{_describe(default)}, the default for a {SEPARATOR_NAMES[separator]} file")


def parse_numbers(forms: CellForms, mark: str) -> tuple[np.ndarray, np.ndarray]:
    """(numbers, mask of filled cells that are not a number under ``mark``); missing cells are NaN."""
    values = np.where(forms.ok[mark], forms.values[mark], np.nan)
    bad = ~forms.missing & ~forms.ok[mark]
    return values, bad
