"""Every Chinese and English label and sentence the reports show, from one place.

Short UI labels live in ``text/ui.yaml`` (``key: {zh: …, en: …}``); the prose of each section lives in
``text/<section>.yaml`` with the same shape, markdown allowed (``$…$`` formulas become MathML in static
HTML). :func:`t` fetches a label, :func:`prose` a paragraph; a missing key or language is an error, so a
report never shows a raw key. Region, province and indicator names come from ``data/regions.csv`` and the
indicator systems, not from here.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from nqp_lib.errors import ParameterError

TEXT_DIR = Path(__file__).resolve().parent / "text"
LANGS = ("zh", "en")


@lru_cache(maxsize=None)
def _catalogue(name: str) -> dict[str, dict[str, str]]:
    path = TEXT_DIR / f"{name}.yaml"
    if not path.is_file():
        raise ParameterError(f"no text catalogue {path}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
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


def prose(section: str, key: str, lang: str = "zh") -> str:
    """A paragraph (markdown) of a section's text catalogue, unformatted."""
    entry = _catalogue(section).get(key)
    if entry is None:
        raise KeyError(f"no text {key!r} in {TEXT_DIR / (section + '.yaml')}")
    return entry[_lang(lang)]


def has_prose(section: str) -> bool:
    return (TEXT_DIR / f"{section}.yaml").is_file()
