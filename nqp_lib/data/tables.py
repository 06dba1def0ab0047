"""The project's own small tables in ``data/`` (economies, series, claims), read and checked like a source.

A table is described by a Frictionless-style schema written next to the code that uses it. Besides what
:func:`nqp_lib.data.package.validate_frame` checks (columns, types, required cells, ranges, unique key),
a field may carry ``enum`` (allowed values) or ``pattern`` (a regular expression the whole cell must match).
Every error names the file, the row (1-based, counting the header as row 1) and the column.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from nqp_lib.data.package import _row_label, validate_frame
from nqp_lib.errors import DataError


def cell_error(source: str | Path, frame: pd.DataFrame, idx: Any, column: str, message: str,
               key: tuple[str, ...] = ("id",)) -> DataError:
    """A :class:`DataError` naming file, row (with its key) and column."""
    return DataError(f"{source}: {_row_label(frame, idx, list(key))}, column {column!r}: {message}")


def read_table(path: Path, schema: dict[str, Any]) -> pd.DataFrame:
    """Read a UTF-8 CSV of the project and validate it against ``schema``; empty cells become ``<NA>``."""
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: cannot read as CSV ({type(exc).__name__}: {exc})") from None
    raw = raw.apply(lambda col: col.str.strip())
    frame = validate_frame(raw, schema, str(path))
    key = tuple(schema.get("primaryKey", []))
    for fld in schema["fields"]:
        name, cons = fld["name"], fld.get("constraints", {})
        col = frame[name]
        if "enum" in cons:
            bad = col.notna() & ~col.astype(object).isin(cons["enum"])
            if bad.any():
                idx = bad.idxmax()
                allowed = ", ".join(repr(v) for v in cons["enum"])
                raise cell_error(path, frame, idx, name, f"{col[idx]!r} is not one of {allowed}", key)
        if "pattern" in cons:
            rx = re.compile(cons["pattern"])
            bad = col.notna() & ~col.astype(object).map(lambda v: bool(rx.fullmatch(str(v))))
            if bad.any():
                idx = bad.idxmax()
                raise cell_error(path, frame, idx, name, f"{col[idx]!r} does not match {cons['pattern']}", key)
    return frame


def text_field(name: str, required: bool = False, **constraints: Any) -> dict[str, Any]:
    cons = dict(constraints)
    if required:
        cons["required"] = True
    return {"name": name, "type": "string", "constraints": cons}


def number_field(name: str, unit: str, required: bool = False, integer: bool = False, **constraints: Any) -> dict[str, Any]:
    cons = dict(constraints)
    if required:
        cons["required"] = True
    return {"name": name, "type": "integer" if integer else "number", "unit": unit, "constraints": cons}


def split_list(value: Any, sep: str = ";") -> tuple[str, ...]:
    """``"a; b"`` → ``("a", "b")``; an empty cell → ``()``."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ()
    return tuple(p.strip() for p in str(value).split(sep) if p.strip())


def optional(value: Any) -> Any:
    """A cell's value, or ``None`` for an empty cell."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    return value
