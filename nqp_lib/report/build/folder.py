"""The output folder: which folders a build may write into, its lock, staging folders and leftovers.

* :func:`check_output_folder` refuses folders a build must not fill with pages, notebooks and records: the
  file-system root, the home folder, the source notebooks, and any existing folder that is neither empty
  nor an nqp output folder (one holding :data:`LOCK_NAME`, which every build creates) — unless
  ``force=True`` (``--force-out``).
* :func:`build_lock` serialises builds into one folder (``flock`` on :data:`LOCK_NAME`; a second build
  waits).
* :func:`staging_folder` makes a private ``.staging-*`` folder whose :data:`OWNER_NAME` file stays locked
  while its build (and the workers that inherited the lock) live; a build killed with SIGKILL releases it.
* :func:`clean_leftovers` removes what a killed or failed build left behind: staging folders nobody holds,
  temporary files of interrupted atomic writes, and executed copies of failed notebooks or error pages of
  sections whose last build succeeded.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from nqp_lib.errors import ParameterError
from nqp_lib.io import TEMP_SUFFIX
from nqp_lib.report.build.progress import Progress
from nqp_lib.report.sections import notebooks_dir

LOCK_NAME = ".nqp-build.lock"
STAGING_PREFIX = ".staging-"
OWNER_NAME = ".owner.lock"
#: Names a build writes into its output folder besides ``<section>.html`` pages.
OUTPUT_NAMES = (LOCK_NAME, ".nqp-cache", "notebooks", "index.html")


def is_output_folder(folder: Path) -> bool:
    """True for a folder an nqp build wrote (it holds the build lock file)."""
    return (folder / LOCK_NAME).is_file()


def check_output_folder(out: Path, force: bool = False) -> Path:
    """``out`` as an absolute path, after refusing folders a build must not write into.

    Always refused: a path that is a file (or under one), an unwritable folder, the source notebooks.
    Refused unless ``force``: the file-system root, the home folder, and an existing folder holding
    unrelated files — one that is not empty and holds no earlier build's lock file.
    """
    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out {out}: exists and is not a directory")
    for parent in [out, *out.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise ParameterError(f"--out {out}: {parent} is not a directory")
            if not os.access(parent, os.W_OK):
                raise ParameterError(f"--out {out}: {parent} is not writable")
            break
    sources = notebooks_dir().resolve()
    resolved = out.resolve()
    if resolved == sources or (out / "notebooks").resolve() == sources:
        raise ParameterError(
            f"--out {out}: would overwrite the source notebooks in {sources} (executed copies go to OUT/notebooks); "
            "choose another folder, e.g. reports/"
        )
    if force:
        return resolved
    hint = "choose a new or empty folder, e.g. reports/, or pass --force-out to write there anyway"
    if resolved == Path(resolved.anchor):
        raise ParameterError(f"--out {out}: is the root of the file system; {hint}")
    if resolved == Path.home().resolve():
        raise ParameterError(f"--out {out}: is your home folder; {hint}")
    if resolved.is_dir() and not is_output_folder(resolved):
        entries = sorted(p.name for p in resolved.iterdir())
        if entries:
            shown = ", ".join(entries[:5]) + (" …" if len(entries) > 5 else "")
            raise ParameterError(
                f"--out {out}: holds files that are not an nqp build's ({len(entries)} entries: {shown}); {hint}"
            )
    return resolved  # workers run from the project root: a relative path would point elsewhere there


@contextlib.contextmanager
def build_lock(out: Path, progress: Progress) -> Iterator[None]:
    """Hold ``out``'s build lock; wait (saying so) while another build holds it."""
    out.mkdir(parents=True, exist_ok=True)
    fh = open(out / LOCK_NAME, "w")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress.say(f"waiting for another nqp build writing to {out} …")
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


@contextlib.contextmanager
def staging_folder(out: Path) -> Iterator[tuple[Path, IO[str]]]:
    """A new ``OUT/.staging-*`` folder and its locked owner file (pass ``owner.fileno()`` to child
    processes that should keep the folder held); removed on exit."""
    path = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    owner = open(path / OWNER_NAME, "w")
    fcntl.flock(owner, fcntl.LOCK_EX)
    try:
        yield path, owner
    finally:
        shutil.rmtree(path, ignore_errors=True)
        owner.close()


def _held(staging: Path) -> bool:
    """True while a live process holds the staging folder's owner lock."""
    try:
        fh = open(staging / OWNER_NAME)
    except FileNotFoundError:
        return False  # no owner file: from an older nqp or killed before it was made
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def clean_leftovers(out: Path, stems: list[str], succeeded: set[str]) -> list[str]:
    """Remove what earlier builds into ``out`` left behind; call with the build lock held.

    * ``.staging-*`` folders whose owner lock nobody holds (their build was killed);
    * temporary files of atomic writes (``.<name>.<random>.tmp``) in ``out``, ``out/notebooks`` and the
      records folder — only a build holding the lock writes there, so none of them is in use;
    * for each section in ``succeeded`` (its last build was good): ``notebooks/<stem>.failed.ipynb`` and
      ``<stem>.error.html`` from an earlier failure.

    Returns the names removed (relative to ``out``).
    """
    removed: list[str] = []
    for staging in out.glob(f"{STAGING_PREFIX}*"):
        if staging.is_dir() and not _held(staging):
            shutil.rmtree(staging, ignore_errors=True)
            removed.append(staging.name)
    for folder in (out, out / "notebooks", out / ".nqp-cache"):
        for tmp in folder.glob(f".*{TEMP_SUFFIX}"):
            if tmp.is_file():
                tmp.unlink(missing_ok=True)
                removed.append(str(tmp.relative_to(out)))
    for stem in stems:
        if stem in succeeded:
            for stale in (out / "notebooks" / f"{stem}.failed.ipynb", out / f"{stem}.error.html"):
                if stale.exists():
                    stale.unlink()
                    removed.append(str(stale.relative_to(out)))
    return removed
