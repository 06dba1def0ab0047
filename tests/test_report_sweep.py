"""``nqp sweep``: the grid, members checked before anything runs, Dask execution (LocalCluster and a
scheduler with two workers as separate processes), failures kept to their member, resume, and the page
cache shared with ``nqp build``."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from nqp_lib.errors import ParameterError
from nqp_lib.report.build import build
from nqp_lib.report.parameters import Parameter
from nqp_lib.report.sweep import sweep
from nqp_lib.report.sweep.grid import folder_name, members, parse_over, read_grid

LANG = Parameter("lang", "str", "zh", "language", choices_from=lambda: ("zh", "en"))
CDN = re.compile(r"(https?:)?//(cdn|unpkg|cdnjs)", re.I)


# --------------------------------------------------------------------------- the grid (fast)


def test_over_axes_multiply_and_all_expands():
    axes = parse_over(["focus=all", "lang=zh,en"])
    assert axes == {"focus": "all", "lang": ["zh", "en"]}
    grid = members(axes, [], {"lang": LANG}, "provincial")
    assert len(grid) == 31 * 2  # every province × both languages
    assert grid[0].params == {"focus": "北京", "lang": "zh"} and grid[0].folder == "focus-北京__lang-zh"
    assert grid[1].params == {"focus": "北京", "lang": "en"} and grid[-1].number == 62
    assert [m.params["lang"] for m in members({"lang": "all"}, [], {"lang": LANG}, "provincial")] == ["zh", "en"]


def test_grid_file_combines_members_with_axes(tmp_path):
    f = tmp_path / "sweep.yaml"
    f.write_text("over: {lang: [zh, en]}\nmembers:\n  - {weights: entropy}\n  - {weights: critic, aggregate: topsis}\n"
                 "params: {year_from: 2015}\n", encoding="utf-8")
    axes, listed, shared = read_grid(f)
    assert shared == {"year_from": 2015}
    grid = members(axes, listed, {}, "provincial")
    assert [m.params for m in grid] == [
        {"weights": "entropy", "lang": "zh"}, {"weights": "entropy", "lang": "en"},
        {"weights": "critic", "aggregate": "topsis", "lang": "zh"}, {"weights": "critic", "aggregate": "topsis", "lang": "en"}]
    assert [m.folder for m in grid][2] == "weights-critic__lang-zh__aggregate-topsis"
    f.write_text("- {focus: 北京}\n- {focus: 北京}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="members 1 and 2 of the sweep are the same"):
        members(*read_grid(f)[:2], {}, "provincial")
    f.write_text("ovr: {lang: [zh]}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"unknown key\(s\) \['ovr'\]"):
        read_grid(f)


def test_folder_names_are_safe_and_short():
    assert folder_name({"panel": "/data/my panel.csv", "focus": "a/b"}, ["panel", "focus"]) == "panel-my_panel__focus-a_b"
    long = folder_name({"x": "y" * 300}, ["x"])
    assert len(long.encode()) <= 80 and re.fullmatch(r"x-y+-[0-9a-f]{12}", long)


def test_a_bad_member_stops_the_sweep_before_anything_runs(run_cli, tmp_path):
    res = run_cli("sweep", "overview", "--over", "focus=北京,火星", "--out", tmp_path / "s")
    assert res.code == 2 and "member 2 (focus=火星)" in res.err and "parameter 'focus' = '火星'" in res.err, res.err
    res = run_cli("sweep", "overview", "--over", "lang=zh,fr", "--out", tmp_path / "s")
    assert res.code == 2 and "member 2 (lang=fr)" in res.err
    res = run_cli("sweep", "overview", "--over", "seed=all", "--out", tmp_path / "s")
    assert res.code == 2 and "'all' works for focus, grouping and parameters with a fixed set of choices" in res.err
    res = run_cli("sweep", "overview", "--out", tmp_path / "s")
    assert res.code == 2 and "--over NAME=VALUE1,VALUE2" in res.err
    assert not (tmp_path / "s").exists()  # nothing was written


# --------------------------------------------------------------------------- on Dask (slow)


def _page(out: Path, member: str, stem: str = "00_overview") -> str:
    return (out / member / f"{stem}.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_three_member_sweep_on_a_local_cluster_shares_its_cache_with_nqp_build(tmp_path):
    built = build(["overview"], overrides={"focus": "北京"}, out=tmp_path / "single", quiet=True)
    assert built.outcomes[0].status == "ok"
    out = tmp_path / "sweep"
    res = sweep(["overview"], over=["focus=北京,上海,广东"], out=out, workers=2, quiet=True)
    statuses = {m.folder: [o.status for o in outs] for m, outs in res.rows}
    assert statuses == {"focus-北京": ["cached"], "focus-上海": ["ok"], "focus-广东": ["ok"]}  # 北京 from nqp build's page
    assert _page(out, "focus-北京") == (tmp_path / "single" / "00_overview.html").read_text(encoding="utf-8")
    for unit in ("上海", "广东"):
        page = _page(out, f"focus-{unit}")
        assert unit in page and page.count("window.vegaEmbed=") == 1 and not CDN.search(page)
        assert (out / f"focus-{unit}" / "index.html").exists() and (out / f"focus-{unit}" / "notebooks" / "00_overview.ipynb").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr>") == 4 and 'href="focus-上海/00_overview.html"' in index
    assert "<th>focus</th>" in index and "getElementById('nqp-filter')" in index and not CDN.search(index)
    # a rerun does nothing (no cluster is even started); nqp build reuses the sweep's pages
    again = sweep(["overview"], over=["focus=北京,上海,广东"], out=out, workers=2, quiet=True)
    assert [o.status for _, outs in again.rows for o in outs] == ["cached"] * 3
    assert build(["overview"], overrides={"focus": "上海"}, out=tmp_path / "b2", quiet=True).outcomes[0].status == "cached"
    # a member whose parameters changed runs again; the others are kept
    changed = sweep(["overview"], over=["focus=北京,上海,广东"], overrides={"lang": "en"}, out=out, workers=2, quiet=True)
    assert [o.status for _, outs in changed.rows for o in outs] == ["ok"] * 3
    assert '<html lang="en">' in _page(out, "focus-北京")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_the_same_sweep_on_a_scheduler_and_two_workers_started_apart(tmp_path):
    dask = str(Path(sys.executable).with_name("dask"))
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              stdout=(logs / "scheduler.txt").open("w"), stderr=subprocess.STDOUT, cwd=tmp_path)]
    try:
        for i in range(2):
            procs.append(subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard",
                                           "--name", f"w{i}", "--local-directory", str(tmp_path / f"w{i}")],
                                          stdout=(logs / f"worker{i}.txt").open("w"), stderr=subprocess.STDOUT, cwd=tmp_path))
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        out = tmp_path / "sweep"
        res = sweep(["overview"], over=["focus=北京,上海,广东"], out=out, scheduler=address, quiet=True)
        assert [o.status for _, outs in res.rows for o in outs] == ["ok"] * 3, [o.error for _, o in res.failed]
        for unit in ("北京", "上海", "广东"):
            assert unit in _page(out, f"focus-{unit}")
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    assert all(p.poll() is not None for p in procs)


def _failing_notebooks(d: Path) -> Path:
    nb = json.loads((ROOT / "notebooks" / "00_overview.ipynb").read_text(encoding="utf-8"))
    nb["cells"].insert(4, {"cell_type": "code", "id": "boom", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": "if focus == '上海':\n    raise ValueError('deliberate failure for 上海')"})
    d.mkdir()
    (d / "00_overview.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return d


@pytest.mark.slow
def test_a_failing_member_gets_its_error_page_and_the_others_are_intact(tmp_path, monkeypatch, run_cli):
    monkeypatch.setenv("NQP_NOTEBOOKS", str(_failing_notebooks(tmp_path / "nbs")))
    out = tmp_path / "sweep"
    res = run_cli("sweep", "--over", "focus=北京,上海", "--workers", "2", "--out", out, "--quiet")
    assert res.code == 1, res.err
    assert "focus-上海/00_overview: failed — ValueError: deliberate failure for 上海" in res.out
    assert "北京" in _page(out, "focus-北京") and not (out / "focus-上海" / "00_overview.html").exists()
    error = (out / "focus-上海" / "00_overview.error.html").read_text(encoding="utf-8")
    assert "ValueError: deliberate failure for 上海" in error
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="focus-上海/00_overview.error.html"' in index and "nqp-status-failed" in index


@pytest.mark.slow
def test_an_interrupted_sweep_resumes(tmp_path):
    out = tmp_path / "sweep"
    cmd = [sys.executable, "-m", "nqp_lib.cli", "sweep", "overview", "--over", "focus=北京,上海,广东,浙江",
           "--workers", "1", "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not list(out.glob("focus-*/00_overview.html")):  # one member is published
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep, its cluster and its kernels, as closing a terminal would
        proc.wait(timeout=30)
    done_before = {p.parent.name for p in out.glob("focus-*/00_overview.html")}
    res = sweep(["overview"], over=["focus=北京,上海,广东,浙江"], out=out, workers=2, quiet=True)
    statuses = {m.folder: outs[0].status for m, outs in res.rows}
    assert {f for f, s in statuses.items() if s == "cached"} >= done_before and not res.failed
    assert set(statuses.values()) <= {"ok", "cached"} and list(statuses.values()).count("ok") >= 1
    assert not list(out.rglob(".staging-*")) and len(list(out.glob("focus-*/00_overview.html"))) == 4
    shutil.rmtree(out)


@pytest.mark.browser
def test_the_sweep_index_sorts_and_filters_offline(tmp_path):
    from playwright.sync_api import sync_playwright

    from nqp_lib.report.build.jobs import Outcome
    from nqp_lib.report.sections import select_sections
    from nqp_lib.report.sweep.index import sweep_index

    evil = "<script>alert(1)</script>"
    grid = members({"focus": ["北京", "上海", evil], "seed": ["3", "12"]}, [], {}, "provincial")
    rows = [(m, [Outcome("00_overview", "failed" if m.params["focus"] == "上海" else "ok")]) for m in grid]
    page_file = tmp_path / "index.html"
    page_file.write_text(sweep_index(rows, ["focus", "seed"], select_sections(["overview"]), "en", "t"), encoding="utf-8")
    assert evil not in page_file.read_text(encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        external = []
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                   else (external.append(r.request.url), r.abort()))
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_file.as_uri())

        def shown(col: int) -> list[str]:
            return page.eval_on_selector_all(
                "#nqp-sweep tbody tr", f"rs => rs.filter(r => r.style.display !== 'none').map(r => r.cells[{col}].textContent)")

        assert shown(2) == ["3", "12", "3", "12", "3", "12"]
        page.click("#nqp-sweep thead th:nth-child(3)")  # seed, as numbers: 3 before 12
        assert shown(2) == ["3", "3", "3", "12", "12", "12"]
        page.click("#nqp-sweep thead th:nth-child(3)")
        assert shown(2) == ["12", "12", "12", "3", "3", "3"]
        page.fill("#nqp-filter", "上海 12")  # every word must match
        assert shown(1) == ["上海"] and page.text_content("#nqp-shown") == "1"
        page.fill("#nqp-filter", "failed")
        assert shown(1) == ["上海", "上海"]
        browser.close()
    assert not external and not errors
