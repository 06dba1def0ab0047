"""``nqp sweep``: one report set per parameter set — per province, language or method variant — on Dask.

Order of work:

1. :mod:`~.grid` — the members: ``--over`` axes and ``--grid`` file, ``all`` expanded;
2. every member planned and checked exactly as ``nqp build`` checks one build (names, types, choices,
   then the data-dependent checks), all before anything runs — the first bad member stops the sweep,
   named; and the output folder checked like ``nqp build``'s;
3. each section of each member keyed like ``nqp build`` keys it (:mod:`nqp_lib.report.build.cache`): a
   page in the member's folder with that key is kept, a page in the shared page store is copied in —
   so a rerun does only what changed, an interrupted sweep resumes, and pages built by ``nqp build`` are
   reused (and the other way round);
4. the rest run on Dask (:mod:`~.cluster`): every worker is checked first (same code, same data), then
   each section of each member is one task in a fresh kernel with the worker code of ``nqp build``;
   results are published into ``OUT/<member>/`` through a staging folder and ``os.replace``, a failure
   gets its error page and leaves the other members intact;
5. each member folder gets its ``index.html`` and ``OUT/index.html`` lists every member (:mod:`~.index`).
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from nqp_lib.errors import ParameterError
from nqp_lib.io import is_no_space, write_atomic
from nqp_lib.report.build import absolute_data_root, nav_maker, planned_inputs
from nqp_lib.report.build.cache import PageStore, cache_key, code_fingerprint, navigation_fingerprint, read_record
from nqp_lib.report.build.folder import build_lock, check_output_folder, clean_leftovers, staging_folder
from nqp_lib.report.build.index import build_time_text, index_page, versions
from nqp_lib.report.build.jobs import CELL_TIMEOUT, Failed, Job, Outcome, parse_event
from nqp_lib.report.build.plan import check_against_data, plan
from nqp_lib.report.build.publish import NoSpace, Publisher, no_space_error
from nqp_lib.report.sections import Section, all_sections, select_sections
from nqp_lib.report.sweep.grid import Member, members, parse_over, read_grid
from nqp_lib.report.sweep.index import sweep_index
from nqp_lib.report.sweep.progress import MemberProgress, SweepProgress


@dataclass
class SweepResult:
    out: Path
    rows: list[tuple[Member, list[Outcome]]]
    seconds: float

    @property
    def failed(self) -> list[tuple[Member, Outcome]]:
        return [(m, o) for m, outs in self.rows for o in outs if o.status == "failed"]

    @property
    def index(self) -> Path:
        return self.out / "index.html"


@dataclass
class _Planned:
    member: Member
    out: Path
    sections: list[Section]
    values: dict[str, dict[str, Any]]
    publisher: Publisher | None = None


def sweep(
    names: list[str] | None = None,
    over: list[str] | None = None,
    grid: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    params_file: str | Path | None = None,
    lang: str | None = None,
    out: str | Path = "reports/sweep",
    scheduler: str | None = None,
    workers: int | None = None,
    force: bool = False,
    quiet: bool = False,
    stream: IO[str] | None = None,
    force_out: bool = False,
    timeout: int = CELL_TIMEOUT,
) -> SweepResult:
    """Build one report set per member of the grid into ``out/<member>/``; see the module docstring."""
    started = time.perf_counter()
    progress = SweepProgress(stream or sys.stdout, quiet)
    axes = parse_over(over)
    grid_axes, listed, shared = read_grid(grid) if grid else ({}, [], {})
    both = sorted(set(axes) & set(grid_axes))
    if both:
        raise ParameterError(f"{', '.join(both)} given both with --over and in the grid file; give each once")
    axes = {**grid_axes, **axes}
    base = {**shared, **(overrides or {})}
    chosen = select_sections(names)
    specs = {p.name: p for s in chosen for p in s.params()}
    panel = str(base.get("panel", specs["panel"].default if "panel" in specs else "provincial"))
    grid_members = members(axes, listed, specs, panel)

    plans = []
    for m in grid_members:  # names, types and choices of every member before anything else
        try:
            sections, values = plan(names, {**base, **m.params}, params_file, lang)
        except ParameterError as exc:
            raise ParameterError(f"member {m.number} ({m.label()}): {exc}") from None
        plans.append(_Planned(m, Path(), sections, values))
    out = check_output_folder(Path(out), force_out)
    everything = all_sections()
    library = code_fingerprint()
    code = library + navigation_fingerprint(everything)
    absolute_data_root()
    nav_for = nav_maker(everything)
    store = PageStore()
    build_time = build_time_text()
    all_inputs: dict[str, str] = {}
    checked: set[str] = set()
    for p in plans:
        p.out = out / p.member.folder
        inputs = planned_inputs(p.values)
        keys = {s.stem: cache_key(s, p.values[s.stem], code, inputs[s.stem]) for s in p.sections}
        p.publisher = Publisher(p.out, store, build_time, nav_for, MemberProgress(progress, p.member.folder),
                                p.values, keys, inputs)
        progress.plan(p.member.folder, len(p.sections))
        for s in p.sections:
            all_inputs.update(inputs[s.stem])
            ready = not force and (p.publisher.current(s) or store.get(keys[s.stem]) is not None)
            memo = json.dumps(p.values[s.stem], sort_keys=True, ensure_ascii=False)
            if not ready and memo not in checked:  # the data-dependent checks, once per distinct parameter set
                try:
                    check_against_data(s.stem, p.values[s.stem])
                except ParameterError as exc:
                    raise ParameterError(f"member {p.member.number} ({p.member.label()}): {exc}") from None
                checked.add(memo)

    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(build_lock(out, progress))
            todo: list[tuple[_Planned, Section]] = []
            for p in plans:
                stack.enter_context(build_lock(p.out, progress))
                stems = [s.stem for s in p.sections]
                good = {s for s in stems if (read_record(p.out, s) or {}).get("status") == "ok"}
                clean_leftovers(p.out, stems, good)
                (p.out / "notebooks").mkdir(exist_ok=True)
                for s in p.sections:
                    if not force and p.publisher.current(s):
                        p.publisher.keep(s)
                    elif not force and (entry := store.get(p.publisher.keys[s.stem])) is not None:
                        p.publisher.from_store(s, entry)
                    else:
                        todo.append((p, s))
            if todo:
                _dispatch(todo, scheduler, workers, timeout, build_time, nav_for, progress, all_inputs, library, stack)
            rows = []
            for p in plans:
                lng = lang or next(iter(p.values.values())).get("lang", "zh")
                write_atomic(p.out / "index.html", index_page(everything, p.out, lng, nav_for(None, {"lang": lng}),
                                                              build_time, versions()))
                rows.append((p.member, [p.publisher.outcomes[s.stem] for s in p.sections]))
            varying = list(dict.fromkeys(k for p in plans for k in p.member.params
                                         if len({str(q.member.params.get(k)) for q in plans}) > 1))
            index_lang = lang or str(base.get("lang", "zh"))
            write_atomic(out / "index.html", sweep_index(rows, varying, chosen, index_lang, build_time))
    except (NoSpace, OSError) as exc:
        if isinstance(exc, OSError) and not is_no_space(exc):
            raise
        raise no_space_error(exc, out, [(p.publisher, [s.stem for s in p.sections]) for p in plans], "sweep") from None
    progress.tick(force=True)
    result = SweepResult(out, rows, time.perf_counter() - started)
    progress.say(f"Open: {result.index}")
    return result


def _dispatch(todo: list[tuple[_Planned, Section]], scheduler: str | None, workers: int | None, timeout: int,
              build_time: str, nav_for, progress: SweepProgress, inputs: dict[str, str], code: str,
              stack: contextlib.ExitStack) -> None:
    """Run ``todo`` on Dask and publish each result as it arrives."""
    from distributed import Queue, as_completed

    from nqp_lib.report.sweep.cluster import check_workers, connect, dashboard_link, job_fields, run_section

    client, cluster = connect(scheduler, workers)
    stack.callback(lambda: (client.close(), cluster.close() if cluster is not None else None))
    progress.slots = check_workers(client, inputs, code)
    link = dashboard_link(client)
    progress.say(f"Dask: {progress.slots} worker thread(s) at {client.scheduler.address}"
                 + (f"; dashboard {link}" if link else ""))
    events = f"nqp-sweep-{uuid.uuid4().hex[:12]}"
    started = Queue(events, client=client)
    staging: dict[Path, Path] = {}
    futures = {}
    sources: dict[Path, str] = {}
    for p, s in todo:
        params = p.values[s.stem]
        lng = params.get("lang", "zh")
        job = Job(stem=s.stem, notebook=str(s.path), parameters=params, staging="", title=s.label(lng), lang=lng,
                  nav=nav_for(s, params), build_time=build_time, cwd="", kernel="python3", timeout=timeout)
        source = sources.setdefault(s.path, s.path.read_text(encoding="utf-8"))
        fut = client.submit(run_section, {"member": p.member.folder, **job_fields(job)}, source, events,
                            key=f"nqp-{p.member.number}-{s.stem}-{uuid.uuid4().hex[:8]}", pure=False)
        futures[fut] = (p, s)
    finished = as_completed(list(futures), loop=client.loop)
    while not finished.is_empty():
        done = finished.next_batch(block=False)
        if not done:
            time.sleep(0.3)
        for item in started.get(batch=True):
            stem, folder = item.split("\t")
            progress.start(folder, stem)
        for fut in done:
            p, s = futures.pop(fut)
            if p.out not in staging:
                staging[p.out] = stack.enter_context(staging_folder(p.out))[0]
            try:
                answer = fut.result()
            except Exception as exc:  # the task itself failed (its worker died three times, …)
                event = Failed(s.stem, f"Dask task failed: {type(exc).__name__}: {exc}")
            else:
                event = parse_event(answer["event"])
                for suffix, data in (("html", answer["page"]), ("ipynb", answer["notebook"])):
                    if data is not None:
                        write_atomic(staging[p.out] / f"{s.stem}.{suffix}", data)
            fut.release()
            p.publisher.result(s, event, staging[p.out])
        progress.tick()
