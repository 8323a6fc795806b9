"""The PDF comparison report (in Chinese), written with reportlab and the detected CJK font embedded.

The content is a list of sections of blocks (paragraphs, tables, figures) assembled by
``benchmark.report.assemble``; this module only lays them out: numbered headings, tables that
repeat their header row across pages, figures scaled to the page, page numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from benchmark.errors import TalentbenchError
from benchmark.fonts import CJKFont
from benchmark.store import atomic_output

FONT_NAME = "TalentbenchCJK"
PAGE_WIDTH = A4[0] - 36 * mm  # the text width: margins of 18 mm


@dataclass
class Text:
    text: str
    style: str = "body"  # body | small | caption | h2


@dataclass
class TableBlock:
    table: pd.DataFrame
    widths: list[float] | None = None  # column widths in points (None: reportlab decides)
    caption: str | None = None


@dataclass
class Figure:
    path: Path
    caption: str
    max_height: float = 200 * mm


@dataclass
class Section:
    title: str
    blocks: list = field(default_factory=list)
    new_page: bool = False


@dataclass
class ReportContent:
    """Everything the report shows; built by ``report.assemble``, rendered here."""

    title: str
    subtitle: str
    cover: list[str] = field(default_factory=list)  # lines under the title (date, data snapshot)
    notes: list[str] = field(default_factory=list)  # reading notes on the cover page
    sections: list[Section] = field(default_factory=list)


def _register(font: CJKFont) -> None:
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return
    try:
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(font.path), subfontIndex=font.subfont_index))
    except Exception as exc:  # noqa: BLE001 - reportlab raises plain Exceptions for bad fonts
        raise TalentbenchError(f"cannot embed font {font.path.name} in the PDF: {exc}") from None


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT_NAME, fontSize=10, leading=15, wordWrap="CJK")
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=10),
        "title": ParagraphStyle("title", parent=base, fontSize=24, leading=34, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=13, leading=20, alignment=TA_CENTER),
        "h1": ParagraphStyle("h1", parent=base, fontSize=16, leading=24, spaceBefore=8, spaceAfter=6,
                             keepWithNext=1),
        "caption": ParagraphStyle("caption", parent=base, fontSize=9, alignment=TA_CENTER, textColor=colors.grey),
    }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(df: pd.DataFrame, style: ParagraphStyle, col_widths: list[float] | None = None) -> Table:
    def cell(value) -> Paragraph:
        text = "—" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
        return Paragraph(_escape(text), style)

    rows = [[cell(c) for c in df.columns]] + [[cell(v) for v in row] for row in df.itertuples(index=False)]
    table = Table(rows, colWidths=col_widths, repeatRows=1)  # the header repeats on every page
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),  # else reportlab adds an unembedded Helvetica
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde6f0")),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#9aa8b5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f5f7fa")]),
    ]))
    return table


def _image(path: Path, max_width: float, max_height: float) -> Image:
    image = Image(str(path))
    scale = min(max_width / image.imageWidth, max_height / image.imageHeight)
    image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
    return image


def _footer(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(FONT_NAME, 8)
    canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"talentbench · 第 {doc.page} 页")
    canvas.restoreState()


def _flowables(block, s: dict[str, ParagraphStyle]) -> list:
    if isinstance(block, Text):
        return [Paragraph(_escape(block.text), s[block.style])]
    if isinstance(block, TableBlock):
        out = [Paragraph(_escape(block.caption), s["small"]), Spacer(1, 1.5 * mm)] if block.caption else []
        return [*out, _table(block.table, s["cell"], block.widths), Spacer(1, 3 * mm)]
    if isinstance(block, Figure):
        return [KeepTogether([_image(block.path, PAGE_WIDTH, block.max_height),
                              Paragraph(_escape(block.caption), s["caption"])]), Spacer(1, 5 * mm)]
    raise TypeError(f"unknown report block {block!r}")


def write_report(content: ReportContent, path: Path, font: CJKFont) -> Path:
    """Render ``content`` to ``path`` (written to a temporary file, then renamed)."""
    _register(font)
    s = _styles()
    numerals = iter("一二三四五六七八九十")
    story: list = [
        Spacer(1, 55 * mm),
        Paragraph(_escape(content.title), s["title"]),
        Spacer(1, 8 * mm),
        Paragraph(_escape(content.subtitle), s["subtitle"]),
        Spacer(1, 6 * mm),
        *[Paragraph(_escape(line), s["subtitle"]) for line in content.cover],
        Spacer(1, 25 * mm),
        *[Paragraph(_escape(note), s["body"]) for note in content.notes],
    ]
    for section in content.sections:
        story.append(PageBreak() if section.new_page or section is content.sections[0] else Spacer(1, 4 * mm))
        story.append(Paragraph(_escape(f"{next(numerals)}、{section.title}"), s["h1"]))
        for block in section.blocks:
            story += _flowables(block, s)

    with atomic_output(path) as tmp:
        doc = SimpleDocTemplate(str(tmp), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                                topMargin=16 * mm, bottomMargin=16 * mm, title=content.title,
                                author="talentbench", initialFontName=FONT_NAME)
        doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return path
