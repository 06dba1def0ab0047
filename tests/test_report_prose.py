"""Prose: the block syntax, Jinja2 rendering with escaped values, and sentences that follow the parameters
and the results' options."""

from __future__ import annotations

import pytest

from nqp_lib.errors import ParameterError
from nqp_lib.report import prose
from nqp_lib.report.context import Report, check_settings, setup
from nqp_lib.report.views import methods


def test_blocks_are_split_on_their_marker_lines():
    text = "<!-- a note on the file -->\n\n<!-- block: one -->\nFirst *line*.\n\n<!-- block: two_2 -->\n$x_{ij}$\n"
    assert prose.parse_blocks(text, "f.md") == {"one": "First *line*.", "two_2": "$x_{ij}$"}


@pytest.mark.parametrize("text, message", [
    ("stray words\n<!-- block: a -->\nx\n", r"f\.md: text before the first"),
    ("<!-- block: a -->\nx\n<!-- block: a -->\ny\n", r"f\.md: block 'a' appears twice"),
    ("<!-- block: a -->\n\n<!-- block: b -->\ny\n", r"f\.md: block 'a' is empty"),
])
def test_malformed_prose_files_are_refused(text, message):
    with pytest.raises(ParameterError, match=message):
        prose.parse_blocks(text, "f.md")


@pytest.fixture(scope="module")
def zh():
    return Report("methods", check_settings(lang="zh", draws=60))


def test_inserted_values_are_escaped_but_latex_keeps_single_braces(zh):
    evil = "<img src=x onerror=alert(1)> *bold* [link](http://x) `code` $x$"
    text = Report("pathways", zh.settings).text("obstacle", name=evil)
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert r"\*bold\*" in text and r"\[link\]" in text and r"\`code\`" in text and r"\$x\$" in text
    assert r"$O_{ij} = w_j (1 - x'_{ij}) / \sum_j w_j (1 - x'_{ij})$" in text  # LaTeX as written, one brace


def test_an_undefined_value_is_an_error_naming_the_file_and_block(zh):
    with pytest.raises(ParameterError, match=r"text/zh/methods\.md, block 'markov': 'mk' is undefined"):
        zh.text("markov")
    with pytest.raises(KeyError, match=r"no prose block 'nope'"):
        zh.text("nope")


@pytest.mark.parametrize("normalise, formula, absent", [
    ("minmax", r"\min_i x_{ij}", "r_{ij}"),
    ("rank", "r_{ij} - 1", r"\min_i"),
    ("vector", r"\sqrt{\sum_i x_{ij}^2}", r"\min_i"),
])
def test_the_normalisation_paragraph_follows_the_normalise_parameter(normalise, formula, absent):
    ctx = Report("methods", check_settings(lang="en", normalise=normalise))
    text = ctx.text("normalise", options=ctx.index.options_)
    assert f"normalise = **{normalise}**" in text and formula in text and absent not in text
    assert ("min-max" in text) == (normalise == "minmax")


def test_methods_sentences_carry_the_results_options():
    ctx = setup("methods", lang="en", draws=60, seed=7)
    mc = methods.rank_uncertainty(ctx)
    text = ctx.text("uncertainty", mc=mc)
    # the Monte Carlo result's own levels and counts, not typed-in words
    assert "60 draws (seed 7)" in text and "normalisations (minmax, rank and vector)" in text
    assert f"probability {mc.options['exclude_probability']:.0%}" in text and "±25%" in text
    mk = methods.markov_facts(ctx)
    rel = methods.markov(ctx, "relative")
    text = ctx.text("markov", mk=mk)
    assert f"put into {rel.options['classes']} classes at pooled quantiles" in text
    assert f"the {rel.n_transitions} transitions" in text and f"cut at {rel.cuts[0]:.3f}" in text
    mo = methods.moran(ctx)
    spatial = ctx.text("spatial", moran=mo, single_links=methods.single_neighbour_links(ctx))
    assert f"from {mo.options['permutations']} random permutations" in spatial
    assert "Hainan linked to Guangdong only" in spatial and "at the 5% level" in spatial
    kd = methods.density(ctx)
    assert f"bandwidth rule: {kd.options['bandwidth']}" in ctx.text("dynamics", kde=kd)
    # a panel without a contiguity matrix: the paragraph says so instead of quoting a test never run
    assert "not analysed" in ctx.text("spatial", moran=None, single_links=[])


def test_every_section_title_can_be_named_in_prose():
    ctx = Report("overview", check_settings(lang="en"))
    text = ctx.text("reweight")
    assert "uncertainty analysis in the Methods appendix" in text and "**entropy**" in text
    assert "“方法附录”中不确定性分析" in Report("overview", check_settings()).text("reweight")
