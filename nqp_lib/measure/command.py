"""``nqp measure`` and ``nqp uncertainty``: the measurement engine from the command line.

``nqp measure PANEL`` writes ``scores.csv`` (unit, year, score, rank, one column per dimension, then the
panel's grouping columns),
``weights.csv`` (scope, indicator, dimension, each method's weight, within-dimension weight, dimension weight,
final weight), ``dimension_weights.csv``, ``coupling.csv`` (coupling C, development T, coordination D and its
grade among the dimensions, :func:`~nqp_lib.measure.diagnose.coupling_coordination`; left out with a note
when the dimension scores are not in [0, 1]) and ``options.json`` (every option, what the run resolved,
notes). Every file is written through a temporary file and is readable by others (mode 0644).
``nqp uncertainty PANEL`` writes ``ranks.csv`` (nominal, median and 5th–95th percentile rank per unit-year),
``sensitivity.csv``, ``sensitivity_by_unit.csv``, ``design.csv`` and ``options.json``.

PANEL is ``provincial`` (the shipped panel) or a CSV/XLSX file that ``nqp check-data`` accepts.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd

from nqp_lib.data.userpanel import add_decimal_option, add_meta_option
from nqp_lib.errors import DataError, MethodError
from nqp_lib.io import write_atomic
from nqp_lib.measure.index import CompositeIndex
from nqp_lib.measure.options import choices
from nqp_lib.measure.result import IndexResult, json_default
from nqp_lib.measure.uncertainty import (
    DEFAULT_AGGREGATIONS,
    DEFAULT_NORMALISATIONS,
    DEFAULT_WEIGHTINGS,
    DEFAULT_ZEROS,
    uncertainty,
)
from nqp_lib.systems import IndicatorSystem, load_system


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    write_atomic(path, frame.to_csv(index=False, float_format="%.10g"), newline="")


def _out_dir(value: str) -> Path:
    out = Path(value)
    if out.exists() and not out.is_dir():
        raise DataError(f"--out {value!r} exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _open(spec: str, system: IndicatorSystem, **read_options: Any) -> Any:
    """The panel through the same reader as ``nqp check-data``, requiring the columns the system reads."""
    from nqp_lib.data.userpanel import open_panel

    return open_panel(spec, columns=sorted(system.required_columns()), **read_options)


def with_groups(frame: pd.DataFrame, panel: Any) -> pd.DataFrame:
    """``frame`` (keyed by ``unit``) with the panel's grouping columns last — the user's own
    columns travel to the outputs, so ``nqp disparity --group COL`` reads them directly."""
    meta = getattr(panel, "meta", None)
    if meta is None or not meta.groupings:
        return frame
    groups = meta.groups[["unit", *[c for c in meta.grouping_columns if c not in frame.columns]]]
    return frame.merge(groups, on="unit", how="left")


def _add_index_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("panel", metavar="PANEL",
                   help="'provincial' or 'international' (the shipped panels) or a CSV/XLSX panel file")
    p.add_argument("--unit", default=None, metavar="COL",
                   help="name of the panel's unit (key) column (default: recognised by name: unit, province, city, "
                        "county, country, 省份, 城市, 国家 …)")
    add_meta_option(p)
    p.add_argument("--system", default="three_elements",
                   help="indicator system: a shipped name (three_elements, tech_green_digital) or a YAML path "
                        "(default: three_elements)")
    p.add_argument("--normalise", choices=choices("normalise"), default="minmax", help="normalisation (default: minmax)")
    p.add_argument("--scope", choices=choices("scope"), default="pooled",
                   help="rows over which bounds, weights and TOPSIS points are learned (default: pooled)")
    p.add_argument("--zeros", choices=choices("zeros"), default="shift",
                   help="zero handling before logarithms (entropy, geometric mean) (default: shift)")
    p.add_argument("--shift", type=float, default=1e-4, help="constant of --zeros shift/replace (default: 1e-4)")
    p.add_argument("--weights", default="entropy",
                   help=f"weighting: one of {', '.join(choices('weights'))}, or several joined by + (e.g. entropy+critic) "
                        "(default: entropy)")
    p.add_argument("--combine", choices=choices("combine"), default="mean",
                   help="how several methods' weights combine (default: mean)")
    p.add_argument("--hierarchy", choices=choices("hierarchy"), default="flat",
                   help="weights over all indicators, or within dimensions then across (default: flat)")
    p.add_argument("--dimension-weights", dest="dimension_weights", choices=choices("dimension_weights"), default="method",
                   help="dimension weights of a hierarchical index (default: method)")
    p.add_argument("--aggregate", choices=choices("aggregate"), default="sum", help="aggregation (default: sum)")
    p.add_argument("--ddof", type=int, choices=(0, 1), default=1,
                   help="σ of z-score, CRITIC and std weights: 1 sample, 0 population (default: 1)")
    p.add_argument("--impute", choices=choices("impute"), default="none",
                   help="fill missing indicator cells within each unit (default: none = refuse gaps)")
    p.add_argument("--years", default=None, metavar="FROM-TO", help="restrict years, e.g. 2012-2019")
    p.add_argument("--exclude-units", dest="exclude_units", default=None, metavar="A,B",
                   help="units to leave out, comma-separated (e.g. 西藏), or 'auto': the units with an indicator "
                        "that has no value in any year")
    add_decimal_option(p)


def _index_options(args: argparse.Namespace) -> dict[str, Any]:
    keys = ("normalise", "scope", "zeros", "shift", "weights", "combine", "hierarchy", "dimension_weights",
            "aggregate", "ddof", "impute", "years", "exclude_units")
    return {k: getattr(args, k) for k in keys if getattr(args, k) is not None}


def _fit(args: argparse.Namespace) -> tuple[CompositeIndex, Any]:
    system = load_system(args.system)
    panel = _open(args.panel, system, decimal=args.decimal, meta=args.meta, unit_col=args.unit)
    index = CompositeIndex(system, **_index_options(args)).fit(panel)
    return index, panel


def _panel_record(panel: Any, spec: str) -> dict[str, Any]:
    meta = getattr(panel, "meta", None)
    record = {"spec": spec, "name": getattr(panel, "name", spec)}
    if meta is not None:
        record.update({"unit_kind": meta.unit_kind, "groupings": meta.grouping_columns,
                       "metadata": str(meta.source) if meta.source else None, "citation": meta.citation})
    return record


def _print_summary(result: IndexResult, out: Path, files: list[str], notes: list[str]) -> None:
    s = result.scores
    last = int(s["year"].max())
    top = s[s["year"] == last].sort_values("rank").head(5)
    print(f"wrote {', '.join(files)} to {out}")
    print(f"top 5 in {last}: " + ", ".join(f"{r.unit} {r.score:.3f}" for r in top.itertuples()))
    for note in notes:
        print(f"note: {note}")


def run_measure(args: argparse.Namespace) -> int:
    index, panel = _fit(args)
    result = index.result_
    out = _out_dir(args.out)
    _write_csv(with_groups(result.scores, panel), out / "scores.csv")
    _write_csv(result.weights, out / "weights.csv")
    _write_csv(result.dimension_weights, out / "dimension_weights.csv")
    files = ["scores.csv", "weights.csv", "dimension_weights.csv"]
    notes = list(result.notes)
    coupling = _coupling(result, notes)
    if coupling is not None:
        _write_csv(coupling, out / "coupling.csv")
        files.append("coupling.csv")
    if args.details:
        for name, frame in result.to_frames().items():
            if name not in ("scores", "weights", "dimension_weights"):
                _write_csv(frame, out / f"{name}.csv")
                files.append(f"{name}.csv")
    record = {**result.options, "panel_source": _panel_record(panel, args.panel), "notes": notes}
    write_atomic(out / "options.json", json.dumps(record, ensure_ascii=False, indent=2, default=json_default) + "\n")
    files.append("options.json")
    _print_summary(result, out, files, notes)
    return 0


#: Monte Carlo draws accepted, the same bounds as ``nqp build``'s ``draws`` parameter.
DRAWS = (10, 100_000)


def _draws(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from {DRAWS[0]} to {DRAWS[1]}, got {text!r}") from None
    if not DRAWS[0] <= value <= DRAWS[1]:
        raise argparse.ArgumentTypeError(f"must be a whole number from {DRAWS[0]} to {DRAWS[1]}, got {value}")
    return value


def _coupling(result: IndexResult, notes: list[str]) -> pd.DataFrame | None:
    """Coupling coordination among the dimensions (equal α), or None with a note when it does not apply."""
    from nqp_lib.measure.diagnose import coupling_coordination

    if len(result.arrays.dimensions) < 2:
        notes.append("coupling.csv not written: coupling coordination needs at least two dimensions")
        return None
    try:
        return coupling_coordination(result)
    except MethodError as exc:
        notes.append(f"coupling.csv not written: {exc}")
        return None


def _levels(value: str | None) -> list[str] | None:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


def run_uncertainty(args: argparse.Namespace) -> int:
    index, panel = _fit(args)
    res = uncertainty(
        index, draws=args.draws, seed=args.seed,
        normalisations=_levels(args.normalisations), weightings=_levels(args.weightings),
        aggregations=_levels(args.aggregations), zeros=_levels(args.zero_levels),
        exclude_probability=args.exclude_probability, weight_noise=args.weight_noise,
    )
    out = _out_dir(args.out)
    _write_csv(with_groups(res.ranks, panel), out / "ranks.csv")
    _write_csv(res.sensitivity, out / "sensitivity.csv")
    _write_csv(res.sensitivity_by_unit, out / "sensitivity_by_unit.csv")
    _write_csv(res.design, out / "design.csv")
    record = {
        "uncertainty": res.options,
        "index": index.result_.options,
        "panel_source": _panel_record(panel, args.panel),
        "mean_abs_shift": res.mean_abs_shift,
        "notes": res.notes,
    }
    write_atomic(out / "options.json", json.dumps(record, ensure_ascii=False, indent=2, default=json_default) + "\n")
    print(f"wrote ranks.csv, sensitivity.csv, sensitivity_by_unit.csv, design.csv, options.json to {out}")
    print(f"{res.options['draws']} draws, seed {res.options['seed']}; mean |rank shift| {res.mean_abs_shift:.2f}")
    print("first-order index of the rank: " + ", ".join(
        f"{r.factor} {r.first_order:.3f}" for r in res.sensitivity.itertuples()))
    r = res.ranks
    last = r[r["year"] == r["year"].max()].sort_values("nominal_rank").head(5)
    print(f"{int(r['year'].max())}, top 5 (nominal rank: median [p05, p95]): " + ", ".join(
        f"{x.unit} {x.nominal_rank}: {x.median_rank:g} [{x.p05:g}, {x.p95:g}]" for x in last.itertuples()))
    for note in res.notes:
        print(f"note: {note}")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``measure`` and ``uncertainty`` sub-commands."""
    pm = subparsers.add_parser(
        "measure", help="composite NQPF index of a panel (scores, ranks, weights)",
        description="Measure a panel with an indicator system: writes scores.csv, weights.csv, "
                    "dimension_weights.csv and options.json.",
    )
    _add_index_options(pm)
    pm.add_argument("--out", default="nqp-measure", metavar="DIR", help="output directory (default: ./nqp-measure)")
    pm.add_argument("--details", action="store_true",
                    help="also write every intermediate (normalised matrix, entropy p, method details, …)")
    pm.set_defaults(func=run_measure)

    pu = subparsers.add_parser(
        "uncertainty", help="Monte Carlo rank intervals and sensitivity of the index to method choices",
        description="Seeded Monte Carlo over normalisation, weighting, aggregation, zero handling, "
                    "leave-one-indicator-out and weight noise around the index given by the options.",
    )
    _add_index_options(pu)
    pu.add_argument("--draws", type=_draws, default=1000,
                    help=f"Monte Carlo draws, {DRAWS[0]}–{DRAWS[1]} as in nqp build (default: 1000)")
    pu.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    pu.add_argument("--normalisations", default=None, metavar="A,B",
                    help=f"normalisation levels (default: {','.join(DEFAULT_NORMALISATIONS)} + the nominal)")
    pu.add_argument("--weightings", default=None, metavar="A,B",
                    help="weighting levels, e.g. entropy,critic,entropy+critic "
                         f"(default: {','.join(DEFAULT_WEIGHTINGS)} + the nominal)")
    pu.add_argument("--aggregations", default=None, metavar="A,B",
                    help=f"aggregation levels (default: {','.join(DEFAULT_AGGREGATIONS)})")
    pu.add_argument("--zero-levels", dest="zero_levels", default=None, metavar="A,B",
                    help=f"zero-handling levels (default: {','.join(DEFAULT_ZEROS)})")
    pu.add_argument("--exclude-probability", dest="exclude_probability", type=float, default=0.5,
                    help="probability that a draw leaves one indicator out (default: 0.5)")
    pu.add_argument("--weight-noise", dest="weight_noise", type=float, default=0.25,
                    help="half-width a of the multiplicative weight noise U(1-a, 1+a) (default: 0.25)")
    pu.add_argument("--out", default="nqp-uncertainty", metavar="DIR", help="output directory (default: ./nqp-uncertainty)")
    pu.set_defaults(func=run_uncertainty)
