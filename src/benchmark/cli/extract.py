"""`talentbench extract` and `talentbench evaluate`: provision records from policy text."""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from pathlib import Path

import click

from benchmark.errors import TalentbenchError


def _jsonable(record: dict) -> dict:
    out = {}
    for key, value in record.items():
        if isinstance(value, float) and math.isnan(value):
            value = None
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        out[key] = value
    return out


@click.command("extract")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True, help="One record per line as JSON, or CSV with a header.")
def extract_command(paths: tuple[Path, ...], fmt: str) -> None:
    """Extract provision records (tier, benefit, amount, period, span) from .md/.txt/.html files.

    Every field of shared/spec/provisions.md is written; `doc` is the file name and
    `evidence` equals text[start:end] of the file as read (UTF-8); a figure read from a table
    quotes exactly its cell and gives the `row_header` and `column_header` it was read with
    (empty otherwise). The stated conditions and
    relations read around each amount follow (`conditions`, `relations`, `context_evidence`;
    codes of resources/dataset/conditions.yaml), for review.
    """
    from benchmark.provisions import PROVISION_COLUMNS, extract_text, read_document

    # Read everything first: a bad path fails before anything is printed.
    documents = []
    for path in paths:
        if not path.exists():
            raise TalentbenchError(f"no such file: {path}")
        if path.is_dir():
            raise TalentbenchError(f"{path} is a folder; give the files (e.g. {path}/*.md)")
        documents.append((path.name, read_document(path)))
    out = sys.stdout
    writer = None
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=PROVISION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        out.write(buffer.getvalue())
    for name, text in documents:
        records = extract_text(text, name)
        if writer is None:
            for record in records:
                out.write(json.dumps(_jsonable(record), ensure_ascii=False) + "\n")
        else:
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=PROVISION_COLUMNS, lineterminator="\n")
            for record in records:
                writer.writerow({k: ("" if v is None else v) for k, v in _jsonable(record).items()})
            out.write(buffer.getvalue())
    out.flush()


@click.command("evaluate")
@click.option("--gold", "gold_dir", required=True, type=click.Path(path_type=Path),
              help="Folder of <document>.jsonl gold files.")
@click.option("--docs", "docs_dir", required=True, type=click.Path(path_type=Path),
              help="Folder holding the documents the gold files name.")
@click.option("--quiet", is_flag=True, help="Figures only, without the list of misses and false alarms.")
def evaluate_command(gold_dir: Path, docs_dir: Path, quiet: bool) -> None:
    """Precision, recall and F1 of extraction against gold labels, with every miss and false alarm."""
    from benchmark.provisions.evaluate import evaluate_folders, format_report

    result = evaluate_folders(gold_dir, docs_dir)
    click.echo(format_report(result, show_errors=not quiet))


commands = [extract_command, evaluate_command]
