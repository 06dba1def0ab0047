r"""Sums of absolute differences over all pairs, by sorting and cumulative sums (never an n × n matrix).

These sums are the raw material of the Gini coefficient and of Dagum's decomposition. For sorted values
:math:`y_{(1)} \le \dots \le y_{(n)}`,

.. math:: \sum_{i=1}^n \sum_{r=1}^n |y_i - y_r| = 2 \sum_{i=1}^n (2i - n - 1)\, y_{(i)},

and between two groups :math:`a` and :math:`b`, with :math:`b` sorted, :math:`c_i` the number of
:math:`b_r < a_i` and :math:`B_i` their sum,

.. math:: \sum_i \sum_r (a_i - b_r)^+ = \sum_i (a_i c_i - B_i), \qquad
          \sum_i \sum_r (b_r - a_i)^+ = \sum_i \big((B - B_i) - a_i (n_b - c_i)\big).

Both cost :math:`O(n \log n)` time and :math:`O(n)` memory.
"""

from __future__ import annotations

import numpy as np


def within_abs_sum(y_sorted: np.ndarray) -> float:
    r"""Return :math:`\sum_i \sum_r |y_i - y_r|` over ordered pairs (each unordered pair counted twice).

    ``y_sorted`` must be sorted ascending.
    """
    n = y_sorted.size
    ranks = np.arange(1, n + 1, dtype=float)
    return float(2.0 * np.dot(2.0 * ranks - n - 1.0, y_sorted))


def weighted_within_abs_sum(y: np.ndarray, w: np.ndarray) -> float:
    r"""Return :math:`\sum_i \sum_r w_i w_r |y_i - y_r|` (ordered pairs) by sorting.

    After sorting by :math:`y`, each unit contributes :math:`2 w_i (y_i W_{<i} - S_{<i})` where
    :math:`W_{<i}` and :math:`S_{<i}` are the cumulative weight and weighted sum of the units before it
    (ties contribute zero whichever way they are ordered).
    """
    order = np.argsort(y, kind="stable")
    ys, ws = y[order], w[order]
    cum_w = np.cumsum(ws) - ws
    cum_s = np.cumsum(ws * ys) - ws * ys
    return float(2.0 * np.sum(ws * (ys * cum_w - cum_s)))


def between_abs_sums(a: np.ndarray, b_sorted: np.ndarray) -> tuple[float, float]:
    r"""Return :math:`\left(\sum_i\sum_r (a_i - b_r)^+,\ \sum_i\sum_r (b_r - a_i)^+\right)`.

    ``b_sorted`` must be sorted ascending; ``a`` may be in any order. Their sum is
    :math:`\sum_i\sum_r |a_i - b_r|` and their difference is :math:`n_b \sum a - n_a \sum b`.
    """
    prefix = np.concatenate(([0.0], np.cumsum(b_sorted)))
    below = np.searchsorted(b_sorted, a, side="left")  # how many b_r < a_i
    sum_below = prefix[below]
    a_above_b = np.sum(a * below - sum_below)
    b_above_a = np.sum((prefix[-1] - sum_below) - a * (b_sorted.size - below))
    return float(a_above_b), float(b_above_a)
