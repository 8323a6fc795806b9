"""`talentbench run` publishes its outputs as one set (benchmark.publish).

Real processes: runs killed with SIGKILL at points of the switch (a hook installed in the child,
``benchmark.publish.CHECKPOINT``) or from outside while figures are being drawn; two runs on one
folder; then the folder is checked as a user would find it: one run's files, each matching the
manifest's sha256, DuckDB naming the same run and holding the same tables as the Parquet files,
the user's own files untouched, no temporary file or staging folder left.

The folder starts with the set of a ``--focus 杭州`` run (its own report and radar figure); the
runs under test have no focus, so which set is published shows in the file names too.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from benchmark import publish
from benchmark.errors import TalentbenchError
from benchmark.locks import read_holder
from benchmark.store import read_table, write_parquet

CHEAP_UNCERTAINTY = """\
replications: 10
sobol_base: 4
seed: 0
inputs:
  - {name: 权重扰动, type: weights, levels: [1, 2], noise: 0.25}
  - name: 缺失值处理
    type: choice
    step: impute
    options:
      - {method: none}
      - {method: median}
"""
# the user's own files: never removed, whatever runs
USER_FILES = ("figures/.gitkeep", "figures/my_notes.txt", "data/processed/.gitkeep",
              "data/processed/my_table.csv", "reports/my_draft.md")
FOCUS_ONLY = ("reports/talent_policy_report_杭州.pdf", "figures/radar_杭州.png")
# a child process that kills itself with SIGKILL at checkpoint argv[1] of `talentbench <args>`
# ("run") or of a reader reading the folder's tables ("read")
DRIVER = """\
import os, signal, sys
from pathlib import Path
from benchmark import publish

point, what, *args = sys.argv[1:]
publish.CHECKPOINT = lambda name: os.kill(os.getpid(), signal.SIGKILL) if name == point else None
if what == "read":
    from benchmark.store import read_table
    read_table("results", Path(args[0]) / "data" / "processed")
else:
    from benchmark.cli import main
    main(args)
"""


@pytest.fixture(scope="module")
def cheap(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "uncertainty.yaml"
    path.write_text(CHEAP_UNCERTAINTY, encoding="utf-8")
    return path


def run_args(out: Path, cheap: Path, *extra: str) -> list[str]:
    return ["run", "--out", str(out), "--uncertainty", str(cheap), *extra]


def talentbench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchmark", *args], capture_output=True,
                          text=True, timeout=180)


def with_user_files(out: Path) -> Path:
    for rel in USER_FILES:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(f"the user's {rel}\n", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def old_set(tmp_path_factory, cheap) -> tuple[Path, str]:
    """A folder holding the published set of a `--focus 杭州` run and the user's own files."""
    out = with_user_files(tmp_path_factory.mktemp("old") / "out")
    done = talentbench(*run_args(out, cheap, "--focus", "杭州"))
    assert done.returncode == 0, done.stderr
    return out, check_one_set(out)


@pytest.fixture()
def folder(old_set, tmp_path) -> Path:
    copy = tmp_path / "out"
    shutil.copytree(old_set[0], copy)
    return copy


def check_one_set(out: Path) -> str:
    """Assert that ``out`` holds exactly one run's whole set; return its run id."""
    manifest = json.loads((out / publish.MANIFEST).read_text(encoding="utf-8"))
    for rel, info in manifest["files"].items():
        data = (out / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"], f"{rel} is from another run"
        assert len(data) == info["size"], rel
    present = {p.relative_to(out).as_posix() for sub in publish.OUTPUT_DIRS if (out / sub).is_dir()
               for p in (out / sub).iterdir() if p.is_file() and not p.name.startswith(".")}
    extra = present - set(manifest["files"]) - set(USER_FILES)
    assert extra <= {publish.MANIFEST, "data/processed/talentbench.duckdb",
                     "data/processed/talentbench.duckdb.wal"}, f"files of another run: {extra}"
    processed = out / "data" / "processed"
    with duckdb.connect(str(processed / "talentbench.duckdb"), read_only=True) as con:
        assert con.execute(f"SELECT run_id FROM {publish.RUN_TABLE}").fetchall() == [
            (manifest["run_id"],)]
        for table in manifest["tables"]:  # the same rows as the Parquet file, both ways
            parquet = str(processed / f"{table}.parquet")
            for query in (f'SELECT * FROM "{table}" EXCEPT ALL SELECT * FROM read_parquet(?)',
                          f'SELECT * FROM read_parquet(?) EXCEPT ALL SELECT * FROM "{table}"'):
                assert con.execute(query, [parquet]).fetchall() == [], table
    for rel in USER_FILES:
        assert (out / rel).read_text(encoding="utf-8") == f"the user's {rel}\n", rel
    return manifest["run_id"]


def check_clean(out: Path) -> None:
    """No temporary file, journal or staging folder left."""
    hidden = [p for sub in publish.OUTPUT_DIRS for p in (out / sub).glob(".*")
              if p.name != ".gitkeep"]
    assert hidden == [], hidden
    assert not (out / publish.JOURNAL).exists()
    staging = out / publish.STATE_DIR / "staging"
    assert not staging.exists() or not any(staging.iterdir())


# --- kill -9 ---------------------------------------------------------------------------------

def _killed(point: str, what: str, *args: str) -> subprocess.Popen:
    if point == "drawing":  # no hook: killed from outside
        return subprocess.Popen([sys.executable, "-m", "benchmark", *args],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return subprocess.Popen([sys.executable, "-c", DRIVER, point, what, *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _wait_killed(proc: subprocess.Popen, point: str) -> None:
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == -signal.SIGKILL, f"{point}: not reached ({proc.returncode}: {err})"


def _kill_while_drawing(proc: subprocess.Popen, out: Path) -> None:
    staging = out / publish.STATE_DIR / "staging"
    deadline = time.monotonic() + 120
    while len(list(staging.glob("*/figures/*.png"))) < 2:
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "the run never drew its figures"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)


def test_sigkill_at_any_point_leaves_one_whole_set(old_set, cheap, tmp_path):
    """Runs killed while drawing, with everything staged, and just after the commit point; then
    the roll-forward of that last one killed at each later step of the switch (the same steps a
    run takes after its commit point) until a reader or the next run finishes it."""
    old_out, old_id = old_set
    bad = tmp_path / "bad.csv"
    bad.write_text("city,tier\n杭州,bachelor\n", encoding="utf-8")
    folders, runs = {}, {}
    for point in ("drawing", "publish:staged", "publish:committed"):  # all at once
        folders[point] = tmp_path / point.replace(":", "_") / "out"
        shutil.copytree(old_out, folders[point])
        runs[point] = _killed(point, "run", *run_args(folders[point], cheap))
    _kill_while_drawing(runs["drawing"], folders["drawing"])
    for point, proc in runs.items():
        _wait_killed(proc, point)

    # before the commit point: the old set stands, whole, even before anything recovers
    nexts = {}
    for point in ("drawing", "publish:staged"):
        out = folders[point]
        assert not (out / publish.JOURNAL).exists(), point
        assert check_one_set(out) == old_id, point
        assert any((out / publish.STATE_DIR / "staging").iterdir()), point
        # the next run (failing on its input, so quickly) discards what the killed one left
        nexts[point] = subprocess.Popen(
            [sys.executable, "-m", "benchmark", *run_args(out, cheap, "--provisions", str(bad))],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    # after it: killed again at each step of the roll-forward, by readers
    out = folders["publish:committed"]
    for point in ("publish:moving", "publish:removed", "publish:tables", "publish:manifest"):
        assert (out / publish.JOURNAL).exists(), point
        _wait_killed(_killed(point, "read", str(out)), point)
    read_table("results", out / "data" / "processed")  # a reader finishes the switch
    new_id = check_one_set(out)
    assert new_id != old_id, "the committed set was not rolled forward"
    assert not any((out / rel).exists() for rel in FOCUS_ONLY)  # the old run's own outputs
    check_clean(out)

    for point, proc in nexts.items():
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 2 and "missing column" in err, err
        assert check_one_set(folders[point]) == old_id, point
        assert all((folders[point] / rel).exists() for rel in FOCUS_ONLY), point
        check_clean(folders[point])


# --- concurrency and the folder ------------------------------------------------------------

def test_a_second_run_on_the_same_folder_refuses_at_once(folder, cheap, old_set):
    first = subprocess.Popen([sys.executable, "-m", "benchmark", *run_args(folder, cheap)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    staging = folder / publish.STATE_DIR / "staging"
    deadline = time.monotonic() + 60
    # holding the lock and writing (the CLI's quick check before its imports holds it briefly)
    while read_holder(publish.lock_path(folder)).pid != first.pid or not any(staging.glob("*")):
        assert first.poll() is None and time.monotonic() < deadline, "the first run never started"
        time.sleep(0.02)
    started = time.monotonic()
    second = talentbench(*run_args(folder, cheap))
    took = time.monotonic() - started
    assert first.poll() is None  # refused while the first still runs: it did not wait for it
    out, err = first.communicate(timeout=180)
    assert first.returncode == 0, err
    assert second.returncode != 0
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1, second.stderr
    assert lines[0].startswith(f"talentbench: error: another talentbench run is writing to "
                               f"{folder} (pid {first.pid}, since ")
    assert took < 10  # at once (the time is interpreter start-up)
    run_id = check_one_set(folder)
    assert run_id != old_set[1]
    check_clean(folder)
    # the outputs list names the published files, and a previous run's extras are gone
    listed = dict(line.split(maxsplit=1) for line in out.split("outputs:\n")[1].splitlines())
    assert Path(listed["report"]) == folder / "reports" / "talent_policy_report.pdf"
    assert Path(listed["figure_ranking"]) == folder / "figures" / "ranking.png"
    assert Path(listed["manifest"]) == folder / publish.MANIFEST
    assert all(Path(p).exists() for p in listed.values())
    assert not any((folder / rel).exists() for rel in FOCUS_ONLY)


@pytest.mark.parametrize("where", ["parent", "itself"])
def test_an_out_folder_that_is_a_file_gives_one_line(tmp_path, where):
    blocker = tmp_path / "somefile"
    blocker.write_text("not a folder\n", encoding="utf-8")
    out = blocker / "x" if where == "parent" else blocker
    done = talentbench("run", "--out", str(out))
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("talentbench: error:"), done.stderr
    assert "somefile" in lines[0] and "Traceback" not in done.stderr
    assert blocker.read_text(encoding="utf-8") == "not a folder\n"


# --- the publication itself, in process (fast) -------------------------------------------

def _stage(staging: publish.Staging, tables: dict[str, int], figures: dict[str, bytes]) -> None:
    for name, rows in tables.items():
        write_parquet(pd.DataFrame({"row": range(rows)}),
                      staging.root / "data" / "processed" / f"{name}.parquet")
    for name, data in figures.items():
        (staging.root / "figures").mkdir(parents=True, exist_ok=True)
        (staging.root / "figures" / name).write_bytes(data)


def _db_tables(out: Path) -> set[str]:
    db = out / "data" / "processed" / "talentbench.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    return {r[0] for r in rows}


def test_the_next_set_replaces_the_previous_one_and_leaves_everything_else(tmp_path):
    out = with_user_files(tmp_path / "out")
    with publish.staged_run(out) as staging:
        _stage(staging, {"a": 2, "b": 3}, {"one.png": b"1", "two.png": b"2"})
        publish.publish(staging, ["a", "b"])
    first = check_one_set(out)
    # a killed older run's temporary file of one of our outputs, a stranger's, a stale staging
    ours = out / "figures" / ".one.abcd1234.tmp.png"
    theirs = out / "figures" / ".history.abcd1234.tmp.png"
    stale = out / publish.STATE_DIR / "staging" / "20000101T000000-1-abcdef"
    for path in (ours, theirs, stale / "figures" / "x.png"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"junk")
    with publish.staged_run(out) as staging:
        assert not stale.exists() and not ours.exists() and theirs.exists()
        _stage(staging, {"a": 5}, {"one.png": b"1 again"})
        manifest = publish.publish(staging, ["a"])
    assert check_one_set(out) == manifest["run_id"] != first
    assert not (out / "figures" / "two.png").exists()  # the previous run's, not produced again
    assert not (out / "data" / "processed" / "b.parquet").exists()
    assert {"a", publish.RUN_TABLE} <= _db_tables(out) and "b" not in _db_tables(out)
    assert theirs.read_bytes() == b"junk"  # not ours to clean
    theirs.unlink()
    check_clean(out)


def test_a_failed_run_discards_its_staging_and_keeps_the_published_set(tmp_path):
    out = with_user_files(tmp_path / "out")
    with publish.staged_run(out) as staging:
        _stage(staging, {"a": 2}, {"one.png": b"1"})
        publish.publish(staging, ["a"])
    first = check_one_set(out)
    with pytest.raises(RuntimeError), publish.staged_run(out) as staging:
        _stage(staging, {"a": 7}, {"one.png": b"new"})
        raise RuntimeError("the report failed")
    assert check_one_set(out) == first
    check_clean(out)


def test_a_reader_finishes_a_committed_switch(tmp_path):
    out = with_user_files(tmp_path / "out")
    with publish.staged_run(out) as staging:
        _stage(staging, {"a": 2}, {"one.png": b"1"})
        publish.publish(staging, ["a"])

    def stop(name: str) -> None:
        if name == "publish:moving":
            raise KeyboardInterrupt  # stands in for a kill: nothing after this point runs

    publish.CHECKPOINT = stop
    try:
        with pytest.raises(KeyboardInterrupt), publish.staged_run(out) as staging:
            _stage(staging, {"a": 4}, {"one.png": b"2", "three.png": b"3"})
            publish.publish(staging, ["a"])
    finally:
        publish.CHECKPOINT = None
    assert (out / publish.JOURNAL).exists() and staging.root.exists()  # kept for the roll-forward
    assert len(read_table("a", out / "data" / "processed")) == 4
    assert check_one_set(out) == staging.run_id


def test_a_tampered_manifest_or_journal_cannot_remove_other_files(tmp_path):
    out = tmp_path / "out"
    victim = tmp_path / "precious.txt"
    victim.write_text("keep\n", encoding="utf-8")
    (out / "data" / "processed").mkdir(parents=True)
    tampered = {"run_id": "x", "published_at": "", "tables": [],
                "files": {"../precious.txt": {"sha256": "", "size": 0}}}
    (out / publish.MANIFEST).write_text(json.dumps(tampered), encoding="utf-8")
    with publish.staged_run(out) as staging:  # the manifest is ignored: nothing removed
        _stage(staging, {"a": 1}, {})
        publish.publish(staging, ["a"])
    assert victim.exists()
    (out / publish.JOURNAL).write_text(json.dumps({**tampered, "remove": ["../precious.txt"]}),
                                       encoding="utf-8")
    with pytest.raises(TalentbenchError, match="damaged"):
        publish.settle(out)
    assert victim.exists()


def test_the_lock_names_its_holder(tmp_path):
    out = tmp_path / "out"
    with publish.staged_run(out), pytest.raises(TalentbenchError) as refused:
        publish.lock(out)
    expected = f"another talentbench run is writing to {out} (pid {os.getpid()}, since "
    assert str(refused.value).startswith(expected)
    publish.lock(out).release()  # and it is free again
