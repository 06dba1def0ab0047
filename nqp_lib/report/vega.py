"""Altair charts that draw with no network: an offline renderer and the inlined Vega bundle.

Altair's stock renderers load Vega from a CDN (blank charts offline); its inline HTML template breaks on the
second chart of a page; its MIME renderer trips papermill under Altair 6 (see ../shared/DESIGN.md). nqp
therefore renders each chart as a ``<div>`` plus a short script that calls a global ``vegaEmbed``:

* **static** (papermill → nbconvert): the report template inlines the bundle from
  ``vl_convert.javascript_bundle()`` once per page, in ``<head>``; chart outputs carry only the spec.
* **live** (JupyterLab): the first chart of a kernel session carries the bundle, wrapped so that loading it
  twice is harmless; later charts wait for ``window.vegaEmbed``.

Chart element ids come from a per-session counter, and specs are serialised with sorted keys, so the same
notebook run twice gives the same HTML. Inside a spec, ``<``, ``>`` and ``&`` are written as JSON unicode
escapes, so a user string such as ``</script><script>alert(1)</script>`` stays text.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import altair as alt

#: Options passed to vegaEmbed: no link to the online editor, export menu kept (works offline).
EMBED_OPTIONS = {"actions": {"export": True, "source": False, "compiled": False, "editor": False}, "renderer": "svg"}

CACHE_DIR = Path(os.environ.get("NQP_CACHE_DIR", Path.home() / ".cache" / "nqp"))


def bundle_version() -> str:
    import vl_convert

    return f"vl-convert {vl_convert.__version__}"


@lru_cache(maxsize=1)
def vega_bundle() -> str:
    """The Vega + Vega-Lite + vega-embed bundle (≈0.9 MB), cached on disk per vl-convert version."""
    import vl_convert

    path = CACHE_DIR / f"vega-bundle-{vl_convert.__version__}.js"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    text = vl_convert.javascript_bundle()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a read-only home only costs the 2 s regeneration next time
    return text


def json_for_script(value: Any) -> str:
    """JSON that is safe inside an inline ``<script>``: ``<``, ``>`` and ``&`` are written as ``\\u003c``
    etc., which JSON and JavaScript read back unchanged, so no string can close the script element."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def bundle_for_script(code: str) -> str:
    """The JavaScript bundle for an inline ``<script>``; it must not contain ``</script`` (checked)."""
    if "</script" in code.lower():
        raise ValueError("the Vega bundle contains '</script' and cannot be inlined")
    return code


def spec_json(spec: dict[str, Any]) -> str:
    return json_for_script(spec)


class _Session:
    """Per-kernel counters so element ids are deterministic."""

    charts = 0
    bundle_sent = False


def is_static() -> bool:
    """True when running under ``nqp build`` (the HTML template supplies the bundle)."""
    return os.environ.get("NQP_STATIC") == "1"


def chart_html(spec: dict[str, Any], static: bool | None = None) -> str:
    """HTML for one chart: a container and the script that draws it."""
    static = is_static() if static is None else static
    _Session.charts += 1
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:8]
    element = f"nqp-chart-{_Session.charts}-{digest}"
    call = f'vegaEmbed("#{element}", {spec_json(spec)}, {json.dumps(EMBED_OPTIONS)})'
    call += '.then(function (r) { (window.nqpViews = window.nqpViews || {})["%s"] = r.view; })' % element
    call += '.catch(function (e) { document.getElementById("%s").textContent = "Chart error: " + e; });' % element
    html = f'<div class="nqp-chart" id="{element}"></div>\n'
    if static:
        return html + f"<script>{call}</script>"
    prefix = ""
    if not _Session.bundle_sent:
        # wrap in a block so the bundle's top-level const declarations cannot clash when re-run
        prefix = "<script>if (!window.vegaEmbed) {\n" + bundle_for_script(vega_bundle()) + "\n}</script>\n"
        _Session.bundle_sent = True
    wait = (
        "<script>(function draw(n) { if (window.vegaEmbed) { %s } else if (n < 200) "
        "{ setTimeout(function () { draw(n + 1); }, 50); } })(0);</script>" % call
    )
    return prefix + html + wait


def renderer(spec: dict[str, Any], **metadata: Any) -> dict[str, str]:
    """Altair renderer entry point (registered as ``nqp``)."""
    return {"text/html": chart_html(spec)}


def enable() -> None:
    """Register and enable the ``nqp`` renderer for this kernel."""
    alt.renderers.register("nqp", renderer)
    alt.renderers.enable("nqp")


def reset_session() -> None:
    """Restart the id counter (tests; a fresh kernel starts at zero anyway)."""
    _Session.charts = 0
    _Session.bundle_sent = False
