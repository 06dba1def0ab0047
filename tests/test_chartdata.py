"""Chart data that scale (nqp_lib.chartdata) and the synthetic county panel (nqp_lib.data.synthetic)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nqp_lib import chartdata
from nqp_lib.chartdata import binned, binned_2d, quantile_bands, summarised_note, top_bottom_focus
from nqp_lib.data.synthetic import county_panel, grid_edges, grid_shape


def panel(units: int, years=(2020, 2021)) -> pd.DataFrame:
    """Unit uK has value K in 2020 and −K in 2021 (so the order flips)."""
    rows = [{"unit": f"u{k:03d}", "year": y, "value": float(k if y == 2020 else -k)} for y in years for k in range(units)]
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------- top / bottom


def test_small_panels_are_not_summarised():
    data = top_bottom_focus(panel(31), "value", n=10, focus="u005")
    assert data.form == "all" and not data.summarised and len(data.frame) == 62
    assert summarised_note(data, "en", "provinces") is None


def test_top_bottom_per_year_with_focus():
    # 100 units, n = 3: in 2020 the top are u099, u098, u097 (values 99, 98, 97) and the bottom u002, u001,
    # u000; in 2021 values are negated, so the top are u000, u001, u002. Focus u050 is kept in both years.
    data = top_bottom_focus(panel(100), "value", n=3, focus="u050")
    assert data.summarised and data.units == 100 and data.n == 3 and data.focus == "u050"
    f = data.frame
    y20 = f[f["year"] == 2020]
    assert list(y20["unit"]) == ["u099", "u098", "u097", "u050", "u002", "u001", "u000"]
    assert list(y20["shown_as"]) == ["top"] * 3 + ["focus"] + ["bottom"] * 3
    # place: 1-based by descending value; u050 is 50th (99 … 50 → 50 places), u000 100th
    assert list(y20["place"]) == [1, 2, 3, 50, 98, 99, 100]
    y21 = f[f["year"] == 2021]
    assert list(y21["unit"][:3]) == ["u000", "u001", "u002"]
    assert len(f) == 2 * 7


def test_focus_inside_top_is_not_duplicated():
    data = top_bottom_focus(panel(100), "value", n=3, focus="u099")
    y20 = data.frame[data.frame["year"] == 2020]
    assert len(y20) == 6 and y20.loc[y20["unit"] == "u099", "shown_as"].item() == "top"


def test_top_bottom_fixed_year_keeps_whole_series():
    data = top_bottom_focus(panel(100), "value", n=2, focus="u010", year=2020)
    f = data.frame
    # chosen in 2020: u099, u098 (top), u001, u000 (bottom), u010 (focus) — each with both years
    assert sorted(f["unit"].unique()) == ["u000", "u001", "u010", "u098", "u099"]
    assert len(f) == 10
    assert f.loc[(f["unit"] == "u099") & (f["year"] == 2021), "shown_as"].item() == "top"
    assert f.loc[(f["unit"] == "u099") & (f["year"] == 2021), "value"].item() == -99


def test_missing_values_are_never_chosen():
    p = panel(100)
    p.loc[(p["unit"] == "u099") & (p["year"] == 2020), "value"] = np.nan
    f = top_bottom_focus(p, "value", n=1).frame
    assert f[f["year"] == 2020]["unit"].tolist() == ["u098", "u000"]


def test_unknown_focus_is_ignored():
    data = top_bottom_focus(panel(100), "value", n=1, focus="nowhere")
    assert data.focus is None and set(data.frame["shown_as"]) == {"top", "bottom"}


# ----------------------------------------------------------------------------------------- quantiles and bins


def test_quantile_bands_by_hand():
    # one year of values 1..5: type-7 quantiles at position q·(n−1) = q·4 → p10 = 1.4, p50 = 3, p90 = 4.6
    f = pd.DataFrame({"unit": list("abcde"), "year": 2020, "value": [5.0, 1.0, 3.0, 2.0, 4.0]})
    out = quantile_bands(f, "value").frame
    assert list(out.columns) == ["year", "p10", "p50", "p90", "mean", "n"]
    assert out.iloc[0][["p10", "p50", "p90", "mean", "n"]].tolist() == pytest.approx([1.4, 3.0, 4.6, 3.0, 5])


def test_quantile_bands_against_numpy_by_group():
    rng = np.random.default_rng(1)
    f = pd.DataFrame({"unit": np.arange(400) % 200, "year": np.repeat([1, 2], 200), "group": np.tile(["a", "b"], 200),
                      "value": rng.normal(size=400)})
    out = quantile_bands(f, "value", by=["year", "group"], quantiles=(0.25, 0.975)).frame
    row = out[(out["year"] == 2) & (out["group"] == "b")].iloc[0]
    vals = f[(f["year"] == 2) & (f["group"] == "b")]["value"].to_numpy()
    assert row["p25"] == pytest.approx(np.quantile(vals, 0.25)) and row["p97.5"] == pytest.approx(np.quantile(vals, 0.975))
    assert row["n"] == 100


def test_binned_by_hand():
    # values 0..4 in 2 bins over [0, 4]: [0, 2) holds 0 and 1, [2, 4] holds 2, 3, 4
    f = pd.DataFrame({"unit": list("abcde"), "year": 2020, "value": [0.0, 1.0, 2.0, 3.0, 4.0]})
    out = binned(f, "value", bins=2).frame
    assert out["count"].tolist() == [2, 3]
    assert out["bin_start"].tolist() == [0.0, 2.0] and out["bin_end"].tolist() == [2.0, 4.0]
    assert out["share"].tolist() == pytest.approx([0.4, 0.6])


def test_binned_shares_common_edges_and_keeps_empty_bins():
    # 2020 holds 0..99, 2021 holds −99..0: over [−99, 99] in 4 bins, 2020 fills only the upper two
    out = binned(panel(100), "value", bins=4).frame
    assert len(out) == 8
    assert out.groupby("year")["count"].sum().tolist() == [100, 100]
    y20 = out[out["year"] == 2020]["count"].tolist()
    assert y20[:2] == [0, 0] and sum(y20) == 100
    counts, _ = np.histogram(np.arange(100.0), bins=np.linspace(-99, 99, 5))
    assert y20 == counts.tolist()


def test_binned_2d_counts_every_row_once():
    rng = np.random.default_rng(0)
    f = pd.DataFrame({"unit": range(1000), "x": rng.normal(size=1000), "y": rng.normal(size=1000)})
    out = binned_2d(f, "x", "y", bins=(5, 4)).frame
    assert out["count"].sum() == 1000 and len(out) <= 20
    counts, _, _ = np.histogram2d(f["x"], f["y"], bins=[np.linspace(f["x"].min(), f["x"].max(), 6),
                                                         np.linspace(f["y"].min(), f["y"].max(), 5)])
    assert sorted(out["count"]) == sorted(c for c in counts.ravel().astype(int) if c)


# ----------------------------------------------------------------------------------------- notes


def test_notes_say_what_was_summarised_in_both_languages():
    data = top_bottom_focus(panel(3000), "value", n=10, focus="u005")
    en = summarised_note(data, "en", "counties", focus_name="County 5")
    zh = summarised_note(data, "zh", "县", focus_name="五县")
    assert en == "3,000 counties: the chart lists only the 10 highest and the 10 lowest of each year, plus the focus unit County 5"
    assert zh.startswith("共3,000个县") and "五县" in zh
    q = summarised_note(quantile_bands(panel(3000), "value"), "en", "counties")
    assert q == "3,000 counties summarised as the percentiles P10, P50, P90 of each year, not one by one"
    b = summarised_note(binned(panel(3000), "value", bins=25), "zh", "县")
    assert "25" in b and "3,000" in b
    assert chartdata.join_notes("a", None, "b", lang="en") == "a; b"


# ----------------------------------------------------------------------------------------- synthetic panel


def test_grid_edges_by_hand():
    # 5 units on a 2 × 3 grid (cols = ⌈√5⌉ = 3): rows [0 1 2], [3 4]; pairs 0-1, 1-2, 3-4, 0-3, 1-4
    assert grid_shape(5) == (2, 3)
    e = grid_edges(5, names=list("abcde"))
    pairs = set(zip(e["from"], e["to"]))
    expected = {("a", "b"), ("b", "c"), ("d", "e"), ("a", "d"), ("b", "e")}
    assert pairs == expected | {(b, a) for a, b in expected}


def test_county_panel_shape_and_determinism(tmp_path):
    p = county_panel(units=120, years=5, indicators=7, seed=3, missing=0.01)
    f = p.frame
    assert list(f.columns[:3]) == ["county", "zone", "year"] and len(f) == 600 and f.shape[1] == 3 + 7
    assert f["county"].nunique() == 120 and sorted(f["year"].unique()) == list(range(2009, 2014))
    assert set(f["zone"]) == {"East", "Central", "West", "Northeast"}
    values = f.filter(like="x")
    assert (values.dropna() > 0).all().all() and 0 < values.isna().mean().mean() < 0.03
    # rook contiguity on 11 × 11 (cols = ⌈√120⌉ = 11; last row has 120 − 110 = 10 units):
    # horizontal pairs 10·10 + 9 = 109, vertical pairs 10·11 − 1 = 109 → 218 pairs, 436 directed edges
    assert len(p.edges) == 436
    ids = [i["id"] for d in p.system["dimensions"] for i in d["indicators"]]
    assert sorted(ids) == [f"x{j:02d}" for j in range(1, 8)]
    a = county_panel(units=120, years=5, indicators=7, seed=3, missing=0.01).write(tmp_path / "a")
    b = county_panel(units=120, years=5, indicators=7, seed=3, missing=0.01).write(tmp_path / "b")
    for k in ("panel", "meta", "system", "weights"):
        assert a[k].read_bytes() == b[k].read_bytes()


def test_county_panel_reads_back_with_system_and_weights(tmp_path):
    from nqp_lib.data.userpanel import read_panel
    from nqp_lib.disparity import read_weights
    from nqp_lib.systems import load_system

    paths = county_panel(units=100, years=4, indicators=6, seed=1).write(tmp_path)
    panel_ = read_panel(paths["panel"])  # the sidecar county.meta.yaml beside it is read too
    assert panel_.unit_kind == "county" and panel_.frame["unit"].nunique() == 100
    assert [g.column for g in panel_.meta.groupings] == ["zone"] and "invented" in panel_.meta.citation
    system = load_system(str(paths["system"]))
    system.check_columns(panel_.frame.columns, where="synthetic")
    w = read_weights(paths["weights"])
    assert w.n == 100 and w.cardinalities.min() == 2 and w.cardinalities.max() == 4
