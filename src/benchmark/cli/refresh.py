"""`talentbench refresh`, `talentbench history`, `talentbench diff`: scheduled refresh and its history.

Exit codes of `refresh` (for cron / systemd):
  0  a new snapshot was published
  3  nothing changed since the last refresh; nothing published
  4  another refresh is running (its pid is named); nothing done
  5  the refresh failed; the last good snapshot is untouched (the message names the stage)
  2  bad invocation (a missing folder or file, a bad option)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from benchmark.cli.output import aligned
from benchmark.errors import TalentbenchError


@click.command("refresh")
@click.option("--offline", is_flag=True,
              help="Do not crawl: use what is stored (the --corpus folder, or the parsed documents).")
@click.option("--corpus", type=click.Path(path_type=Path),
              help="Folder of source texts that cite their own sources (e.g. the research corpus); "
                   "otherwise the documents of `talentbench crawl` + `talentbench parse`.")
@click.option("--label", help="Name of the snapshot (default: the corpus folder's name).")
@click.option("--reviewed", "reviewed_path", type=click.Path(path_type=Path),
              help="Curated provisions CSV holding the reviewed work (default: "
                   "data/review/provisions_curated.csv if it exists, else the embedded dataset).")
@click.option("--decisions", "decisions_path", type=click.Path(path_type=Path),
              help="Review decisions CSV (default: data/review/review_decisions.csv if it exists, "
                   "else the embedded ones).")
@click.option("--framework", "framework_path", type=click.Path(path_type=Path),
              help="Indicator framework YAML (default: the packaged one).")
@click.option("--spec", "spec_path", type=click.Path(path_type=Path), help="Index method spec YAML.")
@click.option("--uncertainty", "uncertainty_path", type=click.Path(path_type=Path),
              help="Uncertain method choices YAML (Monte Carlo and Sobol).")
@click.option("--include-unverified", is_flag=True,
              help="Also score provisions marked 待复核 (part of the inputs: changes the snapshot).")
@click.option("--no-report", is_flag=True, help="Tables only: no figures and no PDF report (faster).")
@click.option("--force", is_flag=True, help="Publish a snapshot even if nothing changed.")
@click.option("--quiet", is_flag=True, help="Only the final line (and errors).")
def refresh_command(offline, corpus, label, reviewed_path, decisions_path, framework_path, spec_path,
                    uncertainty_path, include_unverified, no_report, force, quiet) -> None:
    """Refresh the benchmark and publish a snapshot, redoing only what changed.

    Sources -> extract -> apply reviewed decisions -> valuation -> matrix -> index -> report,
    then one atomic publish into data/processed/talentbench.duckdb (see `talentbench history`
    and `talentbench diff`). Safe to schedule: one refresh at a time (a lock; a stale lock of a
    dead process is taken over), a failed or killed refresh leaves the last snapshot untouched,
    a log in logs/refresh.log (rotated).

    \b
    Exit codes: 0 published, 3 nothing changed, 4 another refresh running, 5 failed,
    2 bad invocation.
    """
    from benchmark.paths import workdir
    from benchmark.refresh import EXIT_BUSY, EXIT_FAILED, EXIT_PUBLISHED, RefreshOptions, refresh

    if corpus is not None and not corpus.is_dir():
        raise TalentbenchError(f"corpus folder not found: {corpus}")
    for name, path in (("--reviewed", reviewed_path), ("--decisions", decisions_path),
                       ("--framework", framework_path), ("--spec", spec_path),
                       ("--uncertainty", uncertainty_path)):
        if path is not None and not path.is_file():
            raise TalentbenchError(f"{name} file not found: {path}")
    opts = RefreshOptions(
        home=workdir(), corpus=corpus.resolve() if corpus else None, offline=offline, label=label,
        reviewed_path=reviewed_path, decisions_path=decisions_path, framework_path=framework_path,
        spec_path=spec_path, uncertainty_path=uncertainty_path,
        statuses=("confirmed", "to_check") if include_unverified else ("confirmed",),
        force=force, report=not no_report)

    def say(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    outcome = refresh(opts, say)
    if outcome.code == EXIT_FAILED:
        click.echo(f"talentbench: error: {outcome.message}", err=True)
    elif outcome.code == EXIT_BUSY:
        click.echo(f"talentbench: {outcome.message}", err=True)
    else:
        if outcome.code == EXIT_PUBLISHED and not quiet:
            if outcome.redone:
                say("redone: " + ", ".join(outcome.redone))
            if outcome.reused:
                say("reused: " + ", ".join(outcome.reused))
        click.echo(f"{outcome.message} ({outcome.seconds:.1f} s)")
    sys.stdout.flush()
    sys.exit(outcome.code)


FORMATS = click.Choice(["table", "csv"])


@click.command("history")
@click.option("--city", help="Only this city.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True,
              help="table: city x snapshot ranks (and a figure); csv: one row per snapshot and city.")
@click.option("--figure", "figure_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where the figure goes (default: figures/history.png; table format only).")
def history_command(city, fmt, figure_path) -> None:
    """Scores and ranks over the published snapshots.

    The CSV has one row per snapshot and city: snapshot, published_at, city, score, rank,
    rank_q05, rank_q95, coverage, label (empty score and rank: valued but not ranked).
    """
    from benchmark import history, snapshots
    from benchmark.paths import workdir

    home = workdir()
    db = snapshots.db_path(home)
    if not db.exists():
        raise TalentbenchError(f"no snapshots yet in {db} (run `talentbench refresh`)")
    table = history.history_table(db, city)
    if city is not None and not len(table):
        raise TalentbenchError(f"{city.strip()!r} appears in no snapshot")
    if fmt == "csv":
        click.echo(table.to_csv(index=False), nl=False)
        return
    cat = snapshots.catalogue(db)
    if not len(cat):
        click.echo("no snapshots published yet")
        return
    click.echo("snapshots:")
    for r in cat.itertuples():
        note = f"  [{r.note}]" if isinstance(r.note, str) and r.note else ""
        click.echo(f"  {int(r.snapshot):>3}  {r.published_at}  {r.label}  "
                   f"({r.n_provisions} provisions, {r.n_pending} pending review, {r.n_ranked} ranked){note}")
    click.echo("\nrank (score) by snapshot:")
    click.echo(aligned(history.history_wide(table).reset_index()))
    path = history.history_figure(table, figure_path or home / "figures" / "history.png")
    click.echo(f"\nfigure: {path}", err=True)


@click.command("diff")
@click.argument("old", required=False)
@click.argument("new", required=False)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "summary"]), default="table",
              show_default=True,
              help="table: the Chinese summary and every change; csv: provision changes only; "
                   "summary: the Chinese summary only.")
def diff_command(old, new, fmt) -> None:
    """What changed between two snapshots (default: the last two).

    OLD and NEW are snapshot numbers, labels, 'latest' or 'previous'. Lists new, changed and
    withdrawn provisions with evidence and source, status changes (待复核 <-> 已坐实), feature
    changes, changed profile values and rank moves. These are updates of the sources, not
    necessarily policy changes.
    """
    from benchmark import history, snapshots
    from benchmark.paths import workdir

    db = snapshots.db_path(workdir())
    if not db.exists():
        raise TalentbenchError(f"no snapshots yet in {db} (run `talentbench refresh`)")
    a, b = snapshots.resolve(db, old, 1), snapshots.resolve(db, new, 0)
    d = history.diff_snapshots(db, a, b)
    if fmt == "csv":
        click.echo(d.provisions.to_csv(index=False), nl=False)
        return
    click.echo("\n".join(history.summary_lines(d)))
    if fmt == "summary":
        return
    p = d.provisions.assign(kind=d.provisions["kind"].map(history.KIND_CN),
                            evidence=d.provisions["evidence"].str.slice(0, 40))
    sections = [
        ("条目变化（provisions）", p[["kind", "city", "doc", "district", "tier", "benefit", "old_amount",
                                     "new_amount", "old_status", "new_status", "new_review", "change",
                                     "evidence", "source_url"]]),
        ("状态变化（status）", d.status_changes[["city", "doc", "tier", "benefit", "new_amount",
                                                "old_status", "new_status"]]),
        ("非货币要素（features）", d.features),
        ("画像值（profile values）", d.values),
        ("排名（ranks）", d.ranks),
    ]
    for title, table in sections:
        click.echo(f"\n{title}: {len(table)}")
        if len(table):
            click.echo(aligned(table))


commands = [refresh_command, history_command, diff_command]
