"""What a build will do: the sections, and every parameter's value for each, validated before anything runs.

:func:`plan` picks the sections, reads each notebook's ``parameters`` cell (as JSON and ``ast``; no code
runs), applies ``-f params.yaml``, ``-p NAME VALUE`` and ``--lang``, and refuses unknown names (with a
suggestion), wrong types and values outside the allowed set. :func:`check_against_data` adds the checks
that need the data (:func:`nqp_lib.report.context.check_settings`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nqp_lib.errors import ParameterError
from nqp_lib.report.params import read_params_file, validate_overrides
from nqp_lib.report.sections import Section, all_sections, select_sections

#: values of ``panel`` and ``system`` that name shipped data rather than a file
SHIPPED = ("provincial", "shipped", "international")


def plan(
    names: list[str] | None,
    overrides: dict[str, Any],
    params_file: str | Path | None = None,
    lang: str | None = None,
) -> tuple[list[Section], dict[str, dict[str, Any]]]:
    """Select sections and validate every parameter's name, type and allowed values.

    File paths given as ``panel`` or ``system`` are made absolute here, relative to where ``nqp build``
    runs, because the notebooks run in another directory (and the cache key must hash the same file).
    """
    sections = select_sections(names)
    file_values, file_sections = read_params_file(params_file) if params_file else ({}, {})
    merged = {**file_values, **overrides}
    if lang is not None:
        if "lang" in overrides and overrides["lang"] != lang:
            raise ParameterError(f"--lang {lang} contradicts -p lang {overrides['lang']}; give one of them")
        merged["lang"] = lang
    everything = all_sections()
    known = {s.stem for s in everything} | {s.name for s in everything}
    unknown_sections = sorted(set(file_sections) - known)
    if unknown_sections:
        raise ParameterError(
            f"params file names unknown section(s) {unknown_sections}; sections are {', '.join(s.stem for s in everything)}"
        )
    section_overrides: dict[str, dict[str, Any]] = {}
    for key, vals in file_sections.items():  # sections not being built this time are ignored
        for s in sections:
            if key in (s.stem, s.name):
                section_overrides.setdefault(s.stem, {}).update(vals)
    specs = {s.stem: s.params() for s in sections}
    values = validate_overrides(specs, merged, section_overrides)
    for vals in values.values():
        for key in ("panel", "system", "panel_meta", "weights_matrix"):  # notebooks run in another folder
            v = vals.get(key)
            if isinstance(v, str) and v and v not in SHIPPED and Path(v).expanduser().exists():
                vals[key] = str(Path(v).expanduser().resolve())
    return sections, values


def check_against_data(stem: str, values: dict[str, Any]) -> None:
    """The data-dependent checks (:func:`~nqp_lib.report.context.check_settings`) for one section."""
    from nqp_lib.report.context import check_settings

    try:
        check_settings(**values)
    except ParameterError as exc:
        raise ParameterError(f"section {stem}: {exc}") from None
