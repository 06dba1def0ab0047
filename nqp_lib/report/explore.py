"""ipywidgets explorers for live use in JupyterLab (``nqp serve``).

Their callbacks run Python, so they need a kernel. In a static report (``NQP_STATIC=1``, set by
``nqp build``) :func:`weights` shows a short note pointing to live mode instead of a dead widget; the
Altair slider charts on the same pages give the kernel-free version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from nqp_lib.report.vega import is_static

if TYPE_CHECKING:  # pragma: no cover
    from nqp_lib.report.context import Report


class WeightExplorer:
    """Dimension-weight sliders, a year slider and a live ranking table (top ``n``).

    The score is ``Σ_d w_d s_d / Σ_d w_d`` over the index's dimension sub-indices ``s_d``
    (:func:`nqp_lib.measure.scenario.reweighted_scores`, the formula the static slider chart evaluates in the
    browser); ranks are recomputed within the chosen year.
    """

    def __init__(self, ctx: Report, n: int = 10):
        import ipywidgets as widgets

        self.ctx = ctx
        self.n = n
        self.dimensions = [(d.id, d.name(ctx.lang)) for d in ctx.system.dimensions]
        dw = ctx.index.result_.dimension_weights
        start = dict(zip(dw["dimension"], dw["weight"]))
        self.sliders = {
            d: widgets.FloatSlider(value=round(float(start.get(d, 1 / len(self.dimensions))), 2), min=0.0, max=1.0,
                                   step=0.01, description=label, continuous_update=False,
                                   style={"description_width": "initial"})
            for d, label in self.dimensions
        }
        years = sorted(ctx.scores["year"].unique())
        self.year = widgets.IntSlider(value=int(years[-1]), min=int(years[0]), max=int(years[-1]),
                                      description=ctx.t("year"), continuous_update=False)
        self.output = widgets.Output()
        for w in [*self.sliders.values(), self.year]:
            w.observe(self._changed, names="value")
        self.widget = widgets.VBox([*self.sliders.values(), self.year, self.output])
        self.refresh()

    def weights(self) -> dict[str, float]:
        return {d: s.value for d, s in self.sliders.items()}

    def table(self) -> pd.DataFrame:
        """The ranking under the current slider values (all units of the chosen year), from
        :func:`nqp_lib.measure.scenario.reweighted_scores`."""
        from nqp_lib.measure.scenario import reweighted_scores

        s = self.ctx.scores
        s = s[s["year"] == self.year.value]
        scored = reweighted_scores(s, self.weights())
        s = s.drop(columns=["score", "rank"]).assign(score=scored["score"].to_numpy(), rank=scored["rank"].to_numpy())
        return s.sort_values(["rank", "unit"])[["rank", "name", "group", "score"]].reset_index(drop=True)

    def refresh(self) -> None:
        from IPython.display import display

        self.output.clear_output(wait=True)
        with self.output:
            display(self.table().head(self.n))

    def _changed(self, _change) -> None:
        self.refresh()


def weights(ctx: Report, n: int = 10) -> WeightExplorer | None:
    """Show the weight explorer (live) or a note pointing to live mode (static HTML)."""
    from IPython.display import display

    if is_static():
        ctx.note(ctx.t("live_only"))
        return None
    explorer = WeightExplorer(ctx, n)
    display(explorer.widget)
    return explorer
