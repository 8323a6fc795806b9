"""Storage edge: tables go to Parquet files and into one embedded DuckDB database.

Every write goes to a temporary file first and is renamed into place, so a crash or a bad
input never leaves a half-written table behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from benchmark.errors import TalentbenchError

DB_NAME = "talentbench.duckdb"


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block succeeds, rename it into place.

    A failure leaves the previous file untouched and no temporary file behind. The finished
    file gets ordinary permissions (mkstemp makes files private; reports are meant to be shared).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
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
    written = {name: write_parquet(df, processed_dir / f"{name}.parquet") for name, df in tables.items()}
    db_path = processed_dir / DB_NAME
    try:
        con = duckdb.connect(str(db_path))
    except duckdb.Error as exc:
        raise TalentbenchError(f"cannot open database {db_path}: {exc}") from None
    try:
        con.execute("BEGIN TRANSACTION")
        for name, path in written.items():
            con.execute(
                f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM read_parquet(?)', [str(path)]
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    written["duckdb"] = db_path
    return written


def read_table(name: str, processed_dir: Path) -> pd.DataFrame:
    """Read a table written by :func:`write_tables` (from its Parquet file)."""
    path = processed_dir / f"{name}.parquet"
    if not path.exists():
        raise TalentbenchError(f"no table {name!r} in {processed_dir}; run `talentbench run` first")
    return pd.read_parquet(path)
