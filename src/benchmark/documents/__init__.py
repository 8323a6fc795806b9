"""Documents stage: raw bodies → clean text plus the metadata of an official document.

Public API:

* :func:`parse_bytes` — one body (HTML, PDF, DOCX, XLSX, XML, text; DOC/WPS/XLS through
  LibreOffice) to a :class:`Document`; never raises.
* :class:`GuardedParser` — the same in a killable worker process with a time limit per body.
* :class:`DocumentStage` — the ``talentbench parse`` stage over the raw store.
* :func:`extract_metadata`, :func:`normalize_doc_number`, :func:`decode_bytes` — the pieces.
"""

from benchmark.documents.convert import detect_type, parse_bytes, reason_category
from benchmark.documents.guard import GuardedParser
from benchmark.documents.metadata import extract_metadata, normalize_doc_number, parse_date
from benchmark.documents.model import Document
from benchmark.encoding import decode_bytes

_STAGE_NAMES = {"DocumentStage", "ParseSummary", "read_documents"}


def __getattr__(name: str) -> object:
    # The stage needs pandas; the parser worker process does not, and starts faster without.
    if name in _STAGE_NAMES:
        from benchmark.documents import parse

        return getattr(parse, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Document",
    "DocumentStage",
    "GuardedParser",
    "ParseSummary",
    "decode_bytes",
    "detect_type",
    "extract_metadata",
    "normalize_doc_number",
    "parse_bytes",
    "parse_date",
    "read_documents",
    "reason_category",
]
