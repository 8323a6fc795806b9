"""The documents stage: newest raw bodies in, clean texts and a metadata table out.

Reads the raw store's newest stored body per URL, parses each body in a guarded worker
process (see :mod:`benchmark.documents.guard`), and writes

* each document's text to ``<workdir>/data/interim/documents/<city>/<doc_id>.txt``;
* the table ``documents`` (metadata, status, reason, ``text_path``; no text) to
  ``<workdir>/data/processed`` as Parquet and into the project's DuckDB file.

Incremental and resumable: a body already parsed (same ``doc_id`` for the same city, text file
present) is not parsed again unless ``force``; the table is written every ``checkpoint_every``
documents and on interruption, so a stopped run loses at most that much work. Documents
skipped because LibreOffice was missing are retried once LibreOffice is installed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from benchmark.documents.convert import reason_category
from benchmark.documents.guard import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, GuardedParser
from benchmark.documents.model import METADATA_FIELDS, Document
from benchmark.documents.office import find_soffice
from benchmark.errors import TalentbenchError
from benchmark.store import atomic_write_bytes, write_tables

TABLE = "documents"
#: Crawl roles whose bodies are documents; entry, section and list pages are navigation and
#: robots.txt is not a document. A fetch without a role is kept.
DOCUMENT_ROLES = ("article", "attachment")
TEXT_DIR = Path("data") / "interim" / "documents"
UNKNOWN_CITY = "_unknown"

#: Column order of the documents table.
COLUMNS = (
    "doc_id", "city", "url", "final_url", "source_type", "status", "reason", *METADATA_FIELDS,
    "parser", "encoding", "n_chars", "text_path", "content_type",
    "parent_url", "anchor_text", "fetched_at", "parsed_at",
)  # fmt: skip


@dataclass
class ParseSummary:
    """Counts of one run, and the one line the CLI prints."""

    ok: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)

    @property
    def parsed(self) -> int:
        return self.ok + sum(self.skipped.values()) + sum(self.failed.values())

    def add(self, document: Document) -> None:
        if document.status == "ok":
            self.ok += 1
        elif document.status == "skipped":
            self.skipped[reason_category(document.reason)] += 1
        else:
            self.failed[reason_category(document.reason)] += 1

    def line(self) -> str:
        def by_reason(counts: Counter[str]) -> str:
            return ", ".join(f"{reason} {n}" for reason, n in counts.most_common())

        parts = [
            f"parsed {self.parsed} (ok {self.ok}, skipped {sum(self.skipped.values())}, "
            f"failed {sum(self.failed.values())})",
            f"unchanged {self.unchanged}",
        ]
        if self.skipped:
            parts.append(f"skipped by reason: {by_reason(self.skipped)}")
        if self.failed:
            parts.append(f"failed by reason: {by_reason(self.failed)}")
        return "; ".join(parts)


def city_folder(city: object) -> str:
    """A safe folder name for a city (no separators, no dot-names)."""
    name = str(city).strip() if isinstance(city, str) and city.strip() else UNKNOWN_CITY
    name = re.sub(r"[\\/\x00-\x1f]", "_", name)
    return UNKNOWN_CITY if name in {".", ".."} else name


def _clean(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def current_bodies(
    latest: pd.DataFrame, cities: Iterable[str] | None = None, *, all_pages: bool = False
) -> pd.DataFrame:
    """One row per (body, city) among the newest stored fetches, first URL kept.

    Only document pages (crawl role article or attachment, or no role) unless ``all_pages``.
    """
    if latest.empty:
        return latest.assign(city_key=pd.Series(dtype=str))
    frame = latest[latest["sha256"].notna()].copy()
    if not all_pages and "role" in frame:
        frame = frame[frame["role"].isna() | frame["role"].isin(DOCUMENT_ROLES)]
    frame["city_key"] = frame["city"].map(city_folder)
    wanted = list(cities or [])
    if wanted:
        frame = frame[frame["city"].isin(wanted)]
    return frame.drop_duplicates(["sha256", "city_key"], keep="first").reset_index(drop=True)


def select_pending(
    bodies: pd.DataFrame,
    existing: pd.DataFrame,
    *,
    root: Path,
    force: bool = False,
    libreoffice: bool = False,
) -> pd.DataFrame:
    """The bodies that still need parsing, given the documents table of earlier runs.

    Done means: a row for the same body and city, and for an ``ok`` row its text file on disk.
    ``skipped`` rows for want of LibreOffice are redone when ``libreoffice`` is available.
    """
    if force or existing.empty or bodies.empty:
        return bodies
    done: set[tuple[str, str]] = set()
    for row in existing.itertuples(index=False):
        status, reason = row.status, str(row.reason or "")
        if status == "ok" and not (isinstance(row.text_path, str) and (root / row.text_path).is_file()):
            continue
        if status == "skipped" and libreoffice and reason.startswith("needs-libreoffice"):
            continue
        done.add((row.doc_id, city_folder(row.city)))
    keys = list(zip(bodies["sha256"], bodies["city_key"], strict=True))
    return bodies[[key not in done for key in keys]].reset_index(drop=True)


def merge_tables(existing: pd.DataFrame, new_rows: list[dict[str, Any]], bodies: pd.DataFrame) -> pd.DataFrame:
    """Earlier rows still current plus this run's rows, newest winning; stale versions dropped.

    A row is current while its body is still some URL's newest body for its city; rows of
    cities outside ``bodies`` are dropped too only when the raw store no longer has them.
    """
    new = pd.DataFrame(new_rows, columns=list(COLUMNS))
    frames = [frame for frame in (existing.reindex(columns=list(COLUMNS)), new) if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS))
    merged = pd.concat(frames, ignore_index=True)
    merged["_key"] = merged["city"].map(city_folder)
    merged = merged.drop_duplicates(["doc_id", "_key"], keep="last")
    current = set(zip(bodies["sha256"], bodies["city_key"], strict=True)) if not bodies.empty else set()
    merged = merged[[key in current for key in zip(merged["doc_id"], merged["_key"], strict=True)]]
    return merged.drop(columns="_key").sort_values(["city", "url"], na_position="last").reset_index(drop=True)


def _row(document: Document, source: Any, text_path: str | None, parsed_at: pd.Timestamp) -> dict[str, Any]:
    record = document.to_record()
    record.update(
        final_url=_clean(getattr(source, "final_url", None)),
        content_type=_clean(getattr(source, "content_type", None)),
        parent_url=_clean(getattr(source, "parent_url", None)),
        anchor_text=_clean(getattr(source, "anchor_text", None)),
        fetched_at=_clean(getattr(source, "fetched_at", None)),
        n_chars=len(document.text),
        text_path=text_path,
        parsed_at=parsed_at,
    )
    return {name: record.get(name) for name in COLUMNS}


class DocumentStage:
    """Raw store → documents, with its settings as parameters (scikit-learn style).

    ``run`` does the work; everything it decides on is done by the pure functions above.
    """

    def __init__(
        self,
        *,
        force: bool = False,
        cities: Iterable[str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        memory_mb: int = DEFAULT_MEMORY_MB,
        checkpoint_every: int = 50,
        limit: int | None = None,
        all_pages: bool = False,
        site_table_path: str | None = None,
        labels_path: str | None = None,
    ) -> None:
        self.force = force
        self.all_pages = all_pages
        self.cities = list(cities or [])
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.checkpoint_every = checkpoint_every
        self.limit = limit
        self.site_table_path = site_table_path
        self.labels_path = labels_path

    def run(
        self,
        store: Any,
        root: Path,
        *,
        on_start: Callable[[int], None] | None = None,
        on_document: Callable[[Document], None] | None = None,
    ) -> ParseSummary:
        """Parse what is pending in ``store`` (a :class:`~benchmark.raw_store.RawStore`) into ``root``.

        ``on_start(total)`` and ``on_document(document)`` let a caller draw progress.
        """
        if not store.manifest_path.exists():
            raise TalentbenchError(f"no raw store at {store.root}; run `talentbench crawl` first")
        processed = root / "data" / "processed"
        existing = _read_existing(processed, tolerate_damage=self.force)
        latest = store.latest()
        bodies = current_bodies(latest, self.cities, all_pages=self.all_pages)
        pending = select_pending(
            bodies, existing, root=root, force=self.force, libreoffice=find_soffice() is not None
        )
        if self.limit is not None:
            pending = pending.head(self.limit)
        summary = ParseSummary(unchanged=len(bodies) - len(pending))
        if on_start:
            on_start(len(pending))
        rows: list[dict[str, Any]] = []
        all_bodies = current_bodies(latest, all_pages=self.all_pages) if self.cities else bodies

        def checkpoint() -> None:
            write_tables({TABLE: merge_tables(existing, rows, all_bodies)}, processed)

        parser = GuardedParser(
            timeout=self.timeout, memory_mb=self.memory_mb,
            site_table_path=self.site_table_path, labels_path=self.labels_path,
        )  # fmt: skip
        try:
            for count, source in enumerate(pending.itertuples(index=False), start=1):
                document = self._parse_one(store, parser, source)
                text_path = None
                if document.status == "ok":
                    relative = TEXT_DIR / source.city_key / f"{document.doc_id}.txt"
                    atomic_write_bytes(root / relative, document.text.encode("utf-8"))
                    text_path = relative.as_posix()
                rows.append(_row(document, source, text_path, pd.Timestamp.now(tz="UTC")))
                summary.add(document)
                if on_document:
                    on_document(document)
                if count % self.checkpoint_every == 0:
                    checkpoint()
        finally:
            parser.close()
            # Also on Ctrl-C: what was parsed so far is kept, and the next run resumes after it.
            checkpoint()
        return summary

    @staticmethod
    def _parse_one(store: Any, parser: GuardedParser, source: Any) -> Document:
        url = str(source.url)
        try:
            body = store.read(source.sha256)
        except TalentbenchError as exc:
            return Document(source.sha256, url, "unknown", "failed", reason=f"raw-missing: {exc}",
                            city=_clean(source.city))  # fmt: skip
        document = parser.parse(
            body,
            _clean(getattr(source, "content_type", None)),
            _clean(getattr(source, "final_url", None)) or url,
            city=_clean(source.city),
            link_text=_clean(getattr(source, "anchor_text", None)),
        )
        document.url = url
        return document


def _read_existing(processed: Path, *, tolerate_damage: bool = False) -> pd.DataFrame:
    path = processed / f"{TABLE}.parquet"
    empty = pd.DataFrame(columns=list(COLUMNS))
    if not path.exists():
        return empty
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        if tolerate_damage:  # --force rebuilds the table from scratch anyway
            return empty
        raise TalentbenchError(f"cannot read {path} ({exc}); run with --force to rebuild it") from None


def load_documents_table(path: Path) -> pd.DataFrame:
    """A documents table given by the user (``--documents``): a Parquet file written by
    ``talentbench parse``, checked against the columns the next stage reads (pandera)."""
    import pandera.pandas as pa

    from benchmark.schemas import table_problems

    if not path.is_file():
        raise TalentbenchError(f"documents table not found: {path} (run `talentbench parse`)")
    try:
        table = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a non-Parquet file
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TalentbenchError(f"documents table {path} is not a Parquet file ({first})") from None
    missing = [c for c in ("doc_id", "city", "url", "issue_date") if c not in table.columns]
    if missing:
        raise TalentbenchError(f"documents table {path} lacks column(s) {', '.join(missing)}; "
                               "give the data/processed/documents.parquet `talentbench parse` wrote")
    text = pa.Check(lambda s: s.map(lambda v: isinstance(v, str) and v.strip() != ""),
                    name="a non-empty text")
    web = pa.Check(lambda s: s.map(lambda v: isinstance(v, str) and v.startswith(("http://", "https://"))),
                   name="an http(s) URL")
    # no dtype: pandas reads these as object or str, depending on its version
    problems = table_problems(table, {"doc_id": pa.Column(None, text), "city": pa.Column(None, text),
                                      "url": pa.Column(None, web)}, first_line=1)
    if problems:
        raise TalentbenchError(f"documents table {path}: row {problems[0].removeprefix('line ')}")
    return table


def read_documents(root: Path) -> pd.DataFrame:
    """The documents table of ``root`` (empty with the right columns if never written)."""
    return _read_existing(root / "data" / "processed")
