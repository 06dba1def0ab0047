"""Execute section notebooks with papermill and render them; runs in its own process.

``python -m nqp_lib.report.worker`` reads job files from stdin, one path per line, until stdin closes. Each
job (notebook, parameters, staging paths, navigation, language, build time) is executed with papermill
through the ``nqp`` engine — which reports each cell as it starts — in a fresh kernel, and the executed
notebook and the HTML page are written into the staging directory. Events go to stdout, one JSON object per
line, each naming its section: ``{"event": "cell", "stem": s, "index": i, "total": n}``, then
``{"event": "done", …}`` or ``{"event": "failed", "error": …}``. A worker takes several sections in turn,
so Python start-up and the papermill/nbconvert imports are paid once per worker, not once per section;
every section still gets its own kernel. ``python -m nqp_lib.report.worker JOB.json`` runs one job.

Kernels talk to the worker over Unix sockets (ZeroMQ ``ipc``) in a private temporary directory, not over
TCP: with TCP, jupyter_client picks five free ports, releases them and lets the kernel bind them a moment
later, and any other process starting a kernel or opening a connection in between can take one — the kernel
then dies before answering (``Kernel died before replying to kernel_info``). Sockets named after a unique
connection file cannot collide. A kernel that still dies before running a single cell is started once more.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


_CURRENT = {"stem": None}


def emit(**event: Any) -> None:
    event.setdefault("stem", _CURRENT["stem"])
    sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stdout.flush()


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


def _register_engine() -> str:
    from papermill.engines import NBClientEngine, papermill_engines

    if "nqp" in papermill_engines._engines:
        return "nqp"

    class ProgressEngine(NBClientEngine):
        """papermill's nbclient engine, announcing each cell on stdout."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            total = len([c for c in nb_man.nb.cells if c.cell_type == "code"])
            original = nb_man.cell_start
            counter = {"n": 0}

            def cell_start(cell, cell_index=None, **kw):
                if cell.cell_type == "code":
                    counter["n"] += 1
                    emit(event="cell", index=counter["n"], total=total)
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


def run(job: dict[str, Any]) -> int:
    _CURRENT["stem"] = job["stem"]
    os.environ["NQP_STATIC"] = "1"
    os.environ.setdefault("PYTHONHASHSEED", "0")
    import nbformat
    import papermill

    from nqp_lib.report.html import render_notebook

    staging = Path(job["staging"])
    out_nb = staging / f"{job['stem']}.ipynb"
    start = time.perf_counter()
    for attempt in range(START_RETRIES + 1):
        try:
            papermill.execute_notebook(
                job["notebook"],
                str(out_nb),
                parameters=job["parameters"],
                engine_name=_register_engine(),
                kernel_name=job.get("kernel", "python3"),
                kernel_manager_class=kernel_manager_class(),
                # no shared IPython history database: parallel kernels would contend for one SQLite file
                extra_arguments=["--HistoryManager.enabled=False"],
                progress_bar=False,
                cwd=job.get("cwd"),
                execution_timeout=job.get("timeout", 900),
            )
            break
        except Exception as exc:  # papermill wraps the notebook's error; report it, don't crash
            if attempt < START_RETRIES and died_at_start(out_nb, exc):
                sys.stderr.write(f"nqp worker: {job['stem']}: kernel died at start ({exc}); starting it again\n")
                continue
            emit(event="failed", seconds=round(time.perf_counter() - start, 2), **error_summary(out_nb, exc))
            return 1
    executed = time.perf_counter() - start
    try:
        nb = nbformat.read(out_nb, as_version=4)
        for cell in nb.cells:  # papermill gives its injected cell a random id; fix it so builds are reproducible
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                cell["id"] = "injected-parameters"
        nbformat.write(nb, out_nb)
        page, prov = render_notebook(nb, title=job["title"], lang=job["lang"], nav=job["nav"], build_time=job["build_time"])
        (staging / f"{job['stem']}.html").write_text(page, encoding="utf-8")
    except Exception as exc:
        emit(event="failed", seconds=round(time.perf_counter() - start, 2), error=f"rendering HTML: {type(exc).__name__}: {exc}",
             cell=None, source="", traceback=ANSI.sub("", traceback.format_exc())[-8000:])
        return 1
    emit(event="done", seconds=round(time.perf_counter() - start, 2), executed=round(executed, 2),
         bytes=(staging / f"{job['stem']}.html").stat().st_size, resources=prov.get("resources", []))
    return 0


def main() -> int:
    if len(sys.argv) > 1:
        return run(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
    status = 0
    for line in sys.stdin:
        if line.strip():
            status |= run(json.loads(Path(line.strip()).read_text(encoding="utf-8")))
    return status


if __name__ == "__main__":
    sys.exit(main())
