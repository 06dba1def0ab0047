"""Pieces of the offline HTML: formulas as MathML, script-safe chart specs, escaped tables and footers."""

from __future__ import annotations

import json
import re

import altair as alt
import pandas as pd

from nqp_lib.report import vega
from nqp_lib.report.markup import escape_md, html_table
from nqp_lib.report.html import markdown_math_to_tokens, restore_math
from nqp_lib.report.pages import footer_html, nav_html, simple_page

EVIL = "<script>alert(1)</script>"


def test_formulas_become_mathml_and_code_is_left_alone():
    store: dict[str, str] = {}
    text = "Entropy $e_j = -\\frac{1}{\\ln n}$ costs $5 and $6; code `$x$` stays.\n$$x^2$$"
    tokens = markdown_math_to_tokens(text, store)
    assert len(store) == 2  # the inline formula and the display formula; not "$5 and $6", not the code span
    assert "`$x$`" in tokens and "$5 and $6" in tokens
    page = restore_math(f"<p>{tokens}</p>", store)
    assert 'display="inline"><mrow>' in page and "<mfrac>" in page
    assert 'display="block"><mrow>' in page and "<msup>" in page
    assert "NQPMATH" not in page


def test_chart_spec_cannot_close_its_script():
    spec = {"title": EVIL, "data": {"values": [{"name": "</script><b>x</b>"}]}}
    text = vega.spec_json(spec)
    assert "</script" not in text.lower() and "<" not in text
    assert json.loads(text) == spec  # the escapes read back to the same strings


def test_static_chart_html_is_deterministic_and_carries_no_bundle():
    chart = alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_bar().encode(x="x:Q")
    vega.reset_session()
    first = vega.chart_html(chart.to_dict(), static=True)
    vega.reset_session()
    second = vega.chart_html(chart.to_dict(), static=True)
    assert first == second
    assert re.search(r'<div class="nqp-chart" id="nqp-chart-1-[0-9a-f]{8}"></div>', first)
    assert "window.vegaEmbed=" not in first and "vegaEmbed(" in first
    assert '"editor": false' in first  # no link to the online editor


def test_live_chart_html_sends_the_bundle_once_per_session():
    chart = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q")
    vega.reset_session()
    one = vega.chart_html(chart.to_dict(), static=False)
    two = vega.chart_html(chart.to_dict(), static=False)
    assert one.count("window.vegaEmbed=") == 1 and "if (!window.vegaEmbed)" in one
    assert "window.vegaEmbed=" not in two and "setTimeout" in two
    vega.reset_session()


def test_html_table_escapes_and_aligns():
    frame = pd.DataFrame({"name": [EVIL, "北京"], "score": [0.12345, float("nan")], "n": [3, 12345]})
    out = html_table(frame, digits=2)
    assert EVIL not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert '<td class="num">0.12</td>' in out and '<td class="num">—</td>' in out
    assert '<td class="num">12,345</td>' in out and "<td>北京</td>" in out


def test_escape_md_neutralises_html_and_markdown():
    assert escape_md("a_b*c<d>") == "a\\_b\\*c&lt;d&gt;"
    assert escape_md("Xi'an\n## x") == "Xi'an \\#\\# x"  # apostrophes stay; one line


def test_footer_lists_parameters_data_versions_commit_and_time():
    prov = {
        "parameters": {"focus": EVIL, "lang": "en"},
        "resources": [{"resource": "eps", "path": "x.csv", "rows": 403, "sha256": "ab" * 32, "origin": EVIL}],
        "versions": {"pandas": "3.1.1"},
        "commit": "abc123",
    }
    out = footer_html(prov, "2026-11-26 00:00:00 UTC", "en")
    assert EVIL not in out
    assert "ab" * 32 in out and "403" in out and "3.1.1" in out and "abc123" in out
    assert '<p class="nqp-build-time">Built: 2026-11-26 00:00:00 UTC</p>' in out


def test_simple_page_is_self_contained():
    page = simple_page("t", "<p>x</p>", "zh", nav_html([("00_overview", EVIL)], None, "目录"))
    assert EVIL not in page and "<style>" in page and "http" not in page.split("<style>")[0]
