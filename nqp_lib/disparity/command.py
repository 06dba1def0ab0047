"""``nqp disparity``: every disparity and dynamics measure on one column of any score table.

Reads a CSV with a unit column, a period column (``--by``) and a value column (``--value``), checks it, runs
the requested measures through :mod:`nqp_lib.disparity.suite` (the same entries and defaults the report
uses) and writes one CSV per table into ``--out`` (each written to a temporary file, made readable by
others — mode 0644 — and renamed), plus ``run.json`` recording the input's sha256, every option and every
note (skipped measures, units dropped from the weights). Bad input raises :class:`~nqp_lib.errors.NqpError`
with a message naming the file, column, line or option.

Groups (``--group``): a column of the CSV; or ``region4`` (NBS four regions, default) / ``belt3`` (three
belts) joined from the regions table when the units are the 31 provinces (short or full Chinese names,
English names or GB/T 2260 codes); or ``none``. Spatial weights (``--weights``): a CSV holding a square
matrix labelled on both axes or an edge list ``from,to[,weight]`` (read sparse, see
:mod:`~nqp_lib.disparity.weights`); by default the provincial contiguity matrix when the units are
provinces; ``none`` skips Moran's I and the spatial Markov chain.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from nqp_lib.errors import DataError, MethodError, ParameterError
from nqp_lib.disparity import suite
from nqp_lib.disparity.density import KERNELS
from nqp_lib.disparity.inference import ADJUSTMENTS
from nqp_lib.disparity.markov import BASES
from nqp_lib.io import sha256_file, write_atomic
from nqp_lib.disparity.panel import check_unique_keys
from nqp_lib.disparity.spatial import check_alpha
from nqp_lib.disparity.weights import SpatialWeights, read_weights, spatial_weights

MEASURES = ("gini", "theil", "dagum", "kde", "markov", "convergence", "moran")
UNIT_CANDIDATES = ("unit", "province", "city", "county", "region", "code")
REGION_GROUPINGS = ("region4", "belt3", "region4_zh", "belt3_zh")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``disparity`` sub-command."""
    p = subparsers.add_parser(
        "disparity",
        help="inequality (Gini, Theil, Dagum), density, Markov chains, convergence and Moran's I of a score column",
        description="Disparity and dynamics of one value column of a score table; see docs/disparity.md.",
    )
    p.add_argument("scores", metavar="SCORES.csv", help="CSV with one row per unit and period")
    p.add_argument("--value", required=True, metavar="COL", help="column with the values (e.g. score)")
    p.add_argument("--unit", metavar="COL", help=f"unit column (default: first of {', '.join(UNIT_CANDIDATES)})")
    p.add_argument("--by", default="year", metavar="COL", help="period column (default: year)")
    p.add_argument(
        "--group",
        default="region4",
        metavar="COL",
        help="grouping: a column, region4 (default), belt3 (joined for provinces) or none",
    )
    p.add_argument("--out", default="out/disparity", metavar="DIR", help="output folder (default: out/disparity)")
    p.add_argument(
        "--measures",
        default=",".join(MEASURES),
        metavar="LIST",
        help=f"comma-separated subset of {','.join(MEASURES)} (default: all)",
    )
    p.add_argument("--weight", metavar="COL", help="population weights for Gini, CV and Theil (default: unweighted)")
    p.add_argument("--theil", default="T,L", metavar="T,L", help="Theil indices to compute (default: T,L)")
    p.add_argument("--ddof", type=int, default=0, choices=(0, 1), help="ddof of CV and sd of logs (default 0)")
    p.add_argument(
        "--bandwidth", default="silverman", metavar="RULE", help="KDE bandwidth: silverman (default), scott or a number"
    )
    p.add_argument("--kernel", default="gaussian", choices=KERNELS, help="KDE kernel (default: gaussian)")
    p.add_argument("--grid-size", type=int, default=200, metavar="N", help="KDE grid points (default 200)")
    p.add_argument("--min-prominence", type=float, default=0.05, metavar="SHARE",
                   help="KDE: a peak counts when its prominence is at least this share of the highest point "
                        "(default 0.05)")
    p.add_argument("--classes", type=int, default=4, metavar="K",
                   help="Markov classes, pooled quantiles (default 4; k² ≤ transitions, k³ for the spatial chain)")
    p.add_argument("--markov-basis", default="absolute,relative", metavar="LIST",
                   help="Markov classes of the values (absolute) and/or of the values over their period's mean "
                        "(relative) (default: absolute,relative)")
    p.add_argument(
        "--lag-cuts", default="lags", choices=("lags", "values"), help="spatial Markov lag classes (default: lags)"
    )
    p.add_argument("--controls", metavar="COLS", help="comma-separated control columns for conditional β")
    p.add_argument(
        "--weights", metavar="W.csv", help="spatial weights CSV: a square matrix labelled on both axes or an edge "
        "list from,to[,weight]; or none (default: provincial contiguity when units are provinces)"
    )
    p.add_argument("--weights-undirected", action="store_true",
                   help="read each edge-list row as an undirected link (w_ab = w_ba)")
    p.add_argument("--permutations", type=int, default=999, metavar="R", help="Moran permutations (default 999)")
    p.add_argument("--seed", type=int, default=0, help="seed of the permutations (default 0)")
    p.add_argument("--alpha", type=float, default=0.05, help="LISA significance level, 0 < alpha < 1 (default 0.05)")
    p.add_argument("--adjust", default="none", choices=ADJUSTMENTS,
                   help="LISA multiple-testing adjustment over the units of a period (default: none)")
    p.add_argument("--drop-missing", action="store_true", help="drop rows with an empty value instead of failing")
    p.set_defaults(func=run)


# --- reading and checking the table -------------------------------------------------------------------------


def read_scores(path: Path) -> pd.DataFrame:
    """Read the scores CSV (UTF-8, with or without BOM)."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        return pd.read_csv(path, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path}: cannot read as a UTF-8 CSV ({exc})") from None


def _column(frame: pd.DataFrame, name: str, option: str, path: Path) -> str:
    if name not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        raise ParameterError(f"{option} {name}: no such column in {path}; columns: {columns}")
    return name


def _unit_column(frame: pd.DataFrame, unit: str | None, path: Path) -> str:
    if unit is not None:
        return _column(frame, unit, "--unit", path)
    for name in UNIT_CANDIDATES:
        if name in frame.columns:
            return name
    raise ParameterError(
        f"--unit: {path} has none of {', '.join(UNIT_CANDIDATES)}; pass --unit COL "
        f"(columns: {', '.join(map(str, frame.columns))})"
    )


def _lines(frame: pd.DataFrame | pd.Series, mask: np.ndarray, limit: int = 8) -> str:
    """CSV line numbers of the masked rows (the frame keeps read_csv's 0-based row index; + header, 1-based)."""
    lines = (np.asarray(frame.index)[mask] + 2).tolist()
    return ", ".join(map(str, lines[:limit])) + (f" and {len(lines) - limit} more" if len(lines) > limit else "")


def numeric_column(frame: pd.DataFrame, column: str, path: Path, *, allow_missing: bool) -> pd.Series:
    """The column as floats; non-numeric cells (and empty ones unless ``allow_missing``) raise, naming lines."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").astype(float)
    empty = raw.isna().to_numpy()
    bad = values.isna().to_numpy() & ~empty
    if bad.any():
        first = raw[bad].iloc[0]
        raise DataError(f"{path}: column {column!r} has non-numeric values on line(s) {_lines(raw, bad)} (e.g. {first!r})")
    infinite = ~np.isfinite(values.to_numpy()) & ~empty
    if infinite.any():
        raise DataError(f"{path}: column {column!r} has infinite values on line(s) {_lines(raw, infinite)}")
    if empty.any() and not allow_missing:
        raise DataError(
            f"{path}: column {column!r} is empty on line(s) {_lines(raw, empty)}; fill them or pass --drop-missing"
        )
    return values


def _labels(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    missing = frame[column].isna().to_numpy()
    if missing.any():
        raise DataError(f"{path}: column {column!r} is empty on line(s) {_lines(frame, missing)}")
    return frame[column]


# --- groups and weights ----------------------------------------------------------------------------------------


def _regions():
    try:
        from nqp_lib.data import regions
    except ModuleNotFoundError as exc:  # pragma: no cover - the data layer ships with nqp
        raise DataError(f"the regions table is unavailable ({exc}); pass --group COL and --weights W.csv") from None
    return regions


def province_names(units: pd.Series) -> pd.Series | None:
    """Short Chinese province names for the units, or None unless every unit is one of the 31 provinces."""
    canonical = _regions().canonical_province
    names = pd.Series([canonical(u) for u in units], index=units.index, dtype=object)
    return None if names.isna().any() else names


def resolve_groups(
    frame: pd.DataFrame, group: str, provinces: pd.Series | None, path: Path, notes: list[str]
) -> tuple[pd.Series | None, str]:
    """Group labels per row and where they came from."""
    if group == "none":
        return None, "none"
    if group in frame.columns:
        return _labels(frame, group, path).astype(str), f"column {group}"
    if group in REGION_GROUPINGS:
        if provinces is None:
            raise ParameterError(
                f"--group {group}: the units of {path} are not (all) the 31 provinces, so {group} cannot be joined; "
                f"pass --group COL with a grouping column ({', '.join(map(str, frame.columns))}) or --group none"
            )
        table = _regions().load_regions().set_index("name_zh")[group]
        notes.append(f"groups: {group} joined from the regions table (data/regions.csv)")
        return provinces.map(table).astype(str), f"regions table: {group}"
    raise ParameterError(
        f"--group {group}: not a column of {path} (columns: {', '.join(map(str, frame.columns))}) "
        f"nor one of {', '.join(REGION_GROUPINGS)}, none"
    )


def resolve_weights(
    option: str | None, units: pd.Series, provinces: pd.Series | None, notes: list[str], *, undirected: bool = False
) -> tuple[SpatialWeights | None, pd.Series, str]:
    """Spatial weights and the unit keys that match their labels; ``None`` when spatial measures are skipped."""
    if option == "none":
        notes.append("moran, spatial Markov: skipped (--weights none)")
        return None, units, "none"
    if option is None:
        if provinces is None:
            notes.append(
                "moran, spatial Markov: skipped (units are not the 31 provinces and no --weights W.csv was given)"
            )
            return None, units, "none"
        return spatial_weights(_regions().contiguity_matrix(), name="contiguity"), provinces, "provincial contiguity"
    path = Path(option)
    if not path.is_file():
        raise DataError(f"--weights {path}: no such file")
    weights = read_weights(path, undirected=undirected)
    keys = units.astype(str)
    if provinces is not None and not set(keys) <= set(weights.labels):
        canonical = _regions().canonical_province
        mapped = [canonical(label) for label in weights.labels]
        if None not in mapped:
            weights, keys = weights.relabel(mapped), provinces
    return weights, keys, str(path)


def absent_from_data(weights: SpatialWeights, keys: pd.Series, periods: pd.Series) -> list[str]:
    """Notes on matrix units missing from the data in some periods (they are dropped from the weights there)."""
    missing: dict[tuple, list] = {}
    for period, present in keys.groupby(periods.to_numpy(), sort=True):
        gone = tuple(sorted(set(weights.labels) - set(present), key=str))
        if gone:
            missing.setdefault(gone, []).append(period)
    return [
        f"spatial: {', '.join(map(str, gone))} not in the data in {len(when)} period(s) ({when[0]} to {when[-1]}); "
        "dropped from the weights there, rows re-standardised"
        for gone, when in missing.items()
    ]


# --- running the measures ----------------------------------------------------------------------------------------


#: ``--measures`` names → suite entries (``markov`` adds the spatial chain when weights are available).
CLI_MEASURES = {
    "gini": ("inequality",), "theil": ("inequality",), "dagum": ("dagum",), "kde": ("density",),
    "markov": ("markov", "spatial_markov"), "convergence": ("sigma", "beta"), "moran": ("moran",),
}


def _measure(name: str, compute: Callable[[], suite.SuiteResult]) -> suite.SuiteResult:
    try:
        return compute()
    except MethodError as exc:
        raise type(exc)(f"{name}: {exc} (leave it out with --measures)") from None


def _parse_list(text: str, option: str, allowed: tuple[str, ...]) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in items if t not in allowed]
    if bad or not items:
        raise ParameterError(f"{option}: unknown {bad or text!r}; choose from {', '.join(allowed)}")
    return items


def _bandwidth(text: str) -> str | float:
    if text in ("silverman", "scott"):
        return text
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(f"--bandwidth {text}: use silverman, scott or a positive number") from None
    if not value > 0:
        raise ParameterError(f"--bandwidth {text}: a fixed bandwidth must be positive")
    return value


def _check_options(args: argparse.Namespace) -> None:
    """Refuse out-of-range numeric options before any data is read (exit 2, saying what is valid)."""
    for option, value, minimum in (("--permutations", args.permutations, 1), ("--classes", args.classes, 2),
                                   ("--grid-size", args.grid_size, 3)):
        if value < minimum:
            raise ParameterError(f"{option} must be at least {minimum}, got {value}")
    check_alpha(args.alpha, "--alpha")
    if not 0 <= args.min_prominence <= 1:
        raise ParameterError(f"--min-prominence must be a share between 0 and 1, got {args.min_prominence}")


def suite_options(args: argparse.Namespace, measures: list[str]) -> dict[str, dict]:
    """The suite options the command line sets (everything else keeps the suite's defaults)."""
    bases = tuple(_parse_list(args.markov_basis, "--markov-basis", BASES))
    return {
        "inequality": {"ddof": args.ddof, "weighted": bool(args.weight),
                       "theil": tuple(_parse_list(args.theil, "--theil", ("T", "L"))) if "theil" in measures else ()},
        "density": {"bandwidth": _bandwidth(args.bandwidth), "kernel": args.kernel, "grid_size": args.grid_size,
                    "min_prominence": args.min_prominence, "ddof": args.ddof},
        "markov": {"classes": args.classes, "bases": bases},
        "spatial_markov": {"classes": args.classes, "lag_cuts": args.lag_cuts, "bases": bases},
        "sigma": {"ddof": args.ddof},
        "beta": {"controls": bool(args.controls)},
        "moran": {"permutations": args.permutations, "seed": args.seed, "alpha": args.alpha, "adjust": args.adjust},
    }


def run(args: argparse.Namespace) -> int:
    """Run ``nqp disparity``; return the exit status."""
    path = Path(args.scores)
    measures = _parse_list(args.measures, "--measures", MEASURES)
    _check_options(args)
    options = suite_options(args, measures)

    frame = read_scores(path)
    value_col = _column(frame, args.value, "--value", path)
    unit_col = _unit_column(frame, args.unit, path)
    by_col = _column(frame, args.by, "--by", path)
    controls = [] if not args.controls else [c.strip() for c in args.controls.split(",") if c.strip()]
    weight_col = args.weight and _column(frame, args.weight, "--weight", path)
    for c in controls:
        _column(frame, c, "--controls", path)

    notes: list[str] = []
    values = numeric_column(frame, value_col, path, allow_missing=args.drop_missing)
    keep = values.notna().to_numpy()
    if not keep.all():
        notes.append(f"dropped {int((~keep).sum())} row(s) with an empty {value_col!r} (lines {_lines(frame, ~keep)})")
    frame, values = frame[keep], values[keep]  # keep read_csv's row index: errors name the CSV lines
    if frame.empty:
        raise DataError(f"{path}: no rows with a value in {value_col!r}")
    units = _labels(frame, unit_col, path)
    periods = _labels(frame, by_col, path)
    check_unique_keys(units.to_numpy(dtype=object), periods.to_numpy(dtype=object))
    values.index = [f"line {i + 2} ({u}, {p})" for i, u, p in zip(frame.index, units, periods)]

    spatial = "moran" in measures or "markov" in measures
    needs_provinces = args.group in REGION_GROUPINGS or (args.weights is None and spatial)
    provinces = province_names(units) if needs_provinces else None
    groups, group_source = resolve_groups(frame, args.group, provinces, path, notes)
    population = None
    if weight_col:
        population = numeric_column(frame, weight_col, path, allow_missing=False).set_axis(values.index)
    control_frame = None
    if controls:
        control_frame = pd.DataFrame(
            {c: numeric_column(frame, c, path, allow_missing=False) for c in controls}).set_axis(values.index)
    weights = keys = None
    weights_source = None
    if spatial:
        weights, keys, weights_source = resolve_weights(args.weights, units, provinces, notes,
                                                        undirected=args.weights_undirected)
        if weights is not None:
            notes += absent_from_data(weights, keys, periods)
    data = suite.SuiteData(values, units, periods, groups=groups, population=population, controls=control_frame,
                           weights=weights, weight_keys=keys)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, suite.SuiteResult] = {}
    for cli_name in measures:
        for name in CLI_MEASURES[cli_name]:
            if name in results:
                continue
            missing = suite.missing_needs(name, data)
            if missing:  # no weights: resolve_weights has said why
                if "groups" in missing:
                    notes.append(f"{cli_name}: skipped (--group none)")
                continue
            label = "/".join(c for c, entries in CLI_MEASURES.items() if name in entries)  # e.g. gini/theil
            results[name] = _measure(label, lambda n=name: suite.run(n, data, **options.get(n, {})))
    tables = suite.combined_tables(results.values())

    for name, table in tables.items():
        write_atomic(out / f"{name}.csv", table.to_csv(index=False), newline="")
    record = {name: r.options for name, r in results.items()}
    if spatial:
        record["weights"] = weights_source
    run_record = {
        "input": {"path": str(path), "sha256": sha256_file(path), "rows": int(keep.sum())},
        "columns": {"value": value_col, "unit": unit_col, "by": by_col, "weight": weight_col or None},
        "group": group_source,
        "measures": measures,
        "options": record,
        "notes": notes,
        "files": sorted(f"{name}.csv" for name in tables),
    }
    write_atomic(out / "run.json", json.dumps(run_record, ensure_ascii=False, indent=2, default=str))
    _report(out, tables, notes)
    return 0


def _report(out: Path, tables: dict[str, pd.DataFrame], notes: list[str]) -> None:
    print(f"nqp disparity: wrote {len(tables)} tables and run.json to {out}/")
    if "gini" in tables:
        g = tables["gini"]
        first, last = g.iloc[0].to_dict(), g.iloc[-1].to_dict()
        print(f"  Gini {g['period'].iloc[0]}: {first['gini']:.4f} -> {g['period'].iloc[-1]}: {last['gini']:.4f}")
    if "dagum" in tables:
        d = tables["dagum"].iloc[-1].to_dict()
        print(f"  Dagum {tables['dagum']['period'].iloc[-1]}: G={d['G']:.4f}, within {d['share_w']:.1%}, "
              f"net between {d['share_nb']:.1%}, transvariation {d['share_t']:.1%}")
    if "markov_steady" in tables:
        s = tables["markov_steady"].query("chain == 'classic'")
        for basis, part in s.groupby("basis", sort=False):
            pi = part["probability"]
            shown = "none (" + part["note"].iloc[0] + ")" if pi.isna().any() else ", ".join(f"{v:.3f}" for v in pi)
            print(f"  Markov ({basis} classes): steady state {shown}")
    if "convergence" in tables:
        for row in tables["convergence"].itertuples():
            print(f"  β ({row.model}): {row.beta:.4f} (cluster-robust p={row.p_cluster:.3g})")
    if "moran" in tables:
        m = tables["moran"].iloc[-1]
        print(f"  Moran's I {m['period']}: {m['I']:.4f} (permutation p={m['p_sim']:.3g}, {m['permutations']} "
              f"permutations; z_rand={m['z_rand']:.3f}, p_rand={m['p_rand']:.3g})")
    for note in notes:
        print(f"  note: {note}")
