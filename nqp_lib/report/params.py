"""Report parameters at build time: the notebooks' ``parameters`` cells, and overrides validated before running.

The parameters themselves are declared once, in :mod:`nqp_lib.report.parameters`; each section notebook
carries a generated copy of its declarations as the code cell tagged ``parameters`` (papermill's
convention), which :func:`parameters_cell` finds. Papermill only *warns* about unknown parameters;
:func:`validate_overrides` refuses them, with a close-match suggestion, and refuses values of the wrong type
or outside the allowed set. Semantic checks that need data (is the focus province known, is the year range
covered, does the system load) live in :func:`nqp_lib.report.context.check_settings`, which both
``nqp build`` and the notebook's set-up call run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nqp_lib.errors import ParameterError
from nqp_lib.report.parameters import Parameter, suggest

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


def validate_overrides(
    specs: dict[str, list[Parameter]], overrides: dict[str, Any], section_overrides: dict[str, dict[str, Any]] | None = None
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
    from nqp_lib.safe_yaml import load_yaml

    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"params file {p} not found")
    data = load_yaml(p, "params file", ParameterError) or {}
    if not isinstance(data, dict):
        raise ParameterError(f"params file {p}: expected a mapping of parameter names to values")
    sections = data.pop("sections", {}) or {}
    if not isinstance(sections, dict) or not all(isinstance(v, dict) for v in sections.values()):
        raise ParameterError(f"params file {p}: 'sections' must map section names to parameter mappings")
    return data, sections
