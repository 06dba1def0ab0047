"""What a panel says about itself: its kind of unit, display names, groupings, citation, licence and weights.

A user panel ``my.csv`` may come with a sidecar ``my.meta.yaml`` beside it (or one named with ``--meta`` /
``-p panel_meta PATH``)::

    unit_kind: country                    # province, city, county, country, region, other
    unit_noun: {zh: 经济体, en: economy, en_plural: economies}   # optional; words for one unit / several
    names:                                # optional display names per unit (zh and/or en)
      CHN: {zh: 中国, en: China}
    name_columns: {zh: name_zh, en: name_en}   # or: display names read from text columns of the panel
    groupings:                            # grouping columns of the panel (one value per unit)
      - column: income
        name: {zh: 收入组, en: Income group}
        values: {High income: {zh: 高收入, en: High income}}   # optional labels of the values
    citation: "World Bank (2026), World Development Indicators"
    licence: CC BY 4.0
    weights: my_w.csv                     # optional spatial weights: CSV matrix or edge list from,to[,weight]
    focus: CHN                            # optional default focus unit
    system: my_system.yaml                # optional default indicator system (a shipped name or a path)

Paths in a sidecar are relative to the sidecar. Every key is optional; an unknown key, a wrong type or a
grouping column the panel does not have is refused with the file and key named (:class:`DataError`, exit 2).
The file is read through :mod:`nqp_lib.safe_yaml` (UTF-8, bounded aliases and nesting) and may have at most
:data:`MAX_SIDECAR_BYTES` bytes.

Without a sidecar, nqp infers what it can and says so in :attr:`PanelMeta.notes`: the kind from the key
column's name (:mod:`nqp_lib.data.unitkind`), display names from ``name_zh``/``name_en`` columns, and grouping
columns from the other non-numeric columns that group the units (2 ≤ groups < units). ``nqp check-data``
prints the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from nqp_lib import safe_yaml
from nqp_lib.data.package import shipped_system_names
from nqp_lib.data.unitkind import check_kind
from nqp_lib.errors import DataError, NqpError

#: a sidecar is a few kilobytes; anything larger is refused before parsing
MAX_SIDECAR_BYTES = 256 * 1024
SIDECAR_KEYS = ("unit_kind", "unit_noun", "names", "name_columns", "groupings", "citation", "licence", "weights",
                "focus", "key", "system")
NAME_COLUMNS = {"zh": ("name_zh", "名称", "中文名"), "en": ("name_en", "english_name", "英文名")}
LANGS = ("zh", "en")


@dataclass(frozen=True)
class Grouping:
    """A grouping column: its name in both languages and optional labels of its values."""

    column: str
    zh: str
    en: str
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def value_label(self, value: str, lang: str) -> str:
        return self.values.get(value, {}).get(lang, value)


@dataclass
class PanelMeta:
    """A panel's description (see the module docstring).

    Attributes
    ----------
    unit_kind : what the units are; ``nouns`` optional words for them (``zh``, ``en``, ``en_plural``).
    names : unit → {lang: display name}; a unit without a name shows its key.
    groupings : the grouping columns, in order; ``groups`` the value of each per unit (``unit`` + columns).
    citation, licence : how the data are credited (a user panel's source line uses the citation).
    weights : path of a spatial weights file, or None.
    focus : default focus unit, or None.
    system : the indicator system the report uses by default (a shipped name or a path), or None.
    source : the sidecar file, or None when everything was inferred (or the panel is shipped).
    notes : what was inferred or adjusted, one sentence each.
    shipped : True for the shipped panels, whose description is built with them.
    """

    unit_kind: str = "other"
    nouns: dict[str, str] | None = None
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    groupings: list[Grouping] = field(default_factory=list)
    groups: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"unit": []}))
    citation: str = ""
    licence: str = ""
    weights: Path | None = None
    focus: str | None = None
    system: str | None = None
    source: Path | None = None
    notes: list[str] = field(default_factory=list)
    shipped: bool = False

    def name(self, unit: str, lang: str) -> str:
        entry = self.names.get(unit, {})
        return entry.get(lang) or entry.get("en" if lang == "zh" else "zh") or unit

    def grouping(self, column: str) -> Grouping | None:
        return next((g for g in self.groupings if g.column == column), None)

    @property
    def grouping_columns(self) -> list[str]:
        return [g.column for g in self.groupings]

    def group_of(self, column: str, lang: str) -> pd.Series:
        """unit → the label of its group under ``column`` in ``lang`` (missing when a unit has no value)."""
        g = self.grouping(column)
        if g is None:
            raise KeyError(column)
        table = self.groups.set_index("unit")[column]
        return table.map(lambda v: g.value_label(v, lang) if isinstance(v, str) else v)

    def describe(self) -> list[str]:
        """Lines for ``nqp check-data``: what the panel says about itself."""
        out = [f"unit kind: {self.unit_kind}" + (f" ({self.nouns.get('en', '')} / {self.nouns.get('zh', '')})"
                                                 if self.nouns else "")]
        out.append(f"display names: {len(self.names)} unit(s)" if self.names else "display names: the unit keys")
        if self.groupings:
            for g in self.groupings:
                n = self.groups[g.column].nunique() if g.column in self.groups else 0
                out.append(f"grouping {g.column!r} ({g.en} / {g.zh}): {n} groups")
        else:
            out.append("groupings: none")
        out.append(f"citation: {self.citation or '(none: the file name is shown as the source)'}")
        if self.licence:
            out.append(f"licence: {self.licence}")
        out.append(f"spatial weights: {self.weights if self.weights else 'none'}")
        if self.focus:
            out.append(f"default focus: {self.focus}")
        return out


# ---------------------------------------------------------------------------------------------- the sidecar


def sidecar_for(panel_path: str | Path) -> Path | None:
    """``my.meta.yaml`` (or ``.yml``) beside ``my.csv``, if it exists."""
    p = Path(panel_path)
    for suffix in (".meta.yaml", ".meta.yml"):
        candidate = p.with_name(p.stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def metadata_files(panel: Any, meta: Any = None) -> list[Path]:
    """The metadata files a user panel's report reads: its sidecar (given, or beside the panel) and the
    weights and system files the sidecar names — for cache keys. Nothing for a shipped panel; an unreadable sidecar is left to
    the checks that name it."""
    if not isinstance(panel, str) or not panel or not Path(panel).is_file():
        return []
    side = Path(meta) if meta else sidecar_for(panel)
    if side is None or not side.is_file():
        return []
    out = [side.resolve()]
    try:
        data = read_sidecar(side)
    except NqpError:
        return out
    for key in ("weights", "system"):  # files the sidecar names (a shipped system's name is no file here)
        if data.get(key) and (side.parent / str(data[key])).is_file():
            out.append((side.parent / str(data[key])).resolve())
    return out


def read_sidecar(path: str | Path) -> dict[str, Any]:
    """The sidecar's mapping, with its keys and their types checked (errors name the file and key)."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: panel metadata file not found")
    size = p.stat().st_size
    if size > MAX_SIDECAR_BYTES:
        raise DataError(f"{p}: {size:,} bytes; a panel metadata file may have at most {MAX_SIDECAR_BYTES:,}")
    what = "panel metadata file"
    data = safe_yaml.loads(safe_yaml.read_text(p, what, DataError, MAX_SIDECAR_BYTES), str(p), what, DataError)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DataError(f"{p}: expected a mapping of keys ({', '.join(SIDECAR_KEYS)}), got {type(data).__name__}")
    unknown = [str(k) for k in data if k not in SIDECAR_KEYS]
    if unknown:
        raise DataError(f"{p}: unknown key {unknown[0]!r}; known keys are {', '.join(SIDECAR_KEYS)}")
    for key in ("unit_kind", "citation", "licence", "weights", "focus", "key", "system"):
        if key in data and data[key] is not None and not isinstance(data[key], (str, int)):
            raise DataError(f"{p}: key {key!r} must be text, got {type(data[key]).__name__}")
    return data


def _text_map(value: Any, where: str, allowed: tuple[str, ...] = LANGS) -> dict[str, str]:
    if isinstance(value, str):
        return {lang: value for lang in allowed if lang != "en_plural"}
    if not isinstance(value, dict) or not value:
        raise DataError(f"{where} must be a mapping of {', '.join(allowed)} to text")
    bad = [k for k in value if k not in allowed]
    if bad:
        raise DataError(f"{where}: unknown language key {bad[0]!r}; use {', '.join(allowed)}")
    if not all(isinstance(v, (str, int, float)) for v in value.values()):
        raise DataError(f"{where}: every entry must be text")
    return {str(k): str(v) for k, v in value.items()}


def _groupings(entries: Any, columns: list[str], where: str) -> list[Grouping]:
    if not isinstance(entries, list):
        raise DataError(f"{where}: key 'groupings' must be a list of {{column, name, values}} entries")
    out = []
    for k, entry in enumerate(entries):
        at = f"{where}: groupings[{k}]"
        if isinstance(entry, str):
            entry = {"column": entry}
        if not isinstance(entry, dict) or "column" not in entry:
            raise DataError(f"{at} needs a 'column'")
        unknown = [x for x in entry if x not in ("column", "name", "values")]
        if unknown:
            raise DataError(f"{at}: unknown key {unknown[0]!r}; use column, name, values")
        col = str(entry["column"])
        if col not in columns:
            raise DataError(f"{at}: column {col!r} is not in the panel (its columns: {', '.join(columns[:15])})")
        name = _text_map(entry.get("name", col), f"{at}.name")
        values = entry.get("values") or {}
        if not isinstance(values, dict):
            raise DataError(f"{at}.values must map each value to {{zh, en}} labels")
        labels = {str(v): _text_map(lab, f"{at}.values[{v!r}]") for v, lab in values.items()}
        out.append(Grouping(col, name.get("zh", name.get("en", col)), name.get("en", name.get("zh", col)), labels))
    return out


# ---------------------------------------------------------------------------------------------- describing


def per_unit(frame: pd.DataFrame, column: str, notes: list[str]) -> pd.Series:
    """unit → the column's value (text); the latest year's when it changes over the years (noted)."""
    f = frame[["unit", "year", column]].dropna(subset=[column])
    values = f[column].astype(str).str.strip()
    f = f.assign(**{column: values})[values != ""]
    varies = f.groupby("unit")[column].nunique()
    if (varies > 1).any():
        notes.append(f"column {column!r} changes over the years for {int((varies > 1).sum())} unit(s) "
                     f"(e.g. {varies[varies > 1].index[0]}); the latest year's value is used")
    return f.sort_values("year").groupby("unit")[column].last()


def describe_panel(
    text: pd.DataFrame, units: list[str], kind: str, key_column: str, sidecar: Path | None,
    data: dict[str, Any] | None = None,
) -> tuple[PanelMeta, list[str]]:
    """The metadata of a user panel and the columns it uses as labels (not indicators).

    Parameters
    ----------
    text : ``unit``, ``year`` and every non-key column that may describe the units (text columns, and the
        columns a sidecar names).
    units : the panel's units; ``kind`` the kind inferred from the key column or units.
    sidecar, data : the sidecar's path and its mapping (:func:`read_sidecar`), or None.
    """
    where = str(sidecar) if sidecar else "panel metadata"
    data = data or {}
    notes: list[str] = []
    columns = [c for c in text.columns if c not in ("unit", "year")]
    if "unit_kind" in data:
        try:
            kind = check_kind(str(data["unit_kind"]), where=f"{where}: key 'unit_kind'")
        except NqpError as exc:
            raise DataError(str(exc)) from None
    else:
        notes.append(f"unit kind {kind!r} inferred from the key column {key_column!r}"
                     if kind != "other" else f"unit kind not known from the key column {key_column!r}: 'other' "
                     "(state it with unit_kind in a sidecar)")
    nouns = None
    if "unit_noun" in data:
        nouns = _text_map(data["unit_noun"], f"{where}: key 'unit_noun'", ("zh", "en", "en_plural"))
        if "en" in nouns and "en_plural" not in nouns:
            nouns["en_plural"] = nouns["en"] + "s"
    used: list[str] = []
    names: dict[str, dict[str, str]] = {}
    name_cols: dict[str, str] = {}
    if "name_columns" in data:
        name_cols = _text_map(data["name_columns"], f"{where}: key 'name_columns'")
        for lang, col in name_cols.items():
            if col not in columns:
                raise DataError(f"{where}: key 'name_columns': column {col!r} is not in the panel "
                                f"(its columns: {', '.join(columns[:15])})")
    elif "names" not in data:
        lower = {c.lower(): c for c in columns}
        for lang, options in NAME_COLUMNS.items():
            found = next((lower[o.lower()] for o in options if o.lower() in lower), None)
            if found:
                name_cols[lang] = found
                notes.append(f"display names ({lang}) taken from column {found!r}")
    for lang, col in name_cols.items():
        for unit, value in per_unit(text, col, notes).items():
            names.setdefault(unit, {})[lang] = value
        used.append(col)
    if "names" in data:
        if not isinstance(data["names"], dict):
            raise DataError(f"{where}: key 'names' must map each unit to {{zh, en}} names")
        unknown = [str(u) for u in data["names"] if str(u) not in set(units)]
        if unknown:
            raise DataError(f"{where}: key 'names': {unknown[0]!r} is not a unit of the panel")
        for u, entry in data["names"].items():
            names[str(u)] = _text_map(entry, f"{where}: names[{u!r}]")
    if "groupings" in data:
        groupings = _groupings(data["groupings"], columns, where)
    else:
        groupings = []
        for col in columns:
            if col in used:
                continue
            n = per_unit(text, col, []).nunique()
            if 2 <= n < len(units):
                groupings.append(Grouping(col, col, col))
                notes.append(f"column {col!r} taken as a grouping ({n} groups)")
            else:
                notes.append(f"text column {col!r} not used ({n} distinct value(s) for {len(units)} units)")
    groups = pd.DataFrame({"unit": units})
    for g in groupings:
        groups[g.column] = groups["unit"].map(per_unit(text, g.column, notes))
        missing = groups[g.column].isna()
        if missing.any():
            notes.append(f"grouping {g.column!r}: {int(missing.sum())} unit(s) without a value "
                         f"(e.g. {groups['unit'][missing].iat[0]}) are left out of group comparisons")
    weights = None
    if data.get("weights"):
        weights = (sidecar.parent if sidecar else Path.cwd()) / str(data["weights"])
        if not weights.is_file():
            raise DataError(f"{where}: key 'weights': file {weights} not found")
    focus = None
    if data.get("focus") is not None:
        focus = str(data["focus"])
        if focus not in set(units):
            raise DataError(f"{where}: key 'focus': {focus!r} is not a unit of the panel")
    system = None
    if data.get("system"):
        system = str(data["system"])
        if system not in shipped_system_names():
            path = (sidecar.parent if sidecar else Path.cwd()) / system
            if not path.is_file():
                raise DataError(f"{where}: key 'system': {system!r} is neither a shipped system "
                                f"({', '.join(shipped_system_names())}) nor a file ({path} not found)")
            system = str(path.resolve())
    meta = PanelMeta(
        unit_kind=kind, nouns=nouns, names=names, groupings=groupings, groups=groups, system=system,
        citation=str(data.get("citation") or ""), licence=str(data.get("licence") or ""), weights=weights,
        focus=focus, source=sidecar, notes=notes,
    )
    return meta, used + [g.column for g in groupings]
