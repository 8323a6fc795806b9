"""How commands print tables: aligned for the terminal (Chinese is double width), CSV or JSON."""

from __future__ import annotations

import click
import pandas as pd

FORMATS = click.Choice(["table", "csv", "json"])


def aligned(table: pd.DataFrame) -> str:
    """A table for the terminal, with columns aligned under Chinese (double-width) text."""
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 220,
                           "display.max_columns", 30, "display.max_colwidth", 60):
        return table.to_string(index=False)


def emit(table: pd.DataFrame, fmt: str, empty: str | None = None) -> None:
    """Print ``table`` as ``fmt`` (table | csv | json); ``empty`` replaces an empty terminal table."""
    if fmt == "csv":
        click.echo(table.to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(table.to_json(orient="records", force_ascii=False, indent=1))
    elif empty is not None and not len(table):
        click.echo(empty)
    else:
        click.echo(aligned(table))
