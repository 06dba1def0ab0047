"""``nqp build``: validate parameters, execute section notebooks in parallel, render offline HTML, index them.

Order of work:

1. pick the sections; read each notebook's ``parameters`` cell; apply ``-f params.yaml``, ``-p NAME VALUE``
   and ``--lang``; refuse unknown names (with a suggestion), wrong types, values outside the allowed set,
   and settings the data cannot serve (:func:`nqp_lib.report.context.check_settings`) — before anything runs;
2. take the output folder's lock (a second build into the same folder waits for the first);
3. skip a section whose *cache key* — notebook bytes, parameters, data hashes, a fingerprint of nqp_lib's
   code and project data, the pinned stack — matches its last good build (``--force`` rebuilds);
4. run the others, up to ``--jobs`` at a time, each in its own process (:mod:`nqp_lib.report.worker`),
   showing which section, which cell and the elapsed time;
5. move each finished page and executed notebook from a private staging folder into place with
   ``os.replace``. A failed section gets ``<section>.error.html``; its last good ``<section>.html``, if
   any, is left untouched;
6. write ``index.html`` (every section: title, one-line description, status, parameters, time) and print a
   summary table. The exit status is non-zero if any section failed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from nqp_lib import __version__, labels
from nqp_lib.errors import ParameterError
from nqp_lib.report import pages
from nqp_lib.report.params import read_params_file, validate_overrides
from nqp_lib.report.sections import PROJECT_ROOT, Section, all_sections, notebooks_dir, select_sections

CACHE_SUBDIR = ".nqp-cache"
LOCK_NAME = ".nqp-build.lock"


@dataclass
class Outcome:
    """What happened to one section in a build."""

    stem: str
    status: str  # "ok", "cached", "failed"
    seconds: float = 0.0
    parameters: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    bytes: int = 0
    built_at: str = ""


@dataclass
class BuildResult:
    out: Path
    outcomes: list[Outcome]
    seconds: float

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def index(self) -> Path:
        return self.out / "index.html"


# --------------------------------------------------------------------------- fingerprints


def _hash_files(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(PROJECT_ROOT) if p.is_relative_to(PROJECT_ROOT) else p).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def code_fingerprint() -> str:
    """nqp_lib's version plus a hash of its code, templates and the project's own data files and pins."""
    lib = PROJECT_ROOT / "nqp_lib"
    files = [p for p in lib.rglob("*") if p.is_file() and p.suffix in (".py", ".j2", ".css", ".json", ".yaml")]
    files += [p for p in (PROJECT_ROOT / "data").rglob("*") if p.is_file()]
    lock = PROJECT_ROOT / "requirements.lock"
    if lock.exists():
        files.append(lock)
    return f"{__version__}:{_hash_files(files)}"


def data_fingerprint(params: dict[str, Any]) -> str:
    """sha256 over every source table of the data package, plus user files named in the parameters."""
    from nqp_lib.data.package import descriptor, resource_path, sha256_of

    h = hashlib.sha256()
    for res in descriptor()["resources"]:
        h.update(res["name"].encode())
        h.update(sha256_of(resource_path(res["name"])).encode())
    for key in ("panel", "system"):
        value = params.get(key)
        if isinstance(value, str) and Path(value).is_file():
            h.update(sha256_of(Path(value)).encode())
    return h.hexdigest()


def navigation_fingerprint(sections: list[Section]) -> str:
    """Every page's navigation bar lists all sections, so adding or renaming one changes every page."""
    return json.dumps([(s.stem, s.title) for s in sections], ensure_ascii=False, sort_keys=True)


def cache_key(section: Section, params: dict[str, Any], code: str) -> str:
    h = hashlib.sha256()
    h.update(section.path.read_bytes())
    h.update(json.dumps(params, sort_keys=True, ensure_ascii=False).encode())
    h.update(data_fingerprint(params).encode())
    h.update(code.encode())
    return h.hexdigest()


# --------------------------------------------------------------------------- progress


class Progress:
    """Progress lines: which section, which cell, elapsed time; a summary table at the end."""

    def __init__(self, stream: IO[str], quiet: bool = False):
        self.stream = stream
        self.quiet = quiet
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.state: dict[str, tuple[int, int, float]] = {}
        self.last_line = 0.0

    def say(self, text: str) -> None:
        if not self.quiet:
            if self.tty:
                self.stream.write("\r\033[K")
            self.stream.write(text + "\n")
            self.stream.flush()

    def start(self, stem: str) -> None:
        self.state[stem] = (0, 0, time.perf_counter())
        self.say(f"▶ {stem}: starting")

    def cell(self, stem: str, index: int, total: int) -> None:
        started = self.state.get(stem, (0, 0, time.perf_counter()))[2]
        self.state[stem] = (index, total, started)
        if self.quiet:
            return
        now = time.perf_counter()
        running = "  ".join(
            (f"{s} cell {i}/{n}" if n else f"{s} starting") + f" ({now - t0:.1f} s)"
            for s, (i, n, t0) in sorted(self.state.items())
        )
        if self.tty:
            self.stream.write("\r\033[K" + running[: shutil.get_terminal_size((120, 20)).columns - 1])
            self.stream.flush()
        elif now - self.last_line > 2.0:
            self.stream.write(running + "\n")
            self.stream.flush()
            self.last_line = now

    def finish(self, outcome: Outcome) -> None:
        self.state.pop(outcome.stem, None)
        mark = {"ok": "✓", "cached": "=", "failed": "✗"}[outcome.status]
        extra = f" — {outcome.error.get('error')}" if outcome.error else ""
        self.say(f"{mark} {outcome.stem}: {outcome.status} in {outcome.seconds:.1f} s{extra}")

    def summary(self, result: BuildResult) -> None:
        if self.quiet:
            for o in result.failed:
                self.stream.write(f"nqp build: {o.stem} failed: {o.error.get('error') if o.error else ''}\n")
            return
        width = max(len(o.stem) for o in result.outcomes)
        lines = ["", f"{'section':<{width}}  status   time     size", f"{'-' * width}  -------  -------  -------"]
        for o in result.outcomes:
            size = f"{o.bytes / 1e6:.2f} MB" if o.bytes else ""
            lines.append(f"{o.stem:<{width}}  {o.status:<7}  {o.seconds:6.1f}s  {size}")
        lines.append(f"total {result.seconds:.1f} s; {len(result.failed)} failed")
        lines.append(f"Open: {result.index.resolve()}")
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()


# --------------------------------------------------------------------------- locking and files


@contextlib.contextmanager
def build_lock(out: Path, progress: Progress):
    out.mkdir(parents=True, exist_ok=True)
    fh = open(out / LOCK_NAME, "w")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress.say(f"waiting for another nqp build writing to {out} …")
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _record_path(out: Path, stem: str) -> Path:
    return out / CACHE_SUBDIR / f"{stem}.json"


def read_record(out: Path, stem: str) -> dict[str, Any] | None:
    try:
        return json.loads(_record_path(out, stem).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


# --------------------------------------------------------------------------- labels

def _params_text(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items()))


def error_page(section: Section, outcome: Outcome, lang: str, nav: str, has_good: bool, build_time: str) -> str:
    def t(key: str) -> str:
        return labels.t(f"page_{key}", lang)

    e = outcome.error or {}
    esc = pages.esc
    body = [f'<div class="nqp-error"><h1>{esc(section.label(lang))} — {t("error_title")}</h1>',
            f"<p><strong>{esc(e.get('error', ''))}</strong></p>"]
    if e.get("cell"):
        body.append(f"<h3>{t('error_cell')} {esc(e['cell'])}</h3><pre>{esc(e.get('source', ''))}</pre>")
    if e.get("traceback"):
        body.append(f"<pre>{esc(e['traceback'])}</pre>")
    if has_good:
        body.append(f'<p><a href="{esc(section.stem)}.html">{t("last_good")}</a></p>')
    body.append(f"<p>{t('params')}: <code>{esc(_params_text(outcome.parameters))}</code></p></div>")
    footer = f'<p class="nqp-build-time">{esc(build_time)}</p>'
    return pages.simple_page(f"{section.label(lang)} — {t('error_title')}", "\n".join(body), lang, nav, footer, "nqp-index")


def index_page(sections: list[Section], out: Path, lang: str, nav: str, build_time: str, versions: dict[str, str]) -> str:
    def t(key: str) -> str:
        return labels.t(key if key.startswith("status_") else f"page_{key}", lang)

    esc = pages.esc
    rows = []
    for s in sections:
        rec = read_record(out, s.stem)
        status = rec["status"] if rec else "never"
        has_page = (out / f"{s.stem}.html").exists()
        link = f'<a href="{esc(s.stem)}.html">{esc(s.label(lang))}</a>' if has_page else esc(s.label(lang))
        if status == "failed":
            link += f' · <a href="{esc(s.stem)}.error.html">{t("status_failed")}</a>'
        seconds = f"{rec['seconds']:.1f} s" if rec and rec.get("seconds") is not None else ""
        params = _params_text(rec.get("parameters", {})) if rec else ""
        rows.append(
            f"<tr><td>{link}<br><span class='nqp-caption'>{esc(s.blurb(lang))}</span></td>"
            f"<td class='nqp-status-{esc(status)}'>{t('status_' + status)}</td><td>{seconds}</td>"
            f"<td><code>{esc(params)}</code></td></tr>"
        )
    body = (
        f"<h1>{t('title')}</h1><p>{t('intro')}</p>"
        f"<table class='sections'><tr><th>{t('section')}</th><th>{t('status')}</th><th>{t('time')}</th>"
        f"<th>{t('params')}</th></tr>{''.join(rows)}</table>"
    )
    footer = pages.kv_table(sorted(versions.items())) + f'<p class="nqp-build-time">{esc(build_time)}</p>'
    return pages.simple_page(t("title"), body, lang, nav, footer)


def build_time_text() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


# --------------------------------------------------------------------------- the build


def plan(
    names: list[str] | None,
    overrides: dict[str, Any],
    params_file: str | Path | None = None,
    lang: str | None = None,
) -> tuple[list[Section], dict[str, dict[str, Any]]]:
    """Select sections and validate every parameter's name, type and allowed values.

    File paths given as ``panel`` or ``system`` are made absolute here, relative to where ``nqp build``
    runs, because the notebooks run in another directory (and the cache key must hash the same file).
    """
    sections = select_sections(names)
    file_values, file_sections = read_params_file(params_file) if params_file else ({}, {})
    merged = {**file_values, **overrides}
    if lang is not None:
        if "lang" in overrides and overrides["lang"] != lang:
            raise ParameterError(f"--lang {lang} contradicts -p lang {overrides['lang']}; give one of them")
        merged["lang"] = lang
    everything = all_sections()
    known = {s.stem for s in everything} | {s.name for s in everything}
    unknown_sections = sorted(set(file_sections) - known)
    if unknown_sections:
        raise ParameterError(
            f"params file names unknown section(s) {unknown_sections}; sections are {', '.join(s.stem for s in everything)}"
        )
    section_overrides: dict[str, dict[str, Any]] = {}
    for key, vals in file_sections.items():  # sections not being built this time are ignored
        for s in sections:
            if key in (s.stem, s.name):
                section_overrides.setdefault(s.stem, {}).update(vals)
    specs = {s.stem: s.params() for s in sections}
    values = validate_overrides(specs, merged, section_overrides)
    for vals in values.values():
        for key in ("panel", "system"):
            v = vals.get(key)
            if isinstance(v, str) and v not in ("provincial", "shipped") and Path(v).expanduser().exists():
                vals[key] = str(Path(v).expanduser().resolve())
    return sections, values


def check_output_folder(out: Path) -> Path:
    """``out`` must be a directory we may write, and must not hold the source notebooks."""
    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out {out}: exists and is not a directory")
    for parent in [out, *out.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise ParameterError(f"--out {out}: {parent} is not a directory")
            if not os.access(parent, os.W_OK):
                raise ParameterError(f"--out {out}: {parent} is not writable")
            break
    sources = notebooks_dir().resolve()
    if out.resolve() == sources or (out / "notebooks").resolve() == sources:
        raise ParameterError(
            f"--out {out}: would overwrite the source notebooks in {sources} (executed copies go to OUT/notebooks); "
            "choose another folder, e.g. reports/"
        )
    return out.resolve()  # workers run from the project root: a relative path would point elsewhere there


def check_against_data(stem: str, values: dict[str, Any]) -> None:
    """The data-dependent checks (:func:`~nqp_lib.report.context.check_settings`) for one section."""
    from nqp_lib.report.context import check_settings

    try:
        check_settings(**values)
    except ParameterError as exc:
        raise ParameterError(f"section {stem}: {exc}") from None


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {"nqp_lib": __version__, **{name: version(name) for name in ("pandas", "altair", "papermill", "nbconvert")}}


def _job(section: Section, params: dict[str, Any], staging: Path, nav: str, build_time: str) -> dict[str, Any]:
    lang = params.get("lang", "zh")
    return {
        "stem": section.stem,
        "notebook": str(section.path),
        "parameters": params,
        "staging": str(staging),
        "title": section.label(lang),
        "lang": lang,
        "nav": nav,
        "build_time": build_time,
        "cwd": str(section.path.parent),
    }


def _spawn_worker(staging: Path, number: int) -> subprocess.Popen:
    env = {**os.environ, "NQP_STATIC": "1", "PYTHONHASHSEED": "0", "PYTHONUNBUFFERED": "1"}
    # stderr goes to a file: a chatty kernel must never fill a pipe nobody is reading
    stderr = open(staging / f"worker{number}.stderr.txt", "w", encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "nqp_lib.report.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=env,
        cwd=str(PROJECT_ROOT),
    )


def _stderr_tail(staging: Path, number: int, limit: int = 8000) -> str:
    """The last ``limit`` characters a worker (and the kernels it started) wrote to stderr."""
    err_file = staging / f"worker{number}.stderr.txt"
    try:
        return err_file.read_text(encoding="utf-8", errors="replace")[-limit:].strip()
    except OSError:
        return ""


def _run_jobs(
    todo: list[tuple[Section, dict[str, Any]]], jobs: int, staging: Path, nav_for, build_time: str, progress: Progress,
    on_result,
) -> None:
    """Run the sections on at most ``jobs`` worker processes, each taking sections in turn; call
    ``on_result(section, event)`` as soon as each section ends. A worker that dies fails its section and is
    replaced. One reader thread per worker turns its stdout into (worker, line) items on a queue, so no line
    can sit unseen in a buffer while the main loop waits."""
    pending = list(todo)
    workers: dict[int, dict[str, Any]] = {}  # worker number → {"proc", "section", "t0"}
    lines: queue.Queue = queue.Queue()
    counter = 0

    def read(number: int, stream: IO[str]) -> None:
        for line in stream:
            lines.put((number, line))
        lines.put((number, None))

    def assign(number: int) -> None:
        w = workers[number]
        if not pending:
            w["proc"].stdin.close()  # no more work: the worker exits at end of input
            w["section"] = None
            return
        section, params = pending.pop(0)
        job = _job(section, params, staging, nav_for(section, params), build_time)
        job_file = staging / f"{section.stem}.job.json"
        job_file.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        w["proc"].stdin.write(str(job_file) + "\n")
        w["proc"].stdin.flush()
        w["section"], w["t0"] = section, time.perf_counter()
        progress.start(section.stem)

    def start_worker() -> None:
        nonlocal counter
        counter += 1
        proc = _spawn_worker(staging, counter)
        workers[counter] = {"proc": proc, "section": None, "t0": time.perf_counter()}
        threading.Thread(target=read, args=(counter, proc.stdout), daemon=True).start()
        assign(counter)

    for _ in range(min(jobs, len(pending))):
        start_worker()
    while workers:
        number, line = lines.get()
        w = workers[number]
        if line is not None:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue  # stray output from a library; progress lines are JSON
            section = w["section"]
            if section is None or event.get("stem") != section.stem:
                continue
            if event.get("event") == "cell":
                progress.cell(section.stem, event["index"], event["total"])
            elif event.get("event") in ("done", "failed"):
                if event["event"] == "failed" and event.get("cell") is None:
                    # failed outside any cell (kernel start, rendering): the kernel's own complaint is in stderr
                    err = _stderr_tail(staging, number)
                    if err:
                        event["traceback"] = (event.get("traceback") or "") + "\n--- worker and kernel stderr ---\n" + err
                on_result(section, event)
                assign(number)
            continue
        # end of output: the worker has exited
        w["proc"].wait()
        section = w.get("section")
        del workers[number]
        if section is not None:  # it died in the middle of a section
            on_result(section, {"event": "failed", "error": f"worker exited with status {w['proc'].returncode}",
                                "traceback": _stderr_tail(staging, number), "seconds": round(time.perf_counter() - w["t0"], 2)})
            if pending:
                start_worker()


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
) -> BuildResult:
    """Build the selected sections (all by default) into ``out``; see the module docstring."""
    started = time.perf_counter()
    progress = Progress(stream or sys.stdout, quiet)
    if jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, got {jobs}")
    sections, values = plan(names, overrides or {}, params_file, lang)
    out = check_output_folder(Path(out))
    everything = all_sections()
    build_time = build_time_text()
    code = code_fingerprint() + navigation_fingerprint(everything)
    outcomes: dict[str, Outcome] = {}
    root = os.environ.get("NQP_DATA_ROOT")
    if root:  # the kernels run in notebooks/: a relative data root must not change meaning there
        os.environ["NQP_DATA_ROOT"] = str(Path(root).expanduser().resolve())

    def nav_for(section: Section | None, params: dict[str, Any]) -> str:
        lng = params.get("lang", "zh")
        return pages.nav_html([(s.stem, s.label(lng)) for s in everything], section.stem if section else None,
                              labels.t("page_index", lng))

    def current(s: Section, key: str) -> bool:
        rec = read_record(out, s.stem)
        return bool(not force and rec and rec.get("key") == key and rec.get("status") == "ok"
                    and (out / f"{s.stem}.html").exists())

    keys = {s.stem: cache_key(s, values[s.stem], code) for s in sections}
    # data-dependent checks for what will run, all before anything runs or is written (a cached section
    # passed them with the same notebook, parameters, data and code — its cache key covers all four)
    for s in sections:
        if not current(s, keys[s.stem]):
            check_against_data(s.stem, values[s.stem])

    with build_lock(out, progress):
        todo = []
        for s in sections:
            if current(s, keys[s.stem]):  # decided again under the lock: another build may have finished
                o = Outcome(s.stem, "cached", 0.0, values[s.stem], bytes=(out / f"{s.stem}.html").stat().st_size)
                outcomes[s.stem] = o
                progress.finish(o)
            else:
                todo.append((s, values[s.stem], keys[s.stem]))
        if todo:
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
            (out / "notebooks").mkdir(exist_ok=True)
            keys = {s.stem: key for s, _, key in todo}

            def land(s: Section, ev: dict[str, Any]) -> None:
                """Move a finished section into place (or write its error page) and record it."""
                params = values[s.stem]
                if ev["event"] == "done":
                    os.replace(staging / f"{s.stem}.html", out / f"{s.stem}.html")
                    os.replace(staging / f"{s.stem}.ipynb", out / "notebooks" / f"{s.stem}.ipynb")
                    with contextlib.suppress(FileNotFoundError):
                        (out / f"{s.stem}.error.html").unlink()
                    o = Outcome(s.stem, "ok", ev.get("seconds", 0.0), params, bytes=ev.get("bytes", 0), built_at=build_time)
                    record = {"key": keys[s.stem], **asdict(o)}
                else:
                    error = {k: ev.get(k) for k in ("error", "cell", "source", "traceback")}
                    o = Outcome(s.stem, "failed", ev.get("seconds", 0.0), params, error=error, built_at=build_time)
                    if (staging / f"{s.stem}.ipynb").exists():
                        os.replace(staging / f"{s.stem}.ipynb", out / "notebooks" / f"{s.stem}.failed.ipynb")
                    write_atomic(out / f"{s.stem}.error.html", error_page(
                        s, o, params.get("lang", "zh"), nav_for(s, params), (out / f"{s.stem}.html").exists(), build_time))
                    record = {"key": None, **asdict(o)}
                write_atomic(_record_path(out, s.stem), json.dumps(record, ensure_ascii=False, indent=1))
                outcomes[s.stem] = o
                progress.finish(o)

            # longest first (by each section's last recorded time), so the slowest one does not run alone at the end
            def last_seconds(item: tuple[Section, dict[str, Any], str]) -> float:
                rec = read_record(out, item[0].stem)
                return -(rec.get("seconds") or 0.0) if rec else 0.0

            ordered = sorted(todo, key=last_seconds)
            try:
                _run_jobs([(s, p) for s, p, _ in ordered], jobs, staging, nav_for, build_time, progress, land)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        index_lang = lang or next(iter(values.values())).get("lang", "zh")
        write_atomic(out / "index.html", index_page(everything, out, index_lang, nav_for(None, {"lang": index_lang}),
                                                    build_time, _versions()))
    result = BuildResult(out, [outcomes[s.stem] for s in sections], time.perf_counter() - started)
    progress.summary(result)
    return result
