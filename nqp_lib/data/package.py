"""The data package: find the data root, read resources through their descriptor, validate, record provenance.

Source statistics are never copied into the repository. They live in the *data root* —
``$NQP_DATA_ROOT`` if set, otherwise ``../shared/data`` next to the project — and are described in the
project's ``data/datapackage.json`` (Frictionless style: path relative to the root, fields with types and
units, primary key, origin, citation, licence, known gaps). :func:`load` is the one way code reads a source
table: it checks the file against the schema (columns, types, required cells, plausible ranges, unique key),
computes its sha256, and returns the frame with a :class:`Provenance` record attached
(``frame.attrs["provenance"]``) and logged for the running process (:func:`used_resources`), so every report
can print what it used.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib.errors import DataError, DataRootError
from nqp_lib.io import read_hashed
from nqp_lib.io import sha256_file_once as sha256_of  # noqa: F401  (the name data users import)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DESCRIPTOR = PROJECT_ROOT / "data" / "datapackage.json"
#: The indicator systems shipped with the project (read by nqp_lib.systems; named by panel metadata).
SYSTEMS_DIR = PROJECT_ROOT / "data" / "systems"
ENV_VAR = "NQP_DATA_ROOT"


@dataclass(frozen=True)
class Provenance:
    """Where a table came from and exactly which bytes were read."""

    resource: str
    title: str
    path: str  # relative to the data root
    sha256: str
    rows: int
    origin: str
    citation: str
    mirror: str
    licence: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]


def candidate_roots() -> list[Path]:
    """Places searched for the data root, in order."""
    env = os.environ.get(ENV_VAR)
    if env:
        return [Path(env).expanduser()]
    return [PROJECT_ROOT.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]


def data_root() -> Path:
    """The data root directory, or a :class:`DataRootError` saying where it looked."""
    looked = candidate_roots()
    for root in looked:
        if root.is_dir() and any(root.iterdir()):
            return root.resolve()
    where = ", ".join(str(p) for p in looked)
    if os.environ.get(ENV_VAR):
        hint = f"${ENV_VAR} is set to {os.environ[ENV_VAR]!r} but that is not a directory with the source tables"
    else:
        hint = f"put the shared data folder at ../shared/data beside the project, or set {ENV_VAR}=/path/to/data"
    raise DataRootError(f"data root not found (looked in: {where}); {hint}")


@lru_cache(maxsize=1)
def _descriptor_cached(path: str, mtime: float) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON (line {exc.lineno}): {exc.msg}") from None


def descriptor() -> dict[str, Any]:
    """The parsed ``data/datapackage.json``."""
    if not DESCRIPTOR.exists():
        raise DataError(f"data descriptor {DESCRIPTOR} is missing")
    return _descriptor_cached(str(DESCRIPTOR), DESCRIPTOR.stat().st_mtime)


def resource_names() -> list[str]:
    return [r["name"] for r in descriptor()["resources"]]


def resource(name: str) -> dict[str, Any]:
    """The descriptor entry of one resource."""
    for res in descriptor()["resources"]:
        if res["name"] == name:
            return res
    raise DataError(f"unknown data resource {name!r}; known: {', '.join(resource_names())}")


_USED: dict[str, Provenance] = {}


def used_resources() -> list[Provenance]:
    """Provenance of every resource loaded by this process, in load order."""
    return list(_USED.values())


def _row_label(frame: pd.DataFrame, idx: Any, key: list[str]) -> str:
    """'row 12 (省份=北京, 年份=2012)' — 1-based data row plus its key, for messages."""
    pos = frame.index.get_loc(idx) if idx in frame.index else idx
    parts = ", ".join(f"{k}={frame.at[idx, k]}" for k in key if k in frame.columns) if key else ""
    return f"row {int(pos) + 2}" + (f" ({parts})" if parts else "")  # +2: header line, 1-based


def validate_frame(frame: pd.DataFrame, schema: dict[str, Any], source: str) -> pd.DataFrame:
    """Check ``frame`` against a Frictionless-style ``schema``; return it with typed columns.

    Checks: every declared field is present and no undeclared column appears; ``integer``/``number``
    fields parse as numbers (text or inf is an error naming the rows); ``required`` fields have no
    empty cells; ``minimum``/``maximum`` hold; the primary key is unique.
    """
    fields = schema.get("fields", [])
    declared = [f["name"] for f in fields]
    missing = [c for c in declared if c not in frame.columns]
    if missing:
        raise DataError(f"{source}: column(s) {missing} declared in the descriptor are missing from the file")
    extra = [c for c in frame.columns if c not in declared]
    if extra:
        raise DataError(f"{source}: column(s) {extra} are not declared in data/datapackage.json")
    key = list(schema.get("primaryKey", []))
    out = frame.copy()
    for fld in fields:
        name, ftype = fld["name"], fld.get("type", "string")
        cons = fld.get("constraints", {})
        col = out[name]
        if ftype in ("integer", "number"):
            num = pd.to_numeric(col, errors="coerce")
            bad = col.notna() & num.isna()
            if bad.any():
                first = bad.idxmax()
                raise DataError(
                    f"{source}: column {name!r} must be numeric but has text in {int(bad.sum())} row(s), "
                    f"first {_row_label(out, first, key)}: {col[first]!r}"
                )
            arr = num.to_numpy(dtype=float)
            inf = np.isinf(arr)
            if inf.any():
                first = out.index[int(np.argmax(inf))]
                raise DataError(f"{source}: column {name!r} has an infinite value at {_row_label(out, first, key)}")
            if ftype == "integer":
                frac = ~np.isnan(arr) & (arr != np.round(arr))
                if frac.any():
                    first = out.index[int(np.argmax(frac))]
                    raise DataError(
                        f"{source}: column {name!r} must hold whole numbers, {_row_label(out, first, key)} has {arr[int(np.argmax(frac))]}"
                    )
                out[name] = num.astype("Int64") if np.isnan(arr).any() else num.astype("int64")
            else:
                out[name] = num.astype(float)
            for bound, test in (("minimum", np.less), ("maximum", np.greater)):
                if bound in cons:
                    viol = ~np.isnan(arr) & test(arr, cons[bound])
                    if viol.any():
                        pos = int(np.argmax(viol))
                        raise DataError(
                            f"{source}: column {name!r} value {arr[pos]:g} at {_row_label(out, out.index[pos], key)} "
                            f"is {'below the minimum' if bound == 'minimum' else 'above the maximum'} {cons[bound]:g}"
                        )
        else:
            out[name] = col.astype("string")
        if cons.get("required"):
            empty = out[name].isna()
            if empty.any():
                first = empty.idxmax()
                raise DataError(f"{source}: required column {name!r} is empty at {_row_label(out, first, key)}")
    if key:
        dup = out.duplicated(key, keep=False)
        if dup.any():
            first = dup.idxmax()
            raise DataError(
                f"{source}: primary key ({', '.join(key)}) is not unique: {int(dup.sum())} rows share a key, "
                f"first {_row_label(out, first, key)}"
            )
    return out


@lru_cache(maxsize=32)
def _load_cached(name: str, path: str, mtime: float, size: int) -> tuple[pd.DataFrame, Provenance]:
    res = resource(name)
    file = Path(path)
    data, sha256 = read_hashed(file)  # one read: the recorded hash is that of the bytes parsed
    try:
        raw = pd.read_csv(io.BytesIO(data), encoding=res.get("encoding", "utf-8"), dtype=str, keep_default_na=True)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{file}: cannot read as CSV ({type(exc).__name__}: {exc})") from None
    frame = validate_frame(raw, res["schema"], str(file))
    lic = "; ".join(lic.get("title", lic.get("name", "")) for lic in res.get("licenses", []))
    prov = Provenance(
        resource=name,
        title=res.get("title", name),
        path=res["path"],
        sha256=sha256,
        rows=len(frame),
        origin=res.get("origin", ""),
        citation=res.get("citation", ""),
        mirror=res.get("mirror", ""),
        licence=lic,
    )
    return frame, prov


def resource_path(name: str) -> Path:
    """Absolute path of a resource in the data root (which must exist)."""
    res = resource(name)
    path = data_root() / res["path"]
    if not path.is_file():
        raise DataError(
            f"data resource {name!r}: file {path} not found in the data root {data_root()} "
            f"(set {ENV_VAR} if the data live elsewhere)"
        )
    return path


def load(name: str) -> pd.DataFrame:
    """Read, validate and return a source table by resource name.

    The returned frame is a copy (safe to modify) with ``frame.attrs["provenance"]`` set to its
    :class:`Provenance`; the record is also logged for :func:`used_resources`.
    """
    path = resource_path(name)
    stat = path.stat()
    frame, prov = _load_cached(name, str(path), stat.st_mtime, stat.st_size)
    _USED[name] = prov
    out = frame.copy()
    out.attrs["provenance"] = prov
    return out


def provenance_table(records: list[Provenance] | None = None) -> pd.DataFrame:
    """A tidy table of provenance records (default: everything loaded so far)."""
    records = used_resources() if records is None else records
    return pd.DataFrame(
        [
            {
                "resource": p.resource,
                "path": p.path,
                "rows": p.rows,
                "sha256": p.short_hash,
                "origin": p.origin,
                "licence": p.licence,
            }
            for p in records
        ]
    )


def shipped_system_names() -> list[str]:
    """Names of the indicator systems shipped in ``data/systems`` (``three_elements`` …)."""
    return sorted(p.stem for p in SYSTEMS_DIR.glob("*.yaml"))
