"""Raw store: every fetched body kept immutably, content-addressed, with a fetch manifest.

Layout under ``root`` (default ``<workdir>/data/raw``)::

    objects/<sha256[:2]>/<sha256>   the body bytes, written once (temp file + rename), never changed
    manifest.duckdb                 table ``fetches``: one row per fetch attempt, append-only

Nothing here ever overwrites or deletes a body or a manifest row: a crawl only adds. Two fetches
of the same bytes share one object, so an unchanged page costs a manifest row, not disk space.

The manifest is opened for the length of one call and closed again, under an exclusive lock
file, so a crawl in one process and ``talentbench parse`` (or another crawl shard) in another
take turns on it; a caller that finds it busy waits (up to 15 s) instead of failing.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from benchmark.errors import TalentbenchError
from benchmark.paths import workdir

MANIFEST_NAME = "manifest.duckdb"
LOCK_NAME = "manifest.lock"
OBJECTS_DIR = "objects"

OUTCOMES = ("stored", "unchanged", "failed", "blocked_robots", "skipped")

# Column name -> DuckDB type. The order is the table's column order.
COLUMNS: dict[str, str] = {
    "fetch_id": "BIGINT",
    "run_id": "VARCHAR",
    "url": "VARCHAR",
    "final_url": "VARCHAR",
    "status": "INTEGER",
    "outcome": "VARCHAR",
    "reason": "VARCHAR",
    "content_type": "VARCHAR",
    "etag": "VARCHAR",
    "last_modified": "VARCHAR",
    "headers": "VARCHAR",
    "fetched_at": "TIMESTAMP",  # UTC; returned tz-aware by manifest()/latest()
    "sha256": "VARCHAR",
    "size": "BIGINT",  # body bytes after content decoding (what is in objects/)
    "wire_bytes": "BIGINT",  # bytes received on the wire for this fetch (headers excluded)
    "elapsed_ms": "DOUBLE",
    "city": "VARCHAR",
    "kind": "VARCHAR",  # entry-point kind of the portal the page was reached from
    "role": "VARCHAR",  # entry|section|list|article|attachment|robots: why it was fetched
    "parent_url": "VARCHAR",
    "depth": "INTEGER",
    "anchor_text": "VARCHAR",  # text of the link that led here (often the policy title)
}

_SCHEMA = f"""
CREATE SEQUENCE IF NOT EXISTS fetch_id_seq START 1;
CREATE TABLE IF NOT EXISTS fetches (
    fetch_id BIGINT NOT NULL DEFAULT nextval('fetch_id_seq'),
    {", ".join(f"{name} {kind}" for name, kind in COLUMNS.items() if name != "fetch_id")},
    CHECK (outcome IN ({", ".join(repr(o) for o in OUTCOMES)})),
    CHECK (url IS NOT NULL),
    CHECK (fetched_at IS NOT NULL)
);
"""

_LOCK_WAIT_SECONDS = 15.0


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def utc_now() -> datetime:
    """Now in UTC, naive (the manifest stores UTC without a zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


class RawStore:
    """Immutable content-addressed bodies plus an append-only DuckDB manifest of fetches."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else workdir() / "data" / "raw"
        self.objects = self.root / OBJECTS_DIR
        self.manifest_path = self.root / MANIFEST_NAME

    # ----------------------------------------------------------------- bodies
    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise TalentbenchError(f"not a sha256 hex digest: {sha256!r}")
        return self.objects / sha256[:2] / sha256

    def put(self, body: bytes) -> str:
        """Store ``body`` once under its SHA-256 and return the digest. Existing objects are kept."""
        digest = sha256_hex(body)
        if self.path_for(digest).exists():
            return digest
        return self.put_stream([body])

    def put_stream(self, chunks: Iterable[bytes]) -> str:
        """Store a body given in pieces (so a large attachment is never whole in memory).

        The pieces go to a temporary file beside the objects, hashed as they are written;
        the file is then linked into place under its digest, read-only.
        """
        self.objects.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.objects, prefix=".incoming.", suffix=".tmp")
        hasher = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    hasher.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fchmod(handle.fileno(), 0o444)  # read-only: objects are immutable
                os.fsync(handle.fileno())
            digest = hasher.hexdigest()
            path = self.path_for(digest)
            path.parent.mkdir(parents=True, exist_ok=True)
            # link() refuses to replace an existing file, so a racing writer can never
            # overwrite an object (both would have written the same bytes anyway).
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            except OSError:  # file systems without hard links
                if not path.exists():
                    os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return digest

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def read_prefix(self, sha256: str, limit: int) -> bytes | None:
        """The first ``limit`` bytes of an object (unverified), or None if it is missing."""
        try:
            with self.path_for(sha256).open("rb") as handle:
                return handle.read(limit)
        except FileNotFoundError:
            return None

    def read(self, sha256: str) -> bytes:
        """The body stored under ``sha256``; raises TalentbenchError if missing or corrupted."""
        path = self.path_for(sha256)
        try:
            body = path.read_bytes()
        except FileNotFoundError:
            raise TalentbenchError(f"raw object {sha256} not found under {self.objects}") from None
        if sha256_hex(body) != sha256:
            raise TalentbenchError(f"raw object {sha256} is corrupted (hash mismatch)")
        return body

    # --------------------------------------------------------------- manifest
    @contextlib.contextmanager
    def _manifest(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """An open manifest connection, held under an exclusive lock for as long as it is open.

        The lock file (``manifest.lock``, flock) serialises every process that touches the
        manifest, so a writer never works from a state another process has since changed,
        whatever DuckDB's own file locking does. Waiting is bounded: past the deadline the
        caller gets a one-line TalentbenchError, never a half-written manifest.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK_NAME, "a+b") as lock:
            self._wait_for_lock(lock.fileno())
            try:
                if read_only and not self.manifest_path.exists():
                    duckdb.connect(str(self.manifest_path)).execute(_SCHEMA).close()
                try:
                    con = duckdb.connect(str(self.manifest_path), read_only=read_only)
                except duckdb.Error as exc:
                    raise TalentbenchError(
                        f"cannot open manifest {self.manifest_path}: {exc}"
                    ) from None
                try:
                    if not read_only:
                        con.execute(_SCHEMA)
                    yield con
                finally:
                    con.close()
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _wait_for_lock(self, fd: int) -> None:
        deadline = time.monotonic() + _LOCK_WAIT_SECONDS
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TalentbenchError(
                        f"manifest {self.manifest_path} stayed locked by another process "
                        f"for {_LOCK_WAIT_SECONDS:.0f} s"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.2)

    @staticmethod
    def _normalise_row(fields: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(fields) - set(COLUMNS)
        if unknown:
            raise TalentbenchError(f"unknown manifest field(s): {', '.join(sorted(unknown))}")
        if "fetch_id" in fields:
            raise TalentbenchError("fetch_id is assigned by the manifest, not by the caller")
        if not fields.get("url"):
            raise TalentbenchError("a manifest row needs a url")
        if fields.get("outcome") not in OUTCOMES:
            raise TalentbenchError(f"outcome must be one of {OUTCOMES}, not {fields.get('outcome')!r}")
        row = {name: fields.get(name) for name in COLUMNS if name != "fetch_id"}
        headers = row["headers"]
        if headers is not None and not isinstance(headers, str):
            row["headers"] = json.dumps(dict(headers), ensure_ascii=False, sort_keys=True)
        fetched_at = row["fetched_at"] or utc_now()
        if isinstance(fetched_at, datetime) and fetched_at.tzinfo is not None:
            fetched_at = fetched_at.astimezone(UTC).replace(tzinfo=None)
        row["fetched_at"] = fetched_at
        return row

    def record(self, **fields: Any) -> int:
        """Append one fetch to the manifest and return its ``fetch_id``."""
        return self.record_many([fields])[0]

    def record_many(self, rows: Iterable[Mapping[str, Any]]) -> list[int]:
        """Append many fetches in one transaction (all or none) and return their ids."""
        normalised = [self._normalise_row(row) for row in rows]
        if not normalised:
            return []
        names = [name for name in COLUMNS if name != "fetch_id"]
        frame = pd.DataFrame(normalised, columns=names)
        # Pin dtypes so an all-None column is not guessed as something DuckDB cannot cast.
        for name in names:
            kind = COLUMNS[name]
            if kind in ("INTEGER", "BIGINT"):
                frame[name] = frame[name].astype("Int64")
            elif kind == "DOUBLE":
                frame[name] = frame[name].astype("Float64")
            elif kind == "TIMESTAMP":
                frame[name] = pd.to_datetime(frame[name])
            else:
                frame[name] = frame[name].astype("object")
        with self._manifest() as con:
            con.register("incoming_rows", frame)
            con.execute("BEGIN TRANSACTION")
            try:
                ids = con.execute(
                    f"INSERT INTO fetches ({', '.join(names)}) "
                    f"SELECT {', '.join(f'CAST({n} AS {COLUMNS[n]})' for n in names)} "
                    "FROM incoming_rows RETURNING fetch_id"
                ).fetchall()
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return [int(i[0]) for i in ids]

    def _query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with self._manifest(read_only=True) as con:
            frame = con.execute(sql, params or []).df()
        if "fetched_at" in frame:
            frame["fetched_at"] = pd.to_datetime(frame["fetched_at"]).dt.tz_localize("UTC")
        if "last_seen_at" in frame:
            frame["last_seen_at"] = pd.to_datetime(frame["last_seen_at"]).dt.tz_localize("UTC")
        return frame

    def manifest(self) -> pd.DataFrame:
        """Every fetch ever recorded, oldest first."""
        return self._query("SELECT * FROM fetches ORDER BY fetched_at, fetch_id")

    def latest(self, include_robots: bool = False) -> pd.DataFrame:
        """The newest ``stored`` row per URL (the body the parser should read), one row per URL.

        ``last_seen_at`` is the last time that URL was fetched with a body, including fetches
        that found it unchanged, so consumers can tell a live page from one not seen lately.
        robots.txt bodies (role ``robots``) are crawl machinery, not documents: left out
        unless ``include_robots``. ``role`` tells listings (entry/section/list) from
        articles and attachments.
        """
        robots = "" if include_robots else "AND role IS DISTINCT FROM 'robots'"
        return self._query(
            f"""
            WITH stored AS (
                SELECT *, row_number() OVER (
                    PARTITION BY url ORDER BY fetched_at DESC, fetch_id DESC) AS rank_
                FROM fetches WHERE outcome = 'stored' AND sha256 IS NOT NULL {robots}
            ), seen AS (
                SELECT url, max(fetched_at) AS last_seen_at FROM fetches
                WHERE outcome IN ('stored', 'unchanged') GROUP BY url
            )
            SELECT stored.* EXCLUDE (rank_), seen.last_seen_at
            FROM stored JOIN seen USING (url)
            WHERE rank_ = 1
            ORDER BY url
            """
        )

    def validators(self) -> pd.DataFrame:
        """Per URL, the newest body fetch (stored or unchanged): sha256, etag, last_modified.

        This is what a crawl needs up front to send conditional GETs and compare hashes.
        """
        return self._query(
            """
            SELECT url, sha256, etag, last_modified, content_type, final_url, fetched_at FROM (
                SELECT *, row_number() OVER (
                    PARTITION BY url ORDER BY fetched_at DESC, fetch_id DESC) AS rank_
                FROM fetches WHERE outcome IN ('stored', 'unchanged') AND sha256 IS NOT NULL
            ) WHERE rank_ = 1 ORDER BY url
            """
        )

    def conditional_headers(self, url: str) -> dict[str, str]:
        """``If-None-Match`` / ``If-Modified-Since`` for ``url`` from its newest body fetch."""
        frame = self._query(
            """
            SELECT etag, last_modified FROM fetches
            WHERE url = ? AND outcome IN ('stored', 'unchanged') AND sha256 IS NOT NULL
            ORDER BY fetched_at DESC, fetch_id DESC LIMIT 1
            """,
            [url],
        )
        if frame.empty:
            return {}
        return validator_headers(frame.iloc[0]["etag"], frame.iloc[0]["last_modified"])


def validator_headers(etag: Any, last_modified: Any) -> dict[str, str]:
    """Conditional-request headers from stored validators (missing ones are left out)."""
    headers: dict[str, str] = {}
    if isinstance(etag, str) and etag:
        headers["If-None-Match"] = etag
    if isinstance(last_modified, str) and last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers
