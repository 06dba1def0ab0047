"""Teaching: the methods appendix as a seminar — a worked example a student can follow and change, "what
changes if …" comparisons on the real panel, and exercises on the page's own numbers.

* :mod:`~nqp_lib.teaching.subset` — :func:`example_subset`: a few units × years × indicators of a fitted
  index, chosen by a stated rule or by hand.
* :mod:`~nqp_lib.teaching.worked` — one function per step (:func:`normalise_step`, :func:`entropy_step`,
  :func:`critic_step`, :func:`topsis_step`, :func:`dagum_step`), each calling the engine's own functions and
  keeping every intermediate; :func:`worked_example` runs them all; :func:`subset_index` does the same in one
  :class:`~nqp_lib.measure.CompositeIndex` call.
* :mod:`~nqp_lib.teaching.contrasts` — pooled vs per-year, zero shift vs replacement, entropy vs CRITIC,
  sum vs geometric vs TOPSIS, Silverman vs Scott, compound vs simple growth.
* :mod:`~nqp_lib.teaching.exercises` — the facts of one exercise per method (answers computed).

Example (a notebook cell)::

    from nqp_lib.teaching import example_subset, normalise_step, entropy_step, province_groups
    sub = example_subset(index, units="北京,广东,湖南,吉林,贵州,新疆", groups=province_groups())
    norm = normalise_step(sub)
    ent = entropy_step(norm, zeros="shift", shift=1e-4)
    ent.w                       # the entropy weights of the six indicators
"""

from nqp_lib.teaching.contrasts import (
    Contrast,
    aggregate_contrast,
    bandwidth_contrast,
    growth_contrast,
    rank_correlation,
    scope_contrast,
    weights_contrast,
    zeros_contrast,
)
from nqp_lib.teaching.exercises import KEYS as EXERCISE_KEYS
from nqp_lib.teaching.exercises import Exercise, exercises
from nqp_lib.teaching.subset import ExampleSubset, example_subset, province_groups
from nqp_lib.teaching.worked import (
    CriticStep,
    DagumStep,
    EntropyStep,
    NormaliseStep,
    TopsisStep,
    WorkedExample,
    critic_step,
    dagum_step,
    entropy_step,
    normalise_step,
    subset_index,
    topsis_step,
    worked_example,
)

__all__ = [
    "EXERCISE_KEYS", "Contrast", "CriticStep", "DagumStep", "EntropyStep", "ExampleSubset", "Exercise",
    "NormaliseStep", "TopsisStep", "WorkedExample", "aggregate_contrast", "bandwidth_contrast", "critic_step",
    "dagum_step", "entropy_step", "example_subset", "exercises", "growth_contrast", "normalise_step",
    "province_groups", "rank_correlation", "scope_contrast", "subset_index", "topsis_step", "weights_contrast",
    "worked_example", "zeros_contrast",
]
