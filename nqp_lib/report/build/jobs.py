"""What a build hands a worker, what the worker says back, and what the build makes of it.

A :class:`Job` is one section to execute: written by the builder as a JSON file, read by
:mod:`nqp_lib.report.worker` (and by a sweep's Dask tasks), which answers with events — :class:`CellStarted`
as each code cell starts, then exactly one :class:`Done` or :class:`Failed`. Both sides use these classes,
so a field one side writes and the other never reads (or reads but nobody writes) cannot exist unnoticed:
:meth:`Job.from_dict` and :func:`parse_event` refuse unknown and missing names.

An :class:`Outcome` is what the build records for one section (status ``ok``, ``cached`` or ``failed``);
a :class:`BuildResult` collects them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, Union

#: Seconds one notebook cell may run before papermill stops the section (papermill's execution_timeout).
CELL_TIMEOUT = 900


def _from_dict(cls, data: dict[str, Any], what: str):
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"{what}: unknown field(s) {unknown}; expected {sorted(names)}")
    try:
        return cls(**data)
    except TypeError as exc:  # a required field is missing
        raise ValueError(f"{what}: {exc}") from None


@dataclass(frozen=True)
class Job:
    """One section of one build, as the worker needs it."""

    stem: str  # "00_overview"
    notebook: str  # absolute path of the source notebook
    parameters: dict[str, Any]  # validated values, injected by papermill
    staging: str  # folder the worker writes <stem>.ipynb and <stem>.html into
    title: str  # page title in the report's language
    lang: str  # the page's language (its <html lang>)
    nav: str  # navigation bar HTML
    build_time: str  # shown in the footer
    cwd: str  # the kernel's working directory (the notebook's folder)
    kernel: str = "python3"  # Jupyter kernel name
    timeout: int = CELL_TIMEOUT  # seconds one cell may run

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        return _from_dict(cls, data, "job")

    def write(self, path: Path) -> Path:
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: str | Path) -> Job:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


@dataclass(frozen=True)
class InputRead:
    """A data file a kernel read, as its provenance record names it: the resource (a name from
    ``data/datapackage.json``, or ``user_panel``), its path and the sha256 of the bytes read."""

    resource: str
    path: str
    sha256: str


@dataclass(frozen=True)
class CellStarted:
    kind: ClassVar[str] = "cell"
    stem: str
    index: int  # 1-based among code cells
    total: int


@dataclass(frozen=True)
class Done:
    """The section ran; ``<stem>.ipynb`` and ``<stem>.html`` are in the job's staging folder."""

    kind: ClassVar[str] = "done"
    stem: str
    seconds: float
    executed: float = 0.0  # of which notebook execution
    bytes: int = 0  # size of the page
    inputs: tuple[InputRead, ...] = ()  # what the kernel read (from the provenance record it emitted)


@dataclass(frozen=True)
class Failed:
    """The section failed: in a cell (``cell`` is its 1-based number among code cells) or outside any."""

    kind: ClassVar[str] = "failed"
    stem: str
    error: str
    seconds: float = 0.0
    cell: int | None = None
    source: str = ""
    traceback: str = ""
    no_space: bool = False  # the file system was full

    def summary(self) -> dict[str, Any]:
        """What an error page and the section's record show."""
        return {"error": self.error, "cell": self.cell, "source": self.source, "traceback": self.traceback}


Event = Union[CellStarted, Done, Failed]
_EVENTS: dict[str, type] = {c.kind: c for c in (CellStarted, Done, Failed)}


def event_json(event: Event) -> str:
    """One line of the worker protocol."""
    return json.dumps({"event": event.kind, **asdict(event)}, ensure_ascii=False)


def parse_event(line: str) -> Event | None:
    """An event from one line of worker output; None for a line that is not an event (stray library
    output). A line that claims to be an event but has unknown or missing fields raises ``ValueError``."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or data.get("event") not in _EVENTS:
        return None
    cls = _EVENTS[data.pop("event")]
    if cls is Done:
        data["inputs"] = tuple(_from_dict(InputRead, r, "input") for r in data.get("inputs", ()))
    return _from_dict(cls, data, f"{cls.kind} event")


@dataclass
class Outcome:
    """What happened to one section in a build."""

    stem: str
    status: str  # "ok", "cached", "failed"
    seconds: float = 0.0
    parameters: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    bytes: int = 0
    built_at: str = ""


@dataclass
class BuildResult:
    out: Path
    outcomes: list[Outcome]
    seconds: float

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def index(self) -> Path:
        return self.out / "index.html"
