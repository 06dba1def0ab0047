"""Shared fixtures: the data root, the shipped panel, and a CLI runner that never lets a traceback through."""

from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from nqp_lib import cli
from nqp_lib.data import data_root, provincial_panel

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture(scope="session", autouse=True)
def _session_page_cache(tmp_path_factory):
    """Builds in the tests never touch the user's page cache (~/.cache/nqp)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NQP_CACHE_DIR", str(tmp_path_factory.mktemp("page-cache")))
        yield


@pytest.fixture(autouse=True)
def _page_cache(tmp_path, monkeypatch):
    """Each test starts with an empty shared page cache (tests that share one say so)."""
    monkeypatch.setenv("NQP_CACHE_DIR", str(tmp_path / "page-cache"))


@pytest.fixture
def run_cli(capsys):
    """Run ``nqp ARGS`` in-process; return exit code, stdout and stderr."""

    def run(*args: str) -> CliResult:
        try:
            code = cli.main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err, captured.err
        return CliResult(code, captured.out, captured.err)

    return run


def run_nqp_subprocess(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """Run the installed console script in a fresh process."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("nqp")), *map(str, args)], capture_output=True, text=True, **kwargs
    )


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return data_root()


@pytest.fixture(scope="session")
def panel():
    return provincial_panel()


def raw_csv_rows(path: Path) -> list[dict[str, str]]:
    """Read a CSV with the csv module only — an oracle independent of pandas and the loader."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Every section built once into a temporary folder (shared by the build and browser tests)."""
    from nqp_lib.report.build import build

    out = tmp_path_factory.mktemp("reports")
    result = build(out=out, jobs=2, quiet=True)
    assert not result.failed, [o.error for o in result.failed]
    return result


def strip_build_time(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "nqp-build-time" not in line)


#: Debian chromium's flags for the browser tests (headless, offline, no first-run chatter).
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium driven by playwright (its own browser download does not work here)."""
    import shutil

    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium")
    assert exe, "Debian package chromium is missing: run `make test`, which installs it"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
        yield b
        b.close()
