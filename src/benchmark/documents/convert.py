"""One raw body in, one :class:`Document` out: detect the format, parse it, read the metadata.

:func:`parse_bytes` never raises. A body it cannot read becomes a ``failed`` document whose
``reason`` starts with a short category (``zip-bomb``, ``pdf-garbled-text``, ...) followed by
the detail; a format this machine cannot read becomes a ``skipped`` one.

It runs in the calling process and bounds memory by size caps, but not time: code in C
(pdfium, libxml2) cannot be interrupted from Python. To bound time, run it through
:class:`benchmark.documents.guard.GuardedParser`, which uses a worker process it can kill.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import asdict
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import defusedxml.ElementTree as safe_etree
from defusedxml import DefusedXmlException

from benchmark.documents.html import SiteTable, parse_html
from benchmark.documents.metadata import Labels, extract_metadata
from benchmark.documents.model import Document, Extracted, ParseFailure, SourceType, body_id
from benchmark.documents.office import parse_docx, parse_legacy_office, parse_xlsx
from benchmark.documents.pdf import parse_pdf
from benchmark.documents.tables import tables_to_tabs
from benchmark.encoding import decode_bytes

MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_MARKUP_BYTES = 16 * 1024 * 1024  # HTML, XML and plain text

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|table|p)\b", re.I | re.S)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MEDIA_TYPES: dict[str, SourceType] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/msword": "doc",
    "application/vnd.ms-works": "wps",
    "application/kswps": "wps",
    "application/wps-office.wps": "wps",
    "application/vnd.ms-excel": "xls",
    "text/plain": "txt",
    "text/xml": "xml",
    "application/xml": "xml",
    "application/rss+xml": "xml",
    "application/atom+xml": "xml",
}
_SUFFIXES: dict[str, SourceType] = {
    ".html": "html", ".htm": "html", ".shtml": "html", ".jhtml": "html", ".jsp": "html",
    ".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx", ".doc": "doc", ".wps": "wps",
    ".xls": "xls", ".et": "xls", ".txt": "txt", ".xml": "xml",
}  # fmt: skip


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _suffix(url: str) -> str:
    try:
        return PurePosixPath(urlsplit(url).path).suffix.lower()
    except ValueError:
        return ""


def _zip_kind(body: bytes) -> SourceType | None:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
    except Exception:  # any damage: let the declared type decide, the parser will report it
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def detect_type(body: bytes, content_type: str | None, url: str) -> SourceType:
    """The format of a body: its magic bytes first (servers mislabel files), then the
    ``Content-Type``, then the URL's suffix."""
    declared = _MEDIA_TYPES.get(_media_type(content_type)) or _SUFFIXES.get(_suffix(url))
    head = body[:2048]
    if b"%PDF-" in body[:1024]:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(body) or (declared if declared in {"docx", "xlsx"} else "unknown")
    if head.startswith(_OLE_MAGIC):
        return declared if declared in {"doc", "wps", "xls"} else "doc"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    head = head.removeprefix(b"\xef\xbb\xbf")
    if _HTML_START.match(head):
        return "html"
    stripped = head.lstrip()
    if stripped.startswith(b"<?xml"):
        return "html" if re.search(rb"<html\b", head, re.I) else "xml"
    if declared:
        # A body without the magic of its declared binary format goes to that format's
        # parser anyway, which reports it as damaged rather than as an unknown type.
        return declared
    if _media_type(content_type) in {"", "application/octet-stream"} and b"\x00" not in head:
        return "txt" if head.strip() else "unknown"
    return "unknown"


def _parse_text(body: bytes, content_type: str | None) -> Extracted:
    decoded = decode_bytes(body, content_type)
    text = _CONTROL.sub("", decoded.text).replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ParseFailure("txt-no-text", "the file is empty")
    return Extracted(text=text, source_type="txt", parser="text", encoding=decoded.encoding)


def _parse_xml(body: bytes) -> Extracted:
    """All character data of a non-HTML XML file (an RSS feed, an exported record).

    defusedxml refuses entity declarations, external entities and DTD tricks outright.
    """
    try:
        root = safe_etree.fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ParseFailure("xml-dtd-forbidden", f"{type(exc).__name__}: entity declarations refused") from None
    except safe_etree.ParseError as exc:
        raise ParseFailure("xml-unparseable", str(exc)[:200]) from None
    except (LookupError, ValueError) as exc:  # e.g. encoding="utn-8" in the XML declaration
        raise ParseFailure("xml-unparseable", f"{type(exc).__name__}: {exc}"[:200]) from None
    lines = [" ".join(chunk.split()) for chunk in root.itertext()]
    text = "\n".join(line for line in lines if line)
    if not text:
        raise ParseFailure("xml-no-text", "no character data")
    return Extracted(text=text, source_type="xml", parser="defusedxml")


def extract(
    body: bytes,
    content_type: str | None,
    url: str,
    *,
    site_table: SiteTable | None = None,
    soffice: str | None = None,
    time_budget: float | None = None,
) -> Extracted:
    """The text of a body by its format. Raises :class:`ParseFailure`.

    ``time_budget`` bounds the external programs (pdftotext, LibreOffice) in seconds.
    """
    if len(body) > MAX_BODY_BYTES:
        raise ParseFailure("too-large", f"{len(body):,} bytes (limit {MAX_BODY_BYTES:,})")
    if not body.strip():
        raise ParseFailure("empty-body")
    kind = detect_type(body, content_type, url)
    if kind in {"html", "xml", "txt"} and len(body) > MAX_MARKUP_BYTES:
        raise ParseFailure("too-large", f"{kind} of {len(body):,} bytes (limit {MAX_MARKUP_BYTES:,})")
    if kind == "html":
        return parse_html(body, content_type, url, site_table=site_table)
    if kind == "pdf":
        return parse_pdf(body, time_budget=time_budget)
    if kind == "docx":
        return parse_docx(body)
    if kind == "xlsx":
        return parse_xlsx(body)
    if kind in {"doc", "wps", "xls"}:
        return parse_legacy_office(body, kind, soffice=soffice, time_budget=time_budget)
    if kind == "xml":
        return _parse_xml(body)
    if kind == "txt":
        return _parse_text(body, content_type)
    media = _media_type(content_type) or "no content type"
    raise ParseFailure("unsupported-type", f"{media}, {_suffix(url) or 'no suffix'}", status="skipped")


def _clean_text(text: str) -> str:
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def parse_bytes(
    body: bytes,
    content_type: str | None,
    url: str,
    *,
    city: str | None = None,
    site_table: SiteTable | None = None,
    labels: Labels | None = None,
    soffice: str | None = None,
    link_text: str | None = None,
    time_budget: float | None = None,
) -> Document:
    """Parse one raw body into a :class:`Document`. Never raises (see the module docstring).

    ``link_text`` is the text of the link the crawler followed to this body; for an attachment
    (a PDF or DOCX linked from an article) it is often the document's title. ``time_budget``
    bounds the external programs (see :func:`extract`).
    """
    doc_id = body_id(body)
    kind: SourceType = "unknown"
    try:
        kind = detect_type(body, content_type, url)
        extracted = extract(
            body, content_type, url, site_table=site_table, soffice=soffice, time_budget=time_budget
        )
        text = _clean_text(extracted.text)
        if not text:
            raise ParseFailure(f"{extracted.source_type}-no-text")
        meta = extract_metadata(
            tables_to_tabs(text),  # labels read "发文字号：\t…" in a table row
            page_text=extracted.page_text,
            hints=extracted.fields,
            title_hint=extracted.title_hint or _link_title(link_text),
            labels=labels,
            loose_title=extracted.source_type in {"pdf", "docx", "doc", "wps", "txt"},
        )
    except ParseFailure as failure:
        reason = f"{failure.reason}: {failure.detail}" if failure.detail else failure.reason
        return Document(doc_id, url, kind, failure.status, reason=reason, city=city)
    except MemoryError:
        return Document(doc_id, url, kind, "failed", reason="out-of-memory", city=city)
    except RecursionError:
        return Document(doc_id, url, kind, "failed", reason="too-deeply-nested", city=city)
    except Exception as exc:  # a parser bug must cost one document, not the run; the
        # category "parser-error" keeps such cases visible in the summary and the fuzz report
        detail = f"{type(exc).__name__}: {exc}"[:300]
        return Document(doc_id, url, kind, "failed", reason=f"parser-error: {detail}", city=city)
    return Document(
        doc_id=doc_id,
        url=url,
        source_type=extracted.source_type,
        status="ok",
        reason=extracted.note,
        text=text,
        city=city,
        parser=extracted.parser,
        encoding=extracted.encoding,
        **asdict(meta),
    )


_ATTACHMENT_LABEL = re.compile(r"^\s*(?:附件\s*\d*\s*[:：.、]?\s*)")
_FILE_SUFFIX = re.compile(r"\.(?:pdf|docx?|wps|xlsx?|et|txt)\s*$", re.I)


def _link_title(link_text: str | None) -> str | None:
    """"附件1：XX办法.pdf" → "XX办法"; ``None`` for "下载", "点击查看" and the like."""
    if not link_text:
        return None
    title = _FILE_SUFFIX.sub("", _ATTACHMENT_LABEL.sub("", " ".join(link_text.split())))
    return title if len(title) >= 6 else None


def reason_category(reason: str) -> str:
    """The stable category of a failure reason: the part before the first colon."""
    return reason.split(":", 1)[0].strip() if reason else ""
