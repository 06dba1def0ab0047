"""The README's "Adding a section", followed literally in a copy of the project: a throwaway section made of
a notebook, a views module and its prose in two languages is picked up by `nqp notebooks --write`, passes the
notebook tests (which discover sections) and builds with its own prose and views."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT
from nqp_lib.data.package import data_root

pytestmark = pytest.mark.slow

VIEWS = '''\
"""Views of the extra section (a test's throwaway section)."""

from __future__ import annotations

from nqp_lib import charts
from nqp_lib.report.views.common import index_text


def leader(ctx) -> str:
    """The name of the unit ranked first in the last year."""
    s = ctx.scores
    last = s[s["year"] == s["year"].max()]
    return ctx.name_of(last.sort_values("rank")["unit"].iat[0])


def national_trend(ctx):
    means = ctx.scores.groupby("year", as_index=False)["score"].mean().assign(series=ctx.t("score"))
    return charts.lines(means, "year", "score", "series", key="extra", lang=ctx.lang,
                        text=index_text(ctx, ctx.t("nqpf_index")))
'''

PROSE = {
    "zh": """\
        <!-- block: nav -->
        五、附加章节

        <!-- block: description -->
        测试用的临时章节

        <!-- block: abstract -->
        这一节只用于测试：它说明新增一个章节需要哪些文件。

        <!-- block: title -->
        # 附加章节

        <!-- block: finding -->
        {{ year_to }}年排名第一的是{{ leader }}（赋权方法 **{{ weights }}**）。
        """,
    "en": """\
        <!-- block: nav -->
        5. Extra

        <!-- block: description -->
        A throwaway section for a test

        <!-- block: abstract -->
        This section exists only for a test: it shows which files a new section needs.

        <!-- block: title -->
        # An extra section

        <!-- block: finding -->
        First in {{ year_to }}: {{ leader }} (weights **{{ weights }}**).
        """,
}

CELLS = [
    'from nqp_lib.report import setup\nfrom nqp_lib.report.views import extra\n\nctx = setup("extra", globals())',
    'ctx.say("title")\nctx.say("finding", leader=extra.leader(ctx))\nctx.show(extra.national_trend(ctx))',
    "ctx.finish()",
]


def _copy_project(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.splitlines()
    for name in files:
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def _notebook(path: Path) -> None:
    def code(i, src, tags=None):
        return {"cell_type": "code", "execution_count": None, "id": f"extra-{i}", "metadata": {"tags": tags} if tags else {},
                "outputs": [], "source": src}

    nb = {"cells": [code(0, "", ["parameters"]), *(code(i + 1, src) for i, src in enumerate(CELLS))],
          "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb), encoding="utf-8")


def test_adding_a_section_takes_a_notebook_a_views_module_and_prose(tmp_path):
    project = _copy_project(tmp_path / "project")
    # 1. the prose, 2. the views, 3. the notebook — then generate its abstract, parameters cell and title
    for lang, text in PROSE.items():
        (project / "nqp_lib" / "text" / lang / "extra.md").write_text(textwrap.dedent(text), encoding="utf-8")
    (project / "nqp_lib" / "report" / "views" / "extra.py").write_text(VIEWS, encoding="utf-8")
    _notebook(project / "notebooks" / "05_extra.ipynb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NQP_")}
    env.update(PYTHONPATH=str(project), NQP_DATA_ROOT=str(data_root()))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], cwd=project, env=env, capture_output=True, text=True, timeout=600)

    res = run("-m", "nqp_lib.cli", "notebooks")
    assert res.returncode == 1 and "05_extra.ipynb: the first cell is not the generated abstract" in res.stdout
    res = run("-m", "nqp_lib.cli", "notebooks", "--write", "extra")
    assert res.returncode == 0 and "05_extra.ipynb: rewritten" in res.stdout, res.stdout + res.stderr
    nb = json.loads((project / "notebooks" / "05_extra.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["nqp"]["title"] == {"zh": "五、附加章节", "en": "5. Extra"}
    assert "这一节只用于测试" in "".join(nb["cells"][0]["source"])

    # the notebook tests discover the new section and pass on it (run on the copy, which is what they import)
    res = run("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_notebooks.py", "-k", "extra or discovered")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "05_extra" in subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                                         "tests/test_notebooks.py"], cwd=project, env=env, capture_output=True,
                                        text=True).stdout

    # nqp build picks it up and the index links it (English here; the notebook tests covered both languages' prose)
    out = project / "out"
    res = run("-m", "nqp_lib.cli", "build", "extra", "--lang", "en", "-p", "weights", "critic", "--out", str(out), "--quiet")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    page = (out / "05_extra.html").read_text(encoding="utf-8")
    assert "First in 2023: " in page and "(weights <strong>critic</strong>)" in page and 'class="nqp-chart' in page
    assert "This section exists only for a test" not in page  # the two-language abstract stays in the notebook
    assert 'href="05_extra.html"' in (out / "index.html").read_text(encoding="utf-8")
