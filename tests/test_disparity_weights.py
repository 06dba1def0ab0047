"""Spatial weights held sparse: from a labelled matrix, an edge list or a CSV file, with the same numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from disparity_fixtures import contiguity_from_shared, grid_contiguity_edges, moran_double_sum
from nqp_lib.disparity import moran, moran_by_period, read_weights, spatial_weights, weights_from_edges
from nqp_lib.disparity import weights as weights_module
from nqp_lib.errors import DataError, MethodError, ParameterError


def _edges_once_per_pair(W: pd.DataFrame) -> pd.DataFrame:
    upper = np.triu(W.to_numpy() > 0, k=1)
    i, j = np.nonzero(upper)
    return pd.DataFrame({"from": W.index[i], "to": W.index[j]})


def test_weights_are_sparse_and_match_the_dense_definition():
    W = contiguity_from_shared()
    w = spatial_weights(W)
    assert sparse.issparse(w.raw) and sparse.issparse(w.matrix)
    assert w.raw.nnz == int((W.to_numpy() > 0).sum())  # only the links are stored
    dense = W.to_numpy() / W.to_numpy().sum(axis=1, keepdims=True)
    assert np.array_equal(w.dense(), dense)
    assert w.cardinalities.tolist() == (W.to_numpy() > 0).sum(axis=1).tolist()
    y = np.random.default_rng(0).lognormal(size=31)
    assert w.lag(y) == pytest.approx(dense @ y, abs=1e-15)


def test_csv_matrix_and_edge_lists_read_to_the_same_weights(tmp_path):
    W = contiguity_from_shared()
    W.to_csv(tmp_path / "matrix.csv")
    both_ways = pd.DataFrame({"from": np.repeat(W.index, 31), "to": np.tile(W.index, 31),
                              "weight": W.to_numpy().ravel()})
    both_ways[both_ways["weight"] > 0].to_csv(tmp_path / "edges.csv", index=False)
    _edges_once_per_pair(W).to_csv(tmp_path / "once.csv", index=False)
    reference = spatial_weights(W)
    y = np.random.default_rng(1).lognormal(size=31)
    for name, kwargs in (("matrix.csv", {}), ("edges.csv", {}), ("once.csv", {"undirected": True})):
        w = read_weights(tmp_path / name, **kwargs)
        w = w.subset(list(W.index))  # edge lists order their units by label
        assert np.array_equal(w.dense(), reference.dense()), name
        assert moran(y, w, permutations=9).I == pytest.approx(moran_double_sum(y, reference.dense()), abs=1e-12)


def test_csv_matrix_is_read_in_blocks(tmp_path, monkeypatch):
    W = contiguity_from_shared()
    shuffled = W.loc[:, list(reversed(W.columns))]  # columns in another order than rows
    shuffled.to_csv(tmp_path / "m.csv")
    whole = read_weights(tmp_path / "m.csv")
    monkeypatch.setattr(weights_module, "_BLOCK_CELLS", 4 * 31)  # blocks of 4 rows, stacked sparse
    blocks = read_weights(tmp_path / "m.csv")
    assert blocks.labels == whole.labels == tuple(W.index)
    assert np.array_equal(blocks.dense(), whole.dense())
    assert np.array_equal(whole.raw.toarray(), W.to_numpy())


def test_directed_edge_lists_and_weights():
    # a k-nearest-neighbour list is directed: b is a's neighbour but not the reverse
    edges = pd.DataFrame({"from": ["a", "b", "c", "a"], "to": ["b", "c", "b", "c"], "weight": [2.0, 1.0, 1.0, 2.0]})
    w = weights_from_edges(edges, standardise=False)
    assert w.labels == ("a", "b", "c")
    assert w.dense().tolist() == [[0, 2, 2], [0, 0, 1], [0, 1, 0]]
    assert weights_from_edges(edges).dense()[0].tolist() == [0, 0.5, 0.5]


def test_edge_list_errors(tmp_path):
    one_way = pd.DataFrame({"from": ["a", "b"], "to": ["b", "c"]})
    with pytest.raises(DataError, match="no pair is listed in both directions.*--weights-undirected"):
        weights_from_edges(one_way)
    assert weights_from_edges(one_way, undirected=True, standardise=False).dense().tolist() == [
        [0, 1, 0], [1, 0, 1], [0, 1, 0]]
    with pytest.raises(DataError, match="listed more than once on row\\(s\\) 1, 3"):
        weights_from_edges(pd.DataFrame({"from": ["a", "b", "a"], "to": ["b", "a", "b"]}))
    with pytest.raises(DataError, match="linked to itself on row\\(s\\) 2"):
        weights_from_edges(pd.DataFrame({"from": ["a", "b"], "to": ["b", "b"]}))
    with pytest.raises(DataError, match="weight must be a positive number; not on row\\(s\\) 2"):
        weights_from_edges(pd.DataFrame({"from": ["a", "b"], "to": ["b", "a"], "weight": [1, -1]}))
    with pytest.raises(DataError, match="both ways with different weights"):
        weights_from_edges(pd.DataFrame({"from": ["a", "b"], "to": ["b", "a"], "weight": [1, 2]}), undirected=True)
    with pytest.raises(MethodError, match="no neighbours \\(c\\)"):
        weights_from_edges(pd.DataFrame({"from": ["a", "b"], "to": ["b", "a"]}), units=["a", "b", "c"])
    with pytest.raises(DataError, match="needs columns from, to"):
        weights_from_edges(pd.DataFrame({"source": ["a"], "target": ["b"]}))
    (tmp_path / "bad.csv").write_text(",a,b\na,0,x\nb,1,0\n", encoding="utf-8")
    with pytest.raises(DataError, match="bad.csv: all entries must be numbers"):
        read_weights(tmp_path / "bad.csv")
    (tmp_path / "labels.csv").write_text(",a,b\na,0,1\nc,1,0\n", encoding="utf-8")
    with pytest.raises(DataError, match="row and column labels must be the same units"):
        read_weights(tmp_path / "labels.csv")
    with pytest.raises(DataError, match="no such file"):
        read_weights(tmp_path / "absent.csv")
    with pytest.raises(ParameterError, match="undirected applies to an edge list"):
        read_weights(tmp_path / "labels.csv", undirected=True)


def test_county_scale_contiguity_stays_sparse():
    # 3,000 units on a 60 × 50 grid (rook contiguity): about 12,000 links instead of 9 million cells
    edges, units = grid_contiguity_edges(60, 50)
    w = weights_from_edges(edges, units=units, undirected=True)
    assert w.n == 3000 and w.raw.nnz == 2 * (59 * 50 + 60 * 49)
    rng = np.random.default_rng(0)
    years = np.repeat([2020, 2021], 3000)
    y = rng.lognormal(size=6000)
    r = moran_by_period(y, np.tile(units, 2), years, w, permutations=19, seed=0)
    assert len(r.local) == 6000
    first = y[:3000]
    z = first - first.mean()
    expected = (z @ w.lag(z)) / (z @ z)  # row-standardised: S0 = n
    assert r.global_["I"].iloc[0] == pytest.approx(expected, abs=1e-12)
