"""Panel readers: one small reader per resource that feeds the provincial panel.

Each takes the validated table :func:`nqp_lib.data.package.load` returns, the
:class:`~nqp_lib.data.panelspec.SourceColumn` entries the panel description asks of the resource and
the known unit names (``data/regions.csv``), and returns a frame indexed by ``(unit, year)`` with one
float column per entry, in the entries' order. A unit name the regions table does not know, a missing
code or a unit other than the entry's ``source_unit`` raises :class:`~nqp_lib.errors.DataError` naming
the resource. Adding a source to a panel: its descriptor entry in ``data/datapackage.json``, a reader
here, and its columns under ``sources:`` in the panel description.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from nqp_lib.data import readers
from nqp_lib.data.panelspec import SourceColumn
from nqp_lib.errors import DataError

NATIONAL_ROW = "全国"


def _known_units(resource: str, values: pd.Series, names: Sequence[str]) -> None:
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise DataError(f"{resource}: province name(s) not in data/regions.csv: {unknown}")


def read_st_yearbook(frame: pd.DataFrame, columns: Sequence[SourceColumn], names: Sequence[str]) -> pd.DataFrame:
    """``st_yearbook_long``: ``code`` is ``dataset/variable``; every row must state ``source_unit``."""
    st = frame[frame["province"] != NATIONAL_ROW]
    _known_units("st_yearbook_long", st["province"], names)
    pieces = []
    for col in columns:
        dataset, _, var = col.code.partition("/")
        part = st[(st["dataset"] == dataset) & (st["variables"] == var)]
        if part.empty:
            raise DataError(f"st_yearbook_long: no rows for {dataset}/{var} (needed for {col.name})")
        wrong = part[part["units"] != col.source_unit]
        if not wrong.empty:
            r = wrong.iloc[0]
            raise DataError(f"st_yearbook_long: {dataset}/{var} expected unit {col.source_unit!r} but "
                            f"{r['province']} {r['year']} says {r['units']!r}")
        pieces.append(part.set_index(["province", "year"])["value"].rename(col.name))
    wide = pd.concat(pieces, axis=1)
    wide.index.names = ["unit", "year"]
    return wide


def _wide_reader(resource: str, unit_col: str, year_col: str):
    """A reader for a wide table (one row per unit-year): ``code`` is the column header."""

    def read(frame: pd.DataFrame, columns: Sequence[SourceColumn], names: Sequence[str]) -> pd.DataFrame:
        _known_units(resource, frame[unit_col], names)
        absent = [c.code for c in columns if c.code not in frame.columns]
        if absent:
            raise DataError(f"{resource}: no column(s) {absent} (named by the panel description)")
        wide = frame.rename(columns={unit_col: "unit", year_col: "year"}).set_index(["unit", "year"])
        wide = wide[[c.code for c in columns]].rename(columns={c.code: c.name for c in columns})
        return wide.astype(float)

    read.__qualname__ = read.__name__ = f"read_{resource}"
    return read


read_eps_panel = _wide_reader("eps_provincial_panel", "省份", "年份")
read_ceads_co2 = _wide_reader("ceads_provincial_co2", "province", "year")

for _name, _reader in {
    "st_yearbook_long": read_st_yearbook,
    "eps_provincial_panel": read_eps_panel,
    "ceads_provincial_co2": read_ceads_co2,
}.items():
    readers.register_panel(_name, _reader)
