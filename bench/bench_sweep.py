"""Benchmark of ``nqp sweep`` (issue 13). Prints figures and ratios in one run.

    .venv/bin/python bench/bench_sweep.py [--workers 2]

1. Loop: one ``nqp build overview -p focus UNIT --out …`` per province, one after the other (31 runs), as a
   user without ``nqp sweep`` would. Sweep: ``nqp sweep overview --over focus=all --workers 2`` on a
   LocalCluster. Goal: sweep ≤ 0.6 × loop.
2. No-change rerun of the sweep (everything cached): goal ≤ 2 s.
3. Peak memory of the sweep: resident memory summed over the sweep process and all its children (the
   cluster's nannies, workers and kernels), sampled every 50 ms. Goal: < 2 GB.

Each part uses its own empty page cache, so the sweep cannot reuse the loop's pages. Exit status 1 if a
goal is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_report import NQP, ROOT, PeakMemory  # noqa: E402


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from nqp_lib.data.panel import provincial_panel

    units = provincial_panel().unit_names
    work = Path(tempfile.mkdtemp(prefix="nqp-bench-sweep-"))
    try:
        loop_env = {**os.environ, "NQP_CACHE_DIR": str(work / "cache-loop")}
        timed([*NQP, "build", "overview", "--out", str(work / "warm"), "--quiet"], loop_env)  # OS file cache warm
        start = time.perf_counter()
        for i, unit in enumerate(units):
            subprocess.run([*NQP, "build", "overview", "-p", "focus", unit, "--out", str(work / "loop" / str(i)),
                            "--quiet"], cwd=ROOT, check=True, env=loop_env)
        loop = time.perf_counter() - start

        sweep_env = {**os.environ, "NQP_CACHE_DIR": str(work / "cache-sweep")}
        cmd = [*NQP, "sweep", "overview", "--over", "focus=all", "--workers", str(args.workers),
               "--out", str(work / "sweep"), "--quiet"]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=sweep_env, stdout=subprocess.DEVNULL)
        mem = PeakMemory(proc.pid)
        if proc.wait() != 0:
            raise SystemExit("nqp sweep failed")
        swept = time.perf_counter() - start
        peak = mem.done()
        rerun = timed(cmd, sweep_env)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    ratio = swept / loop
    print(f"overview for each of {len(units)} provinces, LocalCluster of {args.workers} workers, one run")
    print(f"loop of {len(units)} nqp build runs:               {loop:7.1f} s")
    print(f"nqp sweep --over focus=all:                {swept:7.1f} s   ratio {ratio:.2f} × the loop (goal ≤ 0.6)")
    print(f"no-change rerun of the sweep:              {rerun:7.2f} s   (goal ≤ 2 s)")
    print(f"peak memory of the sweep, all processes:   {peak / 2**20:7.0f} MB  (goal < 2048 MB)")
    ok = ratio <= 0.6 and rerun <= 2.0 and peak < 2 * 2**30
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
