"""The one YAML reader for files users give nqp: systems, params files, sweep grids, panel sidecars.

``yaml.safe_load`` runs no code, but a small hostile or broken file can still take the machine down or
end in a traceback: nine lines of aliases expand to a billion list items ("billion laughs"), ten
thousand nested brackets exhaust the interpreter's recursion, and bytes that are not UTF-8 raise
``UnicodeDecodeError``. :func:`load_yaml` refuses each of these before it costs anything, with a
message naming the file and the limit, raised as the caller's :class:`~nqp_lib.errors.NqpError`
subclass (the command line exits 2):

* the path must be a regular file (not a folder, FIFO or device) of at most :data:`MAX_BYTES`;
* the bytes must be UTF-8 (a leading BOM is allowed); otherwise the first bad byte is named by offset,
  line and column;
* nesting deeper than :data:`MAX_DEPTH` collections is refused while the file is composed;
* at most :data:`MAX_ALIASES` aliases (``*name``), and the document with its aliases expanded at most
  :data:`MAX_NODES` nodes; an alias inside its own anchor (a cycle) is refused.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import yaml

from nqp_lib.errors import DataError, NqpError

#: Largest YAML file read (bytes).
MAX_BYTES = 1_000_000
#: Deepest nesting of mappings/sequences.
MAX_DEPTH = 64
#: Most aliases (``*name``) in one file.
MAX_ALIASES = 100
#: Most nodes of the document once every alias is expanded.
MAX_NODES = 100_000


class _Refused(Exception):
    """Raised inside the loader; turned into the caller's error with the file name."""


class _BoundedLoader(yaml.SafeLoader):
    """``SafeLoader`` that counts aliases and nesting while it composes the node graph."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102 - PyYAML hook
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Refused(f"more than {MAX_ALIASES} aliases (*name){_at(event)}; the limit is {MAX_ALIASES}")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nested more than {MAX_DEPTH} levels deep{_at(event)}; the limit is {MAX_DEPTH}")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _at(event: Any) -> str:
    mark = getattr(event, "start_mark", None)
    return f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""


def _expanded_size(root: yaml.Node) -> int:
    """Nodes of the document with aliases expanded (shared nodes counted once per use); refuses cycles.

    Iterative, memoised by node identity: O(distinct nodes) however large the expansion.
    """
    size: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            active.discard(key)
            size[key] = min(1 + sum(size[id(c)] for c in children), MAX_NODES + 1)
            continue
        if key in size:
            continue
        if key in active:
            raise _Refused(f"an alias refers to its own anchor{_at(node)}: the document would be infinite")
        active.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in active:
                raise _Refused(f"an alias refers to its own anchor{_at(child)}: the document would be infinite")
            if id(child) not in size:
                stack.append((child, False))
    return size[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def decode_utf8(data: bytes, path: Path | str, what: str, error: type[NqpError]) -> str:
    """``data`` as UTF-8 text (BOM dropped), or ``error`` naming the first bad byte's offset, line and column."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data.count(b"\n", 0, start) + 1
        column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        raise error(
            f"{what} {path}: not UTF-8 text: byte 0x{data[start]:02x} at offset {start} (line {line}, column {column}); "
            "save the file as UTF-8"
        ) from None


def read_text(path: str | Path, what: str = "file", error: type[NqpError] = DataError,
              max_bytes: int = MAX_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes`` bytes, else ``error`` naming the file."""
    p = Path(path)
    try:
        info = p.stat()
    except OSError as exc:
        raise error(f"{what} {p} not found ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{what} {p} is not a regular file")
    if info.st_size > max_bytes:
        raise error(f"{what} {p} has {info.st_size:,} bytes; the limit is {max_bytes:,}")
    try:
        with p.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{what} {p} cannot be read ({exc.strerror})") from None
    if len(data) > max_bytes:  # grew after stat
        raise error(f"{what} {p} has more than {max_bytes:,} bytes; the limit is {max_bytes:,}")
    return decode_utf8(data, p, what, error)


def loads(text: str, source: str = "<text>", what: str = "YAML", error: type[NqpError] = DataError) -> Any:
    """Parse YAML ``text`` within the bounds of the module docstring; ``error`` names ``what source``."""
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        nodes = _expanded_size(node)
        if nodes > MAX_NODES:
            raise _Refused(f"its aliases expand to more than {MAX_NODES:,} values; the limit is {MAX_NODES:,}")
        return loader.construct_document(node)
    except _Refused as exc:
        raise error(f"{what} {source}: refused: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise error(f"{what} {source}: not valid YAML{at}: {getattr(exc, 'problem', None) or exc}") from None
    except RecursionError:  # a construct path the depth bound did not foresee: still a clear refusal
        raise error(f"{what} {source}: refused: nested too deeply; the limit is {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def load_yaml(path: str | Path, what: str = "YAML file", error: type[NqpError] = DataError,
              max_bytes: int = MAX_BYTES) -> Any:
    """Read and parse the YAML file ``path`` safely (module docstring); ``error`` is raised on any refusal.

    ``what`` names the kind of file in messages (``"params file"``, ``"indicator system"``).
    """
    return loads(read_text(path, what, error, max_bytes), str(path), what, error)
