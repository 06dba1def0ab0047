"""What each Monte Carlo draw of :func:`~nqp_lib.measure.uncertainty.uncertainty` learned, so that new rows
can be scored as each draw would — the draws' ``transform``.

A draw is an index of its own: a normalisation fitted on the scope block, weights, an aggregation and, for
TOPSIS, ideal and anti-ideal points. ``uncertainty`` learns all of them in batches and records them here;
:meth:`DrawModels.transform` applies them to other raw values (a what-if scenario) exactly as
:meth:`~nqp_lib.measure.index.CompositeIndex.transform` applies the nominal index's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nqp_lib.errors import ParameterError
from nqp_lib.measure.aggregate import AGGREGATORS, score_block
from nqp_lib.measure.normalise import handle_zeros, normalise


@dataclass
class DrawModels:
    """What the draws of :func:`uncertainty` learned, kept so that new rows can be scored as each draw would.

    ``params[(block, normalisation)]`` are the fitted normalisation parameters; each entry of ``batches`` is one
    batch of draws scored together: its block, draw indices, normalisation, zero handling and aggregation, the
    draws' weights (final, within, dimension) and the TOPSIS points learned on the block.
    """

    directions: np.ndarray
    dims: np.ndarray
    n_dims: int
    hierarchy: str
    shift: float
    ddof: int
    scope_keys: list
    normalisations: list[str]
    zeros: list[str]
    aggregations: list[str]
    draws: int
    params: dict = field(default_factory=dict)
    batches: list = field(default_factory=list)

    def transform(self, x: np.ndarray, years: np.ndarray) -> np.ndarray:
        if x.ndim != 2 or x.shape[1] != len(self.directions) or len(years) != x.shape[0]:
            raise ParameterError(
                f"transform: expected rows × {len(self.directions)} indicator values and one year per row, got "
                f"{x.shape} and {len(years)} years"
            )
        if len(self.scope_keys) == 1:
            block = np.zeros(len(years), dtype=int)
        else:
            where = {int(k): b for b, k in enumerate(self.scope_keys)}
            unknown = sorted(set(int(y) for y in years) - set(where))
            if unknown:
                raise ParameterError(f"transform: year(s) {unknown} were not fitted (per-year scope); fitted: {sorted(where)}")
            block = np.array([where[int(y)] for y in years])
        out = np.empty((x.shape[0], self.draws))
        for b, idx, i, z, g, final, within, dimw, points in self.batches:
            rows = np.flatnonzero(block == b)
            if not len(rows):
                continue
            xn, _ = normalise(x[rows], self.directions, self.normalisations[i], params=self.params[(b, i)],
                              ddof=self.ddof)
            agg = self.aggregations[g]
            xa = handle_zeros(xn, self.zeros[z], self.shift) if AGGREGATORS[agg].reads_logs else xn
            sc = score_block(xa, final, within, dimw, self.dims, self.n_dims, agg, self.hierarchy,
                             best=points.best, worst=points.worst, dimension_best=points.dimension_best,
                             dimension_worst=points.dimension_worst, with_dimensions=False)
            out[np.ix_(rows, idx)] = sc.total
        return out
