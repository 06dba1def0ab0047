"""The build's worker processes: at most ``--jobs`` of them, each taking sections in turn.

A worker (:mod:`nqp_lib.report.worker`) is started once and fed job files on its stdin, one path per line,
so Python start-up and the papermill/nbconvert imports are paid once per worker, not once per section;
every section still gets its own kernel. One reader thread per worker turns its stdout into
(worker, line) items on a queue, so no line can sit unseen in a buffer while the main loop waits. A
worker that dies fails its section and is replaced; a worker's stderr goes to a file (a chatty kernel must
never fill a pipe nobody reads), whose tail is added to a failure that happened outside any cell.

Workers inherit the staging folder's owner lock (:func:`nqp_lib.report.build.folder.staging_folder`), so
the folder counts as held while any of them lives, and they end themselves when the build process dies.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from nqp_lib.report.build.jobs import CellStarted, Event, Failed, Job, parse_event
from nqp_lib.report.build.progress import Progress
from nqp_lib.report.sections import PROJECT_ROOT


def spawn_worker(staging: Path, number: int, keep_fds: tuple[int, ...] = ()) -> subprocess.Popen:
    """Start ``python -m nqp_lib.report.worker`` reading job paths from stdin; stderr into the staging folder."""
    env = {**os.environ, "NQP_STATIC": "1", "PYTHONHASHSEED": "0", "PYTHONUNBUFFERED": "1",
           "NQP_BUILD_PID": str(os.getpid())}
    stderr = open(staging / f"worker{number}.stderr.txt", "w", encoding="utf-8")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "nqp_lib.report.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=env,
            cwd=str(PROJECT_ROOT),
            pass_fds=keep_fds,
        )
    finally:
        stderr.close()  # the child has its own copy


def stderr_tail(staging: Path, number: int, limit: int = 8000) -> str:
    """The last ``limit`` characters a worker (and the kernels it started) wrote to stderr."""
    try:
        return (staging / f"worker{number}.stderr.txt").read_text(encoding="utf-8", errors="replace")[-limit:].strip()
    except OSError:
        return ""


def run_jobs(
    todo: list[Job],
    jobs: int,
    staging: Path,
    progress: Progress,
    on_result: Callable[[Job, Event], None],
    keep_fds: tuple[int, ...] = (),
) -> None:
    """Run ``todo`` on at most ``jobs`` worker processes; call ``on_result(job, event)`` with each job's
    :class:`~nqp_lib.report.build.jobs.Done` or :class:`~nqp_lib.report.build.jobs.Failed` as soon as it
    ends. If ``on_result`` raises, the remaining jobs are not started, the workers are stopped and the
    exception propagates."""
    pending = list(todo)
    workers: dict[int, dict[str, Any]] = {}  # worker number → {"proc", "job", "t0"}
    lines: queue.Queue = queue.Queue()
    counter = 0

    def read(number: int, stream: IO[str]) -> None:
        for line in stream:
            lines.put((number, line))
        lines.put((number, None))

    def assign(number: int) -> None:
        w = workers[number]
        if not pending:
            w["proc"].stdin.close()  # no more work: the worker exits at end of input
            w["job"] = None
            return
        job = pending.pop(0)
        w["proc"].stdin.write(str(job.write(staging / f"{job.stem}.job.json")) + "\n")
        w["proc"].stdin.flush()
        w["job"], w["t0"] = job, time.perf_counter()
        progress.start(job.stem)

    def start_worker() -> None:
        nonlocal counter
        counter += 1
        proc = spawn_worker(staging, counter, keep_fds)
        workers[counter] = {"proc": proc, "job": None, "t0": time.perf_counter()}
        threading.Thread(target=read, args=(counter, proc.stdout), daemon=True).start()
        assign(counter)

    try:
        for _ in range(min(jobs, len(pending))):
            start_worker()
        while workers:
            number, line = lines.get()
            w = workers[number]
            job = w["job"]
            if line is not None:
                event = parse_event(line)
                if event is None or job is None or event.stem != job.stem:
                    continue  # stray output from a library; events are JSON naming their section
                if isinstance(event, CellStarted):
                    progress.cell(job.stem, event.index, event.total)
                    continue
                if isinstance(event, Failed) and event.cell is None:
                    # failed outside any cell (kernel start, rendering): the kernel's own complaint is in stderr
                    err = stderr_tail(staging, number)
                    if err:
                        event = replace(event, traceback=event.traceback + "\n--- worker and kernel stderr ---\n" + err)
                on_result(job, event)
                assign(number)
                continue
            # end of output: the worker has exited
            w["proc"].wait()
            del workers[number]
            if job is not None:  # it died in the middle of a section
                on_result(job, Failed(job.stem, f"worker exited with status {w['proc'].returncode}",
                                      seconds=round(time.perf_counter() - w["t0"], 2),
                                      traceback=stderr_tail(staging, number)))
                if pending:
                    start_worker()
    finally:
        for w in workers.values():  # only when on_result raised: stop what is still running
            if w["proc"].poll() is None:
                w["proc"].terminate()
        for w in workers.values():
            try:
                w["proc"].wait(timeout=30)
            except subprocess.TimeoutExpired:
                w["proc"].kill()
