"""The ledger's zh/en labels (outcomes, readings, column headers), from ``nqp_lib/text/claims.yaml``."""

from __future__ import annotations

from typing import Any

from nqp_lib.labels import entry

CATALOGUE = "claims"


def label(key: str, lang: str = "zh", **values: Any) -> str:
    """A label of ``text/claims.yaml`` in ``lang``; ``values`` fill ``{name}`` placeholders."""
    text = entry(CATALOGUE, key, lang)
    return text.format(**values) if values else text


def has_label(key: str) -> bool:
    try:
        entry(CATALOGUE, key, "zh")
    except KeyError:
        return False
    return True
