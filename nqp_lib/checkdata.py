"""``nqp check-data``: validate a panel against an indicator system and print a readable report.

Errors (exit 2): the file cannot be read as a panel (see :func:`nqp_lib.data.userpanel.read_panel`), the
system does not fit it (a column it needs is absent), a formula divides by zero, or a value lies outside the
indicator's plausible range (``min``/``max`` in the system file, e.g. a negative share).
Warnings (exit 0): missing cells, values far from the rest of their indicator, implausible jumps from one
year to the next.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nqp_lib.data.panel import Panel
from nqp_lib.data.userpanel import add_decimal_option, add_meta_option, open_panel
from nqp_lib.errors import DataError
from nqp_lib.systems import IndicatorSystem, load_system

#: A value is "far from the rest" when its robust z-score |x − median| / (1.4826·MAD) exceeds this.
ROBUST_Z = 8.0
#: A year-on-year ratio beyond this factor (either way) is flagged as a jump.
JUMP_FACTOR = 10.0
#: A year-on-year change of the all-unit median beyond this factor is flagged as a possible series break.
BREAK_FACTOR = 3.0


@dataclass
class DataCheck:
    """Outcome of :func:`check_data`; ``errors`` empty means the panel can be measured with the system."""

    panel: Panel
    system: IndicatorSystem | None
    matrix: pd.DataFrame
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    suspicious: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def variables(self) -> list[str]:
        return [c for c in self.matrix.columns if c not in ("unit", "year")]

    def coverage_by_year(self) -> pd.DataFrame:
        """Per year: units present, and the share of indicator cells observed (%)."""
        g = self.matrix.groupby("year")
        out = pd.DataFrame({"units": g["unit"].nunique()})
        out["observed_%"] = (g[self.variables].count().sum(axis=1) / (out["units"] * len(self.variables)) * 100).round(1)
        out["complete_indicators"] = (g[self.variables].count() == out["units"].to_numpy()[:, None]).sum(axis=1)
        return out

    def coverage_by_unit(self) -> pd.DataFrame:
        """Units with at least one missing cell: years present and missing cells."""
        unit = self.matrix["unit"]
        out = pd.DataFrame({"years": self.matrix.groupby(unit, sort=False)["year"].count(),
                            "missing_cells": self.matrix[self.variables].isna().sum(axis=1).groupby(unit, sort=False).sum()})
        return out[out["missing_cells"] > 0].sort_values("missing_cells", ascending=False)

    def missing_by_indicator(self) -> pd.DataFrame:
        """Indicators with missing cells: count and the years in which they occur."""
        rows = []
        for col in self.variables:
            miss = self.matrix.loc[self.matrix[col].isna(), ["unit", "year"]]
            if len(miss):
                rows.append(
                    {
                        "indicator": col,
                        "missing": len(miss),
                        "years": _compact_years(sorted(miss["year"].unique())),
                        "units": ", ".join(sorted(miss["unit"].unique())[:6]) + (" …" if miss["unit"].nunique() > 6 else ""),
                    }
                )
        return pd.DataFrame(rows, columns=["indicator", "missing", "years", "units"])

    def render(self) -> str:
        """The human-readable report printed by the CLI."""
        f = self.matrix
        years = sorted(f["year"].unique())
        lines = [
            f"Panel:  {self.panel.name}",
            f"        {len(f)} rows, {f['unit'].nunique()} units × {len(years)} years ({years[0]}–{years[-1]}); "
            + "; ".join(self.panel.notes),
        ]
        for p in self.panel.provenance:
            lines.append(f"        source {p.resource}: {p.path} ({p.rows} rows, sha256 {p.short_hash})")
        meta = self.panel.meta
        if meta is not None:
            inferred = meta.source is None and not meta.shipped
            origin = meta.source or ("shipped with the panel" if meta.shipped else "no sidecar file — inferred from the panel")
            lines.append(f"Metadata: {origin}")
            lines += [f"        {line}" for line in meta.describe()]
            lines += [f"        {'inferred' if inferred else 'note'}: {note}" for note in meta.notes]
        if self.system is not None:
            s = self.system
            lines.append(
                f"System: {s.id} — {s.name_en} ({len(s.indicators)} indicators in {len(s.dimensions)} dimensions: "
                + ", ".join(f"{d.id} {len(d.indicators)}" for d in s.dimensions)
                + ")"
            )
        else:
            lines.append("System: none given — every numeric column checked as an indicator")
        lines += ["", "Coverage by year", _indent(self.coverage_by_year().to_string())]
        by_unit = self.coverage_by_unit()
        lines += ["", "Units with missing cells" + ("" if len(by_unit) else ": none")]
        if len(by_unit):
            lines.append(_indent(by_unit.head(10).to_string()))
            if len(by_unit) > 10:
                rest = by_unit.iloc[10:]
                lines.append(
                    f"  … {len(rest)} more units with {rest['missing_cells'].min()}–{rest['missing_cells'].max()} missing cells each"
                )
        missing = self.missing_by_indicator()
        lines += ["", f"Missing cells: {int(missing['missing'].sum()) if len(missing) else 0}"]
        if len(missing):
            lines.append(_indent(missing.to_string(index=False)))
            lines.append("  Missing cells stay missing; measure with --impute linear|linear_nearest|nearest to fill and flag them.")
        lines += ["", f"Suspicious values: {len(self.suspicious)}"]
        if len(self.suspicious):
            lines.append(_indent(self.suspicious.head(15).to_string(index=False)))
        if self.warnings:
            lines += ["", "Warnings:"] + [f"  - {w}" for w in self.warnings]
        lines += ["", "Errors:" if self.errors else "Errors: none — the panel fits the system."]
        lines += [f"  - {e}" for e in self.errors]
        return "\n".join(lines)


def _indent(text: str, pad: str = "  ") -> str:
    return "\n".join(pad + line for line in text.splitlines())


def _compact_years(years: list[int]) -> str:
    """[2011, 2012, 2013, 2017] → '2011–2013, 2017'."""
    if not years:
        return ""
    runs, start, prev = [], years[0], years[0]
    for y in years[1:]:
        if y == prev + 1:
            prev = y
            continue
        runs.append((start, prev))
        start = prev = y
    runs.append((start, prev))
    return ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in runs)


def _suspicious(matrix: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    """Values far from the rest of their indicator, and year-on-year jumps, grouped by indicator and unit.

    Distance is a robust z-score, |x − median| / (1.4826·MAD), computed on log10(x) when every value is
    positive (so a province ten times the median is not an outlier, but a value entered in the wrong unit
    — ×10,000 — is) and on x otherwise.
    """
    rows = []
    for col in variables:
        x = matrix[col].to_numpy(dtype=float)
        ok = ~np.isnan(x)
        if ok.sum() < 5:
            continue
        scale = "log10"
        if (x[ok] > 0).all():
            t = np.log10(np.where(ok, x, 1.0))
        else:
            t, scale = x, "raw"
        med = np.median(t[ok])
        mad = np.median(np.abs(t[ok] - med)) * 1.4826
        if mad > 0:
            z = np.abs(t - med) / mad
            hits = pd.DataFrame({"unit": matrix["unit"], "year": matrix["year"], "z": z, "v": x})[ok & (z > ROBUST_Z)]
            for unit, g in hits.groupby("unit", sort=False):
                rows.append((col, unit, _compact_years(sorted(g["year"].astype(int))), float(g["v"].iloc[g["z"].argmax()]),
                             f"robust z up to {g['z'].max():.1f} ({scale})"))
        ordered = matrix[["unit", "year", col]].sort_values(["unit", "year"])
        prev = ordered.groupby("unit")[col].shift()
        prev_year = ordered.groupby("unit")["year"].shift()
        cur = ordered[col]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = (cur / prev).to_numpy(dtype=float)
        jump = (prev_year == ordered["year"] - 1).to_numpy() & (prev.to_numpy() > 0) & (cur.to_numpy() > 0) & (
            (ratio > JUMP_FACTOR) | (ratio < 1 / JUMP_FACTOR)
        )
        hit = np.flatnonzero(jump)
        for unit, year, value, r in zip(ordered["unit"].to_numpy()[hit], ordered["year"].to_numpy()[hit],
                                        ordered[col].to_numpy(dtype=float)[hit], ratio[hit]):
            rows.append((col, unit, str(int(year)), float(value), f"×{r:.3g} on the year before"))
        medians = matrix.groupby("year")[col].median().dropna()
        steps = medians / medians.shift()
        for year, step in steps.items():
            consecutive = year - 1 in medians.index
            if consecutive and medians.loc[year - 1] > 0 and (step > BREAK_FACTOR or step < 1 / BREAK_FACTOR):
                rows.append((col, "(all units)", str(int(year)), float(medians.loc[year]),
                             f"median ×{step:.3g} on the year before: a series break (new price base, definition)?"))
    return pd.DataFrame(rows, columns=["indicator", "unit", "years", "value", "why"])


def check_data(spec: str | Path, system: str | Path | IndicatorSystem | None = None, **read_options) -> DataCheck:
    """Read ``spec`` (``provincial`` or a file) and check it against ``system``.

    Raises :class:`DataError`/:class:`SystemDefinitionError` when the file cannot be read as a panel or
    the system cannot be loaded; value-level findings are collected in the returned :class:`DataCheck`.
    """
    sys_obj = load_system(system) if isinstance(system, (str, Path)) else system
    columns = sorted(sys_obj.required_columns()) if sys_obj is not None else None
    panel = open_panel(spec, columns=columns, **read_options)
    if sys_obj is not None:
        matrix = sys_obj.matrix(panel.frame, where=f"panel {panel.name}")
    else:
        matrix = panel.frame.sort_values(["year", "unit"]).reset_index(drop=True)
    check = DataCheck(panel=panel, system=sys_obj, matrix=matrix)
    variables = check.variables
    if sys_obj is not None:
        for ind in sys_obj.indicators:
            x = matrix[ind.id]
            for bound, bad in (("min", x < ind.minimum if ind.minimum is not None else None),
                               ("max", x > ind.maximum if ind.maximum is not None else None)):
                if bad is None or not bad.any():
                    continue
                hits = matrix.loc[bad, ["unit", "year", ind.id]]
                eg = ", ".join(f"{u} {y}: {v:g}" for u, y, v in hits.head(3).itertuples(index=False))
                limit = ind.minimum if bound == "min" else ind.maximum
                src = ind.column or ind.formula
                check.errors.append(
                    f"indicator {ind.id!r} (column {src!r}) has {len(hits)} value(s) "
                    f"{'below' if bound == 'min' else 'above'} its plausible {bound} {limit:g} ({ind.unit}), e.g. {eg}"
                )
    never = matrix.groupby("unit")[variables].count().eq(0)
    for col in variables:
        units = sorted(never.index[never[col]])
        if units and len(units) < matrix["unit"].nunique():
            check.warnings.append(
                f"indicator {col!r} has no value in any year for {', '.join(units)}: no within-unit imputation can "
                "fill that; leave the unit out (nqp measure --exclude-units auto) or drop the indicator"
            )
    for col in variables:
        if matrix[col].isna().all():
            check.errors.append(f"indicator {col!r} has no values at all")
        elif matrix[col].nunique() == 1 and len(matrix) > 1:
            check.warnings.append(f"indicator {col!r} is constant ({matrix[col].dropna().iat[0]:g}); it cannot discriminate")
    check.suspicious = _suspicious(matrix, variables)
    units_per_year = matrix.groupby("year")["unit"].nunique()
    if units_per_year.nunique() > 1:
        check.warnings.append(
            "unbalanced panel: units per year vary (" + ", ".join(f"{y}: {n}" for y, n in units_per_year.items()) + ")"
        )
    return check


def run(args: argparse.Namespace) -> int:
    sheet = int(args.sheet) if str(args.sheet).isdigit() else args.sheet
    try:
        check = check_data(args.path, args.system, unit_col=args.unit, year_col=args.year, sheet=sheet,
                           decimal=args.decimal, meta=args.meta)
    except DataError as exc:
        raise DataError(f"{exc}\n\nThe panel was not checked further; fix the problems above and run again.") from None
    print(check.render())
    return 0 if check.ok else 2


def run_export(args: argparse.Namespace) -> int:
    panel = open_panel("provincial")
    if args.impute != "none":
        panel = panel.impute(args.impute)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    panel.frame.to_csv(tmp, index=False, encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {out} ({len(panel.frame)} rows × {len(panel.variables)} variables; impute={args.impute})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check-data",
        help="validate a panel (CSV/XLSX, wide or long) against an indicator system",
        description="Validate a panel against an indicator system and print coverage, missing cells and "
        "suspicious values. PATH is a CSV (UTF-8, UTF-8 with BOM or GBK) or XLSX file, wide "
        "(unit, year, indicator columns) or long (unit, year, indicator, value); or 'provincial' for the "
        "shipped panel. Exit 0 when clean, 2 on errors.",
    )
    p.add_argument("path", help="panel file, or 'provincial'")
    p.add_argument("--system", default=None, help="indicator system: a shipped name (three_elements, tech_green_digital) or a YAML path")
    p.add_argument("--unit", default=None, help="name of the unit column (default: recognised by name)")
    p.add_argument("--year", default=None, help="name of the year column (default: recognised by name)")
    p.add_argument("--sheet", default=0, help="XLSX sheet name or index (default: the first)")
    add_meta_option(p)
    add_decimal_option(p)
    p.set_defaults(func=run)

    e = sub.add_parser(
        "export-panel",
        help="write the shipped provincial panel as a CSV (a template for your own data)",
        description="Write the shipped 31-province panel (unit, year, every variable) as a UTF-8 CSV.",
    )
    e.add_argument("out", help="output CSV path")
    e.add_argument("--impute", default="none", choices=["none", "linear", "linear_nearest", "nearest"])
    e.set_defaults(func=run_export)
