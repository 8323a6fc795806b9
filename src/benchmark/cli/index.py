"""`talentbench index` and `talentbench sensitivity`: the composite index engine on any data.

    talentbench index --data IDATA.csv --meta IMETA.csv --spec SPEC.yaml --out DIR [--audit]
    talentbench sensitivity --data IDATA.csv --meta IMETA.csv --spec SPEC.yaml --out DIR
                            [--inputs INPUTS.yaml] [--n 1000] [--seed 0] [--sobol 256]

Input is COINr's table layout (iData, iMeta); the spec is a YAML list of steps (see
``src/benchmark/resources/index/asem_example.yaml``). Everything is computed before anything
is written, and every file is written atomically.
"""

from __future__ import annotations

import time
from pathlib import Path

import click
import pandas as pd
import yaml

from benchmark.store import atomic_write_bytes

STAGE_FILES = ("Denominated", "Imputed", "Screened", "Treated", "Normalised", "Aggregated")

_data = click.option("--data", "data_path", required=True, type=click.Path(path_type=Path),
                     help="iData CSV: uCode, uName, group columns, Den_* columns, indicators.")
_meta = click.option("--meta", "meta_path", required=True, type=click.Path(path_type=Path),
                     help="iMeta CSV: Level, iCode, iName, Direction, Weight, Parent, Type, ...")
_spec = click.option("--spec", "spec_path", required=True, type=click.Path(path_type=Path),
                     help="Method spec YAML: a list of steps under 'steps'.")
_out = click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
                    help="Output folder (created if missing).")


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, float_format="%.10g").encode("utf-8")


def _write_all(out_dir: Path, files: dict[str, bytes]) -> None:
    for name, payload in files.items():
        atomic_write_bytes(out_dir / name, payload)


def _build(data_path: Path, meta_path: Path, spec_path: Path):
    from benchmark.index import CompositeIndex

    return CompositeIndex.from_csv(data_path, meta_path).build(spec_path)


# COINr's names for the treatment table (Treat()$Dets_Table): check 0 before, 1 after
# Winsorisation, 2 after the log transform
_COINR_TREAT_NAMES = {
    "Pass0": "check_SkewKurt0.Pass", "Skew0": "check_SkewKurt0.Skew", "Kurt0": "check_SkewKurt0.Kurt",
    "nwin": "winsorise.nwin",
    "Pass1": "check_SkewKurt1.Pass", "Skew1": "check_SkewKurt1.Skew", "Kurt1": "check_SkewKurt1.Kurt",
    "Pass2": "check_SkewKurt2.Pass", "Skew2": "check_SkewKurt2.Skew", "Kurt2": "check_SkewKurt2.Kurt",
}


def _coinr_treat_details(details: pd.DataFrame) -> pd.DataFrame:
    table = details.rename(columns=_COINR_TREAT_NAMES)
    first = ["iCode"] + [c for c in _COINR_TREAT_NAMES.values() if c in table.columns]
    return table[first + [c for c in table.columns if c not in first]]


@click.command("index")
@_data
@_meta
@_spec
@_out
@click.option("--audit", is_flag=True, help="Also write the statistical audit tables.")
def index_command(data_path: Path, meta_path: Path, spec_path: Path, out_dir: Path, audit: bool) -> None:
    """Build a composite index: one CSV per stage (COINr's shape) and results.csv with ranks."""
    coin = _build(data_path, meta_path, spec_path)
    files = {f"{stage}.csv": _csv_bytes(coin.data[stage]) for stage in STAGE_FILES}
    files["results.csv"] = _csv_bytes(coin.results)
    files["log.yaml"] = yaml.safe_dump({"steps": coin.log}, allow_unicode=True, sort_keys=False).encode()
    if "Treated" in coin.analysis:
        files["treat_details.csv"] = _csv_bytes(_coinr_treat_details(coin.analysis["Treated"]["details"]))
    if audit:
        from benchmark.index.audit import audit as run_audit

        for name, table in run_audit(coin).items():
            files[f"audit_{name}.csv"] = _csv_bytes(table)
    _write_all(out_dir, files)
    top = coin.results.head(3)
    leaders = ", ".join(f"{r.uCode} ({r.Rank})" for r in top.itertuples())
    click.echo(f"{len(coin.results)} units, {len(coin.framework.indicators)} indicators; top: {leaders}")
    click.echo(f"wrote {len(files)} files to {out_dir}")


@click.command("sensitivity")
@_data
@_meta
@_spec
@_out
@click.option("--inputs", "inputs_path", type=click.Path(path_type=Path),
              help="YAML list of uncertain inputs (default: noisy weights 25%, winmax 1-5, "
                   "min-max [1,100] vs z-score [10,2], arithmetic vs geometric).")
@click.option("--n", "n", type=click.IntRange(min=1, max=1_000_000), default=1000, show_default=True,
              help="Monte Carlo replications (1 to 1 000 000).")
@click.option("--seed", type=click.IntRange(min=0, max=2**32 - 1), default=0, show_default=True)
@click.option("--sobol", "sobol_n", type=click.IntRange(min=0, max=100_000), default=0, show_default=True,
              help="Also compute Sobol indices with this many base samples (N*(d+2) runs).")
def sensitivity_command(data_path: Path, meta_path: Path, spec_path: Path, out_dir: Path,
                        inputs_path: Path | None, n: int, seed: int, sobol_n: int) -> None:
    """Uncertainty analysis of the ranks: nominal, median, 5% and 95% rank per unit."""
    from benchmark.index.sensitivity import (
        default_inputs,
        inputs_from_yaml,
        sensitivity,
        uncertainty,
    )

    coin = _build(data_path, meta_path, spec_path)
    inputs = inputs_from_yaml(str(inputs_path)) if inputs_path else default_inputs(coin)
    start = time.perf_counter()
    ua = uncertainty(coin, inputs, n=n, seed=seed)
    elapsed = time.perf_counter() - start
    names = coin.idata.set_index("uCode")["uName"]
    stats = ua.summary
    stats.insert(1, "uName", stats["uCode"].map(names))
    files = {"rank_stats.csv": _csv_bytes(stats),
             "inputs.yaml": yaml.safe_dump({"inputs": inputs, "n": n, "seed": seed}, allow_unicode=True,
                                           sort_keys=False).encode()}
    if sobol_n:
        sa = sensitivity(coin, inputs, n=sobol_n, seed=seed)
        files["sobol_indices.csv"] = _csv_bytes(sa.indices)
        files["sobol_units_total.csv"] = _csv_bytes(sa.unit_st)
        files["sobol_units_first.csv"] = _csv_bytes(sa.unit_s1)
    _write_all(out_dir, files)
    click.echo(f"{n} replications in {elapsed:.2f} s ({n / elapsed:,.0f} per second); "
               f"{len(inputs)} uncertain inputs")
    if sobol_n:
        for row in sa.indices.itertuples():
            click.echo(f"  {row.input}: S1 = {row.S1:.3f}, ST = {row.ST:.3f}")
    click.echo(f"wrote {', '.join(files)} to {out_dir}")


commands = [index_command, sensitivity_command]
