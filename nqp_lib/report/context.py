"""The set-up call every section notebook makes, and the objects its thin cells use.

``ctx = setup("overview", globals())`` validates the section's parameters (declared in
:mod:`nqp_lib.report.parameters`; the same checks ``nqp build`` runs before executing anything), switches
Altair to the offline renderer and the nqp theme, loads the panel and the indicator system, and returns a :class:`Report`: the
data, the fitted index, label and prose lookup in the report language, and display helpers that escape
every user-supplied string. ``ctx.finish()`` (the last cell) emits the provenance the HTML footer shows.
"""

from __future__ import annotations

import html
import os
import subprocess
from dataclasses import field, make_dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from nqp_lib import __version__, labels
from nqp_lib.data.package import used_resources
from nqp_lib.data.panel import Panel
from nqp_lib.data.regions import load_regions
from nqp_lib.errors import NqpError, ParameterError
from nqp_lib.measure.options import measure_options
from nqp_lib.report import parameters, prose
from nqp_lib.report.markup import html_table
from nqp_lib.report.parameters import SHARED, TYPES, declared
from nqp_lib.systems import IndicatorSystem, load_system

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: MIME type of the provenance record a notebook emits for its HTML footer (read by nqp_lib.report.html).
PROVENANCE_MIME = "application/vnd.nqp.provenance+json"
#: Altair's row guard for inline chart data (default 5,000); pages must still stay under 3 MB.
MAX_CHART_ROWS = 12_000


def _settings_as_dict(self) -> dict[str, Any]:
    out = {p.name: getattr(self, p.name) for p in SHARED}
    out.update(self.extra)
    return out


#: Validated report parameters: one field per shared parameter of :mod:`nqp_lib.report.parameters`
#: (same name, type and default), ``extra`` for a section's own parameters (``draws``), and ``prefit``: the
#: index :func:`check_settings` fitted as its last check, reused by :attr:`Report.index` (changed settings
#: need a new :func:`check_settings` call; ``dataclasses.replace`` would carry a stale index).
Settings = make_dataclass(
    "Settings",
    [(p.name, TYPES[p.type], field(default=p.default)) for p in SHARED]
    + [("extra", dict, field(default_factory=dict)), ("prefit", Any, field(default=None, compare=False, repr=False)),
       ("adjusted", tuple, field(default=(), compare=False, repr=False))],
    frozen=True,
    namespace={"as_dict": _settings_as_dict, "__module__": __name__,
               "__doc__": "Validated report parameters (declared in nqp_lib.report.parameters)."},
)


#: The user panel last read by this process, keyed by its path, size and modification time and its metadata.
_READ: dict[tuple, Panel] = {}


def _open_panel(spec: str, meta: str = "") -> Panel:
    """The panel ``spec`` names; a user file is read once per process while it is unchanged
    (:func:`check_settings` and :attr:`Report.panel` both need it, and a county-scale CSV takes seconds)."""
    from nqp_lib.data.userpanel import open_panel

    def stamp(path: str) -> tuple:
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            return (path,)
        return (os.path.abspath(path), st.st_size, st.st_mtime_ns)

    if not os.path.isfile(spec):  # a shipped panel (provincial, international) is cached where it is built
        return open_panel(spec, meta=meta or None)
    from nqp_lib.data.panelmeta import metadata_files

    # the sidecar (given or beside the panel) and its weights file are part of what was read
    key = (stamp(spec), stamp(meta) if meta else (), *(stamp(str(f)) for f in metadata_files(spec, meta)))
    if key not in _READ:
        panel = open_panel(spec, meta=meta or None)
        _READ.clear()
        _READ[key] = panel
    return _READ[key]


def check_settings(**params: Any) -> Settings:
    """Check report parameters against the data: year range covered, focus unit known, grouping a column
    of the panel, weights file readable, system loads and fits the panel, method names valid. Returns the
    settings with the focus written canonically.

    Defaults that do not fit the panel are replaced by the panel's own and recorded in ``adjusted``
    (shown by :meth:`Report.defaults_note`): years outside the panel → the panel's first/last year;
    grouping ``region4`` on a panel without it → the panel's first grouping (or none); focus ``广东`` not
    in the panel → the focus its metadata names, else the top scorer of the last year. A value that was
    given and does not fit is refused.

    Raises :class:`ParameterError` (or the data layer's errors) naming the parameter and what is valid.
    """
    from nqp_lib.report import panelfit

    shared = {p.name: p for p in SHARED}
    known = {k: shared[k].coerce(params.pop(k)) for k in list(params) if k in shared}
    params = {k: declared(k).coerce(v) if declared(k) else v for k, v in params.items()}
    s = Settings(**known, extra=params)
    try:
        panel = _open_panel(s.panel, s.panel_meta)
    except NqpError as exc:
        raise ParameterError(f"parameter 'panel' = {s.panel!r}: {exc}") from None
    adjusted: list[tuple[str, dict[str, Any]]] = []
    known.update(panelfit.fit_years(s, panel, adjusted))
    known["grouping"] = panelfit.fit_grouping(s, panel, adjusted)
    known["system"] = panelfit.fit_system(s, panel, adjusted)
    panelfit.check_weights_matrix(s, panel)
    s = Settings(**known, extra=params)
    try:
        system = load_system(s.system)
    except NqpError as exc:
        raise ParameterError(f"parameter 'system' = {s.system!r}: {exc}") from None
    system.check_columns(panel.frame.columns, where=f"panel {s.panel!r}")
    focus = panelfit.find_focus(s.focus, panel)
    if focus is None and s.focus != shared["focus"].default:
        raise ParameterError(
            f"parameter 'focus' = {s.focus!r} is not a unit of panel {s.panel!r}; "
            f"use e.g. {', '.join(panel.unit_names[:5])} …"
        )
    measure_options(weights=s.weights, aggregate=s.aggregate, scope=s.scope, normalise=s.normalise, impute=s.impute)
    try:  # the index itself, on the report's years: takes milliseconds and catches what no type check can
        prefit = fitted_index(system, panel.select(years=(s.year_from, s.year_to)), s)
    except NqpError as exc:
        raise ParameterError(
            f"the index cannot be measured with weights={s.weights}, aggregate={s.aggregate}, normalise={s.normalise}, "
            f"scope={s.scope}, impute={s.impute} on years {s.year_from}–{s.year_to}: {exc}"
        ) from None
    if focus is None:
        focus = panelfit.default_focus(s.focus, panel, prefit, adjusted)
    return Settings(**{**known, "focus": focus}, extra=params, prefit=prefit, adjusted=tuple(adjusted))


def fitted_index(system: IndicatorSystem, panel: Panel, s: Settings):
    """The report's composite index: the settings' methods, units no indicator covers left out."""
    from nqp_lib.measure.index import CompositeIndex

    return CompositeIndex(
        system, weights=s.weights, aggregate=s.aggregate, scope=s.scope, normalise=s.normalise,
        impute=s.impute, exclude_units="auto",
    ).fit(panel)


def git_commit() -> str | None:
    """The project's git commit (with ``+dirty`` when files differ), or None outside a checkout."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=5)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return head.stdout.strip()[:12] + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def versions() -> dict[str, str]:
    import altair
    import numpy
    import pandas

    return {"nqp_lib": __version__, "pandas": pandas.__version__, "altair": altair.__version__, "numpy": numpy.__version__}


class Report:
    """What a section notebook works with (created by :func:`setup`)."""

    def __init__(self, section: str, settings: Settings):
        self.section = section
        self.settings = settings
        self.lang = settings.lang

    # ---------------------------------------------------------------- data
    @cached_property
    def system(self) -> IndicatorSystem:
        return load_system(self.settings.system)

    @cached_property
    def panel(self) -> Panel:
        """The panel restricted to the report's years (missing cells not yet filled)."""
        s = self.settings
        return _open_panel(s.panel, s.panel_meta).select(years=(s.year_from, s.year_to))

    @property
    def meta(self):
        """What the panel says about itself (:class:`~nqp_lib.data.panelmeta.PanelMeta`): names, groupings,
        citation, weights."""
        from nqp_lib.data.panelmeta import PanelMeta

        return self.panel.meta if self.panel.meta is not None else PanelMeta(unit_kind=self.panel.unit_kind)

    @property
    def grouping(self):
        """The report's :class:`~nqp_lib.data.panelmeta.Grouping`, or None when the panel has none (views
        that need groups then show :func:`~nqp_lib.report.views.common.grouping_note` instead)."""
        return self.meta.grouping(self.settings.grouping) if self.settings.grouping else None

    @cached_property
    def regions(self) -> pd.DataFrame:
        """One row per unit with display columns in the report language: ``unit``, ``name``, ``abbr``,
        ``group`` (the label of its group under the report's grouping; "All" without one), and the tile
        position (``tile_row``, ``tile_col``; 0 for units without a tile layout)."""
        from nqp_lib.report.panelfit import unit_table

        return unit_table(self)

    def weights(self):
        """The spatial weights the views should use (:class:`~nqp_lib.disparity.weights.SpatialWeights`
        over the report's scored units), or None: ``weights_matrix`` when given, else the panel's own
        (its sidecar's ``weights``), else the provinces' contiguity for a provincial panel."""
        from nqp_lib.report.panelfit import report_weights

        return self.memo("spatial_weights", lambda: report_weights(self))

    def defaults_note(self) -> str | None:
        """One sentence per default the panel did not fit and what was used instead, or None."""
        if not self.settings.adjusted:
            return None
        from nqp_lib.report.panelfit import adjusted_text

        return " ".join(adjusted_text(self, key, values) for key, values in self.settings.adjusted)

    @property
    def excluded_units(self) -> list[str]:
        """Units the index leaves out: an indicator has no value for them in any report year."""
        return list(self.index.excluded_)

    @cached_property
    def index(self):
        """The fitted :class:`~nqp_lib.measure.index.CompositeIndex` with the report's options (the one
        :func:`check_settings` fitted when it checked these settings)."""
        if self.settings.prefit is not None:
            return self.settings.prefit
        return fitted_index(self.system, self.panel, self.settings)

    @cached_property
    def is_provincial(self) -> bool:
        """True when every unit is one of the 31 provinces (tile maps and contiguity apply)."""
        return set(self.panel.frame["unit"]) <= set(load_regions()["name_zh"])

    def with_regions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Join display names, groups and tile positions onto a frame keyed by ``unit``."""
        cols = ["unit", "name", "abbr", "group", "tile_row", "tile_col"]
        table = self.regions[cols]
        missing = frame[["unit"]].drop_duplicates()
        missing = missing[~missing["unit"].isin(table["unit"])]
        if len(missing):
            extra = missing.assign(name=missing["unit"], abbr=missing["unit"], group=self.t("no_group"),
                                   tile_row=0, tile_col=0)
            table = pd.concat([table, extra])
        return frame.merge(table, on="unit", how="left")

    @cached_property
    def scores(self) -> pd.DataFrame:
        """unit, year, score, rank, one column per dimension, plus display and region columns."""
        return self.with_regions(self.index.result_.scores)

    def memo(self, key: str, compute: Any) -> Any:
        """Compute once per report (results several views share: uncertainty, Dagum, Moran …)."""
        cache = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    # ---------------------------------------------------------------- text
    def t(self, key: str, **values: Any) -> str:
        """A UI label in the report's language; ``{unit}``/``{units}`` (``{Unit}``/``{Units}`` capitalised)
        are the panel's nouns and ``{group}``/``{Group}`` the grouping's name, unless ``values`` give them."""
        text = labels.t(key, self.lang)
        if "{" not in text:
            return text
        fill = _Fill(self._label_words(), **values)
        return text.format_map(fill)

    def _label_words(self) -> dict[str, str]:
        words = self.__dict__.get("_words")
        if words is None:
            one, many = self.noun(), self.noun(plural=True)
            g = self.grouping
            group = g.label(self.lang) if g is not None else labels.t("no_group", self.lang)
            cap = (lambda w: w[:1].upper() + w[1:]) if self.lang != "zh" else (lambda w: w)
            words = {"unit": one, "units": many, "Unit": cap(one), "Units": cap(many), "group": group,
                     "Group": cap(group)}
            self.__dict__["_words"] = words
        return words

    def text(self, key: str, **values: Any) -> str:
        """A block of this section's prose (``text/<lang>/<section>.md``, see :mod:`nqp_lib.report.prose`)
        rendered with the report's parameters, the article's vocabulary and ``values``; every inserted
        value is escaped."""
        return prose.render(self.section, key, self.lang, {**self.prose_values(), **values})

    def prose_values(self) -> dict[str, Any]:
        """What every prose block may use: the parameters by name, the article's vocabulary in the report's
        language (``elements``, ``features``, ``conditions``, ``recommendations``), ``section_title(name)``, and
        the panel's unit nouns ``unit_noun`` (one) and ``units_noun`` (several; the same word in Chinese)."""
        words = {kind: {k: v[self.lang] for k, v in labels.vocabulary(kind).items()}
                 for kind in ("elements", "features", "conditions", "recommendations")}
        return {**self.settings.as_dict(), **words, "unit_kind": self.unit_kind,
                "unit_noun": self.noun(), "units_noun": self.noun(plural=True),
                "is_provincial_weights": self.is_provincial and not self.settings.weights_matrix
                and self.meta.weights is None,
                "grouping_name": self.grouping.label(self.lang) if self.grouping is not None else "",
                "section_title": lambda name: prose.blocks(name, self.lang)["nav"]}

    @property
    def unit_kind(self) -> str:
        """What the panel's units are (``province``, ``city``, ``county``, ``country``, ``region``, ``other``)."""
        return getattr(self.panel, "unit_kind", "province")

    def noun(self, plural: bool = False) -> str:
        """The word for the panel's units in the report language ("省份" / "province" / "provinces",
        "经济体" / "economies" …): every label that names the units uses it, never a fixed "province"."""
        from nqp_lib.data.unitkind import noun

        return noun(self.unit_kind, self.lang, plural, getattr(self.panel, "unit_nouns", None))

    def name_of(self, unit: str) -> str:
        """A unit's display name in the report language (the panel's metadata; the key without one)."""
        names = self.memo("display_names", lambda: dict(zip(self.regions["unit"], self.regions["name"].astype(str))))
        return names.get(unit, unit)  # a dict: views map it over every unit-year of panels of thousands of units

    # ---------------------------------------------------------------- display
    def say(self, key: str, **values: Any) -> None:
        """Show a paragraph of prose (markdown)."""
        from IPython.display import Markdown, display

        display(Markdown(self.text(key, **values)))

    def note(self, text: str) -> None:
        """A highlighted note (the text is escaped)."""
        from IPython.display import HTML, display

        display(HTML(f'<div class="nqp-note">{html.escape(text)}</div>'))

    def table(
        self, frame: pd.DataFrame, caption: str | None = None, digits: int = 3, index: bool = False, empty: str | None = None
    ) -> None:
        """Show a table as plain escaped HTML (deterministic: no random element ids); ``empty`` is shown
        instead when the frame has no rows."""
        from IPython.display import HTML, display

        if isinstance(frame, str):  # a view's note that the table does not apply
            self.note(frame)
            return
        if frame.empty and empty is not None:
            display(HTML(f"<p>{html.escape(empty)}</p>"))
            return
        if len(frame.columns) == 0:  # nothing to show (e.g. no what-if scenario)
            return
        body = html_table(frame.reset_index() if index else frame, digits)
        cap = f'<p class="nqp-caption">{html.escape(caption)}</p>' if caption else ""
        display(HTML(body + cap))

    def show(self, chart: Any) -> None:
        """Display an Altair chart through the offline renderer (a string is shown as a note: views return
        one when a chart does not apply, e.g. a tile map of a panel that is not the 31 provinces)."""
        from IPython.display import display

        if isinstance(chart, str):
            self.note(chart)
            return
        display(chart)

    # ---------------------------------------------------------------- provenance
    def provenance(self) -> dict[str, Any]:
        resources = [
            {"resource": p.resource, "path": p.path, "rows": p.rows, "sha256": p.sha256, "origin": p.origin}
            for p in used_resources()
        ]
        for p in self.panel.provenance:
            if p.resource == "user_panel":
                resources.append({"resource": p.resource, "path": p.path, "rows": p.rows, "sha256": p.sha256,
                                  "origin": p.origin})
        return {
            "section": self.section,
            "parameters": self.settings.as_dict(),
            "resources": resources,
            "versions": versions(),
            "commit": git_commit(),
        }

    def finish(self) -> None:
        """Emit the provenance record (parameters, data, versions, commit) for the page footer."""
        from IPython.display import display

        display({PROVENANCE_MIME: self.provenance(), "text/plain": ""}, raw=True)


class _Fill(dict):
    """Placeholder values for :meth:`Report.t`; an unknown ``{name}`` stays as written."""

    def __init__(self, words: dict[str, str], **values: Any):
        super().__init__({**words, **values})

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def setup(section: str, namespace: dict[str, Any] | None = None, **params: Any) -> Report:
    """Validate a section's parameters, configure charts for this kernel, and return its :class:`Report`.

    A notebook passes its namespace, ``ctx = setup("overview", globals())``: every parameter the section
    declares (:func:`nqp_lib.report.parameters.for_section`) is read from it and checked as ``nqp build``
    checks it — type, allowed values, bounds — and then against the data (:func:`check_settings`), so a
    value edited in JupyterLab is refused with the same message. Keyword arguments override (tests:
    ``setup("methods", lang="en")``); without a namespace, parameters not given take their defaults.
    """
    from nqp_lib import charts
    from nqp_lib.report import vega

    settings = check_settings(**parameters.values_from(section, namespace, params))
    import altair as alt

    # charts send only the columns they need; a 20-indicator explorer over 31 × 13 unit-years needs ~8,000 rows
    alt.data_transformers.enable("default", max_rows=MAX_CHART_ROWS)
    vega.enable()
    charts.enable_theme()
    os.environ.setdefault("NQP_SECTION", section)
    report = Report(section, settings)
    note = report.defaults_note()
    if note:  # the page says which defaults the panel replaced
        report.note(note)
    return report
