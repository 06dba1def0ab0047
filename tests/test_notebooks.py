"""Section notebooks, discovered rather than listed: thin, no committed outputs, generated parts up to date,
the set-up call taking the namespace, and every prose block present and alike in both languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nqp_lib.labels import LANGS
from nqp_lib.report import prose
from nqp_lib.report.notebooks import ABSTRACT_TAG, abstract_source, differences, metadata
from nqp_lib.report.parameters import SHARED, for_section, parameters_cell_source
from nqp_lib.report.sections import all_sections

SECTIONS = all_sections()
IDS = [s.stem for s in SECTIONS]
#: blocks every section's prose has: the notebook's abstract cell and the index page's title and line
GENERATED_BLOCKS = {"nav", "description", "abstract"}


def _code(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_sections_are_discovered_from_the_notebooks_folder():
    """Sections are the notebooks NN_name.ipynb in file order, titled from their prose."""
    paths = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [s.path for s in SECTIONS] == paths and len(SECTIONS) >= 1
    for s in SECTIONS:
        assert s.label("zh") == prose.blocks(s.name, "zh")["nav"] and s.label("en") == prose.blocks(s.name, "en")["nav"]
    names = [s.name for s in SECTIONS]
    if "connotation" in names:
        assert SECTIONS[names.index("connotation")].label("zh") == "一、内涵特征"


@pytest.mark.parametrize("section", SECTIONS, ids=IDS)
def test_notebook_is_thin_and_clean(section):
    nb = json.loads(section.path.read_text(encoding="utf-8"))
    code = _code(nb)
    for cell in code:
        src = "".join(cell["source"])
        assert cell.get("outputs") == [], f"{section.path.name}: committed outputs"
        assert cell.get("execution_count") is None, f"{section.path.name}: execution count committed"
        assert not re.search(r"^\s*(def|class|lambda)\s", src, re.M), f"{section.path.name}: defines a function or class"
        assert "read_csv" not in src and "read_excel" not in src, f"{section.path.name}: reads files directly"
        generated = "parameters" in cell["metadata"].get("tags", [])  # one line per declared parameter
        assert generated or len(src.splitlines()) <= 16, f"{section.path.name}: a cell this long belongs in nqp_lib"
    tagged = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    meta = nb["metadata"]["nqp"]
    assert set(meta["title"]) == {"zh", "en"} and set(meta["description"]) == {"zh", "en"}
    sources = "".join("".join(c["source"]) for c in code)
    assert f'ctx = setup("{section.name}", globals())' in sources  # the namespace: every parameter is checked
    assert "".join(code[-1]["source"]).strip() == "ctx.finish()"
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown" and ABSTRACT_TAG in first["metadata"]["tags"]


@pytest.mark.parametrize("section", SECTIONS, ids=IDS)
def test_generated_parts_match_their_declarations(section):
    """The parameters cell, the abstract cell and the title metadata are what `nqp notebooks --write`
    generates from nqp_lib/report/parameters.py and the section's prose; any drift fails here."""
    assert differences(section.path) == []
    nb = json.loads(section.path.read_text(encoding="utf-8"))
    cell = next(c for c in _code(nb) if "parameters" in c["metadata"].get("tags", []))
    assert "".join(cell["source"]) == parameters_cell_source(section.name)
    assert "".join(nb["cells"][0]["source"]) == abstract_source(section.name)
    assert nb["metadata"]["nqp"] == metadata(section.name)


def test_drift_is_detected(tmp_path):
    section = SECTIONS[0]
    nb = json.loads(section.path.read_text(encoding="utf-8"))
    cell = next(c for c in _code(nb) if "parameters" in c["metadata"].get("tags", []))
    cell["source"] = "".join(cell["source"]).replace("seed: int = 20240701", "seed: int = 1")
    nb["cells"][0]["source"] = "An abstract typed by hand"
    nb["metadata"]["nqp"]["title"]["en"] = "Renamed"
    path = tmp_path / section.path.name
    path.write_text(json.dumps(nb), encoding="utf-8")
    found = "\n".join(differences(path))
    assert "parameters cell differs" in found and "abstract cell differs" in found and "metadata.nqp differs" in found
    from nqp_lib.report.notebooks import write

    assert write(path) and differences(path) == [] and not write(path)


def test_generated_parameters_cell_is_plain_typed_literal_assignments():
    """What papermill overrides: `name: type = literal  # help`, one per declared parameter (an oracle
    independent of the generator: Python's own parser)."""
    import ast

    for section in SECTIONS:
        source = parameters_cell_source(section.name)
        tree = ast.parse(source)
        specs = for_section(section.name)
        assert len(tree.body) == len(specs)
        for node, spec in zip(tree.body, specs):
            assert isinstance(node, ast.AnnAssign) and node.target.id == spec.name
            assert node.annotation.id == spec.type and ast.literal_eval(node.value) == spec.default
            assert f"# {spec.help}" in source.splitlines()[len(source.splitlines()) - len(specs) + specs.index(spec)]
    assert [p.name for p in SHARED][:2] == ["lang", "system"]


@pytest.mark.parametrize("section", SECTIONS, ids=IDS)
def test_every_prose_block_exists_in_both_languages_and_uses_the_same_values(section):
    keys = {lang: set(prose.blocks(section.name, lang)) for lang in LANGS}
    assert keys["zh"] == keys["en"], f"{section.name}: blocks differ between languages"
    assert GENERATED_BLOCKS <= keys["zh"]
    for key in keys["zh"]:
        used = {lang: prose.variables(section.name, key, lang) for lang in LANGS}
        assert used["zh"] == used["en"], f"{section.name}.{key}: zh uses {used['zh']}, en uses {used['en']}"
    for key in GENERATED_BLOCKS:  # static text: nothing to fill in
        assert not prose.variables(section.name, key, "zh"), f"{section.name}.{key} must not use values"
    text = section.path.read_text(encoding="utf-8")
    said = set(re.findall(r'ctx\.(?:say|text)\(\\?"([a-z_]+)\\?"', text))
    said |= {k for pair in re.findall(r'ctx\.say\(\\?"([a-z_]+)\\?" if \w+ else \\?"([a-z_]+)\\?"', text) for k in pair}
    assert said, "a section with no prose"
    assert said <= keys["zh"], f"{section.name}: notebook uses blocks the prose lacks: {said - keys['zh']}"


@pytest.mark.parametrize("section", SECTIONS, ids=IDS)
def test_prose_types_in_no_method_names_or_counts(section):
    """Numbers and method names in sentences are filled from the results' options, never typed in."""
    for lang in LANGS:
        path = prose.prose_path(section.name, lang)
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\d+ ?次置换", r"\d+ random permutations", r"\d ?个等级", r"into \d classes", r"第\d章",
                        r"Silverman", r"四分位", r"quartile", r"75%", r"75th", r"五个指标", r"five largest", r"前十"):
            assert not re.search(pattern, text), f"{path}: {pattern}"
