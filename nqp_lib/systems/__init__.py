"""Indicator systems as data: YAML files mapping dimensions to indicators.

A system is a two-level hierarchy (dimension → indicator), written in YAML so that a new system is a new
file, not new code (the COINr idea of an index framework as a table). Each indicator names either a panel
``column`` or an arithmetic ``formula`` over panel columns, its unit, its direction (``+`` benefit,
``-`` cost), which of the article's four key features it evidences, which of the six formation conditions
it speaks to, and a one-line rationale. Optional ``weight`` entries feed the ``fixed`` weighting method.

File format::

    id: three_elements
    name: {zh: 新质生产力三要素, en: Three elements of NQPF}
    description: one paragraph
    reference: citation of the framework
    dimensions:
      - id: laborers
        name: {zh: 新劳动者, en: New laborers}
        weight: 0.4            # optional; all or none of the dimensions
        indicators:
          - id: rd_fte_per_10k
            name: {zh: 每万人R&D人员全时当量, en: R&D personnel FTE per 10k people}
            column: rd_fte_per_10k_pop           # or: formula: "rd_fte_person_years / population_10k"
            unit: {zh: 人年/万人, en: person-years per 10k people}   # or one string for both languages
            direction: "+"
            features: [high_tech]
            conditions: [5]
            rationale: why this measures the dimension
            weight: 0.2        # optional; all or none within a dimension
            min: 0             # optional plausible range; `defaults: {min: 0}` at the top sets it for all
            max: 100

:func:`load_system` (:mod:`.loader`) validates everything and raises
:class:`~nqp_lib.errors.SystemDefinitionError` naming the file and the key at fault.
:meth:`IndicatorSystem.matrix` (:mod:`.model`) turns a panel into the unit × year × indicator matrix the
measurement engine works on; formulas are evaluated by :mod:`nqp_lib.formula`.
"""

from nqp_lib.systems.loader import (
    CONDITIONS,
    DIRECTIONS,
    FEATURES,
    SYSTEMS_DIR,
    load_system,
    resolve_system_path,
    shipped_systems,
    system_from_dict,
)
from nqp_lib.systems.model import Dimension, Indicator, IndicatorSystem

__all__ = [
    "CONDITIONS", "DIRECTIONS", "FEATURES", "SYSTEMS_DIR", "Dimension", "Indicator", "IndicatorSystem", "load_system",
    "resolve_system_path", "shipped_systems", "system_from_dict",
]
