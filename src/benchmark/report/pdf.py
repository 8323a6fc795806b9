"""The PDF comparison report (in Chinese), written with reportlab and the detected CJK font embedded."""

from __future__ import annotations

import datetime as dt
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


@dataclass
class ReportContent:
    """Everything the report shows; built by the pipeline, rendered here."""

    title: str
    subtitle: str
    ranking: pd.DataFrame  # display-ready columns, one row per ranked city
    figures: list[tuple[str, Path]]  # (caption, png)
    focus: pd.DataFrame | None = None  # the focus city against its peers, profile x benefit
    focus_city: str | None = None
    focus_peers: list[str] = field(default_factory=list)
    focus_items: pd.DataFrame | None = None  # the focus city's counted line items with sources
    focus_other: pd.DataFrame | None = None  # the focus city on the other indicators
    focus_gaps: pd.DataFrame | None = None  # talent groups peers cover and the focus city does not
    validity: pd.DataFrame | None = None  # validity checks, one reading per row
    peers: pd.DataFrame | None = None
    clusters: pd.DataFrame | None = None  # one row per cluster: its cities and pillar means
    coverage: pd.DataFrame | None = None
    excluded: list[str] = field(default_factory=list)
    method: list[str] = field(default_factory=list)
    sources: pd.DataFrame | None = None  # city, source_url, n_provisions
    sensitivity: pd.DataFrame | None = None  # Sobol indices of each uncertain method choice
    notes: list[str] = field(default_factory=list)


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
        "title": ParagraphStyle("title", parent=base, fontSize=26, leading=36, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=13, leading=20, alignment=TA_CENTER),
        "h1": ParagraphStyle("h1", parent=base, fontSize=16, leading=24, spaceBefore=8, spaceAfter=6,
                             keepWithNext=1),
        "caption": ParagraphStyle("caption", parent=base, fontSize=9, alignment=TA_CENTER, textColor=colors.grey),
    }


def _table(df: pd.DataFrame, style: ParagraphStyle, col_widths: list[float] | None = None) -> Table:
    def cell(value) -> Paragraph:
        text = "—" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
        return Paragraph(text.replace("&", "&amp;").replace("<", "&lt;"), style)

    rows = [[cell(c) for c in df.columns]] + [[cell(v) for v in row] for row in df.itertuples(index=False)]
    table = Table(rows, colWidths=col_widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),  # else reportlab adds an unembedded Helvetica
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde6f0")),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#9aa8b5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f5f7fa")]),
    ]))
    return table


def _ranking_widths(ranking: pd.DataFrame, width: float) -> list[float]:
    """Rank, interval, city and coverage wide enough for one line; the score columns share the rest."""
    fixed = {"排名": 9 * mm, "排名区间(5–95%)": 15 * mm, "城市": 15 * mm, "数据覆盖": 12 * mm}
    rest = (width - sum(fixed.values())) / max(1, len(ranking.columns) - len(fixed))
    return [fixed.get(c, rest) for c in ranking.columns]


def _focus_widths(focus: pd.DataFrame, width: float) -> list[float]:
    """画像 and 项目 narrow, the value columns sharing the rest."""
    fixed = [10 * mm, 18 * mm]
    rest = (width - sum(fixed)) / (len(focus.columns) - len(fixed))
    return fixed + [rest] * (len(focus.columns) - len(fixed))


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


def write_report(content: ReportContent, path: Path, font: CJKFont) -> Path:
    """Render ``content`` to ``path`` (written to a temporary file, then renamed)."""
    _register(font)
    s = _styles()
    numerals = iter("一二三四五六七八九十")

    def heading(text: str) -> Paragraph:
        return Paragraph(f"{next(numerals)}、{text}", s["h1"])

    width = A4[0] - 36 * mm
    story: list = [
        Spacer(1, 60 * mm),
        Paragraph(content.title, s["title"]),
        Spacer(1, 8 * mm),
        Paragraph(content.subtitle, s["subtitle"]),
        Spacer(1, 6 * mm),
        Paragraph(f"生成日期：{dt.date.today():%Y年%m月%d日}", s["subtitle"]),
        Spacer(1, 30 * mm),
        *[Paragraph(note, s["body"]) for note in content.notes],
        PageBreak(),
        heading("综合排名"),
        _table(content.ranking, s["small"], _ranking_widths(content.ranking, width)),
    ]
    if content.excluded:
        story += [Spacer(1, 4 * mm), Paragraph(
            "未参与排名的城市（已坐实的数据不足，缺口不等于零，见数据覆盖表）：" + "、".join(content.excluded),
            s["body"])]
    story += [Spacer(1, 2 * mm), Paragraph(
        "“数据覆盖”为该城市有来源数据的指标占比，“无数据指标数”为没有来源数据的指标个数：缺口不插补、"
        "不计为零，城市按已知指标计分；“排名区间”为蒙特卡洛模拟（含缺口取中位数、最差或最好已知值）"
        "下 5%–95% 的名次范围，覆盖率越低，区间通常越宽。", s["small"])]
    if content.focus is not None:
        focus, city = content.focus, content.focus_city
        totals = focus[focus["项目"].str.startswith("合计")]
        behind = totals[totals["高于本市的同类城市"] != "—"]
        summary = (f"下表比较一名应届毕业生（本科/硕士/博士）在{city}与同类城市（"
                   + "、".join(content.focus_peers) + "）36 个月内可得的市级现金，逐项列出；")
        summary += ("；".join(f"{r['画像']}合计被{r['高于本市的同类城市']}超过" for _, r in behind.iterrows())
                    + "。") if len(behind) else "合计未被同类城市超过。"
        summary += "“仅区级”“仅面向其他人才类别”等说明该项有已坐实条目但不计入市级值；“无数据”表示该城市没有任何已坐实的该项条目。"
        story += [heading(f"{city}与同类城市逐项比较"), Paragraph(summary, s["body"]),
                  Spacer(1, 3 * mm), _table(focus, s["small"], _focus_widths(focus, width))]
        if content.focus_items is not None and len(content.focus_items):
            story += [Spacer(1, 4 * mm), Paragraph(f"{city}计入市级值的条目及其官方来源：", s["body"]),
                      Spacer(1, 2 * mm), _table(content.focus_items, s["small"],
                                                [14 * mm, 24 * mm, 28 * mm, 34 * mm, width - 100 * mm])]
        if content.focus_other is not None and len(content.focus_other):
            story += [Spacer(1, 4 * mm), Paragraph("其他指标（安居与配套服务、落户、资助）：", s["body"]),
                      Spacer(1, 2 * mm), _table(content.focus_other, s["small"])]
        if content.focus_gaps is not None and len(content.focus_gaps):
            story += [Spacer(1, 4 * mm), Paragraph(
                f"同类城市有已坐实的货币补贴、而{city}未见已坐实条目的人才类别（可能是政策空白，也可能是数据缺口）：",
                s["body"]), Spacer(1, 2 * mm), _table(content.focus_gaps, s["small"])]
    story.append(heading("图表"))
    for caption, figure in content.figures:
        story += [_image(figure, width, 200 * mm), Paragraph(caption, s["caption"]), Spacer(1, 6 * mm)]
    if content.clusters is not None and len(content.clusters):
        story += [heading("政策类型聚类"), Paragraph(
            "按各城市指标得分的相似程度（k-means，组数按轮廓系数选定）分组；下表为各组的支柱平均得分，"
            "“特点”为该组相对全体最突出的支柱。", s["body"]), Spacer(1, 3 * mm),
            _table(content.clusters, s["small"])]
    if content.sensitivity is not None and len(content.sensitivity):
        story += [heading("敏感性分析"), Paragraph(
            "下表为各方法选择对排名变化（平均绝对名次变动）的方差贡献：总效应指数越大，"
            "该选择对排名影响越大。", s["body"]), Spacer(1, 3 * mm), _table(content.sensitivity, s["small"])]
    if content.peers is not None and len(content.peers):
        story += [heading("同类城市"), Paragraph(
            "同类城市为 2020 年常住人口、2010–2020 年人口增长和城镇化率（标准化后）最接近的城市；"
            "距离越小越相似。", s["body"]), Spacer(1, 3 * mm), _table(content.peers, s["small"])]
    if content.coverage is not None and len(content.coverage):
        story += [heading("数据覆盖"), _table(content.coverage, s["small"])]
    if content.validity is not None and len(content.validity):
        story += [heading("有效性检验"), Paragraph(
            "每次运行都检验：得分是否只是反映来源的详略（条目数、区级条目占比），去掉区县加码指标后排名如何变化，"
            "与人才吸引力结果的相关，以及各支柱的内部一致性与支柱排名和综合排名的一致程度。", s["body"]),
            Spacer(1, 3 * mm), _table(content.validity, s["small"])]
    if content.method:
        story += [heading("方法说明")]
        story += [Paragraph(f"• {line}", s["body"]) for line in content.method]
    if content.sources is not None and len(content.sources):
        story += [PageBreak(), Paragraph("附录：政策来源", s["h1"]),
                  _table(content.sources, s["small"], [22 * mm, width - 42 * mm, 20 * mm])]

    with atomic_output(path) as tmp:
        doc = SimpleDocTemplate(str(tmp), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                                topMargin=16 * mm, bottomMargin=16 * mm, title=content.title,
                                author="talentbench", initialFontName=FONT_NAME)
        doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return path
