"""Small HTML helpers shared by report pages, the index and error pages (no nbconvert import here, so
``nqp build``'s parent process stays light): the stylesheet, escaping, the provenance footer, navigation
and a minimal self-contained page."""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from typing import Any

from nqp_lib import labels

CSS = Path(__file__).resolve().parent / "static" / "nqp.css"


@lru_cache(maxsize=1)
def css() -> str:
    return CSS.read_text(encoding="utf-8")


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def kv_table(rows: list[tuple[str, Any]]) -> str:
    return "<table>" + "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows) + "</table>"


def footer_html(provenance: dict[str, Any] | None, build_time: str, lang: str = "zh") -> str:
    """The provenance footer: parameters, data resources (sha256, rows, origin), versions, commit, build time."""
    def t(key: str) -> str:
        return labels.t("page_params" if key == "params" else f"footer_{key}", lang)

    prov = provenance or {}
    parts = []
    params = prov.get("parameters") or {}
    parts.append(f"<h4>{t('params')}</h4>" + (kv_table(sorted(params.items())) if params else t("none")))
    resources = prov.get("resources") or []
    rows = "".join(
        f"<tr><td>{esc(r.get('resource'))}</td><td><code>{esc(r.get('path'))}</code></td><td>{esc(r.get('rows'))}</td>"
        f"<td><code title=\"{esc(r.get('sha256'))}\">{esc(str(r.get('sha256'))[:16])}…</code></td></tr>"
        for r in resources
    )
    origins = "".join(f"<li><strong>{esc(r.get('resource'))}</strong>: {esc(r.get('origin'))}</li>" for r in resources)
    parts.append(
        f"<h4>{t('data')}</h4>"
        + (
            f"<table><tr><th>{t('resource')}</th><th>{t('path')}</th><th>{t('rows')}</th><th>sha256</th></tr>{rows}</table>"
            f"<details><summary>{t('origin')}</summary><ul>{origins}</ul></details>"
            if resources
            else t("none")
        )
    )
    versions = prov.get("versions") or {}
    parts.append(f"<h4>{t('versions')}</h4>" + kv_table(sorted(versions.items())))
    parts.append(f"<p>{t('commit')}: <code>{esc(prov.get('commit') or 'unknown')}</code></p>")
    parts.append(f'<p class="nqp-build-time">{t("built")}: {esc(build_time)}</p>')
    return "\n".join(parts)


def nav_html(sections: list[tuple[str, str]], current: str | None, index_label: str) -> str:
    """Navigation bar: the index, then each section (``(file stem, title)``)."""
    links = [f'<a href="index.html">{esc(index_label)}</a>']
    for stem, title in sections:
        cls = ' class="current"' if stem == current else ""
        links.append(f'<a href="{esc(stem)}.html"{cls}>{esc(title)}</a>')
    return " ".join(links)


def simple_page(title: str, body: str, lang: str, nav: str, footer: str = "", body_class: str = "nqp-index") -> str:
    """A small self-contained page (index, error pages) with the nqp stylesheet and no scripts."""
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8" />\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1.0">\n<title>{esc(title)}</title>\n'
        f"<style>\n{css()}\n</style>\n</head>\n<body class=\"{body_class}\">\n<nav class=\"nqp-nav\">{nav}</nav>\n"
        f"<main>\n{body}\n</main>\n<footer class=\"nqp-footer\">{footer}</footer>\n</body>\n</html>\n"
    )
