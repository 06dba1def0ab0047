"""Section notebooks: discovery, names and metadata.

A section is a notebook ``notebooks/NN_name.ipynb`` whose metadata holds
``{"nqp": {"title": {"zh": …, "en": …}, "description": {"zh": …, "en": …}}}`` (generated from the section's
prose by ``nqp notebooks --write``, see :mod:`nqp_lib.report.notebooks`). Sections are built in file
order; a section may be named on the command line by its stem (``01_connotation``) or its name
(``connotation``). Adding a section is adding such a notebook (see README).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from nqp_lib.errors import ParameterError
from nqp_lib.report.parameters import Parameter, for_section, parameters_cell_source
from nqp_lib.report.params import cell_source, parameters_cell, read_notebook

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def notebooks_dir() -> Path:
    return Path(os.environ.get("NQP_NOTEBOOKS", PROJECT_ROOT / "notebooks"))


@dataclass(frozen=True)
class Section:
    stem: str  # "01_connotation"
    path: Path
    title: dict[str, str]
    description: dict[str, str]

    @property
    def name(self) -> str:
        return self.stem.split("_", 1)[1] if "_" in self.stem else self.stem

    def params(self) -> list[Parameter]:
        """The section's parameters (:func:`nqp_lib.report.parameters.for_section`), after checking that the
        notebook's parameters cell is the generated one: ``nqp build`` passes every value explicitly, so an
        edit made in the cell would be silently ignored — refuse it instead."""
        cell = parameters_cell(read_notebook(self.path), str(self.path))
        if cell_source(cell) != parameters_cell_source(self.name):
            raise ParameterError(
                f"{self.path}: the parameters cell differs from the declarations in nqp_lib/report/parameters.py; "
                "set values with -p NAME VALUE or a params file, and run `nqp notebooks --write` to restore the cell"
            )
        return for_section(self.name)

    def label(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("en") or self.stem

    def blurb(self, lang: str) -> str:
        return self.description.get(lang) or self.description.get("en") or ""


def _read(path: Path) -> Section:
    meta = read_notebook(path).get("metadata", {}).get("nqp", {})
    return Section(
        stem=path.stem,
        path=path,
        title=dict(meta.get("title", {})) or {"zh": path.stem, "en": path.stem},
        description=dict(meta.get("description", {})),
    )


def all_sections(directory: Path | None = None) -> list[Section]:
    d = directory or notebooks_dir()
    paths = sorted(p for p in d.glob("[0-9][0-9]_*.ipynb") if not p.name.startswith("."))
    if not paths:
        raise ParameterError(f"no section notebooks (NN_name.ipynb) found in {d}")
    return [_read(p) for p in paths]


def select_sections(names: list[str] | None, directory: Path | None = None) -> list[Section]:
    """Sections named on the command line (all when ``names`` is empty), in file order."""
    sections = all_sections(directory)
    if not names:
        return sections
    by_key = {}
    for s in sections:
        by_key[s.stem] = s
        by_key[s.name] = s
        by_key[s.stem[:2]] = s
    chosen = []
    for n in names:
        if n not in by_key:
            close = difflib.get_close_matches(n, list(by_key), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ParameterError(f"unknown section {n!r}{hint} (sections: {', '.join(s.stem for s in sections)})")
        if by_key[n] not in chosen:
            chosen.append(by_key[n])
    return [s for s in sections if s in chosen]
