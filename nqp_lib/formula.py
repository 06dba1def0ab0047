"""The formula language: arithmetic over named columns, evaluated without ``eval``.

One language for every place nqp computes a value from others: an indicator system's ``formula:``
(:mod:`nqp_lib.systems`), a derived column of a panel description (``data/panels/*.yaml``,
:mod:`nqp_lib.data.panelspec`) and a derived national or international series (``data/series.csv``).
Both the data layer and the systems layer import it; it imports neither.

Grammar: column names, numbers, ``+ - * / **``, unary ``-``/``+``, parentheses and the functions
``log`` (natural), ``sqrt`` and ``abs``, each of one argument. The expression is parsed with :mod:`ast`
and every node is checked against that whitelist (no attribute access, subscripts, calls of anything
else), so a formula cannot run code.

Bounds (each refusal names the limit): at most :data:`MAX_CHARS` characters, :data:`MAX_TERMS` terms
(names and numbers) and :data:`MAX_DEPTH` nested operations — a formula past them is a mistake or an
attack, and an unbounded one would exhaust the interpreter's recursion (``RecursionError``).

Values: a missing source cell gives a missing result; ``x / 0`` gives ``inf`` (callers report it).
A value outside a function's domain — ``log`` of a value ≤ 0, ``sqrt`` of a value < 0, a power or
quotient that is undefined (``(-8) ** 0.5``, ``0 / 0``) — raises :class:`~nqp_lib.errors.DataError`
naming the formula, the first unit-year concerned and the source values there. It never becomes a
silent missing value, which a later step could "impute" although the source value existed.
"""

from __future__ import annotations

import ast
import difflib
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib.errors import DataError, NqpError, SystemDefinitionError

#: Longest formula text accepted (characters).
MAX_CHARS = 20_000
#: Most terms (column names and numbers) in one formula.
MAX_TERMS = 200
#: Deepest nesting of operations (each +, *, function call … adds one level along a path).
MAX_DEPTH = 100

BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}

#: name → (function, domain test returning True where the argument is invalid, the domain in words)
FUNCTIONS: dict[str, tuple[Callable[[Any], Any], Callable[[np.ndarray], np.ndarray] | None, str]] = {
    "log": (np.log, lambda x: x <= 0, "values > 0"),
    "sqrt": (np.sqrt, lambda x: x < 0, "values ≥ 0"),
    "abs": (np.abs, None, "any value"),
}
_OP_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_ALLOWED_HELP = "use column names, numbers, + - * / **, log(), sqrt(), abs()"


class FormulaError(ValueError):
    """A formula is not valid in the formula language (message without the formula's owner)."""


def parse(formula: str) -> ast.Expression:
    """Parse and check ``formula``; raise :class:`FormulaError` naming what is not allowed or too large."""
    if not isinstance(formula, str):
        raise FormulaError(f"a formula must be text, got {type(formula).__name__}")
    if len(formula) > MAX_CHARS:
        raise FormulaError(f"it has {len(formula):,} characters; the limit is {MAX_CHARS:,}")
    try:
        tree = ast.parse(formula, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"not a valid expression ({exc.msg})") from None
    except (RecursionError, MemoryError):
        raise FormulaError(f"it is nested too deeply to parse; the limit is {MAX_DEPTH} nested operations") from None
    terms, depth = 0, 0
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, level = stack.pop()
        _check_node(node)
        if isinstance(node, (ast.Name, ast.Constant)):
            terms += 1
            continue
        depth = max(depth, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node)
                     if not isinstance(child, (ast.operator, ast.unaryop, ast.expr_context)))
    if terms > MAX_TERMS:
        raise FormulaError(f"it has {terms:,} terms (column names and numbers); the limit is {MAX_TERMS}")
    if depth > MAX_DEPTH:
        raise FormulaError(f"it nests operations {depth:,} deep; the limit is {MAX_DEPTH}")
    return tree


def _check_node(node: ast.AST) -> None:
    if isinstance(node, ast.Name):
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        try:
            finite = math.isfinite(float(node.value))
        except OverflowError:  # an int beyond float range
            finite = False
        if not finite:
            raise FormulaError(f"the number {node.value!r} is too large")
        return
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        return
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
        if len(node.args) != 1 or node.keywords:
            raise FormulaError(f"{node.func.id}() takes exactly one argument")
        return
    raise FormulaError(f"{type(node).__name__} is not allowed; {_ALLOWED_HELP}")


def check(formula: str) -> None:
    """Raise :class:`FormulaError` unless ``formula`` is a valid formula within the bounds."""
    parse(formula)


def names(formula: str) -> set[str]:
    """The column names ``formula`` reads (function names excluded); empty when it does not parse."""
    try:
        tree = parse(formula)
    except FormulaError:
        return set()
    return _names(tree)


def _names(tree: ast.AST) -> set[str]:
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called}


def shown(formula: str, limit: int = 80) -> str:
    """``formula`` quoted for a message, shortened to about ``limit`` characters."""
    text = formula if len(formula) <= limit else f"{formula[:limit - 20]} … {formula[-15:]}"
    return repr(text)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` with the closest names of ``known`` (:mod:`difflib`), or ``""``."""
    close = difflib.get_close_matches(name, [str(k) for k in known], n=3, cutoff=0.6)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def _row_label(frame: pd.DataFrame | Mapping[str, Any]) -> Callable[[int], str]:
    keys = [k for k in ("unit", "economy", "year") if k in frame]
    if not keys:
        return lambda i: f"row {i + 1}"
    cols = {k: np.asarray(frame[k]) for k in keys}
    return lambda i: ", ".join(f"{k} {c[i]}" for k, c in cols.items())


def evaluate(
    formula: str,
    frame: pd.DataFrame | Mapping[str, Any],
    label: str = "formula",
    row_label: Callable[[int], str] | None = None,
    error: type[NqpError] = SystemDefinitionError,
) -> np.ndarray:
    """Evaluate ``formula`` over the columns of ``frame``, vectorised; one float per row.

    Parameters
    ----------
    formula : str
        An expression of the formula language (module docstring).
    frame : DataFrame or mapping of name → array
        The columns the formula reads (non-numeric cells count as missing).
    label : str
        Who owns the formula, for messages (e.g. ``"data/systems/x.yaml: indicator 'gdp'"``).
    row_label : callable, optional
        Row position → words naming the row (default: its ``unit`` and ``year`` when the frame has them).
    error : NqpError subclass
        Raised, with ``label``, for an invalid formula or an unknown column; default
        :class:`~nqp_lib.errors.SystemDefinitionError`.

    Raises
    ------
    DataError
        A function or operation is undefined for a row's values (log of a value ≤ 0, sqrt of a
        negative, ``(-8) ** 0.5``, ``0 / 0``): names the row, the operation and the source values.
    """
    try:
        tree = parse(formula)
    except FormulaError as exc:
        raise error(f"{label}: formula {shown(formula)}: {exc}") from None
    for name in sorted(_names(tree)):
        if name not in frame:
            raise error(f"{label}: formula {shown(formula)} uses unknown column {name!r}{did_you_mean(name, frame)}")
    columns = {n: pd.to_numeric(pd.Series(frame[n]), errors="coerce").to_numpy(dtype=float) for n in _names(tree)}
    n_rows = len(frame) if isinstance(frame, pd.DataFrame) else len(next(iter(frame.values()), []))

    def refuse(bad: np.ndarray, node: ast.AST, what: str) -> None:
        hits = np.flatnonzero(np.broadcast_to(bad, (n_rows,)))
        if not _names(node) or not hits.size:  # from the formula's numbers alone: wrong in every row
            raise DataError(f"{label}: formula {shown(formula)}: {what}, whatever the data")
        first = int(hits[0])
        where = (row_label or _row_label(frame))(first)
        sources = ", ".join(f"{n} = {columns[n][first]:g}" for n in sorted(_names(node)))
        more = f" (and {hits.size - 1} more rows)" if hits.size > 1 else ""
        raise DataError(f"{label}: formula {shown(formula)}: {what} at {where} ({sources}){more}; refused "
                        "rather than left missing, so that no later step imputes a value the source has")

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return np.float64(node.value)  # numpy arithmetic: 1/0 gives inf (reported), never ZeroDivisionError
        if isinstance(node, ast.Name):
            return columns[node.id]
        if isinstance(node, ast.UnaryOp):
            return UNARY[type(node.op)](ev(node.operand))
        if isinstance(node, ast.BinOp):
            left, right = ev(node.left), ev(node.right)
            out = BINARY[type(node.op)](left, right)
            undefined = np.isnan(out) & ~np.isnan(left) & ~np.isnan(right)
            if np.any(undefined):
                refuse(undefined, node, f"{ast.unparse(node)} is undefined ('{_OP_SYMBOL[type(node.op)]}' of these values)")
            return out
        func, invalid, domain = FUNCTIONS[node.func.id]  # type: ignore[attr-defined]
        arg = ev(node.args[0])  # type: ignore[attr-defined]
        if invalid is not None:
            bad = invalid(np.asarray(arg))
            if np.any(bad):
                refuse(bad, node, f"{ast.unparse(node)} needs {domain} but its argument is {_first(arg, bad):g}")
        return func(arg)

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result = ev(tree.body)
    return np.broadcast_to(np.asarray(result, dtype=float), (n_rows,)).copy()


def _first(values: Any, bad: np.ndarray) -> float:
    arr = np.broadcast_to(np.asarray(values, dtype=float), np.shape(bad) or (1,))
    return float(arr[np.flatnonzero(np.broadcast_to(bad, arr.shape))[0]])
