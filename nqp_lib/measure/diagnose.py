"""Diagnostics of a fitted index: obstacle degree, coupling coordination, statistical coherence.

All three read an :class:`~nqp_lib.measure.index.IndexResult`; none of them changes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
import numpy as np
import pandas as pd

from nqp_lib.errors import MethodError, ParameterError
from nqp_lib.measure.normalise import NORMALISERS
from nqp_lib.measure.result import IndexResult

# --------------------------------------------------------------------------- obstacle degree


@dataclass
class ObstacleResult:
    """Result of :func:`obstacle_degree`.

    Attributes
    ----------
    indicators : DataFrame
        unit, year and the obstacle degree O_ij of every indicator (each row sums to 1).
    dimensions : DataFrame
        unit, year and the obstacle degree of every dimension (sum of its indicators' O_ij).
    top_indicators : DataFrame
        unit, year, position (1 = largest), indicator, dimension, obstacle — the ``top`` largest per unit-year.
    top_dimensions : DataFrame
        unit, year, position, dimension, obstacle.
    notes : list of str
    """

    indicators: pd.DataFrame
    dimensions: pd.DataFrame
    top_indicators: pd.DataFrame
    top_dimensions: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _top(values: np.ndarray, names: Sequence[str], units, years, k: int, label: str, extra: Mapping[str, str] | None = None) -> pd.DataFrame:
    k = min(k, values.shape[1])
    order = np.argsort(-values, axis=1, kind="stable")[:, :k]
    n = values.shape[0]
    out = pd.DataFrame({
        "unit": np.repeat(units, k),
        "year": np.repeat(years, k),
        "position": np.tile(np.arange(1, k + 1), n),
        label: np.asarray(names, dtype=object)[order].ravel(),
        "obstacle": np.take_along_axis(values, order, axis=1).ravel(),
    })
    if extra is not None:
        out.insert(4, "dimension", out[label].map(extra))
    return out


def obstacle_degree(result: IndexResult, top: int = 3) -> ObstacleResult:
    r"""Obstacle degree: which indicators and dimensions hold a unit-year's score back most.

    .. math::

        F_j = w_j, \qquad I_{ij} = 1 - x'_{ij}, \qquad
        O_{ij} = \frac{F_j I_{ij}}{\sum_j F_j I_{ij}}, \qquad U_{ik} = \sum_{j \in k} O_{ij}

    with :math:`w_j` the final (dimension-aware: within × dimension weight) weight of indicator j in the
    unit-year's scope and :math:`x'_{ij}` its normalised value before zero handling, which must lie in
    [0, 1] (min-max or rank normalisation). A unit-year at the best value of every weighted indicator has no
    obstacle (:math:`\sum_j F_j I_{ij} = 0`); its O is 0 everywhere and a note says so.

    References
    ----------
    The factor contribution × deviation form used across the NQPF literature, e.g. 王珏, 王荣基 (2024)
    新质生产力：指标构建与时空演进, 西安财经大学学报 37(1).
    """
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ParameterError(f"obstacle_degree: top must be a positive integer, got {top!r}")
    a = result.arrays
    x = a.normalised
    if x.min() < -1e-12 or x.max() > 1 + 1e-12:
        raise MethodError(
            "obstacle degree needs normalised values in [0, 1] (deviation 1 − x'); "
            f"normalise={result.options['normalise']!r} gives values in [{x.min():.3g}, {x.max():.3g}]"
            + (" because transformed values lie outside the fitted range (use clip=True)" if result.options.get("mode") == "transform" else "")
            + f"; use {' or '.join(NORMALISERS.names(bounded=True))} normalisation"
        )
    f = a.final[a.block]
    fi = f * (1.0 - x)
    total = fi.sum(axis=1)
    notes = []
    none = total <= 0
    if none.any():
        where = ", ".join(f"{a.units[i]} {a.years[i]}" for i in np.flatnonzero(none)[:5])
        notes.append(f"{int(none.sum())} unit-year(s) are at the best value of every weighted indicator and have no obstacle: {where}")
    o = np.where(none[:, None], 0.0, fi / np.where(none, 1.0, total)[:, None])
    K = len(a.dimensions)
    onehot = np.zeros((len(a.indicators), K))
    onehot[np.arange(len(a.indicators)), a.dims] = 1.0
    od = o @ onehot
    keys = pd.DataFrame({"unit": a.units, "year": a.years})
    dim_of = {ind: a.dimensions[k] for ind, k in zip(a.indicators, a.dims)}
    return ObstacleResult(
        indicators=pd.concat([keys, pd.DataFrame(o, columns=a.indicators)], axis=1),
        dimensions=pd.concat([keys, pd.DataFrame(od, columns=a.dimensions)], axis=1),
        top_indicators=_top(o, a.indicators, a.units, a.years, int(top), "indicator", dim_of),
        top_dimensions=_top(od, a.dimensions, a.units, a.years, int(top), "dimension"),
        notes=notes,
    )


# --------------------------------------------------------------------------- coupling coordination

#: Coordination grades of D by tenths (the ten-level scale common in Chinese coupling studies).
GRADES: tuple[tuple[str, str], ...] = (
    ("极度失调", "extreme imbalance"),
    ("严重失调", "severe imbalance"),
    ("中度失调", "moderate imbalance"),
    ("轻度失调", "mild imbalance"),
    ("濒临失调", "verging on imbalance"),
    ("勉强协调", "barely coordinated"),
    ("初级协调", "primary coordination"),
    ("中级协调", "intermediate coordination"),
    ("良好协调", "good coordination"),
    ("优质协调", "high-quality coordination"),
)


def coupling_coordination(
    data: IndexResult | pd.DataFrame,
    alpha: Sequence[float] | Mapping[str, float] | str | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    r"""Coupling (C), comprehensive development (T) and coupling coordination (D) of n subsystems.

    .. math::

        C = \frac{n \left(\prod_{i=1}^{n} U_i\right)^{1/n}}{\sum_{i=1}^{n} U_i}, \qquad
        T = \sum_i \alpha_i U_i, \qquad D = \sqrt{C \, T}

    with :math:`U_i \in [0, 1]` the subsystem scores (by default an index's dimension scores, e.g. the three
    elements) and :math:`\alpha_i \ge 0`, :math:`\sum_i \alpha_i = 1` (default :math:`1/n`). C is the ratio
    of the geometric to the arithmetic mean of the :math:`U_i`, so :math:`0 \le C \le 1` by the AM–GM
    inequality, with C = 1 exactly when all :math:`U_i` are equal; hence C, T and D all lie in [0, 1].
    For n = 2 this is the familiar :math:`C = 2\sqrt{U_1 U_2}/(U_1 + U_2)`. The three-system form widely
    copied in the literature, :math:`C = [U_1U_2U_3 / ((U_1+U_2)(U_1+U_3)(U_2+U_3))]^{1/3}`, has maximum 1/2
    (at :math:`U_1 = U_2 = U_3`: :math:`(U^3/8U^3)^{1/3}`), so it is not on [0, 1] without rescaling and is
    not used. A row with :math:`\sum U_i = 0` gets C = 0 (and D = 0).

    ``grade`` is the tenth of D (0–9) and ``grade_zh``/``grade_en`` its label (:data:`GRADES`, from
    极度失调 extreme imbalance at D < 0.1 to 优质协调 high-quality coordination at D ≥ 0.9).

    Parameters
    ----------
    data : IndexResult or DataFrame
        A result (its dimension scores) or a frame with unit, year and the subsystem columns.
    alpha : sequence, mapping, "weights" or None
        Contribution of each subsystem to T; ``"weights"`` takes the index's dimension weights (pooled
        scope only); None: equal.
    columns : sequence of str, optional
        Subsystem columns (default: the index's dimensions, or every column but unit and year).

    References
    ----------
    The coordination degree and its ten grades as used in regional studies, e.g. 廖重斌 (1999)
    环境与经济协调发展的定量评判及其分类体系, 热带地理 19(2), 171–177.
    """
    if isinstance(data, IndexResult):
        frame = data.scores
        cols = list(columns) if columns is not None else list(data.arrays.dimensions)
    elif isinstance(data, pd.DataFrame):
        frame = data
        cols = list(columns) if columns is not None else [c for c in frame.columns if c not in ("unit", "year")]
    else:
        raise ParameterError("coupling_coordination: pass an IndexResult or a DataFrame of subsystem scores")
    absent = [c for c in cols if c not in frame.columns]
    if absent:
        raise ParameterError(f"coupling_coordination: column(s) {absent} not found; available: {list(frame.columns)}")
    if len(cols) < 2:
        raise ParameterError("coupling_coordination: needs at least two subsystems")
    u = frame[cols].to_numpy(dtype=float)
    if np.isnan(u).any():
        raise MethodError(f"coupling_coordination: missing subsystem scores in {int(np.isnan(u).any(axis=1).sum())} rows")
    if u.min() < 0 or u.max() > 1:
        raise MethodError(
            f"coupling coordination needs subsystem scores in [0, 1], got values in [{u.min():.3g}, {u.max():.3g}]; "
            f"use {' or '.join(NORMALISERS.names(bounded=True))} normalisation (the scores of an index on "
            "unbounded normalised values are unbounded)"
        )
    n = len(cols)
    if alpha is None:
        al = np.full(n, 1.0 / n)
    elif isinstance(alpha, str):
        if alpha != "weights" or not isinstance(data, IndexResult):
            raise ParameterError("coupling_coordination: alpha='weights' needs an IndexResult; or give numbers")
        dw = data.arrays.dimension
        if dw.shape[0] != 1:
            raise ParameterError("coupling_coordination: alpha='weights' needs a pooled index (per-year weights differ by year)")
        names = list(data.arrays.dimensions)
        al = np.array([dw[0][names.index(c)] for c in cols])
    elif isinstance(alpha, Mapping):
        missing = [c for c in cols if c not in alpha]
        if missing:
            raise ParameterError(f"coupling_coordination: alpha has no value for {missing}")
        al = np.array([float(alpha[c]) for c in cols])
    else:
        al = np.asarray(list(alpha), dtype=float)
    if al.shape != (n,) or (al < 0).any() or not np.isclose(al.sum(), 1.0):
        raise ParameterError(f"coupling_coordination: alpha must be {n} non-negative numbers summing to 1, got {al.tolist()}")
    s = u.sum(axis=1)
    gm = np.exp(np.log(np.where(u > 0, u, 1.0)).mean(axis=1))
    gm = np.where((u > 0).all(axis=1), gm, 0.0)
    c = np.where(s > 0, n * gm / np.where(s > 0, s, 1.0), 0.0)
    c = np.clip(c, 0.0, 1.0)  # AM–GM holds exactly; the clip removes rounding above 1
    t = u @ al
    d = np.sqrt(c * t)
    grade = np.minimum((d * 10).astype(int), 9)
    out = frame[[k for k in ("unit", "year") if k in frame.columns]].copy().reset_index(drop=True)
    out["C"], out["T"], out["D"] = c, t, d
    out["grade"] = grade
    out["grade_zh"] = [GRADES[g][0] for g in grade]
    out["grade_en"] = [GRADES[g][1] for g in grade]
    return out


# --------------------------------------------------------------------------- coherence


@dataclass
class Coherence:
    """Result of :func:`coherence`: ``correlations`` (m × m), ``alpha`` (per dimension) and
    ``indicator_correlations`` (each indicator with its dimension score and with the total)."""

    correlations: pd.DataFrame
    alpha: pd.DataFrame
    indicator_correlations: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def cronbach_alpha(x: np.ndarray) -> float:
    r"""Cronbach's alpha of the columns of ``x`` (rows × k items).

    .. math:: \alpha = \frac{k}{k-1}\left(1 - \frac{\sum_j \sigma_j^2}{\sigma^2_{\text{total}}}\right)

    with :math:`\sigma^2_{\text{total}}` the variance of the row sums (any ddof: it cancels). Raises
    :class:`MethodError` for fewer than two items or a constant total.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. *Psychometrika* 16(3),
    297–334. OECD/JRC (2008), Handbook, section 3.1.
    """
    k = x.shape[1]
    if k < 2:
        raise MethodError("Cronbach's alpha needs at least two indicators")
    total_var = x.sum(axis=1).var()
    if total_var <= 0:
        raise MethodError("Cronbach's alpha is undefined: the sum of the indicators is constant")
    return float(k / (k - 1) * (1.0 - x.var(axis=0).sum() / total_var))


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def coherence(result: IndexResult) -> Coherence:
    """Statistical coherence of an index (OECD/JRC Handbook, section 3; COINr's ``get_corr``/``get_cronbach``).

    * ``correlations``: Pearson correlations of the normalised (direction-aware) indicators over all
      unit-years;
    * ``alpha``: Cronbach's alpha of each dimension's normalised indicators (:func:`cronbach_alpha`); for a
      dimension with one indicator or a constant total, alpha is NaN and the ``note`` column says why;
    * ``indicator_correlations``: each indicator's correlation with its dimension score and with the total
      (NaN, with a note, for a constant indicator).
    """
    a = result.arrays
    x = a.normalised
    notes: list[str] = []
    const = np.ptp(x, axis=0) == 0
    corr = np.full((x.shape[1], x.shape[1]), np.nan)
    live = ~const
    if live.sum() >= 2:
        corr[np.ix_(live, live)] = np.corrcoef(x[:, live], rowvar=False)
    if const.any():
        notes.append(f"constant indicator(s) {', '.join(np.asarray(a.indicators)[const])}: correlations undefined (NaN)")
    rows = []
    for k, dim in enumerate(a.dimensions):
        cols = np.flatnonzero(a.dims == k)
        try:
            val, note = cronbach_alpha(x[:, cols]), ""
        except MethodError as exc:
            val, note = float("nan"), str(exc)
        rows.append({"dimension": dim, "indicators": len(cols), "cronbach_alpha": val, "note": note})
    ic = []
    for j, ind in enumerate(a.indicators):
        k = a.dims[j]
        ic.append({
            "indicator": ind,
            "dimension": a.dimensions[k],
            "r_dimension": _corr(x[:, j], a.dimension_scores[:, k]),
            "r_total": _corr(x[:, j], a.total),
            "note": "constant indicator" if const[j] else "",
        })
    return Coherence(
        correlations=pd.DataFrame(corr, index=a.indicators, columns=a.indicators),
        alpha=pd.DataFrame(rows),
        indicator_correlations=pd.DataFrame(ic),
        notes=notes,
    )
