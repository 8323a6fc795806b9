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
        (["run", "--framework", "missing.yaml"], None, "cannot read framework file missing.yaml: file not found"),
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


BAD_FILES = {
    "junk.csv": "a,b\n1,2\n",
    "junk.yaml": "bogus: [\n",
    "fake.xlsx": "not a zip",
    "latin1.csv": b"city,tier\n\xe9\xff\n",
}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["extract", "nope.md"], "no such file"),
        (["extract", "junk.csv"], "not a .md, .txt or .html file"),
        (["evaluate", "--gold", "nope", "--docs", "."], "gold folder not found"),
        (["index", "--data", "junk.csv", "--meta", "junk.csv", "--spec", "junk.yaml", "--out", "o"],
         "missing required column"),
        (["sensitivity", "--data", "junk.csv", "--meta", "junk.csv", "--spec", "junk.yaml", "--out", "o"],
         "missing required column"),
        (["dataset", "queue", "junk.csv", "-o", "q.csv"], "not a candidate table"),
        (["dataset", "apply-review", "fake.xlsx"], "cannot read review file"),
        (["dataset", "conflicts", "latin1.csv"], "cannot read"),
        (["parse", "--site-xpaths", "junk.yaml"], "cannot read site XPath table"),
        (["crawl", "--registry", "junk.csv"], "lacks column"),
        (["crawl", "--cities", "火星"], "unknown city 火星"),
        (["run", "--focus", "火星"], "unknown city '火星'"),
    ],
)
def test_every_command_meets_bad_input_with_one_line(tmp_path, monkeypatch, capsys, args, message):
    from benchmark.cli import main

    for name, content in BAD_FILES.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TALENTBENCH_HOME", str(tmp_path))
    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("talentbench: error:") and message in err[-1], err
    assert not any("Traceback" in line for line in err)
