"""Open a user's file safely: a regular file of bounded size, decoded strictly in one encoding.

Before a byte is read, the path must name a regular file (not a directory, named pipe, device or socket —
``/dev/zero`` would read forever and a pipe with no writer would wait forever) no larger than
:func:`size_limit` bytes: :data:`DEFAULT_LIMIT_MB` MB unless the environment variable
``NQP_MAX_PANEL_MB`` says otherwise (a whole number of megabytes, e.g. ``NQP_MAX_PANEL_MB=500``). The
limit keeps a mistaken file (a database dump, a 25-million-row export) from running for minutes and
filling memory: reading a CSV into the validated panel takes about twenty times its size in memory (see
``bench/bench_read_panel.py``). 50 MB holds a 3,000-unit × 15-year × 20-indicator panel even in the long
layout (~30 MB). The file is opened without blocking and checked on the open descriptor, so it cannot be
swapped for a pipe between the check and the read, and no more than the limit is ever read even if it grows
meanwhile.

Text is decoded strictly, as a whole, in one encoding: UTF-8 with a byte-order mark, UTF-8, or GBK (read
as its superset GB18030). A file valid in none of them is refused with the first line that fails. A file
that decodes as GB18030 but has lines that are valid UTF-8 with non-ASCII text is refused as mixing
encodings: GB18030 accepts almost any byte pairs, so UTF-8 Chinese read as GB18030 turns into other Chinese
characters (北京 → 鍖椾含) without an error.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

from nqp_lib.errors import DataError

#: Default size limit of a panel file, in megabytes (10⁶ bytes).
DEFAULT_LIMIT_MB = 50
LIMIT_VARIABLE = "NQP_MAX_PANEL_MB"
BOM = b"\xef\xbb\xbf"

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def size_limit() -> int:
    """The largest panel file accepted, in bytes (``NQP_MAX_PANEL_MB`` × 10⁶, default 50 MB)."""
    text = os.environ.get(LIMIT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_LIMIT_MB * 10**6
    try:
        mb = int(text)
    except ValueError:
        mb = 0
    if mb <= 0:
        raise DataError(f"{LIMIT_VARIABLE}={text!r}: must be a whole number of megabytes, e.g. {LIMIT_VARIABLE}=500")
    return mb * 10**6


def _too_large(path: Path, size: int, limit: int) -> DataError:
    return DataError(
        f"{path}: the file is {size / 1e6:,.1f} MB, larger than the {limit / 1e6:,.0f} MB limit for a panel; "
        f"check that it is the file you meant, or raise the limit with the environment variable "
        f"{LIMIT_VARIABLE} (e.g. {LIMIT_VARIABLE}={max(2 * limit // 10**6, size // 10**6 + 1)}) — reading takes about "
        "twenty times the file's size in memory"
    )


def read_bytes(path: str | Path, what: str = "a CSV or XLSX file") -> bytes:
    """The bytes of a regular file no larger than :func:`size_limit`.

    Raises
    ------
    DataError
        The path does not exist, cannot be read, is a directory, pipe, device or socket, or is too large.
    """
    p = Path(path)
    limit = size_limit()
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise DataError(f"{p}: file not found") from None
    except IsADirectoryError:
        raise DataError(f"{p}: is a directory; give {what}") from None
    except PermissionError:
        raise DataError(f"{p}: permission denied; the file cannot be read") from None
    except OSError as exc:
        raise DataError(f"{p}: cannot open the file ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise DataError(f"{p}: is a directory; give {what}")
        for test, kind in _KINDS:
            if test(st.st_mode):
                raise DataError(f"{p}: is {kind}, not a regular file; save the data to {what} and give that path")
        if not stat.S_ISREG(st.st_mode):
            raise DataError(f"{p}: is not a regular file; give {what}")
        if st.st_size > limit:
            raise _too_large(p, st.st_size, limit)
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise DataError(f"{p}: cannot read the file ({exc.strerror})") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise _too_large(p, len(data), limit)
    return data


#: A workbook's unpacked size may be this many times the size limit (sheet XML is ~4× the same CSV).
WORKBOOK_FACTOR = 4


def check_workbook_size(data: bytes, path: str | Path) -> None:
    """Refuse a workbook (a zip archive) that would unpack to more than ``WORKBOOK_FACTOR`` × the size
    limit, before any XML is parsed: a few kilobytes can unpack to gigabytes. Not-a-zip is left to the
    workbook reader, which says so."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    limit = size_limit() * WORKBOOK_FACTOR
    if unpacked > limit:
        raise DataError(
            f"{path}: the workbook unpacks to {unpacked / 1e6:,.1f} MB, more than {WORKBOOK_FACTOR} × the "
            f"{size_limit() / 1e6:,.0f} MB limit for a panel; save the sheet as CSV, or raise the limit with "
            f"the environment variable {LIMIT_VARIABLE}"
        )


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_text(data: bytes, path: str | Path) -> tuple[str, str]:
    """(text, encoding name) of a whole file decoded strictly in one encoding (see the module docstring).

    Raises
    ------
    DataError
        NUL bytes (UTF-16 or a binary file); a BOM followed by text that is not UTF-8; a file valid
        neither as UTF-8 nor as GB18030 (with the first bad line of each); a file mixing UTF-8 and GBK lines.
    """
    p = Path(path)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise DataError(
            f"{p}: cannot decode the file as UTF-8 or GBK: line {_line_of(data, nul)} contains NUL bytes "
            "(a UTF-16 text or a binary file?); save it as UTF-8 CSV or XLSX"
        )
    if data.startswith(BOM):
        try:
            return data[len(BOM):].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{p}: starts with a UTF-8 byte-order mark but line {_line_of(data, exc.start + len(BOM))} is not "
                "valid UTF-8 (GBK text after a BOM?); save the whole file again as UTF-8"
            ) from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        bad_utf8 = _line_of(data, exc.start)
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{p}: cannot decode the file as UTF-8 or GBK: line {bad_utf8} is not valid UTF-8 and line "
            f"{_line_of(data, exc.start)} is not valid GBK/GB18030; save it as UTF-8 CSV or XLSX"
        ) from None
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        raise DataError(
            f"{p}: mixed encodings: line {number} is UTF-8 text but line {bad_utf8} is not valid UTF-8 (GBK?); "
            "a file must use one encoding throughout — save the whole file again as UTF-8"
        )
    return text, "GBK/GB18030"
