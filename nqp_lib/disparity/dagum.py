r"""Dagum (1997) decomposition of the Gini coefficient by subgroup.

Groups :math:`j = 1, \dots, k` are ordered by mean, ascending, so that for :math:`j > h` group :math:`j` is
the richer one (ties in the mean are ordered by the group label). With :math:`n_j` units and mean
:math:`\bar y_j` in group :math:`j`, :math:`p_j = n_j / n`, :math:`s_j = n_j \bar y_j / (n \bar y)`:

.. math::
    G_{jj} = \frac{\sum_i \sum_r |y_{ji} - y_{jr}|}{2 n_j^2 \bar y_j}, \qquad
    G_{jh} = \frac{\sum_i \sum_r |y_{ji} - y_{hr}|}{n_j n_h (\bar y_j + \bar y_h)},

.. math::
    d_{jh} = \frac{1}{n_j n_h}\sum_i \sum_r (y_{ji} - y_{hr})^+, \quad
    p_{jh} = \frac{1}{n_j n_h}\sum_i \sum_r (y_{hr} - y_{ji})^+, \quad
    D_{jh} = \frac{d_{jh} - p_{jh}}{d_{jh} + p_{jh}},

.. math::
    G_w = \sum_j G_{jj} p_j s_j, \quad
    G_{nb} = \sum_{j > h} G_{jh} (p_j s_h + p_h s_j) D_{jh}, \quad
    G_t = \sum_{j > h} G_{jh} (p_j s_h + p_h s_j) (1 - D_{jh}),

and :math:`G = G_w + G_{nb} + G_t` equals the plain Gini
:math:`\sum_i \sum_r |y_i - y_r| / (2 n^2 \bar y)` exactly, because
:math:`G_{jh}(p_j s_h + p_h s_j) = \sum_i\sum_r |y_{ji} - y_{hr}| / (n^2 \bar y)`.
:math:`d_{jh}` is Dagum's gross economic affluence (the mean excess of richer-group over poorer-group values
over all pairs), :math:`p_{jh}` the first-order moment of transvariation; :math:`D_{jh} \in [0, 1]` is their
relative economic affluence. When two groups have no difference at all (:math:`d_{jh} + p_{jh} = 0`) we set
:math:`D_{jh} = 0`; then :math:`G_{jh} = 0` and the pair contributes nothing either way.

All pairwise sums come from sorting and cumulative sums (:mod:`nqp_lib.disparity.differences`): time
:math:`O(n \log n)`, memory :math:`O(n)`. The decomposition is unweighted (each unit counts once).

References
----------
Dagum, C. (1997). A new approach to the decomposition of the Gini income inequality ratio. *Empirical
Economics* 22(4), 515–531. doi:10.1007/BF01205777
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from nqp_lib.errors import MethodError
from nqp_lib.disparity.differences import between_abs_sums, within_abs_sum
from nqp_lib.disparity.panel import by_period, naming_period
from nqp_lib.disparity.validation import as_labels, as_values

_MEASURE = "Dagum's Gini decomposition"


@dataclass(frozen=True)
class DagumResult:
    """Dagum's decomposition of one cross-section.

    Attributes
    ----------
    G, G_w, G_nb, G_t
        Overall Gini, within-group part, net between-group part, transvariation (overlap) part.
    n, mean
        Number of units and overall mean.
    groups
        Group labels ordered by mean, ascending (index 0 is the poorest group).
    within
        One row per group in that order: ``group, n, mean, p, s, G_jj, contribution`` (:math:`G_{jj} p_j s_j`)
        and ``share`` (contribution / G).
    between
        One row per pair, ``group_j`` the richer: ``pair`` (stable label), ``group_j, group_h, n_j, n_h,
        mean_j, mean_h, G_jh, d_jh, p_jh, D_jh, weight`` (:math:`p_j s_h + p_h s_j`), ``contribution_nb,
        contribution_t, share_nb, share_t``.

    Shares are contributions divided by G; when G = 0 (all values equal) every part is 0 and the shares are
    reported as 0.
    """

    G: float
    G_w: float
    G_nb: float
    G_t: float
    n: int
    mean: float
    groups: tuple
    within: pd.DataFrame
    between: pd.DataFrame

    def _share(self, part: float) -> float:
        return part / self.G if self.G > 0 else 0.0

    @property
    def contributions(self) -> dict[str, float]:
        """Contribution rates ``{"within": G_w/G, "net_between": G_nb/G, "transvariation": G_t/G}``."""
        return {
            "within": self._share(self.G_w),
            "net_between": self._share(self.G_nb),
            "transvariation": self._share(self.G_t),
        }

    @property
    def G_jj(self) -> pd.Series:
        """Within-group Gini :math:`G_{jj}` by group (ordered by mean)."""
        return self.within.set_index("group")["G_jj"]

    @property
    def G_jh(self) -> pd.Series:
        """Between-group Gini :math:`G_{jh}` indexed by ``(group_j, group_h)``."""
        return self.between.set_index(["group_j", "group_h"])["G_jh"]

    @property
    def pairs(self) -> pd.DataFrame:
        """Long table for charts: ``kind`` (within/between), ``pair`` (the group, or the two groups in
        alphabetical order joined by an en dash — stable across periods even when the order by mean
        changes), ``group_j, group_h, gini, D_jh, contribution, share``. Within rows have
        ``group_j == group_h`` and no ``D_jh`` (empty)."""
        within = pd.DataFrame(
            {
                "kind": "within",
                "pair": self.within["group"].astype(str),
                "group_j": self.within["group"],
                "group_h": self.within["group"],
                "gini": self.within["G_jj"],
                "contribution": self.within["contribution"],
                "share": self.within["share"],
            }
        )
        b = self.between
        between = pd.DataFrame(
            {
                "kind": "between",
                "pair": b["pair"],
                "group_j": b["group_j"],
                "group_h": b["group_h"],
                "gini": b["G_jh"],
                "D_jh": b["D_jh"],
                "contribution": b["contribution_nb"] + b["contribution_t"],
                "share": b["share_nb"] + b["share_t"],
            }
        )
        frames = [f for f in (within, between) if len(f)]
        columns = ["kind", "pair", "group_j", "group_h", "gini", "D_jh", "contribution", "share"]
        return pd.concat(frames, ignore_index=True).reindex(columns=columns)

    def to_frame(self) -> pd.DataFrame:
        """One row: ``n, mean, G, G_w, G_nb, G_t, share_w, share_nb, share_t, n_groups, group_order``."""
        c = self.contributions
        return pd.DataFrame(
            [
                {
                    "n": self.n,
                    "mean": self.mean,
                    "G": self.G,
                    "G_w": self.G_w,
                    "G_nb": self.G_nb,
                    "G_t": self.G_t,
                    "share_w": c["within"],
                    "share_nb": c["net_between"],
                    "share_t": c["transvariation"],
                    "n_groups": len(self.groups),
                    "group_order": " < ".join(map(str, self.groups)),
                }
            ]
        )


def _pair_label(a: object, b: object) -> str:
    """A label for a pair of groups that does not depend on which one is richer (for charts over time)."""
    return "–".join(sorted((str(a), str(b))))


def _dagum_arrays(y: np.ndarray, g: np.ndarray) -> DagumResult:
    n = y.size
    mean = float(y.mean())
    if not mean > 0:
        raise MethodError(f"{_MEASURE} needs a positive overall mean, got {mean:g}")
    G = within_abs_sum(np.sort(y)) / (2.0 * n**2 * mean)

    codes, labels = pd.factorize(pd.Series(g, dtype=object))
    members = [np.sort(y[codes == c]) for c in range(labels.size)]
    means = np.array([m.mean() for m in members])
    order = sorted(range(labels.size), key=lambda c: (means[c], str(labels[c])))
    members = [members[c] for c in order]
    groups = tuple(labels[c] for c in order)
    n_j = np.array([m.size for m in members], dtype=float)
    mean_j = means[order]
    for label, m in zip(groups, mean_j):
        if not m > 0:
            raise MethodError(f"group {label!r} has mean {m:g}; {_MEASURE} needs every group mean > 0")
    p = n_j / n
    s = n_j * mean_j / (n * mean)

    G_jj = np.array([within_abs_sum(m) for m in members]) / (2.0 * n_j**2 * mean_j)
    within_contribution = G_jj * p * s
    rows = []
    for j in range(len(groups)):
        for h in range(j):
            above, below = between_abs_sums(members[j], members[h])
            pairs_count = n_j[j] * n_j[h]
            d, pt = above / pairs_count, below / pairs_count
            G_jh = (above + below) / (pairs_count * (mean_j[j] + mean_j[h]))
            D = (d - pt) / (d + pt) if d + pt > 0 else 0.0
            weight = p[j] * s[h] + p[h] * s[j]
            rows.append(
                {
                    "pair": _pair_label(groups[j], groups[h]),
                    "group_j": groups[j],
                    "group_h": groups[h],
                    "n_j": int(n_j[j]),
                    "n_h": int(n_j[h]),
                    "mean_j": mean_j[j],
                    "mean_h": mean_j[h],
                    "G_jh": G_jh,
                    "d_jh": d,
                    "p_jh": pt,
                    "D_jh": D,
                    "weight": weight,
                    "contribution_nb": G_jh * weight * D,
                    "contribution_t": G_jh * weight * (1.0 - D),
                }
            )
    columns = ["pair", "group_j", "group_h", "n_j", "n_h", "mean_j", "mean_h", "G_jh", "d_jh", "p_jh", "D_jh",
               "weight", "contribution_nb", "contribution_t"]
    between = pd.DataFrame(rows, columns=columns)
    share = (lambda x: x / G) if G > 0 else (lambda x: x * 0.0)
    between["share_nb"] = share(between["contribution_nb"])
    between["share_t"] = share(between["contribution_t"])
    within = pd.DataFrame(
        {
            "group": list(groups),
            "n": n_j.astype(int),
            "mean": mean_j,
            "p": p,
            "s": s,
            "G_jj": G_jj,
            "contribution": within_contribution,
            "share": share(within_contribution),
        }
    )
    return DagumResult(
        G=float(G),
        G_w=float(within_contribution.sum()),
        G_nb=float(between["contribution_nb"].sum()),
        G_t=float(between["contribution_t"].sum()),
        n=n,
        mean=mean,
        groups=groups,
        within=within,
        between=between,
    )


def dagum(values: ArrayLike, groups: ArrayLike) -> DagumResult:
    r"""Dagum (1997) decomposition of the Gini coefficient of ``values`` by ``groups``.

    See the module docstring for the formulas: :math:`G = G_w + G_{nb} + G_t` with groups ordered by mean.

    Parameters
    ----------
    values
        Non-negative values, one per unit; every group needs a positive mean.
    groups
        Group label per unit (e.g. East/Central/West/Northeast).

    Returns
    -------
    DagumResult

    Raises
    ------
    MethodError
        Negative values, or a group (or the whole) with mean 0.

    Examples
    --------
    >>> r = dagum([1, 3, 2, 6], ["a", "a", "b", "b"])
    >>> r.groups, round(r.G, 6), round(r.G_w + r.G_nb + r.G_t, 6)
    (('a', 'b'), 0.333333, 0.333333)
    """
    y = as_values(values, domain="nonnegative", measure=_MEASURE)
    return _dagum_arrays(y, as_labels(groups, y.size, "groups"))


def _table(result: DagumResult, table: str) -> pd.DataFrame:
    return result.to_frame() if table == "summary" else getattr(result, table)


@dataclass(frozen=True)
class DagumByPeriod:
    """Dagum's decomposition for every period.

    Attributes
    ----------
    summary
        One row per period: ``period`` and the columns of :meth:`DagumResult.to_frame`.
    within, between
        The per-group and per-pair tables of every period stacked, with a ``period`` column.
    results
        ``{period: DagumResult}``.
    """

    summary: pd.DataFrame
    within: pd.DataFrame
    between: pd.DataFrame
    results: dict

    def pairs(self) -> pd.DataFrame:
        """Long table of :math:`G_{jj}` and :math:`G_{jh}` by period (see :attr:`DagumResult.pairs`)."""
        return pd.concat(
            [r.pairs.assign(period=p) for p, r in self.results.items()], ignore_index=True
        ).pipe(lambda f: f[["period", *f.columns[:-1]]])


def dagum_by_period(values: ArrayLike, groups: ArrayLike, periods: ArrayLike) -> DagumByPeriod:
    """Apply :func:`dagum` to each period of a panel (periods in sorted order)."""
    y = as_values(values, domain="nonnegative", measure=_MEASURE)
    g = as_labels(groups, y.size, "groups")
    per = as_labels(periods, y.size, "periods")
    results = {}
    for period, rows in by_period(per):
        with naming_period(period):
            results[period] = _dagum_arrays(y[rows], g[rows])

    def stack(table: str) -> pd.DataFrame:
        frames = [_table(r, table).assign(period=p) for p, r in results.items()]
        out = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
        return out[["period", *[c for c in out.columns if c != "period"]]]

    return DagumByPeriod(
        summary=stack("summary"),
        within=stack("within"),
        between=stack("between"),
        results=results,
    )
