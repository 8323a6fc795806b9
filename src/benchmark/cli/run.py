"""`talentbench run`: the main job, offline, on the embedded dataset (or your own provisions)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from benchmark.paths import read_yaml, workdir


@click.command("run")
@click.option("--provisions", "provisions_path", type=click.Path(path_type=Path),
              help="Curated provisions CSV (default: the embedded dataset).")
@click.option("--framework", "framework_path", type=click.Path(path_type=Path),
              help="Indicator framework YAML (default: the packaged talent-policy index).")
@click.option("--spec", "spec_path", type=click.Path(path_type=Path),
              help="Index method spec YAML: screen/impute/treat/normalise/aggregate steps.")
@click.option("--uncertainty", "uncertainty_path", type=click.Path(path_type=Path),
              help="Uncertain method choices YAML for the Monte Carlo and Sobol analysis.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for data/processed, figures and reports (default: current folder "
                   "or $TALENTBENCH_HOME).")
@click.option("--clusters", "n_clusters", default="auto", show_default=True,
              help="Number of policy clusters, or 'auto' to choose by silhouette.")
@click.option("--focus", metavar="CITY",
              help="A city to compare item by item with its peer cities (同类城市), e.g. 杭州; "
                   "'all' writes one report per ranked city.")
@click.option("--include-unverified", is_flag=True,
              help="Also score provisions the source marks 待复核 (to check); "
                   "旧口径 (old rules) never count.")
def run_command(provisions_path, framework_path, spec_path, uncertainty_path, out_dir, n_clusters,
                focus, include_unverified) -> None:
    """Run the whole benchmark: provisions -> matrix -> index -> clusters -> figures -> PDF.

    Works offline on the embedded peer-city dataset. Tables go to data/processed/ (Parquet and
    talentbench.duckdb), figures to figures/, the report to reports/talent_policy_report.pdf,
    with data/processed/run_manifest.json naming every file (sha256). They are published as
    one set once all are written (a failed or killed run leaves the previous set); one run at
    a time per --out folder.
    """
    from rich.console import Console

    from benchmark import publish
    from benchmark.errors import TalentbenchError

    if n_clusters != "auto" and not str(n_clusters).isdigit():
        raise TalentbenchError(f"--clusters must be a whole number or 'auto', not {n_clusters!r}")
    out = out_dir.resolve() if out_dir else workdir()
    # Refuse at once when another run writes there, not after the seconds the imports take;
    # run() takes the lock for real (and refuses the same way if a run came in between).
    publish.lock(out).release()
    # Likewise a broken or hostile method file (a YAML bomb) is refused before the imports.
    for path, what in ((framework_path, "framework file"), (spec_path, "method spec"),
                       (uncertainty_path, "uncertainty spec")):
        if path is not None:
            read_yaml(path, what)

    from benchmark.pipeline import RunConfig, run

    config = RunConfig(
        workdir=out,
        provisions_path=provisions_path,
        framework_path=framework_path,
        spec_path=spec_path,
        uncertainty_path=uncertainty_path,
        n_clusters=n_clusters if n_clusters == "auto" else int(n_clusters),
        focus=focus,
        statuses=("confirmed", "to_check") if include_unverified else ("confirmed",),
    )
    console = Console(stderr=True)
    started = time.perf_counter()
    with console.status("talentbench run") as status:
        def progress(stage: str) -> None:
            console.print(f"[{time.perf_counter() - started:5.1f}s] {stage}", highlight=False)
            status.update(f"talentbench run: {stage}")

        result = run(config, progress)
    results = result.tables["results"]
    n_registry = len(result.tables["coverage"])
    click.echo(f"ranked {len(results)} cities in {time.perf_counter() - started:.1f} s "
               f"({len(result.benchmarked)} of {n_registry} registry cities "
               "have confirmed provisions"
               + (f"; insufficient data, not ranked: {', '.join(result.not_ranked)}"
                  if result.not_ranked else "") + "); top 5:")
    for _, row in results.sort_values("Rank").head(5).iterrows():
        click.echo(f"  {int(row['Rank']):>2}. {row['city']}  {row[result.index_code]:.1f}  "
                   f"(rank 90% interval {row['rank_q05']:.0f}-{row['rank_q95']:.0f}, "
                   f"coverage {row['coverage']:.0%})")
    click.echo("outputs:")
    for name, path in result.outputs.items():
        click.echo(f"  {name:<22} {path}")


commands = [run_command]
