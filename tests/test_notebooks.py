"""Section notebooks: thin, no committed outputs, typed parameters, every prose key present in both languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nqp_lib import labels
from nqp_lib.report.params import parameter_specs
from nqp_lib.report.sections import all_sections

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REQUIRED = {"lang", "system", "year_from", "year_to", "weights", "aggregate", "scope", "grouping", "focus", "seed"}


def test_the_five_sections_exist():
    assert [p.stem for p in NOTEBOOKS] == ["00_overview", "01_connotation", "02_conditions", "03_pathways", "04_methods"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_thin_and_clean(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for cell in code:
        src = "".join(cell["source"])
        assert cell.get("outputs") == [], f"{path.name}: committed outputs"
        assert cell.get("execution_count") is None, f"{path.name}: execution count committed"
        assert not re.search(r"^\s*(def|class)\s", src, re.M), f"{path.name}: defines a function or class"
        assert "read_csv" not in src and "read_excel" not in src, f"{path.name}: reads files directly"
        assert len(src.splitlines()) <= 16, f"{path.name}: a cell this long belongs in nqp_lib"
    tagged = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    meta = nb["metadata"]["nqp"]
    assert set(meta["title"]) == {"zh", "en"} and set(meta["description"]) == {"zh", "en"}
    section = path.stem.split("_", 1)[1]
    assert f'setup(\n    "{section}"' in "".join("".join(c["source"]) for c in code)
    assert "".join(code[-1]["source"]).strip() == "ctx.finish()"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_are_typed_and_documented(path):
    specs = {s.name: s for s in parameter_specs(path)}
    assert REQUIRED <= set(specs)
    assert specs["lang"].choices == ("zh", "en")
    assert specs["year_from"].type == "int" and specs["seed"].type == "int"
    assert "entropy" in specs["weights"].choices and "topsis" in specs["aggregate"].choices
    for spec in specs.values():
        assert spec.help, f"{path.name}: parameter {spec.name} has no comment"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_prose_key_exists_in_both_languages(path):
    section = path.stem.split("_", 1)[1]
    text = path.read_text(encoding="utf-8")
    keys = set(re.findall(r'ctx\.(?:say|text)\(\\?"([a-z_]+)\\?"', text))
    assert keys, "a section with no prose"
    for key in keys:
        for lang in labels.LANGS:
            assert labels.prose(section, key, lang).strip()


def test_section_metadata_read_without_nbformat():
    sections = all_sections()
    assert [s.name for s in sections] == ["overview", "connotation", "conditions", "pathways", "methods"]
    assert sections[1].label("zh") == "一、内涵特征"
