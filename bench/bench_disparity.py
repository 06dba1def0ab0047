"""Benchmark of nqp's disparity measures: one run prints the figures and ratios, and checks the targets.

Run from the project root::

    .venv/bin/python bench/bench_disparity.py            # or under /usr/bin/time -v for the OS's view

What it measures:

1. Dagum's decomposition on a synthetic panel of 2,800 units in 4 groups × 12 years: the vectorised version
   (sort + cumulative sums) against the straightforward pairwise reference kept in the tests
   (``tests/disparity_fixtures.py``, explicit |y_i − y_r| blocks per pair of groups), and their agreement.
2. Moran's I with 999 permutations (global, and global + LISA) on 31 provinces × 13 years of R&D intensity
   from the shared data (synthetic values if the data root is absent).
3. ``nqp disparity`` on the 2,800-unit table (all measures but the spatial ones): the command's own work
   in-process, and the console script in a fresh process (which also imports every other sub-command).
4. Memory: tracemalloc peak of the vectorised Dagum at 2,800 and at 28,000 units per year (linear: ~10×;
   an n × n matrix would be ~100×), and the process's peak resident set size (``resource.getrusage``)
   after steps 1–3 and after the 28,000-unit run.

Targets (exit status 1 if one is missed): Dagum 2,800 × 12 under 1 s, agreement with the reference to
1e-12, process peak RSS after steps 1–3 under 300 MB, memory growth for 10× units under 20×.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from disparity_fixtures import SHARED_PANEL, contiguity_from_shared, dagum_pairwise, synthetic_panel  # noqa: E402

from nqp_lib.disparity import command  # noqa: E402
from nqp_lib.disparity import dagum_by_period, moran_by_period, spatial_weights  # noqa: E402

N_UNITS, N_YEARS = 2800, 12


def best_of(repeats: int, func) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def traced_peak(func) -> float:
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> int:
    failures = []
    print(f"nqp disparity benchmark (numpy {np.__version__}, pandas {pd.__version__}, Python {sys.version.split()[0]})")

    panel = synthetic_panel(N_UNITS, N_YEARS, n_groups=4, seed=0)
    y, g, t = panel["score"].to_numpy(), panel["group"].to_numpy(), panel["year"].to_numpy()

    fast_time, fast = best_of(5, lambda: dagum_by_period(y, g, t))
    rss_after_fast = rss_mb()
    start = time.perf_counter()
    reference = {year: dagum_pairwise(y[t == year], g[t == year]) for year in np.unique(t)}
    slow_time = time.perf_counter() - start
    worst = max(
        abs(getattr(fast.results[year], part) - ref[part])
        for year, ref in reference.items()
        for part in ("G", "G_w", "G_nb", "G_t")
    )
    print(f"\n1. Dagum decomposition, {N_UNITS} units x 4 groups x {N_YEARS} years")
    print(f"   vectorised (best of 5)        {fast_time * 1000:9.1f} ms")
    print(f"   pairwise reference (1 run)    {slow_time * 1000:9.1f} ms")
    print(f"   ratio reference / vectorised  {slow_time / fast_time:9.1f} x")
    print(f"   max |difference| in G, G_w, G_nb, G_t: {worst:.2e}")
    if fast_time >= 1.0:
        failures.append(f"Dagum took {fast_time:.3f} s (target < 1 s)")
    if worst > 1e-12:
        failures.append(f"Dagum differs from the reference by {worst:.2e}")

    if SHARED_PANEL.is_file():
        data = pd.read_csv(SHARED_PANEL)[["province", "year", "stc_rd_intensity_pct"]]
        values, units, years = data["stc_rd_intensity_pct"], data["province"], data["year"]
        source = "R&D intensity, shared merged panel"
    else:  # pragma: no cover - data root absent
        W = contiguity_from_shared()
        units = np.tile(W.index, 13)
        years = np.repeat(np.arange(2011, 2024), 31)
        values = np.random.default_rng(0).lognormal(size=units.size)
        source = "synthetic values"
    weights = spatial_weights(contiguity_from_shared())
    global_time, result = best_of(3, lambda: moran_by_period(values, units, years, weights, permutations=999,
                                                              seed=0, local=False))
    both_time, _ = best_of(3, lambda: moran_by_period(values, units, years, weights, permutations=999, seed=0))
    print(f"\n2. Moran's I, 999 permutations, 31 provinces x 13 years ({source})")
    print(f"   global I, 13 periods (best of 3)         {global_time * 1000:8.1f} ms")
    print(f"   global I + LISA, 13 periods (best of 3)  {both_time * 1000:8.1f} ms")
    print(f"   I 2011 = {result.global_['I'].iloc[0]:.4f} (p = {result.global_['p_sim'].iloc[0]:.3f}), "
          f"I 2023 = {result.global_['I'].iloc[-1]:.4f} (p = {result.global_['p_sim'].iloc[-1]:.3f})")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.csv"
        panel.to_csv(path, index=False)
        argv = ["disparity", str(path), "--value", "score", "--group", "group", "--out", str(Path(tmp) / "out")]
        parser = argparse.ArgumentParser(prog="nqp")
        command.register(parser.add_subparsers(dest="command"))
        with contextlib.redirect_stdout(io.StringIO()):
            run_time, status = best_of(3, lambda: command.run(parser.parse_args(argv)))
        start = time.perf_counter()
        proc = subprocess.run([str(Path(sys.executable).with_name("nqp")), *argv], capture_output=True, text=True)
        script_time = time.perf_counter() - start
    print(f"\n3. nqp disparity on {N_UNITS} units x {N_YEARS} years, all non-spatial measures")
    print(f"   the command's work (read CSV, 11 tables, write; best of 3)  {run_time:6.2f} s")
    print(f"   the console script in a fresh process (imports of every sub-command included)  {script_time:6.2f} s")
    if status != 0 or proc.returncode != 0:
        failures.append(f"nqp disparity exited {status} in-process, {proc.returncode} as a script: {proc.stderr}")

    rss_required = rss_mb()
    rng = np.random.default_rng(1)
    n_big = 10 * N_UNITS
    yb = rng.lognormal(size=n_big * N_YEARS)
    gb = np.tile(rng.integers(0, 4, n_big), N_YEARS)
    tb = np.repeat(np.arange(2011, 2011 + N_YEARS), n_big)
    peak_small = traced_peak(lambda: dagum_by_period(y, g, t))
    peak_big = traced_peak(lambda: dagum_by_period(yb, gb, tb))
    big_time, _ = best_of(1, lambda: dagum_by_period(yb, gb, tb))
    print("\n4. Memory of the vectorised Dagum (tracemalloc peak, numpy buffers included)")
    print(f"   {N_UNITS:>6} units/year            {peak_small:9.2f} MB")
    print(f"   {n_big:>6} units/year            {peak_big:9.2f} MB   (x{peak_big / peak_small:.1f} for 10x units;"
          f" time {big_time * 1000:.0f} ms)")
    print(f"   one n x n float matrix at 2,800 units would be {N_UNITS**2 * 8 / 2**20:.0f} MB")
    if peak_big / peak_small > 20:
        failures.append(f"Dagum memory grew {peak_big / peak_small:.1f}x for 10x units (not linear)")

    print(f"\nProcess peak RSS: {rss_after_fast:.0f} MB after the vectorised Dagum; {rss_required:.0f} MB after "
          "steps 1-3 (pairwise reference and the CLI run included); "
          f"{rss_mb():.0f} MB after the 28,000-unit scaling run")
    if rss_required >= 300:
        failures.append(f"process peak RSS {rss_required:.0f} MB (target < 300 MB)")
    print("\n" + ("PASS: all targets met" if not failures else "FAIL: " + "; ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
