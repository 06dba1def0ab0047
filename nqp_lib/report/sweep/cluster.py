"""Running a sweep's sections on Dask (``dask.distributed``).

:func:`connect` gives a client: to the scheduler at ``--scheduler`` / ``$DASK_SCHEDULER_ADDRESS``, or to a
``LocalCluster`` of one single-threaded worker process per core (a section runs in its own kernel
process; more threads per worker would only queue kernels). :func:`check_workers` runs on every worker
before anything is submitted: the worker must run the same nqp code and read the same data — each input
file found at its path with the sha256 the keys were computed from — or the sweep stops with the worker and
the file named.

:func:`run_section` is the task: one section of one member, executed by the same
:func:`nqp_lib.report.worker.run` that ``nqp build``'s workers use, in a fresh kernel, in a temporary
folder on the worker. The notebook travels with the task, so workers need nqp installed and the data
root, not a checkout of the project; the page and the executed notebook travel back, and the sweep
publishes them through its output folders' staging folders like ``nqp build`` does.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from nqp_lib.errors import ParameterError

#: environment variable naming a scheduler, as Dask's own tools read it
SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"


def connect(scheduler: str | None, workers: int | None):
    """``(client, cluster)``: a client of the scheduler at ``scheduler`` (or ``$DASK_SCHEDULER_ADDRESS``;
    ``cluster`` is then None), else of a new ``LocalCluster`` with ``workers`` processes (default: one per
    core)."""
    from distributed import Client, LocalCluster

    address = scheduler or os.environ.get(SCHEDULER_ENV)
    if address:
        try:
            return Client(address, timeout="20s", set_as_default=False), None
        except (OSError, TimeoutError) as exc:
            raise ParameterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    n = workers or os.cpu_count() or 1
    if n < 1:
        raise ParameterError(f"--workers must be at least 1, got {n}")
    try:
        import bokeh  # noqa: F401  (the dashboard needs it)

        dashboard = ":0"
    except ImportError:
        dashboard = None
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=dashboard,
                           silence_logs=40)  # logging.ERROR: the sweep prints its own progress
    return Client(cluster, set_as_default=False), cluster


def dashboard_link(client) -> str | None:
    """The scheduler's dashboard address, when it serves one."""
    services = client.scheduler_info().get("services", {})
    return client.dashboard_link if "dashboard" in services else None


def worker_problems(inputs: dict[str, str], code: str) -> list[str]:
    """Run on a worker: why it cannot take part (other code, a missing or different input file)."""
    from nqp_lib.data.package import data_root, resource_path
    from nqp_lib.errors import NqpError
    from nqp_lib.io import sha256_file
    from nqp_lib.report.build.cache import code_fingerprint

    problems = []
    if code_fingerprint() != code:
        problems.append("runs other nqp code than the sweep (install the same nqp version and checkout)")
    try:
        data_root()
    except NqpError as exc:
        return problems + [str(exc)]
    for name, expected in sorted(inputs.items()):
        kind, _, what = name.partition(":")
        try:
            path = resource_path(what) if kind == "resource" else Path(what)
            actual = sha256_file(path)
        except (NqpError, OSError) as exc:
            problems.append(f"cannot read {what}: {exc}")
            continue
        if actual != expected:
            problems.append(f"{path} differs from the sweep's copy (sha256 {actual[:12]}… instead of {expected[:12]}…)")
    return problems


def check_workers(client, inputs: dict[str, str], code: str) -> int:
    """Refuse the cluster unless every worker runs the same code and reads the same data; return the
    number of worker threads."""
    info = client.scheduler_info()["workers"]
    if not info:
        raise ParameterError(f"the Dask cluster at {client.scheduler.address} has no workers")
    answers = client.run(worker_problems, inputs, code)
    bad = [f"worker {addr}: " + "; ".join(problems) for addr, problems in sorted(answers.items()) if problems]
    if bad:
        raise ParameterError(
            "every Dask worker must run the same nqp and read the data root (set NQP_DATA_ROOT on the workers, or "
            "put the data at the same path) and any panel or system file at the same path: " + " | ".join(bad))
    return sum(w.get("nthreads", 1) for w in info.values())


def run_section(job: dict[str, Any], notebook: str, events: str | None = None) -> dict[str, Any]:
    """The Dask task: run one section (``job``: the fields of a
    :class:`~nqp_lib.report.build.jobs.Job` except ``notebook``, ``staging`` and ``cwd``) of the notebook
    whose JSON text is ``notebook``; return its last event as a JSON line, the page and the executed
    notebook (bytes, or None). ``events`` names a ``distributed.Queue`` that hears when it starts."""
    import logging

    from nqp_lib.report import worker
    from nqp_lib.report.build.jobs import Done, Job, event_json

    logging.getLogger("papermill").setLevel(logging.ERROR)  # its notices would fill the sweep's terminal
    if events:
        from distributed import Queue

        Queue(events).put(job["stem"] + "\t" + job["member"])
    folder = Path(tempfile.mkdtemp(prefix="nqp-sweep-"))
    try:
        source = folder / "source.ipynb"
        source.write_text(notebook, encoding="utf-8")
        fields = {k: v for k, v in job.items() if k != "member"}
        result = worker.run(Job(**fields, notebook=str(source), staging=str(folder), cwd=str(folder)))
        stem = result.stem
        page = (folder / f"{stem}.html").read_bytes() if isinstance(result, Done) else None
        executed = folder / f"{stem}.ipynb"
        return {"event": event_json(result), "page": page,
                "notebook": executed.read_bytes() if executed.exists() else None}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def job_fields(job) -> dict[str, Any]:
    """A Job's fields for :func:`run_section` (the worker supplies notebook, staging and cwd)."""
    return {k: v for k, v in asdict(job).items() if k not in ("notebook", "staging", "cwd")}
