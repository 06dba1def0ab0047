"""Benchmark of nqp's measurement engine: one run prints the figures and ratios, and checks the targets.

Run from the project root::

    .venv/bin/python bench/bench_measure.py

What it measures:

1. Entropy-TOPSIS on a synthetic panel of 300 units × 20 years × 30 indicators (6,000 × 30, two cost
   indicators, no zeros), best of 7 runs:

   * pymcdm 1.4.0 doing the same computation: ``normalize_matrix(x, minmax_normalization, types)`` + 1e-4,
     ``entropy_weights``, then ``TOPSIS()(x, w, types)`` (its min-max normalisation equals nqp's);
   * nqp's engine on the same array (``normalise`` → ``handle_zeros`` → ``entropy_weights`` → ``topsis``);
   * nqp's ``CompositeIndex(...).fit(frame)`` end to end: evaluating the indicator system on the panel
     frame, checking for gaps, and assembling the result with every intermediate;

   and the largest difference between pymcdm's and nqp's closeness values.
2. Monte Carlo uncertainty analysis, 1,000 draws on 31 units × 13 years × 25 indicators (default design:
   3 normalisations × 5 weightings × 3 aggregations × 3 zero handlings × leave-one-out × weight noise),
   best of 3, plus the same on the shipped provincial panel if the data root is present.
3. Peak memory of (2) in a child process, as ``/usr/bin/time -v`` reports it ("Maximum resident set size";
   ``resource.getrusage`` of the child where ``/usr/bin/time`` is absent).

Targets (exit status 1 if one is missed): nqp's engine and ``CompositeIndex.fit`` at least as fast as pymcdm
(ratio pymcdm/nqp ≥ 1), closeness equal to pymcdm's within 1e-10, 1,000 draws under 5 s, child peak RSS
under 1 GB.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import sys
import timeit
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from measure_fixtures import synthetic_panel, synthetic_system  # noqa: E402

from nqp_lib.measure.aggregate import topsis  # noqa: E402
from nqp_lib.measure.index import CompositeIndex  # noqa: E402
from nqp_lib.measure.normalise import handle_zeros, normalise  # noqa: E402
from nqp_lib.measure.uncertainty import uncertainty  # noqa: E402
from nqp_lib.measure.weights import entropy_weights  # noqa: E402


def best_of(repeats: int, func) -> tuple[float, object]:
    """Shortest wall time of ``repeats`` calls, and the result of one more call."""
    return min(timeit.repeat(func, number=1, repeat=repeats)), func()


def mc_child() -> None:
    """Child process for the memory figure: fit + 1,000 draws on 31 × 13 × 25."""
    panel = synthetic_panel(31, 13, 25, seed=1)
    index = CompositeIndex(synthetic_system(25, costs=(1, 7))).fit(panel)
    u = uncertainty(index, 1000, seed=0)
    print(f"draws {u.draw_ranks.shape}")


def child_peak_mb() -> tuple[float, str]:
    cmd = [sys.executable, __file__, "--mc-child"]
    if shutil.which("/usr/bin/time"):
        proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, check=True)
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        if m:
            return int(m.group(1)) / 1024, "/usr/bin/time -v"
    subprocess.run(cmd, capture_output=True, check=True)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "getrusage(RUSAGE_CHILDREN)"


def main() -> int:
    from pymcdm.helpers import normalize_matrix
    from pymcdm.methods import TOPSIS
    from pymcdm.normalizations import minmax_normalization
    from pymcdm.weights import entropy_weights as pymcdm_entropy

    failures = []
    print("== 1. entropy-TOPSIS, 300 units × 20 years × 30 indicators (6,000 × 30) ==")
    system = synthetic_system(30, costs=(1, 17))
    frame = synthetic_panel(300, 20, 30, seed=0)
    ids = system.indicator_ids
    x = frame[ids].to_numpy(dtype=float)
    types = system.directions.reindex(ids).to_numpy()
    dirs = types.astype(float)

    def with_pymcdm():
        nm = normalize_matrix(x, minmax_normalization, types) + 1e-4
        w = pymcdm_entropy(nm)
        return TOPSIS()(x, w, types)

    def with_engine():
        xn, _ = normalise(x, dirs, "minmax")
        w = entropy_weights(handle_zeros(xn, "shift", 1e-4)).values
        return topsis(xn, w[None, :]).scores[:, 0]

    def with_index():
        return CompositeIndex(system, aggregate="topsis").fit(frame).result_

    t_pm, c_pm = best_of(7, with_pymcdm)
    t_en, c_en = best_of(7, with_engine)
    t_ix, res = best_of(7, with_index)
    # the index sorts rows by year then unit; the synthetic frame is already in that order
    diff = max(float(np.abs(c_pm - c_en).max()), float(np.abs(res.scores["score"].to_numpy() - c_pm).max()))
    print(f"pymcdm 1.4.0 (minmax + 1e-4, entropy_weights, TOPSIS)  {t_pm * 1e3:8.2f} ms")
    print(f"nqp engine on the same array                           {t_en * 1e3:8.2f} ms   pymcdm/nqp = {t_pm / t_en:5.1f}×")
    print(f"nqp CompositeIndex.fit on the panel frame (end to end) {t_ix * 1e3:8.2f} ms   pymcdm/nqp = {t_pm / t_ix:5.1f}×")
    print(f"max |closeness(pymcdm) − closeness(nqp)| = {diff:.2e}")
    if t_pm / t_en < 1 or t_pm / t_ix < 1:
        failures.append("entropy-TOPSIS slower than pymcdm")
    if diff > 1e-10:
        failures.append("closeness differs from pymcdm")

    print("\n== 2. Monte Carlo, 1,000 draws, 31 units × 13 years × 25 indicators ==")
    panel = synthetic_panel(31, 13, 25, seed=1)
    index = CompositeIndex(synthetic_system(25, costs=(1, 7))).fit(panel)
    t_mc, u = best_of(3, lambda: uncertainty(index, 1000, seed=0))
    t_fit, _ = best_of(3, lambda: CompositeIndex(synthetic_system(25, costs=(1, 7))).fit(panel))
    print(f"uncertainty(index, 1000 draws)   {t_mc:6.3f} s   (target < 5 s: {5 / t_mc:5.1f}× headroom)")
    print(f"fit of the nominal index         {t_fit * 1e3:6.1f} ms")
    print("first-order indices: " + ", ".join(f"{r.factor} {r.first_order:.3f}" for r in u.sensitivity.itertuples()))
    if t_mc >= 5:
        failures.append("Monte Carlo over 5 s")
    try:
        from nqp_lib.data import provincial_panel

        real = provincial_panel()
        idx = CompositeIndex("three_elements", impute="linear_nearest", exclude_units="西藏").fit(real)
        t_real, _ = best_of(3, lambda: uncertainty(idx, 1000, seed=0))
        a = idx.result_.arrays
        print(f"shipped panel, three_elements ({len(set(a.units))} provinces × {len(set(a.years))} years × "
              f"{len(a.indicators)} indicators): {t_real:6.3f} s")
    except Exception as exc:  # the data root is optional for the benchmark
        print(f"shipped panel skipped ({type(exc).__name__}: {exc})")

    print("\n== 3. peak memory of fit + 1,000 draws (child process) ==")
    peak, how = child_peak_mb()
    print(f"maximum resident set size: {peak:7.1f} MB ({how}; target < 1024 MB)")
    if peak >= 1024:
        failures.append("peak memory over 1 GB")

    print("\n" + ("all targets met" if not failures else "MISSED: " + "; ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    if "--mc-child" in sys.argv:
        mc_child()
        sys.exit(0)
    sys.exit(main())
