"""`talentbench parse`: raw bodies → clean document texts and the documents table."""

from __future__ import annotations

import math
import re
from pathlib import Path

import click

from benchmark.errors import TalentbenchError


def _split_cities(values: tuple[str, ...]) -> list[str]:
    # Same forms as `talentbench crawl`: --cities 深圳,广州 or --cities 深圳 --cities 广州.
    return [c.strip() for v in values for c in re.split(r"[,，、]", v) if c.strip()]


@click.command("parse")
@click.option("--cities", multiple=True, metavar="CITY[,CITY...]",
              help="Only bodies crawled for these cities (default: all).")
@click.option("--raw-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Raw store folder (default: data/raw under the current folder or $TALENTBENCH_HOME).")
@click.option("--force", is_flag=True, help="Parse every body again, even those parsed before.")
@click.option("--timeout", type=float, default=60.0, show_default=True, metavar="SECONDS",
              help="Give up on one body after this long (the parser process is killed).")
@click.option("--limit", type=int, default=None, metavar="N", help="Parse at most N bodies this run.")
@click.option("--all-pages", is_flag=True,
              help="Also parse entry, section and list pages (default: articles and attachments).")
@click.option("--site-xpaths", "site_xpaths", type=click.Path(dir_okay=False, path_type=Path),
              help="Per-site XPath override YAML (default: the packaged site_xpaths.yaml).")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar on stderr.")
def parse_command(cities, raw_dir, force, timeout, limit, all_pages, site_xpaths, progress) -> None:
    """Turn crawled pages and attachments into clean texts with their metadata.

    Reads the newest stored body of every URL in the raw store; writes each text to
    data/interim/documents/<city>/<doc_id>.txt and the table `documents` (title, issuing
    body, 发文字号, dates, 索引号, status and reason) to data/processed. Incremental: bodies
    parsed before are skipped unless --force. HTML, PDF, DOCX, XLSX, XML and text are read
    here; DOC/WPS/XLS need LibreOffice and are recorded as skipped without it.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from benchmark.documents.html import load_site_table
    from benchmark.documents.parse import DocumentStage
    from benchmark.paths import workdir
    from benchmark.raw_store import RawStore

    if not (math.isfinite(timeout) and 0 < timeout <= 86400):
        raise TalentbenchError("--timeout must be a number of seconds > 0 and at most 86400")
    if limit is not None and limit < 0:
        raise TalentbenchError("--limit must be >= 0")
    site_table_path = str(site_xpaths.resolve()) if site_xpaths else None
    load_site_table(site_table_path)  # a bad table is reported before any work starts
    root = workdir()
    store = RawStore(raw_dir.resolve() if raw_dir else root / "data" / "raw")
    stage = DocumentStage(
        force=force, cities=_split_cities(cities), timeout=timeout, limit=limit,
        all_pages=all_pages, site_table_path=site_table_path,
    )  # fmt: skip
    console = Console(stderr=True)
    bar = Progress(
        TextColumn("parsing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, disable=not progress, transient=True,
    )  # fmt: skip
    with bar:
        task = bar.add_task("parse", total=None)
        summary = stage.run(
            store,
            root,
            on_start=lambda total: bar.update(task, total=total),
            on_document=lambda _doc: bar.advance(task),
        )
    click.echo(f"texts in {root / 'data' / 'interim' / 'documents'}; table `documents` in "
               f"{root / 'data' / 'processed'}", err=True)
    click.echo(summary.line())


commands = [parse_command]
