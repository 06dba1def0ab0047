"""What a panel's units are: provinces, cities, counties, countries — and what the report calls them.

Every sentence, table header and chart title that names the units takes its noun from here (through
:meth:`nqp_lib.report.context.Report.noun`), so a panel of economies never reads "province". The kind comes
from the panel: the shipped provincial panel is ``province``; a user panel's kind is inferred from the name
of its key column (``city``/``城市`` → city, ``country``/``国家``/``economy`` → country …) or from its units
(all 31 provinces → province), and a sidecar may state it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from nqp_lib.errors import ParameterError
from nqp_lib.safe_yaml import load_yaml

TEXT = Path(__file__).resolve().parents[1] / "text" / "units.yaml"

#: key-column names (lower case) that say what the units are
KIND_BY_COLUMN = {
    "province": "province", "省份": "province", "省": "province", "省区市": "province",
    "city": "city", "城市": "city", "地级市": "city",
    "county": "county", "县": "county", "区县": "county", "县域": "county",
    "country": "country", "economy": "country", "国家": "country", "经济体": "country", "iso3": "country",
    "region": "region", "地区": "region",
}


@lru_cache(maxsize=1)
def _nouns() -> dict[str, dict[str, str]]:
    data = load_yaml(TEXT, "text catalogue", ParameterError)
    for kind, entry in data.items():
        if set(entry) != {"zh", "en", "en_plural"}:
            raise ParameterError(f"{TEXT}: {kind} must have exactly zh, en and en_plural")
    return data


def unit_kinds() -> list[str]:
    """The kinds a panel may declare: province, city, county, country, region, other."""
    return list(_nouns())


def check_kind(kind: str, where: str = "unit kind") -> str:
    """``kind`` when known, else a :class:`ParameterError` naming ``where`` and the valid kinds."""
    if kind not in _nouns():
        raise ParameterError(f"{where} = {kind!r} is not a unit kind; use one of {', '.join(unit_kinds())}")
    return kind


def kind_from_column(column: str) -> str:
    """The unit kind a key column's name implies (``other`` for ``unit``, ``name`` …)."""
    return KIND_BY_COLUMN.get(str(column).strip().lower(), "other")


def noun(kind: str, lang: str, plural: bool = False, override: dict[str, str] | None = None) -> str:
    """The word for one unit (or several, in English) of ``kind`` in ``lang``.

    ``override`` (from a panel's sidecar) may give ``zh``, ``en`` and ``en_plural`` of its own.
    """
    entry = {**_nouns()[check_kind(kind)], **(override or {})}
    if lang == "zh":
        return entry["zh"]
    return entry["en_plural"] if plural else entry["en"]
