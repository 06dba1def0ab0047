"""The pages a build writes besides the sections': ``index.html`` and ``<section>.error.html``."""

from __future__ import annotations

import functools
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from nqp_lib import __version__, labels
from nqp_lib.report import pages
from nqp_lib.report.build.cache import read_record
from nqp_lib.report.build.jobs import Outcome
from nqp_lib.report.sections import Section


def params_text(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items()))


def error_page(section: Section, outcome: Outcome, lang: str, nav: str, has_good: bool, build_time: str) -> str:
    def t(key: str) -> str:
        return labels.t(f"page_{key}", lang)

    e = outcome.error or {}
    esc = pages.esc
    body = [f'<div class="nqp-error"><h1>{esc(section.label(lang))} — {t("error_title")}</h1>',
            f"<p><strong>{esc(e.get('error', ''))}</strong></p>"]
    if e.get("cell"):
        body.append(f"<h3>{t('error_cell')} {esc(e['cell'])}</h3><pre>{esc(e.get('source', ''))}</pre>")
    if e.get("traceback"):
        body.append(f"<pre>{esc(e['traceback'])}</pre>")
    if has_good:
        body.append(f'<p><a href="{esc(section.stem)}.html">{t("last_good")}</a></p>')
    body.append(f"<p>{t('params')}: <code>{esc(params_text(outcome.parameters))}</code></p></div>")
    footer = f'<p class="nqp-build-time">{esc(build_time)}</p>'
    return pages.simple_page(f"{section.label(lang)} — {t('error_title')}", "\n".join(body), lang, nav, footer, "nqp-index")


def index_page(sections: list[Section], out: Path, lang: str, nav: str, build_time: str, versions: dict[str, str]) -> str:
    def t(key: str) -> str:
        return labels.t(key if key.startswith("status_") else f"page_{key}", lang)

    esc = pages.esc
    rows = []
    for s in sections:
        rec = read_record(out, s.stem)
        status = rec["status"] if rec else "never"
        has_page = (out / f"{s.stem}.html").exists()
        link = f'<a href="{esc(s.stem)}.html">{esc(s.label(lang))}</a>' if has_page else esc(s.label(lang))
        if status == "failed":
            link += f' · <a href="{esc(s.stem)}.error.html">{t("status_failed")}</a>'
        seconds = f"{rec['seconds']:.1f} s" if rec and rec.get("seconds") is not None else ""
        params = params_text(rec.get("parameters", {})) if rec else ""
        rows.append(
            f"<tr><td>{link}<br><span class='nqp-caption'>{esc(s.blurb(lang))}</span></td>"
            f"<td class='nqp-status-{esc(status)}'>{t('status_' + status)}</td><td>{seconds}</td>"
            f"<td><code>{esc(params)}</code></td></tr>"
        )
    body = (
        f"<h1>{t('title')}</h1><p>{t('intro')}</p>"
        f"<table class='sections'><tr><th>{t('section')}</th><th>{t('status')}</th><th>{t('time')}</th>"
        f"<th>{t('params')}</th></tr>{''.join(rows)}</table>"
    )
    footer = pages.kv_table(sorted(versions.items())) + f'<p class="nqp-build-time">{esc(build_time)}</p>'
    return pages.simple_page(t("title"), body, lang, nav, footer)


def build_time_text() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


@functools.cache
def versions() -> dict[str, str]:
    """Versions shown in the index footer (looked up once per process: a sweep writes an index per member)."""
    from importlib.metadata import version

    return {"nqp_lib": __version__, **{name: version(name) for name in ("pandas", "altair", "papermill", "nbconvert")}}
