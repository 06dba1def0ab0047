"""The indicator-system model: :class:`Indicator`, :class:`Dimension`, :class:`IndicatorSystem`.

A system is a two-level hierarchy (dimension → indicator); :mod:`nqp_lib.systems.loader` reads it from
YAML (the file format is in :mod:`nqp_lib.systems`). :meth:`IndicatorSystem.matrix` turns a panel into the
unit × year × indicator matrix the measurement engine works on, evaluating ``formula:`` indicators with
:mod:`nqp_lib.formula`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nqp_lib import formula
from nqp_lib.errors import DataError, SystemDefinitionError


@dataclass(frozen=True)
class Indicator:
    """One indicator of a system.

    ``direction`` is +1 for a benefit indicator (more is better) and -1 for a cost indicator.
    Exactly one of ``column`` and ``formula`` is set.
    """

    id: str
    dimension: str
    name_zh: str
    name_en: str
    unit: str
    direction: int
    column: str | None = None
    formula: str | None = None
    features: tuple[str, ...] = ()
    conditions: tuple[int, ...] = ()
    rationale: str = ""
    weight: float | None = None
    minimum: float | None = None  # plausible range of the indicator's values, checked by check-data
    maximum: float | None = None
    unit_zh: str | None = None  # the unit in Chinese when the file gives one; ``unit`` is the English text

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def unit_in(self, lang: str = "zh") -> str:
        """The unit in ``lang`` (the single text when the file gives only one)."""
        return self.unit_zh if lang == "zh" and self.unit_zh else self.unit

    @property
    def source_columns(self) -> tuple[str, ...]:
        """Panel columns this indicator reads."""
        if self.column is not None:
            return (self.column,)
        return tuple(sorted(formula.names(self.formula or "")))


@dataclass(frozen=True)
class Dimension:
    """A dimension (first level of the hierarchy) and its indicators."""

    id: str
    name_zh: str
    name_en: str
    indicators: tuple[Indicator, ...]
    weight: float | None = None

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class IndicatorSystem:
    """A validated indicator system (see the module docstring for the file format)."""

    id: str
    name_zh: str
    name_en: str
    dimensions: tuple[Dimension, ...]
    description: str = ""
    reference: str = ""
    path: Path | None = None
    notes: tuple[str, ...] = field(default=())

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang == "zh" else self.name_en

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        """All indicators, in file order (dimension by dimension)."""
        return tuple(ind for dim in self.dimensions for ind in dim.indicators)

    @property
    def indicator_ids(self) -> list[str]:
        return [ind.id for ind in self.indicators]

    @property
    def dimension_ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def dimension(self, dimension_id: str) -> Dimension:
        for dim in self.dimensions:
            if dim.id == dimension_id:
                return dim
        raise KeyError(dimension_id)

    @property
    def directions(self) -> pd.Series:
        """+1/−1 per indicator id."""
        return pd.Series({i.id: i.direction for i in self.indicators}, name="direction")

    @property
    def dimension_of(self) -> pd.Series:
        """Dimension id per indicator id."""
        return pd.Series({i.id: i.dimension for i in self.indicators}, name="dimension")

    def fixed_weights(self) -> tuple[pd.Series | None, pd.Series | None]:
        """Weights written in the file: (indicator weights within dimension, dimension weights), or None."""
        ind = [i.weight for i in self.indicators]
        dim = [d.weight for d in self.dimensions]
        ind_w = None if any(w is None for w in ind) else pd.Series(ind, index=self.indicator_ids, dtype=float)
        dim_w = None if any(w is None for w in dim) else pd.Series(dim, index=self.dimension_ids, dtype=float)
        return ind_w, dim_w

    def indicator_table(self, lang: str | None = None) -> pd.DataFrame:
        """One row per indicator: id, dimension, names, unit, direction, source, features, conditions."""
        rows = []
        for dim in self.dimensions:
            for ind in dim.indicators:
                rows.append(
                    {
                        "indicator": ind.id,
                        "dimension": dim.id,
                        "dimension_zh": dim.name_zh,
                        "dimension_en": dim.name_en,
                        "name_zh": ind.name_zh,
                        "name_en": ind.name_en,
                        "unit": ind.unit,
                        "unit_zh": ind.unit_in("zh"),
                        "direction": "+" if ind.direction > 0 else "-",
                        "source": ind.column if ind.column is not None else f"= {ind.formula}",
                        "features": ", ".join(ind.features),
                        "conditions": ", ".join(str(c) for c in ind.conditions),
                        "rationale": ind.rationale,
                        "weight": ind.weight,
                        "dimension_weight": dim.weight,
                    }
                )
        table = pd.DataFrame(rows)
        if lang in ("zh", "en"):
            table["name"] = table[f"name_{lang}"]
            table["dimension_name"] = table[f"dimension_{lang}"]
        return table

    def required_columns(self) -> set[str]:
        """Every panel column some indicator reads."""
        return {c for ind in self.indicators for c in ind.source_columns}

    def missing_columns(self, columns: Iterable[str]) -> dict[str, list[str]]:
        """Indicator id → the source columns it needs that are absent from ``columns``."""
        have = set(columns)
        out = {}
        for ind in self.indicators:
            gone = [c for c in ind.source_columns if c not in have]
            if gone:
                out[ind.id] = gone
        return out

    def check_columns(self, columns: Iterable[str], where: str = "the panel") -> None:
        """Raise :class:`SystemDefinitionError` if an indicator reads a column ``columns`` lacks."""
        missing = self.missing_columns(columns)
        if missing:
            have = sorted(set(columns))
            parts = [f"{ind} needs " + ", ".join(f"{c}{formula.did_you_mean(c, have)}" for c in cols)
                     for ind, cols in missing.items()]
            raise SystemDefinitionError(
                f"indicator system {self.id!r} ({self.path or 'in memory'}) does not fit {where}: "
                + "; ".join(parts)
                + f". Columns available: {', '.join(have[:40])}{' …' if len(have) > 40 else ''}"
            )

    def matrix(
        self, panel: pd.DataFrame, unit: str = "unit", year: str = "year", where: str = "the panel"
    ) -> pd.DataFrame:
        """Evaluate every indicator on ``panel``.

        Returns a frame with ``unit``, ``year`` and one float column per indicator id (in system order),
        sorted by year then unit. Missing source cells stay missing (NaN); a formula that divides by zero
        raises :class:`DataError` naming ``where`` (the panel), the indicator and the first rows concerned,
        and so does a value outside a function's domain (``log`` of a value ≤ 0: unit, year and source
        value named) — it never becomes a missing cell that imputation would fill.
        """
        for key in (unit, year):
            if key not in panel.columns:
                raise DataError(f"{where} has no {key!r} column (columns: {', '.join(map(str, panel.columns))})")
        self.check_columns(panel.columns, where=where)
        out = pd.DataFrame({"unit": panel[unit].to_numpy(), "year": panel[year].to_numpy()})
        rows = lambda i: f"unit {out['unit'].iat[i]}, year {out['year'].iat[i]}"  # noqa: E731 - names a row in messages
        for ind in self.indicators:
            if ind.column is not None:
                values = pd.to_numeric(panel[ind.column], errors="coerce").to_numpy(dtype=float)
            else:
                values = formula.evaluate(ind.formula or "", panel, label=f"{self.path or self.id}: indicator {ind.id!r}",
                                          row_label=rows)
            bad = np.isinf(values)
            if bad.any():
                examples = out.loc[bad, ["unit", "year"]].head(3).to_records(index=False).tolist()
                raise DataError(
                    f"{where}: indicator {ind.id!r} ({ind.column or ind.formula}) is infinite for {int(bad.sum())} "
                    f"unit-years, e.g. {examples}: a denominator is zero or a value is inf"
                )
            out[ind.id] = values
        return out.sort_values(["year", "unit"], kind="stable").reset_index(drop=True)
