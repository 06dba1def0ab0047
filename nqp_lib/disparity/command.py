"""``nqp disparity``: every disparity and dynamics measure on one column of any score table.

Reads a CSV with a unit column, a period column (``--by``) and a value column (``--value``), checks it, runs
the requested measures and writes one CSV per table into ``--out`` (each written to a temporary file and
renamed), plus ``run.json`` recording the input's sha256, every option and every note (skipped measures,
units dropped from the weights). Bad input raises :class:`~nqp_lib.errors.NqpError` with a message naming
the file, column, line or option.

Groups (``--group``): a column of the CSV; or ``region4`` (NBS four regions, default) / ``belt3`` (three
belts) joined from the regions table when the units are the 31 provinces (short or full Chinese names,
English names or GB/T 2260 codes); or ``none``. Spatial weights (``--weights``): a square CSV labelled on
both axes; by default the provincial contiguity matrix when the units are provinces; ``none`` skips Moran's I
and the spatial Markov chain.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from nqp_lib.errors import DataError, MethodError, ParameterError
from nqp_lib.disparity.convergence import beta_convergence, sigma_convergence
from nqp_lib.disparity.dagum import dagum_by_period
from nqp_lib.disparity.density import kernel_density
from nqp_lib.disparity.inequality import inequality_by_period
from nqp_lib.disparity.markov import markov_chain, spatial_markov
from nqp_lib.disparity.panel import check_unique_keys
from nqp_lib.disparity.spatial import SpatialWeights, moran_by_period, spatial_weights

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
    p.add_argument("--grid-size", type=int, default=200, metavar="N", help="KDE grid points (default 200)")
    p.add_argument("--classes", type=int, default=4, metavar="K", help="Markov classes, pooled quantiles (default 4)")
    p.add_argument(
        "--lag-cuts", default="lags", choices=("lags", "values"), help="spatial Markov lag classes (default: lags)"
    )
    p.add_argument("--controls", metavar="COLS", help="comma-separated control columns for conditional β")
    p.add_argument(
        "--weights", metavar="W.csv", help="square spatial weights CSV labelled on both axes, or none (default: "
        "provincial contiguity when units are provinces)"
    )
    p.add_argument("--permutations", type=int, default=999, metavar="R", help="Moran permutations (default 999)")
    p.add_argument("--seed", type=int, default=0, help="seed of the permutations (default 0)")
    p.add_argument("--alpha", type=float, default=0.05, help="LISA significance level (default 0.05)")
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
    option: str | None, units: pd.Series, provinces: pd.Series | None, notes: list[str]
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
    try:
        matrix = pd.read_csv(path, index_col=0, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"--weights {path}: cannot read as a CSV ({exc})") from None
    matrix.index = matrix.index.map(str)
    matrix.columns = matrix.columns.map(str)
    keys = units.astype(str)
    if provinces is not None and not set(keys) <= set(matrix.index):
        canonical = _regions().canonical_province
        mapped = [canonical(label) for label in matrix.index]
        if None not in mapped:
            matrix.index, matrix.columns = mapped, mapped
            keys = provinces
    return spatial_weights(matrix, name=f"--weights {path}"), keys, str(path)


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


def _measure(name: str, compute: Callable[[], dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
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


def _write(table: pd.DataFrame, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        table.to_csv(fh, index=False)
    os.replace(tmp, path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(args: argparse.Namespace) -> int:
    """Run ``nqp disparity``; return the exit status."""
    path = Path(args.scores)
    measures = _parse_list(args.measures, "--measures", MEASURES)
    theil_indices = tuple(_parse_list(args.theil, "--theil", ("T", "L")))
    bandwidth_rule = _bandwidth(args.bandwidth)
    for option, value, minimum in (("--permutations", args.permutations, 1), ("--classes", args.classes, 2),
                                   ("--grid-size", args.grid_size, 3)):
        if value < minimum:
            raise ParameterError(f"{option} must be at least {minimum}, got {value}")

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
    weight_values = None
    if weight_col:
        weight_values = numeric_column(frame, weight_col, path, allow_missing=False).set_axis(values.index)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tables: dict[str, pd.DataFrame] = {}
    record: dict[str, object] = {}

    if "gini" in measures or "theil" in measures:
        def inequality() -> dict[str, pd.DataFrame]:
            r = inequality_by_period(values, periods, groups, weights=weight_values, ddof=args.ddof,
                                     theil_indices=theil_indices if "theil" in measures else ("T",))
            record["inequality"] = r.options
            result = {"gini": r.gini} if "gini" in measures else {}
            if "theil" in measures:
                result["theil"] = r.theil
                if r.theil_groups is not None:
                    result["theil_groups"] = r.theil_groups
            return result
        tables |= _measure("gini/theil", inequality)

    if "dagum" in measures:
        if groups is None:
            notes.append("dagum: skipped (--group none)")
        else:
            def decomposition() -> dict[str, pd.DataFrame]:
                r = dagum_by_period(values, groups, periods)
                record["dagum"] = {"groups": group_source, "weighted": False, "order": "by mean, ascending"}
                return {"dagum": r.summary, "dagum_pairs": r.pairs()}
            tables |= _measure("dagum", decomposition)

    if "kde" in measures:
        def density() -> dict[str, pd.DataFrame]:
            r = kernel_density(values, periods, bandwidth_rule=bandwidth_rule, grid_size=args.grid_size)
            record["kde"] = r.options
            return {"kde": r.density, "kde_summary": r.summary}
        tables |= _measure("kde", density)

    weights = keys = None
    if spatial:
        weights, keys, weights_source = resolve_weights(args.weights, units, provinces, notes)
        record["weights"] = weights_source
        if weights is not None:
            notes += absent_from_data(weights, keys, periods)

    if "markov" in measures:
        def chains() -> dict[str, pd.DataFrame]:
            m = markov_chain(values, units, periods, classes=args.classes)
            transitions = [m.table().assign(chain="classic", lag_class="all")]
            steady = [_steady("classic", "all", m.steady_state, m.steady_state_note, m.cuts.size + 1)]
            record["markov"] = {**m.options, "cuts": m.cuts.tolist(), "n_transitions": m.n_transitions}
            if weights is not None:
                s = spatial_markov(values, keys, periods, weights, classes=args.classes, lag_cuts=args.lag_cuts)
                transitions.append(s.table().assign(chain="spatial"))
                steady += [_steady("spatial", lag + 1, pi, note, s.cuts.size + 1)
                           for lag, (pi, note) in enumerate(zip(s.steady_states, s.steady_state_notes))]
                record["spatial_markov"] = {**s.options, "lag_cut_points": s.lag_cuts.tolist()}
            table = pd.concat(transitions, ignore_index=True)
            front = ["chain", "lag_class"]
            return {
                "markov": table[front + [c for c in table.columns if c not in front]],
                "markov_steady": pd.concat(steady, ignore_index=True),
            }
        tables |= _measure("markov", chains)

    if "convergence" in measures:
        def convergence() -> dict[str, pd.DataFrame]:
            sigma = sigma_convergence(values, periods, ddof=args.ddof)
            control_frame = None
            if controls:
                control_frame = pd.DataFrame(
                    {c: numeric_column(frame, c, path, allow_missing=False) for c in controls}
                ).set_axis(values.index)
            rows = [beta_convergence(values, units, periods).to_frame(),
                    beta_convergence(values, units, periods, fixed_effects=True, controls=control_frame).to_frame()]
            record["convergence"] = {"growth": "log difference between consecutive periods", "ddof": args.ddof,
                                     "controls": controls}
            return {"sigma": sigma.table, "convergence": pd.concat(rows, ignore_index=True)}
        tables |= _measure("convergence", convergence)

    if "moran" in measures and weights is not None:
        def spatial() -> dict[str, pd.DataFrame]:
            r = moran_by_period(values, keys, periods, weights, permutations=args.permutations, seed=args.seed,
                                alpha=args.alpha)
            record["moran"] = {k: v for k, v in r.options.items() if k != "dropped_from_weights"}
            return {"moran": r.global_, "lisa": r.local}
        tables |= _measure("moran", spatial)

    for name, table in tables.items():
        _write(table, out / f"{name}.csv")
    run_record = {
        "input": {"path": str(path), "sha256": _sha256(path), "rows": int(keep.sum())},
        "columns": {"value": value_col, "unit": unit_col, "by": by_col, "weight": weight_col or None},
        "group": group_source,
        "measures": measures,
        "options": record,
        "notes": notes,
        "files": sorted(f"{name}.csv" for name in tables),
    }
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".run.json.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(run_record, fh, ensure_ascii=False, indent=2, default=str)
    os.replace(tmp, out / "run.json")
    _report(out, tables, notes)
    return 0


def _steady(chain: str, lag_class: object, pi: np.ndarray | None, note: str, k: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "chain": chain,
            "lag_class": lag_class,
            "class": np.arange(1, k + 1),
            "probability": pi if pi is not None else np.full(k, np.nan),
            "note": note,
        }
    )


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
    if "convergence" in tables:
        for row in tables["convergence"].itertuples():
            print(f"  β ({row.model}): {row.beta:.4f} (cluster-robust p={row.p_cluster:.3g})")
    if "moran" in tables:
        m = tables["moran"]
        print(f"  Moran's I {m['period'].iloc[-1]}: {m['I'].iloc[-1]:.4f} (p={m['p_sim'].iloc[-1]:.3g}, "
              f"{m['permutations'].iloc[-1]} permutations)")
    for note in notes:
        print(f"  note: {note}")
