"""Readers: a source is a descriptor entry in ``data/datapackage.json`` plus a reader registered here.

A reader turns the validated table :func:`nqp_lib.data.package.load` returns into a tidy long frame
(``code, year, value, …``) that the national and international APIs filter by series. :func:`tidy` runs
the reader once per version of the file (keyed by path, modification time and size) and keeps the result;
the resource is logged for the report footer by the first :func:`~nqp_lib.data.package.load` of the
process. Frames returned by :func:`tidy` are shared: filter them, never modify them in place.

Panels read their source columns through a second kind of reader, registered with :func:`register_panel`:
it takes the validated table, the :class:`~nqp_lib.data.panelspec.SourceColumn` entries a panel description
(``data/panels/*.yaml``) asks of that resource and the known unit names, and returns a frame indexed by
``(unit, year)`` with one column per entry (:mod:`nqp_lib.data.panelreaders`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib.data.package import Provenance, load, resource_path
from nqp_lib.errors import DataError

Reader = Callable[[pd.DataFrame], pd.DataFrame]
_READERS: dict[str, Reader] = {}
#: (table, source columns, unit names) → frame indexed by (unit, year)
PanelReader = Callable[[pd.DataFrame, Sequence[Any], Sequence[str]], pd.DataFrame]
_PANEL_READERS: dict[str, PanelReader] = {}


def register(name: str, reader: Reader) -> Reader:
    """Register ``reader`` for the resource ``name`` (a module registers its readers when imported)."""
    if name in _READERS and _READERS[name] is not reader:
        raise ValueError(f"resource {name!r} already has a reader ({_READERS[name].__qualname__})")
    _READERS[name] = reader
    return reader


def register_all(table: dict[str, Reader]) -> dict[str, Reader]:
    """Register every ``name: reader`` of ``table``; return the table (a module's ``READERS``)."""
    for name, reader in table.items():
        register(name, reader)
    return table


def register_panel(name: str, reader: PanelReader) -> PanelReader:
    """Register the panel reader of the resource ``name``."""
    if name in _PANEL_READERS and _PANEL_READERS[name] is not reader:
        raise ValueError(f"resource {name!r} already has a panel reader ({_PANEL_READERS[name].__qualname__})")
    _PANEL_READERS[name] = reader
    return reader


def panel_reader(name: str) -> PanelReader:
    """The panel reader registered for the resource ``name``; a :class:`DataError` if there is none."""
    if name not in _PANEL_READERS:
        raise DataError(f"no panel reader registered for data resource {name!r}; "
                        f"registered: {', '.join(sorted(_PANEL_READERS))} (nqp_lib/data/panelreaders.py)")
    return _PANEL_READERS[name]


def readers() -> dict[str, Reader]:
    """Resource name → registered reader."""
    return dict(_READERS)


def stamp(name: str) -> tuple[str, float, int]:
    """(path, modification time, size) of a resource's file: changes whenever the file does."""
    path = resource_path(name)
    st = path.stat()
    return str(path), st.st_mtime, st.st_size


@lru_cache(maxsize=16)
def _tidy_cached(name: str, path: str, mtime: float, size: int) -> tuple[pd.DataFrame, Provenance]:
    frame = load(name)
    return _READERS[name](frame), frame.attrs["provenance"]


def tidy(name: str) -> tuple[pd.DataFrame, Provenance]:
    """The tidy frame of a resource through its reader, and the resource's provenance."""
    if name not in _READERS:
        raise DataError(f"no reader registered for data resource {name!r}; registered: {', '.join(sorted(_READERS))}")
    return _tidy_cached(name, *stamp(name))


def rows(name: str, code: str, scope: str, series_id: str) -> tuple[pd.DataFrame, Provenance]:
    """The rows of ``code`` in a resource's tidy frame; a :class:`DataError` if the file has none."""
    table, prov = tidy(name)
    out = table[table["code"] == code]
    if out.empty:
        raise DataError(f"{scope} series {series_id!r}: code {code!r} not found in resource {name!r} "
                        f"(data/series.csv names a column or indicator the file does not have)")
    return out, prov


def as_years(years: int | Iterable[int] | None) -> list[int] | None:
    """Years given as one year, several, or ``None`` (all) → a list or ``None``."""
    if years is None:
        return None
    if isinstance(years, (int, np.integer)):
        return [int(years)]
    return [int(y) for y in years]
