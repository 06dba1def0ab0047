"""Measurement engine: composite NQPF indexes, their uncertainty, and diagnostics.

``CompositeIndex(system, **options).fit(panel)`` normalises (:mod:`.normalise`), weights (:mod:`.weights`) and
aggregates (:mod:`.aggregate`) an indicator system's indicators into dimension scores, a total and ranks per year,
keeping every intermediate and the options in an :class:`IndexResult`. :func:`uncertainty` runs the seeded Monte
Carlo over method choices; :mod:`.diagnose` gives obstacle degree, coupling coordination and coherence.
Each method family is a :class:`~nqp_lib.registry.Registry` whose entries carry their metadata
(:data:`WEIGHTERS`, :data:`AGGREGATORS`, :data:`NORMALISERS`, …; e.g. ``WEIGHTERS.names(objective=True)``);
:func:`choices` gives the valid values of any choice option and :func:`weights_spec` checks a weights option
such as ``entropy+critic``. See ``docs/measure.md`` for the options, their defaults and the formulas.
"""

from nqp_lib.measure.aggregate import AGGREGATORS, Aggregator, topsis, weighted_geometric, weighted_sum
from nqp_lib.measure.combine import COMBINERS
from nqp_lib.measure.diagnose import (
    GRADES,
    Coherence,
    ObstacleResult,
    coherence,
    coupling_coordination,
    cronbach_alpha,
    obstacle_degree,
)
from nqp_lib.measure.index import CompositeIndex, measure
from nqp_lib.measure.normalise import NORMALISERS, ZERO_HANDLERS, Normaliser, handle_zeros, normalise
from nqp_lib.measure.options import MeasureOptions, choices, measure_options
from nqp_lib.measure.result import IndexResult
from nqp_lib.measure.uncertainty import UncertaintyResult, uncertainty
from nqp_lib.measure.weights import WEIGHTERS, Weighter, compute_weights, data_weighters, weights_spec

__all__ = [
    "AGGREGATORS", "COMBINERS", "GRADES", "NORMALISERS", "WEIGHTERS", "ZERO_HANDLERS", "Aggregator", "Coherence",
    "CompositeIndex", "IndexResult", "MeasureOptions", "Normaliser", "ObstacleResult", "UncertaintyResult",
    "Weighter", "choices", "coherence", "compute_weights", "coupling_coordination", "cronbach_alpha",
    "data_weighters", "handle_zeros", "measure", "measure_options", "normalise", "obstacle_degree", "topsis",
    "uncertainty", "weighted_geometric", "weighted_sum", "weights_spec",
]
