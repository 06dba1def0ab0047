"""Short Chinese and English labels and the article's vocabulary, from ``nqp_lib/text``.

* ``text/ui.yaml`` — UI labels (``key: {zh: …, en: …}``): axis titles, table headings, notes; :func:`t`.
* ``text/vocabulary.yaml`` — the article's vocabulary: the three elements, the four key features, the six
  formation conditions and the six recommendations; :func:`vocabulary`.
* ``text/sources.yaml`` — short names of the data resources for chart source lines; :func:`source_name`.
* other catalogues of the same shape as ``ui.yaml`` (``text/claims.yaml``); :func:`entry`.

A missing key or language is an error, so a report never shows a raw key. The sections' prose (Markdown
per language, ``text/<lang>/<section>.md``) is rendered by :mod:`nqp_lib.report.prose`. Region, province
and indicator names come from ``data/regions.csv`` and the indicator systems, not from here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from nqp_lib.errors import ParameterError
from nqp_lib.safe_yaml import load_yaml

TEXT_DIR = Path(__file__).resolve().parent / "text"
LANGS = ("zh", "en")


@lru_cache(maxsize=None)
def _catalogue(name: str) -> dict[str, dict[str, str]]:
    path = TEXT_DIR / f"{name}.yaml"
    if not path.is_file():
        raise ParameterError(f"no text catalogue {path}")
    data = load_yaml(path, "text catalogue", ParameterError) or {}
    for key, entry in data.items():
        if not isinstance(entry, dict) or set(entry) != set(LANGS):
            raise ParameterError(f"{path}: entry {key!r} must have exactly zh and en")
    return data


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ParameterError(f"language must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def t(key: str, lang: str = "zh", **values: Any) -> str:
    """A UI label; ``values`` fill ``{name}`` placeholders."""
    entry = _catalogue("ui").get(key)
    if entry is None:
        raise KeyError(f"no UI label {key!r} in {TEXT_DIR / 'ui.yaml'}")
    text = entry[_lang(lang)]
    return text.format(**values) if values else text


def entry(catalogue: str, key: str, lang: str = "zh") -> str:
    """A label of another catalogue of the same shape, ``text/<catalogue>.yaml`` (e.g. ``claims``), unformatted."""
    found = _catalogue(catalogue).get(key)
    if found is None:
        raise KeyError(f"no label {key!r} in {TEXT_DIR / (catalogue + '.yaml')}")
    return found[_lang(lang)]


def vocabulary(kind: str) -> dict:
    """One part of the article's vocabulary: ``elements``, ``features``, ``conditions`` (keyed 1–6) or
    ``recommendations`` (1–6), each key mapping to ``{"zh": …, "en": …}``."""
    data = _vocabulary()
    if kind not in data:
        raise KeyError(f"no vocabulary {kind!r} in {TEXT_DIR / 'vocabulary.yaml'} (has {', '.join(data)})")
    return data[kind]


@lru_cache(maxsize=None)
def _vocabulary() -> dict[str, dict]:
    path = TEXT_DIR / "vocabulary.yaml"
    data = load_yaml(path, "text catalogue", ParameterError) or {}
    for kind, entries in data.items():
        for key, entry in entries.items():
            if not isinstance(entry, dict) or set(entry) != set(LANGS):
                raise ParameterError(f"{path}: {kind}.{key} must have exactly zh and en")
    return data


def source_name(resource: str, lang: str) -> str | None:
    """The short name of a data resource for source lines (``text/sources.yaml``), or None."""
    entry = _catalogue("sources").get(resource)
    return entry[_lang(lang)] if entry else None


def join(items: list[str], lang: str) -> str:
    """A list in running text: ``甲、乙与丙`` / ``a, b and c``."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    sep, last = ("、", "与") if _lang(lang) == "zh" else (", ", " and ")
    return sep.join(items[:-1]) + last + items[-1]
