"""requirements.lock (pip) and environment.yml (conda) pin the same packages at the same versions."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[_norm(name)] = version
    return pins


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_environment_yml_matches_lock():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda_pins = {_norm(p.split("==")[0]): p.split("==")[1] for p in pip_section}
    assert conda_pins == _lock()


def test_every_declared_dependency_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    lock = _lock()
    missing = [d for d in declared if _norm(re.split(r"[<>=\[ ]", d)[0]) not in lock]
    assert not missing, f"declared but not pinned: {missing}"
    for must in ("jupyterlab", "ipywidgets", "pandas", "altair", "papermill", "nbval", "nbconvert",
                 "vl-convert-python", "scipy", "pyyaml", "pytest"):
        assert must in lock, must


def test_installed_versions_match_the_lock():
    lock = _lock()
    for name in ("pandas", "altair", "papermill", "nbconvert", "numpy", "scipy"):
        assert metadata.version(name) == lock[name], name
