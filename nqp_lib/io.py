"""Files written whole or not at all, and the sha256 of what was read.

Every file nqp writes for a user (pages, tables, records, cache entries) goes through
:func:`write_atomic`: the bytes go to a temporary file beside the target, which replaces the target with
:func:`os.replace` only once it is complete — a reader sees the old file or the new one, never half of
one, and a failed write (disk full, a killed process) leaves the old file in place and, except for a
SIGKILL, no temporary file behind. Temporary files are named ``.<name>.<random>.tmp``
(:data:`TEMP_SUFFIX`), so a later run can recognise and remove the ones a killed writer left.

Hashes are sha256 hex digests: of bytes already in memory (:func:`sha256_bytes` — hash what you parsed,
not the file again, which may have changed in between), of a file read in chunks (:func:`sha256_file`), or
of a set of files together with their names (:func:`sha256_files`).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

#: Ending of the temporary files :func:`write_atomic` creates.
TEMP_SUFFIX = ".tmp"
#: ``errno`` values meaning "the file system has no room": no space left, disk quota exceeded.
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


def write_atomic(path: str | Path, data: str | bytes, *, encoding: str = "utf-8", newline: str | None = None,
                 mode: int = 0o644) -> Path:
    """Write ``data`` to ``path`` all at once: temporary file in the same folder, then :func:`os.replace`.

    Text is encoded with ``encoding``; ``newline`` is passed to :func:`open` (``""`` keeps ``\\r\\n`` as
    written, which CSV writers need). The file gets permission bits ``mode`` (``mkstemp`` would give
    0600). On any failure the temporary file is removed and the exception re-raised; ``path`` is then
    unchanged.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        if isinstance(data, bytes):
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        else:
            with os.fdopen(fd, "w", encoding=encoding, newline=newline) as fh:
                fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def is_no_space(exc: BaseException) -> bool:
    """True when ``exc`` (or an exception it was raised from) says the file system is full."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in NO_SPACE:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def sha256_bytes(data: bytes) -> str:
    """sha256 hex digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """sha256 hex digest of a file's bytes, read in ``chunk``-sized pieces (bounded memory)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def sha256_file_once(path: str | Path) -> str:
    """:func:`sha256_file`, computed once per version of the file in this process (keyed by its resolved
    path, modification time in nanoseconds and size): a build plans many sections, a sweep many members, on
    the same tens of megabytes. Use it for fingerprints; hash what you parse with :func:`read_hashed`."""
    st = Path(path).stat()
    return _sha256_cached(str(Path(path).resolve()), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=256)
def _sha256_cached(path: str, mtime_ns: int, size: int) -> str:
    return sha256_file(path)


def read_hashed(path: str | Path) -> tuple[bytes, str]:
    """A file's bytes and their sha256, from one read (so the hash describes exactly what was parsed)."""
    data = Path(path).read_bytes()
    return data, sha256_bytes(data)


def sha256_files(paths: Iterable[Path], root: Path | None = None) -> str:
    """One sha256 over several files: each file's name (relative to ``root`` when under it) and bytes, in
    sorted order — renaming, adding or editing any file changes it."""
    h = hashlib.sha256()
    for p in sorted(Path(p) for p in paths):
        name = p.relative_to(root) if root is not None and p.is_relative_to(root) else p
        h.update(str(name).encode())
        h.update(b"\0")
        h.update(sha256_file(p).encode())
    return h.hexdigest()
