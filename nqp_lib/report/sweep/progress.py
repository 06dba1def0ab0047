"""Progress of a sweep: members and sections done, running and failed, elapsed time and time left."""

from __future__ import annotations

import time
from typing import IO

from nqp_lib.report.build.jobs import Outcome


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"


class SweepProgress:
    """Counts per member and section in one status line: rewritten in place on a terminal, printed at most
    every ``every`` seconds elsewhere (a log, CI), and at the end."""

    def __init__(self, stream: IO[str], quiet: bool = False, every: float = 10.0):
        self.stream, self.quiet, self.every = stream, quiet, every
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.started = time.perf_counter()
        self.sections: dict[str, int] = {}  # member folder → sections it builds
        self.finished: dict[str, list[Outcome]] = {}
        self.running: set[tuple[str, str]] = set()
        self.ran_seconds: list[float] = []
        self.slots = 1
        self.last = 0.0

    def say(self, text: str) -> None:
        if not self.quiet:
            self.warn(text)

    def warn(self, text: str) -> None:
        """A line shown even with ``--quiet``."""
        self.stream.write(("\r\033[K" if self.tty else "") + text + "\n")
        self.stream.flush()

    def plan(self, folder: str, sections: int) -> None:
        self.sections[folder] = sections
        self.finished.setdefault(folder, [])

    def start(self, folder: str, stem: str) -> None:
        self.running.add((folder, stem))
        self.tick()

    def finish(self, folder: str, outcome: Outcome) -> None:
        self.running.discard((folder, outcome.stem))
        self.finished[folder].append(outcome)
        if outcome.status != "cached":
            self.ran_seconds.append(outcome.seconds)
        if outcome.status == "failed":
            err = (outcome.error or {}).get("error", "")
            self.warn(f"✗ {folder}/{outcome.stem}: failed — {err}")
        self.tick()

    def counts(self) -> dict[str, int]:
        members_done = sum(1 for f, n in self.sections.items() if len(self.finished[f]) == n)
        members_failed = sum(1 for outs in self.finished.values() if any(o.status == "failed" for o in outs))
        outs = [o for lst in self.finished.values() for o in lst]
        return {"members": len(self.sections), "members_done": members_done, "members_failed": members_failed,
                "sections": sum(self.sections.values()), "sections_done": len(outs),
                "sections_failed": sum(o.status == "failed" for o in outs),
                "sections_cached": sum(o.status == "cached" for o in outs), "running": len(self.running)}

    def eta(self) -> float | None:
        """Seconds left: the sections still to run × their mean time so far ÷ the cluster's slots."""
        c = self.counts()
        left = c["sections"] - c["sections_done"]
        if not self.ran_seconds or left == 0:
            return None if left else 0.0
        return left * (sum(self.ran_seconds) / len(self.ran_seconds)) / max(self.slots, 1)

    def line(self) -> str:
        c = self.counts()
        eta = self.eta()
        return (f"members {c['members_done']}/{c['members']} done ({c['members_failed']} failed) · sections "
                f"{c['sections_done']}/{c['sections']} done ({c['sections_cached']} cached), {c['running']} running, "
                f"{c['sections_failed']} failed · {_duration(time.perf_counter() - self.started)} elapsed"
                + (f", about {_duration(eta)} left" if eta else ""))

    def tick(self, force: bool = False) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        if force:
            self.say(self.line())
        elif self.tty:
            self.stream.write("\r\033[K" + self.line())
            self.stream.flush()
        elif now - self.last >= self.every:
            self.last = now
            self.say(self.line())


class MemberProgress:
    """What a member's :class:`~nqp_lib.report.build.publish.Publisher` reports to, forwarded to the sweep."""

    def __init__(self, sweep: SweepProgress, folder: str):
        self.sweep, self.folder = sweep, folder

    def finish(self, outcome: Outcome) -> None:
        self.sweep.finish(self.folder, outcome)

    def warn(self, text: str) -> None:
        self.sweep.warn(text)
