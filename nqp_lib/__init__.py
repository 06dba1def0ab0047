"""nqp_lib — measure and analyse new quality productive forces (新质生产力) on real statistics.

Layers (data flows one way): ``data`` (load + provenance, regions, panel) → ``systems`` (indicator
systems as YAML) → ``measure`` (normalise, weight, aggregate, uncertainty, diagnostics) → ``disparity``
(inequality, dynamics, spatial) → ``charts`` → ``report`` (papermill + nbconvert to offline HTML).
"""

__version__ = "0.1.0"
