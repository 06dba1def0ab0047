"""Reading indicator systems from YAML: :func:`load_system` validates a file into an
:class:`~nqp_lib.systems.model.IndicatorSystem` (the format is in :mod:`nqp_lib.systems`).

The file is read with :func:`nqp_lib.safe_yaml.load_yaml` (bounded size, nesting and aliases; UTF-8 only).
Every problem raises :class:`~nqp_lib.errors.SystemDefinitionError` naming the file and the key at fault.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nqp_lib import formula
from nqp_lib.data.package import SYSTEMS_DIR, shipped_system_names  # where the shipped systems live
from nqp_lib.errors import SystemDefinitionError
from nqp_lib.labels import vocabulary
from nqp_lib.safe_yaml import load_yaml
from nqp_lib.systems.model import Dimension, Indicator, IndicatorSystem

#: The article's four key features of NQPF (一、(二)), keyed by the ids used in system files (from
#: ``text/vocabulary.yaml``, where the article's vocabulary lives).
FEATURES: dict[str, dict[str, str]] = vocabulary("features")

#: The article's six formation conditions (二、(一)–(六)), numbered as in the article.
CONDITIONS: dict[int, dict[str, str]] = vocabulary("conditions")

DIRECTIONS = {"+": 1, "-": -1, "benefit": 1, "cost": -1, 1: 1, -1: -1}


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
            column, formula_text = i.get("column"), i.get("formula")
            if (column is None) == (formula_text is None):
                raise SystemDefinitionError(f"{iwhere}: give exactly one of 'column' or 'formula'")
            if column is not None and (not isinstance(column, str) or not column.strip()):
                raise SystemDefinitionError(f"{iwhere}: 'column' must be a column name, got {column!r}")
            if formula_text is not None:
                if not isinstance(formula_text, str):
                    raise SystemDefinitionError(f"{iwhere}: 'formula' must be a string, got {formula_text!r}")
                try:
                    formula.check(formula_text)
                except formula.FormulaError as exc:
                    raise SystemDefinitionError(f"{iwhere}: formula {formula.shown(formula_text)}: {exc}") from None
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
                    formula=formula_text,
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
    return shipped_system_names()


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
    spec = load_yaml(path, "indicator system", SystemDefinitionError)
    return system_from_dict(spec, source=str(path), path=path)
