"""The command line as a user meets it: help texts, and one clear line for bad input."""

import subprocess
import sys

import pytest

from benchmark.cli import cli


def talentbench(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "benchmark", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_every_command_explains_itself():
    from click.testing import CliRunner

    runner = CliRunner()
    assert {"run", "extract", "evaluate", "index", "sensitivity", "dataset", "crawl", "parse"} <= set(cli.commands)
    for name, command in cli.commands.items():
        outcome = runner.invoke(cli, [name, "--help"])
        assert outcome.exit_code == 0, name
        assert len((command.help or "").strip()) > 40, f"`{name} --help` says too little"


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (["run", "--provisions", "nope.csv"], None, "provisions file not found: nope.csv"),
        (["run", "--provisions", "bad.csv"], "city,tier\n杭州,bachelor\n", "missing column"),
        (["run", "--provisions", "bad.csv"], b"\xff\xfe\x00garbage", "not UTF-8"),
        (["run", "--spec", "bad.csv"], "steps: [unclosed", "not valid YAML"),
        (["run", "--framework", "missing.yaml"], None, "framework file not found"),
        (["run", "--clusters", "many"], None, "--clusters must be a whole number"),
    ],
)
def test_bad_input_gives_one_clear_line(tmp_path, args, content, message):
    if content is not None:
        target = tmp_path / "bad.csv"
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    outcome = talentbench(*args, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert outcome.returncode != 0
    lines = outcome.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("talentbench: error:")]
    assert len(errors) == 1 and lines[-1] == errors[0], outcome.stderr  # progress lines may precede it
    assert message in errors[0]
    assert "Traceback" not in outcome.stderr
