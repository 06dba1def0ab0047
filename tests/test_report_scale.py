"""A county-scale panel builds every section (issue 11, item 4): 3,000 synthetic counties × 15 years × 20
indicators (nqp_lib.data.synthetic, with its sidecar: a zone grouping and a contiguity edge list), every page
under 3 MB, no province wording, the units called counties, and each page saying what its charts summarised.

The full-size English build takes a few minutes on two cores; the Chinese build uses 400 counties, which
exercises the same summarised forms (any panel of more than 60 units) in about a third of the time.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nqp_lib.chartdata import MAX_UNITS
from nqp_lib.data.synthetic import county_panel
from nqp_lib.report.build import build
from nqp_lib.report.sections import all_sections

pytestmark = pytest.mark.slow

PAGE_LIMIT = 3 * 10**6
PROVINCE_WORDS = re.compile(r"province|provincial|省份|各省|分省|全省", re.IGNORECASE)
COUNTY_WORD = {"en": "counties", "zh": "县"}


def visible_text(html: str) -> str:
    """What a reader sees: no scripts (chart specs), styles or provenance footer (file names of shipped data)."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    html = re.sub(r"<footer.*?</footer>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def chart_notes(html: str) -> list[str]:
    """The subtitles of a page's charts (source, unit and note lines), as written in the inline specs."""
    return re.findall(r'"subtitle":\s*\[(.*?)\]', html, flags=re.S)


#: Pages with charts of every unit that must say they summarised them (the pathways page's unit charts are
#: group means and classes, which summarise by construction).
SUMMARISING = ("00_overview", "01_connotation", "02_conditions", "04_methods")


@pytest.mark.parametrize("lang, units", [("en", 3000), ("zh", 400)])
def test_a_county_scale_panel_builds_every_section(tmp_path, lang, units):
    synth = county_panel(units=units, years=15, indicators=20)
    assert synth.frame["county"].nunique() == units > MAX_UNITS
    files = synth.write(tmp_path / "data")
    first = int(synth.frame["year"].min())
    res = build(overrides={"panel": str(files["panel"]), "system": str(files["system"]), "year_from": first,
                           "lang": lang}, out=tmp_path / "out", jobs=2, quiet=True)
    assert not res.failed, [(o.section, o.error) for o in res.failed]
    pages = sorted((tmp_path / "out").glob("[0-9][0-9]_*.html"))
    assert len(pages) == len(all_sections())
    count = re.compile(f"{units:,}|{units}")
    said = set()
    for page in pages:
        size = page.stat().st_size
        assert size < PAGE_LIMIT, f"{page.name} is {size / 1e6:.2f} MB"
        html = page.read_text(encoding="utf-8")
        text = visible_text(html)
        found = PROVINCE_WORDS.findall(text)
        assert not found, f"{page.name}: {found[:5]}"
        assert COUNTY_WORD[lang] in text, f"{page.name} never names the units"
        if any(count.search(note) for note in chart_notes(html)):  # "3,000 counties: the chart lists only …"
            said.add(page.stem)
    assert set(SUMMARISING) <= said, f"no chart note says how many units were summarised on {set(SUMMARISING) - said}"
