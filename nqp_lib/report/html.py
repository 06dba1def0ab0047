"""Turn an executed section notebook into one self-contained HTML page; build the index and error pages.

* code cells are hidden, and so is the notebook's two-language abstract cell (tagged ``nqp-abstract``); the page uses the ``nqp`` nbconvert template (``templates/nqp``), which extends
  JupyterLab's and removes every CDN reference (require.js, MathJax, Mermaid, widget manager);
* the Vega bundle is inlined once, in ``<head>``;
* LaTeX in markdown cells (``$…$`` inline, ``$$…$$`` display) becomes MathML at build time, which
  browsers draw natively — no MathJax;
* the provenance a notebook emitted (``application/vnd.nqp.provenance+json``: parameters, data resources
  with sha256 and rows, library versions, git commit) becomes the page footer, with the build time.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

from nqp_lib.report.pages import css, footer_html
from nqp_lib.report.vega import bundle_for_script, vega_bundle

from nqp_lib.report.context import PROVENANCE_MIME  # one definition, shared with the kernel side
from nqp_lib.report.notebooks import ABSTRACT_TAG
TEMPLATES = Path(__file__).resolve().parent / "templates"

_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$\w])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\w$])")


def latex_to_mathml(latex: str, display: bool = False) -> str:
    """Render a LaTeX formula as MathML (``latex2mathml``); on failure show the source as code."""
    import latex2mathml.converter

    try:
        return latex2mathml.converter.convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # malformed LaTeX must not break a report
        return f"<code>{html.escape(latex)}</code>"


def markdown_math_to_tokens(text: str, store: dict[str, str]) -> str:
    """Replace ``$$…$$`` and ``$…$`` in markdown with inert tokens, keeping their MathML in ``store``.

    The markdown renderer would mangle raw MathML, so formulas travel as tokens (letters and digits only)
    through markdown rendering and are put back by :func:`restore_math` in the finished page. Fenced and
    inline code are left alone.
    """

    def keep(mathml: str) -> str:
        token = f"NQPMATH{len(store):04d}X"
        store[token] = mathml
        return token

    parts = re.split(r"(```.*?```|`[^`\n]*`)", text, flags=re.S)
    out = []
    for i, part in enumerate(parts):
        if i % 2:  # code
            out.append(part)
            continue
        part = _DISPLAY_MATH.sub(lambda m: "\n\n" + keep(latex_to_mathml(m.group(1), True)) + "\n\n", part)
        part = _INLINE_MATH.sub(lambda m: keep(latex_to_mathml(m.group(1))), part)
        out.append(part)
    return "".join(out)


def restore_math(page: str, store: dict[str, str]) -> str:
    """Put the MathML of :func:`markdown_math_to_tokens` back into a rendered page."""
    if not store:
        return page
    return re.sub(r"NQPMATH\d{4}X", lambda m: store.get(m.group(0), m.group(0)), page)


class MathMLPreprocessor(Preprocessor):
    """Render LaTeX in markdown cells and markdown outputs to MathML (through tokens, see above)."""

    def preprocess_cell(self, cell, resources, index):
        store = resources.setdefault("nqp_math", {})
        if cell.cell_type == "markdown":
            cell.source = markdown_math_to_tokens(cell.source, store)
        elif cell.cell_type == "code":
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                if "text/markdown" in data:
                    data["text/markdown"] = markdown_math_to_tokens(data["text/markdown"], store)
        return cell, resources


class ProvenancePreprocessor(Preprocessor):
    """Move provenance outputs into ``resources['nqp_provenance']`` (the last one wins) and drop stderr."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if PROVENANCE_MIME in data:
                resources["nqp_provenance"] = data[PROVENANCE_MIME]
                continue
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                continue
            kept.append(out)
        cell.outputs = kept
        return cell, resources


def _exporter(lang: str) -> HTMLExporter:
    exp = HTMLExporter(
        language_code=lang,  # the page's <html lang>: nbconvert would otherwise always say "en"
        template_name="nqp",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    exp.register_preprocessor(ProvenancePreprocessor(), enabled=True)
    exp.register_preprocessor(MathMLPreprocessor(), enabled=True)
    return exp


def render_notebook(
    nb: nbformat.NotebookNode, *, title: str, lang: str, nav: str, build_time: str
) -> tuple[str, dict[str, Any]]:
    """Render an executed notebook to HTML; return the page and the provenance it carried."""
    nb = nbformat.from_dict(nb)  # a copy: preprocessors edit cells
    # the two-language abstract is for readers of the notebook; the page is in one language
    nb.cells = [c for c in nb.cells if ABSTRACT_TAG not in c.get("metadata", {}).get("tags", [])]
    nb.metadata["title"] = title
    resources = {
        "nqp_css": css(),
        "nqp_vega_bundle": bundle_for_script(vega_bundle()),
        "nqp_nav": nav,
        "nqp_footer": "",
        "language_code": lang,
    }
    exp = _exporter(lang)
    # first pass collects provenance via the preprocessor; the footer needs it, so render footer afterwards
    nb_pre, res = exp.from_notebook_node(nb, resources={**resources, "nqp_footer": "%%NQP_FOOTER%%"})
    footer = footer_html(res.get("nqp_provenance"), build_time, lang)
    page = restore_math(nb_pre.replace("%%NQP_FOOTER%%", footer, 1), res.get("nqp_math", {}))
    return page, res.get("nqp_provenance") or {}


