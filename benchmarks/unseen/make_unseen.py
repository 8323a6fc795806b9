"""Build the unseen-set documents (HTML pages, DOCX and PDF attachments) from their definitions.

The definitions are ``corpus_*.py`` (synthetic documents of fictional cities, every figure
invented); the hand-written labels are ``labels/<doc>.jsonl``. Usage::

    python benchmarks/unseen/make_unseen.py            # writes benchmarks/unseen/docs/

HTML pages follow the TRS / 政府信息公开 layout (an 索引号/发文字号 box above a ``TRS_Editor``
body); tables keep their merged cells as ``rowspan``/``colspan`` (HTML), merged cells (DOCX) and
spanned ruled cells (PDF, drawn by reportlab with a CJK TrueType font).
"""

from __future__ import annotations

import html
import importlib.util
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS_DIR = HERE / "docs"
FONT_PATHS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc")


def load_definitions(*batches: str) -> list[dict]:
    docs = []
    for batch in batches or ("corpus_a", "corpus_b"):
        path = HERE / f"{batch}.py"
        if not path.exists():
            continue
        spec = importlib.util.spec_from_file_location(batch, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        for doc in module.DOCS:
            docs.append({**doc, "batch": batch})
    return docs


def _table(block: tuple) -> tuple[str, list[list], int]:
    caption, rows = block[1], block[2]
    return caption, rows, (block[3] if len(block) > 3 else 1)


def _cell(cell) -> tuple[str, int, int]:
    return (cell, 1, 1) if isinstance(cell, str) else cell


# --- HTML ---------------------------------------------------------------------------------
def render_html(doc: dict) -> bytes:
    e = html.escape
    parts = [
        "<!DOCTYPE html>", '<html><head><meta charset="utf-8">',
        f'<meta name="ArticleTitle" content="{e(doc["title"])}">',
        f'<meta name="ContentSource" content="{e(doc["issuer"])}">',
        f"<title>{e(doc['title'])}_{e(doc['city'])}人民政府门户网站</title></head><body>",
        '<div class="header"><a href="/">首页</a> &gt; <a href="/zwgk/">政府信息公开</a> &gt; 政策文件</div>',
        '<table class="xxgk_table"><tbody>',
        f"<tr><td>索引号：</td><td>{e(doc.get('index', ''))}</td><td>发布机构：</td><td>{e(doc['issuer'])}</td></tr>",
        f"<tr><td>发文字号：</td><td>{e(doc['number'])}</td><td>成文日期：</td><td>{e(doc['date'])}</td></tr>",
        "</tbody></table>",
        f'<div class="article"><h1>{e(doc["title"])}</h1>',
        '<div class="TRS_Editor">',
    ]
    for block in doc["blocks"]:
        if block[0] == "h":
            parts.append(f'<p style="font-weight:bold">{e(block[2])}</p>' if block[1] > 2 else f"<h2>{e(block[2])}</h2>")
        elif block[0] == "p":
            parts.append(f"<p>{e(block[1])}</p>")
        else:
            caption, rows, n_header = _table(block)
            parts.append('<table border="1" cellspacing="0">')
            if caption:
                parts.append(f"<caption>{e(caption)}</caption>")
            for r, row in enumerate(rows):
                tag = "th" if r < n_header else "td"
                cells = []
                for cell in row:
                    if cell is None:
                        continue
                    text, rs, cs = _cell(cell)
                    span = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
                    cells.append(f"<{tag}{span}>{e(text)}</{tag}>")
                parts.append("<tr>" + "".join(cells) + "</tr>")
            parts.append("</table>")
    parts += [f"<p style=\"text-align:right\">{e(doc['issuer'])}</p>",
              f"<p style=\"text-align:right\">{e(doc['date'])}</p>", "</div></div>",
              '<div class="footer">主办：' + e(doc["city"]) + "人民政府办公室（合成测试文档）</div>",
              "</body></html>"]
    return "\n".join(parts).encode("utf-8")


# --- DOCX ---------------------------------------------------------------------------------
def render_docx(doc: dict) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = doc["title"]
    document.core_properties.author = doc["issuer"]
    document.add_paragraph(doc["number"])
    for block in doc["blocks"]:
        if block[0] == "h":
            document.add_heading(block[2], level=min(block[1], 3))
        elif block[0] == "p":
            document.add_paragraph(block[1])
        else:
            caption, rows, _ = _table(block)
            if caption:
                document.add_paragraph(caption)
            n_cols = len(rows[0])
            table = document.add_table(rows=len(rows), cols=n_cols)
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    if cell is None:
                        continue
                    text, rs, cs = _cell(cell)
                    target = table.cell(r, c)
                    if rs > 1 or cs > 1:
                        target = target.merge(table.cell(r + rs - 1, c + cs - 1))
                    target.text = text
    document.add_paragraph(doc["issuer"])
    document.add_paragraph(doc["date"])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- PDF ----------------------------------------------------------------------------------
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "CJK" not in pdfmetrics.getRegisteredFontNames():
        path = next((p for p in FONT_PATHS if Path(p).exists()), None)
        if path is None:
            sys.exit("no CJK TrueType font (install fonts-wqy-microhei)")
        pdfmetrics.registerFont(TTFont("CJK", path, subfontIndex=0))
    return "CJK"


def render_pdf(doc: dict) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=16, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=15, leading=22, alignment=1)
    story = [Paragraph(html.escape(doc["number"]), body), Spacer(1, 6)]
    for block in doc["blocks"]:
        if block[0] == "h":
            story.append(Paragraph(html.escape(block[2]), head if block[1] <= 2 else body))
        elif block[0] == "p":
            story.append(Paragraph(html.escape(block[1]), body))
        else:
            caption, rows, _ = _table(block)
            if caption:
                story.append(Paragraph(html.escape(caption), body))
            data, spans = [], []
            for r, row in enumerate(rows):
                line = []
                for c, cell in enumerate(row):
                    if cell is None:
                        line.append("")
                        continue
                    text, rs, cs = _cell(cell)
                    line.append(text)
                    if rs > 1 or cs > 1:
                        spans.append(("SPAN", (c, r), (c + cs - 1, r + rs - 1)))
                data.append(line)
            table = Table(data)
            table.setStyle(TableStyle([
                ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                *spans,
            ]))
            story += [Spacer(1, 4), table, Spacer(1, 6)]
        story.append(Spacer(1, 4))
    story += [Paragraph(html.escape(doc["issuer"]), body), Paragraph(html.escape(doc["date"]), body)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=doc["title"], author=doc["issuer"],
                      invariant=1).build(story)
    return buffer.getvalue()


def render(doc: dict) -> bytes:
    suffix = Path(doc["name"]).suffix
    return {".html": render_html, ".docx": render_docx, ".pdf": render_pdf}[suffix](doc)


def main() -> None:
    DOCS_DIR.mkdir(exist_ok=True)
    for doc in load_definitions(*sys.argv[1:]):
        (DOCS_DIR / doc["name"]).write_bytes(render(doc))
        print(doc["name"])


if __name__ == "__main__":
    main()
