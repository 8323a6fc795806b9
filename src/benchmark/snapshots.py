"""Benchmark snapshots with their history, in the embedded DuckDB database.

A snapshot is what one refresh published: the provisions (reviewed ones, and the candidates
still pending review), the non-monetary features, the profile values, the city x indicator
matrix, the scores, ranks, rank intervals and clusters, with the date, the hashes of every input
and the method spec. Tables (all keyed by ``snapshot``)::

    snapshots                 one row per published snapshot (the catalogue)
    snapshot_provisions       PROVISION_COLUMNS + key ('pending' review = not yet reviewed)
    snapshot_features         FEATURE_COLUMNS
    snapshot_profile_values   city, profile, scope, district, value_cny, n_items, flags
    snapshot_matrix           city, indicator, value (long)
    snapshot_results          city, coverage, rank, score, rank_median, rank_q05, rank_q95, cluster
    snapshot_scores           city, node, score (the index and every pillar, long)
    refresh_runs              every refresh attempt that finished: outcome, fingerprint, message

**Atomic publish**: every row of a snapshot, its catalogue row last, is written in one DuckDB
transaction. Readers only see snapshots listed in ``snapshots``, so a refresh that fails or is
killed at any point leaves the previous snapshot as the latest, and DuckDB's write-ahead log
discards the unfinished transaction when the file is next opened.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from benchmark.errors import TalentbenchError
from benchmark.store import DB_NAME, transaction

_PROVISION_TYPES = {
    "city": "VARCHAR", "district": "VARCHAR", "scope": "VARCHAR", "tier": "VARCHAR",
    "benefit": "VARCHAR", "amount_cny": "DOUBLE", "amount_max_cny": "DOUBLE", "period": "VARCHAR",
    "duration_months": "BIGINT", "is_cap": "BOOLEAN", "source_url": "VARCHAR",
    "source_date": "VARCHAR", "status": "VARCHAR", "evidence": "VARCHAR", "doc": "VARCHAR",
    "start": "BIGINT", "end": "BIGINT", "review": "VARCHAR", "conditions": "VARCHAR",
    "relations": "VARCHAR", "context_evidence": "VARCHAR", "key": "VARCHAR",
}
_FEATURE_TYPES = {
    "city": "VARCHAR", "district": "VARCHAR", "scope": "VARCHAR", "feature": "VARCHAR",
    "value": "VARCHAR", "unit": "VARCHAR", "source_url": "VARCHAR", "source_date": "VARCHAR",
    "status": "VARCHAR", "evidence": "VARCHAR", "doc": "VARCHAR", "start": "BIGINT",
    "end": "BIGINT", "review": "VARCHAR",
}
SCHEMA: dict[str, dict[str, str]] = {
    "snapshots": {
        "snapshot": "INTEGER", "published_at": "VARCHAR", "label": "VARCHAR", "source": "VARCHAR",
        "fingerprint": "VARCHAR", "content_hash": "VARCHAR", "input_hashes": "VARCHAR",
        "method_spec": "VARCHAR", "code_version": "VARCHAR", "index_code": "VARCHAR",
        "n_provisions": "INTEGER", "n_pending": "INTEGER", "n_ranked": "INTEGER",
        "report": "VARCHAR", "note": "VARCHAR",
    },
    "snapshot_provisions": {"snapshot": "INTEGER", **_PROVISION_TYPES},
    "snapshot_features": {"snapshot": "INTEGER", **_FEATURE_TYPES},
    "snapshot_profile_values": {
        "snapshot": "INTEGER", "city": "VARCHAR", "profile": "VARCHAR", "scope": "VARCHAR",
        "district": "VARCHAR", "value_cny": "DOUBLE", "n_items": "BIGINT", "flags": "VARCHAR",
    },
    "snapshot_matrix": {"snapshot": "INTEGER", "city": "VARCHAR", "indicator": "VARCHAR",
                        "value": "DOUBLE"},
    "snapshot_results": {
        "snapshot": "INTEGER", "city": "VARCHAR", "coverage": "DOUBLE", "rank": "DOUBLE",
        "score": "DOUBLE", "rank_median": "DOUBLE", "rank_q05": "DOUBLE", "rank_q95": "DOUBLE",
        "cluster": "BIGINT",
    },
    "snapshot_scores": {"snapshot": "INTEGER", "city": "VARCHAR", "node": "VARCHAR",
                        "score": "DOUBLE"},
    "refresh_runs": {
        "run": "INTEGER", "started_at": "VARCHAR", "finished_at": "VARCHAR", "pid": "INTEGER",
        "outcome": "VARCHAR", "snapshot": "INTEGER", "fingerprint": "VARCHAR", "message": "VARCHAR",
    },
}
# the tables one snapshot consists of, besides its catalogue row
PARTS = ("snapshot_provisions", "snapshot_features", "snapshot_profile_values", "snapshot_matrix",
         "snapshot_results", "snapshot_scores")


def db_path(home: Path) -> Path:
    return home / "data" / "processed" / DB_NAME


@contextmanager
def connect(path: Path, read_only: bool = False, wait: float = 30.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database, waiting up to ``wait`` seconds while another process holds it."""
    if read_only and not path.exists():
        raise TalentbenchError(f"no snapshots yet: {path} does not exist (run `talentbench refresh`)")
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise TalentbenchError(f"cannot open database {path}: {str(exc).splitlines()[0]}") from None
            time.sleep(0.1)
        except duckdb.Error as exc:
            raise TalentbenchError(f"cannot open database {path}: {str(exc).splitlines()[0]}") from None
    try:
        yield con
    finally:
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for name, columns in SCHEMA.items():
        cols = ", ".join(f'"{c}" {t}' for c, t in columns.items())
        con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" ({cols})')


def _has_schema(con: duckdb.DuckDBPyConnection) -> bool:
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    return "snapshots" in names


def _frame(df: pd.DataFrame, table: str, snapshot: int) -> pd.DataFrame:
    """``df`` in the table's column order and types (missing columns empty)."""
    columns = SCHEMA[table]
    out = pd.DataFrame(index=range(len(df)))
    for col, typ in columns.items():
        if col == "snapshot":
            out[col] = snapshot
            continue
        values = df[col].reset_index(drop=True) if col in df.columns else pd.Series([None] * len(df))
        if typ == "VARCHAR":
            out[col] = values.astype(object).where(values.notna(), None).map(
                lambda v: v if v is None or isinstance(v, str) else str(v))
        elif typ == "BOOLEAN":
            out[col] = values.astype(object).where(values.notna(), None)
        elif typ == "DOUBLE":
            out[col] = pd.to_numeric(values, errors="coerce").astype("Float64")
        else:
            out[col] = pd.to_numeric(values, errors="coerce").round().astype("Int64")
    return out


@dataclass
class Snapshot:
    """One snapshot's tables, ready to publish (or read back)."""

    meta: dict
    parts: dict[str, pd.DataFrame]


def publish(path: Path, snap: Snapshot, checkpoint=lambda _name: None) -> int:
    """Write a snapshot in one transaction; returns its number. Nothing is visible until COMMIT."""
    with connect(path) as con:
        with transaction(con):
            ensure_schema(con)
            number = con.execute("SELECT coalesce(max(snapshot), 0) + 1 FROM snapshots").fetchall()[0][0]
            checkpoint("publish:begin")
            for table in PARTS:
                _insert(con, table, _frame(snap.parts.get(table, pd.DataFrame()), table, number))
                checkpoint(f"publish:{table}")
            meta = {**snap.meta, "snapshot": number}
            for key in ("input_hashes", "method_spec"):
                if not isinstance(meta.get(key), str):
                    meta[key] = json.dumps(meta.get(key), ensure_ascii=False, sort_keys=True)
            _insert(con, "snapshots", _frame(pd.DataFrame([meta]), "snapshots", number))
            checkpoint("publish:before-commit")
        # fold the write-ahead log into the file now rather than at the next open
        con.execute("CHECKPOINT")
    return number


def record_run(path: Path, run: dict) -> None:
    """Append one finished refresh attempt to ``refresh_runs``."""
    with connect(path) as con, transaction(con):
        ensure_schema(con)
        number = con.execute("SELECT coalesce(max(run), 0) + 1 FROM refresh_runs").fetchall()[0][0]
        frame = _frame(pd.DataFrame([run]), "refresh_runs", 0).assign(run=number)
        frame = frame.drop(columns="snapshot").assign(snapshot=run.get("snapshot"))
        _insert(con, "refresh_runs", frame[list(SCHEMA["refresh_runs"])])


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    con.register("_part", frame)
    con.execute(f'INSERT INTO "{table}" SELECT * FROM _part')
    con.unregister("_part")


def last_fingerprint(path: Path) -> str | None:
    """The input fingerprint of the newest success: the last refresh that published or found
    nothing changed, or the latest snapshot if it is newer (a refresh killed right after its
    commit published it without recording its run)."""
    if not path.exists():
        return None
    with connect(path, read_only=True) as con:
        if not _has_schema(con):
            return None
        found = con.execute("SELECT finished_at, fingerprint FROM refresh_runs "
                            "WHERE outcome IN ('published', 'unchanged') ORDER BY run DESC LIMIT 1").fetchall()
        found += con.execute("SELECT published_at, fingerprint FROM snapshots "
                             "ORDER BY snapshot DESC LIMIT 1").fetchall()
    found = [f for f in found if f[0] is not None]
    return max(found)[1] if found else None


def catalogue(path: Path) -> pd.DataFrame:
    """Every published snapshot, oldest first (empty when there are none)."""
    if not path.exists():
        return pd.DataFrame(columns=list(SCHEMA["snapshots"]))
    with connect(path, read_only=True) as con:
        if not _has_schema(con):
            return pd.DataFrame(columns=list(SCHEMA["snapshots"]))
        return con.execute("SELECT * FROM snapshots ORDER BY snapshot").df()


def runs(path: Path) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame(columns=list(SCHEMA["refresh_runs"]))
    with connect(path, read_only=True) as con:
        if not _has_schema(con):
            return pd.DataFrame(columns=list(SCHEMA["refresh_runs"]))
        return con.execute("SELECT * FROM refresh_runs ORDER BY run").df()


def read_part(path: Path, table: str, snapshots: list[int] | None = None) -> pd.DataFrame:
    """Rows of one snapshot table, of the given snapshots (all when None)."""
    if table not in SCHEMA:
        raise TalentbenchError(f"no snapshot table {table!r}")
    with connect(path, read_only=True) as con:
        if not _has_schema(con):
            return pd.DataFrame(columns=list(SCHEMA[table]))
        if snapshots is None:
            return con.execute(f'SELECT * FROM "{table}" ORDER BY snapshot').df()
        marks = ", ".join("?" for _ in snapshots) or "NULL"
        return con.execute(f'SELECT * FROM "{table}" WHERE snapshot IN ({marks}) ORDER BY snapshot',
                           list(snapshots)).df()


def resolve(path: Path, ref: str | int | None, default_offset: int) -> int:
    """A snapshot number from a user's reference: a number, a label, 'latest'/'previous', or
    (None) the one ``default_offset`` from the end (0 = latest)."""
    cat = catalogue(path)
    if not len(cat):
        raise TalentbenchError("no snapshots published yet (run `talentbench refresh`)")
    numbers = [int(n) for n in cat["snapshot"]]
    if ref is None:
        if len(numbers) <= default_offset:
            raise TalentbenchError(f"need at least {default_offset + 1} snapshots, have {len(numbers)}")
        return numbers[-1 - default_offset]
    text = str(ref).strip()
    if text in ("latest", "last"):
        return numbers[-1]
    if text in ("previous", "prev"):
        if len(numbers) < 2:
            raise TalentbenchError("only one snapshot published: there is no previous one")
        return numbers[-2]
    if text.lstrip("-").isdigit():
        n = int(text)
        if n < 0 and -n <= len(numbers):
            return numbers[n]
        if n in numbers:
            return n
        raise TalentbenchError(f"no snapshot {text} (have {numbers[0]}-{numbers[-1]})")
    hits = cat.loc[cat["label"] == text, "snapshot"].tolist()
    if hits:
        return int(hits[-1])
    raise TalentbenchError(f"no snapshot {text!r}: give a number, a label (see `talentbench history`), "
                           "'latest' or 'previous'")
