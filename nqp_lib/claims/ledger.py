"""The claims ledger, ``data/claims.csv``: one row per numeric claim of the article, validated on reading.

Columns (see ``docs/claims.md`` for the full rules):

- ``id`` (``c<condition>_<words>``), ``section`` (``2.4`` for 二(四)), ``condition`` (1–6 or blank),
  ``label_zh``/``label_en`` (the project's own short words), ``value`` as the article states it
  (``value_high`` for a range), ``bound`` (``eq`` stated figure, ``about`` 左右/相当于, ``lt`` 不足/低于,
  ``gt`` 超过/以上, ``range``), ``unit`` (a code of :mod:`nqp_lib.data.units`), ``measure`` (what is
  quantified; a data check may only use a series measuring the same thing, or declared a proxy for it),
  ``basis`` (statistical basis, where two sources measure the same thing differently), ``ref_year``,
  ``source_named`` (what the article cites), ``check`` (``data`` / ``arithmetic`` / ``none``);
- for ``data``: ``series``, ``economy`` (blank: a national series; ``OECD``: both readings of the OECD
  average), ``year``, ``base_year`` (growth), ``compare`` (``level``, ``growth_pct``, ``cagr_pct``,
  ``gap_pp``, ``rank``), ``tolerance``;
- for ``arithmetic``: ``expression`` (:mod:`nqp_lib.claims.expressions`), ``compare`` (``equal`` or
  ``exceeds``), ``tolerance``;
- ``reason_zh``/``reason_en``: required for ``none`` (why not checkable), a note otherwise.

Outcomes are never stored here: :func:`nqp_lib.claims.check_claims` computes them from the shipped data.
Every error names the file, the row and the column.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from nqp_lib.claims.expressions import Interval, check_expression, split_readings
from nqp_lib.claims.text import has_label, label
from nqp_lib.data.growth import crossed_break
from nqp_lib.data.package import PROJECT_ROOT, resource
from nqp_lib.io import sha256_file
from nqp_lib.data.series import series_info
from nqp_lib.data.tables import cell_error, optional, read_table, text_field
from nqp_lib.data.units import UNITS, conversion, unit_label
from nqp_lib.errors import DataError, LedgerError, ParameterError

LEDGER_CSV = PROJECT_ROOT / "data" / "claims.csv"
BOUNDS = ("eq", "about", "lt", "gt", "range")
CHECKS = ("data", "arithmetic", "none")
DATA_COMPARES = ("level", "growth_pct", "cagr_pct", "gap_pp", "rank")
ARITHMETIC_COMPARES = ("equal", "exceeds")
#: the article's sections: intro (0), 一(一)(二), 二(一)–(六), 三(一)–(六)
SECTIONS = ("0", "1.1", "1.2", *(f"2.{i}" for i in range(1, 7)), *(f"3.{i}" for i in range(1, 7)))
#: the economy token meaning "the OECD average, read both ways"
OECD_BOTH = "OECD"
#: relative tolerance of an approximate figure (左右, 相当于)
ABOUT = 0.05
_NUMBER = r"-?\d+(\.\d+)?"
_YEAR = r"(19|20)\d\d"

SCHEMA = {
    "fields": [
        text_field("id", required=True, pattern=r"c[0-6]_[a-z0-9_]+"),
        text_field("section", required=True, enum=list(SECTIONS)),
        text_field("condition", pattern=r"[1-6]"),
        text_field("label_zh", required=True),
        text_field("label_en", required=True),
        text_field("value", required=True, pattern=_NUMBER),
        text_field("value_high", pattern=_NUMBER),
        text_field("bound", required=True, enum=list(BOUNDS)),
        text_field("unit", required=True, enum=list(UNITS)),
        text_field("measure", required=True, pattern=r"[a-z0-9_]+"),
        text_field("basis", pattern=r"[a-z0-9_]+"),
        text_field("ref_year", pattern=_YEAR),
        text_field("source_named"),
        text_field("check", required=True, enum=list(CHECKS)),
        text_field("series"),
        text_field("economy"),
        text_field("year", pattern=_YEAR),
        text_field("base_year", pattern=_YEAR),
        text_field("compare", enum=[*DATA_COMPARES, *ARITHMETIC_COMPARES]),
        text_field("tolerance", pattern=r"\d+(\.\d+)?"),
        text_field("expression"),
        text_field("reason_zh"),
        text_field("reason_en"),
    ],
    "primaryKey": ["id"],
}


def stated_precision(text: str, bound: str, unit: str) -> float:
    """Half-width of the interval a stated figure stands for (nqp's tolerance policy).

    Ranks and counts are exact (0); an approximate figure (``about``) is ±5% of its value; any other
    figure is ± one unit in its last stated digit ("7.3" → 0.1, "65.22" → 0.01, "90" → 1), which covers
    both rounding and truncation by the author.
    """
    if unit in ("rank", "count"):
        return 0.0
    if bound == "about":
        return ABOUT * abs(float(text))
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 10.0 ** -decimals


@dataclass(frozen=True)
class Claim:
    """One ledger row, typed."""

    id: str
    section: str
    condition: int | None
    label_zh: str
    label_en: str
    value: float
    value_text: str
    value_high: float | None
    bound: str
    unit: str
    measure: str
    basis: str | None
    ref_year: int | None
    source_named: str | None
    check: str
    series: str | None
    economy: str | None
    year: int | None
    base_year: int | None
    compare: str | None
    tolerance: float | None
    expression: str | None
    reason_zh: str | None
    reason_en: str | None
    row: int  # line in the file (header = 1)

    def label(self, lang: str = "zh") -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def reason(self, lang: str = "zh") -> str:
        """Why the claim is not checkable, or a note on its check ("" if none)."""
        return (self.reason_zh if lang == "zh" else self.reason_en) or ""

    @property
    def scope(self) -> str | None:
        """``national`` or ``international`` for a data check (by whether an economy is named)."""
        if self.check != "data":
            return None
        return "national" if self.economy is None else "international"

    @property
    def precision(self) -> float:
        return stated_precision(self.value_text, self.bound, self.unit)

    def operand(self) -> Interval:
        """The interval this claim stands for inside another claim's arithmetic."""
        return Interval.around(self.value, self.precision)

    def stated(self, lang: str = "zh") -> str:
        """The figure as the article gives it, e.g. '<10 %', '2.5–4 %', '≈44 万亿元', '第2位'."""
        if self.unit == "rank":
            return label("target_rank", lang, v=self.value_text)
        prefix = {"lt": "<", "gt": ">", "about": "≈"}.get(self.bound, "")
        text = f"{self.value_text}–{self.value_high:g}" if self.bound == "range" else self.value_text
        return f"{prefix}{text} {unit_label(self.unit, lang)}"


@dataclass(frozen=True)
class Ledger:
    """The validated ledger and the exact file it came from."""

    claims: tuple[Claim, ...]
    path: Path
    sha256: str

    def __getitem__(self, claim_id: str) -> Claim:
        for c in self.claims:
            if c.id == claim_id:
                return c
        raise ParameterError(f"no claim {claim_id!r} in {self.path}")

    def __len__(self) -> int:
        return len(self.claims)

    def ids(self) -> list[str]:
        return [c.id for c in self.claims]

    def sections(self) -> list[str]:
        return sorted({c.section for c in self.claims}, key=SECTIONS.index)


def _claim(r: pd.Series, row: int) -> Claim:
    def num(col: str) -> int | None:
        v = optional(r[col])
        return None if v is None else int(v)

    high = optional(r["value_high"])
    tol = optional(r["tolerance"])
    return Claim(
        id=r["id"], section=r["section"], condition=num("condition"), label_zh=r["label_zh"], label_en=r["label_en"],
        value=float(r["value"]), value_text=r["value"], value_high=None if high is None else float(high),
        bound=r["bound"], unit=r["unit"], measure=r["measure"], basis=optional(r["basis"]), ref_year=num("ref_year"),
        source_named=optional(r["source_named"]), check=r["check"], series=optional(r["series"]),
        economy=optional(r["economy"]), year=num("year"), base_year=num("base_year"), compare=optional(r["compare"]),
        tolerance=None if tol is None else float(tol), expression=optional(r["expression"]),
        reason_zh=optional(r["reason_zh"]), reason_en=optional(r["reason_en"]),
        row=row,
    )


def _fail(path: Path, frame: pd.DataFrame, idx: Any, column: str, message: str) -> LedgerError:
    return LedgerError(str(cell_error(path, frame, idx, column, message)))


def _validate_row(c: Claim, by_id: dict[str, Claim], path: Path, frame: pd.DataFrame, idx: Any) -> None:
    def fail(column: str, message: str) -> LedgerError:
        return _fail(path, frame, idx, column, message)

    if c.section.startswith("2.") and c.condition != int(c.section[2]):
        raise fail("condition", f"section {c.section} is condition {c.section[2]}, not {c.condition}")
    if (c.bound == "range") != (c.value_high is not None):
        raise fail("value_high", "give value_high exactly when bound is 'range'")
    if c.value_high is not None and c.value_high <= c.value:
        raise fail("value_high", f"must be above value {c.value_text}")
    filled = {k: getattr(c, k) for k in ("series", "economy", "year", "base_year", "expression")}
    if (c.reason_zh is None) != (c.reason_en is None):
        raise fail("reason_zh" if c.reason_zh is None else "reason_en", "give the reason or note in both languages")
    if c.check == "none":
        if not c.reason_en:
            raise fail("reason_en", "a claim that is not checked needs a one-line reason (reason_zh and reason_en)")
        extra = [k for k, v in filled.items() if v is not None] + (["compare"] if c.compare else [])
        if extra:
            raise fail(extra[0], "a claim with check 'none' has no series, economy, year, expression or compare")
        return
    if c.bound in ("eq", "about") and c.compare != "exceeds" and c.tolerance is None:
        raise fail("tolerance", f"required for a {c.check} check of a stated figure (policy: {c.precision:g})")
    if c.check == "data":
        _validate_data(c, fail)
    else:
        _validate_arithmetic(c, by_id, fail)


def _validate_data(c: Claim, fail: Any) -> None:
    for col in ("series", "year", "compare"):
        if getattr(c, col) is None:
            raise fail(col, "required for a data check")
    if c.expression is not None:
        raise fail("expression", "a data check has no expression")
    if c.compare not in DATA_COMPARES:
        raise fail("compare", f"a data check compares by one of {', '.join(DATA_COMPARES)}")
    if c.economy == OECD_BOTH and c.compare != "gap_pp":
        raise fail("economy", "'OECD' (both averages) is only used for gaps; name OED or OECD_MEAN")
    try:
        s = series_info(c.series, c.scope)
    except ParameterError as exc:
        other = "international" if c.scope == "national" else "national"
        try:
            series_info(c.series, other)
        except ParameterError:
            raise fail("series", str(exc)) from None
        hint = "name an economy" if other == "international" else "leave economy blank"
        raise fail("series", f"{c.series!r} is a{'n' if other == 'international' else ''} {other} series: {hint}") from None
    if s.measure != c.measure and s.proxy_for != c.measure:
        raise fail("series", f"{s.id!r} measures {s.measure!r}, but the claim measures {c.measure!r} "
                             f"(and the series is not declared a proxy for it); they must not be compared")
    if c.compare in ("growth_pct", "cagr_pct"):
        if c.base_year is None or c.base_year >= c.year:
            raise fail("base_year", f"required for {c.compare} and before year {c.year}")
        breaks = [b for src in _resources(s) for b in resource(src).get("vintage_breaks", [])]
        brk = crossed_break(breaks, c.base_year, c.year)
        if brk is not None:
            raise fail("base_year", f"{c.base_year}→{c.year} crosses the vintage break between {brk['after']} and "
                                    f"{brk['before']} of {s.id}'s source; growth is never computed across it")
    elif c.base_year is not None:
        raise fail("base_year", f"only growth comparisons have a base year, not {c.compare}")
    if c.compare in ("gap_pp", "rank") and c.economy is None:
        raise fail("economy", f"{c.compare} compares economies: name one (OECD for both OECD averages)")
    if c.compare == "gap_pp" and c.unit != "pp":
        raise fail("unit", "a gap is stated in percentage points (pp)")
    if c.compare == "rank" and c.unit != "rank":
        raise fail("unit", "a rank comparison needs unit 'rank'")
    if c.compare == "level":
        try:
            conversion(s.unit, c.unit)
        except DataError as exc:
            raise fail("unit", f"series {s.id!r} is in {s.unit!r}: {exc}") from None


def _resources(s: Any) -> list[str]:
    if not s.derived:
        return [s.resource]
    return [r for ref in s.inputs() for r in _resources(series_info(ref, s.scope))]


def _validate_arithmetic(c: Claim, by_id: dict[str, Claim], fail: Any) -> None:
    if c.expression is None:
        raise fail("expression", "required for an arithmetic check")
    if c.compare not in ARITHMETIC_COMPARES:
        raise fail("compare", f"an arithmetic check compares by one of {', '.join(ARITHMETIC_COMPARES)}")
    if c.series is not None or c.economy is not None or c.base_year is not None:
        raise fail("series", "an arithmetic check takes its data inside the expression")
    try:
        readings = split_readings(c.expression)
    except ValueError as exc:
        raise fail("expression", str(exc)) from None
    for key, expr in readings:
        if not has_label(f"reading_{key}"):
            raise fail("expression", f"unknown reading {key!r} (readings are labelled in nqp_lib/text/claims.yaml)")
        try:
            names, calls = check_expression(expr)
        except ValueError as exc:
            raise fail("expression", f"{expr!r}: {exc}") from None
        for name in names:
            if name == c.id or name not in by_id:
                raise fail("expression", f"{name!r} is not another claim of the ledger")
            other = by_id[name]
            if other.bound not in ("eq", "about") or other.unit == "times_growth":
                raise fail("expression", f"{name!r} ({other.stated()}) is a bound or an ambiguous multiple, not a figure to compute with")
        group = [c, *(by_id[n] for n in sorted(names))]
        for a in group:
            for b in group:
                if a.measure == b.measure and a.basis != b.basis:
                    raise fail("expression", f"{a.id!r} and {b.id!r} measure {a.measure!r} on different bases "
                                             f"({a.basis!r} vs {b.basis!r}); figures on different bases are never combined")
        for fn, args in calls:
            if fn in ("national", "national_growth", "country"):
                try:
                    series_info(str(args[0]), "international" if fn == "country" else "national")
                except ParameterError as exc:
                    raise fail("expression", str(exc)) from None


@lru_cache(maxsize=4)
def _load_cached(path: str, mtime: float, size: int) -> Ledger:
    p = Path(path)
    try:
        frame = read_table(p, SCHEMA)
    except DataError as exc:
        raise LedgerError(str(exc)) from None
    claims = [_claim(r, int(i) + 2) for i, r in frame.iterrows()]
    by_id = {c.id: c for c in claims}
    for (idx, _), c in zip(frame.iterrows(), claims):
        _validate_row(c, by_id, p, frame, idx)
    return Ledger(tuple(claims), p, sha256_file(p))


def load_ledger(path: str | Path | None = None) -> Ledger:
    """Read and validate a ledger (default: the shipped ``data/claims.csv``)."""
    p = Path(path) if path is not None else LEDGER_CSV
    if not p.is_file():
        raise LedgerError(f"claims ledger {p} not found")
    st = p.stat()
    return _load_cached(str(p.resolve()), st.st_mtime, st.st_size)
