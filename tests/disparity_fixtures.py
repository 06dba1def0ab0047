"""Independent oracles and data builders for the disparity tests (and the benchmark).

The oracles follow the textbook definitions literally — explicit pairwise differences, double loops — so
they share no code or trick with :mod:`nqp_lib.disparity`. They are slow on purpose; keep inputs small
(the Dagum oracle holds one n_j × n_h block at a time, so the benchmark can time it on 2,800 units).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SHARED_W = Path(__file__).resolve().parents[2] / "shared" / "data" / "nqp_spatial_development_panel" / "W_adj_norm_labeled.csv"
SHARED_PANEL = Path(__file__).resolve().parents[2] / "shared" / "data" / "merged_candidate" / "provincial_nqpf_panel_2011_2023.csv"


def gini_pairwise(y, w=None) -> float:
    """Gini from the full matrix of absolute differences: Σ_i Σ_r w_i w_r |y_i − y_r| / (2 W² mean)."""
    y = np.asarray(y, dtype=float)
    w = np.ones_like(y) if w is None else np.asarray(w, dtype=float)
    mean = np.sum(w * y) / w.sum()
    return float(np.sum(w[:, None] * w[None, :] * np.abs(y[:, None] - y[None, :])) / (2 * w.sum() ** 2 * mean))


def dagum_pairwise(y, groups) -> dict:
    """Dagum (1997) decomposition computed from explicit pairwise difference matrices (the reference).

    Memory is one n_j × n_h block at a time (G is summed over the blocks). Returns ``G, G_w, G_nb, G_t,
    order`` and dicts ``G_jj[g]``, ``G_jh[(j, h)]``, ``D_jh[(j, h)]`` with
    j the group with the higher mean.
    """
    y = np.asarray(y, dtype=float)
    groups = np.asarray(groups, dtype=object)
    n, mean = y.size, y.mean()
    labels = list(dict.fromkeys(groups.tolist()))
    members = {g: y[groups == g] for g in labels}
    order = sorted(labels, key=lambda g: (members[g].mean(), str(g)))
    p = {g: members[g].size / n for g in order}
    s = {g: members[g].size * members[g].mean() / (n * mean) for g in order}
    G_jj, G_jh, D_jh = {}, {}, {}
    G_w = G_nb = G_t = 0.0
    total_abs = 0.0  # Σ_i Σ_r |y_i − y_r| over all ordered pairs, block by block
    for g in order:
        a = members[g]
        block = np.abs(a[:, None] - a[None, :]).sum()
        total_abs += block
        G_jj[g] = block / (2 * a.size**2 * a.mean())
        G_w += G_jj[g] * p[g] * s[g]
    for jj, j in enumerate(order):
        for h in order[:jj]:
            a, b = members[j], members[h]
            diff = a[:, None] - b[None, :]
            total_abs += 2 * np.abs(diff).sum()
            G_jh[j, h] = np.abs(diff).sum() / (a.size * b.size * (a.mean() + b.mean()))
            d = np.maximum(diff, 0).mean()
            q = np.maximum(-diff, 0).mean()
            D_jh[j, h] = (d - q) / (d + q) if d + q > 0 else 0.0
            weight = p[j] * s[h] + p[h] * s[j]
            G_nb += G_jh[j, h] * weight * D_jh[j, h]
            G_t += G_jh[j, h] * weight * (1 - D_jh[j, h])
    return {
        "G": total_abs / (2 * n**2 * mean),
        "G_w": G_w,
        "G_nb": G_nb,
        "G_t": G_t,
        "order": tuple(order),
        "G_jj": G_jj,
        "G_jh": G_jh,
        "D_jh": D_jh,
    }


def moran_double_sum(y, W) -> float:
    """Moran's I by explicit double loop: (n / S0) Σ_i Σ_j w_ij z_i z_j / Σ_i z_i²."""
    y = np.asarray(y, dtype=float)
    W = np.asarray(W, dtype=float)
    n = y.size
    z = [v - sum(y) / n for v in y]
    num = sum(W[i, j] * z[i] * z[j] for i in range(n) for j in range(n))
    s0 = sum(W[i, j] for i in range(n) for j in range(n))
    return n / s0 * num / sum(v * v for v in z)


def local_moran_loops(y, W) -> list[float]:
    """Local Moran I_i = z_i / m2 · Σ_j w_ij z_j with m2 = Σ z² / n, by loops."""
    y = np.asarray(y, dtype=float)
    W = np.asarray(W, dtype=float)
    n = y.size
    z = [v - sum(y) / n for v in y]
    m2 = sum(v * v for v in z) / n
    return [z[i] / m2 * sum(W[i, j] * z[j] for j in range(n)) for i in range(n)]


def contiguity_from_shared() -> pd.DataFrame:
    """Binary 31 × 31 province contiguity built from the shared labelled matrix (海南 ↔ 广东 included)."""
    raw = pd.read_csv(SHARED_W, index_col=0)
    return (raw > 0).astype(float)


def synthetic_panel(n_units: int, n_periods: int, n_groups: int = 4, seed: int = 0) -> pd.DataFrame:
    """Log-normal scores with group-specific levels and slow catch-up; columns unit, year, group, score."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, n_groups, n_units)
    level = rng.normal(0.0, 0.5, n_units) + 0.3 * group
    rows = []
    for t in range(n_periods):
        level = 0.9 * level + 0.05 + rng.normal(0.0, 0.1, n_units)
        rows.append(pd.DataFrame({"unit": [f"u{i:05d}" for i in range(n_units)], "year": 2011 + t,
                                  "group": [f"G{g}" for g in group], "score": np.exp(level)}))
    return pd.concat(rows, ignore_index=True)


def grid_contiguity_edges(rows: int, cols: int) -> tuple[pd.DataFrame, list[str]]:
    """Rook contiguity of a rows × cols grid of units ``c00000``…: edges once per pair (from, to) and the units.

    A stand-in for county contiguity at scale (each unit has 2–4 neighbours, like a map's average of ~5).
    """
    units = [f"c{k:05d}" for k in range(rows * cols)]
    ids = np.arange(rows * cols).reshape(rows, cols)
    right = np.column_stack([ids[:, :-1].ravel(), ids[:, 1:].ravel()])
    down = np.column_stack([ids[:-1, :].ravel(), ids[1:, :].ravel()])
    pairs = np.vstack([right, down])
    names = np.array(units, dtype=object)
    return pd.DataFrame({"from": names[pairs[:, 0]], "to": names[pairs[:, 1]]}), units
