"""Arithmetic over the article's own figures and shipped data values, carried out on intervals.

A figure the article states is known only to its stated precision: "7.3%" may be anything the author
rounded or truncated to 7.3, so nqp reads it as the interval :math:`[7.3 - u, 7.3 + u]` with :math:`u` one
unit in its last stated digit (0.1 here); an approximate figure ("左右", "相当于") as ±5% of its value.
An expression over such figures is evaluated with interval arithmetic, so its result is the set of values
the stated figures allow; two figures are *consistent* when their intervals meet. This makes a check
independent of its direction: computing the multiple from the rate or the rate from the multiple gives the
same verdict.

Expressions are Python-like arithmetic (``+ - * / **``, numbers, parentheses) over claim ids and these
functions (strings in double quotes):

- ``cagr(ratio, years)`` — compound annual growth in percent, :math:`100((\\text{ratio})^{1/n} - 1)`;
- ``national("series", year)`` — a year's value of a national series (``nqp_lib.data.national``);
- ``national_growth("series", start, end)`` — its growth in percent (refused across a vintage break);
- ``country("series", "economy", year)`` — a value of an international series.

An expression cell may offer several readings, ``compound: expr | simple: expr``; the first is the
article's own reading and decides the outcome, the others are shown for contrast.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nqp_lib.data.units import fmt

FUNCTIONS = {"cagr": 2, "national": 2, "national_growth": 3, "country": 3}
_READING = re.compile(r"^\s*([a-z_]+)\s*:\s*(.+)$", re.S)


@dataclass(frozen=True)
class Interval:
    """A closed interval of real numbers (a point when ``lo == hi``)."""

    lo: float
    hi: float

    @classmethod
    def point(cls, x: float) -> Interval:
        return cls(float(x), float(x))

    @classmethod
    def around(cls, x: float, half_width: float) -> Interval:
        return cls(float(x) - half_width, float(x) + half_width)

    @property
    def mid(self) -> float:
        return (self.lo + self.hi) / 2.0

    def meets(self, other: Interval) -> bool:
        return self.lo <= other.hi and other.lo <= self.hi

    def __add__(self, o: Interval) -> Interval:
        return Interval(self.lo + o.lo, self.hi + o.hi)

    def __sub__(self, o: Interval) -> Interval:
        return Interval(self.lo - o.hi, self.hi - o.lo)

    def __mul__(self, o: Interval) -> Interval:
        c = (self.lo * o.lo, self.lo * o.hi, self.hi * o.lo, self.hi * o.hi)
        return Interval(min(c), max(c))

    def __truediv__(self, o: Interval) -> Interval:
        if o.lo <= 0.0 <= o.hi:
            raise ValueError("division by an interval containing zero")
        return self * Interval(1.0 / o.hi, 1.0 / o.lo)

    def __pow__(self, o: Interval) -> Interval:
        if self.lo <= 0:
            raise ValueError("powers are taken of positive quantities only")
        c = (self.lo ** o.lo, self.lo ** o.hi, self.hi ** o.lo, self.hi ** o.hi)
        return Interval(min(c), max(c))

    def __neg__(self) -> Interval:
        return Interval(-self.hi, -self.lo)

    def text(self) -> str:
        return fmt(self.lo) if self.lo == self.hi else f"[{fmt(self.lo)}, {fmt(self.hi)}]"


def cagr_interval(ratio: Interval, years: Interval) -> Interval:
    """Compound annual growth (%) over an interval ratio; increasing in the ratio, years exact."""
    if years.lo != years.hi or years.lo <= 0:
        raise ValueError("cagr(ratio, years): years must be a positive number")
    if ratio.lo <= 0:
        raise ValueError("cagr(ratio, years): the ratio must be positive")
    f = lambda r: 100.0 * (r ** (1.0 / years.lo) - 1.0)  # noqa: E731
    return Interval(f(ratio.lo), f(ratio.hi))


def split_readings(cell: str) -> list[tuple[str, str]]:
    """``"compound: a | simple: b"`` → ``[("compound", "a"), ("simple", "b")]``; a bare expression → ``[("as_stated", cell)]``."""
    parts = [p.strip() for p in cell.split("|")]
    if len(parts) == 1 and not _READING.match(parts[0]):
        return [("as_stated", parts[0])]
    out = []
    for p in parts:
        m = _READING.match(p)
        if not m:
            raise ValueError(f"reading {p!r} must be written 'name: expression'")
        out.append((m.group(1), m.group(2).strip()))
    return out


def check_expression(expr: str) -> tuple[set[str], list[tuple[str, tuple[Any, ...]]]]:
    """Parse ``expr``; return the names it uses and its function calls with their literal arguments.

    Raises ``ValueError`` for anything but arithmetic, numbers, names and the known functions called with
    literal (string or number) arguments.
    """
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"not a valid expression ({exc.msg})") from None
    names: set[str] = set()
    calls: list[tuple[str, tuple[Any, ...]]] = []

    def walk(node: ast.AST) -> None:
        if isinstance(node, ast.Expression):
            walk(node.body)
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            if not math.isfinite(float(node.value)):
                raise ValueError(f"the number {node.value!r} is not finite")
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)):
            walk(node.left)
            walk(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            walk(node.operand)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
            fn = node.func.id
            if len(node.args) != FUNCTIONS[fn] or node.keywords:
                raise ValueError(f"{fn}() takes {FUNCTIONS[fn]} arguments")
            if fn == "cagr":
                for arg in node.args:
                    walk(arg)
                calls.append((fn, ()))
                return
            lits = []
            for arg in node.args:
                if not isinstance(arg, ast.Constant) or isinstance(arg.value, bool):
                    raise ValueError(f"{fn}() takes literal arguments (\"series\", year)")
                lits.append(arg.value)
            calls.append((fn, tuple(lits)))
        else:
            raise ValueError(f"{type(node).__name__} is not allowed; use claim ids, numbers, + - * / **, "
                             f"and {', '.join(FUNCTIONS)}()")

    walk(tree)
    return names, calls


@dataclass(frozen=True)
class Evaluation:
    """An expression's value as an interval, the expression with values written in, and where data came from."""

    value: Interval
    shown: str
    sources: tuple[str, ...]


_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.Pow: 3}
_SYMBOL = {ast.Add: "+", ast.Sub: "−", ast.Mult: "×", ast.Div: "/", ast.Pow: "^"}


def _wrap(child: ast.AST, text: str, parent: ast.BinOp, right: bool) -> str:
    """Parenthesise a sub-expression only where precedence needs it."""
    if not isinstance(child, ast.BinOp):
        return text
    pc, pp = _PRECEDENCE[type(child.op)], _PRECEDENCE[type(parent.op)]
    if pc < pp or (pc == pp and (isinstance(parent.op, ast.Pow) != right) and (right or pp == 3)):
        return f"({text})"
    return text


def evaluate(expr: str, claims: Mapping[str, Interval],
             data: Callable[[str, tuple[Any, ...]], tuple[float, str, str]],
             texts: Mapping[str, str] | None = None) -> Evaluation:
    """Evaluate ``expr`` over claim intervals and data values.

    ``data(function, args)`` returns (value, source, what) for a data function; ``texts`` gives how each
    claim is written in the shown expression (default: its interval's midpoint).
    """
    check_expression(expr)
    sources: list[str] = []

    def ev(node: ast.AST) -> tuple[Interval, str]:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return Interval.point(node.value), f"{node.value:g}" if isinstance(node.value, float) else str(node.value)
        if isinstance(node, ast.Name):
            iv = claims[node.id]
            return iv, texts[node.id] if texts and node.id in texts else fmt(iv.mid)
        if isinstance(node, ast.UnaryOp):
            v, s = ev(node.operand)
            return (-v, f"−{s}") if isinstance(node.op, ast.USub) else (v, s)
        if isinstance(node, ast.BinOp):
            (a, sa), (b, sb) = ev(node.left), ev(node.right)
            fn = {ast.Add: a.__add__, ast.Sub: a.__sub__, ast.Mult: a.__mul__, ast.Div: a.__truediv__,
                  ast.Pow: a.__pow__}[type(node.op)]
            sa, sb = _wrap(node.left, sa, node, False), _wrap(node.right, sb, node, True)
            return fn(b), f"{sa} {_SYMBOL[type(node.op)]} {sb}"
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        fn = node.func.id
        if fn == "cagr":
            (r, sr), (n, sn) = ev(node.args[0]), ev(node.args[1])
            return cagr_interval(r, n), f"100 × (({sr})^(1/{sn}) − 1)"
        args = tuple(a.value for a in node.args)  # type: ignore[attr-defined]
        value, source, what = data(fn, args)
        sources.append(source)
        return Interval.point(value), f"{fmt(value)} [{what}]"

    value, shown = ev(ast.parse(expr, mode="eval"))
    return Evaluation(value, shown, tuple(dict.fromkeys(sources)))
