"""``nqp build`` under faults: data replaced mid-build, killed builds, failed writes, a full disk, output
folders it must not fill, and the page cache shared between output folders.

Every test here is bounded: builds of one or two sections, subprocesses with timeouts, and the disk-full
case runs on a tmpfs of a few megabytes in a private mount namespace.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from conftest import ROOT
from nqp_lib.data.package import data_root, descriptor
from nqp_lib.errors import ParameterError
from nqp_lib.io import sha256_file, write_atomic
from nqp_lib.report.build import build
from nqp_lib.report.build.cache import PageStore, changed_inputs, read_record
from nqp_lib.report.build.folder import LOCK_NAME, check_output_folder
from nqp_lib.report.build.jobs import Done, Failed, InputRead, Job, event_json, parse_event

EPS = "eps_provincial_panel"
NQP = [sys.executable, "-m", "nqp_lib.cli"]


def _cmd(p: psutil.Process) -> str:
    try:
        return " ".join(p.cmdline())
    except psutil.Error:  # ended meanwhile
        return ""

# --------------------------------------------------------------------------- fast: protocol, cache store, folders


def test_job_and_events_refuse_fields_the_other_side_does_not_know():
    job = Job(stem="s", notebook="/n.ipynb", parameters={"lang": "en"}, staging="/t", title="T", lang="en", nav="",
              build_time="t", cwd="/")
    assert Job.from_dict(json.loads(job.to_json())) == job and (job.kernel, job.timeout) == ("python3", 900)
    with pytest.raises(ValueError, match=r"unknown field\(s\) \['kernal'\]"):
        Job.from_dict({**json.loads(job.to_json()), "kernal": "python3"})
    with pytest.raises(ValueError, match="missing"):
        Job.from_dict({"stem": "s"})
    done = Done("s", seconds=1.5, bytes=10, inputs=(InputRead("eps", "a.csv", "ab" * 32),))
    assert parse_event(event_json(done)) == done
    failed = Failed("s", "ValueError: x", cell=3, no_space=True)
    assert parse_event(event_json(failed)) == failed
    assert parse_event("some library's chatter") is None
    with pytest.raises(ValueError, match="unknown field"):
        parse_event(json.dumps({"event": "done", "stem": "s", "seconds": 1, "resources": []}))


def test_changed_inputs_name_the_file_and_both_hashes():
    planned = {f"resource:{EPS}": "a" * 64, "file:/data/my.csv": "b" * 64}
    same = (InputRead(EPS, "x/eps.csv", "a" * 64), InputRead("user_panel", "/data/my.csv", "b" * 64))
    assert changed_inputs(planned, same) == []
    (problem,) = changed_inputs(planned, (InputRead("user_panel", "/data/my.csv", "c" * 64),))
    assert problem == "/data/my.csv had sha256 bbbbbbbbbbbb… when the build started and cccccccccccc… when the section read it"
    (problem,) = changed_inputs(planned, (InputRead("user_panel", "/elsewhere.csv", "b" * 64),))
    assert "/elsewhere.csv (user_panel) was read but is not among the build's inputs" == problem


def test_write_atomic_leaves_the_old_file_and_no_temporary_file_when_a_write_fails(tmp_path):
    target = tmp_path / "page.html"
    write_atomic(target, "old")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "新", encoding="ascii")  # fails half-way through writing the temporary file
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["page.html"]
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new" and oct(target.stat().st_mode & 0o777) == "0o644"


def _entry(tmp_path: Path, name: str, size: int) -> tuple[Path, Path]:
    page, nb = tmp_path / f"{name}.html", tmp_path / f"{name}.ipynb"
    page.write_bytes(b"p" * size)
    nb.write_bytes(b"n" * size)
    return page, nb


def test_page_store_keeps_whole_entries_drops_damaged_ones_and_stays_under_its_bound(tmp_path):
    store = PageStore(tmp_path / "cache", limit=13_500)
    for i, key in enumerate(["a1" * 32, "b2" * 32, "c3" * 32]):
        store.put(key, *_entry(tmp_path, key[:2], 2_000), {"seconds": i})
        os.utime(store.get(key).folder / "entry.json", (1_000 + i, 1_000 + i))  # used in this order
    record = (store.get("a1" * 32).folder / "entry.json").stat().st_size
    os.utime(store.get("a1" * 32).folder / "entry.json", (1_000, 1_000))
    entry = 2 * 2_000 + record  # page + notebook + record, about 4,250 bytes
    assert 3 * entry <= 13_500 < 4 * entry
    assert sorted(p.name[:2] for _, _, p in store.entries()) == ["a1", "b2", "c3"]
    # a fourth entry exceeds the bound: least recently used go until at most 90 % (12,150 bytes) remain —
    # a1 (leaving 3 entries, 12,750 bytes), then b2 (2 entries)
    store.put("d4" * 32, *_entry(tmp_path, "d4", 2_000), {})
    assert 2 * entry <= 0.9 * 13_500 < 3 * entry
    assert sorted(p.name[:2] for _, _, p in store.entries()) == ["c3", "d4"]
    assert store.get("a1" * 32) is None and store.get("c3" * 32).meta["seconds"] == 2
    (store.get("d4" * 32).page).write_bytes(b"tampered")
    assert store.get("d4" * 32) is None and not (store.root / "d4" / ("d4" * 32)).exists()
    assert store.clear() > 0 and store.entries() == []


def test_output_folders_a_build_must_not_fill(tmp_path, monkeypatch, run_cli):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    (tmp_path / "mixed").mkdir()
    (tmp_path / "mixed" / "thesis.docx").write_text("mine")
    for folder, why in [("/", "is the root of the file system"), (tmp_path / "home", "is your home folder"),
                        (tmp_path / "mixed", "holds files that are not an nqp build's (1 entries: thesis.docx)")]:
        res = run_cli("build", "overview", "--out", folder)
        assert res.code == 2 and why in res.err and "--force-out" in res.err, res.err
        assert not (Path(folder) / LOCK_NAME).exists()
    # allowed: a new folder, an empty one, an earlier build's folder, and anything with --force-out
    (tmp_path / "empty").mkdir()
    (tmp_path / "earlier").mkdir()
    (tmp_path / "earlier" / LOCK_NAME).touch()
    (tmp_path / "earlier" / "00_overview.html").touch()
    for ok in ("new", "empty", "earlier"):
        assert check_output_folder(tmp_path / ok) == (tmp_path / ok).resolve()
    assert check_output_folder(tmp_path / "mixed", force=True) == (tmp_path / "mixed").resolve()
    assert check_output_folder(Path("/"), force=True) == Path("/")
    with pytest.raises(ParameterError, match="is not a directory"):
        check_output_folder(tmp_path / "mixed" / "thesis.docx", force=True)


# --------------------------------------------------------------------------- builds (slow)


def _copy_data_root(dest: Path) -> Path:
    root = data_root()
    for res in descriptor()["resources"]:
        (dest / res["path"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / res["path"], dest / res["path"])
    return dest


def _change_one_cell(path: Path) -> None:
    """Rewrite the EPS panel with one value changed (still a valid table): a 'new release' of the file."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    col = rows[0].index("人均地区生产总值（元）")
    rows[1][col] = str(round(float(rows[1][col]) * 1.01))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


class _SwapAfter:
    """A progress stream that replaces a file the moment a given section is reported finished."""

    def __init__(self, marker: str, swap):
        self.marker, self.swap, self.text, self.done = marker, swap, "", False

    def write(self, s: str) -> None:
        self.text += s
        if not self.done and self.marker in self.text:
            self.done = True
            self.swap()

    def flush(self) -> None:
        pass


def _footer_sha(page: Path, resource: str) -> str:
    text = page.read_text(encoding="utf-8")
    row = text[text.index(f"<td>{resource}</td>"):]
    return row[row.index('title="') + 7:][:64]


@pytest.mark.slow
def test_a_panel_file_replaced_mid_build_never_gives_a_page_its_key_does_not_describe(tmp_path, monkeypatch):
    root = _copy_data_root(tmp_path / "data")
    monkeypatch.setenv("NQP_DATA_ROOT", str(root))
    eps = root / next(r["path"] for r in descriptor()["resources"] if r["name"] == EPS)
    original = eps.read_bytes()
    sha_a = sha256_file(eps)
    out = tmp_path / "out"
    stream = _SwapAfter("✓ 00_overview", lambda: _change_one_cell(eps))
    res = build(["overview", "connotation"], out=out, jobs=1, stream=stream)
    sha_b = sha256_file(eps)
    assert stream.done and sha_a != sha_b
    assert {o.stem: o.status for o in res.outcomes} == {"00_overview": "ok", "01_connotation": "failed"}
    error = res.failed[0].error["error"]
    assert error.startswith("data changed during the build, so this page was not published")
    assert f"{eps} had sha256 {sha_a[:12]}… when the build started and {sha_b[:12]}…" in error
    assert not (out / "01_connotation.html").exists() and (out / "01_connotation.error.html").exists()
    assert _footer_sha(out / "00_overview.html", EPS) == sha_a
    assert read_record(out, "01_connotation")["key"] is None

    # the probe's case: the old file comes back. The overview was built from it and may be reused; the
    # connotation page must be built now — never served from the file that was there for a moment.
    eps.write_bytes(original)
    res = build(["overview", "connotation"], out=out, jobs=1, quiet=True)
    assert {o.stem: o.status for o in res.outcomes} == {"00_overview": "cached", "01_connotation": "ok"}
    assert _footer_sha(out / "01_connotation.html", EPS) == sha_a
    assert not (out / "01_connotation.error.html").exists()
    # and with the new file, both are rebuilt from it
    _change_one_cell(eps)
    res = build(["overview", "connotation"], out=out, jobs=1, quiet=True)
    assert [o.status for o in res.outcomes] == ["ok", "ok"]
    assert {_footer_sha(out / f"{s}.html", EPS) for s in ("00_overview", "01_connotation")} == {sha256_file(eps)}


@pytest.mark.slow
def test_the_page_cache_is_shared_between_output_folders(tmp_path, run_cli):
    first = build(["overview"], out=tmp_path / "a", quiet=True)
    assert first.outcomes[0].status == "ok"
    second = build(["overview"], out=tmp_path / "b", quiet=True)
    assert second.outcomes[0].status == "cached"  # same inputs, another folder: not executed again
    assert (tmp_path / "a" / "00_overview.html").read_bytes() == (tmp_path / "b" / "00_overview.html").read_bytes()
    assert (tmp_path / "b" / "notebooks" / "00_overview.ipynb").exists()
    assert "00_overview" in (tmp_path / "b" / "index.html").read_text(encoding="utf-8")
    res = run_cli("cache")
    assert res.code == 0 and "1 pages" in res.out
    assert build(["overview"], out=tmp_path / "c", quiet=True, force=True).outcomes[0].status == "ok"
    res = run_cli("cache", "--clear")
    assert res.code == 0 and "removed" in res.out
    assert build(["overview"], out=tmp_path / "d", quiet=True).outcomes[0].status == "ok"


def _broken_copy(d: Path, source: str) -> Path:
    nb = json.loads((ROOT / "notebooks" / "00_overview.ipynb").read_text(encoding="utf-8"))
    nb["cells"].insert(4, {"cell_type": "code", "id": "boom", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": source})
    d.mkdir(exist_ok=True)
    (d / "00_overview.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return d


@pytest.mark.slow
def test_leftovers_of_failures_are_removed_and_the_cell_timeout_reaches_the_kernel(tmp_path, monkeypatch):
    d = _broken_copy(tmp_path / "nbs", "import time; time.sleep(600)")
    monkeypatch.setenv("NQP_NOTEBOOKS", str(d))
    out = tmp_path / "out"
    start = time.monotonic()
    res = build(out=out, quiet=True, timeout=40)  # the timeout travels in the job to papermill
    assert time.monotonic() - start < 300  # not the 600 s the cell asks for
    assert res.outcomes[0].status == "failed", res.outcomes[0]
    assert res.outcomes[0].error["source"] == "import time; time.sleep(600)"  # interrupted where it hung
    assert (out / "notebooks" / "00_overview.failed.ipynb").exists() and (out / "00_overview.error.html").exists()
    stale_tmp = out / ".index.html.x1y2z3.tmp"  # what a writer killed between write and rename leaves
    stale_tmp.write_text("half")
    shutil.copy(ROOT / "notebooks" / "00_overview.ipynb", d / "00_overview.ipynb")  # fixed
    res = build(out=out, quiet=True)
    assert res.outcomes[0].status == "ok"
    assert sorted(p.name for p in out.iterdir()) == [".nqp-build.lock", ".nqp-cache", "00_overview.html", "index.html",
                                                     "notebooks"]
    assert [p.name for p in (out / "notebooks").iterdir()] == ["00_overview.ipynb"]


@pytest.mark.slow
def test_a_killed_build_leaves_nothing_behind_after_the_next_build(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([*NQP, "build", "overview", "--out", str(out), "--jobs", "1"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        assert proc.stdout.readline().startswith("▶ 00_overview: starting")
        family: list[psutil.Process] = []
        while not any("ipykernel" in _cmd(p) for p in family):  # a kernel is running the notebook
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
            family = psutil.Process(proc.pid).children(recursive=True)
        assert list(out.glob(".staging-*"))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    _, alive = psutil.wait_procs(family, timeout=30)  # the workers end with their build, their kernels with them
    assert not alive, [p.cmdline() for p in alive]
    assert list(out.glob(".staging-*"))  # the killed build's staging folder is still there …
    res = build(["overview"], out=out, quiet=True)
    assert res.outcomes[0].status == "ok"
    assert not list(out.glob(".staging-*")) and not list(out.rglob("*.tmp"))  # … and the next build removed it


DISK_FULL = textwrap.dedent("""\
    import json, subprocess, sys
    from pathlib import Path
    out = Path(sys.argv[1])
    nqp = [sys.executable, "-m", "nqp_lib.cli", "build", "overview", "--out", str(out), "--quiet"]
    first = subprocess.run(nqp, capture_output=True, text=True, timeout=300)
    page = (out / "00_overview.html").read_bytes() if (out / "00_overview.html").exists() else b""
    second = subprocess.run(nqp + ["--force"], capture_output=True, text=True, timeout=300)
    print(json.dumps({
        "first": first.returncode, "first_err": first.stderr[-2000:],
        "second": second.returncode, "second_err": second.stderr[-3000:],
        "page_kept": page != b"" and (out / "00_overview.html").read_bytes() == page,
        "left": sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.name.startswith(".staging-")
                       or p.name.endswith(".tmp")),
    }))
""")


@pytest.mark.slow
def test_a_full_disk_stops_the_build_with_the_folder_and_what_was_kept(tmp_path):
    if shutil.which("unshare") is None:
        pytest.skip("needs util-linux unshare for a private tmpfs")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a private mount namespace here: {probe.stderr.decode()[:200]}")
    out = tmp_path / "small"
    out.mkdir()
    script = tmp_path / "disk_full.py"
    script.write_text(DISK_FULL, encoding="utf-8")
    # room for one build of the overview (page about 1.5 MB, notebook 0.25 MB) but not for a second copy
    # of both in the staging folder next to the first
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", f'mount -t tmpfs -o size=2500k tmpfs "{out}" && '
                           f'exec "{sys.executable}" "{script}" "{out}"'], capture_output=True, text=True, timeout=600,
                          cwd=ROOT)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["first"] == 0, result["first_err"]
    assert result["second"] == 2, result
    err = result["second_err"]
    assert f"nqp build: error: no space left on the device holding {out}" in err, err
    assert "Nothing half-written was published. Kept: 00_overview.html (built " in err
    assert "Traceback" not in err and "internal error" not in err
    assert result["page_kept"] and result["left"] == []
