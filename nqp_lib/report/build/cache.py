"""What a page depends on, and pages kept by what they depend on.

A section's *cache key* is the sha256 of everything its page is made from: the notebook's bytes, the
validated parameters, the sha256 of every data file it may read (:func:`input_hashes`: each resource of
``data/datapackage.json`` and each user file named in the parameters), a fingerprint of nqp_lib's code,
templates and the project's own data files, the pins (:func:`code_fingerprint`), and the sections listed
in the navigation bar (:func:`navigation_fingerprint`).

The key is computed before the section runs; the kernel then reports the sha256 of the bytes it actually
read (the provenance record ``ctx.finish()`` emits). :func:`changed_inputs` compares the two: a page whose
kernel read anything else — a data file replaced during the build — is neither published nor cached, so no
key ever stands for a page made from other data.

Two places keep results:

* each output folder's records (``OUT/.nqp-cache/<stem>.json``: key, status, time, parameters), which say
  whether ``OUT/<stem>.html`` is current and feed the index page;
* the shared, content-addressed :class:`PageStore` (``$NQP_CACHE_DIR``, else ``$XDG_CACHE_HOME/nqp``,
  else ``~/.cache/nqp``): page and executed notebook by key, so the same section with the same inputs is
  not executed again for another output folder (or by ``nqp sweep``). Its size is bounded
  (``$NQP_CACHE_MAX_MB``, default :data:`DEFAULT_MAX_MB`; least recently used entries go first) and
  ``nqp cache --clear`` empties it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nqp_lib import __version__
from nqp_lib.io import sha256_bytes, sha256_file, sha256_file_once, sha256_files, write_atomic
from nqp_lib.report.build.jobs import InputRead
from nqp_lib.report.sections import PROJECT_ROOT, Section

RECORDS = ".nqp-cache"  # per-output-folder records
DEFAULT_MAX_MB = 2048
#: a temporary entry folder older than this is a killed writer's leftover
STALE_TEMP_SECONDS = 3600


# --------------------------------------------------------------------------- fingerprints


def code_fingerprint() -> str:
    """nqp_lib's version plus a hash of its code, templates and the project's own data files and pins."""
    lib = PROJECT_ROOT / "nqp_lib"
    files = [p for p in lib.rglob("*") if p.is_file() and p.suffix in (".py", ".j2", ".css", ".json", ".yaml", ".md")]
    files += [p for p in (PROJECT_ROOT / "data").rglob("*") if p.is_file()]
    lock = PROJECT_ROOT / "requirements.lock"
    if lock.exists():
        files.append(lock)
    return f"{__version__}:{sha256_files(files, PROJECT_ROOT)}"


def navigation_fingerprint(sections: list[Section]) -> str:
    """Every page's navigation bar lists all sections, so adding or renaming one changes every page."""
    return json.dumps([(s.stem, s.title) for s in sections], ensure_ascii=False, sort_keys=True)


def input_hashes(params: dict[str, Any]) -> dict[str, str]:
    """sha256 of every data file a section with these parameters may read: ``resource:<name>`` for each
    resource of the data package, ``file:<absolute path>`` for a user panel or system file."""
    from nqp_lib.data.package import descriptor, resource_path

    hashes = {f"resource:{res['name']}": sha256_file_once(resource_path(res["name"])) for res in descriptor()["resources"]}
    for key in ("panel", "system", "panel_meta", "weights_matrix"):
        value = params.get(key)
        if isinstance(value, str) and value and Path(value).is_file():
            hashes[f"file:{value}"] = sha256_file_once(Path(value))
    from nqp_lib.data.panelmeta import metadata_files

    for path in metadata_files(params.get("panel"), params.get("panel_meta")):  # a sidecar beside the panel
        hashes.setdefault(f"file:{path}", sha256_file_once(path))
    return hashes


def cache_key(section: Section, params: dict[str, Any], code: str, inputs: dict[str, str]) -> str:
    """The key of a section's page (see the module docstring)."""
    text = json.dumps([params, sorted(inputs.items()), code], sort_keys=True, ensure_ascii=False)
    return sha256_bytes(section.path.read_bytes() + b"\0" + text.encode())


def changed_inputs(planned: dict[str, str], read: tuple[InputRead, ...]) -> list[str]:
    """Inputs a kernel read with another sha256 than the key was computed from (or that the key does not
    cover), each as a sentence naming the file; empty when the page matches its key."""
    from nqp_lib.data.package import data_root

    problems = []
    for r in read:
        name = f"resource:{r.resource}"
        if name in planned:
            where = str(data_root() / r.path)
        else:
            name, where = f"file:{r.path}", r.path
        expected = planned.get(name)
        if expected is None:
            problems.append(f"{where} ({r.resource}) was read but is not among the build's inputs")
        elif expected != r.sha256:
            problems.append(f"{where} had sha256 {expected[:12]}… when the build started and {r.sha256[:12]}… "
                            "when the section read it")
    return problems


# --------------------------------------------------------------------------- records in an output folder


def record_path(out: Path, stem: str) -> Path:
    return out / RECORDS / f"{stem}.json"


def read_record(out: Path, stem: str) -> dict[str, Any] | None:
    try:
        return json.loads(record_path(out, stem).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def write_record(out: Path, stem: str, record: dict[str, Any]) -> None:
    write_atomic(record_path(out, stem), json.dumps(record, ensure_ascii=False, indent=1))


# --------------------------------------------------------------------------- the shared store


def cache_dir() -> Path:
    """``$NQP_CACHE_DIR``, else ``$XDG_CACHE_HOME/nqp``, else ``~/.cache/nqp``."""
    if os.environ.get("NQP_CACHE_DIR"):
        return Path(os.environ["NQP_CACHE_DIR"]).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser().resolve() / "nqp"


def max_bytes() -> int:
    """The store's size bound: ``$NQP_CACHE_MAX_MB`` megabytes (default :data:`DEFAULT_MAX_MB`)."""
    text = os.environ.get("NQP_CACHE_MAX_MB", str(DEFAULT_MAX_MB))
    try:
        mb = float(text)
    except ValueError:
        from nqp_lib.errors import ParameterError

        raise ParameterError(f"NQP_CACHE_MAX_MB must be a number of megabytes, got {text!r}") from None
    return int(mb * 2**20)


@dataclass(frozen=True)
class StoredPage:
    """One entry of the store: a section's page and executed notebook, and what the build recorded."""

    key: str
    folder: Path
    meta: dict[str, Any]

    @property
    def page(self) -> Path:
        return self.folder / "page.html"

    @property
    def notebook(self) -> Path:
        return self.folder / "notebook.ipynb"


class PageStore:
    """Pages and executed notebooks by cache key, shared by every output folder (see the module docstring).

    Entries are written into a temporary folder and renamed into place, so a reader sees a whole entry or
    none; :meth:`get` also checks the files' sha256 against the entry's record and drops a damaged entry.
    """

    def __init__(self, root: Path | None = None, limit: int | None = None):
        self.root = (root or cache_dir()) / "pages"
        self.limit = max_bytes() if limit is None else limit

    def _folder(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get(self, key: str) -> StoredPage | None:
        folder = self._folder(key)
        try:
            meta = json.loads((folder / "entry.json").read_text(encoding="utf-8"))
            entry = StoredPage(key, folder, meta)
            intact = (sha256_file(entry.page) == meta["page_sha256"]
                      and sha256_file(entry.notebook) == meta["notebook_sha256"])
        except (OSError, ValueError, KeyError):
            intact, entry = False, None
        if not intact:
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
            return None
        with contextlib.suppress(OSError):
            os.utime(folder / "entry.json")  # recently used: pruned last
        return entry

    def put(self, key: str, page: Path, notebook: Path, meta: dict[str, Any]) -> None:
        """Store copies of ``page`` and ``notebook`` under ``key`` (a no-op when the key is present)."""
        final = self._folder(key)
        if final.exists():
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=final.parent))
        try:
            shutil.copyfile(page, tmp / "page.html")
            shutil.copyfile(notebook, tmp / "notebook.ipynb")
            record = {**meta, "key": key, "page_sha256": sha256_file(tmp / "page.html"),
                      "notebook_sha256": sha256_file(tmp / "notebook.ipynb")}
            (tmp / "entry.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
            os.rename(tmp, final)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if not final.exists():
                raise  # a concurrent writer stored the same key first: fine; anything else is real
        self.prune()

    def entries(self) -> list[tuple[float, int, Path]]:
        """(last use, bytes, folder) of every entry."""
        out = []
        for folder in self.root.glob("??/*"):
            if folder.name.startswith(".tmp-"):
                continue
            try:
                used = (folder / "entry.json").stat().st_mtime
                size = sum(f.stat().st_size for f in folder.iterdir())
            except OSError:
                continue
            out.append((used, size, folder))
        return out

    def size(self) -> int:
        return sum(size for _, size, _ in self.entries())

    def prune(self) -> list[Path]:
        """Remove leftovers of killed writers and, while the store exceeds its bound, the least recently
        used entries (down to 90 % of the bound). Returns the entry folders removed."""
        now = time.time()
        for tmp in self.root.glob("??/.tmp-*"):
            with contextlib.suppress(OSError):
                if now - tmp.stat().st_mtime > STALE_TEMP_SECONDS:
                    shutil.rmtree(tmp, ignore_errors=True)
        entries = sorted(self.entries())
        total = sum(size for _, size, _ in entries)
        removed = []
        if total <= self.limit:
            return removed
        for _, size, folder in entries:
            if total <= 0.9 * self.limit:
                break
            shutil.rmtree(folder, ignore_errors=True)
            total -= size
            removed.append(folder)
        return removed

    def clear(self) -> int:
        """Remove every entry; return the bytes freed."""
        freed = self.size()
        shutil.rmtree(self.root, ignore_errors=True)
        return freed
