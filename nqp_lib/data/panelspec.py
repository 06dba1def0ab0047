"""A panel described as data: which columns come from which resource, and which are derived by formula.

The shipped provincial panel is ``data/panels/provincial.yaml`` (its comments describe the format). A
description has three kinds of columns:

* **source columns**, grouped by resource (an entry of ``data/datapackage.json``): each names the cell's
  place in the resource (``code``), the unit shown and, when the resource states units, the unit it must
  state (``source_unit``); the resource's panel reader (:mod:`nqp_lib.data.panelreaders`) picks them;
* **relative columns**: (numerator_i / denominator_i) / (Σ numerator / Σ denominator) within a year;
* **derived columns**: formulas of :mod:`nqp_lib.formula` (the language the indicator systems use), in
  file order, each over the columns defined before it, with an optional plausible ``max``.

:func:`load_panel_spec` validates the file and raises :class:`~nqp_lib.errors.DataError` naming the file
and the key at fault (a mistyped column in a formula is named with the closest known columns).
:meth:`PanelSpec.add_derived` computes the relative and derived columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib import formula
from nqp_lib.errors import DataError
from nqp_lib.safe_yaml import load_yaml

#: Where the shipped panel descriptions live.
PANELS_DIR = Path(__file__).resolve().parents[2] / "data" / "panels"


@dataclass(frozen=True)
class ColumnInfo:
    """Metadata of one panel column."""

    name: str
    unit: str
    zh: str
    en: str
    source: str  # resource name, or "derived"
    detail: str = ""  # where the value is in the resource, or the formula
    maximum: float | None = None  # plausibility bound checked after assembly

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class SourceColumn:
    """A column read from a resource: ``code`` locates it; ``source_unit`` is the unit the resource must state."""

    name: str
    resource: str
    code: str
    unit: str
    zh: str
    en: str
    source_unit: str | None = None


@dataclass(frozen=True)
class Relative:
    """A column relative to the same year's all-unit level: (num_i / den_i) / (Σ num / Σ den)."""

    name: str
    numerator: str
    denominator: str
    unit: str
    zh: str
    en: str


@dataclass(frozen=True)
class Derived:
    """A column computed by a formula over columns defined before it."""

    name: str
    formula: str
    unit: str
    zh: str
    en: str
    maximum: float | None = None


@dataclass(frozen=True)
class PanelSpec:
    """A validated panel description (module docstring)."""

    id: str
    path: Path
    years: tuple[int, int]
    unit_kind: str
    sources: dict[str, tuple[SourceColumn, ...]]
    relative: tuple[Relative, ...]
    derived: tuple[Derived, ...]
    notes: tuple[str, ...] = ()

    def catalogue(self) -> dict[str, ColumnInfo]:
        """Metadata of every column, in the order: source columns, derived, relative."""
        cat: dict[str, ColumnInfo] = {}
        for resource, cols in self.sources.items():
            for c in cols:
                cat[c.name] = ColumnInfo(c.name, c.unit, c.zh, c.en, resource, c.code)
        for d in self.derived:
            cat[d.name] = ColumnInfo(d.name, d.unit, d.zh, d.en, "derived", d.formula, d.maximum)
        for r in self.relative:
            cat[r.name] = ColumnInfo(r.name, r.unit, r.zh, r.en, "derived",
                                     f"({r.numerator}/{r.denominator}) / (Σ{r.numerator}/Σ{r.denominator} in the same year)")
        return cat

    def add_derived(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Append the relative, then the derived columns to a frame of the source columns.

        A zero denominator or a value outside a function's domain raises :class:`DataError` naming the
        column and the unit-year (it never becomes a missing cell); so does a value above a column's
        ``max``. Relative columns use only unit-years where numerator and denominator are both observed.
        """
        out = frame.copy()
        for r in self.relative:
            both = out[r.numerator].notna() & out[r.denominator].notna()
            totals = out[both].groupby("year")[[r.numerator, r.denominator]].sum()
            level = (totals[r.numerator] / totals[r.denominator]).reindex(out["year"]).to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                values = (out[r.numerator] / out[r.denominator]).to_numpy(dtype=float) / level
            values[~np.isfinite(values)] = np.nan
            out[r.name] = values
        for d in self.derived:
            label = f"{self.path}: derived column {d.name!r}"
            values = formula.evaluate(d.formula, out, label=label, error=DataError)
            inf = np.isinf(values)
            if inf.any():
                pos = int(np.flatnonzero(inf)[0])
                raise DataError(f"{label} ({d.formula}) is infinite for {out['unit'].iat[pos]} {out['year'].iat[pos]}: "
                                "a denominator is zero")
            if d.maximum is not None and (values > d.maximum).any():
                pos = int(np.nanargmax(values))
                raise DataError(
                    f"derived column {d.name!r} = {values[pos]:g} for {out['unit'].iat[pos]} {out['year'].iat[pos]} "
                    f"exceeds the plausible maximum {d.maximum:g}"
                )
            out[d.name] = values
        return out


def _text(node: Any, where: str, key: str) -> str:
    if not isinstance(node, str) or not node.strip():
        raise DataError(f"{where}: {key!r} must be a non-empty text, got {node!r}")
    return node


def _entry(node: Any, where: str, required: set[str], optional: set[str]) -> Mapping[str, Any]:
    if not isinstance(node, Mapping):
        raise DataError(f"{where}: expected a mapping with {sorted(required)}")
    missing, unknown = required - set(node), set(node) - required - optional
    if missing or unknown:
        raise DataError(f"{where}: " + "; ".join(
            ([f"missing key(s) {sorted(missing)}"] if missing else [])
            + ([f"unknown key(s) {sorted(map(str, unknown))}; allowed: {sorted(required | optional)}"] if unknown else [])))
    return node


def panel_spec_from_dict(spec: Any, path: Path) -> PanelSpec:
    """Validate a parsed panel description; ``path`` names the file in messages."""
    top = _entry(spec, str(path), {"id", "years", "sources"}, {"unit_kind", "notes", "relative", "derived"})
    years = top["years"]
    if (not isinstance(years, list) or len(years) != 2 or not all(isinstance(y, int) for y in years)
            or years[0] > years[1]):
        raise DataError(f"{path}: 'years' must be [first, last], got {years!r}")
    defined: list[str] = []
    sources: dict[str, tuple[SourceColumn, ...]] = {}
    if not isinstance(top["sources"], Mapping) or not top["sources"]:
        raise DataError(f"{path}: 'sources' must map resource names to their columns")
    for resource, cols in top["sources"].items():
        if not isinstance(cols, Mapping) or not cols:
            raise DataError(f"{path}: sources.{resource} must map column names to {{code, unit, zh, en}}")
        parsed = []
        for name, c in cols.items():
            where = f"{path}: sources.{resource}.{name}"
            c = _entry(c, where, {"code", "unit", "zh", "en"}, {"source_unit"})
            parsed.append(SourceColumn(
                _column_name(name, defined, where), str(resource), _text(c["code"], where, "code"),
                _text(c["unit"], where, "unit"), _text(c["zh"], where, "zh"), _text(c["en"], where, "en"),
                None if c.get("source_unit") is None else _text(c["source_unit"], where, "source_unit")))
        sources[str(resource)] = tuple(parsed)
    relative = []
    for name, r in (top.get("relative") or {}).items():
        where = f"{path}: relative.{name}"
        r = _entry(r, where, {"numerator", "denominator", "unit", "zh", "en"}, set())
        for key in ("numerator", "denominator"):
            if r[key] not in defined:
                raise DataError(f"{where}: {key} {r[key]!r} is not a source column{formula.did_you_mean(str(r[key]), defined)}")
        relative.append(Relative(_column_name(name, defined, where), r["numerator"], r["denominator"],
                                 _text(r["unit"], where, "unit"), _text(r["zh"], where, "zh"), _text(r["en"], where, "en")))
    derived = []
    for name, d in (top.get("derived") or {}).items():
        where = f"{path}: derived column {name!r}"
        d = _entry(d, where, {"formula", "unit", "zh", "en"}, {"max"})
        text = _text(d["formula"], where, "formula")
        try:
            formula.check(text)
        except formula.FormulaError as exc:
            raise DataError(f"{where}: formula {text!r}: {exc}") from None
        for used in sorted(formula.names(text)):
            if used not in defined:
                raise DataError(f"{where}: formula {text!r} uses unknown column {used!r}"
                                f"{formula.did_you_mean(used, defined)}")
        maximum = d.get("max")
        if maximum is not None and (isinstance(maximum, bool) or not isinstance(maximum, (int, float))):
            raise DataError(f"{where}: 'max' must be a number, got {maximum!r}")
        derived.append(Derived(_column_name(name, defined, where), text, _text(d["unit"], where, "unit"),
                               _text(d["zh"], where, "zh"), _text(d["en"], where, "en"),
                               None if maximum is None else maximum))
    notes = top.get("notes") or []
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise DataError(f"{path}: 'notes' must be a list of texts")
    return PanelSpec(id=_text(top["id"], str(path), "id"), path=path, years=(years[0], years[1]),
                     unit_kind=str(top.get("unit_kind") or "other"), sources=sources, relative=tuple(relative),
                     derived=tuple(derived), notes=tuple(notes))


def _column_name(name: Any, defined: list[str], where: str) -> str:
    if not isinstance(name, str) or not name.isidentifier():
        raise DataError(f"{where}: a column name must be an identifier (letters, digits, _), got {name!r}")
    if name in defined:
        raise DataError(f"{where}: column {name!r} is defined twice")
    defined.append(name)
    return name


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float, size: int) -> PanelSpec:
    return panel_spec_from_dict(load_yaml(path, "panel description", DataError), Path(path))


def load_panel_spec(name_or_path: str | Path = "provincial") -> PanelSpec:
    """A panel description by shipped name (``provincial`` → ``data/panels/provincial.yaml``) or path."""
    p = Path(name_or_path)
    if p.suffix not in (".yaml", ".yml"):
        p = PANELS_DIR / f"{name_or_path}.yaml"
    try:
        st = p.stat()
    except OSError:
        raise DataError(f"panel description {p} not found") from None
    return _cached(str(p), st.st_mtime, st.st_size)
