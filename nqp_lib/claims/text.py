"""The ledger's zh/en labels (outcomes, readings, column headers), from ``nqp_lib/text/claims.yaml``."""

from __future__ import annotations

from typing import Any

from nqp_lib.labels import prose

CATALOGUE = "claims"


def label(key: str, lang: str = "zh", **values: Any) -> str:
    """A label of ``text/claims.yaml`` in ``lang``; ``values`` fill ``{name}`` placeholders."""
    text = prose(CATALOGUE, key, lang)
    return text.format(**values) if values else text


def has_label(key: str) -> bool:
    try:
        prose(CATALOGUE, key, "zh")
    except KeyError:
        return False
    return True
