"""Storage edge: tables go to Parquet files and into one embedded DuckDB database.

Every write goes to a temporary file first and is renamed into place, so a crash or a bad
input never leaves a half-written table behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from benchmark.errors import TalentbenchError

DB_NAME = "talentbench.duckdb"
# atomic_output's temporary names: ".<stem>.<8 random chars from mkstemp>.tmp<suffix>"
_TEMP_NAME = re.compile(r"^\.(?P<stem>.+)\.[a-z0-9_]{8}\.tmp(?P<suffix>(\.[^.]+)?)$")


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block succeeds, rename it into place.

    A failure leaves the previous file untouched and no temporary file behind. The finished
    file gets ordinary permissions (mkstemp makes files private; reports are meant to be shared).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.",
                                suffix=f".tmp{path.suffix}")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def temp_target(name: str) -> str | None:
    """The file a temporary file of :func:`atomic_output` was meant to become (None if ``name``
    is not one), so that cleaning up after a killed process touches only our own files."""
    match = _TEMP_NAME.match(name)
    return match["stem"] + match["suffix"] if match else None


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and an atomic rename."""
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)


def write_parquet(df: pd.DataFrame, path: Path) -> Path:
    """Write a DataFrame to Parquet atomically."""
    with atomic_output(path) as tmp:
        df.to_parquet(tmp, index=False)
    return path


def write_tables(tables: dict[str, pd.DataFrame], processed_dir: Path) -> dict[str, Path]:
    """Write each table to ``processed_dir/<name>.parquet`` and replace it in the DuckDB file.

    The DuckDB tables are replaced in one transaction: either all of them change or none.
    """
    processed_dir.mkdir(parents=True, exist_ok=True)
    written = {name: write_parquet(df, processed_dir / f"{name}.parquet")
               for name, df in tables.items()}
    db_path = processed_dir / DB_NAME
    replace_tables(db_path, written)
    written["duckdb"] = db_path
    return written


def replace_tables(db_path: Path, parquet: Mapping[str, Path], drop: Iterable[str] = (),
                   extra: Mapping[str, pd.DataFrame] | None = None) -> None:
    """In one transaction: each ``parquet`` table replaced from its file, each ``extra`` table
    from its DataFrame, and the ``drop`` tables dropped. Other tables (the refresh's snapshots
    share the file) are left alone."""
    from benchmark.snapshots import connect

    # connect() waits while another process (a refresh) writes the file
    with connect(db_path) as con, transaction(con):
        for name in drop:
            con.execute(f'DROP TABLE IF EXISTS "{name}"')
        for name, path in parquet.items():
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM read_parquet(?)',
                        [str(path)])
        for name, df in (extra or {}).items():
            con.register("_extra", df)
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _extra')
            con.unregister("_extra")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN; COMMIT when the block succeeds, ROLLBACK when it fails. The block's own error is
    the one raised (a failed COMMIT has already rolled back, so ROLLBACK would fail too)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise


def read_table(name: str, processed_dir: Path) -> pd.DataFrame:
    """Read a table written by :func:`write_tables` or published by `talentbench run` (from its
    Parquet file), after finishing a publication that a killed run left half done."""
    from benchmark.publish import settle

    if processed_dir.parts[-2:] == ("data", "processed"):
        settle(processed_dir.parent.parent)
    path = processed_dir / f"{name}.parquet"
    if not path.exists():
        raise TalentbenchError(f"no table {name!r} in {processed_dir}; run `talentbench run` first")
    return pd.read_parquet(path)
