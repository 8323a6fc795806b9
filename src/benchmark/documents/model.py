"""The document record every parser produces, and the one exception parsers raise.

A :class:`Document` is the unit between the raw store and the extractor: clean text plus the
metadata of an official document (title, issuing body, 发文字号, dates, 索引号). Parsers never
let an exception out: a body that cannot be read becomes a ``failed`` document with a reason,
and a format this machine cannot read becomes a ``skipped`` one.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

SourceType = Literal["html", "pdf", "docx", "doc", "wps", "xls", "xlsx", "xml", "txt", "unknown"]
Status = Literal["ok", "skipped", "failed"]



class ParseFailure(Exception):
    """A body that cannot become a document; ``reason`` is a short, stable category.

    ``status`` is ``failed`` for bad or hostile input and ``skipped`` when this machine lacks a
    tool (LibreOffice) or the format is not one we read.
    """

    def __init__(self, reason: str, detail: str = "", status: Status = "failed") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.status: Status = status


@dataclass
class Extracted:
    """What a format parser hands to the metadata step.

    ``fields`` holds labelled values found in structure (HTML ``<meta>`` tags, a PDF's info
    dictionary, a DOCX's core properties); ``page_text`` is all visible text of an HTML page
    (the 索引号/发文字号 box usually sits outside the article body), otherwise the same as ``text``.
    """

    text: str
    source_type: SourceType
    parser: str
    title_hint: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    page_text: str | None = None
    encoding: str | None = None
    #: a caveat on a successful parse (e.g. a repaired truncated PDF); becomes the reason
    note: str = ""


@dataclass(kw_only=True)
class Metadata:
    """The metadata of an official document; dates are ISO strings (see ``metadata.py``).

    The one list of metadata fields: :class:`Document` inherits them and the documents table
    shows them in this order (:data:`METADATA_FIELDS`).
    """

    title: str | None = None
    issuing_body: str | None = None
    doc_number: str | None = None
    issue_date: str | None = None
    publish_date: str | None = None
    effective_period: str | None = None
    index_number: str | None = None


#: Metadata columns, in the order the documents table shows them.
METADATA_FIELDS = tuple(f.name for f in fields(Metadata))


@dataclass
class Document(Metadata):
    """One parsed raw body. ``doc_id`` is the SHA-256 of the raw bytes, as in the raw store.

    The metadata fields come from :class:`Metadata` and are keyword-only, so the positional
    form ``Document(doc_id, url, source_type, status)`` stays as it was.
    """

    doc_id: str
    url: str
    source_type: SourceType
    status: Status
    #: why a document failed or was skipped ("category: detail"); a caveat when ok
    reason: str = ""
    text: str = ""
    city: str | None = None
    parser: str = ""
    encoding: str | None = None

    @property
    def tables(self) -> list[Any]:
        """The tables of the text (:class:`~benchmark.documents.tables.Table`), cells with offsets."""
        from benchmark.documents.tables import find_tables

        return find_tables(self.text)

    def to_record(self, *, with_text: bool = False) -> dict[str, Any]:
        """A flat dict for a table row; the text is left out unless asked for."""
        record = asdict(self)
        if not with_text:
            record.pop("text")
        return record


def body_id(body: bytes) -> str:
    """The document id of a raw body: its SHA-256, the same key the raw store uses."""
    return hashlib.sha256(body).hexdigest()
