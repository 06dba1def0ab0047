"""Views of section 3 (pathways): the six recommendations as levers, the diagnosis of the focus unit and of
every group linked to them, disparities and convergence, and the scenario explorer.

* :mod:`.levers` — the recommendations × conditions, dimensions and indicators;
* :mod:`.diagnosis` — obstacle degrees of the focus unit and of every group;
* :mod:`.disparities` — Dagum, kernel density, Markov and spatial Markov, σ and β convergence (disparity suite);
* :mod:`.explorer` — the scenario explorer (static Altair from a precomputed grid; ipywidgets live).
"""

from nqp_lib.report.views.pathways.diagnosis import (
    TOP_OBSTACLES,
    diagnosis,
    diagnosis_note,
    facts,
    focus_indicator_heatmap,
    focus_note,
    focus_obstacle_lines,
    focus_top_obstacles,
    focus_trend,
    group_facts,
    group_summary,
    group_obstacle_lines,
    group_table,
    has_groups,
    main_obstacle_by_region,
)
from nqp_lib.report.views.pathways.disparities import (
    convergence_note,
    SHOWN_BASIS,
    beta_facts,
    beta_table,
    dagum_facts,
    dagum_ginis,
    dagum_shares,
    density_chart,
    density_facts,
    disparity_note,
    markov_chart,
    markov_facts,
    rising_share,
    sigma_chart,
    sigma_facts,
    sigma_low,
    spatial_markov_chart,
    spatial_markov_facts,
    suite_data,
)
from nqp_lib.report.views.pathways.explorer import (
    GAP_QUANTILE,
    explorer_chart,
    explorer_facts,
    focus_gap,
    grid,
    outcomes,
    show_explorer,
)
from nqp_lib.report.views.pathways.levers import lever_facts, levers_table, numbered

__all__ = [
    "GAP_QUANTILE", "TOP_OBSTACLES", "SHOWN_BASIS", "beta_facts", "convergence_note", "beta_table", "dagum_facts", "dagum_ginis", "dagum_shares",
    "density_chart", "density_facts", "diagnosis", "diagnosis_note", "disparity_note", "explorer_chart", "explorer_facts", "facts", "focus_gap",
    "focus_indicator_heatmap", "focus_note", "focus_obstacle_lines", "focus_trend", "focus_top_obstacles", "grid", "group_facts", "group_summary", "group_obstacle_lines", "group_table", "has_groups",
    "lever_facts", "levers_table", "main_obstacle_by_region", "markov_chart", "markov_facts", "numbered",
    "outcomes", "rising_share", "show_explorer", "sigma_chart", "sigma_facts", "sigma_low", "spatial_markov_chart", "spatial_markov_facts",
    "suite_data",
]
