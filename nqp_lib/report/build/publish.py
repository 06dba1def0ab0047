"""Putting finished sections into an output folder, whole or not at all, and recording them.

A :class:`Publisher` serves one output folder during one build (or one member of a sweep), with the
folder's build lock held. A section's page reaches ``OUT/<stem>.html`` in one of two ways:

* :meth:`Publisher.from_store` — the shared :class:`~nqp_lib.report.build.cache.PageStore` holds a page
  with the section's key: it is copied in (status ``cached``);
* :meth:`Publisher.result` — a worker ran the section into a staging folder on the same file system: a
  :class:`~nqp_lib.report.build.jobs.Done` whose kernel read exactly the inputs the key was computed from
  is moved into place with :func:`os.replace` and stored; anything else — a failure, or inputs that
  changed during the build — gets ``<stem>.error.html`` and leaves the last good page untouched.

Every file is written with :func:`nqp_lib.io.write_atomic` or moved with :func:`os.replace`, so a full disk
or a killed build never leaves half a page. A full disk raises :class:`NoSpace`, which the build turns into
a message naming the folder and the pages kept.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from nqp_lib.errors import OutputError
from nqp_lib.io import is_no_space, write_atomic
from nqp_lib.report.build.cache import PageStore, StoredPage, changed_inputs, read_record, write_record
from nqp_lib.report.build.index import error_page
from nqp_lib.report.build.jobs import Done, Failed, Outcome
from nqp_lib.report.build.progress import Progress
from nqp_lib.report.sections import Section


class NoSpace(Exception):
    """The file system of the output folder is full (raised by a publisher, reported by the build)."""

    def __init__(self, stem: str, detail: str):
        super().__init__(detail)
        self.stem = stem
        self.detail = detail


class Publisher:
    """Moves finished sections into ``out`` and records them (see the module docstring)."""

    def __init__(self, out: Path, store: PageStore, build_time: str, nav_for: Callable[[Section | None, dict[str, Any]], str],
                 progress: Progress, values: dict[str, dict[str, Any]], keys: dict[str, str],
                 inputs: dict[str, dict[str, str]]):
        self.out = out
        self.store = store
        self.build_time = build_time
        self.nav_for = nav_for
        self.progress = progress
        self.values = values
        self.keys = keys
        self.inputs = inputs
        self.outcomes: dict[str, Outcome] = {}

    def current(self, section: Section) -> bool:
        """True when ``OUT/<stem>.html`` was built (and recorded) with the section's key."""
        rec = read_record(self.out, section.stem)
        return bool(rec and rec.get("key") == self.keys[section.stem] and rec.get("status") == "ok"
                    and (self.out / f"{section.stem}.html").exists())

    def keep(self, section: Section) -> Outcome:
        """The page in place is current: nothing to do."""
        o = Outcome(section.stem, "cached", 0.0, self.values[section.stem],
                    bytes=(self.out / f"{section.stem}.html").stat().st_size)
        return self._done(o)

    def from_store(self, section: Section, entry: StoredPage) -> Outcome:
        """Copy a stored page and notebook into place."""
        stem = section.stem
        write_atomic(self.out / "notebooks" / f"{stem}.ipynb", entry.notebook.read_bytes())
        write_atomic(self.out / f"{stem}.html", entry.page.read_bytes())
        self._clear_failure(stem)
        meta = entry.meta
        recorded = Outcome(stem, "ok", meta.get("seconds", 0.0), self.values[stem], bytes=entry.page.stat().st_size,
                           built_at=meta.get("built_at", ""))
        write_record(self.out, stem, {"key": self.keys[stem], **asdict(recorded)})
        return self._done(Outcome(stem, "cached", 0.0, self.values[stem], bytes=recorded.bytes, built_at=recorded.built_at))

    def result(self, section: Section, event: Done | Failed, staging: Path) -> Outcome:
        """Publish a worker's result from ``staging`` (the staged files are moved or left for removal)."""
        stem = section.stem
        if isinstance(event, Failed) and event.no_space:
            raise NoSpace(stem, event.error)
        if isinstance(event, Done):
            changed = changed_inputs(self.inputs[stem], event.inputs)
            if changed:
                event = Failed(stem, "data changed during the build, so this page was not published: "
                               + "; ".join(changed) + ". Run nqp build again.", seconds=event.seconds)
        try:
            if isinstance(event, Done):
                return self._publish(section, event, staging)
            return self._fail(section, event, staging)
        except OSError as exc:
            if is_no_space(exc):
                raise NoSpace(stem, str(exc)) from None
            raise

    def _publish(self, section: Section, event: Done, staging: Path) -> Outcome:
        stem = section.stem
        page, notebook = staging / f"{stem}.html", staging / f"{stem}.ipynb"
        o = Outcome(stem, "ok", event.seconds, self.values[stem], bytes=event.bytes, built_at=self.build_time)
        try:
            self.store.put(self.keys[stem], page, notebook, {"stem": stem, "seconds": event.seconds,
                                                             "built_at": self.build_time, "parameters": o.parameters})
        except OSError as exc:  # the shared cache is a convenience: its failure must not fail the page
            self.progress.warn(f"nqp build: could not store {stem} in the cache {self.store.root}: {exc}")
        os.replace(notebook, self.out / "notebooks" / f"{stem}.ipynb")
        os.replace(page, self.out / f"{stem}.html")
        self._clear_failure(stem)
        write_record(self.out, stem, {"key": self.keys[stem], **asdict(o)})
        return self._done(o)

    def _fail(self, section: Section, event: Failed, staging: Path) -> Outcome:
        stem, params = section.stem, self.values[section.stem]
        o = Outcome(stem, "failed", event.seconds, params, error=event.summary(), built_at=self.build_time)
        if (staging / f"{stem}.ipynb").exists():
            os.replace(staging / f"{stem}.ipynb", self.out / "notebooks" / f"{stem}.failed.ipynb")
        lang = params.get("lang", "zh")
        write_atomic(self.out / f"{stem}.error.html", error_page(
            section, o, lang, self.nav_for(section, params), (self.out / f"{stem}.html").exists(), self.build_time))
        write_record(self.out, stem, {"key": None, **asdict(o)})
        return self._done(o)

    def _clear_failure(self, stem: str) -> None:
        for stale in (self.out / f"{stem}.error.html", self.out / "notebooks" / f"{stem}.failed.ipynb"):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()

    def _done(self, outcome: Outcome) -> Outcome:
        self.outcomes[outcome.stem] = outcome
        self.progress.finish(outcome)
        return outcome

    def kept_pages(self, stems: list[str]) -> list[str]:
        """``<stem>.html (built …)`` for each page in place, for messages."""
        kept = []
        for stem in stems:
            if (self.out / f"{stem}.html").exists():
                rec = read_record(self.out, stem) or {}
                kept.append(f"{stem}.html" + (f" (built {rec['built_at']})" if rec.get("built_at") else ""))
        return kept


def no_space_error(exc: NoSpace | OSError, out: Path, publishers: list[tuple[Publisher, list[str]]],
                   command: str = "build") -> OutputError:
    """The message for a full disk: the folder, the section being written, the pages kept, what to do."""
    kept = [f"{p.out.relative_to(out)}/{page}" if p.out != out else page
            for p, stems in publishers for page in p.kept_pages(stems)]
    done = [o.stem for p, _ in publishers for o in p.outcomes.values() if o.status in ("ok", "cached")]
    shown = ", ".join(kept[:20]) + (f" and {len(kept) - 20} more" if len(kept) > 20 else "")
    return OutputError(
        f"no space left on the device holding {out}"
        + (f" (while writing section {exc.stem})" if isinstance(exc, NoSpace) else "")
        + ". Nothing half-written was published. "
        + (f"Kept: {shown}. " if kept else "No pages are in place yet. ")
        + (f"Up to date in this {command}: {len(done)} section(s). " if done else "")
        + f"Free some space (or choose another --out) and run nqp {command} again."
    )
