"""Indicator systems as data: YAML files mapping dimensions to indicators.

A system is a two-level hierarchy (dimension → indicator), written in YAML so that a new system is a new
file, not new code (the COINr idea of an index framework as a table). Each indicator names either a panel
``column`` or an arithmetic ``formula`` over panel columns, its unit, its direction (``+`` benefit,
``-`` cost), which of the article's four key features it evidences, which of the six formation conditions
it speaks to, and a one-line rationale. Optional ``weight`` entries feed the ``fixed`` weighting method.

File format::

    id: three_elements
    name: {zh: 新质生产力三要素, en: Three elements of NQPF}
    description: one paragraph
    reference: citation of the framework
    dimensions:
      - id: laborers
        name: {zh: 新劳动者, en: New laborers}
        weight: 0.4            # optional; all or none of the dimensions
        indicators:
          - id: rd_fte_per_10k
            name: {zh: 每万人R&D人员全时当量, en: R&D personnel FTE per 10k people}
            column: rd_fte_per_10k_pop           # or: formula: "rd_fte_person_years / population_10k"
            unit: {zh: 人年/万人, en: person-years per 10k people}   # or one string for both languages
            direction: "+"
            features: [high_tech]
            conditions: [5]
            rationale: why this measures the dimension
            weight: 0.2        # optional; all or none within a dimension
            min: 0             # optional plausible range; `defaults: {min: 0}` at the top sets it for all
            max: 100

:func:`load_system` validates everything and raises :class:`~nqp_lib.errors.SystemDefinitionError` naming
the file and the key at fault. :meth:`IndicatorSystem.matrix` turns a panel into the unit × year ×
indicator matrix the measurement engine works on.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from nqp_lib.errors import DataError, SystemDefinitionError
from nqp_lib.labels import vocabulary

#: The article's four key features of NQPF (一、(二)), keyed by the ids used in system files (from
#: ``text/vocabulary.yaml``, where the article's vocabulary lives).
FEATURES: dict[str, dict[str, str]] = vocabulary("features")

#: The article's six formation conditions (二、(一)–(六)), numbered as in the article.
CONDITIONS: dict[int, dict[str, str]] = vocabulary("conditions")

DIRECTIONS = {"+": 1, "-": -1, "benefit": 1, "cost": -1, 1: 1, -1: -1}

#: Where the shipped systems live.
SYSTEMS_DIR = Path(__file__).resolve().parent.parent / "data" / "systems"


@dataclass(frozen=True)
class Indicator:
    """One indicator of a system.

    ``direction`` is +1 for a benefit indicator (more is better) and -1 for a cost indicator.
    Exactly one of ``column`` and ``formula`` is set.
    """

    id: str
    dimension: str
    name_zh: str
    name_en: str
    unit: str
    direction: int
    column: str | None = None
    formula: str | None = None
    features: tuple[str, ...] = ()
    conditions: tuple[int, ...] = ()
    rationale: str = ""
    weight: float | None = None
    minimum: float | None = None  # plausible range of the indicator's values, checked by check-data
    maximum: float | None = None
    unit_zh: str | None = None  # the unit in Chinese when the file gives one; ``unit`` is the English text

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def unit_in(self, lang: str = "zh") -> str:
        """The unit in ``lang`` (the single text when the file gives only one)."""
        return self.unit_zh if lang == "zh" and self.unit_zh else self.unit

    @property
    def source_columns(self) -> tuple[str, ...]:
        """Panel columns this indicator reads."""
        if self.column is not None:
            return (self.column,)
        return tuple(sorted(_formula_names(self.formula or "")))


@dataclass(frozen=True)
class Dimension:
    """A dimension (first level of the hierarchy) and its indicators."""

    id: str
    name_zh: str
    name_en: str
    indicators: tuple[Indicator, ...]
    weight: float | None = None

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class IndicatorSystem:
    """A validated indicator system (see the module docstring for the file format)."""

    id: str
    name_zh: str
    name_en: str
    dimensions: tuple[Dimension, ...]
    description: str = ""
    reference: str = ""
    path: Path | None = None
    notes: tuple[str, ...] = field(default=())

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang == "zh" else self.name_en

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        """All indicators, in file order (dimension by dimension)."""
        return tuple(ind for dim in self.dimensions for ind in dim.indicators)

    @property
    def indicator_ids(self) -> list[str]:
        return [ind.id for ind in self.indicators]

    @property
    def dimension_ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def dimension(self, dimension_id: str) -> Dimension:
        for dim in self.dimensions:
            if dim.id == dimension_id:
                return dim
        raise KeyError(dimension_id)

    @property
    def directions(self) -> pd.Series:
        """+1/−1 per indicator id."""
        return pd.Series({i.id: i.direction for i in self.indicators}, name="direction")

    @property
    def dimension_of(self) -> pd.Series:
        """Dimension id per indicator id."""
        return pd.Series({i.id: i.dimension for i in self.indicators}, name="dimension")

    def fixed_weights(self) -> tuple[pd.Series | None, pd.Series | None]:
        """Weights written in the file: (indicator weights within dimension, dimension weights), or None."""
        ind = [i.weight for i in self.indicators]
        dim = [d.weight for d in self.dimensions]
        ind_w = None if any(w is None for w in ind) else pd.Series(ind, index=self.indicator_ids, dtype=float)
        dim_w = None if any(w is None for w in dim) else pd.Series(dim, index=self.dimension_ids, dtype=float)
        return ind_w, dim_w

    def indicator_table(self, lang: str | None = None) -> pd.DataFrame:
        """One row per indicator: id, dimension, names, unit, direction, source, features, conditions."""
        rows = []
        for dim in self.dimensions:
            for ind in dim.indicators:
                rows.append(
                    {
                        "indicator": ind.id,
                        "dimension": dim.id,
                        "dimension_zh": dim.name_zh,
                        "dimension_en": dim.name_en,
                        "name_zh": ind.name_zh,
                        "name_en": ind.name_en,
                        "unit": ind.unit,
                        "unit_zh": ind.unit_in("zh"),
                        "direction": "+" if ind.direction > 0 else "-",
                        "source": ind.column if ind.column is not None else f"= {ind.formula}",
                        "features": ", ".join(ind.features),
                        "conditions": ", ".join(str(c) for c in ind.conditions),
                        "rationale": ind.rationale,
                        "weight": ind.weight,
                        "dimension_weight": dim.weight,
                    }
                )
        table = pd.DataFrame(rows)
        if lang in ("zh", "en"):
            table["name"] = table[f"name_{lang}"]
            table["dimension_name"] = table[f"dimension_{lang}"]
        return table

    def required_columns(self) -> set[str]:
        """Every panel column some indicator reads."""
        return {c for ind in self.indicators for c in ind.source_columns}

    def missing_columns(self, columns: Iterable[str]) -> dict[str, list[str]]:
        """Indicator id → the source columns it needs that are absent from ``columns``."""
        have = set(columns)
        out = {}
        for ind in self.indicators:
            gone = [c for c in ind.source_columns if c not in have]
            if gone:
                out[ind.id] = gone
        return out

    def check_columns(self, columns: Iterable[str], where: str = "the panel") -> None:
        """Raise :class:`SystemDefinitionError` if an indicator reads a column ``columns`` lacks."""
        missing = self.missing_columns(columns)
        if missing:
            have = sorted(set(columns))
            parts = [f"{ind} needs {', '.join(cols)}" for ind, cols in missing.items()]
            raise SystemDefinitionError(
                f"indicator system {self.id!r} ({self.path or 'in memory'}) does not fit {where}: "
                + "; ".join(parts)
                + f". Columns available: {', '.join(have[:40])}{' …' if len(have) > 40 else ''}"
            )

    def matrix(
        self, panel: pd.DataFrame, unit: str = "unit", year: str = "year", where: str = "the panel"
    ) -> pd.DataFrame:
        """Evaluate every indicator on ``panel``.

        Returns a frame with ``unit``, ``year`` and one float column per indicator id (in system order),
        sorted by year then unit. Missing source cells stay missing (NaN); a formula that divides by zero
        raises :class:`DataError` naming ``where`` (the panel), the indicator and the first rows concerned.
        """
        for key in (unit, year):
            if key not in panel.columns:
                raise DataError(f"{where} has no {key!r} column (columns: {', '.join(map(str, panel.columns))})")
        self.check_columns(panel.columns, where=where)
        out = pd.DataFrame({"unit": panel[unit].to_numpy(), "year": panel[year].to_numpy()})
        for ind in self.indicators:
            if ind.column is not None:
                values = pd.to_numeric(panel[ind.column], errors="coerce").to_numpy(dtype=float)
            else:
                values = evaluate_formula(ind.formula or "", panel, label=f"indicator {ind.id!r}")
            bad = np.isinf(values)
            if bad.any():
                examples = out.loc[bad, ["unit", "year"]].head(3).to_records(index=False).tolist()
                raise DataError(
                    f"{where}: indicator {ind.id!r} ({ind.column or ind.formula}) is infinite for {int(bad.sum())} "
                    f"unit-years, e.g. {examples}: a denominator is zero or a value is inf"
                )
            out[ind.id] = values
        return out.sort_values(["year", "unit"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- formulas

_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_FUNCS = {"log": np.log, "sqrt": np.sqrt, "abs": np.abs}


def _formula_names(formula: str) -> set[str]:
    try:
        tree = ast.parse(formula, mode="eval")
    except SyntaxError:
        return set()
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return names - calls


def check_formula(formula: str) -> None:
    """Raise ``ValueError`` unless ``formula`` is arithmetic (+ − × ÷ **, numbers, names, log/sqrt/abs)."""
    try:
        tree = ast.parse(formula, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"not a valid expression ({exc.msg})") from None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.Name, ast.Load)):
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            try:
                finite = math.isfinite(float(node.value))
            except OverflowError:  # an int beyond float range
                finite = False
            if not finite:
                raise ValueError(f"the number {node.value!r} is too large")
            continue
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            continue
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCS:
            if len(node.args) != 1 or node.keywords:
                raise ValueError(f"{node.func.id}() takes exactly one argument")
            continue
        if isinstance(node, (ast.operator, ast.unaryop)) and (type(node) in _BINOPS or type(node) in _UNARY):
            continue
        raise ValueError(
            f"{type(node).__name__} is not allowed; use column names, numbers, + - * / **, log(), sqrt(), abs()"
        )


def evaluate_formula(formula: str, frame: pd.DataFrame | Mapping[str, Any], label: str = "formula") -> np.ndarray:
    """Evaluate an arithmetic formula over the columns of ``frame`` (vectorised, no ``eval``)."""
    try:
        check_formula(formula)
    except ValueError as exc:
        raise SystemDefinitionError(f"{label}: formula {formula!r}: {exc}") from None
    tree = ast.parse(formula, mode="eval")

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return np.float64(node.value)  # numpy arithmetic: 1/0 gives inf (reported), never ZeroDivisionError
        if isinstance(node, ast.Name):
            if node.id not in frame:
                raise SystemDefinitionError(f"{label}: formula {formula!r} uses unknown column {node.id!r}")
            return pd.to_numeric(pd.Series(frame[node.id]), errors="coerce").to_numpy(dtype=float)
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](ev(node.operand))
        if isinstance(node, ast.Call):
            return _FUNCS[node.func.id](ev(node.args[0]))  # type: ignore[union-attr]
        raise SystemDefinitionError(f"{label}: cannot evaluate {formula!r}")  # pragma: no cover

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result = ev(tree)
    n = len(frame) if isinstance(frame, pd.DataFrame) else len(next(iter(frame.values())))
    return np.broadcast_to(np.asarray(result, dtype=float), (n,)).copy()


# --------------------------------------------------------------------------- loading


def _bilingual(node: Any, where: str, key: str) -> tuple[str, str]:
    if isinstance(node, str) and node.strip():
        return node, node
    if isinstance(node, Mapping):
        if set(node) != {"zh", "en"}:
            raise SystemDefinitionError(
                f"{where}: key {key!r} must have exactly the keys zh and en, got {sorted(map(str, node))} "
                "(quote a name that contains a comma: en: \"A, B\")"
            )
        zh, en = node.get("zh"), node.get("en")
        if isinstance(zh, str) and zh.strip() and isinstance(en, str) and en.strip():
            return zh, en
    raise SystemDefinitionError(f"{where}: key {key!r} must be {{zh: ..., en: ...}} with two non-empty names")


def _weight(node: Any, where: str) -> float | None:
    if node is None:
        return None
    if isinstance(node, bool) or not isinstance(node, (int, float)) or not math.isfinite(node) or node < 0:
        raise SystemDefinitionError(f"{where}: 'weight' must be a non-negative number, got {node!r}")
    return float(node)


def _bound(node: Any, where: str, key: str) -> float | None:
    if node is None:
        return None
    if isinstance(node, bool) or not isinstance(node, (int, float)) or not math.isfinite(node):
        raise SystemDefinitionError(f"{where}: {key!r} must be a finite number or absent, got {node!r}")
    return float(node)


def system_from_dict(spec: Any, source: str = "<dict>", path: Path | None = None) -> IndicatorSystem:
    """Validate a parsed YAML mapping and build an :class:`IndicatorSystem`.

    ``source`` is the file name used in error messages.
    """
    if not isinstance(spec, Mapping):
        raise SystemDefinitionError(f"{source}: expected a mapping with 'id', 'name' and 'dimensions' at the top")
    for key in ("id", "name", "dimensions"):
        if key not in spec:
            raise SystemDefinitionError(f"{source}: missing top-level key {key!r}")
    known_top = {"id", "name", "description", "reference", "dimensions", "notes", "defaults"}
    unknown = set(spec) - known_top
    if unknown:
        raise SystemDefinitionError(
            f"{source}: unknown top-level key(s) {sorted(unknown)}; allowed: {sorted(known_top)}"
        )
    sys_id = spec["id"]
    if not isinstance(sys_id, str) or not sys_id.isidentifier():
        raise SystemDefinitionError(f"{source}: 'id' must be an identifier such as three_elements, got {sys_id!r}")
    name_zh, name_en = _bilingual(spec["name"], source, "name")
    defaults = spec.get("defaults") or {}
    if not isinstance(defaults, Mapping) or set(defaults) - {"min", "max"}:
        raise SystemDefinitionError(f"{source}: 'defaults' may only set 'min' and 'max', got {defaults!r}")
    dims_spec = spec["dimensions"]
    if not isinstance(dims_spec, list) or not dims_spec:
        raise SystemDefinitionError(f"{source}: 'dimensions' must be a non-empty list")

    seen_ind: dict[str, str] = {}
    seen_dim: set[str] = set()
    dimensions = []
    known_dim = {"id", "name", "weight", "indicators", "description"}
    known_ind = {
        "id", "name", "column", "formula", "unit", "direction", "features", "conditions", "rationale", "weight",
        "min", "max",
    }
    for d_pos, d in enumerate(dims_spec):
        dwhere = f"{source}: dimensions[{d_pos}]"
        if not isinstance(d, Mapping) or "id" not in d:
            raise SystemDefinitionError(f"{dwhere}: each dimension needs an 'id'")
        d_id = d["id"]
        dwhere = f"{source}: dimension {d_id!r}"
        if not isinstance(d_id, str) or not d_id.isidentifier():
            raise SystemDefinitionError(f"{dwhere}: 'id' must be an identifier")
        if d_id in seen_dim:
            raise SystemDefinitionError(f"{dwhere}: duplicate dimension id {d_id!r}")
        seen_dim.add(d_id)
        unknown = set(d) - known_dim
        if unknown:
            raise SystemDefinitionError(f"{dwhere}: unknown key(s) {sorted(unknown)}; allowed: {sorted(known_dim)}")
        d_zh, d_en = _bilingual(d.get("name"), dwhere, "name")
        inds_spec = d.get("indicators")
        if not isinstance(inds_spec, list) or not inds_spec:
            raise SystemDefinitionError(f"{dwhere}: 'indicators' is empty; a dimension needs at least one indicator")
        indicators = []
        for i_pos, i in enumerate(inds_spec):
            iwhere = f"{dwhere}, indicators[{i_pos}]"
            if not isinstance(i, Mapping) or "id" not in i:
                raise SystemDefinitionError(f"{iwhere}: each indicator needs an 'id'")
            i_id = i["id"]
            iwhere = f"{dwhere}, indicator {i_id!r}"
            if not isinstance(i_id, str) or not i_id.isidentifier():
                raise SystemDefinitionError(f"{iwhere}: 'id' must be an identifier (letters, digits, _)")
            if i_id in seen_ind:
                raise SystemDefinitionError(
                    f"{iwhere}: duplicate indicator id {i_id!r} (already in dimension {seen_ind[i_id]!r})"
                )
            seen_ind[i_id] = d_id
            unknown = set(i) - known_ind
            if unknown:
                raise SystemDefinitionError(
                    f"{iwhere}: unknown key(s) {sorted(unknown)}; allowed: {sorted(known_ind)}"
                )
            i_zh, i_en = _bilingual(i.get("name"), iwhere, "name")
            column, formula = i.get("column"), i.get("formula")
            if (column is None) == (formula is None):
                raise SystemDefinitionError(f"{iwhere}: give exactly one of 'column' or 'formula'")
            if column is not None and (not isinstance(column, str) or not column.strip()):
                raise SystemDefinitionError(f"{iwhere}: 'column' must be a column name, got {column!r}")
            if formula is not None:
                if not isinstance(formula, str):
                    raise SystemDefinitionError(f"{iwhere}: 'formula' must be a string, got {formula!r}")
                try:
                    check_formula(formula)
                except ValueError as exc:
                    raise SystemDefinitionError(f"{iwhere}: formula {formula!r}: {exc}") from None
            direction = i.get("direction")
            if isinstance(direction, bool) or not isinstance(direction, (str, int)) or direction not in DIRECTIONS:
                raise SystemDefinitionError(
                    f"{iwhere}: 'direction' must be '+' (benefit) or '-' (cost), got {direction!r}"
                )
            unit = i.get("unit")
            if isinstance(unit, dict):
                if set(unit) != {"zh", "en"} or not all(isinstance(v, str) and v.strip() for v in unit.values()):
                    raise SystemDefinitionError(
                        f"{iwhere}: 'unit' as a mapping needs exactly zh and en texts, got {unit!r}")
                unit, unit_zh = unit["en"], unit["zh"]
            else:
                unit_zh = None
            if not isinstance(unit, str) or not unit.strip():
                raise SystemDefinitionError(
                    f"{iwhere}: 'unit' is required: one text (e.g. '%') or {{zh: 元/人, en: yuan per person}}")
            features = i.get("features", []) or []
            if not isinstance(features, list) or any(not isinstance(f, str) or f not in FEATURES for f in features):
                raise SystemDefinitionError(
                    f"{iwhere}: 'features' must be a list drawn from {sorted(FEATURES)}, got {features!r}"
                )
            conditions = i.get("conditions", []) or []
            if not isinstance(conditions, list) or any(
                isinstance(c, bool) or not isinstance(c, int) or c not in CONDITIONS for c in conditions
            ):
                raise SystemDefinitionError(f"{iwhere}: 'conditions' must be a list of numbers 1–6, got {conditions!r}")
            rationale = i.get("rationale", "") or ""
            if not isinstance(rationale, str):
                raise SystemDefinitionError(f"{iwhere}: 'rationale' must be text")
            indicators.append(
                Indicator(
                    id=i_id,
                    dimension=d_id,
                    name_zh=i_zh,
                    name_en=i_en,
                    unit=unit,
                    unit_zh=unit_zh,
                    direction=DIRECTIONS[direction],
                    column=column,
                    formula=formula,
                    features=tuple(features),
                    conditions=tuple(int(c) for c in conditions),
                    rationale=rationale.strip(),
                    weight=_weight(i.get("weight"), iwhere),
                    minimum=_bound(i.get("min", defaults.get("min")), iwhere, "min"),
                    maximum=_bound(i.get("max", defaults.get("max")), iwhere, "max"),
                )
            )
        weights = [ind.weight for ind in indicators]
        if any(w is None for w in weights) and not all(w is None for w in weights):
            raise SystemDefinitionError(f"{dwhere}: give a 'weight' to every indicator of the dimension or to none")
        if all(w is not None for w in weights) and sum(weights) <= 0:  # type: ignore[arg-type]
            raise SystemDefinitionError(f"{dwhere}: indicator weights sum to zero")
        dimensions.append(
            Dimension(
                id=d_id, name_zh=d_zh, name_en=d_en, indicators=tuple(indicators), weight=_weight(d.get("weight"), dwhere)
            )
        )
    dweights = [d.weight for d in dimensions]
    if any(w is None for w in dweights) and not all(w is None for w in dweights):
        raise SystemDefinitionError(f"{source}: give a 'weight' to every dimension or to none")
    notes = spec.get("notes") or []
    if isinstance(notes, str):
        notes = [notes]
    return IndicatorSystem(
        id=sys_id,
        name_zh=name_zh,
        name_en=name_en,
        dimensions=tuple(dimensions),
        description=str(spec.get("description", "") or "").strip(),
        reference=str(spec.get("reference", "") or "").strip(),
        path=path,
        notes=tuple(str(n) for n in notes),
    )


def shipped_systems() -> list[str]:
    """Names of the systems shipped in ``data/systems``."""
    return sorted(p.stem for p in SYSTEMS_DIR.glob("*.yaml"))


def resolve_system_path(name_or_path: str | Path) -> Path:
    """A shipped system name (``three_elements``) or a path to a YAML file → an existing path."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.is_file():
            raise SystemDefinitionError(f"indicator system file {str(p)!r} does not exist")
        return p
    shipped = SYSTEMS_DIR / f"{name_or_path}.yaml"
    if shipped.is_file():
        return shipped
    raise SystemDefinitionError(
        f"unknown indicator system {str(name_or_path)!r}: give a YAML path or one of {shipped_systems()}"
    )


def load_system(name_or_path: str | Path = "three_elements") -> IndicatorSystem:
    """Load and validate an indicator system by shipped name or YAML path."""
    path = resolve_system_path(name_or_path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SystemDefinitionError(f"{path}: not UTF-8 text; save the YAML file as UTF-8") from None
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SystemDefinitionError(f"{path}: not valid YAML{at}: {getattr(exc, 'problem', exc)}") from None
    return system_from_dict(spec, source=str(path), path=path)
