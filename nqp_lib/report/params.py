"""Report parameters: read them from a notebook's ``parameters`` cell, validate overrides before running.

Each section notebook has one code cell tagged ``parameters`` (papermill's convention) made of typed,
commented assignments::

    lang: Literal["zh", "en"] = "zh"  # language of text and chart labels
    year_from: int = 2012  # first year of the analysis

:func:`parameter_specs` parses that cell with :mod:`ast` (nothing is executed) into :class:`ParamSpec`
records: name, type, default, allowed values (from ``Literal[...]``) and help (the comment). Papermill only
*warns* about unknown parameters; :func:`validate_overrides` refuses them, with a close-match suggestion,
and refuses values of the wrong type or outside the allowed set. Semantic checks that need data (is the
focus province known, is the year range covered, does the system load) live in
:func:`nqp_lib.report.context.check_settings`, which both ``nqp build`` and the notebook's set-up call run.
"""

from __future__ import annotations

import ast
import difflib
import io
import json
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nqp_lib.errors import ParameterError

_TYPES = {"str": str, "int": int, "float": float, "bool": bool}


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a section notebook."""

    name: str
    type: str  # "str", "int", "float", "bool"
    default: Any
    help: str = ""
    choices: tuple[Any, ...] | None = None

    def describe_type(self) -> str:
        if self.choices:
            return " | ".join(repr(c) for c in self.choices)
        return self.type

    def coerce(self, value: Any, where: str = "") -> Any:
        """Convert ``value`` (a CLI string, or a YAML/Python value) to this parameter's type, or raise."""
        label = f"{where}parameter {self.name!r}"
        py = _TYPES[self.type]
        if isinstance(value, str) and self.type != "str":
            text = value.strip()
            try:
                if self.type == "bool":
                    if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError
                    value = text.lower() in ("true", "1", "yes")
                elif self.type == "int":
                    value = int(text)
                else:
                    value = float(text)
            except ValueError:
                raise ParameterError(f"{label} must be {self.type}, got {value!r}") from None
        elif self.type == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, py) or (py is int and isinstance(value, bool)):
            raise ParameterError(f"{label} must be {self.type}, got {type(value).__name__} {value!r}")
        if self.choices is not None and value not in self.choices:
            close = difflib.get_close_matches(str(value), [str(c) for c in self.choices], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ParameterError(
                f"{label} must be one of {', '.join(repr(c) for c in self.choices)}; got {value!r}{hint}"
            )
        return value


def read_notebook(path: str | Path) -> dict[str, Any]:
    """A notebook file as plain JSON (no nbformat: its jsonschema import costs about a second)."""
    p = Path(path)
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ParameterError(f"{p}: not a readable notebook ({exc})") from None


def cell_source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def parameters_cell(nb: dict[str, Any], source: str = "notebook") -> dict[str, Any]:
    cells = [
        c for c in nb.get("cells", [])
        if c.get("cell_type") == "code" and "parameters" in c.get("metadata", {}).get("tags", [])
    ]
    if len(cells) != 1:
        raise ParameterError(f"{source}: expected exactly one code cell tagged 'parameters', found {len(cells)}")
    return cells[0]


def _comments(source: str) -> dict[int, str]:
    out = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = tok.string.lstrip("#").strip()
    return out


def _annotation(node: ast.expr, where: str) -> tuple[str, tuple[Any, ...] | None]:
    if isinstance(node, ast.Name) and node.id in _TYPES:
        return node.id, None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Literal":
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        choices = tuple(ast.literal_eval(e) for e in elts)
        kinds = {type(c).__name__ for c in choices}
        if len(kinds) != 1 or next(iter(kinds)) not in _TYPES:
            raise ParameterError(f"{where}: Literal choices must all be str, int, float or bool")
        return next(iter(kinds)), choices
    raise ParameterError(f"{where}: annotation must be str, int, float, bool or Literal[...]")


def parse_parameters(source: str, where: str = "parameters cell") -> list[ParamSpec]:
    """Parse a parameters cell's source into specs (imports and comments allowed; nothing executed)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"{where}: not valid Python ({exc.msg}, line {exc.lineno})") from None
    comments = _comments(source)
    specs = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name) or node.value is None:
            raise ParameterError(
                f"{where}, line {node.lineno}: write parameters as 'name: type = default  # help'"
            )
        name = node.target.id
        type_name, choices = _annotation(node.annotation, f"{where}, {name}")
        try:
            default = ast.literal_eval(node.value)
        except ValueError:
            raise ParameterError(f"{where}, {name}: the default must be a literal value") from None
        spec = ParamSpec(name, type_name, default, comments.get(node.lineno, ""), choices)
        spec.coerce(default, where=f"{where}: default of ")
        specs.append(spec)
    return specs


def parameter_specs(notebook: str | Path) -> list[ParamSpec]:
    """The parameters of a section notebook file."""
    path = Path(notebook)
    cell = parameters_cell(read_notebook(path), str(path))
    return parse_parameters(cell_source(cell), where=f"{path.name} parameters cell")


def suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def validate_overrides(
    specs: dict[str, list[ParamSpec]], overrides: dict[str, Any], section_overrides: dict[str, dict[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """Check parameter overrides against every selected section's specs; return the full values per section.

    ``overrides`` apply to every section that declares the parameter (a name no selected section declares
    is an error). ``section_overrides`` (from a params file's ``sections:`` block) apply to one section.
    """
    all_names = sorted({s.name for lst in specs.values() for s in lst})
    for name in overrides:
        if name not in all_names:
            raise ParameterError(
                f"unknown parameter {name!r}{suggest(name, all_names)} (known: {', '.join(all_names)})"
            )
    values: dict[str, dict[str, Any]] = {}
    for section, lst in specs.items():
        by_name = {s.name: s for s in lst}
        vals = {s.name: s.default for s in lst}
        for name, value in overrides.items():
            if name in by_name:
                vals[name] = by_name[name].coerce(value)
        for name, value in (section_overrides or {}).get(section, {}).items():
            if name not in by_name:
                raise ParameterError(
                    f"section {section}: unknown parameter {name!r}{suggest(name, list(by_name))}"
                )
            vals[name] = by_name[name].coerce(value, where=f"section {section}: ")
        values[section] = vals
    return values


def read_params_file(path: str | Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A YAML params file: top-level ``name: value`` pairs, plus an optional ``sections: {SECTION: {...}}``."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"params file {p} not found")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(f"params file {p}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ParameterError(f"params file {p}: expected a mapping of parameter names to values")
    sections = data.pop("sections", {}) or {}
    if not isinstance(sections, dict) or not all(isinstance(v, dict) for v in sections.values()):
        raise ParameterError(f"params file {p}: 'sections' must map section names to parameter mappings")
    return data, sections
