"""The example figures in docs/disparity.md and docs/measure.md are those of a fresh run of this commit.

Three kinds of checked text in those pages:

* a **transcript**: the fenced block right after ``<!-- transcript -->``. Lines starting with ``$ nqp`` are
  commands (a trailing ``\\`` continues one), the other lines their output. The commands run in one empty
  folder per page, in order, and their output (stdout and stderr) must equal the block's, word for word
  (line breaks are free, so long lines may be wrapped).
* a **generated table**: the markdown table right after ``<!-- table: NAME -->``, rebuilt by ``TABLES[NAME]``.
* an **inline figure**: a number written just before ``<!--v:KEY-->``; ``FIGURES[KEY]`` formats the fresh
  value, and the page must show exactly that. Every key of a page must be used, and no other.

When a figure changes for a good reason, the failure message shows the new text to paste.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from disparity_fixtures import SHARED_PANEL, contiguity_from_shared
from nqp_lib import cli

ROOT = Path(__file__).resolve().parents[1]
PAGES = {"disparity": ROOT / "docs" / "disparity.md", "measure": ROOT / "docs" / "measure.md"}
FIGURE = re.compile(r"([−\-+]?\d[\d.,]*%?)<!--v:(\w+)-->")

pytestmark = pytest.mark.slow


def transcripts(text: str) -> list[tuple[list[str], str]]:
    """(commands, expected output) of each transcript block, in page order."""
    blocks = []
    for body in re.findall(r"<!-- transcript -->\n```\n(.*?)```", text, flags=re.S):
        commands, output, pending = [], [], ""
        for line in body.splitlines():
            if pending or line.startswith("$ nqp "):
                pending += line.removeprefix("$ ").rstrip("\\").strip() + " "
                if not line.endswith("\\"):
                    commands.append(pending.strip())
                    output.append(None)
                    pending = ""
            else:
                output.append(line)
        blocks.append((commands, output))
    return blocks


def run_transcript(commands: list[str], expected: list, folder: Path, monkeypatch) -> None:
    monkeypatch.chdir(folder)
    shown, wanted = [], []
    for command, (index, chunk) in zip(commands, _chunks(expected)):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            cli.main(shlex.split(command)[1:])
        shown.append(f"$ {command}\n{buffer.getvalue()}")
        wanted.append(f"$ {command}\n" + "\n".join(chunk))
    assert " ".join(shown).split() == " ".join(wanted).split(), "fresh output:\n" + "".join(shown)


def _chunks(lines: list) -> list[tuple[int, list[str]]]:
    """Split the block's lines after each command marker (None) into that command's output lines."""
    chunks, current = [], None
    for k, line in enumerate(lines):
        if line is None:
            current = []
            chunks.append((k, current))
        else:
            current.append(line)
    return chunks


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Run every page's transcripts once (module scope); return each page's working folder."""
    monkeypatch = pytest.MonkeyPatch()
    folders = {}
    try:
        for page, path in PAGES.items():
            folder = tmp_path_factory.mktemp(page)
            for commands, expected in transcripts(path.read_text(encoding="utf-8")):
                run_transcript(commands, expected, folder, monkeypatch)
            folders[page] = folder
    finally:
        monkeypatch.undo()
    return folders


# --- values --------------------------------------------------------------------------------------------------


def _minus(text: str) -> str:
    return text.replace("-", "−")


def _pct(v: float, digits: int = 0) -> str:
    return f"{100 * v:.{digits}f}%"


def _disparity(folder: Path) -> dict[str, pd.DataFrame]:
    out = folder / "out" / "disparity"
    return {p.stem: pd.read_csv(p) for p in out.glob("*.csv")}


def _rd_figures() -> dict[str, str]:
    """R&D intensity from the merged panel through the suite (the same entries and defaults as the CLI)."""
    from nqp_lib.data.regions import load_regions
    from nqp_lib.disparity import spatial_weights, suite

    panel = pd.read_csv(SHARED_PANEL)
    groups = panel["province"].map(load_regions().set_index("name_zh")["region4"])
    data = suite.SuiteData(panel["stc_rd_intensity_pct"], panel["province"], panel["year"], groups=groups,
                           weights=spatial_weights(contiguity_from_shared()))
    gini = suite.run("inequality", data).tables["gini"].set_index("period")["gini"]
    dagum = suite.run("dagum", data).tables["dagum"].set_index("period").loc[2023]
    moran = suite.run("moran", data, local=False).tables["moran"].set_index("period").loc[2023]
    return {
        "rd_gini_2011": f"{gini[2011]:.3f}", "rd_gini_2023": f"{gini[2023]:.3f}",
        "rd_within_2023": _pct(dagum["share_w"], 1), "rd_between_2023": _pct(dagum["share_nb"], 1),
        "rd_trans_2023": _pct(dagum["share_t"], 1), "rd_moran_2023": f"{moran['I']:.3f}",
        "rd_moran_p_2023": f"{moran['p_sim']:.3f}",
    }


def disparity_figures(folder: Path) -> dict[str, str]:
    t = _disparity(folder)
    pairs = t["dagum_pairs"][t["dagum_pairs"]["period"] == 2023].set_index("pair")
    theil = t["theil"][t["theil"]["index"] == "T"].set_index("period")
    sigma = t["sigma"].set_index("period")
    beta = t["convergence"].set_index("model")
    moran = t["moran"].set_index("period")
    low = moran["I"].idxmin()
    worst = moran["p_norm"].idxmax()
    markov = t["markov"][t["markov"]["chain"] == "classic"].set_index(["basis", "from_class", "to_class"])
    steady = t["markov_steady"].query("chain == 'classic' and basis == 'relative'")["probability"].tolist()
    passage = t["markov_passage"].query("chain == 'classic' and basis == 'relative'").set_index(
        ["from_class", "to_class"])["mean_first_passage"]
    tests = t["markov_tests"].query("chain == 'classic' and basis == 'relative'").set_index("test")
    kde = t["kde_summary"].set_index("period")
    return {
        "ew_share": _pct(pairs.at["East–West", "share"]), "ew_g": f"{pairs.at['East–West', 'gini']:.3f}",
        "ew_d": f"{pairs.at['East–West', 'D_jh']:.2f}", "ee_share": _pct(pairs.at["East", "share"]),
        "ee_g": f"{pairs.at['East', 'gini']:.3f}",
        "theil_2011": f"{theil.at[2011, 'total']:.3f}", "theil_2023": f"{theil.at[2023, 'total']:.3f}",
        "theil_between_2011": _pct(theil.at[2011, "between_share"]),
        "theil_between_2023": _pct(theil.at[2023, "between_share"]),
        "cv_2011": f"{sigma.at[2011, 'cv']:.3f}", "cv_2023": f"{sigma.at[2023, 'cv']:.3f}",
        "beta_abs": _minus(f"{beta.at['absolute', 'beta']:.4f}"), "speed_abs": _pct(beta.at["absolute", "speed"], 1),
        "half_abs": f"{beta.at['absolute', 'half_life']:.1f}",
        "beta_cond": _minus(f"{beta.at['conditional', 'beta']:.3f}"),
        "half_cond": f"{beta.at['conditional', 'half_life']:.1f}",
        "moran_2011": f"{moran.at[2011, 'I']:.3f}", "moran_min": f"{moran.at[low, 'I']:.3f}",
        "moran_min_year": str(low), "moran_2023": f"{moran.at[2023, 'I']:.3f}",
        "p_min": f"{moran['p_sim'].min():.3f}", "p_max": f"{moran['p_sim'].max():.3f}",
        "z_rand_2023": f"{moran.at[2023, 'z_rand']:.2f}", "p_rand_2023": f"{moran.at[2023, 'p_rand']:.4f}",
        "z_norm_2023": f"{moran.at[2023, 'z_norm']:.2f}", "p_norm_2023": f"{moran.at[2023, 'p_norm']:.3f}",
        "p_norm_max": f"{moran.at[worst, 'p_norm']:.3f}", "p_norm_max_year": str(worst),
        "abs_top_stay": _pct(markov.at[("absolute", 4, 4), "probability"]),
        "rel_top_stay": _pct(markov.at[("relative", 4, 4), "probability"], 1),
        "rel_bottom_stay": _pct(markov.at[("relative", 1, 1), "probability"], 1),
        **{f"rel_pi{k + 1}": f"{v:.3f}" for k, v in enumerate(steady)},
        "rel_mfpt_14": f"{passage[(1, 4)]:.1f}",
        "rel_regimes_lr": f"{tests.at['regimes', 'LR']:.1f}", "rel_regimes_dof": str(tests.at["regimes", "dof"]),
        "rel_regimes_p": f"{tests.at['regimes', 'p_LR']:.5f}", "rel_time_p": f"{tests.at['time', 'p_LR']:.3f}",
        "kde_peaks_2011": str(kde.at[2011, "n_peaks"]), "kde_h_2011": f"{kde.at[2011, 'bandwidth']:.4f}",
        "kde_peaks_2023": str(kde.at[2023, "n_peaks"]), "kde_h_2023": f"{kde.at[2023, 'bandwidth']:.4f}",
        **_rd_figures(),
    }


def measure_figures(folder: Path) -> dict[str, str]:
    ranks = pd.read_csv(folder / "out" / "unc" / "ranks.csv")
    shaanxi = ranks[(ranks["unit"] == "陕西") & (ranks["year"] == 2023)].iloc[0]
    first = pd.read_csv(folder / "out" / "unc" / "sensitivity.csv").set_index("factor")["first_order"]
    return {
        "shaanxi_rank": str(shaanxi["nominal_rank"]), "shaanxi_median": f"{shaanxi['median_rank']:g}",
        "shaanxi_p05": f"{shaanxi['p05']:g}", "shaanxi_p95": f"{shaanxi['p95']:g}",
        **{f"first_{factor}": f"{value:.3f}" for factor, value in first.items()},
    }


def dagum_table(folder: Path) -> str:
    d = _disparity(folder)["dagum"].set_index("period")
    lines = ["| year | G | G_w | G_nb | G_t | within | net between | transvariation | order by mean |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|:--|"]
    for year in (2011, 2017, 2023):
        r = d.loc[year]
        lines.append(f"| {year} | {r['G']:.4f} | {r['G_w']:.4f} | {r['G_nb']:.4f} | {r['G_t']:.4f} | "
                     f"{_pct(r['share_w'], 1)} | {_pct(r['share_nb'], 1)} | {_pct(r['share_t'], 1)} | "
                     f"{r['group_order']} |")
    return "\n".join(lines)


FIGURES: dict[str, Callable[[Path], dict[str, str]]] = {"disparity": disparity_figures, "measure": measure_figures}
TABLES: dict[str, dict[str, Callable[[Path], str]]] = {"disparity": {"dagum": dagum_table}, "measure": {}}


# --- tests ---------------------------------------------------------------------------------------------------


def test_transcript_parser():
    text = "<!-- transcript -->\n```\n$ nqp a b \\\n    c\nout 1\nout 2\n$ nqp d\n```\n"
    [(commands, lines)] = transcripts(text)
    assert commands == ["nqp a b c", "nqp d"]
    assert _chunks(lines) == [(0, ["out 1", "out 2"]), (3, [])]
    assert FIGURE.findall("β = −0.0196<!--v:beta--> and 38%<!--v:share--> (p = 0.001<!--v:p-->)") == [
        ("−0.0196", "beta"), ("38%", "share"), ("0.001", "p")]


@pytest.mark.parametrize("page", list(PAGES))
def test_pages_have_transcripts(page):
    assert transcripts(PAGES[page].read_text(encoding="utf-8")), f"{page}: no transcript block"


@pytest.mark.parametrize("page", list(PAGES))
def test_inline_figures_match_a_fresh_run(page, runs):
    text = PAGES[page].read_text(encoding="utf-8")
    fresh = FIGURES[page](runs[page])
    shown = FIGURE.findall(text)
    keys = [key for _, key in shown]
    assert sorted(set(keys)) == sorted(fresh), "keys on the page and in FIGURES differ"
    wrong = [f"{value}<!--v:{key}--> should be {fresh[key]}<!--v:{key}-->" for value, key in shown
             if value != fresh[key]]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("page", list(PAGES))
def test_generated_tables_match_a_fresh_run(page, runs):
    text = PAGES[page].read_text(encoding="utf-8")
    names = re.findall(r"<!-- table: (\w+) -->", text)
    assert sorted(names) == sorted(TABLES[page])
    for name in names:
        block = re.search(rf"<!-- table: {name} -->\n((?:\|.*\n)+)", text).group(1).strip()
        fresh = TABLES[page][name](runs[page])
        assert block == fresh, f"table {name}: fresh run gives\n{fresh}"


def test_disparity_page_statements_hold(runs):
    t = _disparity(runs["disparity"])
    # "the relative chain has a steady state" and "the absolute one is (0, 0, 0, 1)"
    steady = t["markov_steady"].query("chain == 'classic'")
    relative = steady[steady["basis"] == "relative"]["probability"]
    assert np.isfinite(relative).all() and relative.sum() == pytest.approx(1.0)
    assert steady[steady["basis"] == "absolute"]["probability"].tolist() == pytest.approx([0, 0, 0, 1])
    # "Moran's I stays positive in every year"; "the normality p is the largest of the three in every year"
    moran = t["moran"]
    assert (moran["I"] > 0).all()
    assert (moran["p_norm"] >= moran[["p_sim", "p_rand"]].max(axis=1)).all()
