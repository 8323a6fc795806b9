"""`talentbench dataset ...`: the embedded peer-city dataset and the review workflow.

    talentbench dataset summary [--format table|csv|json]
    talentbench dataset queue CANDIDATES --corpus DIR -o queue.xlsx [--decisions FILE]
    talentbench dataset apply-review QUEUE [--decisions FILE] [--out provisions.csv]
    talentbench dataset conflicts CANDIDATES --corpus DIR [--decisions FILE]
    talentbench dataset curate --shared DIR [--out DIR]
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from benchmark.cli.output import FORMATS, emit
from benchmark.errors import TalentbenchError
from benchmark.paths import resource, workdir


def _workdir_decisions() -> Path:
    return workdir() / "data" / "review" / "review_decisions.csv"


def _decisions_to_read(explicit: Path | None) -> Path:
    """The analyst's own decisions once there are any, else those behind the embedded dataset."""
    if explicit:
        return explicit
    own = _workdir_decisions()
    return own if own.exists() else resource("dataset", "review_decisions.csv")


def _enriched_candidates(candidates_path: Path, corpus: Path | None, documents: Path | None = None):
    from benchmark.dataset import curate
    from benchmark.dataset.review import read_candidates

    cands = read_candidates(candidates_path)
    if documents is not None:
        from benchmark.documents.parse import load_documents_table

        return curate.from_documents_table(cands, load_documents_table(documents))
    if corpus is None:
        from benchmark.dataset.schema import PROVISION_COLUMNS

        return cands.reindex(columns=PROVISION_COLUMNS)
    texts = curate.read_corpus(corpus)
    unknown = sorted(set(cands["doc"]) - set(texts))
    if unknown:
        raise TalentbenchError(f"candidates name documents not in {corpus}: {', '.join(unknown[:5])}")
    return curate.enrich(curate.locate_offsets(cands, texts), texts)


@click.group("dataset")
def dataset_group() -> None:
    """The embedded peer-city dataset: coverage, review queue, curation."""


@dataset_group.command("summary")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True,
              help="Output format.")
def summary(fmt: str) -> None:
    """One row per registry city: province, level, provisions, features, sources, latest date."""
    from benchmark.dataset import coverage

    emit(coverage(), fmt)


@dataset_group.command("queue")
@click.argument("candidates", type=click.Path(path_type=Path))
@click.option("--corpus", type=click.Path(path_type=Path),
              help="Folder of the documents the candidates were extracted from (adds city, "
                   "source URL, date and status to each candidate).")
@click.option("--documents", type=click.Path(path_type=Path),
              help="For candidates extracted from `talentbench parse` output: its documents table "
                   "(data/processed/documents.parquet), which gives each one's city, URL and date.")
@click.option("-o", "--out", "out", type=click.Path(path_type=Path), required=True,
              help="Queue file to write: .xlsx or .csv (opens cleanly in Excel/WPS).")
@click.option("--decisions", type=click.Path(path_type=Path),
              help="Decisions recorded so far (default: data/review/review_decisions.csv if it "
                   "exists, else the decisions behind the embedded dataset).")
def queue(candidates: Path, corpus: Path | None, documents: Path | None, out: Path,
          decisions: Path | None) -> None:
    """Turn extraction output into a review queue: mark each row accept / correct / reject."""
    from benchmark.dataset.review import build_queue, conflicts, read_decisions, write_queue

    cands = _enriched_candidates(candidates, corpus, documents)
    recorded = read_decisions(_decisions_to_read(decisions))
    q = build_queue(cands, recorded)
    write_queue(q, out)
    pending = int((~q["reviewed"]).sum())
    click.echo(f"{len(q)} candidates, {pending} to review, {len(q) - pending} already reviewed -> {out}")
    clashes = conflicts(cands, recorded)
    clashes = clashes[clashes["kind"] != "new"]
    if len(clashes):
        # reviewed rows are kept as reviewed; say so rather than overwrite them silently
        counts = ", ".join(f"{k}: {v}" for k, v in clashes["kind"].value_counts().items())
        click.echo(f"{len(clashes)} reviewed rows disagree with this extraction ({counts}); "
                   "they are kept as reviewed - see `talentbench dataset conflicts`")


@dataset_group.command("apply-review")
@click.argument("queue_file", type=click.Path(path_type=Path))
@click.option("--decisions", type=click.Path(path_type=Path),
              help="Decisions file to update (default: data/review/review_decisions.csv, started "
                   "from the decisions behind the embedded dataset).")
@click.option("--out", type=click.Path(path_type=Path),
              help="Curated provisions CSV to write (default: data/review/provisions_curated.csv).")
def apply_review_command(queue_file: Path, decisions: Path | None, out: Path | None) -> None:
    """Record the decisions marked in a queue and write the curated provisions table."""
    from benchmark.dataset.build import write_csv
    from benchmark.dataset.review import (
        apply_review,
        curated,
        read_decisions,
        read_queue,
        write_queue,
    )
    from benchmark.dataset.tables import provision_schemas
    from benchmark.schemas import table_problems

    recorded = read_decisions(_decisions_to_read(decisions))
    decisions = decisions or _workdir_decisions()
    out = out or decisions.parent / "provisions_curated.csv"
    q = read_queue(queue_file)
    updated = apply_review(q, recorded)
    table = curated(updated)
    numbers, across, _ = provision_schemas()
    # an accepted row may leave its amount to the candidate it accepts: only what is written
    # must be a plausible amount
    numbers = {**numbers, "amount_cny": numbers["amount_max_cny"]}
    problems = table_problems(table, numbers, checks=across)
    if problems:  # an inf or a negative amount typed into a correction would reorder every city
        raise TalentbenchError(f"{queue_file}: a decided row has {problems[0].split(', ', 1)[-1]}")
    for target in (out, decisions):  # both places must be writable before either is written
        _check_writable(target)
    # the curated table first: the decisions record a review only once its table is written
    write_csv(table, out)
    write_queue(updated, decisions)
    counts = updated["decision"].value_counts().to_dict()
    click.echo(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no decisions")
    click.echo(f"decisions -> {decisions}\ncurated provisions ({len(table)} rows) -> {out}")


def _check_writable(path: Path) -> None:
    if path.is_dir():
        raise TalentbenchError(f"{path} is a folder; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise TalentbenchError(f"cannot write {path}: a part of its path is a file, not a folder") from None
    if not os.access(path.parent, os.W_OK):
        raise TalentbenchError(f"cannot write {path}: its folder is not writable")


@dataset_group.command("conflicts")
@click.argument("candidates", type=click.Path(path_type=Path))
@click.option("--corpus", type=click.Path(path_type=Path),
              help="Folder of the documents the candidates were extracted from.")
@click.option("--decisions", type=click.Path(path_type=Path),
              help="Reviewed decisions to compare with (default as for `queue`).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True,
              help="Output format.")
def conflicts_command(candidates: Path, corpus: Path | None, decisions: Path | None, fmt: str) -> None:
    """List where a new extraction disagrees with reviewed rows (reviewed rows are kept).

    Kinds: amount_changed, context_changed (other conditions/relations than reviewed),
    no_longer_extracted, new.
    """
    from benchmark.dataset.review import conflicts, read_decisions

    table = conflicts(_enriched_candidates(candidates, corpus),
                      read_decisions(_decisions_to_read(decisions)))
    emit(table, fmt, empty="no conflicts")


@dataset_group.command("curate")
@click.option("--shared", type=click.Path(path_type=Path), required=True,
              help="The shared material folder (policy_corpus/, gold/, census csv, xlsx).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the rebuilt tables (default: data/curated/); use them with "
                   "`talentbench run --provisions DIR/dataset/provisions.csv`.")
def curate_command(shared: Path, out: Path | None) -> None:
    """Rebuild the dataset tables from the material and the recorded review decisions."""
    from benchmark.dataset.build import build_all

    for name, (path, n) in build_all(shared, out or workdir() / "data" / "curated").items():
        click.echo(f"{name}: {n} rows -> {path}")


commands = [dataset_group]
