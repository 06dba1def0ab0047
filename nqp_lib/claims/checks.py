"""Checking the ledger against the shipped series: outcomes computed at build time, with the arithmetic shown.

- ``data`` checks set the claim against a value computed from a shipped series (a level, a growth rate, a
  gap to the OECD, a world rank): ``agrees`` when the value lies within the claim's interval (its stated
  figure ± tolerance; below or above a bound for 不足/超过), else ``differs``.
- ``arithmetic`` checks evaluate an expression over the article's other figures (and data values) with
  interval arithmetic: ``consistent`` when the result can equal the claim (``equal``) or lies wholly below
  it (``exceeds``), else ``inconsistent``.
- ``none``: ``not_checkable``, with the ledger's reason; a data check whose value is missing from the
  shipped data also ends here, with the reason.

Ambiguity is shown, never resolved silently. A check may have several *readings*: "增长5.4倍" as 6.4 times
the base (NBS usage, the primary reading) or 5.4 times (literal); "OECD average" as the weighted aggregate
or the simple mean of members (both primary); compound or simple annual growth (the ledger lists the
article's own first). The outcome comes from the primary readings — positive if one of them is, naming it —
and every reading is kept with its own arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nqp_lib.claims.expressions import Evaluation, Interval, evaluate, split_readings
from nqp_lib.claims.ledger import OECD_BOTH, Claim, Ledger, load_ledger
from nqp_lib.claims.text import label
from nqp_lib.data.economies import economy
from nqp_lib.data.growth import growth
from nqp_lib.data.international import countries, oecd_average, rank
from nqp_lib.data.national import national, value
from nqp_lib.data.series import series_info
from nqp_lib.data.units import conversion, fmt, unit_label
from nqp_lib.errors import DataError, ParameterError

OUTCOMES = ("agrees", "differs", "consistent", "inconsistent", "not_checkable")
POSITIVE = ("agrees", "consistent")
INF = float("inf")


@dataclass(frozen=True)
class Reading:
    """One way of reading a check, with its own comparison and arithmetic."""

    key: str
    primary: bool
    compared: float | None  # the value the claim is set against (for arithmetic: at the stated figures)
    interval: tuple[float, float] | None  # arithmetic: the range the stated precision allows
    outcome: str
    arithmetic: str
    sources: tuple[str, ...]

    def label(self, lang: str = "zh") -> str:
        return "; ".join(label(f"reading_{k}", lang) for k in self.key.split("+"))


@dataclass(frozen=True)
class ClaimResult:
    """A ledger row with its computed outcome, the value compared, the arithmetic and the options used."""

    claim: Claim
    outcome: str
    readings: tuple[Reading, ...]
    reading: str | None  # key of the deciding reading
    compared: float | None
    arithmetic: str
    source: str
    proxy: bool
    reason: str
    tolerance: float | None
    options: dict[str, Any] = field(default_factory=dict)

    def outcome_label(self, lang: str = "zh") -> str:
        return label(self.outcome, lang) + (label("proxy_mark", lang) if self.proxy else "")


def _targets(c: Claim, tol: float, lang: str) -> list[tuple[str, bool, Interval, str]]:
    """The claim's side of a comparison, per reading: (key, primary, interval, text)."""
    if c.bound == "lt":
        return [("as_stated", True, Interval(-INF, c.value), f"< {c.value_text}")]
    if c.bound == "gt":
        return [("as_stated", True, Interval(c.value, INF), f"> {c.value_text}")]
    if c.bound == "range":
        return [("as_stated", True, Interval(c.value, c.value_high), f"{c.value_text}–{c.value_high:g}")]
    pm = f" ± {tol:g}" if tol else ""
    if c.unit == "times_growth":
        decimals = len(c.value_text.split(".")[1]) if "." in c.value_text else 0
        return [("nbs_usage", True, Interval.around(c.value + 1, tol), f"×{c.value + 1:.{decimals}f}{pm}"),
                ("literal", False, Interval.around(c.value, tol), f"×{c.value_text}{pm}")]
    text = label("target_rank", lang, v=c.value_text) if c.unit == "rank" else c.value_text
    return [("as_stated", True, Interval.around(c.value, tol), f"{text}{pm}")]


def _key(*keys: str) -> str:
    parts = [k for k in keys if k != "as_stated"]
    return "+".join(parts) or "as_stated"


def _decide(c: Claim, readings: list[Reading], tol: float | None, proxy: bool, opts: dict[str, Any], lang: str) -> ClaimResult:
    primary = [r for r in readings if r.primary]
    chosen = next((r for r in primary if r.outcome in POSITIVE), primary[0])
    return ClaimResult(c, chosen.outcome, tuple(readings), chosen.key, chosen.compared, chosen.arithmetic,
                       "; ".join(chosen.sources), proxy, c.reason(lang), tol, opts)


def _not_checkable(c: Claim, reason: str, opts: dict[str, Any] | None = None) -> ClaimResult:
    return ClaimResult(c, "not_checkable", (), None, None, "", "", False, reason, None, opts or {})


# --------------------------------------------------------------------------- data checks

def _observations(c: Claim, lang: str) -> list[tuple[str, bool, float, str, tuple[str, ...]]]:
    """(reading key, primary, value in the claim's unit, arithmetic, sources) from the shipped data."""
    s = series_info(c.series, c.scope)
    name, unit = s.name(lang), unit_label(s.unit, lang)
    if c.compare == "rank":
        r = rank(s.id, c.economy, c.year)
        lead = ", ".join(f"{e} {fmt(v)}" for e, v in r.table.head(3)[["economy", "value"]].itertuples(index=False))
        text = label("line_rank", lang, name=name, year=r.year, economy=economy(r.economy).name(lang), n=r.n,
                     rank=r.rank, lead=lead)
        return [("as_stated", True, float(r.rank), text, (s.source(lang),))]
    if c.compare == "gap_pp":
        factor = conversion(s.unit, "%")
        china = countries(s.id, ["CHN"], c.year, lang)
        if china.empty:
            raise DataError(f"{s.id}: no value for CHN in {c.year}")
        base = float(china["value"].iloc[0])
        out = []
        refs = [("oecd_aggregate", "aggregate"), ("oecd_simple_mean", "simple")] if c.economy == OECD_BOTH else [("as_stated", None)]
        for key, method in refs:
            if method is not None:
                avg = oecd_average(s.id, c.year, method)
                ref, ref_name = avg.value, avg.label(lang)
            else:
                row = countries(s.id, [c.economy], c.year, lang)
                if row.empty:
                    raise DataError(f"{s.id}: no value for {c.economy} in {c.year}")
                ref, ref_name = float(row["value"].iloc[0]), economy(c.economy).name(lang)
            gap = (ref - base) * factor
            diff = f"{ref_name} {fmt(ref)} − {economy('CHN').name(lang)} {fmt(base)}"
            diff = f"({diff}) × {factor:g}" if factor != 1 else diff
            text = f"{name} ({unit}) {c.year}: {diff} = {fmt(gap)} {unit_label('pp', lang)}"
            out.append((key, True, gap, text, (s.source(lang),)))
        return out
    if c.compare in ("growth_pct", "cagr_pct"):
        frame = national(s.id, lang=lang) if c.scope == "national" else countries(s.id, [c.economy], None, lang)
        g = growth(frame, c.base_year, c.year, name)
        v = g.pct if c.compare == "growth_pct" else g.cagr_pct
        text = label("line_growth", lang, name=name, first=fmt(g.first), start=g.start, last=fmt(g.last), end=g.end,
                     unit=unit, ratio=f"{g.ratio:.4f}", pct=f"{g.pct:+.2f}", years=g.years, cagr=f"{g.cagr_pct:.2f}",
                     simple=f"{g.simple_pct:.2f}")
        return [("as_stated", True, v, text, (s.source(lang),))]
    # level
    if c.scope == "national":
        v, frame = value(s.id, c.year)
    else:
        frame = countries(s.id, [c.economy], c.year, lang)
        if frame.empty:
            raise DataError(f"{s.id}: no value for {c.economy} in {c.year}")
        v = float(frame["value"].iloc[0])
    factor = conversion(s.unit, c.unit)
    conv = f" × {factor:g} = {fmt(v * factor)} {unit_label(c.unit, lang)}" if factor != 1 else ""
    return [("as_stated", True, v * factor, f"{name} {c.year} = {fmt(v)} {unit}{conv}", (s.source(lang),))]


def _check_data(c: Claim, lang: str) -> ClaimResult:
    s = series_info(c.series, c.scope)
    proxy = s.measure != c.measure
    tol = c.tolerance if c.tolerance is not None else c.precision
    opts = {"series": s.id, "dataset": s.resource or f"derived: {s.formula}", "scope": c.scope, "economy": c.economy, "year": c.year, "base_year": c.base_year,
            "compare": c.compare, "tolerance": tol, "proxy": proxy}
    try:
        obs = _observations(c, lang)
    except DataError as exc:
        return _not_checkable(c, f"the shipped data cannot serve this check: {exc}", opts)
    readings = []
    for okey, oprim, v, text, sources in obs:
        for tkey, tprim, target, ttext in _targets(c, tol, lang):
            outcome = "agrees" if target.lo <= v <= target.hi else "differs"
            readings.append(Reading(_key(okey, tkey), oprim and tprim, v, None, outcome,
                                    f"{text} vs {ttext} → {label(outcome, lang)}", sources))
    return _decide(c, readings, tol, proxy, opts, lang)


# --------------------------------------------------------------------------- arithmetic checks

def _data_value(lang: str):
    """``data(function, args) → (value, source, what)`` for the data functions of an expression."""
    def data(fn: str, args: tuple[Any, ...]) -> tuple[float, str, str]:
        if fn == "national":
            v, frame = value(str(args[0]), int(args[1]))
            return v, str(frame["source"].iloc[0]), f"{frame['name'].iloc[0]} {args[1]}, {frame['unit'].iloc[0]}"
        if fn == "national_growth":
            frame = national(str(args[0]), lang=lang)
            g = growth(frame, int(args[1]), int(args[2]))
            return g.pct, str(frame["source"].iloc[0]), f"{frame['name'].iloc[0]} {args[1]}→{args[2]}, %"
        frame = countries(str(args[0]), [str(args[1])], int(args[2]), lang)
        if frame.empty:
            raise DataError(f"{args[0]}: no value for {args[1]} in {args[2]}")
        return (float(frame["value"].iloc[0]), str(frame["source"].iloc[0]),
                f"{frame['name'].iloc[0]} {frame['indicator'].iloc[0]} {args[2]}, {frame['unit'].iloc[0]}")
    return data


def _check_arithmetic(c: Claim, ledger: Ledger, lang: str) -> ClaimResult:
    tol = c.tolerance if c.tolerance is not None else c.precision
    opts = {"expression": c.expression, "compare": c.compare, "tolerance": tol}
    data = _data_value(lang)
    intervals = {o.id: o.operand() for o in ledger.claims}
    points = {o.id: Interval.point(o.value) for o in ledger.claims}
    texts = {o.id: o.value_text for o in ledger.claims}
    readings = []
    for i, (rkey, expr) in enumerate(split_readings(c.expression)):
        try:
            ev: Evaluation = evaluate(expr, intervals, data, texts)
            at_point = evaluate(expr, points, data, texts).value.lo
        except DataError as exc:
            return _not_checkable(c, f"the shipped data cannot serve this check: {exc}", opts)
        except ValueError as exc:
            raise ParameterError(f"claim {c.id}: expression {expr!r}: {exc}") from None
        shown = ev.shown if ev.shown.startswith(fmt(at_point) + " [") else f"{ev.shown} = {fmt(at_point)}"
        if ev.value.lo != ev.value.hi:
            shown += label("line_precision", lang, interval=ev.value.text())
        for tkey, tprim, target, ttext in _targets(c, tol, lang):
            if c.compare == "exceeds":
                ok = target.lo > ev.value.hi
                text = f"{ttext} > {shown}"
            else:
                ok = ev.value.meets(target)
                text = f"{shown} vs {ttext}"
            outcome = "consistent" if ok else "inconsistent"
            readings.append(Reading(_key(rkey, tkey), i == 0 and tprim, at_point, (ev.value.lo, ev.value.hi), outcome,
                                    f"{text} → {label(outcome, lang)}", ev.sources))
    return _decide(c, readings, tol, False, opts, lang)


def check_claim(c: Claim, ledger: Ledger, lang: str = "zh") -> ClaimResult:
    """The outcome of one claim of ``ledger``."""
    if c.check == "none":
        return _not_checkable(c, c.reason(lang))
    if c.check == "data":
        return _check_data(c, lang)
    return _check_arithmetic(c, ledger, lang)


def check_claims(ledger: Ledger | None = None, lang: str = "zh") -> list[ClaimResult]:
    """Every claim of the ledger (default: the shipped one) with its outcome, in ledger order."""
    if lang not in ("zh", "en"):
        raise ParameterError(f"language must be zh or en, got {lang!r}")
    ledger = ledger or load_ledger()
    return [check_claim(c, ledger, lang) for c in ledger.claims]
