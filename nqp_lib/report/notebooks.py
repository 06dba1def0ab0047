"""The generated parts of a section notebook, and ``nqp notebooks`` which writes or checks them.

A section notebook is written by hand except for three parts generated from the one place each is
declared:

* its first cell, a Markdown abstract of the section in both languages (the blocks ``nav`` and
  ``abstract`` of ``text/zh/<section>.md`` and ``text/en/<section>.md``), tagged ``nqp-abstract``: read in
  JupyterLab, left out of the built page (which is in one language and opens with the section's own prose);
* its ``parameters`` cell (:func:`nqp_lib.report.parameters.parameters_cell_source`);
* ``metadata.nqp``: the title and one-line description the index page and the navigation show (the blocks
  ``nav`` and ``description``).

``nqp notebooks --write`` rewrites those parts; ``nqp notebooks`` (check) lists every notebook whose parts
differ and exits 1. ``nqp build`` refuses a notebook whose parameters cell differs (the build would
otherwise ignore an edit made there: :meth:`nqp_lib.report.sections.Section.params`), and a test fails
on any difference.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nqp_lib.labels import LANGS
from nqp_lib.report import prose
from nqp_lib.report.parameters import parameters_cell_source
from nqp_lib.report.params import cell_source, parameters_cell, read_notebook

ABSTRACT_TAG = "nqp-abstract"


def section_name(path: Path) -> str:
    """``notebooks/01_connotation.ipynb`` → ``connotation``."""
    stem = Path(path).stem
    return stem.split("_", 1)[1] if "_" in stem else stem


def abstract_source(section: str) -> str:
    """The first cell of a section notebook: its title and abstract in every language."""
    parts = [" · ".join(prose.render(section, "nav", lang, {}) for lang in LANGS)]
    parts[0] = "## " + parts[0]
    parts += [prose.render(section, "abstract", lang, {}) for lang in LANGS]
    files = " and ".join(f"nqp_lib/text/{lang}/{section}.md" for lang in LANGS)
    parts.append(f"<!-- generated from {files} by `nqp notebooks --write`; not shown in the built page -->")
    return "\n\n".join(parts)


def metadata(section: str) -> dict[str, dict[str, str]]:
    """``metadata.nqp`` of a section notebook: title and description in every language."""
    return {
        "title": {lang: prose.render(section, "nav", lang, {}) for lang in LANGS},
        "description": {lang: prose.render(section, "description", lang, {}) for lang in LANGS},
    }


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _abstract_cell(nb: dict[str, Any]) -> dict[str, Any] | None:
    cells = nb.get("cells", [])
    if cells and cells[0].get("cell_type") == "markdown" and ABSTRACT_TAG in cells[0].get("metadata", {}).get("tags", []):
        return cells[0]
    return None


def differences(path: Path) -> list[str]:
    """What differs between a notebook's generated parts and what the declarations generate (empty: none)."""
    path = Path(path)
    section = section_name(path)
    nb = read_notebook(path)
    found = []
    abstract = _abstract_cell(nb)
    if abstract is None:
        found.append(f"{path.name}: the first cell is not the generated abstract (a markdown cell tagged {ABSTRACT_TAG!r})")
    elif cell_source(abstract) != abstract_source(section):
        found.append(f"{path.name}: the abstract cell differs from text/*/{section}.md (blocks nav, abstract)")
    if cell_source(parameters_cell(nb, str(path))) != parameters_cell_source(section):
        found.append(f"{path.name}: the parameters cell differs from nqp_lib/report/parameters.py")
    if nb.get("metadata", {}).get("nqp") != metadata(section):
        found.append(f"{path.name}: metadata.nqp differs from text/*/{section}.md (blocks nav, description)")
    return found


def write(path: Path) -> bool:
    """Rewrite a notebook's generated parts; True when the file changed."""
    path = Path(path)
    section = section_name(path)
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    abstract = _abstract_cell(nb)
    if abstract is None:
        abstract = {"cell_type": "markdown", "id": "abstract", "metadata": {"tags": [ABSTRACT_TAG]}, "source": []}
        nb["cells"].insert(0, abstract)
    abstract["source"] = _lines(abstract_source(section))
    parameters_cell(nb, str(path))["source"] = _lines(parameters_cell_source(section))
    nb.setdefault("metadata", {})["nqp"] = metadata(section)
    new = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if new == text:
        return False
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(path)
    return True
