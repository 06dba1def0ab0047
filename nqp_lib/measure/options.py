"""Options of a composite index: :class:`MeasureOptions`, their validation and the choices each one offers.

Every choice option takes its valid names from the engine's registries (normalisers, zero handlers,
weighters, combiners, aggregators) or from a short tuple here (scope, hierarchy, dimension weights), so
:func:`choices` is the one answer to "what may this option be" for the command line and the report's
parameters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib.data.impute import METHODS as IMPUTE_METHODS
from nqp_lib.errors import ParameterError
from nqp_lib.measure.aggregate import AGGREGATORS
from nqp_lib.measure.normalise import NORMALISERS, ZERO_HANDLERS
from nqp_lib.measure.combine import COMBINERS
from nqp_lib.measure.weights import WEIGHTERS, parse_methods, weights_spec

SCOPES = ("pooled", "per-year")
HIERARCHIES = ("flat", "hierarchical")
DIMENSION_WEIGHTS = ("method", "equal", "fixed")
POOLED = "pooled"
AUTO = "auto"


@dataclass(frozen=True)
class MeasureOptions:
    """Validated options of a composite index (defaults are the package defaults).

    Attributes
    ----------
    normalise : {"minmax", "zscore", "vector", "rank"}
        Direction-aware normalisation (:data:`~nqp_lib.measure.normalise.NORMALISERS`).
    scope : {"pooled", "per-year"}
        Rows over which normalisation bounds, weights and TOPSIS points are learned: all unit-years
        (default; the only scope whose scores compare across years) or each year on its own.
    zeros : {"shift", "replace", "none"}
        Zero handling after normalisation, before logarithms (entropy, geometric mean).
    shift : float
        The constant of ``shift`` / ``replace`` (default 1e-4).
    weights : str
        A method of :data:`~nqp_lib.measure.weights.WEIGHTERS` or several joined by ``+``
        (``entropy+critic``).
    combine : {"mean", "geometric", "product"}
        How several methods' weights are combined.
    hierarchy : {"flat", "hierarchical"}
        Weights over all indicators at once, or within each dimension and then across dimensions.
    dimension_weights : {"method", "equal", "fixed"}
        Dimension weights of a hierarchical index: the same methods applied to the dimension scores, equal,
        or the system file's.
    aggregate : {"sum", "geometric", "topsis"}
        Aggregation (:data:`~nqp_lib.measure.aggregate.AGGREGATORS`).
    ddof : {0, 1}
        Delta degrees of freedom of every standard deviation (z-score, CRITIC, std weights): 1 = sample σ.
    impute : {"none", "linear", "linear_nearest", "nearest"}
        Imputation of missing indicator cells (:func:`nqp_lib.data.impute.impute`); ``none`` refuses to
        measure a matrix with gaps.
    years : tuple of int or None
        Keep only the years ``from``–``to`` (inclusive).
    exclude_units : tuple of str
        Units to leave out (e.g. a province with no data on an indicator, which no within-unit imputation
        can fill).
    clip : bool
        In :meth:`CompositeIndex.transform`, set raw values outside the fitted range of an indicator to the
        fitted minimum or maximum before normalising (default False: min-max scores of such values fall
        outside [0, 1], which shows a what-if beyond the observed best).
    """

    normalise: str = "minmax"
    scope: str = "pooled"
    zeros: str = "shift"
    shift: float = 1e-4
    weights: str = "entropy"
    combine: str = "mean"
    hierarchy: str = "flat"
    dimension_weights: str = "method"
    aggregate: str = "sum"
    ddof: int = 1
    impute: str = "none"
    years: tuple[int, int] | None = None
    exclude_units: tuple[str, ...] = ()
    clip: bool = False

    @property
    def methods(self) -> tuple[str, ...]:
        return parse_methods(self.weights)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["years"] = list(self.years) if self.years else None
        out["exclude_units"] = list(self.exclude_units)
        out["methods"] = list(self.methods)
        return out


OPTION_NAMES = tuple(f.name for f in fields(MeasureOptions))


def _choice(name: str, value: Any, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ParameterError(f"{name}: unknown value {value!r}; choose one of {', '.join(allowed)}")
    return value


def parse_years(value: Any) -> tuple[int, int] | None:
    """``None``, ``"2011-2023"``, ``"2015"``, ``2015`` or ``(2011, 2023)`` → ``(from, to)`` or None."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, str):
            parts = value.replace("–", "-").split("-")
            if len(parts) == 1:
                lo = hi = int(parts[0])
            elif len(parts) == 2:
                lo, hi = int(parts[0]), int(parts[1])
            else:
                raise ValueError
        elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            lo = hi = int(value)
        else:
            lo, hi = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ParameterError(f"years: {value!r} is not a year range; write FROM-TO such as 2011-2023") from None
    if lo > hi:
        raise ParameterError(f"years: {value!r} runs backwards; write FROM-TO with FROM ≤ TO")
    return (lo, hi)


def parse_units(value: Any) -> tuple[str, ...]:
    """``None``, ``"西藏"``, ``"西藏,青海"`` or a list → a tuple of unit names; ``"auto"`` → ``("auto",)``,
    which :func:`indicator_data` resolves to the units with an indicator that has no value in any year."""
    if value is None or value == "":
        return ()
    if isinstance(value, str) and value.strip().lower() == AUTO:
        return (AUTO,)
    if isinstance(value, str):
        parts = [v.strip() for v in value.replace("，", ",").split(",")]
    elif isinstance(value, (list, tuple, set, np.ndarray, pd.Index)):
        parts = [str(v).strip() for v in value]
    else:
        raise ParameterError(f"exclude_units: expected unit names (a list or 'A,B'), got {value!r}")
    return tuple(p for p in parts if p)


def measure_options(**options: Any) -> MeasureOptions:
    """Validate options (keyword names as in :class:`MeasureOptions`) and fill in defaults."""
    unknown = sorted(set(options) - set(OPTION_NAMES))
    if unknown:
        raise ParameterError(f"unknown option(s) {unknown}; valid options: {', '.join(OPTION_NAMES)}")
    o = {**asdict(MeasureOptions()), **options}
    for name in CHOICES:
        _choice(name, o[name], choices(name))
    o["weights"] = weights_spec(o["weights"])
    shift = o["shift"]
    if isinstance(shift, bool) or not isinstance(shift, (int, float)) or not math.isfinite(shift) or shift <= 0:
        raise ParameterError(f"shift: must be a positive number such as 1e-4, got {shift!r}")
    o["shift"] = float(shift)
    if o["ddof"] not in (0, 1) or isinstance(o["ddof"], bool):
        raise ParameterError(f"ddof: must be 0 (population σ) or 1 (sample σ), got {o['ddof']!r}")
    if not isinstance(o["clip"], bool):
        raise ParameterError(f"clip: must be True or False, got {o['clip']!r}")
    o["years"] = parse_years(o["years"])
    o["exclude_units"] = parse_units(o["exclude_units"])
    return MeasureOptions(**o)


def options_from_mapping(values: Mapping[str, Any]) -> dict[str, Any]:
    """Keep only the measurement options of a mapping (e.g. parsed CLI arguments), dropping None."""
    return {k: values[k] for k in OPTION_NAMES if k in values and values[k] is not None}


#: The options that pick one name from a fixed set, and where the set comes from.
CHOICES: dict[str, Mapping[str, Any] | Sequence[str]] = {
    "normalise": NORMALISERS,
    "scope": SCOPES,
    "zeros": ZERO_HANDLERS,
    "combine": COMBINERS,
    "hierarchy": HIERARCHIES,
    "dimension_weights": DIMENSION_WEIGHTS,
    "aggregate": AGGREGATORS,
    "impute": IMPUTE_METHODS,
}


def choices(option: str) -> tuple[str, ...]:
    """The valid values of a choice option (``normalise``, ``aggregate``, ``scope``, …), in their order.

    ``weights`` lists the single methods; any two or more joined by ``+`` are valid too (see
    :func:`~nqp_lib.measure.weights.weights_spec`).
    """
    if option == "weights":
        return tuple(WEIGHTERS)
    if option not in CHOICES:
        raise ParameterError(f"{option!r} is not a choice option; choice options: weights, {', '.join(CHOICES)}")
    return tuple(CHOICES[option])
