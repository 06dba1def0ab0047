"""The sections' prose: Markdown per language, one block per key, filled by Jinja2 from the results.

Each section has one file per language, ``nqp_lib/text/<lang>/<section>.md``. A line
``<!-- block: KEY -->`` starts the block ``KEY``; the block runs to the next such line. Text before the
first block may only be HTML comments (a note on the file). Blocks are Markdown with ``$…$`` / ``$$…$$``
LaTeX written with single braces (``\\frac{1}{n}``), which static pages show as MathML. Example::

    <!-- block: markov -->
    Provinces fall into {{ markov.options.classes }} classes cut at {{ markov.options.class_rule }} …

Blocks are Jinja2 templates (https://jinja.palletsprojects.com/templates/): ``{{ value }}`` inserts a
value, ``{% if normalise == "minmax" %}…{% endif %}`` chooses a sentence. What a template can use: every
report parameter by name (``lang``, ``weights``, ``draws`` …), the values a notebook or view passes
(``ctx.say("markov", markov=result)``), and ``section_title(name)``. Filters: ``num(digits)`` (precision
by magnitude: 0.523, 290.5, 33,192), ``pct(digits)`` (0.691 → 69.1%) and ``enum`` (a list in running
text: 甲、乙与丙 / a, b and c).

Every inserted value is escaped for Markdown (:func:`~nqp_lib.report.markup.escape_md`: one line, runs of
whitespace collapsed, so spacing belongs in the template text, not in ``{{ "; " }}``), so a
user-supplied name cannot inject markup; a value the template does not define is an error, never an empty
string. The same keys must exist in every language (a test checks it, and that each key uses the same
values in both).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from nqp_lib.errors import ParameterError
from nqp_lib.labels import LANGS, TEXT_DIR, join
from nqp_lib.report.markup import escape_md, format_number, format_percent

BLOCK = re.compile(r"^<!-- block: ([a-z][a-z0-9_]*) -->[ \t]*$", re.M)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def prose_path(section: str, lang: str) -> Path:
    return TEXT_DIR / lang / f"{section}.md"


def parse_blocks(text: str, where: str) -> dict[str, str]:
    """``{key: markdown}`` from a prose file's text (see the module docstring for the syntax)."""
    parts = BLOCK.split(text)
    if _COMMENT.sub("", parts[0]).strip():
        raise ParameterError(f"{where}: text before the first '<!-- block: KEY -->' line")
    blocks: dict[str, str] = {}
    for key, body in zip(parts[1::2], parts[2::2]):
        if key in blocks:
            raise ParameterError(f"{where}: block {key!r} appears twice")
        if not body.strip():
            raise ParameterError(f"{where}: block {key!r} is empty")
        blocks[key] = body.strip()
    return blocks


@lru_cache(maxsize=None)
def blocks(section: str, lang: str) -> dict[str, str]:
    """A section's prose blocks in one language."""
    if lang not in LANGS:
        raise ParameterError(f"language must be one of {', '.join(LANGS)}, got {lang!r}")
    path = prose_path(section, lang)
    if not path.is_file():
        raise ParameterError(f"no prose for section {section!r}: {path} is missing")
    return parse_blocks(path.read_text(encoding="utf-8"), str(path))


@lru_cache(maxsize=1)
def environment():
    """The Jinja2 environment prose is rendered in (strict: an undefined value is an error)."""
    import jinja2

    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined, finalize=escape_md, autoescape=False, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=False,
    )
    env.filters["num"] = lambda value, digits=3: format_number(float(value), digits)
    env.filters["pct"] = lambda value, digits=1: format_percent(float(value), digits)
    env.filters["enum"] = jinja2.pass_context(lambda ctx, items: join(list(items), ctx["lang"]))
    return env


@lru_cache(maxsize=None)
def template(section: str, key: str, lang: str):
    body = blocks(section, lang).get(key)
    if body is None:
        raise KeyError(f"no prose block {key!r} in {prose_path(section, lang)}")
    import jinja2

    try:
        return environment().from_string(body)
    except jinja2.TemplateSyntaxError as exc:
        raise ParameterError(f"{prose_path(section, lang)}, block {key!r}: {exc.message} (line {exc.lineno})") from None


def render(section: str, key: str, lang: str, values: dict[str, Any]) -> str:
    """The block ``key`` of a section's prose in ``lang``, with ``values`` filled in (escaped)."""
    import jinja2

    try:
        return template(section, key, lang).render({"lang": lang, **values}).strip()
    except jinja2.UndefinedError as exc:
        raise ParameterError(f"{prose_path(section, lang)}, block {key!r}: {exc.message}") from None


def variables(section: str, key: str, lang: str) -> set[str]:
    """The names a block reads (for the test that both languages use the same values)."""
    from jinja2 import meta

    return meta.find_undeclared_variables(environment().parse(blocks(section, lang)[key]))
