"""Text of a PDF: pypdfium2 first, poppler's ``pdftotext`` when that fails or reads garbage.

PDFs on government portals are often produced by old office suites with fonts that lack a
Unicode map; a reader then yields ``(cid:1234)`` tokens, U+FFFD or private-use characters
instead of Chinese. Such text is measured (:func:`garbage_ratio`) and, above a threshold, the
other reader is tried; if both fail the document is recorded as failed with the reason
(``pdf-garbled-text``: likely needs OCR; ``pdf-no-text``: a scan without a text layer).

Truncated or damaged files are common too (an interrupted download): pdfium rebuilds what it
can, and ``pdftotext`` reconstructs the cross-reference table on its own when pdfium gives up.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import time

import pypdfium2 as pdfium

from benchmark.documents.model import Extracted, ParseFailure
from benchmark.documents.tables import Table as DocTable
from benchmark.documents.tables import build_grid_at, header_row_count

MAX_PAGES = 500
GARBAGE_THRESHOLD = 0.05
PDFTOTEXT_TIMEOUT = 30.0

_CID = re.compile(r"\(cid:\d+\)")
_BAD_CHAR = re.compile(r"[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0e-\x1f]")


def garbage_ratio(text: str) -> float:
    """Share of a text's non-space characters that are unreadable glyphs.

    A ``(cid:N)`` token counts as one unreadable character, like U+FFFD, a private-use
    character or a control character.
    """
    cids = len(_CID.findall(text))
    rest = _CID.sub("", text)
    bad = cids + len(_BAD_CHAR.findall(rest))
    # Some control characters count as whitespace (\x1c-\x1f): they are still counted.
    total = cids + sum(1 for ch in rest if not ch.isspace() or _BAD_CHAR.match(ch))
    return bad / total if total else 0.0


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def _pdfium_text(body: bytes) -> tuple[str, dict[str, str]]:
    """Text and info-dictionary values via pdfium. Raises ``PdfiumError`` on unreadable files."""
    document = pdfium.PdfDocument(body)
    try:
        info: dict[str, str] = {}
        try:
            meta = document.get_metadata_dict(skip_empty=True)
        except Exception:  # a broken info dictionary is not a reason to lose the text
            meta = {}
        if meta.get("Title"):
            info["title"] = str(meta["Title"])[:300]
        pages = []
        for index in range(min(len(document), MAX_PAGES)):
            page = document[index]
            try:
                textpage = page.get_textpage()
                try:
                    pages.append(textpage.get_text_bounded())
                finally:
                    textpage.close()
            finally:
                page.close()
        return _clean("\n\n".join(pages)), info
    finally:
        document.close()


def _pdftotext(body: bytes, deadline: float | None = None) -> str:
    """Text via poppler's pdftotext, fed on stdin. Raises :class:`ParseFailure` when it cannot run.

    It gets :data:`PDFTOTEXT_TIMEOUT` seconds, or less if ``deadline`` (a ``time.monotonic``
    value) comes sooner: some damaged files send poppler into a loop.
    """
    exe = shutil.which("pdftotext")
    if exe is None:
        raise ParseFailure("pdf-unreadable", "pdftotext (poppler-utils) is not installed")
    timeout = PDFTOTEXT_TIMEOUT
    if deadline is not None:
        timeout = min(timeout, deadline - time.monotonic())
    if timeout < 0.05:
        raise ParseFailure("pdf-timeout", "no time left for pdftotext")
    try:
        done = subprocess.run(
            [exe, "-q", "-enc", "UTF-8", "-l", str(MAX_PAGES), "-", "-"],
            input=body,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ParseFailure("pdf-timeout", f"pdftotext ran over {timeout:.1f} s") from None
    text = done.stdout.decode("utf-8", errors="replace").replace("\f", "\n\n")
    if done.returncode != 0 and not text.strip():
        raise ParseFailure("pdf-unreadable", f"pdftotext exit {done.returncode}")
    return _clean(text)


_CATALOG = re.compile(rb"(\d{1,10})\s+(\d{1,5})\s+obj\s*<<(?:(?!endobj).){0,400}?/Type\s*/Catalog", re.S)
_UNTITLED = re.compile(r"^(?:untitled|无标题|document\d*|microsoft word - .*|.*\.(?:docx?|wps|pdf))$", re.I)


def rebuild_trailer(body: bytes) -> bytes | None:
    """A truncated PDF with a trailer appended that points at its catalog, or ``None``.

    A download cut short loses the cross-reference table and trailer at the end; both readers
    rebuild the table by scanning for objects, but need a trailer to find the root. The pages
    that arrived complete can then be read.
    """
    tail = body[-2048:]
    if b"%%EOF" in tail and b"trailer" in tail:
        return None
    found = _CATALOG.findall(body[-8 * 1024 * 1024 :])
    if not found:
        return None
    number, generation = found[-1]
    return body + b"\nendstream\nendobj\ntrailer\n<< /Root " + number + b" " + generation + b" R >>\n%%EOF\n"


def _read(body: bytes, deadline: float | None) -> tuple[list[tuple[str, str]], dict[str, str], list[str]]:
    """Text from pdfium and, when pdfium fails or reads garbage, from pdftotext."""
    attempts: list[str] = []
    info: dict[str, str] = {}
    candidates: list[tuple[str, str]] = []
    try:
        text, info = _pdfium_text(body)
        candidates.append(("pypdfium2", text))
    except pdfium.PdfiumError as exc:
        attempts.append(f"pypdfium2: {exc}")
    if not candidates or not candidates[0][1].strip() or garbage_ratio(candidates[0][1]) > GARBAGE_THRESHOLD:
        try:
            candidates.append(("pdftotext", _pdftotext(body, deadline)))
        except ParseFailure as exc:
            attempts.append(str(exc))
    return candidates, info, attempts


MAX_TABLE_PAGES = 60  # pages searched for ruled tables (pdfplumber is slow on long files)


def _inside(obj: dict, box: tuple[float, float, float, float]) -> bool:
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _plumber_table(page: object, found: object) -> DocTable | None:
    """A ruled table found by pdfplumber as a grid: each cell's spans from its bounding box."""
    boxes = [cell for cell in found.cells if cell]  # type: ignore[attr-defined]
    if not boxes:
        return None
    xs = sorted({round(v, 1) for b in boxes for v in (b[0], b[2])})
    ys = sorted({round(v, 1) for b in boxes for v in (b[1], b[3])})
    placed: list[tuple[int, int, str, int, int]] = []
    for box in boxes:
        x0, top, x1, bottom = (round(v, 1) for v in box)
        col, row = xs.index(x0), ys.index(top)
        colspan, rowspan = max(1, xs.index(x1) - col), max(1, ys.index(bottom) - row)
        text = page.crop(box).extract_text() or ""  # type: ignore[attr-defined]
        placed.append((row, col, text, rowspan, colspan))
    grid = build_grid_at(placed)
    if len(grid) < 2 or max(len(r) for r in grid) < 2:
        return None
    return DocTable(grid, n_header_rows=header_row_count(grid))


def _plumber_text(body: bytes, deadline: float | None = None) -> str | None:
    """Page text with ruled tables as Markdown pipe tables, or ``None`` when no page has one
    (or the ``deadline``, a ``time.monotonic`` value, passes: the plain text is kept then).

    Lines outside the tables keep their reading order (by their top edge); a table takes the
    place of the lines it covers.
    """
    import pdfplumber

    pages, any_table = [], False
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        if len(pdf.pages) > MAX_TABLE_PAGES:
            return None
        for page in pdf.pages:
            if deadline is not None and time.monotonic() > deadline:
                return None  # the tables are a refinement: never lose the text to them
            found = page.find_tables()
            tables = [(t.bbox, _plumber_table(page, t)) for t in found]
            tables = [(box, table) for box, table in tables if table is not None]
            if not tables:
                pages.append(page.extract_text() or "")
                continue
            any_table = True
            boxes = [box for box, _ in tables]
            rest = page.filter(lambda obj, boxes=boxes: not ("x0" in obj and any(_inside(obj, b) for b in boxes)))
            items = [(line["top"], line["text"]) for line in rest.extract_text_lines()]
            items += [(box[1], "\n".join(table.to_markdown())) for box, table in tables]
            pages.append("\n".join(text for _, text in sorted(items, key=lambda item: item[0])))
    return _clean("\n\n".join(pages)) if any_table else None


def _readable(candidates: list[tuple[str, str]]) -> tuple[str, str] | None:
    good = [(n, t) for n, t in candidates if t.strip() and garbage_ratio(t) <= GARBAGE_THRESHOLD]
    return max(good, key=lambda item: len(item[1])) if good else None


def parse_pdf(body: bytes, *, time_budget: float | None = None) -> Extracted:
    """Text of a PDF, with its Title as a hint. Raises :class:`ParseFailure`.

    ``time_budget`` (seconds) bounds the external reader, so a file poppler loops on becomes a
    ``pdf-timeout`` failure of this parser rather than a timeout of the whole worker.
    """
    if b"%PDF-" not in body[:1024]:
        raise ParseFailure("pdf-unreadable", "no %PDF- header")
    deadline = time.monotonic() + time_budget if time_budget else None
    candidates, info, attempts = _read(body, deadline)
    best, note = _readable(candidates), ""
    if best is None:
        repaired = rebuild_trailer(body)
        if repaired is not None:
            fixed, fixed_info, _ = _read(repaired, deadline)
            best = _readable(fixed)
            if best is not None:
                info = fixed_info or info
                best = (best[0] + "+trailer-rebuilt", best[1])
                note = "recovered: truncated PDF, trailer rebuilt; text may be incomplete"
    if best is not None and not note:
        try:
            tabled = _plumber_text(body, deadline)
        except Exception:  # pdfminer raises many types on odd files: keep the plain text
            tabled = None
        if tabled and garbage_ratio(tabled) <= GARBAGE_THRESHOLD:
            best = (best[0] + "+pdfplumber-tables", tabled)
    if best is not None:
        title = info.get("title", "").strip()
        hints = {"title": title} if title and not _UNTITLED.match(title) else {}
        return Extracted(text=best[1], source_type="pdf", parser=best[0], fields=hints, note=note)
    if any(text.strip() for _, text in candidates):
        worst = min(garbage_ratio(text) for _, text in candidates if text.strip())
        raise ParseFailure(
            "pdf-garbled-text",
            f"{worst:.0%} of characters unreadable (fonts without a Unicode map; needs OCR)",
        )
    if candidates:
        raise ParseFailure("pdf-no-text", "no text layer (a scan? needs OCR)")
    category = "pdf-timeout" if any("pdf-timeout" in attempt for attempt in attempts) else "pdf-unreadable"
    raise ParseFailure(category, "; ".join(attempts)[:300])
