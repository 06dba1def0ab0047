"""Combining the weights of several methods (``weights="entropy+critic"``): the :data:`COMBINERS` family.

Each method's weights sum to 1; a combiner maps the M × m stack of them to one vector, which
:func:`combine` normalises to sum to 1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nqp_lib.errors import MethodError
from nqp_lib.registry import Label, Registry


def combine_mean(ws: np.ndarray) -> np.ndarray:
    r"""Arithmetic mean of the methods' weights: :math:`w_j = \frac{1}{M}\sum_{s} w_j^{(s)}`."""
    return ws.mean(axis=0)


def combine_geometric(ws: np.ndarray) -> np.ndarray:
    r"""Normalised geometric mean: :math:`w_j \propto \prod_s (w_j^{(s)})^{1/M}`."""
    return np.prod(ws, axis=0) ** (1.0 / ws.shape[0])


def combine_product(ws: np.ndarray) -> np.ndarray:
    r"""Normalised product ("multiplicative synthesis"): :math:`w_j \propto \prod_s w_j^{(s)}`.

    References
    ----------
    Common in Chinese composite-index studies as 乘法合成归一化 (e.g. AHP × entropy).
    """
    return np.prod(ws, axis=0)


@dataclass(frozen=True)
class Combiner:
    """A way to combine several methods' weights (M × m) into one vector (normalised by :func:`combine`)."""

    name: str
    label: Label
    apply: Callable[[np.ndarray], np.ndarray]

    def __call__(self, ws: np.ndarray) -> np.ndarray:
        return self.apply(ws)


#: Ways to combine the weights of two or more methods, by name.
COMBINERS: Registry[Combiner] = Registry("combine", [
    Combiner("mean", Label("算术平均", "arithmetic mean"), combine_mean),
    Combiner("geometric", Label("几何平均", "geometric mean"), combine_geometric),
    Combiner("product", Label("乘法合成", "normalised product"), combine_product),
])


def combine(ws: Sequence[np.ndarray], how: str = "mean", labels: Sequence[str] | None = None) -> np.ndarray:
    """Combine the weight vectors ``ws`` of several methods (each summing to 1) into one summing to 1."""
    rule = COMBINERS.pick(how)
    if len(ws) == 1:
        return np.asarray(ws[0], dtype=float)
    raw = rule(np.vstack(ws))
    if raw.sum() <= 0:
        raise MethodError(
            f"combine={how!r}: the methods give no indicator a positive weight in common, so the combined "
            "weights are all zero; use combine='mean'"
        )
    return raw / raw.sum()
