"""The ``talentbench`` command; each pipeline area adds its subcommands from its own module."""

from __future__ import annotations

import sys

import click

from benchmark import __version__
from benchmark.errors import TalentbenchError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="talentbench")
def cli() -> None:
    """talentbench: benchmark a city's talent policy (人才政策) against its peer cities.

    The pipeline: sources -> raw snapshots -> documents -> provisions -> city x indicator
    matrix -> composite index -> clusters and peer groups -> figures and PDF report.
    Run `talentbench run` to do the whole job on the embedded dataset.
    """


def _register() -> None:
    # Imported here so each area owns its own command module.
    from benchmark.cli import crawl, dataset, extract, index, parse, profiles, refresh, run

    for module in (run, profiles, extract, index, dataset, crawl, parse, refresh):
        for command in module.commands:
            cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and exit status 2."""
    try:
        cli.main(args=argv, prog_name="talentbench", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("talentbench: aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        # one line, like every other error; `--help` has the usage
        click.echo(f"talentbench: error: {' '.join(exc.format_message().split())} (see --help)", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except TalentbenchError as exc:
        # One line, whatever the message wraps (a YAML parser's error spans several lines).
        click.echo(f"talentbench: error: {' '.join(str(exc).split())}", err=True)
        sys.exit(2)
    except NotADirectoryError as exc:
        # e.g. --out report.pdf/x: a part of the path is a file
        click.echo(f"talentbench: error: a part of this path is a file, not a folder: {exc.filename}",
                   err=True)
        sys.exit(2)
    except IsADirectoryError as exc:
        click.echo(f"talentbench: error: expected a file but got a folder: {exc.filename}", err=True)
        sys.exit(2)
    except UnicodeDecodeError as exc:
        click.echo(f"talentbench: error: an input file is not UTF-8 text ({exc.reason} at byte {exc.start})",
                   err=True)
        sys.exit(2)
    except (FileNotFoundError, PermissionError) as exc:
        name = getattr(exc, "filename", None) or ""
        click.echo(f"talentbench: error: {exc.strerror or exc}: {name}".rstrip(": "), err=True)
        sys.exit(2)
    except ValueError as exc:
        if "null byte" not in str(exc):
            raise
        # a NUL cannot be in a file name (a shell cannot pass one; a script or a table can)
        click.echo("talentbench: error: a file name holds a NUL character", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("talentbench: interrupted", err=True)
        sys.exit(130)
