"""Benchmark of reading a user's panel: one run prints the figures and ratios, and checks the targets.

Run from the project root::

    .venv/bin/python bench/bench_read_panel.py            # add --sizes 5,20 for a quicker run

What it measures, each in a fresh process (wall time and peak resident set size from ``getrusage``):

1. ``nqp check-data`` on synthetic wide CSVs (unit, year, 10 indicators with three decimals) of several
   sizes up to the default limit (50 MB), against a baseline: ``pandas.read_csv`` of the same file with
   its own float parsing and nothing else (no validation, no decimal-mark decision). The ratio is the cost
   of reading strictly: strings first, each distinct cell read under both decimal marks, every check.
2. Refusals that must be immediate: a 500 MB (sparse) CSV, ``/dev/zero`` and a FIFO with no writer.

Targets (exit status 1 if one is missed): check-data of the 50 MB file under 60 s and 1.5 GB; every
refusal under 10 s (the console script's imports included).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NQP = str(Path(sys.executable).with_name("nqp"))


def synthetic_csv(path: Path, megabytes: float) -> int:
    """A wide panel of about ``megabytes`` MB; returns its rows."""
    rng = random.Random(1)
    rows = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write("unit,year," + ",".join(f"x{k}" for k in range(10)) + "\n")
        size, unit = 0, 0
        while size < megabytes * 1e6 - 2000:  # stay under the limit: a unit adds ~1,300 bytes
            for year in range(2009, 2024):
                line = f"unit{unit},{year}," + ",".join(f"{rng.random() * 1000:.3f}" for _ in range(10)) + "\n"
                fh.write(line)
                size += len(line)
                rows += 1
            unit += 1
    return rows


def timed(cmd: list[str]) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB, exit status, stderr) of a command run in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest of any child so far: run the big ones last
    return seconds, max(peak, before) / 1024, proc.returncode, proc.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5,20,50", help="file sizes in MB (default: 5,20,50)")
    sizes = [float(s) for s in parser.parse_args().sizes.split(",")]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print("1. check-data vs pandas.read_csv (fresh processes; peak RSS is the largest so far)")
        print(f"   {'MB':>5} {'rows':>9} {'read_csv s':>10} {'check-data s':>12} {'ratio':>6} {'peak RSS MB':>11}")
        for mb in sorted(sizes):
            path = tmp / f"panel_{mb:g}.csv"
            rows = synthetic_csv(path, mb)
            base, _, code, err = timed([sys.executable, "-c", f"import pandas; pandas.read_csv({str(path)!r})"])
            assert code == 0, err
            nqp, rss, code, err = timed([NQP, "check-data", str(path)])
            assert code == 0, err
            print(f"   {path.stat().st_size / 1e6:5.1f} {rows:9,d} {base:10.2f} {nqp:12.2f} {nqp / base:6.1f} {rss:11.0f}")
            if mb >= 50 and (nqp > 60 or rss > 1500):
                failures.append(f"check-data of {mb:g} MB: {nqp:.1f} s, {rss:.0f} MB (targets 60 s, 1500 MB)")
            path.unlink()

        print("2. refusals")
        big = tmp / "big.csv"
        with big.open("wb") as fh:
            fh.write(b"unit,year,x\n")
            fh.truncate(500_000_000)
        fifo = tmp / "fifo.csv"
        os.mkfifo(fifo)
        for label, target in (("500 MB sparse CSV", big), ("/dev/zero", Path("/dev/zero")), ("FIFO, no writer", fifo)):
            seconds, _, code, err = timed([NQP, "check-data", str(target)])
            print(f"   {label:18} exit {code} in {seconds:5.2f} s: {err.splitlines()[0][:110]}")
            if code != 2 or seconds > 10:
                failures.append(f"{label}: exit {code} after {seconds:.1f} s (expected exit 2 within 10 s)")
    for failure in failures:
        print(f"MISSED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
