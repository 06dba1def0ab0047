"""County-scale benchmark of the report (issue 11, Performance). Prints every figure and ratio in one run.

    .venv/bin/python bench/bench_scale.py [--units 3000] [--years 15] [--indicators 20] [--jobs 2]

1. A synthetic county panel (:mod:`nqp_lib.data.synthetic`: ``units × years × indicators``, a ``zone``
   grouping, rook contiguity of a grid as the weights, its sidecar) written to a temporary folder.
2. Provincial build: ``nqp build --force`` of every section on the shipped panel; wall time and peak memory.
3. County build: the same on the synthetic panel (``-p panel … -p system … -p year_from <first year>``);
   wall time, its ratio to the provincial build, peak memory of the whole build (resident memory summed
   over the build process, its workers and kernels, sampled every 50 ms) and the largest single process
   (``resource.getrusage(RUSAGE_CHILDREN)``), each page's size.
4. Time until every chart of each county page has drawn in headless Chromium (``svg.marks`` present in
   every ``.nqp-chart``; network blocked), beside the same page of the provincial build.
5. ``nqp measure`` on the county panel, then ``nqp disparity --weights`` (every measure, the 3,000-unit
   edge list) in a child process reporting its own peak resident memory.

Targets (exit status 1 if one is missed): county build ≤ 3× the provincial build, peak memory of the county
build < 2 GB, every page < 3 MB and drawn in < 2 s, ``nqp disparity --weights`` < 300 MB. The machine may
be shared: the ratio, not the seconds, is the figure to compare.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_report import PeakMemory, chart_times  # noqa: E402

PY = sys.executable
NQP = [PY, "-m", "nqp_lib.cli"]
MB = 2**20
PAGE_LIMIT = 3 * 10**6
DRAW_LIMIT = 2.0
BUILD_MEMORY_LIMIT = 2 * 2**30
DISPARITY_MEMORY_LIMIT = 300 * MB
RATIO_LIMIT = 3.0


def timed_build(args: list[str], env: dict) -> tuple[float, int, subprocess.CompletedProcess]:
    """Wall time and summed peak RSS of ``nqp build ARGS`` (all processes of the build)."""
    start = time.perf_counter()
    proc = subprocess.Popen([*NQP, "build", "--force", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    mem = PeakMemory(proc.pid)
    out, _ = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        print(out)
        raise SystemExit(f"nqp build {' '.join(args)} failed with status {proc.returncode}")
    return wall, mem.done(), subprocess.CompletedProcess(proc.args, proc.returncode, out)


def child_peak(cmd: list[str], env: dict) -> tuple[float, int]:
    """Wall time and peak RSS of ``cmd`` run by a small Python child that reports its children's maximum."""
    probe = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
             "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    start = time.perf_counter()
    out = subprocess.run([PY, "-c", probe, *cmd], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    status, kb = out.stdout.split()
    if status != "0":
        raise SystemExit(f"{' '.join(cmd)} failed with status {status}: {out.stderr}")
    return wall, int(kb) * 1024


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=3000)
    ap.add_argument("--years", type=int, default=15)
    ap.add_argument("--indicators", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="copy the county report set here")
    args = ap.parse_args()
    from nqp_lib.data.synthetic import county_panel

    work = Path(tempfile.mkdtemp(prefix="nqp-bench-scale-"))
    env = dict(os.environ, NQP_CACHE_DIR=str(work / "page-cache"))
    failures: list[str] = []
    try:
        synth = county_panel(args.units, args.years, args.indicators)
        files = synth.write(work / "data")
        first_year = int(synth.frame["year"].min())
        jobs = ["--jobs", str(args.jobs), "--quiet"]

        province_out, county_out = work / "provincial", work / "county"
        subprocess.run([*NQP, "build", "--out", str(work / "warm"), "--quiet", "overview"], cwd=ROOT, env=env,
                       check=True)  # bundle and OS file caches warm, as for any later build
        prov_time, prov_peak, _ = timed_build(["--out", str(province_out), *jobs], env)
        county_args = ["--out", str(county_out), *jobs, "-p", "panel", str(files["panel"]), "-p", "system",
                       str(files["system"]), "-p", "year_from", str(first_year)]
        county_time, county_peak, _ = timed_build(county_args, env)
        largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        pages = {p.stem: p.stat().st_size for p in sorted(county_out.glob("[0-9][0-9]_*.html"))}
        print(f"(provincial {prov_time:.1f} s, {prov_peak / MB:.0f} MB; county {county_time:.1f} s, "
              f"{county_peak / MB:.0f} MB; pages {', '.join(f'{b / 1e6:.2f}' for b in pages.values())} MB)", flush=True)
        draws = chart_times(county_out)
        prov_draws = chart_times(province_out)
        if args.keep:
            shutil.copytree(county_out, args.keep, dirs_exist_ok=True)

        measure_out, disparity_out = work / "measure", work / "disparity"
        subprocess.run([*NQP, "measure", str(files["panel"]), "--system", str(files["system"]), "--impute",
                        "linear_nearest", "--out", str(measure_out)], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        disp_time, disp_peak = child_peak(
            [*NQP, "disparity", str(measure_out / "scores.csv"), "--value", "score", "--group", "zone", "--weights",
             str(files["weights"]), "--out", str(disparity_out)], env)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    ratio = county_time / prov_time
    print(f"county panel: {args.units:,} units × {args.years} years × {args.indicators} indicators (synthetic); "
          f"--jobs {args.jobs}; one run")
    print(f"provincial build, every section (nqp build --force):  {prov_time:6.1f} s, peak {prov_peak / MB:5.0f} MB")
    print(f"county build, every section:                          {county_time:6.1f} s, peak {county_peak / MB:5.0f} MB "
          f"(all processes; largest single process {largest / MB:.0f} MB)")
    print(f"ratio county / provincial:                            {ratio:6.2f} ×  (goal ≤ {RATIO_LIMIT:g})")
    for stem, size in pages.items():
        t = draws.get(stem, float("nan"))
        print(f"  {stem:<16} {size / 1e6:5.2f} MB, every chart drawn in Chromium in {t:5.2f} s "
              f"(provincial page: {prov_draws.get(stem, float('nan')):.2f} s)")
    print(f"nqp disparity --weights ({args.units:,}-unit contiguity edge list, every measure): {disp_time:5.1f} s, "
          f"peak {disp_peak / MB:.0f} MB (goal < {DISPARITY_MEMORY_LIMIT / MB:.0f} MB)")

    if ratio > RATIO_LIMIT:
        failures.append(f"county build {ratio:.2f}× the provincial build")
    if county_peak >= BUILD_MEMORY_LIMIT:
        failures.append(f"county build peak {county_peak / MB:.0f} MB")
    failures += [f"{s} is {b / 1e6:.2f} MB" for s, b in pages.items() if b >= PAGE_LIMIT]
    failures += [f"{s} drew in {t:.2f} s" for s, t in draws.items() if t >= DRAW_LIMIT]
    if disp_peak >= DISPARITY_MEMORY_LIMIT:
        failures.append(f"nqp disparity --weights peak {disp_peak / MB:.0f} MB")
    print("targets met" if not failures else "TARGET MISSED: " + "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
