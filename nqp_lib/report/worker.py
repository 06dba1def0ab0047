"""Execute section notebooks with papermill and render them; runs in its own process.

``python -m nqp_lib.report.worker`` reads job files from stdin, one path per line, until stdin closes. Each
job (notebook, parameters, staging paths, navigation, language, build time) is executed with papermill
through the ``nqp`` engine — which reports each cell as it starts — in a fresh kernel, and the executed
notebook and the HTML page are written into the staging directory. Events go to stdout, one JSON object per
line, each naming its section: ``{"event": "cell", "stem": s, "index": i, "total": n}``, then
``{"event": "done", …}`` or ``{"event": "failed", "error": …}``. A worker takes several sections in turn,
so Python start-up and the papermill/nbconvert imports are paid once per worker, not once per section;
every section still gets its own kernel. ``python -m nqp_lib.report.worker JOB.json`` runs one job.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


_CURRENT = {"stem": None}


def emit(**event: Any) -> None:
    event.setdefault("stem", _CURRENT["stem"])
    sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _register_engine() -> str:
    from papermill.engines import NBClientEngine, papermill_engines

    if "nqp" in papermill_engines._engines:
        return "nqp"

    class ProgressEngine(NBClientEngine):
        """papermill's nbclient engine, announcing each cell on stdout."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            total = len([c for c in nb_man.nb.cells if c.cell_type == "code"])
            original = nb_man.cell_start
            counter = {"n": 0}

            def cell_start(cell, cell_index=None, **kw):
                if cell.cell_type == "code":
                    counter["n"] += 1
                    emit(event="cell", index=counter["n"], total=total)
                return original(cell, cell_index, **kw)

            nb_man.cell_start = cell_start
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register("nqp", ProgressEngine)
    return "nqp"


def error_summary(nb_path: Path, exc: BaseException) -> dict[str, Any]:
    """Name, message, failing cell and traceback of a failed run, from the partially executed notebook."""
    summary: dict[str, Any] = {"error": f"{type(exc).__name__}: {exc}".splitlines()[0][:500], "cell": None,
                               "source": "", "traceback": ""}
    try:
        import nbformat

        nb = nbformat.read(nb_path, as_version=4)
        for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    summary.update(
                        error=f"{out.get('ename')}: {out.get('evalue')}"[:2000],
                        cell=i + 1,
                        source=cell.source,
                        traceback=ANSI.sub("", "\n".join(out.get("traceback", [])))[-8000:],
                    )
                    return summary
    except Exception:
        pass
    summary["traceback"] = ANSI.sub("", "".join(traceback.format_exception(exc)))[-8000:]
    return summary


def run(job: dict[str, Any]) -> int:
    _CURRENT["stem"] = job["stem"]
    os.environ["NQP_STATIC"] = "1"
    os.environ.setdefault("PYTHONHASHSEED", "0")
    import nbformat
    import papermill

    from nqp_lib.report.html import render_notebook

    staging = Path(job["staging"])
    out_nb = staging / f"{job['stem']}.ipynb"
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            job["notebook"],
            str(out_nb),
            parameters=job["parameters"],
            engine_name=_register_engine(),
            kernel_name=job.get("kernel", "python3"),
            progress_bar=False,
            cwd=job.get("cwd"),
            execution_timeout=job.get("timeout", 900),
        )
    except Exception as exc:  # papermill wraps the notebook's error; report it, don't crash
        emit(event="failed", seconds=round(time.perf_counter() - start, 2), **error_summary(out_nb, exc))
        return 1
    executed = time.perf_counter() - start
    try:
        nb = nbformat.read(out_nb, as_version=4)
        for cell in nb.cells:  # papermill gives its injected cell a random id; fix it so builds are reproducible
            if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                cell["id"] = "injected-parameters"
        nbformat.write(nb, out_nb)
        page, prov = render_notebook(nb, title=job["title"], lang=job["lang"], nav=job["nav"], build_time=job["build_time"])
        (staging / f"{job['stem']}.html").write_text(page, encoding="utf-8")
    except Exception as exc:
        emit(event="failed", seconds=round(time.perf_counter() - start, 2), error=f"rendering HTML: {type(exc).__name__}: {exc}",
             cell=None, source="", traceback=ANSI.sub("", traceback.format_exc())[-8000:])
        return 1
    emit(event="done", seconds=round(time.perf_counter() - start, 2), executed=round(executed, 2),
         bytes=(staging / f"{job['stem']}.html").stat().st_size, resources=prov.get("resources", []))
    return 0


def main() -> int:
    if len(sys.argv) > 1:
        return run(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
    status = 0
    for line in sys.stdin:
        if line.strip():
            status |= run(json.loads(Path(line.strip()).read_text(encoding="utf-8")))
    return status


if __name__ == "__main__":
    sys.exit(main())
