r"""How much the ranking depends on the measurement method: the same index refitted with other weighting and
aggregation methods, the rank correlation between every pair of methods, and the units whose rank moves most.

The variants come from the engine's registries: every weighting method that needs nothing but the data
(:func:`nqp_lib.measure.weights.data_weighters`: entropy, CRITIC, standard deviation, equal, PCA) with the
weighted sum, and every other aggregation (:data:`nqp_lib.measure.aggregate.AGGREGATORS`: geometric mean,
TOPSIS) with the nominal index's weights. Everything else (normalisation, scope, zero handling, imputation,
years, units) is the nominal index's.

Rank correlations of two rankings :math:`r, s` of :math:`n` units:

.. math::
    \rho_S = 1 - \frac{6 \sum_i d_i^2}{n (n^2 - 1)}, \quad d_i = r_i - s_i \qquad \text{(Spearman, no ties)}

    \tau_b = \frac{C - D}{\sqrt{(C + D + T_r)(C + D + T_s)}} \qquad \text{(Kendall's tau-b)}

with :math:`C` and :math:`D` the concordant and discordant pairs and :math:`T` the pairs tied in only one
ranking. Both are computed with :func:`scipy.stats.spearmanr` and :func:`scipy.stats.kendalltau` (tau-b).

References
----------
Kendall, M. G. (1938). A new measure of rank correlation. *Biometrika* 30(1/2), 81–93.
OECD/JRC (2008). *Handbook on Constructing Composite Indicators*, section 7 (robustness of rankings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from nqp_lib.errors import MethodError, ParameterError
from nqp_lib.measure.aggregate import AGGREGATORS
from nqp_lib.measure.index import CompositeIndex
from nqp_lib.measure.weights import WEIGHTERS, data_weighters


@dataclass(frozen=True)
class MethodVariant:
    """One way to measure the index: a weighting method (``+``-joined for a combination) and an aggregation."""

    weights: str
    aggregate: str

    @property
    def key(self) -> str:
        return f"{self.weights}/{self.aggregate}"

    def label(self, lang: str = "zh") -> str:
        """E.g. "entropy · weighted sum" / "熵值法 · 加权求和"."""
        w = " + ".join(WEIGHTERS[m].label(lang) for m in self.weights.split("+"))
        return f"{w} · {AGGREGATORS[self.aggregate].label(lang)}"


def method_variants(nominal_weights: str, nominal_aggregate: str = "sum") -> list[MethodVariant]:
    """The nominal method first, then every data-only weighting with the weighted sum, then every other
    aggregation with the nominal weights (no variant twice)."""
    out = [MethodVariant(nominal_weights, nominal_aggregate)]
    out += [MethodVariant(w, "sum") for w in data_weighters()]
    out += [MethodVariant(nominal_weights, a) for a in AGGREGATORS.names()]
    seen: dict[str, MethodVariant] = {}
    for v in out:
        seen.setdefault(v.key, v)
    return list(seen.values())


@dataclass
class MethodRanks:
    """Ranks of every unit in one year under each method variant.

    Attributes
    ----------
    ranks : DataFrame
        Index ``unit``, one column per variant key (1 = best), the nominal variant first.
    variants : list of MethodVariant
        The variants that could be computed, in column order.
    year : int
    notes : list of str
        Variants that cannot be computed on these data, and why.
    """

    ranks: pd.DataFrame
    variants: list[MethodVariant]
    year: int
    notes: list[str] = field(default_factory=list)

    @property
    def nominal(self) -> str:
        return self.variants[0].key


def method_ranks(index: CompositeIndex, year: int | None = None, variants: list[MethodVariant] | None = None) -> MethodRanks:
    """Refit ``index`` under each variant (:meth:`CompositeIndex.variant`) and collect the ranks of ``year``
    (default: the last year). A variant that cannot be computed (e.g. a geometric mean of negative values) is
    left out and named in ``notes``."""
    if not hasattr(index, "result_"):
        raise ParameterError("method_ranks: fit the index first (CompositeIndex(...).fit(panel))")
    opts = index.options_
    scores = index.result_.scores
    y = int(scores["year"].max()) if year is None else int(year)
    if y not in set(scores["year"]):
        raise ParameterError(f"method_ranks: year {y} is not among the index's years "
                             f"{int(scores['year'].min())}–{int(scores['year'].max())}")
    variants = variants or method_variants(opts.weights, opts.aggregate)
    columns: dict[str, pd.Series] = {}
    kept: list[MethodVariant] = []
    notes: list[str] = []
    for v in variants:
        if v.weights == opts.weights and v.aggregate == opts.aggregate:
            s = scores
        else:
            try:
                s = index.variant(weights=v.weights, aggregate=v.aggregate).result_.scores
            except MethodError as exc:
                notes.append(f"{v.key}: {exc}")
                continue
        columns[v.key] = s[s["year"] == y].set_index("unit")["rank"]
        kept.append(v)
    if len(kept) < 2:
        raise MethodError(f"method_ranks: fewer than two methods can be computed on these data ({'; '.join(notes)})")
    ranks = pd.DataFrame(columns)
    ranks.index.name = "unit"
    return MethodRanks(ranks.astype(int), kept, y, notes)


def rank_correlations(ranks: pd.DataFrame) -> pd.DataFrame:
    """Spearman's :math:`\\rho` and Kendall's :math:`\\tau_b` between every pair of columns of ``ranks``
    (units as rows).

    Returns one row per pair: ``a, b, spearman, kendall`` (pairs in column order).

    Examples
    --------
    Ranks 1 2 3 4 against 2 1 4 3: d = (−1, 1, −1, 1), Σd² = 4, ρ = 1 − 6·4 / (4·15) = 0.6; of the 6 pairs
    4 are concordant and 2 discordant, τ = (4 − 2)/6 = 1/3.

    >>> r = pd.DataFrame({"x": [1, 2, 3, 4], "y": [2, 1, 4, 3]})
    >>> rank_correlations(r).round(4).to_dict("records")
    [{'a': 'x', 'b': 'y', 'spearman': 0.6, 'kendall': 0.3333}]
    """
    if ranks.shape[0] < 3:
        raise ParameterError(f"rank_correlations: need at least 3 units, got {ranks.shape[0]}")
    if ranks.isna().any().any():
        raise ParameterError("rank_correlations: a rank is missing; every method must rank every unit")
    rows = []
    for a, b in combinations(ranks.columns, 2):
        x, y = ranks[a].to_numpy(dtype=float), ranks[b].to_numpy(dtype=float)
        rho = float(stats.spearmanr(x, y).statistic)
        tau = float(stats.kendalltau(x, y, variant="b").statistic)
        rows.append({"a": a, "b": b, "spearman": rho, "kendall": tau})
    return pd.DataFrame(rows, columns=["a", "b", "spearman", "kendall"])


def rank_shifts(ranks: pd.DataFrame, nominal: str | None = None) -> pd.DataFrame:
    """Per unit: its nominal rank, best and worst rank over the methods, the spread (worst − best), the
    largest move from the nominal rank (signed; positive = a worse rank) and the method that moves it most.
    Sorted by spread, then by the size of the largest move, then by nominal rank.

    Examples
    --------
    >>> r = pd.DataFrame({"x": [1, 2, 3], "y": [3, 2, 1]}, index=pd.Index(["a", "b", "c"], name="unit"))
    >>> rank_shifts(r)[["unit", "best", "worst", "spread", "move"]].to_dict("records")[0]
    {'unit': 'a', 'best': 1, 'worst': 3, 'spread': 2, 'move': 2}
    """
    nominal = nominal or str(ranks.columns[0])
    if nominal not in ranks.columns:
        raise ParameterError(f"rank_shifts: no method column {nominal!r}")
    r = ranks.astype(int)
    diff = r.sub(r[nominal], axis=0)
    far = diff.abs().to_numpy().argmax(axis=1)
    out = pd.DataFrame({
        "unit": r.index.to_numpy(),
        "nominal": r[nominal].to_numpy(),
        "best": r.min(axis=1).to_numpy(),
        "worst": r.max(axis=1).to_numpy(),
        "move": diff.to_numpy()[np.arange(len(r)), far],
        "method": np.asarray(r.columns, dtype=object)[far],
    })
    out["spread"] = out["worst"] - out["best"]
    out = out.assign(_abs=out["move"].abs()).sort_values(["spread", "_abs", "nominal"], ascending=[False, False, True],
                                                          kind="stable")
    return out.drop(columns="_abs").reset_index(drop=True)[["unit", "nominal", "best", "worst", "spread", "move", "method"]]
