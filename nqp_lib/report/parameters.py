"""Report parameters, declared once.

Every parameter a section notebook takes is a :class:`Parameter` here: name, type, default, help, and
what values it accepts — a choice list taken from the engine's registries (normalisers, aggregators,
weighters, scopes, imputation methods), a parser of the engine's (``weights`` accepts any ``a+b``
combination :func:`~nqp_lib.measure.weights.weights_spec` accepts), or bounds. Everything else derives
from these declarations:

* :class:`~nqp_lib.report.context.Settings` (its fields and defaults),
* override validation in ``nqp build`` (:func:`nqp_lib.report.params.validate_overrides`) and in the
  notebook's own set-up call (``setup("overview", globals())`` checks the same things in JupyterLab),
* ``nqp params`` and ``nqp params --markdown`` (the README's parameter table),
* each notebook's ``parameters`` cell (written by ``nqp notebooks --write``; a test fails when a cell
  differs from :func:`parameters_cell_source`).

:data:`SHARED` holds the parameters every section takes; :data:`SECTION_PARAMETERS` the few a section adds
(the methods appendix's ``draws``, ``teaching`` and ``example_*``). Adding a report parameter is one entry here, then
``nqp notebooks --write`` and ``nqp params --markdown`` regenerate the cells and the README table.

The choice lists are read from the engine lazily: importing the engine loads numpy and pandas, which a
``nqp build`` that finds every section cached never needs. Defaults are therefore written here as literals;
a test checks that those the report shares with the engine equal the engine's.
"""

from __future__ import annotations

import ast
import difflib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from nqp_lib.errors import ParameterError

TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}


@dataclass(frozen=True)
class Parameter:
    """One report parameter.

    Attributes
    ----------
    name, type, default, help
        ``type`` is one of ``str``, ``int``, ``float``, ``bool``; ``help`` is one line.
    allowed
        What values are accepted, in words, when that is not just the choice list (a path, a province …).
    choices_from
        A function returning the allowed values (called when needed; the engine's registries are read
        through it).
    parse
        A function of the engine's that validates a value and returns its canonical spelling (raising
        :class:`ParameterError`); with ``choices_from`` it names the parts a value combines (``weights``:
        ``entropy+critic``).
    minimum, maximum
        Bounds of a number (inclusive; None for none).
    """

    name: str
    type: str
    default: Any
    help: str
    allowed: str = ""
    choices_from: Callable[[], Sequence[Any]] | None = None
    parse: Callable[[Any], Any] | None = None
    minimum: int | float | None = None
    maximum: int | float | None = None

    def __post_init__(self) -> None:
        where = f"parameter declaration {self.name!r}"
        if not self.name.isidentifier():
            raise ParameterError(f"{where}: the name must be a Python identifier")
        if self.type not in TYPES:
            raise ParameterError(f"{where}: type must be one of {', '.join(TYPES)}, got {self.type!r}")
        if not self.help or "\n" in self.help:
            raise ParameterError(f"{where}: give one line of help")
        py = TYPES[self.type]
        if not isinstance(self.default, py) or (py is int and isinstance(self.default, bool)):
            raise ParameterError(f"{where}: the default must be {self.type}, got {self.default!r}")
        try:
            same = ast.literal_eval(literal(self.default)) == self.default
        except (ValueError, SyntaxError):
            same = False
        if not same:
            raise ParameterError(f"{where}: the default must be a literal value")

    # ------------------------------------------------------------------ allowed values
    @property
    def choices(self) -> tuple[Any, ...] | None:
        """The allowed values (for ``weights``: the methods a value may combine), or None."""
        if self.choices_from is None:
            return None
        values = tuple(self.choices_from())
        kinds = {type(c) for c in values}
        if kinds != {TYPES[self.type]}:
            raise ParameterError(f"parameter {self.name!r}: choices must all be {self.type}, got {values!r}")
        return values

    def describe_type(self) -> str:
        """The type or the choices, for ``nqp params`` (``'zh' | 'en'``)."""
        if self.choices_from is not None:
            text = " | ".join(repr(c) for c in self.choices)
            return text + " (or several joined with +)" if self.parse else text
        if self.minimum is not None or self.maximum is not None:
            return f"{self.type} {bounds_text(self.minimum, self.maximum)}"
        return self.type

    def allowed_values(self) -> str:
        """What may be given, in words with code spans (the README table)."""
        parts = []
        if self.choices_from is not None:
            parts.append(", ".join(f"`{c}`" for c in self.choices))
            if self.parse:
                parts[-1] += " — or several joined with `+` (e.g. `entropy+critic`)"
        elif self.minimum is not None or self.maximum is not None:
            parts.append(f"{'a whole number' if self.type == 'int' else 'a number'} {bounds_text(self.minimum, self.maximum)}")
        if self.allowed:
            parts.append(self.allowed)
        return "; ".join(parts) or f"any {self.type}"

    # ------------------------------------------------------------------ validation
    def coerce(self, value: Any, where: str = "") -> Any:
        """``value`` (a command-line string, or a YAML/Python value) converted to this parameter's type and
        checked against its choices, parser and bounds; :class:`ParameterError` otherwise."""
        label = f"{where}parameter {self.name!r}"
        py = TYPES[self.type]
        if isinstance(value, str) and self.type != "str":
            text = value.strip()
            try:
                if self.type == "bool":
                    if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError
                    value = text.lower() in ("true", "1", "yes")
                elif self.type == "int":
                    value = int(text)
                else:
                    value = float(text)
            except ValueError:
                raise ParameterError(f"{label} must be {self.type}, got {value!r}") from None
        elif self.type == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, py) or (py is int and isinstance(value, bool)):
            raise ParameterError(f"{label} must be {self.type}, got {type(value).__name__} {value!r}")
        if self.parse is not None:
            try:
                value = self.parse(value)  # the engine's canonical spelling ("entropy + critic" → "entropy+critic")
            except ParameterError as exc:
                raise ParameterError(self._not_allowed(label, value, str(exc))) from None
        elif self.choices_from is not None and value not in self.choices:
            raise ParameterError(self._not_allowed(label, value))
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            kind = "a whole number" if self.type == "int" else "a number"
            raise ParameterError(f"{label} must be {kind} {bounds_text(self.minimum, self.maximum)}, got {value!r}")
        return value

    def _not_allowed(self, label: str, value: Any, reason: str = "") -> str:
        names = [str(c) for c in self.choices]
        parts = [p.strip() for p in str(value).split("+")] if self.parse else [str(value)]
        if reason and all(p in names for p in parts):  # known names, combined wrongly (e.g. one named twice)
            return f"{label}: {reason.removeprefix(self.name + ': ')}"
        fixed: list[str] | None = []
        for part in parts:
            close = [part] if part in names else difflib.get_close_matches(part, names, n=1)
            if not close:
                fixed = None
                break
            fixed.append(close[0])
        hint = f" (did you mean {'+'.join(fixed)!r}?)" if fixed else ""
        joined = ", or several joined with '+' (e.g. 'entropy+critic')" if self.parse else ""
        return f"{label} must be one of {', '.join(repr(c) for c in self.choices)}{joined}; got {value!r}{hint}"

    # ------------------------------------------------------------------ the notebook cell
    def cell_line(self) -> str:
        """``name: type = default  # help`` — this parameter's line in a notebook's parameters cell."""
        return f"{self.name}: {self.type} = {literal(self.default)}  # {self.help}"


def literal(value: Any) -> str:
    """A Python literal for a default (strings in double quotes, non-ASCII kept: ``"广东"``)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def bounds_text(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f"from {lo} to {hi}"
    return f"≥ {lo}" if lo is not None else f"≤ {hi}"


# ---------------------------------------------------------------------- the engine's registries (lazy)


@cache
def _languages() -> tuple[str, ...]:
    from nqp_lib.labels import LANGS

    return LANGS


def engine_choices(option: str) -> Callable[[], tuple[str, ...]]:
    """A function returning the engine's valid values of a choice option
    (:func:`nqp_lib.measure.options.choices`), read when first needed."""

    @cache
    def read() -> tuple[str, ...]:
        from nqp_lib.measure.options import choices

        return choices(option)

    return read


def _parse_weights(value: str) -> str:
    from nqp_lib.measure.weights import weights_spec

    return weights_spec(value)


# ---------------------------------------------------------------------- the declarations

#: The parameters every section takes, in the order of the notebooks' parameters cells.
SHARED: tuple[Parameter, ...] = (
    Parameter("lang", "str", "zh", "language of text and chart labels", choices_from=_languages),
    Parameter("system", "str", "three_elements", "indicator system: a shipped name or a YAML path",
              allowed="the name of a system in `data/systems/`, or a YAML path"),
    Parameter("panel", "str", "provincial",
              "the panel: 'provincial' or 'international' (shipped) or a CSV/XLSX path of your own",
              allowed="`provincial`, `international` (G20 and OECD economies, WDI), or a CSV/XLSX path "
                      "(see `nqp check-data`)"),
    Parameter("panel_meta", "str", "", "the panel's metadata file (default: <panel>.meta.yaml beside it, if any)",
              allowed="empty, or a YAML path (see *Bring your own data*)"),
    Parameter("year_from", "int", 2012, "first year analysed",
              allowed="a year the panel covers (provincial 2011–2023, international 2000–2023)"),
    Parameter("year_to", "int", 2023, "last year analysed", allowed="a year the panel covers, ≥ `year_from`"),
    Parameter("weights", "str", "entropy", "weighting method; several joined with + are averaged",
              allowed="`fixed` needs `weight:` entries in the system file", choices_from=engine_choices("weights"),
              parse=_parse_weights),
    Parameter("aggregate", "str", "sum", "aggregation of the normalised indicators", choices_from=engine_choices("aggregate")),
    Parameter("scope", "str", "pooled", "normalisation scope: pooled over all years, or each year alone",
              choices_from=engine_choices("scope")),
    Parameter("normalise", "str", "minmax", "normalisation of the indicators", choices_from=engine_choices("normalise")),
    Parameter("impute", "str", "linear_nearest", "filling of missing cells (every filled cell is flagged)",
              choices_from=engine_choices("impute")),
    Parameter("grouping", "str", "region4", "grouping of the units: a grouping column of the panel, or none",
              allowed="a grouping column of the panel (shipped provincial: `region4`, `belt3`; international: "
                      "`income_group`, `g20`, `oecd`), or `none`; the default falls back to the panel's first"),
    Parameter("weights_matrix", "str", "", "spatial weights file (CSV matrix or edge list); default: the panel's own",
              allowed="empty (the panel's weights; provincial contiguity for provinces), or a CSV path"),
    Parameter("focus", "str", "广东", "focus unit: a unit's key or display name (provinces also by GB/T 2260 code)",
              allowed="a unit of the panel; provinces in Chinese, English or as a GB/T 2260 code; the default falls "
                      "back to the panel's own focus or its top scorer"),
    Parameter("seed", "int", 20240701, "random seed (Monte Carlo draws, permutation tests)", minimum=0),
)

#: Parameters only some sections take, by section name.
SECTION_PARAMETERS: dict[str, tuple[Parameter, ...]] = {
    "methods": (
        Parameter("draws", "int", 1000, "Monte Carlo draws for the rank intervals", minimum=10, maximum=100_000),
        Parameter("teaching", "bool", True, "seminar: worked example step by step, what-if comparisons, exercises",
                  allowed="`True`: every intermediate table, the comparisons and the exercises; "
                          "`False`: the compact appendix"),
        Parameter("example_units", "str", "", "units of the worked example, comma-separated (empty: by rule)",
                  allowed="units of the panel, comma-separated (provinces also in English or as a code); empty: "
                          "the highest, the lowest and each group's median unit"),
        Parameter("example_years", "str", "", "years of the worked example, comma-separated (empty: by rule)",
                  allowed="years from `year_from` to `year_to`; empty: first, middle and last year observed in full"),
        Parameter("example_indicators", "str", "", "indicators of the worked example, comma-separated (empty: by rule)",
                  allowed="indicator ids of the system; empty: per dimension the highest- then lowest-weighted"),
    ),
}

_SHARED_NAMES = {p.name for p in SHARED}
for _section, _extra in SECTION_PARAMETERS.items():
    _clash = sorted(_SHARED_NAMES & {p.name for p in _extra})
    if _clash:
        raise ParameterError(f"section {_section!r} redeclares shared parameter(s) {_clash}")


def shared(name: str) -> Parameter:
    """The shared parameter called ``name``."""
    for p in SHARED:
        if p.name == name:
            return p
    raise KeyError(name)


def for_section(section: str) -> list[Parameter]:
    """Every parameter of a section (by name, e.g. ``"methods"``): the shared ones, then its own."""
    return [*SHARED, *SECTION_PARAMETERS.get(section, ())]


def declared(name: str) -> Parameter | None:
    """The declaration of a parameter by name — shared, or some section's own — or None."""
    for p in [*SHARED, *(p for extra in SECTION_PARAMETERS.values() for p in extra)]:
        if p.name == name:
            return p
    return None


def suggest(name: str, known: Sequence[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``known``, or nothing."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def values_from(section: str, namespace: dict[str, Any] | None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """A section's parameter values, each checked as ``nqp build`` checks it: read from a notebook's
    namespace (``globals()`` after its parameters cell ran) when one is given, else the defaults;
    ``overrides`` (keyword arguments of ``setup``) win, and a name the section does not declare among them
    is refused with a suggestion."""
    specs = for_section(section)
    names = [p.name for p in specs]
    for name in overrides or {}:
        if name not in names:
            raise ParameterError(f"section {section}: unknown parameter {name!r}{suggest(name, names)} "
                                 f"(known: {', '.join(names)})")
    values = {}
    for p in specs:
        if overrides and p.name in overrides:
            value = overrides[p.name]
        elif namespace is None:
            value = p.default
        elif p.name in namespace:
            value = namespace[p.name]
        else:
            raise ParameterError(
                f"section {section}: parameter {p.name!r} is not set; run the parameters cell first "
                "(`nqp notebooks --write` restores it)"
            )
        values[p.name] = p.coerce(value)
    return values


# ---------------------------------------------------------------------- generated text

CELL_HEADER = (
    "# Parameters of this section, generated from nqp_lib/report/parameters.py (`nqp notebooks --write`).\n"
    "# Change values here in JupyterLab, or with `nqp build -p NAME VALUE`; `nqp params` lists what each accepts.\n"
)


def parameters_cell_source(section: str) -> str:
    """The source of a section notebook's ``parameters`` cell: plain typed literal assignments, which
    papermill overrides by injecting a cell after it."""
    return CELL_HEADER + "\n".join(p.cell_line() for p in for_section(section))


def _row(p: Parameter) -> str:
    default = f"`{p.default}`"
    return f"| `{p.name}` | {p.type} | {default} | {p.allowed_values()} | {p.help} |"


def markdown_table(sections: Sequence[str] = ()) -> str:
    """The parameters as Markdown (``nqp params --markdown``): the shared table, then each section's own."""
    head = "| name | type | default | allowed values | meaning |\n|---|---|---|---|---|"
    out = ["Parameters of every section:", "", head, *(_row(p) for p in SHARED)]
    for section in sections:
        extra = SECTION_PARAMETERS.get(section, ())
        if extra:
            out += ["", f"Only in the `{section}` section:", "", head, *(_row(p) for p in extra)]
    return "\n".join(out) + "\n"
