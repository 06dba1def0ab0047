"""Benchmark of ``nqp build`` (issue: report pipeline). Prints figures and ratios in one run.

    .venv/bin/python bench/bench_report.py [--jobs 2] [--repeat 3]

1. Floor: as many papermill runs as there are sections, of an empty notebook that only imports the stack
   (numpy, pandas, altair, nqp_lib), ``--jobs`` at a time — kernel start-up plus imports, which no build can
   avoid. Cold build: ``nqp build --force`` of every section with the same ``--jobs``. Goal: ≤ 2× the floor.
2. No-change rebuild (``nqp build`` again, everything cached), as a user runs it: goal about 1 s. And the
   same parameters into a new ``--out``: every page comes from the shared page cache (issue 11).
3. Time until every chart of each report has drawn in headless Chromium (all network blocked).
4. Peak memory of the full build: resident memory summed over the build process and all its children
   (workers and kernels), sampled every 50 ms. Goal: < 2 GB.

Exit status 1 if the no-change rebuild takes over 2 s or peak memory reaches 2 GB (the ratio to the floor
is reported, not enforced: it depends on how loaded this shared machine is).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
NQP = [PY, "-m", "nqp_lib.cli"]
FLOOR_SOURCE = "import numpy, pandas, altair\nimport nqp_lib.report.context, nqp_lib.measure, nqp_lib.disparity\n"


def empty_notebook(path: Path) -> None:
    nb = {
        "cells": [{"cell_type": "code", "id": "imports", "metadata": {}, "execution_count": None, "outputs": [],
                   "source": FLOOR_SOURCE}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb), encoding="utf-8")


ENV = dict(os.environ)  # NQP_CACHE_DIR is set to a private folder in main(): the user's cache stays untouched


def run_parallel(commands: list[list[str]], jobs: int) -> float:
    """Wall time to run the commands, at most ``jobs`` at once."""
    start = time.perf_counter()
    pending, running = list(commands), []
    while pending or running:
        while pending and len(running) < jobs:
            running.append(subprocess.Popen(pending.pop(0), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for p in list(running):
            if p.poll() is not None:
                if p.returncode != 0:
                    raise SystemExit(f"command failed: {p.args}")
                running.remove(p)
        time.sleep(0.02)
    return time.perf_counter() - start


class PeakMemory:
    """Peak of the summed RSS of a process and all its descendants."""

    def __init__(self, pid: int):
        self.proc = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            total = 0
            try:
                for p in [self.proc, *self.proc.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                break
            self.peak = max(self.peak, total)
            time.sleep(0.05)

    def done(self) -> int:
        self.stop.set()
        self.thread.join()
        return self.peak


def chart_times(out: Path) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    times = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync"])
        for page_file in sorted(out.glob("[0-9][0-9]_*.html")):
            page = browser.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
            start = time.perf_counter()
            page.goto(page_file.as_uri())
            n = page.locator(".nqp-chart").count()
            page.wait_for_function("n => document.querySelectorAll('.nqp-chart svg.marks').length >= n", arg=n,
                                   timeout=30000)
            times[page_file.stem] = time.perf_counter() - start
            page.close()
        browser.close()
    return times


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from nqp_lib.report.sections import all_sections

    n = len(all_sections())
    work = Path(tempfile.mkdtemp(prefix="nqp-bench-"))
    ENV["NQP_CACHE_DIR"] = str(work / "page-cache")
    try:
        nb = work / "empty.ipynb"
        empty_notebook(nb)
        floor_cmds = [[PY, "-m", "papermill", "--no-progress-bar", str(nb), str(work / f"out{i}.ipynb")] for i in range(n)]
        run_parallel(floor_cmds[:1], 1)  # warm the OS file cache once
        floors = [run_parallel(floor_cmds, args.jobs) for _ in range(args.repeat)]
        floor = statistics.median(floors)

        out = work / "reports"
        subprocess.run([*NQP, "build", "--out", str(out), "--quiet"], cwd=ROOT, check=True, env=ENV)  # bundle cache warm
        colds, peaks = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            proc = subprocess.Popen([*NQP, "build", "--force", "--jobs", str(args.jobs), "--out", str(out), "--quiet"], cwd=ROOT,
                                    env=ENV)
            mem = PeakMemory(proc.pid)
            if proc.wait() != 0:
                raise SystemExit("nqp build failed")
            colds.append(time.perf_counter() - start)
            peaks.append(mem.done())
        cold = statistics.median(colds)

        rebuilds = []
        for _ in range(max(3, args.repeat)):
            start = time.perf_counter()
            subprocess.run([*NQP, "build", "--out", str(out), "--quiet"], cwd=ROOT, check=True, env=ENV)
            rebuilds.append(time.perf_counter() - start)
        rebuild = statistics.median(rebuilds)
        fresh = []
        for i in range(max(3, args.repeat)):
            start = time.perf_counter()
            subprocess.run([*NQP, "build", "--out", str(work / f"fresh{i}"), "--quiet"], cwd=ROOT, check=True, env=ENV)
            fresh.append(time.perf_counter() - start)
        fresh_out = statistics.median(fresh)
        draws = chart_times(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    peak = max(peaks)
    print(f"sections: {n}, jobs: {args.jobs}, repeats: {args.repeat} (medians)")
    print(f"floor  ({n} papermill runs of an import-only notebook): {floor:6.1f} s   (runs: {', '.join(f'{t:.1f}' for t in floors)})")
    print(f"cold build (nqp build --force):                 {cold:6.1f} s   (runs: {', '.join(f'{t:.1f}' for t in colds)})")
    print(f"ratio cold / floor:                             {cold / floor:6.2f} ×  (goal ≤ 2.0)")
    print(f"no-change rebuild (nqp build, all cached):      {rebuild:6.2f} s   (goal about 1 s)")
    print(f"same parameters into a new --out (shared cache): {fresh_out:5.2f} s   ({fresh_out / cold:.2f} × the cold build)")
    print(f"peak memory of a full build, all processes:     {peak / 2**20:6.0f} MB  (goal < 2048 MB)")
    for stem, t in draws.items():
        print(f"  every chart drawn in Chromium, {stem:<15} {t:5.2f} s")
    ok = rebuild <= 2.0 and peak < 2 * 2**30
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
