"""``nqp build`` end to end: offline pages, index, cache, determinism, failures kept apart, locking, escaping."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, strip_build_time
from nqp_lib.data.package import data_root
from nqp_lib.report.build import build
from nqp_lib.report.sections import all_sections

pytestmark = pytest.mark.slow
SECTIONS = [s.stem for s in all_sections()]  # discovered: a new section is tested without listing it here
CDN = re.compile(r"(cdn\.jsdelivr|unpkg\.com|cdnjs|googleapis|mathjax|require\.min\.js|jupyter-widgets/html-manager)", re.I)
EXTERNAL_LOAD = re.compile(r"""(src|href)\s*=\s*["']?(https?:)?//|@import\s+url\(\s*["']?https?:|import\(\s*["']https?:""", re.I)


def test_every_section_built_with_index(built):
    assert [o.stem for o in built.outcomes] == SECTIONS and all(o.status == "ok" for o in built.outcomes)
    index = built.index.read_text(encoding="utf-8")
    for stem in SECTIONS:
        assert f'href="{stem}.html"' in index
        assert (built.out / "notebooks" / f"{stem}.ipynb").exists()
    assert "概念从何而来、文章如何论证" in index  # one-line description of the overview (notebook metadata)
    assert "weights=entropy" in index and "focus=广东" in index  # the parameters used
    assert index.count("class='nqp-status-ok'") == len(SECTIONS)


@pytest.mark.parametrize("stem", SECTIONS)
def test_page_is_self_contained_and_small(built, stem):
    page = (built.out / f"{stem}.html").read_text(encoding="utf-8")
    assert len(page.encode()) < 3_000_000
    assert re.match(r'<!DOCTYPE html>\s*<html lang="zh">', page)  # the page's language, not nbconvert's "en"
    assert page.count("window.vegaEmbed=") == 1  # the bundle once per page, not per chart
    assert not CDN.search(page), CDN.search(page)
    assert not EXTERNAL_LOAD.search(page), EXTERNAL_LOAD.search(page)
    assert "<script src=" not in page
    # the provenance footer: data with full sha256, versions, build time
    assert "eps_provincial_panel" in page and re.search(r'title="[0-9a-f]{64}"', page)
    assert "nqp-build-time" in page and "altair" in page and "pandas" in page
    assert "NQPMATH" not in page


def test_methods_page_has_mathml_formulas(built):
    page = (built.out / "04_methods.html").read_text(encoding="utf-8")
    assert page.count("<math ") >= 8 and "<mfrac>" in page


def test_static_explorer_is_replaced_by_a_note(built):
    page = (built.out / "03_pathways.html").read_text(encoding="utf-8")
    assert "nqp serve" in page and "application/vnd.jupyter.widget-view+json" not in page


def test_second_build_uses_the_cache(built):
    before = {s: (built.out / f"{s}.html").stat().st_mtime_ns for s in SECTIONS}
    again = build(out=built.out, quiet=True)
    assert [o.status for o in again.outcomes] == ["cached"] * len(SECTIONS)
    assert before == {s: (built.out / f"{s}.html").stat().st_mtime_ns for s in SECTIONS}


def test_changed_parameter_rebuilds_only_that_section(tmp_path):
    out = tmp_path / "r"
    build(["overview", "connotation"], out=out, quiet=True)
    mtime = (out / "01_connotation.html").stat().st_mtime_ns
    res = build(["overview", "connotation"], overrides={"lang": "en"}, out=out, quiet=True)
    assert [o.status for o in res.outcomes] == ["ok", "ok"]  # lang changes both
    res = build(["overview"], overrides={"lang": "en", "focus": "Beijing"}, out=out, quiet=True)
    assert [o.status for o in res.outcomes] == ["ok"]
    page = (out / "00_overview.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Beijing" in page and "Overview" in page
    assert (out / "01_connotation.html").stat().st_mtime_ns != mtime  # rebuilt in English above
    res = build(["connotation"], overrides={"lang": "en"}, out=out, quiet=True)
    assert res.outcomes[0].status == "cached"


def test_sections_build_in_english_with_prose_that_follows_the_parameters(tmp_path):
    """The sections the English tests above do not build, in English, with non-default methods: the
    sentences name the options actually used."""
    others = [s for s in SECTIONS if s not in ("00_overview", "01_connotation")]
    res = build(others, overrides={"lang": "en", "normalise": "rank", "draws": "60"}, out=tmp_path / "en", quiet=True)
    assert [o.status for o in res.outcomes] == ["ok"] * len(others), [o.error for o in res.failed]
    for stem in others:
        page = (tmp_path / "en" / f"{stem}.html").read_text(encoding="utf-8")
        assert '<html lang="en">' in page and "NBS/EPS provincial panel and CEADs CO2 data" in page  # source lines
    if "04_methods" in others:
        page = (tmp_path / "en" / "04_methods.html").read_text(encoding="utf-8")
        assert "rank normalisation (normalise = <strong>rank</strong>)" in page and "min-max normalisation" not in page
        assert "60 draws (seed 20240701)" in page and "(60 Monte Carlo draws)" in page
    if "03_pathways" in others:
        page = (tmp_path / "en" / "03_pathways.html").read_text(encoding="utf-8")
        assert "75% quantile" in page and "release the potential of data" in page


def test_same_inputs_give_identical_html(tmp_path):
    a = build(["overview"], out=tmp_path / "a", quiet=True, force=True)
    b = build(["overview"], out=tmp_path / "b", quiet=True, force=True)
    pa = (a.out / "00_overview.html").read_text(encoding="utf-8")
    pb = (b.out / "00_overview.html").read_text(encoding="utf-8")
    assert strip_build_time(pa) == strip_build_time(pb)
    assert pa != "" and "nqp-build-time" in pa


def _notebook_dir(tmp_path: Path, broken_cell: str | None = None) -> Path:
    d = tmp_path / "nbs"
    d.mkdir(exist_ok=True)
    shutil.copy(ROOT / "notebooks" / "00_overview.ipynb", d / "00_overview.ipynb")
    nb = json.loads((ROOT / "notebooks" / "00_overview.ipynb").read_text(encoding="utf-8"))
    nb["metadata"]["nqp"]["title"] = {"zh": "坏", "en": "Broken"}
    nb["cells"].insert(4, {"cell_type": "code", "id": "boom", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": broken_cell or "raise ValueError('deliberate failure for the test')"})
    (d / "09_broken.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return d


def test_a_failing_section_does_not_stop_the_others(tmp_path, monkeypatch):
    monkeypatch.setenv("NQP_NOTEBOOKS", str(_notebook_dir(tmp_path)))
    out = tmp_path / "out"
    res = build(out=out, quiet=True)
    assert {o.stem: o.status for o in res.outcomes} == {"00_overview": "ok", "09_broken": "failed"}
    assert "deliberate failure for the test" in res.failed[0].error["error"]
    error_page = (out / "09_broken.error.html").read_text(encoding="utf-8")
    assert "ValueError: deliberate failure for the test" in error_page and "raise ValueError" in error_page
    assert not (out / "09_broken.html").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "09_broken.error.html" in index and "class='nqp-status-failed'" in index


def test_a_failed_rebuild_keeps_the_last_good_page(tmp_path, monkeypatch):
    d = _notebook_dir(tmp_path)
    monkeypatch.setenv("NQP_NOTEBOOKS", str(d))
    out = tmp_path / "out"
    build(["overview"], out=out, quiet=True)
    good = (out / "00_overview.html").read_bytes()
    nb = json.loads((d / "00_overview.ipynb").read_text(encoding="utf-8"))
    nb["cells"].insert(4, {"cell_type": "code", "id": "boom2", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": "1 / 0"})
    (d / "00_overview.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    res = build(["overview"], out=out, quiet=True)
    assert res.outcomes[0].status == "failed"
    assert (out / "00_overview.html").read_bytes() == good
    assert "ZeroDivisionError" in (out / "00_overview.error.html").read_text(encoding="utf-8")
    assert "00_overview.html" in (out / "00_overview.error.html").read_text(encoding="utf-8")  # link to the good one
    assert not list(out.glob(".staging-*"))


def test_cli_exit_status_on_failure(tmp_path):
    d = _notebook_dir(tmp_path)
    env = {**__import__("os").environ, "NQP_NOTEBOOKS": str(d)}
    proc = subprocess.run([sys.executable, "-m", "nqp_lib.cli", "build", "broken", "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "✗ 09_broken: failed" in proc.stdout and "09_broken  failed" in proc.stdout


def test_two_builds_into_one_folder_do_not_corrupt_it(tmp_path):
    out = tmp_path / "shared"
    cmd = [sys.executable, "-m", "nqp_lib.cli", "build", "overview", "--out", str(out), "--force"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert any("waiting for another nqp build" in o for o, _ in outs)
    page = (out / "00_overview.html").read_text(encoding="utf-8")
    assert page.rstrip().endswith("</html>") and page.count("window.vegaEmbed=") == 1
    assert not list(out.glob(".staging-*")) and not list(out.glob(".*.tmp"))


EVIL = "<script>alert(1)</script>"


def test_user_strings_are_escaped_everywhere(tmp_path):
    panel = tmp_path / "evil.csv"
    rows = ["unit,year,a,b"]
    for i, u in enumerate([EVIL, "Alpha", "Beta", "Gamma", "Delta"]):
        for y in (2020, 2021, 2022):
            rows.append(f'"{u}",{y},{1 + i + y - 2020},{5 - i + (y - 2020) * 0.5}')
    panel.write_text("\n".join(rows) + "\n", encoding="utf-8")
    system = tmp_path / "evil.yaml"
    system.write_text(textwrap.dedent(f"""\
        id: evil
        name: {{zh: "{EVIL}", en: "{EVIL}"}}
        dimensions:
          - id: d1
            name: {{zh: "<img src=x onerror=alert(2)>", en: "<img src=x onerror=alert(2)>"}}
            indicators:
              - {{id: a, name: {{zh: "{EVIL}", en: "{EVIL}"}}, column: a, unit: "<b>u</b>", direction: "+"}}
          - id: d2
            name: {{zh: 维二, en: D2}}
            indicators:
              - {{id: b, name: {{zh: 乙, en: B}}, column: b, unit: x, direction: "-"}}
        """), encoding="utf-8")
    res = build(["overview", "connotation"], overrides={"panel": str(panel), "system": str(system), "focus": EVIL,
                                                        "year_from": "2020", "year_to": "2022"},
                out=tmp_path / "out", quiet=True)
    assert not res.failed, [o.error for o in res.failed]
    for f in (tmp_path / "out").glob("*.html"):
        text = f.read_text(encoding="utf-8")
        assert EVIL not in text and "<img src=x" not in text, f.name
    page = (tmp_path / "out" / "01_connotation.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_panel_of_cities_builds_with_notes_instead_of_maps(tmp_path):
    from nqp_lib.data.panel import provincial_panel

    frame = provincial_panel().frame
    names = {u: f"City{i}" for i, u in enumerate(sorted(frame["unit"].unique()))}
    frame.assign(unit=frame["unit"].map(names)).to_csv(tmp_path / "cities.csv", index=False)
    res = build(["overview", "methods"], overrides={"panel": str(tmp_path / "cities.csv"), "focus": "City3",
                                                    "lang": "en"}, out=tmp_path / "out", quiet=True)
    assert not res.failed, [o.error for o in res.failed]
    overview = (tmp_path / "out" / "00_overview.html").read_text(encoding="utf-8")
    methods = (tmp_path / "out" / "04_methods.html").read_text(encoding="utf-8")
    assert "No tile-map layout exists for this panel's units" in overview
    assert "Spatial association needs a spatial weights matrix, and none is given for this panel's units" in methods
    assert "Dagum" in methods
    for page in (overview, methods):  # the units are what the panel calls them, with no province wording
        assert "province" not in page.lower().replace("eps_provincial_panel", "")


def test_relative_paths_work_from_any_directory(tmp_path, monkeypatch):
    """The README's bring-your-own-data command, run from another folder with every path relative."""
    from nqp_lib.data.panel import provincial_panel

    provincial_panel().frame.to_csv(tmp_path / "my.csv", index=False)
    shutil.copy(ROOT / "data" / "systems" / "tech_green_digital.yaml", tmp_path / "my.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NQP_DATA_ROOT", os.path.relpath(data_root(), tmp_path))  # relative, too
    res = build(["overview"], overrides={"panel": "my.csv", "system": "my.yaml", "focus": "北京"},
                out="out/report", quiet=True)
    assert not res.failed, [o.error for o in res.failed]
    assert (tmp_path / "out" / "report" / "00_overview.html").exists()
