"""Progress lines of ``nqp build``: which section, which cell, elapsed time; a summary table at the end.

On a terminal the running sections share one line that is rewritten in place; elsewhere (a log, CI) that
line is printed at most every two seconds.
"""

from __future__ import annotations

import shutil
import time
from typing import IO

from nqp_lib.report.build.jobs import BuildResult, Outcome


class Progress:
    """Progress lines: which section, which cell, elapsed time; a summary table at the end."""

    def __init__(self, stream: IO[str], quiet: bool = False):
        self.stream = stream
        self.quiet = quiet
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.state: dict[str, tuple[int, int, float]] = {}
        self.last_line = 0.0

    def say(self, text: str) -> None:
        if not self.quiet:
            if self.tty:
                self.stream.write("\r\033[K")
            self.stream.write(text + "\n")
            self.stream.flush()

    def warn(self, text: str) -> None:
        """A line shown even with ``--quiet``."""
        if self.tty:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self.stream.flush()

    def start(self, stem: str) -> None:
        self.state[stem] = (0, 0, time.perf_counter())
        self.say(f"▶ {stem}: starting")

    def cell(self, stem: str, index: int, total: int) -> None:
        started = self.state.get(stem, (0, 0, time.perf_counter()))[2]
        self.state[stem] = (index, total, started)
        if self.quiet:
            return
        now = time.perf_counter()
        running = "  ".join(
            (f"{s} cell {i}/{n}" if n else f"{s} starting") + f" ({now - t0:.1f} s)"
            for s, (i, n, t0) in sorted(self.state.items())
        )
        if self.tty:
            self.stream.write("\r\033[K" + running[: shutil.get_terminal_size((120, 20)).columns - 1])
            self.stream.flush()
        elif now - self.last_line > 2.0:
            self.stream.write(running + "\n")
            self.stream.flush()
            self.last_line = now

    def finish(self, outcome: Outcome) -> None:
        self.state.pop(outcome.stem, None)
        mark = {"ok": "✓", "cached": "=", "failed": "✗"}[outcome.status]
        extra = f" — {outcome.error.get('error')}" if outcome.error else ""
        self.say(f"{mark} {outcome.stem}: {outcome.status} in {outcome.seconds:.1f} s{extra}")

    def summary(self, result: BuildResult) -> None:
        if self.quiet:
            for o in result.failed:
                self.stream.write(f"nqp build: {o.stem} failed: {o.error.get('error') if o.error else ''}\n")
            return
        width = max(len(o.stem) for o in result.outcomes)
        lines = ["", f"{'section':<{width}}  status   time     size", f"{'-' * width}  -------  -------  -------"]
        for o in result.outcomes:
            size = f"{o.bytes / 1e6:.2f} MB" if o.bytes else ""
            lines.append(f"{o.stem:<{width}}  {o.status:<7}  {o.seconds:6.1f}s  {size}")
        lines.append(f"total {result.seconds:.1f} s; {len(result.failed)} failed")
        lines.append(f"Open: {result.index.resolve()}")
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()
