r"""Spatial weights: a labelled, sparse (``scipy.sparse`` CSR) matrix :math:`W` with zero diagonal.

Weights are held sparse from the moment they are read: a contiguity matrix of 3,000 counties has about
18,000 non-zero entries (≈0.3 MB) where the dense matrix would take 72 MB, and every measure (Moran's I,
LISA, spatial lags for the spatial Markov chain) works on the sparse form. Row standardisation
(:math:`w_{ij} / \sum_j w_{ij}`, default) is applied after restricting the matrix to the units present, so
a period missing a unit gets re-standardised rows.

Three ways in:

* :func:`spatial_weights` — a square :class:`pandas.DataFrame` labelled on both axes, a square array or a
  ``scipy.sparse`` matrix with ``labels``;
* :func:`weights_from_edges` — an edge list (``from, to[, weight]``; weight 1 when absent);
* :func:`read_weights` — a CSV file holding either form: an edge list when the header is exactly
  ``from,to`` or ``from,to,weight``, else a square matrix whose first column holds the row labels. A CSV
  matrix is read in blocks of rows and turned sparse block by block, so a 3,000 × 3,000 file never exists
  as one dense array.

An edge ``a,b`` sets :math:`w_{ab}`: edges are directed, as in libpysal's ``W.from_adjlist``. A list in
which no pair appears in both directions is ambiguous — it is usually an undirected contiguity list
written once per pair, and reading it as directed would give wrong lags — so it is refused unless
``undirected=True`` says to set :math:`w_{ab} = w_{ba}` (a pair listed both ways must then agree).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import sparse

from nqp_lib.errors import DataError, MethodError, ParameterError

#: Header of an edge-list CSV (the weight column is optional).
EDGE_COLUMNS = ("from", "to", "weight")
_BLOCK_CELLS = 1 << 21  # cells of a CSV matrix parsed at once (16 MB as floats)


@dataclass(frozen=True, eq=False)
class SpatialWeights:
    """A spatial weights matrix with unit labels, stored sparse.

    Attributes
    ----------
    labels
        Unit labels, in the order of the matrix rows and columns.
    raw
        The matrix as given (``scipy.sparse.csr_array``; non-negative, zero diagonal, no stored zeros).
    matrix
        The matrix used: row-standardised copy of ``raw`` when ``standardised``, else ``raw``.
    standardised
        Whether rows were scaled to sum to 1.
    """

    labels: tuple
    raw: sparse.csr_array
    matrix: sparse.csr_array
    standardised: bool

    @property
    def n(self) -> int:
        """Number of units."""
        return len(self.labels)

    @property
    def cardinalities(self) -> np.ndarray:
        """Number of neighbours (non-zero weights) of each unit."""
        return np.diff(self.matrix.indptr)

    def dense(self) -> np.ndarray:
        """The weights used (:attr:`matrix`) as a dense array — for small matrices and tests."""
        return self.matrix.toarray()

    def subset(self, units: Sequence) -> SpatialWeights:
        """Weights restricted to ``units`` and in their order (rows re-standardised from ``raw``).

        Raises :class:`DataError` when a unit is not in the matrix, :class:`MethodError` when a unit is left
        without neighbours.
        """
        position = {label: k for k, label in enumerate(self.labels)}
        missing = [u for u in units if u not in position]
        if missing:
            shown = ", ".join(map(str, missing[:8])) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
            raise DataError(
                f"weights: no row for {shown}; the matrix has {self.n} units (e.g. "
                f"{', '.join(map(str, self.labels[:5]))}); give a matrix labelled with the data's units"
            )
        idx = np.array([position[u] for u in units], dtype=int)
        if idx.size == self.n and np.array_equal(idx, np.arange(self.n)):
            return self
        return _make_weights(tuple(units), self.raw[idx][:, idx], self.standardised)

    def relabel(self, labels: Sequence) -> SpatialWeights:
        """The same matrix with new labels (one per unit, distinct), e.g. canonical province names."""
        labels = tuple(labels)
        if len(labels) != self.n or len(set(labels)) != self.n:
            raise DataError(f"weights: {len(labels)} new labels ({len(set(labels))} distinct) for {self.n} units")
        return SpatialWeights(labels, self.raw, self.matrix, self.standardised)

    def lag(self, values: np.ndarray) -> np.ndarray:
        r"""Spatial lag :math:`\sum_j w_{ij} y_j` of values given in the order of :attr:`labels`."""
        return self.matrix @ np.asarray(values, dtype=float)


def _make_weights(labels: tuple, raw: sparse.csr_array, standardise: bool) -> SpatialWeights:
    raw = sparse.csr_array(raw, dtype=float)
    raw.eliminate_zeros()
    raw.sort_indices()
    sums = np.asarray(raw.sum(axis=1)).ravel()
    islands = np.flatnonzero(sums <= 0)
    if islands.size:
        names = ", ".join(str(labels[i]) for i in islands[:8])
        raise MethodError(
            f"weights: {islands.size} unit(s) have no neighbours ({names}); link them to a neighbour "
            "(e.g. Hainan to Guangdong) or drop them"
        )
    matrix = sparse.csr_array(sparse.diags_array(1.0 / sums) @ raw) if standardise else raw
    return SpatialWeights(labels, raw, matrix, standardise)


def _check_entries(raw: sparse.csr_array, labels: Sequence, name: str) -> None:
    n = len(labels)
    if raw.shape != (n, n):
        raise DataError(f"{name}: expected a square {n} × {n} matrix, got {raw.shape}")
    if not np.isfinite(raw.data).all() or (raw.data < 0).any():
        raise DataError(f"{name}: entries must be finite and non-negative")
    diagonal = raw.diagonal()
    if np.any(diagonal != 0):
        bad = [str(labels[i]) for i in np.flatnonzero(diagonal)[:5]]
        raise DataError(f"{name}: the diagonal must be 0 (a unit is not its own neighbour); nonzero for {bad}")


def _check_labels(rows: list, cols: list, name: str) -> None:
    if len(set(rows)) != len(rows):
        dup = pd.Index(rows)[pd.Index(rows).duplicated()].unique()[:5]
        raise DataError(f"{name}: repeated row labels ({', '.join(map(str, dup))})")
    if set(rows) != set(cols) or len(cols) != len(rows):
        extra = sorted(map(str, set(rows) ^ set(cols)))[:8]
        raise DataError(f"{name}: row and column labels must be the same units; they differ in {', '.join(extra)}")


def spatial_weights(
    matrix: pd.DataFrame | ArrayLike | sparse.sparray | sparse.spmatrix,
    labels: Sequence | None = None,
    *,
    standardise: bool = True,
    name: str = "weights",
) -> SpatialWeights:
    """Build :class:`SpatialWeights` from a square matrix labelled on both axes (or with ``labels``).

    Parameters
    ----------
    matrix
        A square :class:`pandas.DataFrame` whose index and columns hold the same unit labels (columns are
        reordered to the index), or a square array or ``scipy.sparse`` matrix with ``labels``. Contiguity
        (0/1), distance-based or any non-negative weights; the diagonal must be 0.
    labels
        Unit labels for an unlabelled array.
    standardise
        Row-standardise (default True).
    name
        What to call the matrix in messages (e.g. a file name).
    """
    if isinstance(matrix, pd.DataFrame):
        if labels is not None:
            raise ParameterError("labels: give labels only for an unlabelled array, not with a DataFrame")
        rows, cols = list(matrix.index), list(matrix.columns)
        _check_labels(rows, cols, name)
        labels = rows
        matrix = matrix.loc[:, rows]
    if labels is None:
        raise ParameterError(f"{name}: an unlabelled matrix needs labels (one per row)")
    labels = tuple(labels)
    if len(set(labels)) != len(labels):
        raise DataError(f"{name}: repeated labels")
    if sparse.issparse(matrix):
        raw = sparse.csr_array(matrix, dtype=float)
    else:
        try:
            dense = np.array(matrix, dtype=float)
        except (TypeError, ValueError):
            raise DataError(f"{name}: all entries must be numbers") from None
        if dense.ndim != 2:
            raise DataError(f"{name}: expected a square {len(labels)} × {len(labels)} matrix, got {dense.shape}")
        if not np.isfinite(dense).all():
            raise DataError(f"{name}: entries must be finite and non-negative")
        raw = sparse.csr_array(dense)
    _check_entries(raw, labels, name)
    return _make_weights(labels, raw, standardise)


def weights_from_edges(
    edges: pd.DataFrame,
    *,
    units: Sequence | None = None,
    undirected: bool = False,
    standardise: bool = True,
    name: str = "edges",
) -> SpatialWeights:
    r"""Build :class:`SpatialWeights` from an edge list with columns ``from``, ``to`` and optionally ``weight``.

    Parameters
    ----------
    edges
        One row per link; ``weight`` (default 1) must be finite and positive. A pair may appear once.
    units
        All unit labels, in the order of the matrix (default: every label in the list, sorted as text, so
        the order of the rows does not matter). A unit listed here but in no edge has no neighbours, which
        is refused.
    undirected
        Read each row as a symmetric link (:math:`w_{ab} = w_{ba}`). Without it, rows are directed, and a
        list in which no pair appears in both directions is refused as ambiguous (see the module docstring).
    standardise
        Row-standardise (default True).
    name
        What to call the list in messages.
    """
    missing = [c for c in EDGE_COLUMNS[:2] if c not in edges.columns]
    if missing:
        raise DataError(f"{name}: an edge list needs columns from, to[, weight]; missing {', '.join(missing)}")
    frm = edges["from"].to_numpy(dtype=object)
    to = edges["to"].to_numpy(dtype=object)
    if pd.isna(frm).any() or pd.isna(to).any():
        raise DataError(f"{name}: empty from/to on row(s) {_rows(pd.isna(frm) | pd.isna(to))}")
    if "weight" in edges.columns:
        w = pd.to_numeric(edges["weight"], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(w) | (w <= 0)
        if bad.any():
            raise DataError(f"{name}: weight must be a positive number; not on row(s) {_rows(bad)}")
    else:
        w = np.ones(frm.size)
    loops = frm == to
    if loops.any():
        raise DataError(f"{name}: a unit linked to itself on row(s) {_rows(loops)} (the diagonal must be 0)")
    pairs = pd.DataFrame({"a": frm, "b": to})
    dup = pairs.duplicated(keep=False).to_numpy()
    if dup.any():
        raise DataError(f"{name}: the same pair is listed more than once on row(s) {_rows(dup)}")
    forward = set(zip(frm, to))
    reciprocal = sum((b, a) in forward for a, b in forward)
    if undirected:
        back = dict(zip(zip(frm, to), w))
        clash = [(a, b) for (a, b), v in back.items() if (b, a) in back and back[b, a] != v]
        if clash:
            raise DataError(f"{name}: pair {clash[0][0]}–{clash[0][1]} is listed both ways with different weights")
        keep = np.array([(b, a) not in back or str(a) < str(b) for a, b in zip(frm, to)], dtype=bool)
        frm, to, w = np.concatenate([frm[keep], to[keep]]), np.concatenate([to[keep], frm[keep]]), np.tile(w[keep], 2)
    elif reciprocal == 0 and len(forward) > 0:
        raise DataError(
            f"{name}: no pair is listed in both directions, so the list reads as one-way links; if each row is "
            "an undirected link (e.g. contiguity written once per pair) say so (undirected=True; CLI "
            "--weights-undirected), or list each pair both ways"
        )
    labels = sorted(dict.fromkeys([*frm, *to]), key=str) if units is None else list(units)
    position = {label: k for k, label in enumerate(labels)}
    unknown = [u for u in dict.fromkeys([*frm, *to]) if u not in position]
    if unknown:
        raise DataError(f"{name}: unit(s) {', '.join(map(str, unknown[:8]))} are not among the units given")
    i = np.array([position[a] for a in frm], dtype=int)
    j = np.array([position[b] for b in to], dtype=int)
    raw = sparse.csr_array((w, (i, j)), shape=(len(labels), len(labels)))
    return _make_weights(tuple(labels), raw, standardise)


def _rows(mask: np.ndarray, limit: int = 5) -> str:
    """Data-row numbers (1 = first row after the header) of the masked rows."""
    rows = (np.flatnonzero(mask) + 1).tolist()
    return ", ".join(map(str, rows[:limit])) + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def _read_matrix(path: Path, name: str) -> tuple[list, sparse.csr_array]:
    """Read a labelled CSV matrix block by block into a sparse array; return (row labels, matrix)."""
    header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
    cols = [str(c) for c in header[1:]]
    rows, blocks = [], []
    block_rows = max(1, _BLOCK_CELLS // max(1, len(cols)))
    reader = pd.read_csv(path, index_col=0, encoding="utf-8-sig", chunksize=block_rows, dtype={header[0]: str})
    for block in reader:
        try:
            values = block.to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise DataError(f"{name}: all entries must be numbers (rows {len(rows) + 1}–{len(rows) + len(block)})") from None
        if not np.isfinite(values).all():
            raise DataError(f"{name}: empty or infinite entries in rows {len(rows) + 1}–{len(rows) + len(block)}")
        rows += [str(r) for r in block.index]
        blocks.append(sparse.csr_array(values))
    if not rows:
        raise DataError(f"{name}: no rows")
    _check_labels(rows, cols, name)
    matrix = sparse.vstack(blocks, format="csr")
    order = {label: k for k, label in enumerate(cols)}
    return rows, sparse.csr_array(matrix[:, [order[r] for r in rows]])


def read_weights(path: str | Path, *, undirected: bool = False, standardise: bool = True) -> SpatialWeights:
    """Read spatial weights from a CSV file: an edge list (``from,to[,weight]``) or a labelled square matrix.

    Labels are read as text. See the module docstring for how the form is told apart and for
    ``undirected``; errors name the file.
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise DataError(f"{name}: no such file")
    try:
        header = [str(c).strip() for c in pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns]
        if header in (list(EDGE_COLUMNS[:2]), list(EDGE_COLUMNS)):
            edges = pd.read_csv(path, encoding="utf-8-sig", dtype={"from": str, "to": str})
            edges.columns = header
            return weights_from_edges(edges, undirected=undirected, standardise=standardise, name=name)
        if undirected:
            raise ParameterError(f"{name}: undirected applies to an edge list (header from,to[,weight]), not a matrix")
        rows, raw = _read_matrix(path, name)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{name}: cannot read as a UTF-8 CSV ({exc})") from None
    return spatial_weights(raw, rows, standardise=standardise, name=name)
