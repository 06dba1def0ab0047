"""The indicator matrix of a panel: evaluate a system's indicators, restrict years and units, impute, and
refuse to go on with missing cells (naming the indicators, unit-years and the way out)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nqp_lib.data.impute import impute as impute_frame
from nqp_lib.errors import DataError, MethodError, ParameterError
from nqp_lib.measure.options import AUTO
from nqp_lib.systems import IndicatorSystem


@dataclass
class IndicatorData:
    """The indicator matrix of a panel, ready for the engine (rows sorted by year, then unit)."""

    units: np.ndarray
    years: np.ndarray
    values: np.ndarray
    indicators: list[str]
    imputed: np.ndarray | None
    impute: str
    excluded: tuple[str, ...] = ()  # units left out (given, or found by exclude_units="auto")


def panel_frame(panel: Any) -> pd.DataFrame:
    """The DataFrame of a :class:`~nqp_lib.data.Panel` (its ``.frame``) or a DataFrame itself."""
    if isinstance(panel, pd.DataFrame):
        return panel
    frame = getattr(panel, "frame", None)
    if isinstance(frame, pd.DataFrame):
        return frame
    raise ParameterError(f"expected a Panel or a DataFrame with unit and year columns, got {type(panel).__name__}")


def _examples(mask: np.ndarray, units: np.ndarray, years: np.ndarray, limit: int = 3) -> str:
    idx = np.flatnonzero(mask)[:limit]
    return ", ".join(f"{units[i]} {years[i]}" for i in idx)


def cells_message(mask: np.ndarray, units, years, ids, limit_ind: int = 8) -> str:
    parts = []
    for j in np.flatnonzero(mask.any(axis=0))[:limit_ind]:
        parts.append(f"{ids[j]} ({int(mask[:, j].sum())} unit-years, e.g. {_examples(mask[:, j], units, years)})")
    extra = int(mask.any(axis=0).sum()) - limit_ind
    return "; ".join(parts) + (f"; and {extra} more indicator(s)" if extra > 0 else "")


def indicator_data(
    system: IndicatorSystem,
    panel: Any,
    impute: str = "none",
    years: tuple[int, int] | None = None,
    exclude_units: Sequence[str] = (),
) -> IndicatorData:
    """Evaluate the system's indicators on the panel, restrict years and units, impute, refuse missing cells.

    Raises :class:`MethodError` if a cell is still missing, naming the indicators and unit-years and the way
    out (an imputation, fewer years, fewer indicators).
    """
    frame = panel_frame(panel)
    for key in ("unit", "year"):
        if key not in frame.columns:
            raise DataError(f"the panel has no {key!r} column (columns: {', '.join(map(str, frame.columns[:20]))})")
    if years is not None:
        have = pd.to_numeric(frame["year"], errors="coerce")
        keep = (have >= years[0]) & (have <= years[1])
        if not keep.any():
            span = f"{int(have.min())}–{int(have.max())}" if have.notna().any() else "none"
            raise ParameterError(f"years: no rows in {years[0]}–{years[1]}; the panel covers {span}")
        frame = frame.loc[keep]
    if tuple(exclude_units) == (AUTO,):
        exclude_units = units_without_data(system, frame)
    if exclude_units:
        present = set(frame["unit"].astype(str))
        unknown = [u for u in exclude_units if u not in present]
        if unknown:
            raise ParameterError(
                f"exclude_units: {unknown} not in the panel; its units are {', '.join(sorted(present)[:40])}"
            )
        frame = frame.loc[~frame["unit"].astype(str).isin(exclude_units)]
        if frame.empty:
            raise ParameterError("exclude_units: no unit is left")
    matrix = system.matrix(frame)
    dup = matrix.duplicated(["unit", "year"])
    if dup.any():
        first = matrix.loc[dup, ["unit", "year"]].head(3).to_records(index=False).tolist()
        raise DataError(f"the panel has {int(dup.sum())} duplicate unit-year rows, e.g. {first}; keep one row per unit and year")
    ids = system.indicator_ids
    units = matrix["unit"].to_numpy()
    yrs = matrix["year"].to_numpy()
    try:
        yrs = yrs.astype(int)
    except (TypeError, ValueError):
        raise DataError("the panel's year column must hold whole years such as 2011") from None
    values = matrix[ids].to_numpy(dtype=float)
    missing = np.isnan(values)
    empty = missing.all(axis=0)
    if empty.any():
        names = [f"{ids[j]} ({system.indicator(ids[j]).column or system.indicator(ids[j]).formula})" for j in np.flatnonzero(empty)]
        raise MethodError(
            f"indicator(s) {', '.join(names)} have no value in any of the {len(values)} unit-years; no imputation "
            "can fill them: supply the source column or remove the indicator from the system"
        )
    imputed = None
    if impute != "none" and missing.any():
        filled = impute_frame(matrix[["unit", "year", *ids]], impute, columns=ids)
        values = filled.frame[ids].to_numpy(dtype=float)
        imputed = filled.flags[ids].to_numpy(dtype=bool)
    elif impute != "none":
        imputed = np.zeros(values.shape, dtype=bool)
    still = np.isnan(values)
    if still.any():
        # units with no observation at all on an indicator: no within-unit imputation can help
        hopeless: dict[str, list[str]] = {}
        for j in np.flatnonzero(still.any(axis=0)):
            for u in pd.unique(units[still[:, j]]):
                if missing[units == u, j].all():
                    hopeless.setdefault(str(u), []).append(ids[j])
        lines = [f"the indicator matrix has {int(still.sum())} missing cells: {cells_message(still, units, yrs, ids)}."]
        if impute == "none":
            lines.append(
                "Choose an imputation (impute='linear', 'linear_nearest' or 'nearest'; CLI --impute), restrict the "
                "years (--years FROM-TO), or remove these indicators from the system."
            )
        else:
            lines.append(f"Imputation {impute!r} cannot fill them"
                         + (" (it leaves leading and trailing gaps; linear_nearest fills them)." if impute == "linear" else "."))
        if hopeless:
            listed = "; ".join(f"{u} has no {', '.join(v)} in any year" for u, v in list(hopeless.items())[:5])
            lines.append(
                f"{listed}. Imputation works within a unit, so leave such units out "
                f"(exclude_units=[{', '.join(repr(u) for u in hopeless)}]; CLI --exclude-units "
                f"{','.join(hopeless)}) or remove the indicators."
            )
        raise MethodError(" ".join(lines))
    return IndicatorData(units, yrs, values, list(ids), imputed, impute, tuple(exclude_units))


def units_without_data(system: IndicatorSystem, frame: pd.DataFrame) -> tuple[str, ...]:
    """Units for which some indicator has no value in any year of ``frame`` (sorted).

    Imputation works within a unit, so such a unit can never be measured with this system; the
    ``exclude_units="auto"`` option leaves exactly these out (e.g. 西藏, which has no energy or CO2 data).
    """
    matrix = system.matrix(frame)
    never = matrix.groupby("unit")[system.indicator_ids].count().eq(0).any(axis=1)
    left = sorted(str(u) for u in never[never].index)
    if len(left) == matrix["unit"].nunique():
        return ()  # every unit lacks something: let the missing-cell error explain instead
    return tuple(left)
