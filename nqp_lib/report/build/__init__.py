"""``nqp build``: validate parameters, execute section notebooks in parallel, render offline HTML, index them.

Order of work (each step in its own module):

1. :mod:`~.plan` — pick the sections; read each notebook's ``parameters`` cell; apply ``-f params.yaml``,
   ``-p NAME VALUE`` and ``--lang``; refuse unknown names, wrong types, values outside the allowed set;
   :mod:`~.folder` refuses output folders a build must not fill (the root, the home folder, a folder of
   unrelated files);
2. :mod:`~.cache` — each section's key (notebook, parameters, sha256 of the data, code, pins); a section
   whose page in OUT has that key is kept, one the shared page store holds is copied in; the data-dependent
   checks (:func:`nqp_lib.report.context.check_settings`) run for the rest — all before anything runs;
3. :mod:`~.folder` — take OUT's lock (a second build waits), remove what killed or failed builds left;
4. :mod:`~.pool` — run the remaining sections, up to ``--jobs`` at a time, in worker processes
   (:mod:`nqp_lib.report.worker`), showing which section, which cell and the elapsed time (:mod:`~.progress`);
5. :mod:`~.publish` — move each finished page and executed notebook from a private staging folder into
   place with ``os.replace``, if its kernel read the data its key was computed from; a failed section gets
   ``<section>.error.html`` and its last good page is left untouched;
6. :mod:`~.index` — write ``index.html`` and print a summary table. The exit status is non-zero if any
   section failed; a full disk stops the build with a message naming the folder and what was kept.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import IO, Any

from nqp_lib import labels
from nqp_lib.errors import ParameterError
from nqp_lib.io import is_no_space, write_atomic
from nqp_lib.report import pages
from nqp_lib.report.build.cache import (
    PageStore,
    cache_key,
    code_fingerprint,
    input_hashes,
    navigation_fingerprint,
    read_record,
)
from nqp_lib.report.build.folder import build_lock, check_output_folder, clean_leftovers, staging_folder
from nqp_lib.report.build.index import build_time_text, index_page, versions
from nqp_lib.report.build.jobs import CELL_TIMEOUT, BuildResult, Event, Job, Outcome
from nqp_lib.report.build.plan import check_against_data, plan
from nqp_lib.report.build.pool import run_jobs
from nqp_lib.report.build.progress import Progress
from nqp_lib.report.build.publish import NoSpace, Publisher, no_space_error
from nqp_lib.report.sections import Section, all_sections

__all__ = ["BuildResult", "Outcome", "build", "nav_maker", "planned_inputs"]


def nav_maker(everything: list[Section]):
    """A function giving the navigation bar of a section (None: the index) in its parameters' language."""

    def nav_for(section: Section | None, params: dict[str, Any]) -> str:
        lng = params.get("lang", "zh")
        return pages.nav_html([(s.stem, s.label(lng)) for s in everything], section.stem if section else None,
                              labels.t("page_index", lng))

    return nav_for


def planned_inputs(values: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """:func:`~nqp_lib.report.build.cache.input_hashes` per section (each distinct panel/system hashed once)."""
    seen: dict[tuple[Any, Any], dict[str, str]] = {}
    out = {}
    for stem, params in values.items():
        which = (params.get("panel"), params.get("system"))
        if which not in seen:
            seen[which] = input_hashes(params)
        out[stem] = seen[which]
    return out


def absolute_data_root() -> None:
    """Kernels run in notebooks/: a relative ``$NQP_DATA_ROOT`` must not change meaning there."""
    root = os.environ.get("NQP_DATA_ROOT")
    if root:
        os.environ["NQP_DATA_ROOT"] = str(Path(root).expanduser().resolve())


def build(
    names: list[str] | None = None,
    overrides: dict[str, Any] | None = None,
    params_file: str | Path | None = None,
    lang: str | None = None,
    jobs: int = 2,
    out: str | Path = "reports",
    force: bool = False,
    quiet: bool = False,
    stream: IO[str] | None = None,
    force_out: bool = False,
    timeout: int = CELL_TIMEOUT,
) -> BuildResult:
    """Build the selected sections (all by default) into ``out``; see the module docstring."""
    started = time.perf_counter()
    progress = Progress(stream or sys.stdout, quiet)
    if jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, got {jobs}")
    if timeout < 1:
        raise ParameterError(f"--timeout must be at least 1 second, got {timeout}")
    sections, values = plan(names, overrides or {}, params_file, lang)
    out = check_output_folder(Path(out), force_out)
    everything = all_sections()
    build_time = build_time_text()
    code = code_fingerprint() + navigation_fingerprint(everything)
    absolute_data_root()
    nav_for = nav_maker(everything)
    store = PageStore()
    inputs = planned_inputs(values)
    keys = {s.stem: cache_key(s, values[s.stem], code, inputs[s.stem]) for s in sections}
    publisher = Publisher(out, store, build_time, nav_for, progress, values, keys, inputs)

    # data-dependent checks for what will run, all before anything runs or is written (a page in OUT or in
    # the store passed them with the same notebook, parameters, data and code — its key covers all four)
    for s in sections:
        if not (not force and publisher.current(s)) and (force or store.get(keys[s.stem]) is None):
            check_against_data(s.stem, values[s.stem])

    stems = [s.stem for s in sections]
    try:
        with build_lock(out, progress):
            good = {s for s in stems if (read_record(out, s) or {}).get("status") == "ok"}
            clean_leftovers(out, stems, good)
            (out / "notebooks").mkdir(exist_ok=True)
            todo = []
            for s in sections:  # decided again under the lock: another build may have finished
                if not force and publisher.current(s):
                    publisher.keep(s)
                elif not force and (entry := store.get(keys[s.stem])) is not None:
                    publisher.from_store(s, entry)
                else:
                    todo.append(s)
            if todo:
                _run(todo, values, jobs, timeout, out, build_time, nav_for, progress, publisher)
            index_lang = lang or next(iter(values.values())).get("lang", "zh")
            write_atomic(out / "index.html", index_page(everything, out, index_lang, nav_for(None, {"lang": index_lang}),
                                                        build_time, versions()))
            clean_leftovers(out, [], set())  # staging folders whose workers outlived a killed build by a moment
    except (NoSpace, OSError) as exc:
        if isinstance(exc, OSError) and not is_no_space(exc):
            raise
        raise no_space_error(exc, out, [(publisher, stems)]) from None
    result = BuildResult(out, [publisher.outcomes[s.stem] for s in sections], time.perf_counter() - started)
    progress.summary(result)
    return result


def _run(todo: list[Section], values: dict[str, dict[str, Any]], jobs: int, timeout: int, out: Path,
         build_time: str, nav_for, progress: Progress, publisher: Publisher) -> None:
    """Execute ``todo`` in a staging folder of ``out``, longest first (by each section's last recorded
    time, so the slowest does not run alone at the end), publishing each as it ends."""
    by_stem = {s.stem: s for s in todo}

    def last_seconds(s: Section) -> float:
        rec = read_record(out, s.stem)
        return -(rec.get("seconds") or 0.0) if rec else 0.0

    with staging_folder(out) as (staging, owner):
        batch = []
        for s in sorted(todo, key=last_seconds):
            params = values[s.stem]
            lang = params.get("lang", "zh")
            batch.append(Job(stem=s.stem, notebook=str(s.path), parameters=params, staging=str(staging),
                             title=s.label(lang), lang=lang, nav=nav_for(s, params), build_time=build_time,
                             cwd=str(s.path.parent), kernel="python3", timeout=timeout))

        def on_result(job: Job, event: Event) -> None:
            publisher.result(by_stem[job.stem], event, staging)

        run_jobs(batch, jobs, staging, progress, on_result, keep_fds=(owner.fileno(),))
