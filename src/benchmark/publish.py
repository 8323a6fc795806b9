"""A run's outputs, published as one set.

`talentbench run` writes every output (Parquet tables, figures, PDF reports) into a staging
folder ``<out>/.talentbench/staging/<run id>/`` that mirrors ``data/processed``, ``figures`` and
``reports``. Only when all of them are written are they switched into place:

1. the journal ``<out>/.talentbench/journal.json`` is written atomically: the run id, every new
   file with its sha256 and size, and the previous run's files and tables this run does not
   produce again. Writing it is the commit point.
2. each staged file is renamed over its final path; the previous run's leftovers are removed;
3. the run's DuckDB tables, and the ``talentbench_run`` row naming the run, are replaced in one
   transaction (the database file is shared with the refresh's snapshots: it stays);
4. the manifest ``<out>/data/processed/run_manifest.json`` is written atomically;
5. the journal and the staging folder are removed.

A run killed before the commit point leaves the previous set published and a staging folder that
the next run discards. Killed after it, the next run - or a reader (``store.read_table``) - rolls
the switch forward from the journal (each step can be redone). Either way the folder holds one
run's set, plus whatever else the user keeps there: only files a manifest names are removed.

One run at a time per folder: the lock ``<out>/.talentbench/run.lock`` (benchmark.locks). Only
its holder rolls forward, discards staging folders and cleans temporary files of killed runs.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from benchmark.errors import TalentbenchError
from benchmark.locks import FileLock, LockBusy
from benchmark.store import DB_NAME, atomic_output, atomic_write_bytes, replace_tables, temp_target

STATE_DIR = ".talentbench"
OUTPUT_DIRS = ("data/processed", "figures", "reports")
MANIFEST = "data/processed/run_manifest.json"
JOURNAL = f"{STATE_DIR}/journal.json"
RUN_TABLE = "talentbench_run"  # one row: the run whose tables the database holds
SETTLE_WAIT_SECONDS = 30.0  # a committed switch takes well under a second

_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Called with the name of each point of the switch ("publish:staged", "publish:committed", ...).
# Tests set it to kill the process at a chosen point; nothing else uses it.
CHECKPOINT: Callable[[str], None] | None = None


def checkpoint(name: str) -> None:
    if CHECKPOINT is not None:
        CHECKPOINT(name)


def lock_path(out: Path) -> Path:
    return out / STATE_DIR / "run.lock"


def staging_root(out: Path, run_id: str) -> Path:
    return out / STATE_DIR / "staging" / run_id


def check_folder(out: Path) -> None:
    """A one-line error when ``out`` or one of its output folders cannot be a folder (a file is
    in the way), before anything is written."""
    for target in (out, *(out / sub for sub in OUTPUT_DIRS), out / STATE_DIR):
        for path in (target, *target.parents):
            if path.exists():
                if not path.is_dir():
                    raise TalentbenchError(f"cannot write outputs to {out}: {path} is a file, "
                                           "not a folder")
                break


def lock(out: Path) -> FileLock:
    """Take ``out``'s run lock; if another process holds it, say who (at once, no waiting)."""
    check_folder(out)
    try:
        return FileLock(lock_path(out)).acquire()
    except LockBusy as busy:
        raise TalentbenchError(f"another talentbench run is writing to {out} "
                               f"({busy.holder.describe()})") from None


@dataclass
class Staging:
    out: Path
    run_id: str

    @property
    def root(self) -> Path:
        return staging_root(self.out, self.run_id)

    def final(self, path: Path) -> Path:
        """Where a staged file is published (other paths are returned as they are)."""
        return self.out / path.relative_to(self.root) if path.is_relative_to(self.root) else path


def new_run_id() -> str:
    return f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"


@contextmanager
def staged_run(out: Path) -> Iterator[Staging]:
    """Hold ``out``'s lock while the block writes one run's outputs under ``staging.root``.

    What killed runs left is finished or discarded first. A staging folder that was not
    published is discarded on the way out - unless its switch was committed (the journal needs
    the files to finish it)."""
    held = lock(out)
    try:
        recover(out)
        staging = Staging(out, new_run_id())
        staging.root.mkdir(parents=True)
        try:
            yield staging
        finally:
            if not (out / JOURNAL).exists():
                shutil.rmtree(staging.root, ignore_errors=True)
    finally:
        held.release()


def publish(staging: Staging, tables: Iterable[str]) -> dict:
    """Switch everything staged into place as one set (see the module's doc); the manifest."""
    out, root = staging.out, staging.root
    files = {p.relative_to(root).as_posix(): _describe(p)
             for p in sorted(root.rglob("*")) if p.is_file()}
    previous = read_manifest(out) or {"files": {}, "tables": []}
    manifest = {"run_id": staging.run_id, "published_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "tables": list(tables), "files": files}
    journal = {**manifest,
               "remove": sorted(set(previous["files"]) - set(files)),
               "drop_tables": sorted(set(previous["tables"]) - set(manifest["tables"]))}
    _check(journal, JOURNAL)
    checkpoint("publish:staged")
    atomic_write_bytes(out / JOURNAL, _dumps(journal))  # the commit point
    checkpoint("publish:committed")
    roll_forward(out, journal)
    # temporary files of killed runs of older versions, which wrote straight into these folders
    _clean_temp_files(out, {*files, *previous["files"]})
    return manifest


def roll_forward(out: Path, journal: dict) -> None:
    """Finish the switch ``journal`` describes. Every step can be redone, so a run killed in the
    middle of it is finished by the next one."""
    root = staging_root(out, journal["run_id"])
    paths = list(journal["files"])
    for i, rel in enumerate(paths):
        staged = root / rel
        if staged.exists():  # otherwise it was moved before a kill
            _move(staged, out / rel)
        if i == len(paths) // 2:
            checkpoint("publish:moving")
    for rel in journal["remove"]:
        (out / rel).unlink(missing_ok=True)
    checkpoint("publish:removed")
    processed = out / "data" / "processed"
    run_row = pd.DataFrame({"run_id": [journal["run_id"]],
                            "published_at": [journal["published_at"]], "n_files": [len(paths)]})
    replace_tables(processed / DB_NAME, {t: processed / f"{t}.parquet" for t in journal["tables"]},
                   drop=journal["drop_tables"], extra={RUN_TABLE: run_row})
    checkpoint("publish:tables")
    manifest = {k: journal[k] for k in ("run_id", "published_at", "tables", "files")}
    atomic_write_bytes(out / MANIFEST, _dumps(manifest))
    checkpoint("publish:manifest")
    (out / JOURNAL).unlink()
    shutil.rmtree(root, ignore_errors=True)
    with contextlib.suppress(OSError):  # the staging folder itself, if nothing else is in it
        root.parent.rmdir()


def recover(out: Path) -> None:
    """Under the lock: finish a committed switch, discard staging folders of runs that never
    reached their commit point, remove temporary files killed runs left behind."""
    journal = _load(out / JOURNAL)
    if journal is not None:
        roll_forward(out, journal)
    staging = out / STATE_DIR / "staging"
    if staging.is_dir():
        for entry in staging.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
    previous = read_manifest(out)
    _clean_temp_files(out, set(previous["files"]) if previous else set())


def settle(out: Path, wait: float = SETTLE_WAIT_SECONDS) -> None:
    """For readers: finish a committed switch a killed run left unfinished, or wait while the
    run holding the lock finishes it, so what is read is one run's set."""
    deadline = time.monotonic() + wait
    while (out / JOURNAL).exists():
        try:
            held = FileLock(lock_path(out)).acquire()
        except LockBusy as busy:
            if time.monotonic() > deadline:
                raise TalentbenchError(f"the outputs in {out} are still being published by "
                                       f"{busy.holder.describe()}; try again") from None
            time.sleep(0.05)
            continue
        try:
            journal = _load(out / JOURNAL)
            if journal is not None:
                roll_forward(out, journal)
        finally:
            held.release()


def read_manifest(out: Path) -> dict | None:
    """The published run's manifest (None before the first run; a damaged one is ignored, so
    nothing is removed on its word)."""
    try:
        return _load(out / MANIFEST)
    except TalentbenchError:
        return None


# --- helpers -------------------------------------------------------------------------------

def _describe(path: Path) -> dict:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return {"sha256": h.hexdigest(), "size": path.stat().st_size}


def _dumps(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def _load(path: Path) -> dict | None:
    """A journal or manifest, checked: its paths and table names come back from disk, and they
    decide what is renamed, deleted and dropped."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise TalentbenchError(f"{path} is damaged ({exc}); delete it to go on") from None
    _check(data, path)
    return data


def _check(data: object, where: object) -> None:
    problem = _problem(data)
    if problem:
        raise TalentbenchError(f"{where} is damaged ({problem}); delete it to go on")


def _problem(data: object) -> str | None:
    if not isinstance(data, dict):
        return "not a JSON object"
    if not isinstance(data.get("run_id"), str) or not re.fullmatch(r"[\w-]+", data["run_id"]):
        return "no valid run_id"
    lists = ("tables", "remove", "drop_tables") if "remove" in data else ("tables",)
    fields_ok = (isinstance(data.get("files"), dict) and isinstance(data.get("published_at"), str)
                 and all(isinstance(data.get(key), list) for key in lists))
    if not fields_ok:
        return "missing or malformed fields"
    paths = [*data["files"], *data.get("remove", [])]
    tables = [*data["tables"], *data.get("drop_tables", [])]
    bad = [p for p in paths if not _is_output_path(p)]
    bad += [t for t in tables if not isinstance(t, str) or not _TABLE_NAME.match(t)]
    return f"unexpected entry {bad[0]!r}" if bad else None


def _is_output_path(rel: object) -> bool:
    """A file inside one of the output folders, never the manifest or the database."""
    if not isinstance(rel, str):
        return False
    path = PurePosixPath(rel)
    return (not path.is_absolute() and ".." not in path.parts and rel not in (MANIFEST, JOURNAL)
            and path.name != DB_NAME and any(path.parent == PurePosixPath(d) for d in OUTPUT_DIRS))


def _move(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        # an output folder links to another file system: copy beside the target, then rename
        with atomic_output(dst) as tmp:
            shutil.copyfile(src, tmp)
        src.unlink()


def _clean_temp_files(out: Path, outputs: set[str]) -> None:
    """Remove temporary files (store.atomic_output's naming) meant to become one of ``outputs``,
    the manifest or the journal - never anything else, so other writers' files are safe."""
    targets = {*outputs, MANIFEST, JOURNAL}
    for folder in {PurePosixPath(t).parent.as_posix() for t in targets}:
        directory = out / folder
        if not directory.is_dir():
            continue
        for entry in directory.iterdir():
            target = temp_target(entry.name)
            if target and f"{folder}/{target}" in targets and entry.is_file():
                entry.unlink(missing_ok=True)
