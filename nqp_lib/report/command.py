"""``nqp build``, ``nqp sweep``, ``nqp params``, ``nqp notebooks``, ``nqp serve`` and ``nqp cache``."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys

from nqp_lib.errors import ParameterError
from nqp_lib.report.sections import notebooks_dir, select_sections


def _pairs(values: list[list[str]] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in values or []:
        if name in out:
            raise ParameterError(f"parameter {name!r} given twice with -p")
        out[name] = value
    return out


def run_build(args: argparse.Namespace) -> int:
    from nqp_lib.report.build import build

    result = build(
        names=args.sections,
        overrides=_pairs(args.param),
        params_file=args.params_file,
        lang=args.lang,
        jobs=args.jobs,
        out=args.out,
        force=args.force,
        quiet=args.quiet,
        force_out=args.force_out,
        **({"timeout": args.timeout} if args.timeout is not None else {}),
    )
    return 1 if result.failed else 0


def run_sweep(args: argparse.Namespace) -> int:
    from nqp_lib.report.sweep import sweep

    if not args.over and not args.grid:
        raise ParameterError("give the grid: --over NAME=VALUE1,VALUE2 (repeatable; NAME=all for every value) "
                             "or --grid sweep.yaml")
    result = sweep(
        names=args.sections,
        over=args.over,
        grid=args.grid,
        overrides=_pairs(args.param),
        params_file=args.params_file,
        lang=args.lang,
        out=args.out,
        scheduler=args.scheduler,
        workers=args.workers,
        force=args.force,
        quiet=args.quiet,
        force_out=args.force_out,
        **({"timeout": args.timeout} if args.timeout is not None else {}),
    )
    return 1 if result.failed else 0


def run_params(args: argparse.Namespace) -> int:
    if args.markdown:
        from nqp_lib.report.parameters import markdown_table

        print(markdown_table([s.name for s in select_sections(args.sections or None)]), end="")
        return 0
    for section in select_sections(args.sections or None):
        print(f"{section.stem} — {section.label('en')} / {section.label('zh')}")
        specs = section.params()
        width = max(len(s.name) for s in specs)
        for s in specs:
            print(f"  {s.name:<{width}}  {s.describe_type():<28}  default {s.default!r:<18}  {s.help}")
        print()
    return 0


def run_notebooks(args: argparse.Namespace) -> int:
    from nqp_lib.report.notebooks import differences, write

    sections = select_sections(args.sections or None)
    if args.write:
        for section in sections:
            print(f"{section.path.name}: {'rewritten' if write(section.path) else 'unchanged'}")
        return 0
    found = [d for section in sections for d in differences(section.path)]
    for d in found:
        print(d)
    if found:
        print("run `nqp notebooks --write` to regenerate them")
        return 1
    print(f"{len(sections)} notebooks: generated parts up to date")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    jupyter = shutil.which("jupyter", path=os.path.dirname(sys.executable)) or shutil.which("jupyter")
    if jupyter is None:
        raise ParameterError("JupyterLab is not installed in this environment; run `make report` or `pip install -e .` first")
    cmd = [jupyter, "lab", f"--notebook-dir={notebooks_dir()}", f"--port={args.port}"]
    if args.no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # JupyterLab refuses root otherwise (containers, lab machines)
    print("Live mode: " + " ".join(cmd))
    print("The ipywidgets explorers work here; charts and prose follow the parameters cell of each notebook.", flush=True)
    return serve_until_stopped(cmd)


class _Stop(Exception):
    def __init__(self, signum: int):
        self.signum = signum


def serve_until_stopped(cmd: list[str], grace: float = 10.0) -> int:
    """Run JupyterLab until it exits, or until this process gets SIGTERM or SIGINT: then stop it and every
    kernel it started (kernels run in their own sessions, so a signal to the server's group misses them).
    The server gets SIGTERM and ``grace`` seconds to shut its kernels down; whatever is left is killed."""
    import psutil

    proc = subprocess.Popen(cmd, start_new_session=True)  # a terminal's Ctrl-C reaches us, and we stop it

    def on_signal(signum: int, frame: object) -> None:
        raise _Stop(signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        return proc.wait()
    except _Stop as stop:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the clean-up
        try:
            family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            family = []
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        left = [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        for p in left:
            p.terminate()
        _, left = psutil.wait_procs(left, timeout=3)
        for p in left:
            p.kill()
        proc.wait()
        print(f"nqp serve: stopped JupyterLab and its kernels ({signal.Signals(stop.signum).name})", file=sys.stderr)
        return 128 + stop.signum
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def run_cache(args: argparse.Namespace) -> int:
    from nqp_lib.report.build.cache import PageStore

    store = PageStore()
    if args.clear:
        freed = store.clear()
        print(f"removed {freed / 2**20:.1f} MB from {store.root}")
        return 0
    entries = store.entries()
    size = sum(s for _, s, _ in entries)
    print(f"{store.root}: {len(entries)} pages, {size / 2**20:.1f} MB of at most {store.limit / 2**20:.0f} MB "
          "(NQP_CACHE_DIR moves it, NQP_CACHE_MAX_MB bounds it, nqp cache --clear empties it)")
    return 0


def _build_options(parser: argparse.ArgumentParser, out: str) -> None:
    """The options nqp build and nqp sweep share."""
    parser.add_argument("sections", nargs="*", help="sections to build (stem such as 01_connotation, or name; default all)")
    parser.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"),
                        help="set a parameter for every section that has it (repeatable)")
    parser.add_argument("-f", "--params-file", default=None,
                        help="YAML file of parameters (optional 'sections:' block per section)")
    parser.add_argument("--lang", choices=["zh", "en"], default=None, help="report language (same as -p lang …)")
    parser.add_argument("--out", default=out, help=f"output folder (default {out}/)")
    parser.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    parser.add_argument("--force-out", action="store_true",
                        help="write into OUT even if it is the root or home folder or holds files that are not an nqp build's")
    parser.add_argument("--timeout", type=int, default=None, help="seconds one notebook cell may run (default 900)")
    parser.add_argument("--quiet", action="store_true", help="print only errors")


def register(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser(
        "build",
        help="execute the section notebooks and render offline HTML reports",
        description="Execute section notebooks with papermill and render self-contained offline HTML into OUT "
        "(default reports/), with OUT/index.html linking every section. Parameters are validated before "
        "anything runs; unchanged sections are reused from the cache.",
    )
    _build_options(b, "reports")
    b.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="notebooks executed at once (default 2)")
    b.set_defaults(func=run_build)

    w = sub.add_parser(
        "sweep",
        help="build one report set per parameter set (province, language, method …) on Dask",
        description="Build the sections once for every member of a grid of parameters into OUT/<member>/, with "
        "OUT/index.html listing every member. Every member is checked before anything runs; sections run as Dask "
        "tasks on a LocalCluster (one worker per core) or on the cluster at --scheduler; unchanged sections are "
        "reused from the cache shared with nqp build. Workers must read the data root (NQP_DATA_ROOT) and any "
        "panel or system file at the same path.",
    )
    _build_options(w, "reports/sweep")
    w.add_argument("--over", action="append", metavar="NAME=VALUES",
                   help="a grid axis: NAME=V1,V2,… or NAME=all (every unit for focus, every choice otherwise); "
                   "repeat to multiply axes")
    w.add_argument("--grid", default=None, metavar="FILE",
                   help="YAML grid: 'over' (axes), 'members' (a list of parameter sets), 'params' (shared values)")
    w.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler, e.g. tcp://HOST:8786 (default $DASK_SCHEDULER_ADDRESS, else a LocalCluster)")
    w.add_argument("--workers", type=int, default=None, help="LocalCluster worker processes (default: one per core)")
    w.set_defaults(func=run_sweep)

    p = sub.add_parser("params", help="list a section's parameters (type, default, allowed values, help)")
    p.add_argument("sections", nargs="*", help="sections (default all)")
    p.add_argument("--markdown", action="store_true", help="print them as Markdown tables (the README's)")
    p.set_defaults(func=run_params)

    n = sub.add_parser(
        "notebooks", help="check (or --write) the generated parts of the section notebooks",
        description="Each section notebook's abstract cell, parameters cell and title metadata are generated "
        "from nqp_lib/report/parameters.py and nqp_lib/text/<lang>/<section>.md. Without --write, list the "
        "notebooks whose generated parts differ and exit 1 if any does.",
    )
    n.add_argument("sections", nargs="*", help="sections (default all)")
    n.add_argument("--write", action="store_true", help="rewrite the generated parts")
    n.set_defaults(func=run_notebooks)

    s = sub.add_parser("serve", help="open JupyterLab on notebooks/ for live use (ipywidgets explorers)")
    s.add_argument("--port", type=int, default=8888)
    s.add_argument("--no-browser", action="store_true")
    s.set_defaults(func=run_serve)

    c = sub.add_parser("cache", help="show or clear the page cache shared by every output folder",
                       description="Pages built by nqp build are kept by their inputs in $NQP_CACHE_DIR (default "
                       "~/.cache/nqp), so the same section with the same parameters, data and code is not run again "
                       "for another --out. Least recently used pages go first once it exceeds $NQP_CACHE_MAX_MB "
                       "(default 2048).")
    c.add_argument("--clear", action="store_true", help="remove every cached page")
    c.set_defaults(func=run_cache)
