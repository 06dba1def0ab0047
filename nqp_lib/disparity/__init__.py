"""Regional disparity and dynamics for any table of scores (provinces, cities, counties).

Each measure family has its module; all take plain arrays (values, and where needed group, unit and period
labels or a spatial weights matrix) and return dataclasses that keep their intermediates and options:

* :mod:`~nqp_lib.disparity.inequality` — Gini, coefficient of variation, Theil T and L with the exact
  within/between split.
* :mod:`~nqp_lib.disparity.dagum` — Dagum (1997) decomposition of the Gini by subgroup.
* :mod:`~nqp_lib.disparity.density` — kernel density (Gaussian or Epanechnikov) per period on a common grid.
* :mod:`~nqp_lib.disparity.markov` — quantile-class Markov chains (absolute or relative classes) and spatial
  Markov chains.
* :mod:`~nqp_lib.disparity.convergence` — σ- and β-convergence (absolute; unit and period fixed effects).
* :mod:`~nqp_lib.disparity.weights` — spatial weights (sparse inside) from a matrix, an edge list or a CSV.
* :mod:`~nqp_lib.disparity.spatial` — global Moran's I, local Moran (LISA); :mod:`~nqp_lib.disparity.inference`
  holds their pseudo p-values, analytical moments and multiple-testing adjustments.
* :mod:`~nqp_lib.disparity.mobility` — sojourn times, mean first-passage times, homogeneity tests of chains.
* :mod:`~nqp_lib.disparity.suite` — the registry that wires every measure once, with its defaults and seed,
  for the command line and the report's views.
* :mod:`~nqp_lib.disparity.command` — the ``nqp disparity`` command (imported by :mod:`nqp_lib.cli`).

See ``docs/disparity.md`` for formulas, options and the benchmark.
"""

from nqp_lib.disparity.convergence import BetaResult, SigmaResult, beta_convergence, sigma_convergence
from nqp_lib.disparity.dagum import DagumByPeriod, DagumResult, dagum, dagum_by_period
from nqp_lib.disparity.density import DensityResult, bandwidth, kernel_density
from nqp_lib.disparity.inequality import (
    InequalityByPeriod,
    TheilResult,
    coefficient_of_variation,
    gini,
    inequality_by_period,
    theil,
)
from nqp_lib.disparity.markov import (
    MarkovResult,
    SpatialMarkovResult,
    markov_chain,
    quantile_cuts,
    spatial_markov,
    steady_state,
)
from nqp_lib.disparity.spatial import (
    LisaResult,
    MoranByPeriod,
    MoranResult,
    SpatialWeights,
    local_moran,
    moran,
    moran_by_period,
)
from nqp_lib.disparity.weights import read_weights, spatial_weights, weights_from_edges

__all__ = [
    "BetaResult",
    "DagumByPeriod",
    "DagumResult",
    "DensityResult",
    "InequalityByPeriod",
    "LisaResult",
    "MarkovResult",
    "MoranByPeriod",
    "MoranResult",
    "SigmaResult",
    "SpatialMarkovResult",
    "SpatialWeights",
    "TheilResult",
    "bandwidth",
    "beta_convergence",
    "coefficient_of_variation",
    "dagum",
    "dagum_by_period",
    "gini",
    "inequality_by_period",
    "kernel_density",
    "local_moran",
    "markov_chain",
    "moran",
    "moran_by_period",
    "quantile_cuts",
    "read_weights",
    "sigma_convergence",
    "spatial_markov",
    "spatial_weights",
    "steady_state",
    "theil",
    "weights_from_edges",
]
