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
5. County scale with spatial weights: 3,000 units (a 60 × 50 grid, rook contiguity) × 15 years. Each run is
   a fresh child process reporting its own peak RSS: ``nqp disparity --weights`` with every measure, once
   with the 3,000 × 3,000 CSV matrix (18 MB) and once with the edge list; then the spatial work alone
   (Moran's I + LISA, 99 permutations, and the spatial lags of the spatial Markov chain) on the sparse
   weights against nqp's own dense code from before (``spatial.py`` of commit 4b5067f, loaded from git:
   the matrix read whole by pandas, a dense n × n copy restricted and re-standardised for every period),
   with the ratios.

Targets (exit status 1 if one is missed): Dagum 2,800 × 12 under 1 s, agreement with the reference to
1e-12, process peak RSS after steps 1–3 under 300 MB, memory growth for 10× units under 20×, ``nqp
disparity --weights`` on the county panel under 300 MB peak with either weights file, sparse and dense
spatial results equal to 1e-10.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
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

from disparity_fixtures import (  # noqa: E402
    SHARED_PANEL,
    contiguity_from_shared,
    dagum_pairwise,
    grid_contiguity_edges,
    synthetic_panel,
)

from nqp_lib.disparity import command  # noqa: E402
from nqp_lib.disparity import dagum_by_period, moran_by_period, spatial_weights  # noqa: E402

N_UNITS, N_YEARS = 2800, 12
GRID_ROWS, GRID_COLS, COUNTY_YEARS, SPATIAL_PERMUTATIONS = 60, 50, 15, 99


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
    failures += county_scale()
    print("\n" + ("PASS: all targets met" if not failures else "FAIL: " + "; ".join(failures)))
    return 1 if failures else 0


# --- 5. county scale: sparse weights end to end ------------------------------------------------------------------


def write_county_files(folder: Path) -> dict[str, Path]:
    """The county-scale panel (units named like the grid) and its contiguity as a CSV matrix and an edge list."""
    edges, units = grid_contiguity_edges(GRID_ROWS, GRID_COLS)
    n = len(units)
    panel = synthetic_panel(n, COUNTY_YEARS, n_groups=4, seed=0)
    panel["unit"] = panel["unit"].map(dict(zip([f"u{i:05d}" for i in range(n)], units)))
    paths = {"panel": folder / "county.csv", "matrix": folder / "W.csv", "edges": folder / "edges.csv"}
    panel.to_csv(paths["panel"], index=False)
    pd.concat([edges, edges.rename(columns={"from": "to", "to": "from"})]).to_csv(paths["edges"], index=False)
    position = {u: k for k, u in enumerate(units)}
    i, j = edges["from"].map(position).to_numpy(), edges["to"].map(position).to_numpy()
    dense = np.zeros((n, n), dtype=np.int8)
    dense[i, j] = dense[j, i] = 1
    pd.DataFrame(dense, index=units, columns=units).to_csv(paths["matrix"])
    return paths


def child(argv: list[str]) -> dict:
    """Run ``bench_disparity.py --child ...`` in a fresh interpreter; return its JSON report."""
    proc = subprocess.run([sys.executable, __file__, "--child", *argv], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"child {argv} failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_child(mode: str, panel: str, weights: str, out: str) -> None:
    """Child process: time one job and print ``{"seconds", "peak_mb", "check"}`` as the last line."""
    start = time.perf_counter()
    check = None
    if mode == "cli":
        from nqp_lib.cli import main as nqp_main

        with contextlib.redirect_stdout(io.StringIO()):
            status = nqp_main(["disparity", panel, "--value", "score", "--group", "group", "--weights", weights,
                               "--out", out])
        if status != 0:
            raise SystemExit(f"nqp disparity exited {status}")
    else:
        check = (spatial_sparse if mode == "sparse" else spatial_dense)(panel, weights)
    print(json.dumps({"seconds": time.perf_counter() - start, "peak_mb": rss_mb(), "check": check}))


def _panel_arrays(panel: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    frame = pd.read_csv(panel)
    return frame["score"].to_numpy(), frame["unit"].to_numpy(dtype=object), frame["year"].to_numpy()


def spatial_sparse(panel: str, weights: str) -> list[float]:
    """Moran's I, LISA and spatial lags on nqp's sparse weights; returns a checksum list for the comparison."""
    from nqp_lib.disparity import moran_by_period, read_weights
    from nqp_lib.disparity.spatial import aligned_periods

    y, units, years = _panel_arrays(panel)
    w = read_weights(weights)
    r = moran_by_period(y, units, years, w, permutations=SPATIAL_PERMUTATIONS, seed=0)
    lag = np.empty_like(y)
    for _, rows, wp in aligned_periods(units, years, w):
        lag[rows] = wp.lag(y[rows])
    return [*r.global_["I"], float(r.local["I_i"].abs().sum()), float(lag.sum())]


#: The last commit whose weights were dense (nqp's code before this benchmark's sparse path existed).
DENSE_COMMIT = "4b5067f"


def _dense_spatial_module():
    """``nqp_lib/disparity/spatial.py`` as it was at DENSE_COMMIT, loaded under another name (needs git)."""
    import importlib.util

    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{DENSE_COMMIT}:nqp_lib/disparity/spatial.py"],
                            capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / "nqp_dense_spatial.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("nqp_dense_spatial", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def spatial_dense(panel: str, weights: str) -> list[float]:
    """The same work with nqp's code from before the weights were sparse (the matrix read whole by pandas, a
    dense n × n array restricted and re-standardised per period). Its p-values used the old tie rule, so
    only the statistics and lags are compared."""
    old = _dense_spatial_module()
    y, units, years = _panel_arrays(panel)
    w = old.spatial_weights(pd.read_csv(weights, index_col=0).astype(float))
    r = old.moran_by_period(y, units, years, w, permutations=SPATIAL_PERMUTATIONS, seed=0)
    lag = np.empty_like(y)
    for _, rows, wp in old.aligned_periods(units, years, w):
        lag[rows] = wp.lag(y[rows])
    return [*r.global_["I"], float(r.local["I_i"].abs().sum()), float(lag.sum())]


def county_scale() -> list[str]:
    failures = []
    units = GRID_ROWS * GRID_COLS
    print(f"\n5. County scale: {units:,} units ({GRID_ROWS} x {GRID_COLS} grid, rook contiguity) x {COUNTY_YEARS} years"
          " — each run in a fresh process")
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_county_files(Path(tmp))
        size = paths["matrix"].stat().st_size / 2**20
        runs = {}
        for label, weights in (("matrix", paths["matrix"]), ("edges", paths["edges"])):
            runs[label] = child(["cli", str(paths["panel"]), str(weights), str(Path(tmp) / f"out-{label}")])
            print(f"   nqp disparity --weights {'W.csv (' + format(size, '.0f') + ' MB matrix)':<28} all measures, "
                  f"999 permutations: {runs[label]['seconds']:6.1f} s, peak RSS {runs[label]['peak_mb']:5.0f} MB"
                  if label == "matrix" else
                  f"   nqp disparity --weights {'edges.csv (edge list)':<28} all measures, "
                  f"999 permutations: {runs[label]['seconds']:6.1f} s, peak RSS {runs[label]['peak_mb']:5.0f} MB")
            if runs[label]["peak_mb"] >= 300:
                failures.append(f"nqp disparity --weights ({label}) peaked at {runs[label]['peak_mb']:.0f} MB "
                                "(target < 300 MB)")
        sparse = child(["sparse", str(paths["panel"]), str(paths["matrix"]), tmp])
        try:
            dense = child(["dense", str(paths["panel"]), str(paths["matrix"]), tmp])
        except (RuntimeError, OSError) as exc:  # no git history: report the sparse figures alone
            print(f"   dense path of commit {DENSE_COMMIT} not available ({str(exc)[:200]}); sparse figures only")
            dense = None
    print(f"   spatial work alone (Moran + LISA with {SPATIAL_PERMUTATIONS} permutations, spatial lags), from the"
          " CSV matrix:")
    print(f"     sparse weights (nqp)              {sparse['seconds']:6.1f} s, peak RSS {sparse['peak_mb']:5.0f} MB")
    if dense is None:
        return failures
    print(f"     dense weights (commit {DENSE_COMMIT})     {dense['seconds']:6.1f} s, peak RSS {dense['peak_mb']:5.0f} MB")
    print(f"     ratio dense / sparse          {dense['seconds'] / sparse['seconds']:6.1f} x time, "
          f"{dense['peak_mb'] / sparse['peak_mb']:.1f} x peak memory")
    worst = float(np.max(np.abs(np.array(sparse["check"]) - np.array(dense["check"]))))
    print(f"     max |difference| of I by year, sum |I_i|, sum of lags: {worst:.1e}")
    if worst > 1e-10 * max(1.0, float(np.max(np.abs(dense["check"])))):
        failures.append(f"sparse and dense spatial results differ by {worst:.2e}")
    return failures


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        run_child(*sys.argv[2:6])
        sys.exit(0)
    sys.exit(main())
