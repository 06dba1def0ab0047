"""The build's worker protocol: events that arrive together are all seen; a dying worker fails only its
section and is replaced."""

from __future__ import annotations

import io
import subprocess
import sys
import threading

import pytest

from nqp_lib.report import build as b
from nqp_lib.report.sections import all_sections

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
    def spawn(staging, number):
        return subprocess.Popen([sys.executable, "-c", FAKE.format(die=die)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    monkeypatch.setattr(b, "_spawn_worker", spawn)


def _run(tmp_path, jobs):
    sections = all_sections()
    results = {}
    progress = b.Progress(io.StringIO(), quiet=True)
    thread = threading.Thread(target=b._run_jobs, args=(
        [(s, {"lang": "zh"}) for s in sections], jobs, tmp_path, lambda s, p: "", "t", progress,
        lambda s, ev: results.__setitem__(s.stem, ev["event"])))
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
