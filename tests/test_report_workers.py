"""The build's worker protocol: events that arrive together are all seen; a dying worker fails only its
section and is replaced."""

from __future__ import annotations

import io
import subprocess
import sys
import threading

import pytest

from nqp_lib.report.build import pool
from nqp_lib.report.build.jobs import Job
from nqp_lib.report.build.progress import Progress
from nqp_lib.report.sections import PROJECT_ROOT, all_sections

FAKE = r"""
import json, sys
for line in sys.stdin:
    job = json.load(open(line.strip()))
    stem = job["stem"]
    if "{die}" and stem == "{die}":
        sys.exit(3)
    # two events in one write: a reader that selects then reads one line would miss the second
    sys.stdout.write(json.dumps({{"event": "cell", "stem": stem, "index": 1, "total": 1}}) + "\n"
                     + json.dumps({{"event": "done", "stem": stem, "seconds": 0.1}}) + "\n")
    sys.stdout.flush()
"""


def _fake(monkeypatch, die=""):
    def spawn(staging, number, keep_fds=()):
        return subprocess.Popen([sys.executable, "-c", FAKE.format(die=die)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    monkeypatch.setattr(pool, "spawn_worker", spawn)


def _jobs(sections, staging):
    return [Job(stem=s.stem, notebook=str(s.path), parameters={"lang": "zh"}, staging=str(staging), title=s.stem,
                lang="zh", nav="", build_time="t", cwd=str(s.path.parent)) for s in sections]


def _run(tmp_path, jobs):
    sections = all_sections()
    results = {}
    progress = Progress(io.StringIO(), quiet=True)
    thread = threading.Thread(target=pool.run_jobs, args=(
        _jobs(sections, tmp_path), jobs, tmp_path, progress,
        lambda job, ev: results.__setitem__(job.stem, ev.kind)))
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the build hung"
    return results


@pytest.mark.parametrize("jobs", [1, 2])
def test_events_written_together_are_all_seen(tmp_path, monkeypatch, jobs):
    _fake(monkeypatch)
    assert _run(tmp_path, jobs) == {s.stem: "done" for s in all_sections()}


def test_a_dying_worker_fails_its_section_and_is_replaced(tmp_path, monkeypatch):
    _fake(monkeypatch, die="01_connotation")
    results = _run(tmp_path, 1)
    assert results["01_connotation"] == "failed"
    assert all(results[s.stem] == "done" for s in all_sections() if s.stem != "01_connotation")


# --- kernel start-up: Unix sockets, and one more start for a kernel that dies before any cell ---------------

FLAKY_KERNEL = r"""
import os, sys
marker = os.environ["NQP_TEST_MARKER"]
if os.environ.get("NQP_TEST_ALWAYS_DIE") or not os.path.exists(marker):
    open(marker, "a").close()
    sys.stderr.write("flaky test kernel: refusing to start\n")
    sys.exit(1)
from ipykernel import kernelapp
sys.argv = ["ipykernel", *sys.argv[1:]]
kernelapp.launch_new_instance()
"""


def _flaky_kernel(tmp_path, monkeypatch, always_die: bool):
    import json as _json

    spec = tmp_path / "jupyter" / "kernels" / "nqpflaky"
    spec.mkdir(parents=True)
    script = tmp_path / "flaky_kernel.py"
    script.write_text(FLAKY_KERNEL, encoding="utf-8")
    (spec / "kernel.json").write_text(_json.dumps({
        "argv": [sys.executable, str(script), "-f", "{connection_file}"],
        "display_name": "flaky", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("NQP_TEST_MARKER", str(tmp_path / "started-once"))
    if always_die:
        monkeypatch.setenv("NQP_TEST_ALWAYS_DIE", "1")
    nb = tmp_path / "tiny.ipynb"
    nb.write_text(_json.dumps({
        "cells": [{"cell_type": "code", "id": "p", "metadata": {"tags": ["parameters"]}, "source": "x = 1",
                   "outputs": [], "execution_count": None},
                  {"cell_type": "code", "id": "c", "metadata": {}, "source": "print(x + 1, get_ipython().history_manager.enabled)",
                   "outputs": [], "execution_count": None}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    staging = tmp_path / "staging"
    staging.mkdir()
    job = {"stem": "tiny", "notebook": str(nb), "parameters": {"x": 41}, "staging": str(staging),
           "title": "tiny", "lang": "en", "nav": "", "build_time": "t", "cwd": str(tmp_path), "kernel": "nqpflaky"}
    job_file = tmp_path / "job.json"
    job_file.write_text(_json.dumps(job), encoding="utf-8")
    return job_file, staging


def _run_worker(job_file):
    import json as _json
    import os as _os

    proc = subprocess.run([sys.executable, "-m", "nqp_lib.report.worker", str(job_file)], capture_output=True,
                          text=True, timeout=120, env=dict(_os.environ), cwd=str(PROJECT_ROOT))
    events = [_json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return proc, events


def test_a_kernel_that_dies_at_start_is_started_again(tmp_path, monkeypatch):
    import nbformat

    job_file, staging = _flaky_kernel(tmp_path, monkeypatch, always_die=False)
    proc, events = _run_worker(job_file)
    assert events[-1]["event"] == "done", (events, proc.stderr[-3000:])
    assert "kernel died at start" in proc.stderr and "refusing to start" in proc.stderr
    nb = nbformat.read(staging / "tiny.ipynb", as_version=4)
    # the injected parameter x = 41 reached the kernel, which keeps no shared history database
    assert nb.cells[-1].outputs[0]["text"] == "42 False\n"


def test_a_kernel_that_always_dies_fails_with_its_reason(tmp_path, monkeypatch):
    job_file, _ = _flaky_kernel(tmp_path, monkeypatch, always_die=True)
    proc, events = _run_worker(job_file)
    assert proc.returncode == 1
    assert events[-1]["event"] == "failed" and "Kernel died" in events[-1]["error"], events
    assert proc.stderr.count("refusing to start") == 2  # first start and one more, no endless loop


def test_kernels_listen_on_unix_sockets_in_a_private_directory():
    import os as _os
    import stat

    from nqp_lib.report import worker

    km = worker.kernel_manager_class()(kernel_name="python3")
    assert km.transport == "ipc"
    assert _os.path.dirname(km.connection_file) == worker.socket_dir()
    assert stat.S_IMODE(_os.stat(worker.socket_dir()).st_mode) == 0o700
    assert km.ip == km.connection_file[:-len(".json")] + "-ipc"  # sockets named after the unique file


def test_too_long_socket_paths_fall_back_to_tcp(monkeypatch, tmp_path):
    from nqp_lib.report import worker

    monkeypatch.setitem(worker._SOCKET_DIR, "path", str(tmp_path / ("d" * 120)))
    assert worker.kernel_manager_class()(kernel_name="python3").transport == "tcp"


def test_a_failure_outside_any_cell_carries_the_kernels_stderr(tmp_path, monkeypatch):
    fake = r"""
import json, sys
for line in sys.stdin:
    stem = json.load(open(line.strip()))["stem"]
    sys.stderr.write("zmq.error.ZMQError: Address already in use\n"); sys.stderr.flush()
    print(json.dumps({"event": "failed", "stem": stem, "error": "RuntimeError: Kernel died before replying",
                      "cell": None, "traceback": "Traceback (worker)"}), flush=True)
"""

    def spawn(staging, number, keep_fds=()):
        err = open(staging / f"worker{number}.stderr.txt", "w", encoding="utf-8")
        return subprocess.Popen([sys.executable, "-c", fake], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=err, text=True)

    monkeypatch.setattr(pool, "spawn_worker", spawn)
    events = {}
    pool.run_jobs(_jobs(all_sections()[:1], tmp_path), 1, tmp_path, Progress(io.StringIO(), quiet=True),
                  lambda job, ev: events.__setitem__(job.stem, ev))
    (event,) = events.values()
    assert event.traceback.startswith("Traceback (worker)")
    assert "Address already in use" in event.traceback
