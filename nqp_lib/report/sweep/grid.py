"""The members of a sweep: parameter sets from ``--over NAME=V1,V2`` and ``--grid sweep.yaml``.

``--over`` axes multiply: ``--over focus=all --over lang=zh,en`` is 31 × 2 = 62 members. ``all`` stands for
every unit of the panel when the parameter is ``focus``, and for every allowed value of a parameter with a
fixed set of choices (``lang``, ``weights``, …). A grid file holds the same in YAML::

    over:                     # a product of values, as --over
      focus: all
      lang: [zh, en]
    members:                  # and/or an explicit list of parameter sets
      - {weights: entropy, aggregate: sum}
      - {weights: critic, aggregate: topsis}
    params: {year_from: 2015} # shared by every member (like -p)

With both ``over`` and ``members``, every member is combined with every ``over`` combination. Values are
checked later exactly as ``nqp build`` checks them, member by member.

Each member gets a folder name made of the parameters that vary across the sweep
(``focus-北京__lang-zh``): readable, stable when the grid grows, safe on any file system.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nqp_lib.errors import ParameterError
from nqp_lib.io import sha256_bytes
from nqp_lib.report.parameters import Parameter

#: parameters whose value may be a file path (its file name's stem names the member's folder)
FILE_PARAMS = ("panel", "system")
#: most members a sweep may have (a typo such as --over seed=all must not start a million builds)
MAX_MEMBERS = 5_000


@dataclass(frozen=True)
class Member:
    """One parameter set of a sweep and the folder its report set goes to."""

    number: int  # 1-based, in grid order
    params: dict[str, Any]  # this member's values (strings from the command line, or YAML values)
    folder: str  # sub-folder of the sweep's output folder

    def label(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.params.items()) or "(defaults)"


def parse_over(items: list[str] | None) -> dict[str, list[Any] | str]:
    """``["focus=all", "lang=zh,en"]`` → ``{"focus": "all", "lang": ["zh", "en"]}``."""
    axes: dict[str, list[Any] | str] = {}
    for item in items or []:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not name or not values.strip():
            raise ParameterError(f"--over {item!r}: write NAME=VALUE1,VALUE2 (or NAME=all)")
        if name in axes:
            raise ParameterError(f"--over {name} given twice; list all its values in one --over")
        vals = [v.strip() for v in values.split(",")]
        if any(not v for v in vals):
            raise ParameterError(f"--over {item!r}: an empty value between commas")
        axes[name] = "all" if vals == ["all"] else vals
    return axes


def read_grid(path: str | Path) -> tuple[dict[str, list[Any] | str], list[dict[str, Any]], dict[str, Any]]:
    """A grid file: its ``over`` axes, its ``members`` and its shared ``params`` (see the module docstring)."""
    from nqp_lib.safe_yaml import load_yaml

    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"grid file {p} not found")
    data = load_yaml(p, "grid file", ParameterError)
    if isinstance(data, list):
        data = {"members": data}
    if not isinstance(data, dict) or not data:
        raise ParameterError(f"grid file {p}: expected a mapping with 'over', 'members' and/or 'params', or a list of members")
    unknown = sorted(set(data) - {"over", "members", "params"})
    if unknown:
        raise ParameterError(f"grid file {p}: unknown key(s) {unknown}; use 'over', 'members', 'params'")
    over = data.get("over") or {}
    if not isinstance(over, dict):
        raise ParameterError(f"grid file {p}: 'over' must map parameter names to a list of values or 'all'")
    axes: dict[str, list[Any] | str] = {}
    for name, values in over.items():
        if values == "all":
            axes[str(name)] = "all"
        elif isinstance(values, list) and values and all(isinstance(v, (str, int, float, bool)) for v in values):
            axes[str(name)] = list(values)
        else:
            raise ParameterError(f"grid file {p}: over.{name} must be a non-empty list of values or 'all'")
    members = data.get("members") or []
    if not isinstance(members, list) or not all(isinstance(m, dict) for m in members):
        raise ParameterError(f"grid file {p}: 'members' must be a list of parameter mappings")
    shared = data.get("params") or {}
    if not isinstance(shared, dict):
        raise ParameterError(f"grid file {p}: 'params' must map parameter names to values")
    return axes, [dict(m) for m in members], dict(shared)


def expand_all(name: str, spec: Parameter | None, panel: str) -> list[Any]:
    """The values ``all`` stands for: every unit of the panel for ``focus``, its grouping columns for
    ``grouping``, every choice otherwise."""
    if name == "focus":
        from nqp_lib.data.userpanel import open_panel

        try:
            return list(open_panel(panel).unit_names)
        except Exception as exc:  # the panel is checked properly later; here only its units are needed
            raise ParameterError(f"--over focus=all: cannot list the units of panel {panel!r}: {exc}") from None
    if name == "grouping":  # the panel's own grouping columns
        from nqp_lib.data.userpanel import open_panel

        try:
            meta = open_panel(panel).meta
        except Exception as exc:  # checked properly later
            raise ParameterError(f"--over grouping=all: cannot list the groupings of panel {panel!r}: {exc}") from None
        if meta is None or not meta.groupings:
            raise ParameterError(f"--over grouping=all: panel {panel!r} has no grouping column")
        return list(meta.grouping_columns)
    if spec is not None and spec.choices:
        return list(spec.choices)
    raise ParameterError(f"--over {name}=all: 'all' works for focus, grouping and parameters with a fixed set of choices; "
                         f"list the values of {name!r}")


def folder_name(params: dict[str, Any], varying: list[str]) -> str:
    """``focus-北京__lang-zh``: the varying parameters' values, characters outside letters, digits, ``.``
    and ``-`` replaced; a panel or system file contributes its file name's stem."""
    parts = []
    for name in varying:
        value = params.get(name)
        text = Path(value).stem if name in FILE_PARAMS and isinstance(value, str) else str(value)
        parts.append(f"{name}-{re.sub(r'[^0-9A-Za-z_.一-鿿-]+', '_', text).strip('._') or 'x'}")
    name = "__".join(parts) or "defaults"
    if len(name.encode()) > 120:  # file systems allow 255 bytes; keep room, stay unique
        name = name[:60] + "-" + sha256_bytes(name.encode())[:12]
    return name


def members(axes: dict[str, list[Any] | str], listed: list[dict[str, Any]], specs: dict[str, Parameter],
            panel: str) -> list[Member]:
    """Every member of the grid: the product of ``axes`` (``all`` expanded), combined with each of
    ``listed`` (when given), in order; duplicates refused."""
    names = list(axes)
    columns = []
    for name in names:
        values = axes[name]
        columns.append(expand_all(name, specs.get(name), panel) if values == "all" else list(values))
    combos = [dict(zip(names, c)) for c in itertools.product(*columns)] if names else [{}]
    sets = [{**m, **c} for m in (listed or [{}]) for c in combos]
    if len(sets) > MAX_MEMBERS:
        raise ParameterError(f"the sweep has {len(sets):,} members; at most {MAX_MEMBERS:,} are allowed")
    varying = [n for n in dict.fromkeys(k for s in sets for k in s) if len({str(s.get(n)) for s in sets}) > 1]
    seen: dict[str, int] = {}
    out = []
    for i, params in enumerate(sets, 1):
        folder = folder_name(params, varying)
        if folder in seen:
            raise ParameterError(f"members {seen[folder]} and {i} of the sweep are the same ({folder}); "
                                 "list each value once")
        seen[folder] = i
        out.append(Member(i, params, folder))
    return out
