"""Office files: DOCX and XLSX read directly, DOC/WPS/XLS through LibreOffice when installed.

A DOCX or XLSX is a zip of XML parts, and both halves can be weaponised:

* a **zip bomb** (a small file that inflates to gigabytes, or many entries sharing one
  compressed stream) is refused by :func:`check_zip` from the central directory alone, before
  anything is inflated: entry count, total declared size and per-entry compression ratio are
  capped (``zipfile`` never inflates an entry past its declared size, so the caps hold);
* **XML entity expansion** ("billion laughs") needs a DTD; Office XML never has one, so a part
  that declares a DOCTYPE or an ENTITY is refused before any XML parser sees it.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from benchmark.documents.model import Extracted, ParseFailure
from benchmark.documents.tables import Cell, header_row_count
from benchmark.documents.tables import Table as DocTable
from benchmark.encoding import HAN_RE

MAX_ENTRIES = 5_000
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 150  # deflate tops out near 1032:1; real Office parts stay well under 100:1
RATIO_FLOOR = 1024 * 1024  # small entries may compress as well as they like
MAX_CELLS = 200_000
LIBREOFFICE_TIMEOUT = 120.0

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DTD_MARKERS = (b"<!doctype", b"<!entity")


def check_zip(body: bytes) -> zipfile.ZipFile:
    """Open a zip after checking it cannot exhaust memory or smuggle in a DTD.

    Raises :class:`ParseFailure` (``zip-corrupt``, ``zip-bomb``, ``zip-encrypted``,
    ``xml-dtd-forbidden``).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise ParseFailure("zip-corrupt", str(exc)[:200]) from None
    except NotImplementedError as exc:  # "zip file version 8.4": a feature zipfile lacks
        raise ParseFailure("zip-unsupported", str(exc)[:200]) from None
    if len(entries) > MAX_ENTRIES:
        raise ParseFailure("zip-bomb", f"{len(entries)} entries (limit {MAX_ENTRIES})")
    total = sum(entry.file_size for entry in entries)
    if total > MAX_UNCOMPRESSED:
        raise ParseFailure("zip-bomb", f"inflates to {total:,} bytes (limit {MAX_UNCOMPRESSED:,})")
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise ParseFailure("zip-encrypted", f"{entry.filename} is encrypted")
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise ParseFailure("zip-bomb", f"{entry.filename} compresses {ratio:.0f}:1")
    for entry in entries:
        if entry.filename.lower().endswith(_XML_SUFFIXES):
            _refuse_dtd(archive, entry)
    return archive


def _refuse_dtd(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    try:
        data = archive.read(entry)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise ParseFailure("zip-corrupt", f"{entry.filename}: {exc}"[:200]) from None
    except Exception as exc:  # zlib.error and friends: a damaged stream, not our bug
        raise ParseFailure("zip-corrupt", f"{entry.filename}: {type(exc).__name__}: {exc}"[:200]) from None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        data = data.decode("utf-16", errors="ignore").encode("utf-8")
    head = data.lower()
    if any(marker in head for marker in _DTD_MARKERS):
        raise ParseFailure(
            "xml-dtd-forbidden", f"{entry.filename} declares a DTD (entity-expansion attack?)"
        )


def _docx_blocks(document: object) -> Iterator[str]:
    """Paragraphs and tables of a DOCX body in document order.

    A table becomes a Markdown pipe table (:func:`docx_table`): merged cells fill every
    position they cover; a table nested in a cell follows its outer table as a table of its own.
    """
    from docx.table import Table

    for block in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(block, Table):
            yield from _table_lines(block)
        else:
            yield block.text


def docx_table(table: object) -> tuple[DocTable, list[object]]:
    """A python-docx table as a :class:`~benchmark.documents.tables.Table`, and its nested tables.

    python-docx repeats a merged cell (``gridSpan`` across, ``vMerge`` down) at every position
    it covers; a repeat of the cell to the left or above is marked ``merged``, and the spans
    of the first position are counted from the repeats.
    """
    grid: list[list[Cell]] = []
    elements: list[list[object]] = []  # the <w:tc> of each position (identity, not id(): proxies)
    nested: list[object] = []
    seen_nested: set[int] = set()
    for r, row in enumerate(table.rows):  # type: ignore[attr-defined]
        line: list[Cell] = []
        tcs: list[object] = []
        for c, cell in enumerate(row.cells):
            tc = cell._tc
            tcs.append(tc)
            if c and tcs[c - 1] is tc:
                line.append(Cell(line[c - 1].text, r, c, merged=True))
                continue
            if r and c < len(elements[r - 1]) and elements[r - 1][c] is tc:
                line.append(Cell(grid[r - 1][c].text, r, c, merged=True))
                continue
            text = " ".join(" ".join(p.text.split()) for p in cell.paragraphs if p.text.strip())
            for inner in cell.tables:
                if id(inner._tbl) not in seen_nested:
                    seen_nested.add(id(inner._tbl))
                    nested.append(inner)
            line.append(Cell(text, r, c))
        grid.append(line)
        elements.append(tcs)
    # a merged cell is one <w:tc> met at several grid positions; lxml elements hash by identity
    # (``elements`` keeps them alive), so its first position is one lookup away
    origins: dict[object, Cell] = {}
    for row, tcs in zip(grid, elements, strict=True):
        for cell, tc in zip(row, tcs, strict=True):
            first = origins.get(tc)
            if first is None:
                origins[tc] = cell
            else:
                first.rowspan = max(first.rowspan, cell.row - first.row + 1)
                first.colspan = max(first.colspan, cell.col - first.col + 1)
    width = max((len(row) for row in grid), default=0)
    for r, row in enumerate(grid):
        row.extend(Cell("", r, c) for c in range(len(row), width))
    return DocTable(grid, n_header_rows=header_row_count(grid)), nested


def _table_lines(table: object) -> Iterator[str]:
    converted, nested = docx_table(table)
    if converted.rows:
        yield from converted.to_markdown()
    for inner in nested:
        yield from _table_lines(inner)


def parse_docx(body: bytes) -> Extracted:
    """Text of a DOCX (paragraphs and tables in order) and its core properties as hints."""
    archive = check_zip(body)
    names = set(archive.namelist())
    archive.close()
    if "word/document.xml" not in names:
        raise ParseFailure("docx-corrupt", "no word/document.xml part")
    import docx

    try:
        document = docx.Document(io.BytesIO(body))
        lines = [line.rstrip() for line in _docx_blocks(document)]
        props = document.core_properties
        hints = {}
        if props.title:
            hints["title"] = props.title[:300]
        if props.author and HAN_RE.search(props.author):
            hints["issuing_body"] = props.author[:100]
    except ParseFailure:
        raise
    except Exception as exc:  # python-docx raises many types on a damaged package
        raise ParseFailure("docx-corrupt", f"{type(exc).__name__}: {exc}"[:200]) from None
    text = "\n".join(line for line in lines if line.strip())
    if not text.strip():
        raise ParseFailure("docx-no-text", "the document body is empty")
    return Extracted(text=text, source_type="docx", parser="python-docx", fields=hints)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def parse_xlsx(body: bytes) -> Extracted:
    """Text of a workbook: each sheet as a heading line and its non-empty rows, cells tab-joined."""
    archive = check_zip(body)
    names = set(archive.namelist())
    archive.close()
    if "xl/workbook.xml" not in names:
        raise ParseFailure("xlsx-corrupt", "no xl/workbook.xml part")
    import openpyxl

    lines: list[str] = []
    cells = 0
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
        try:
            for sheet in workbook.worksheets:
                lines.append(f"## {sheet.title}")
                for row in sheet.iter_rows(values_only=True):
                    cells += len(row)
                    if cells > MAX_CELLS:
                        raise ParseFailure("xlsx-too-large", f"over {MAX_CELLS:,} cells")
                    values = [_cell(value) for value in row]
                    while values and not values[-1]:
                        values.pop()
                    if any(values):
                        lines.append("\t".join(values))
        finally:
            workbook.close()
    except ParseFailure:
        raise
    except Exception as exc:  # openpyxl raises many types on a damaged package
        raise ParseFailure("xlsx-corrupt", f"{type(exc).__name__}: {exc}"[:200]) from None
    text = "\n".join(lines)
    if not any(not line.startswith("## ") for line in lines):
        raise ParseFailure("xlsx-no-text", "every sheet is empty")
    return Extracted(text=text, source_type="xlsx", parser="openpyxl")


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_with_libreoffice(
    body: bytes, suffix: str, *, soffice: str | None = None, timeout: float = LIBREOFFICE_TIMEOUT
) -> str:
    """Plain text of a legacy office file (DOC, WPS, XLS, ET) via ``soffice --convert-to``.

    Without LibreOffice this raises a *skipped* :class:`ParseFailure` ``needs-libreoffice``, so
    the document is recorded and can be parsed later on a machine that has it.
    """
    exe = soffice or find_soffice()
    if exe is None:
        raise ParseFailure(
            "needs-libreoffice",
            f"{suffix.upper()} needs LibreOffice (soffice not found on PATH)",
            status="skipped",
        )
    with tempfile.TemporaryDirectory(prefix="talentbench-lo-") as tmp:
        folder = Path(tmp)
        source = folder / f"input.{suffix}"
        source.write_bytes(body)
        target = "txt:Text (encoded):UTF8" if suffix in {"doc", "wps", "docx"} else "csv:Text - txt - csv (StarCalc):9,34,76"
        command = [
            exe, "--headless", "--norestore", "--nolockcheck", "--nodefault",
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--convert-to", target, "--outdir", str(folder / "out"), str(source),
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ParseFailure("libreoffice-timeout", f"over {timeout:.1f} s") from None
        except OSError as exc:
            raise ParseFailure("libreoffice-failed", str(exc)[:200]) from None
        outputs = sorted((folder / "out").glob("input.*"))
        if not outputs:
            detail = done.stderr.decode("utf-8", "replace").strip()[:200] or f"exit {done.returncode}"
            raise ParseFailure("libreoffice-failed", detail)
        raw = outputs[0].read_bytes()
    text = raw.decode("utf-8-sig", errors="replace").replace("\r\n", "\n").strip()
    if not text:
        raise ParseFailure(f"{suffix}-no-text", "LibreOffice produced no text")
    return text


def parse_legacy_office(
    body: bytes, source_type: str, *, soffice: str | None = None, time_budget: float | None = None
) -> Extracted:
    """DOC / WPS / XLS through LibreOffice (see :func:`convert_with_libreoffice`)."""
    timeout = min(LIBREOFFICE_TIMEOUT, time_budget) if time_budget else LIBREOFFICE_TIMEOUT
    text = convert_with_libreoffice(body, source_type, soffice=soffice, timeout=timeout)
    return Extracted(text=text, source_type=source_type, parser="libreoffice")  # type: ignore[arg-type]
