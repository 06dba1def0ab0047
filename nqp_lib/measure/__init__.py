"""Measurement engine: composite NQPF indexes, their uncertainty, and diagnostics.

``CompositeIndex(system, **options).fit(panel)`` normalises (:mod:`.normalise`), weights (:mod:`.weights`) and
aggregates (:mod:`.aggregate`) an indicator system's indicators into dimension scores, a total and ranks per year,
keeping every intermediate and the options in an :class:`IndexResult`. :func:`uncertainty` runs the seeded Monte
Carlo over method choices; :mod:`.diagnose` gives obstacle degree, coupling coordination and coherence.
See ``docs/measure.md`` for the options, their defaults and the formulas.
"""

from nqp_lib.measure.aggregate import AGGREGATORS, topsis, weighted_geometric, weighted_sum
from nqp_lib.measure.diagnose import (
    GRADES,
    Coherence,
    ObstacleResult,
    coherence,
    coupling_coordination,
    cronbach_alpha,
    obstacle_degree,
)
from nqp_lib.measure.index import CompositeIndex, IndexResult, MeasureOptions, measure, measure_options
from nqp_lib.measure.normalise import NORMALISERS, ZERO_HANDLERS, handle_zeros, normalise
from nqp_lib.measure.uncertainty import UncertaintyResult, uncertainty
from nqp_lib.measure.weights import COMBINERS, WEIGHTERS, compute_weights

__all__ = [
    "AGGREGATORS", "COMBINERS", "GRADES", "NORMALISERS", "WEIGHTERS", "ZERO_HANDLERS", "Coherence",
    "CompositeIndex", "IndexResult", "MeasureOptions", "ObstacleResult", "UncertaintyResult", "coherence",
    "compute_weights", "coupling_coordination", "cronbach_alpha", "handle_zeros", "measure", "measure_options",
    "normalise", "obstacle_degree", "topsis", "uncertainty", "weighted_geometric", "weighted_sum",
]
