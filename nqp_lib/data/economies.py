"""Economies for international comparison: countries, World Bank aggregates and the OECD simple mean.

``data/economies.csv`` (the project's own table) lists, per economy: its code (ISO 3166-1 alpha-3, a World
Bank aggregate code such as ``OED``, ``HIC``, ``WLD``, ``EUU``, or ``OECD_MEAN`` for the simple mean of
OECD members that nqp computes), Chinese and English names, its kind (``country``, ``aggregate``,
``computed``), the year it joined the OECD (blank if not a member), whether the article names it as a peer
(USA, Japan, Germany, Korea, the UK, France, the EU), its code in the Our World in Data file, and other
names it may be called by, whether it is a G20 member (the 19 member countries; the EU and the African
Union are members as blocs and are not listed as such) and its World Bank income group (the classification
for fiscal year 2025, made on 1 July 2024 from 2023 GNI per capita; given for every country listed, blank for
aggregates).

OECD membership and accession years are not in any shipped table; they are a static list from the OECD
(“Members and partners”, oecd.org, ratification of the Convention on the OECD: 19 in 1961, Italy 1962, …,
Costa Rica 2021 — 38 members). The data confirm the membership: the World Bank's ``OED`` population equals
the sum of these 38 members' populations in every year (a test checks it).

Every World Bank aggregate code in the WDI file is listed as ``aggregate`` so that rankings over
“countries” never count a region or income group (a test checks that every other WDI code is a country of
PWT or OWID, or one of five small territories).

“OECD” alone is ambiguous — the World Bank aggregate ``OED`` weights members (by population, GDP, …
depending on the indicator), while a simple mean gives each member the same weight — so :func:`economy`
refuses it and asks for one of the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from nqp_lib.data.package import PROJECT_ROOT
from nqp_lib.data.tables import number_field, optional, read_table, split_list, text_field
from nqp_lib.errors import ParameterError

ECONOMIES_CSV = PROJECT_ROOT / "data" / "economies.csv"
KINDS = ("country", "aggregate", "computed")
#: the pseudo-economy nqp computes (simple mean of OECD members with data)
OECD_MEAN = "OECD_MEAN"
#: the World Bank aggregate of OECD members
OECD_AGGREGATE = "OED"
#: names that could mean either reading of "the OECD average"
AMBIGUOUS = {"oecd", "oecd average", "oecd平均", "经合组织", "经合组织平均", "经合组织国家", "oecd国家", "oecd countries"}

#: World Bank income groups (classification for fiscal year 2025, made on 1 July 2024 from 2023 GNI per
#: capita, Atlas method), English → Chinese
INCOME_GROUPS = {"High income": "高收入", "Upper middle income": "中等偏上收入", "Lower middle income": "中等偏下收入",
                 "Low income": "低收入"}

SCHEMA = {
    "fields": [
        text_field("code", required=True, pattern=r"[A-Z]{3}|OECD_MEAN"),
        text_field("name_zh", required=True),
        text_field("name_en", required=True),
        text_field("kind", required=True, enum=list(KINDS)),
        number_field("oecd_accession", "year", integer=True, minimum=1961, maximum=2100),
        text_field("peer", enum=["yes"]),
        text_field("owid_code"),
        text_field("aliases"),
        text_field("g20", enum=["yes"]),
        text_field("income_group", enum=list(INCOME_GROUPS)),
    ],
    "primaryKey": ["code"],
}


@dataclass(frozen=True)
class Economy:
    """One row of ``data/economies.csv``."""

    code: str
    name_zh: str
    name_en: str
    kind: str
    oecd_accession: int | None
    peer: bool
    owid_code: str | None
    aliases: tuple[str, ...]
    g20: bool = False
    income_group: str | None = None

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def oecd_member(self, year: int | None = None) -> bool:
        """Member today (``year=None``) or by the end of ``year``."""
        if self.oecd_accession is None:
            return False
        return year is None or self.oecd_accession <= year


@lru_cache(maxsize=1)
def _table() -> tuple[Economy, ...]:
    frame = read_table(ECONOMIES_CSV, SCHEMA)
    rows = []
    for _, r in frame.iterrows():
        acc = optional(r["oecd_accession"])
        rows.append(Economy(
            code=r["code"], name_zh=r["name_zh"], name_en=r["name_en"], kind=r["kind"],
            oecd_accession=None if acc is None else int(acc), peer=optional(r["peer"]) == "yes",
            owid_code=optional(r["owid_code"]), aliases=split_list(r["aliases"]),
            g20=optional(r["g20"]) == "yes", income_group=optional(r["income_group"]),
        ))
    return tuple(rows)


def economies(kind: str | None = None) -> list[Economy]:
    """Every listed economy, or those of one kind (``country``, ``aggregate``, ``computed``)."""
    if kind is not None and kind not in KINDS:
        raise ParameterError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    return [e for e in _table() if kind is None or e.kind == kind]


@lru_cache(maxsize=1)
def _names() -> dict[str, Economy]:
    out: dict[str, Economy] = {}
    for e in _table():
        for name in (e.code, e.name_zh, e.name_en, *e.aliases):
            out[name.casefold()] = e
    return out


def economy(name: str) -> Economy:
    """Resolve a code, a Chinese or English name or an alias (case-insensitive) to an :class:`Economy`.

    A three-letter upper-case code that is not listed (e.g. ``ZAF``) is accepted as a country whose names
    are the code itself; "OECD" alone is refused as ambiguous.
    """
    key = str(name).strip().casefold()
    if key in AMBIGUOUS:
        raise ParameterError(
            f"economy {name!r} is ambiguous: say 'OED' (World Bank aggregate of OECD members, weighted) or "
            f"'OECD_MEAN' (simple mean of the members with data)"
        )
    found = _names().get(key)
    if found is not None:
        return found
    code = str(name).strip()
    if len(code) == 3 and code.isalpha() and code.isupper():
        return Economy(code, code, code, "country", None, False, code, ())
    known = ", ".join(e.code for e in _table() if e.kind != "aggregate" or e.code in ("OED", "HIC", "WLD", "EUU"))
    raise ParameterError(f"unknown economy {name!r}; use an ISO3 code or a listed name, e.g. {known}")


def resolve(names: str | list[str] | tuple[str, ...] | None) -> list[Economy]:
    """A list of economies from names (a single name is allowed); ``None`` → China, the peers, OED, HIC, WLD."""
    if names is None:
        return default_comparison()
    if isinstance(names, str):
        names = [names]
    out: list[Economy] = []
    for n in names:
        e = economy(n)
        if e not in out:
            out.append(e)
    return out


def default_comparison() -> list[Economy]:
    """China, the article's peers (USA, JPN, DEU, KOR, GBR, FRA, EU) and the OECD, high-income and world aggregates."""
    return [economy("CHN"), *peers(), economy(OECD_AGGREGATE), economy(OECD_MEAN), economy("HIC"), economy("WLD")]


def peers() -> list[Economy]:
    """The economies the article compares China with."""
    return [e for e in _table() if e.peer]


def oecd_members(year: int | None = None) -> list[str]:
    """ISO3 codes of OECD members today (``year=None``) or by the end of ``year``."""
    return [e.code for e in _table() if e.oecd_member(year)]


def aggregate_codes() -> set[str]:
    """Codes that are not countries (World Bank aggregates and nqp's computed means)."""
    return {e.code for e in _table() if e.kind != "country"}


def names_frame(lang: str = "zh") -> pd.DataFrame:
    """code → name in ``lang`` for every listed economy."""
    return pd.DataFrame({"economy": [e.code for e in _table()], "name": [e.name(lang) for e in _table()]})
