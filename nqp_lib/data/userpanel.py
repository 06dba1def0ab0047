"""Read a user's own panel: CSV (UTF-8, UTF-8 with BOM, GBK) or XLSX, wide or long.

Wide
    one row per unit-year: a unit column, a year column, one column per variable.
Long
    one row per unit-year-variable: a unit column, a year column, an indicator column and a value column.

Key columns are recognised by name (case-insensitive): unit — ``unit``, ``province``, ``region``, ``city``,
``county``, ``country``, ``economy``, ``name``, ``省份``, ``省``, ``地区``, ``城市``, ``县``, ``国家`` (the column's
name also tells what the units are, :mod:`nqp_lib.data.unitkind`); year — ``year``, ``年份``, ``年``; long-format
indicator — ``indicator``, ``variable``, ``指标``, ``变量``; value — ``value``, ``值``, ``数值``.

The file is opened through :mod:`nqp_lib.data.rawfile` (a regular file of bounded size, decoded strictly in
one encoding) and numbers written as text are read through :mod:`nqp_lib.data.numbers` (one decimal mark
per file, declared or settled by the cells; ambiguous files are refused). A CSV row with more fields than
the header is refused with its line.

If most unit names are Chinese provinces (in any spelling :func:`~nqp_lib.data.regions.canonical_province`
understands), every unit must be one, and all are rewritten to the short Chinese name so that regions and
contiguity join. Otherwise units are taken as they are (cities, counties, countries …).

:func:`read_panel` collects every problem it finds in the values and raises one :class:`DataError` listing
them, each naming the file, column and row.
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib.data.package import Provenance
from nqp_lib.data.panel import ColumnInfo, Panel, column_catalogue, provincial_panel
from nqp_lib.data.panelmeta import PanelMeta, describe_panel, read_sidecar, sidecar_for
from nqp_lib.data.numbers import DECIMAL_MARKS, CellForms, DecimalChoice, cell_forms, decimal_mark, parse_numbers
from nqp_lib.data.rawfile import check_workbook_size, decode_text, read_bytes
from nqp_lib.data.regions import canonical_province
from nqp_lib.data.unitkind import kind_from_column
from nqp_lib.errors import DataError
from nqp_lib.io import sha256_bytes

UNIT_NAMES = ("unit", "province", "region", "city", "county", "country", "economy", "name", "省份", "省", "地区", "城市",
              "省区市", "县", "区县", "国家", "经济体")
YEAR_NAMES = ("year", "年份", "年")
INDICATOR_NAMES = ("indicator", "variable", "指标", "变量")
VALUE_NAMES = ("value", "值", "数值")
YEAR_RANGE = (1949, 2030)
MAX_LISTED = 8


@dataclass
class RawTable:
    """A file read into strings, with how it was read."""

    frame: pd.DataFrame
    path: Path
    encoding: str
    sha256: str
    separator: str | None = ","  # None for a workbook


@dataclass
class PanelProblems:
    """Problems found while reading; raised together as one :class:`DataError`."""

    source: str
    errors: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.errors.append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            shown = self.errors[:20]
            more = f"\n  … and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
            raise DataError(
                f"{self.source}: {len(self.errors)} problem(s):\n" + "\n".join(f"  - {e}" for e in shown) + more
            )


def _check_header(names: list[str], p: Path) -> None:
    """Every column needs its own name — also ignoring case, which would make key columns ambiguous."""
    named = [str(h).strip() for h in names]
    if "" in named:
        raise DataError(f"{p}: repeated or empty column header: an empty name at position {named.index('') + 1}; "
                        "every column needs its own name")
    lower = [h.lower() for h in named]
    repeated = sorted({h for h in named if lower.count(h.lower()) > 1})
    if repeated:
        raise DataError(f"{p}: repeated or empty column header: repeated {repeated} (names are compared ignoring "
                        "case); every column needs its own name")


def _delimiter(header_line: str) -> str:
    """Comma unless the header clearly uses semicolons or tabs (common in exports from European Excel)."""
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _workbook_cell(v: object) -> object:
    """Numbers stay numbers (a workbook types them, so no decimal mark applies); the rest becomes text."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v
    return str(v)


def _read_csv_text(text: str, sep: str, width: int, p: Path) -> pd.DataFrame:
    """Every cell as a string; a row with more fields than the header is refused with its line (pandas
    would otherwise take the first column as an index and shift every value one column to the left)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return pd.read_csv(io.StringIO(text), dtype=str, skipinitialspace=True, sep=sep, skip_blank_lines=False,
                               index_col=False)
        except pd.errors.EmptyDataError:
            raise DataError(f"{p}: no columns found; expected a header row such as 'unit,year,<indicators>'") from None
        except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
            for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=sep), start=1):
                if len(row) > width:
                    hint = (" (numbers with a decimal comma in a comma-separated file? quote them, or separate "
                            "fields with ';')") if sep == "," else ""
                    raise DataError(f"{p}: line {number} has {len(row)} fields but the header has {width}{hint}") from None
            raise DataError(f"{p}: malformed CSV ({exc})") from None


def read_table(path: str | Path, sheet: str | int = 0) -> RawTable:
    """Read a CSV or XLSX file into a frame of strings (no type guessing yet).

    The frame gets a ``_line`` column: the row's line in the file (CSV) or row number in the sheet (XLSX),
    header = 1, so every message can point at the place to fix. Fully blank rows are dropped.
    """
    p = Path(path)
    data = read_bytes(p)
    digest = sha256_bytes(data)
    if not data.strip() or data.strip() == b"\xef\xbb\xbf":
        raise DataError(f"{p}: the file is empty; expected a header row and data rows")
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        check_workbook_size(data, p)
        try:
            header = pd.read_excel(io.BytesIO(data), sheet_name=sheet, header=None, nrows=1, dtype=object, engine="openpyxl")
            frame = pd.read_excel(io.BytesIO(data), sheet_name=sheet, dtype=object, engine="openpyxl")
        except ValueError as exc:
            raise DataError(f"{p}: cannot read sheet {sheet!r}: {exc}") from None
        except Exception as exc:  # openpyxl raises several unrelated types on a corrupt file
            raise DataError(f"{p}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
        if header.empty:
            raise DataError(f"{p}: sheet {sheet!r} is empty; expected a header row and data rows")
        _check_header(["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in header.iloc[0]], p)
        frame = frame.map(_workbook_cell)
        encoding, sep = "XLSX", None
    elif suffix in (".xls",):
        raise DataError(f"{p}: old .xls workbooks are not supported; save as .xlsx or CSV (UTF-8)")
    else:
        text, encoding = decode_text(data, p)
        first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
        sep = _delimiter(first_line)
        header = next(csv.reader(io.StringIO(first_line), delimiter=sep), [])
        _check_header(header, p)
        frame = _read_csv_text(text, sep, len(header), p)
        if sep != ",":
            encoding += {";": ", semicolon-separated", "\t": ", tab-separated"}[sep]
    frame.columns = [str(c).strip() for c in frame.columns]
    frame["_line"] = np.arange(len(frame)) + 2
    frame = frame[frame.drop(columns="_line").notna().any(axis=1)].reset_index(drop=True)
    if frame.empty:
        raise DataError(f"{p}: has a header ({', '.join(c for c in frame.columns[:8] if c != '_line')}) but no data rows")
    return RawTable(frame=frame, path=p, encoding=encoding, sha256=digest, separator=sep)


def _find(columns: list[str], names: tuple[str, ...], given: str | None, what: str, path: Path) -> str:
    if given is not None:
        if given not in columns:
            raise DataError(f"{path}: {what} column {given!r} not found; columns are {columns}")
        return given
    lower = {c.lower(): c for c in columns}
    for n in names:
        if n.lower() in lower:
            return lower[n.lower()]
    hint = " (the file may use another separator or a header on a later row)" if len(columns) == 1 else ""
    raise DataError(
        f"{path}: no {what} column; name one of {', '.join(names)} (columns found: {', '.join(columns[:12])}){hint}"
    )


def _unit_among_candidates(f: pd.DataFrame, cols: list[str], found: str, given: str | None) -> str:
    """When several columns have unit-like names (``city`` and ``province`` in a city panel), the key is the
    one with the most distinct values; the others describe the units (groupings)."""
    if given is not None:
        return found
    lower = {n.lower() for n in UNIT_NAMES}
    candidates = [c for c in cols if c.lower() in lower]
    if len(candidates) < 2:
        return found
    return max(candidates, key=lambda c: (f[c].nunique(), c == found))


def _decimal(forms: dict[str, CellForms], raw: RawTable, declared: str | None, declared_by: str,
             notes: list[str]) -> str:
    """The file's decimal mark (see :mod:`nqp_lib.data.numbers`), noted when any cell uses a separator."""
    choice: DecimalChoice = decimal_mark(forms, raw.separator, declared, str(raw.path), declared_by)
    if declared is not None or any(f.uses_marks for f in forms.values()):
        notes.append(f"numbers read with a {choice.reason}")
    return choice.mark


def _with(mark: str) -> str:
    return " with a decimal comma" if mark == "," else ""


def read_panel(
    path: str | Path,
    unit_col: str | None = None,
    year_col: str | None = None,
    columns: list[str] | None = None,
    sheet: str | int = 0,
    decimal: str | None = None,
    decimal_declared_by: str = "--decimal",
    meta: str | Path | None = None,
) -> Panel:
    """Read and validate a user panel file.

    Parameters
    ----------
    path : path to a CSV (UTF-8, UTF-8 with BOM or GBK; comma, semicolon or tab) or XLSX file, wide or long.
    unit_col, year_col : override the recognised key column names.
    columns : variables that must be numeric (e.g. the columns an indicator system reads). Default: every
        non-key column. Other columns are dropped with a note.
    sheet : XLSX sheet name or index.
    decimal : ``"."`` or ``","`` to declare the decimal mark of numbers written as text; default: chosen from
        the cells and the separator as :mod:`nqp_lib.data.numbers` describes (an ambiguous file is refused).
    decimal_declared_by : where ``decimal`` came from (an option, a sidecar key), for messages.
    meta : the panel's metadata file (:mod:`nqp_lib.data.panelmeta`); default ``<stem>.meta.yaml`` beside the
        panel when it exists, else everything is inferred (and the notes say what).

    Text columns (no numbers in them) and the columns the metadata names as groupings or display names are
    kept as descriptions of the units (:attr:`Panel.meta`), not indicators.

    Raises
    ------
    DataError
        Listing every problem with its line in the file: missing key columns, empty keys, non-integer or
        out-of-range years, duplicate unit-years, text or infinity where a number belongs, unknown provinces,
        missing required columns.
    """
    sidecar = Path(meta) if meta else sidecar_for(path)
    described = read_sidecar(sidecar) if sidecar else {}
    if unit_col is None and described.get("key"):
        unit_col = str(described["key"])
    raw = read_table(path, sheet)
    src = str(raw.path)
    f = raw.frame
    cols = [c for c in f.columns if c != "_line"]
    u = _find(cols, UNIT_NAMES, unit_col, "unit", raw.path)
    y = _find(cols, YEAR_NAMES, year_col, "year", raw.path)
    unit_choice = _unit_among_candidates(f, cols, u, unit_col)
    lower = {c.lower() for c in cols}
    layout = "long" if any(n.lower() in lower for n in INDICATOR_NAMES) and any(n.lower() in lower for n in VALUE_NAMES) else "wide"
    problems = PanelProblems(src)
    notes: list[str] = [f"read as {layout} {raw.encoding}"]
    if unit_choice != u:
        notes.append(f"unit column {unit_choice!r} chosen over {u!r} (it has the most distinct values; "
                     "name another with --unit)")
        u = unit_choice
    line = f["_line"].to_numpy()

    # keys, with the file's line numbers
    unit = f[u].astype("string").str.strip()
    for i in np.flatnonzero((unit.isna() | (unit == "")).to_numpy())[:MAX_LISTED]:
        problems.add(f"line {line[i]}: empty unit name")
    year_num = pd.to_numeric(f[y].astype("string").str.strip(), errors="coerce")
    bad_year = year_num.isna() | (year_num != np.round(year_num))
    for i in np.flatnonzero(bad_year.to_numpy())[:MAX_LISTED]:
        problems.add(f"line {line[i]}: year {f[y].iat[i]!r} is not a whole number")
    out_range = ~bad_year & ((year_num < YEAR_RANGE[0]) | (year_num > YEAR_RANGE[1]))
    for i in np.flatnonzero(out_range.to_numpy())[:MAX_LISTED]:
        problems.add(f"line {line[i]}: year {int(year_num.iat[i])} is out of range {YEAR_RANGE[0]}–{YEAR_RANGE[1]}")
    problems.raise_if_any()
    f = f.assign(unit=unit.astype(str), year=year_num.astype(int))

    # provinces: all or none
    kind = kind_from_column(u)
    distinct = f["unit"].drop_duplicates()
    known = distinct.map(canonical_province).notna()
    if known.mean() >= 0.5:
        unknown = distinct[~known].tolist()
        if unknown:
            problems.add(
                f"column {u!r}: unknown province name(s) {unknown[:MAX_LISTED]}; use short or full Chinese names "
                "(北京, 内蒙古自治区), English names (Inner Mongolia) or GB/T 2260 codes, as in data/regions.csv"
            )
        else:
            f["unit"] = f["unit"].map(canonical_province).astype(str)
            notes.append("units recognised as provinces and written as short Chinese names")
            kind = "province"
    problems.raise_if_any()

    if layout == "long":
        ind = _find(cols, INDICATOR_NAMES, None, "indicator", raw.path)
        val = _find(cols, VALUE_NAMES, None, "value", raw.path)
        name = f[ind].astype("string").str.strip()
        for i in np.flatnonzero((name.isna() | (name == "")).to_numpy())[:MAX_LISTED]:
            problems.add(f"line {line[i]}: column {ind!r} is empty")
        problems.raise_if_any()
        f = f.assign(indicator=name.astype(str))
        dup = f.duplicated(["unit", "year", "indicator"], keep=False)
        if dup.any():
            i = int(np.argmax(dup.to_numpy()))
            r = f.iloc[i]
            problems.add(
                f"duplicate entries for unit {r['unit']!r}, year {int(r['year'])}, indicator {r['indicator']!r} "
                f"(first at line {line[i]}); each unit-year-indicator must appear once"
            )
        forms = {val: cell_forms(f[val])}
        mark = _decimal(forms, raw, decimal, decimal_declared_by, notes)
        num, bad = parse_numbers(forms[val], mark)
        for i in np.flatnonzero(bad)[:8]:
            problems.add(f"line {line[i]} ({f['unit'].iat[i]} {f['year'].iat[i]} {f['indicator'].iat[i]}): "
                         f"{f[val].iat[i]!r} is not a number{_with(mark)}")
        for i in np.flatnonzero(np.isinf(num))[:8]:
            problems.add(f"line {line[i]} ({f['unit'].iat[i]} {f['year'].iat[i]} {f['indicator'].iat[i]}): infinite value")
        problems.raise_if_any()
        wide = f.assign(value=num).pivot(index=["unit", "year"], columns="indicator", values="value").reset_index()
        wide.columns.name = None
        lines = f.groupby(["unit", "year"])["_line"].min()
        wide["_line"] = lines.reindex(pd.MultiIndex.from_frame(wide[["unit", "year"]])).to_numpy()
        variables = [c for c in wide.columns if c not in ("unit", "year", "_line")]
        described_cols = [c for c in cols if c not in (u, y, ind, val)]
        text = f[["unit", "year", *described_cols]].drop_duplicates(["unit", "year"])
    else:
        other = [c for c in cols if c not in (u, y)]
        if not other:
            raise DataError(f"{src}: only key columns ({u}, {y}); add at least one indicator column")
        wide = f[["unit", "year", "_line", *other]]
        forms = {c: cell_forms(wide[c]) for c in other}
        named = _named_columns(described)
        described_cols = [c for c in other if c in named or (_is_text(forms[c]) and c not in (columns or ()))]
        variables = [c for c in other if c not in described_cols]
        if not variables:
            raise DataError(f"{src}: no numeric indicator columns; expected columns of numbers besides unit and year"
                            f"{' and the text columns ' + ', '.join(described_cols) if described_cols else ''}")
        forms = {c: forms[c] for c in variables}
        text = wide[["unit", "year", *described_cols]]
        mark = _decimal(forms, raw, decimal, decimal_declared_by, notes)

    dup = wide.duplicated(["unit", "year"], keep=False)
    if dup.any():
        idx = np.flatnonzero(dup.to_numpy())
        first = wide.iloc[idx[0]]
        problems.add(
            f"{int(dup.sum())} rows repeat a unit-year, e.g. {first['unit']} {first['year']} "
            f"(lines {', '.join(str(wide['_line'].iat[i]) for i in idx[:4])}); each unit-year must appear once"
        )
    problems.raise_if_any()

    # values
    if columns is not None:
        absent = [c for c in columns if c not in variables]
        if absent:
            problems.add(f"column(s) {absent} are needed but not in the file (it has {variables[:15]})")
        dropped = [c for c in variables if c not in columns]
        if dropped:
            notes.append(f"columns not used and dropped: {dropped}")
        variables = [c for c in variables if c in columns]
    out = wide[["unit", "year"]].copy()
    wline = wide["_line"].to_numpy()
    for col in variables:  # validate every column, then raise all problems at once
        if layout == "long":
            out[col] = wide[col].to_numpy(dtype=float)
            continue
        arr, bad = parse_numbers(forms[col], mark)
        if columns is None and np.isnan(arr).all() and bad.any():
            notes.append(f"text column {col!r} dropped (no numbers in it)")
            continue
        for i in np.flatnonzero(bad)[:3]:
            problems.add(f"column {col!r}, line {wline[i]} ({out['unit'].iat[i]} {out['year'].iat[i]}): "
                         f"{wide[col].iat[i]!r} is not a number{_with(mark)}")
        for i in np.flatnonzero(np.isinf(arr))[:3]:
            problems.add(f"column {col!r}, line {wline[i]} ({out['unit'].iat[i]} {out['year'].iat[i]}): infinite value")
        if np.isnan(arr).all() and not bad.any():
            notes.append(f"column {col!r} is entirely empty")
        out[col] = arr
    problems.raise_if_any()
    variables = [c for c in variables if c in out.columns]
    if not variables:
        raise DataError(f"{src}: no numeric indicator columns; expected columns of numbers besides unit and year")

    out = out.sort_values(["unit", "year"], kind="stable").reset_index(drop=True)
    description, _ = describe_panel(text, list(dict.fromkeys(out["unit"])), kind, u, sidecar, described)
    cat = column_catalogue()
    info = {c: cat.get(c, ColumnInfo(c, "", c, c, "user", src)) for c in variables}
    prov = Provenance(
        resource="user_panel",
        title=f"user panel {raw.path.name}",
        path=str(raw.path),
        sha256=raw.sha256,
        rows=len(out),
        origin="supplied by the user",
        citation=description.citation,
        mirror="",
        licence=description.licence,
    )
    return Panel(frame=out, columns=info, provenance=[prov], name=str(raw.path), notes=notes,
                 unit_kind=description.unit_kind, meta=description)


def _named_columns(described: dict[str, Any]) -> set[str]:
    """Columns a sidecar names as groupings or display names (kept as descriptions, not indicators)."""
    named = set()
    for entry in described.get("groupings") or []:
        if isinstance(entry, dict) and "column" in entry:
            named.add(str(entry["column"]))
        elif isinstance(entry, str):
            named.add(entry)
    cols = described.get("name_columns")
    if isinstance(cols, dict):
        named |= {str(v) for v in cols.values()}
    return named


def _is_text(forms: CellForms) -> bool:
    """A column with values and not one number among them (names, groups, codes written as words)."""
    for mark in DECIMAL_MARKS:
        arr, bad = parse_numbers(forms, mark)
        if not (bad.any() and np.isnan(arr).all()):
            return False
    return True


def add_meta_option(parser: Any) -> None:
    """``--meta PATH``: the panel's metadata file (default: ``<panel>.meta.yaml`` beside it, if any)."""
    parser.add_argument(
        "--meta", default=None, metavar="PATH",
        help="the panel's metadata file (unit kind, names, groupings, citation, licence, weights); default: "
             "<panel stem>.meta.yaml beside the panel when it exists, else inferred",
    )


def add_decimal_option(parser: Any) -> None:
    """``--decimal {.,,}``: the decimal mark of numbers in a CSV, for every command that reads a panel."""
    parser.add_argument(
        "--decimal", choices=DECIMAL_MARKS, default=None,
        help="decimal mark of numbers in the panel file: '.' or ','. Default: from the cells — '12,5' means a "
             "decimal comma, '12.5' a decimal point — else ',' in a ';'-separated file and '.' otherwise; an "
             "ambiguous file (e.g. '1,234' in a comma-separated file) is refused",
    )


#: the shipped panels, by name
SHIPPED = ("provincial", "international")


def open_panel(spec: str | Path, columns: list[str] | None = None, **read_options: Any) -> Panel:
    """``"provincial"`` → the shipped provincial panel; ``"international"`` → the shipped panel of G20 and
    OECD economies (:mod:`nqp_lib.data.worldpanel`); anything else → :func:`read_panel` on that path
    (``columns`` and ``read_options`` — unit_col, year_col, sheet, decimal, meta — apply to user files only)."""
    if str(spec) in ("provincial", "shipped"):
        return provincial_panel()
    if str(spec) == "international":
        from nqp_lib.data.worldpanel import international_panel

        return international_panel()
    read_options = {k: v for k, v in read_options.items() if v is not None or k not in ("meta", "unit_col")}
    return read_panel(spec, columns=columns, **read_options)
