"""``nqp serve``: JupyterLab on the notebooks, stopped together with its kernels on SIGTERM or SIGINT."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow
TOKEN = "nqp-serve-test-token"


def _cmd(p: psutil.Process) -> str:
    try:
        return " ".join(p.cmdline())
    except psutil.Error:  # ended meanwhile
        return ""

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(port: int, path: str, method: str = "GET") -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=b"{}" if method == "POST" else None,
                                 headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_nqp_serve_stops_jupyterlab_and_its_kernels(tmp_path, sig):
    port = _free_port()
    env = {**os.environ, "JUPYTER_TOKEN": TOKEN, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("nqp")), "serve", "--no-browser", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 90
        while True:  # JupyterLab answers once it is up
            try:
                _api(port, "/api/status")
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.5)
        kernel = _api(port, "/api/kernels", "POST")
        family = []
        while not any("ipykernel" in _cmd(p) for p in family):
            assert time.monotonic() < deadline, "the kernel never started"
            time.sleep(0.3)
            family = psutil.Process(proc.pid).children(recursive=True)
        assert kernel["id"] and len(family) >= 2  # JupyterLab and the kernel (in a session of its own)
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == 128 + sig
        gone, alive = psutil.wait_procs(family, timeout=20)
        assert not alive, [p.cmdline() for p in alive]
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    out = (tmp_path / "serve.log").read_text()
    # the command it ran: JupyterLab on the project's notebooks, on the port asked for, no browser
    live = next(line for line in out.splitlines() if line.startswith("Live mode: "))
    cmd = live.split()
    assert cmd[3] == "lab" and f"--port={port}" in cmd and "--no-browser" in cmd
    assert f"--notebook-dir={ROOT / 'notebooks'}" in cmd
    assert "stopped JupyterLab and its kernels" in out
