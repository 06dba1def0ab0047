"""The 31 provincial-level divisions of mainland China: names, groupings, tile-map positions, contiguity.

``data/regions.csv`` (the project's own table) holds, per province: the GB/T 2260 code, the short Chinese
name used by the source tables (北京, 内蒙古, …), the full name, the English name, the one-character
abbreviation, the ISO 3166-2:CN suffix, the NBS four regions (East, Central, West, Northeast — the division
the NBS has used since 2011), the three belts (Eastern, Central, Western as in the 7th Five-Year Plan, with
Inner Mongolia and Guangxi counted as Western since the 2000 Western Development programme), and a row and
column on a tile grid so that a China tile map can be drawn without geographic shapes.

Contiguity comes from the labelled adjacency matrix in the data root (``w_adjacency``): two provinces are
neighbours if they share a border. Hainan, an island, has no land neighbour; the source matrix links it to
Guangdong (across the Qiongzhou Strait), and so does nqp, so that every province has at least one neighbour
and a row-standardised W exists.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from nqp_lib.data.package import PROJECT_ROOT, load
from nqp_lib.errors import DataError

REGIONS_CSV = PROJECT_ROOT / "data" / "regions.csv"

REGION4 = ("East", "Central", "West", "Northeast")
BELT3 = ("Eastern", "Central", "Western")
#: Grouping columns a user may pick by short name.
GROUPINGS = {"region4": "NBS four regions", "belt3": "three belts"}


def _validate_regions(frame: pd.DataFrame, source: Path) -> pd.DataFrame:
    expected = [
        "code", "name_zh", "full_name_zh", "name_en", "abbr_zh", "iso",
        "region4", "region4_zh", "belt3", "belt3_zh", "tile_row", "tile_col",
    ]
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise DataError(f"{source}: missing column(s) {missing}")
    if len(frame) != 31:
        raise DataError(f"{source}: expected 31 provinces, found {len(frame)} rows")
    for col in ("code", "name_zh", "name_en", "iso", "abbr_zh"):
        dup = frame[col][frame[col].duplicated()]
        if not dup.empty:
            raise DataError(f"{source}: column {col!r} repeats {dup.iloc[0]!r}")
    bad = frame.loc[~frame["region4"].isin(REGION4), "name_zh"]
    if not bad.empty:
        raise DataError(f"{source}: region4 must be one of {REGION4}; see {bad.iloc[0]}")
    bad = frame.loc[~frame["belt3"].isin(BELT3), "name_zh"]
    if not bad.empty:
        raise DataError(f"{source}: belt3 must be one of {BELT3}; see {bad.iloc[0]}")
    if frame[["tile_row", "tile_col"]].duplicated().any():
        raise DataError(f"{source}: two provinces share a tile position")
    return frame


@lru_cache(maxsize=1)
def _regions_cached(mtime: float) -> pd.DataFrame:
    frame = pd.read_csv(REGIONS_CSV, dtype={"code": int, "tile_row": int, "tile_col": int})
    return _validate_regions(frame, REGIONS_CSV)


def load_regions() -> pd.DataFrame:
    """The regions table, one row per province in GB/T 2260 code order."""
    return _regions_cached(REGIONS_CSV.stat().st_mtime).copy()


def province_names(lang: str = "zh") -> list[str]:
    """Province short names in GB/T 2260 order (``lang`` zh or en)."""
    return load_regions()[f"name_{lang}"].tolist()


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    table = load_regions()
    out: dict[str, str] = {}
    for row in table.itertuples(index=False):
        for alias in (row.name_zh, row.full_name_zh, row.name_en, row.iso, str(row.code), row.abbr_zh):
            out[str(alias).strip().lower()] = row.name_zh
        out[row.name_en.replace(" ", "").lower()] = row.name_zh
    return out


def canonical_province(name: object, two_digit: bool = False) -> str | None:
    """Map a province given as short or full Chinese name, English name, ISO suffix or GB code to its
    short Chinese name (``'Inner Mongolia'`` → ``'内蒙古'``, ``'110000'`` → ``'北京'``); None if unknown.

    ``two_digit``: also accept the two-digit GB/T 2260 prefix (``'44'`` → ``'广东'``). Only for a single
    value a user types (``-p focus 44``): a panel's unit keys 11–65 may well be something else.
    """
    if name is None or (isinstance(name, float) and np.isnan(name)):
        return None
    key = str(name).strip()
    if key.endswith(".0") and key[:-2].isdigit():
        key = key[:-2]
    if two_digit and len(key) == 2 and key.isdigit():
        key += "0000"
    return _aliases().get(key.lower())


def contiguity_matrix() -> pd.DataFrame:
    """Binary (0/1) 31 × 31 contiguity, labelled by short Chinese name in GB/T 2260 order.

    Read from the ``w_adjacency`` resource (weights > 0 → 1). Checked: labels match the regions table,
    the matrix is symmetric, the diagonal is zero and every province has a neighbour (海南 ↔ 广东).
    """
    raw = load("w_adjacency").set_index("province")
    names = province_names("zh")
    if list(raw.index) != names or list(raw.columns) != names:
        raise DataError("w_adjacency: labels differ from data/regions.csv (expected GB/T 2260 order)")
    binary = (raw.to_numpy(dtype=float) > 0).astype(int)
    if not (binary == binary.T).all():
        raise DataError("w_adjacency: contiguity is not symmetric")
    if np.diag(binary).any():
        raise DataError("w_adjacency: a province is its own neighbour")
    lonely = [n for n, k in zip(names, binary.sum(axis=1)) if k == 0]
    if lonely:
        raise DataError(f"w_adjacency: province(s) without neighbours: {lonely}")
    return pd.DataFrame(binary, index=pd.Index(names, name="province"), columns=names)


def neighbours(name: str) -> list[str]:
    """The contiguous neighbours of a province (short Chinese name)."""
    w = contiguity_matrix()
    if name not in w.index:
        raise DataError(f"unknown province {name!r}; use a short Chinese name such as 北京")
    return [c for c in w.columns if w.at[name, c]]
