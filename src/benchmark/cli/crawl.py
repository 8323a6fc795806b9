"""`talentbench crawl`: fetch the registry cities' official portals into data/raw/."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from pathlib import Path

import click

from benchmark.errors import TalentbenchError

MAX_AGE_HOURS = 876_000  # 100 years: "never re-fetch"; timedelta cannot hold much more


def _split_cities(values: tuple[str, ...]) -> list[str]:
    # Accept both --cities 深圳,广州 and --cities 深圳 --cities 广州 (and Chinese commas).
    return [c.strip() for v in values for c in re.split(r"[,，、]", v) if c.strip()]


def _parse_shard(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise TalentbenchError(f"--shard must look like i/N (e.g. 0/4), not {text!r}")
    return int(match.group(1)), int(match.group(2))


@click.command("crawl")
@click.option("--cities", multiple=True, metavar="CITY[,CITY...]",
              help="Only these registry cities (default: all).")
@click.option("--registry", "registry_path", type=click.Path(path_type=Path),
              help="Entry-point CSV with columns city,kind,url (default: the packaged registry).")
@click.option("--raw-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Raw store folder (default: data/raw under the current folder or $TALENTBENCH_HOME).")
@click.option("--settings", "settings_path", type=click.Path(path_type=Path),
              help="Fetch policy YAML (default: the packaged resources/crawl/settings.yaml).")
@click.option("--rules", "rules_path", type=click.Path(path_type=Path),
              help="Link rules YAML (default: the packaged resources/crawl/rules.yaml).")
@click.option("--max-age", "max_age_hours", type=float, default=None, metavar="HOURS",
              help="Resume: don't request pages fetched successfully within HOURS "
                   "(default: revalidate every page with a conditional GET).")
@click.option("--shard", "shard_text", metavar="i/N",
              help="Crawl only the hosts in shard i of N (for running N crawlers side by side).")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar on stderr.")
def crawl_command(cities, registry_path, raw_dir, settings_path, rules_path, max_age_hours,
                  shard_text, progress) -> None:
    """Crawl the registry cities' portals for talent-policy pages and attachments.

    Obeys robots.txt, stays on the registry's hosts, rate-limits per host, retries transient
    failures and stores every body immutably under data/raw/ with a manifest of every fetch.
    Incremental: pages unchanged since the last crawl cost one conditional request.
    """
    from benchmark.paths import workdir
    from benchmark.raw_store import RawStore
    from benchmark.sources import (
        Crawler,
        CrawlSettings,
        LinkRules,
        load_entry_points,
        select_cities,
        select_shard,
    )

    if max_age_hours is not None and not (math.isfinite(max_age_hours) and 0 <= max_age_hours <= MAX_AGE_HOURS):
        raise TalentbenchError(f"--max-age must be a number of hours from 0 to {MAX_AGE_HOURS} (100 years)")
    entries = select_cities(load_entry_points(registry_path), _split_cities(cities))
    shard = _parse_shard(shard_text)
    if shard is not None:
        entries = select_shard(entries, *shard)
        if not entries:
            click.echo(f"shard {shard[0]}/{shard[1]} has no entry points; nothing to do")
            return
    settings = CrawlSettings.load(settings_path)
    rules = LinkRules.load(rules_path)
    store = RawStore(raw_dir.resolve() if raw_dir else workdir() / "data" / "raw")
    max_age = timedelta(hours=max_age_hours) if max_age_hours is not None else None
    n_cities = len({e.city for e in entries})
    click.echo(f"crawling {len(entries)} entry points of {n_cities} cities into {store.root}",
               err=True)

    if progress:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        bar = Progress(TextColumn("crawl"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       TextColumn("{task.description}", style="dim"),
                       console=Console(stderr=True), transient=True)
        task = bar.add_task("", total=len(entries))

        def on_progress(done: int, discovered: int, url: str) -> None:
            bar.update(task, completed=done, total=discovered, description=url[-60:])

        with bar:
            summary = Crawler(store, settings, rules, max_age=max_age, progress=on_progress).run(entries)
    else:
        summary = Crawler(store, settings, rules, max_age=max_age).run(entries)
    for line in summary.lines():
        click.echo(line)
    click.echo(f"manifest: {store.manifest_path}")


commands = [crawl_command]
