"""Execute section notebooks with papermill and render them.

:func:`run` executes one :class:`~nqp_lib.report.build.jobs.Job` — notebook, parameters, staging folder,
navigation, language, build time — with papermill through the ``nqp`` engine, which reports each cell as it
starts, in a fresh kernel, and writes the executed notebook and the HTML page into the job's staging folder.
It returns a :class:`~nqp_lib.report.build.jobs.Done` (with the sha256 of every data file the kernel read,
from the provenance record the notebook emitted) or a :class:`~nqp_lib.report.build.jobs.Failed`; it never
raises for a failing notebook. ``nqp build`` runs it in worker processes; ``nqp sweep`` in Dask tasks.

``python -m nqp_lib.report.worker`` reads job files from stdin, one path per line, until stdin closes, and
writes events to stdout, one JSON line each (:func:`~nqp_lib.report.build.jobs.event_json`): ``cell`` events,
then ``done`` or ``failed``. ``python -m nqp_lib.report.worker JOB.json`` runs one job. Started by a build
(``NQP_BUILD_PID`` set), the worker ends itself when that build process dies, stopping its kernel.

Kernels talk to the worker over Unix sockets (ZeroMQ ``ipc``) in a private temporary directory, not over
TCP: with TCP, jupyter_client picks five free ports, releases them and lets the kernel bind them a moment
later, and any other process starting a kernel or opening a connection in between can take one — the kernel
then dies before answering (``Kernel died before replying to kernel_info``). Sockets named after a unique
connection file cannot collide. A kernel that still dies before running a single cell is started once more.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nqp_lib.io import is_no_space, write_atomic
from nqp_lib.report.build.jobs import CellStarted, Done, Event, Failed, InputRead, Job, event_json

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

#: longest Unix socket path that every platform accepts (sun_path is 104 bytes on macOS, 108 on Linux)
MAX_SOCKET_PATH = 100
#: how often a kernel that dies before running any cell is started again
START_RETRIES = 1
_SOCKET_DIR: dict[str, str] = {}


def socket_dir() -> str:
    """A private directory (mode 0700) for this worker's kernel connection files and sockets."""
    if "path" not in _SOCKET_DIR:
        _SOCKET_DIR["path"] = tempfile.mkdtemp(prefix="nqp-k-")
        atexit.register(shutil.rmtree, _SOCKET_DIR["path"], ignore_errors=True)
    return _SOCKET_DIR["path"]


@functools.cache
def kernel_manager_class() -> type:
    """An nbclient-compatible kernel manager whose kernels listen on Unix sockets named after a fresh
    connection file in :func:`socket_dir`; TCP when those paths would be too long for a Unix socket."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class SocketKernelManager(AsyncKernelManager):
        @default("connection_file")
        def _connection_file_default(self) -> str:
            return os.path.join(socket_dir(), f"k{uuid.uuid4().hex[:12]}.json")

        @default("transport")
        def _transport_default(self) -> str:
            longest = os.path.join(socket_dir(), "k" + "0" * 12 + "-ipc-99")
            return "ipc" if len(longest.encode()) <= MAX_SOCKET_PATH else "tcp"

    return SocketKernelManager


def died_at_start(nb_path: Path, exc: BaseException) -> bool:
    """True when the kernel died before any cell ran (nothing in the output notebook was executed)."""
    if "before replying to kernel_info" not in str(exc) and "didn't respond" not in str(exc):
        return False
    try:
        import nbformat

        nb = nbformat.read(nb_path, as_version=4)
        return not any(c.get("execution_count") for c in nb.cells if c.cell_type == "code")
    except Exception:
        return True


#: where the engine announces cells: one callback per thread, so Dask tasks sharing a process stay apart
_CELL_LISTENER = threading.local()


def _register_engine() -> str:
    from papermill.engines import NBClientEngine, papermill_engines

    if "nqp" in papermill_engines._engines:
        return "nqp"

    class ProgressEngine(NBClientEngine):
        """papermill's nbclient engine, announcing each code cell to this thread's listener."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            total = len([c for c in nb_man.nb.cells if c.cell_type == "code"])
            original = nb_man.cell_start
            counter = {"n": 0}
            listener = getattr(_CELL_LISTENER, "callback", None)

            def cell_start(cell, cell_index=None, **kw):
                if cell.cell_type == "code":
                    counter["n"] += 1
                    if listener is not None:
                        listener(counter["n"], total)
                return original(cell, cell_index, **kw)

            nb_man.cell_start = cell_start
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register("nqp", ProgressEngine)
    return "nqp"


def error_summary(nb_path: Path, exc: BaseException) -> dict[str, Any]:
    """Name, message, failing cell and traceback of a failed run, from the partially executed notebook."""
    summary: dict[str, Any] = {"error": f"{type(exc).__name__}: {exc}".splitlines()[0][:500], "cell": None,
                               "source": "", "traceback": ""}
    try:
        import nbformat

        nb = nbformat.read(nb_path, as_version=4)
        for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    summary.update(
                        error=f"{out.get('ename')}: {out.get('evalue')}"[:2000],
                        cell=i + 1,
                        source=cell.source,
                        traceback=ANSI.sub("", "\n".join(out.get("traceback", [])))[-8000:],
                    )
                    return summary
    except Exception:
        pass
    summary["traceback"] = ANSI.sub("", "".join(traceback.format_exception(exc)))[-8000:]
    return summary


def inputs_read(provenance: dict[str, Any]) -> tuple[InputRead, ...]:
    """The data files a kernel read, from the provenance record its notebook emitted."""
    return tuple(InputRead(str(r.get("resource")), str(r.get("path")), str(r.get("sha256")))
                 for r in provenance.get("resources", []))


def run(job: Job, emit: Callable[[Event], None] = lambda event: None) -> Done | Failed:
    """Execute ``job`` and render its page into ``job.staging``; ``emit`` receives each
    :class:`~nqp_lib.report.build.jobs.CellStarted`. Returns the job's last event (also emitted)."""
    result = _run(job, emit)
    emit(result)
    return result


def _run(job: Job, emit: Callable[[Event], None]) -> Done | Failed:
    os.environ["NQP_STATIC"] = "1"
    os.environ.setdefault("PYTHONHASHSEED", "0")
    import nbformat
    import papermill

    from nqp_lib.report.html import render_notebook

    staging = Path(job.staging)
    out_nb = staging / f"{job.stem}.ipynb"
    start = time.perf_counter()
    _CELL_LISTENER.callback = lambda index, total: emit(CellStarted(job.stem, index, total))
    try:
        for attempt in range(START_RETRIES + 1):
            try:
                papermill.execute_notebook(
                    job.notebook,
                    str(out_nb),
                    parameters=job.parameters,
                    engine_name=_register_engine(),
                    kernel_name=job.kernel,
                    kernel_manager_class=kernel_manager_class(),
                    # no shared IPython history database: parallel kernels would contend for one SQLite file
                    extra_arguments=["--HistoryManager.enabled=False"],
                    progress_bar=False,
                    cwd=job.cwd,
                    execution_timeout=job.timeout,
                )
                break
            except Exception as exc:  # papermill wraps the notebook's error; report it, don't crash
                if attempt < START_RETRIES and died_at_start(out_nb, exc):
                    sys.stderr.write(f"nqp worker: {job.stem}: kernel died at start ({exc}); starting it again\n")
                    continue
                return Failed(job.stem, seconds=round(time.perf_counter() - start, 2), no_space=is_no_space(exc),
                              **error_summary(out_nb, exc))
    finally:
        _CELL_LISTENER.callback = None
    executed = time.perf_counter() - start
    page_file = staging / f"{job.stem}.html"
    try:
        nb = nbformat.read(out_nb, as_version=4)
        for cell in nb.cells:  # papermill gives its injected cell a random id; fix it so builds are reproducible
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                cell["id"] = "injected-parameters"
        write_atomic(out_nb, nbformat.writes(nb))
        page, prov = render_notebook(nb, title=job.title, lang=job.lang, nav=job.nav, build_time=job.build_time)
        write_atomic(page_file, page)
    except Exception as exc:
        return Failed(job.stem, f"rendering HTML: {type(exc).__name__}: {exc}", seconds=round(time.perf_counter() - start, 2),
                      traceback=ANSI.sub("", traceback.format_exc())[-8000:], no_space=is_no_space(exc))
    return Done(job.stem, seconds=round(time.perf_counter() - start, 2), executed=round(executed, 2),
                bytes=page_file.stat().st_size, inputs=inputs_read(prov))


def _print(event: Event) -> None:
    sys.stdout.write(event_json(event) + "\n")
    sys.stdout.flush()


def _end_with_build() -> None:
    """When started by ``nqp build`` (``NQP_BUILD_PID``), stop as soon as that process is gone: a
    SIGTERM from the kernel (Linux ``PR_SET_PDEATHSIG``) or, elsewhere, a watcher thread. SIGTERM ends the
    worker at once; its kernel notices that its parent is gone and ends too (ipykernel's parent poller)."""
    parent = os.environ.get("NQP_BUILD_PID")
    if not parent:
        return

    def stop(*_: Any) -> None:
        if "path" in _SOCKET_DIR:
            shutil.rmtree(_SOCKET_DIR["path"], ignore_errors=True)
        os._exit(143)

    signal.signal(signal.SIGTERM, stop)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == int(parent):
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    if os.getppid() != int(parent):  # the build died before we got here
        sys.exit(143)
    threading.Thread(target=watch, daemon=True).start()


def main() -> int:
    if len(sys.argv) > 1:
        return 0 if isinstance(run(Job.read(sys.argv[1]), _print), Done) else 1
    _end_with_build()
    status = 0
    for line in sys.stdin:
        if line.strip():
            status |= 0 if isinstance(run(Job.read(line.strip()), _print), Done) else 1
    return status


if __name__ == "__main__":
    sys.exit(main())
