"""Main text of an HTML page, with the page's own metadata hints.

The article body is found in this order, first hit with enough text wins:

1. the per-site XPath override for the page's host (``resources/documents/site_xpaths.yaml``);
2. the content containers of the CMSs most government portals run on (same file, ``generic``);
3. trafilatura's main-text extraction;
4. all visible text of ``<body>``.

Parsing is done by lxml's HTML parser with network access off and no entity expansion beyond
the HTML named entities, so a page cannot make us fetch anything or blow up in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

import lxml.etree as etree
import lxml.html
import trafilatura
from pydantic import AfterValidator, Field

from benchmark.documents.model import Extracted, ParseFailure
from benchmark.documents.tables import Table, build_grid, header_row_count
from benchmark.encoding import decode_bytes
from benchmark.paths import read_yaml, resource
from benchmark.schemas import Strict, check_yaml

# An XPath hit shorter than this is a navigation box or an empty shell, not an article.
MIN_MAIN_CHARS = 30

_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody",
    "thead", "tfoot", "title", "tr", "ul",
})  # fmt: skip
_CELL = frozenset({"td", "th"})
_SKIP = frozenset({"script", "style", "noscript", "template", "iframe", "object", "embed", "svg",
                   "select", "option", "button", "head"})  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u3000]+")
_META_HINTS = {
    "articletitle": "title",
    "og:title": "title",
    "pubdate": "publish_date",
    "contentsource": "issuing_body",
    "author": "issuing_body",
}


@dataclass(frozen=True)
class SiteRule:
    host: str
    content: etree.XPath
    path_prefix: str = ""
    title: etree.XPath | None = None


@dataclass(frozen=True)
class SiteTable:
    sites: tuple[SiteRule, ...]
    generic: tuple[etree.XPath, ...]

    def rules_for(self, url: str) -> list[SiteRule]:
        """Rules whose host is the URL's host or a parent domain of it, most specific first."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return []
        host, path = (parts.hostname or "").lower(), parts.path or "/"
        hits = [
            rule
            for rule in self.sites
            if (host == rule.host or host.endswith("." + rule.host)) and path.startswith(rule.path_prefix)
        ]
        return sorted(hits, key=lambda rule: (len(rule.host), len(rule.path_prefix)), reverse=True)


def _compiles(expression: str) -> str:
    try:
        etree.XPath(expression)
    except etree.XPathSyntaxError as exc:
        raise ValueError(f"not an XPath 1.0 expression ({exc})") from None
    return expression


XPathText = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_compiles)]


class SiteRuleSpec(Strict):
    host: Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.-]+$")]
    path_prefix: Annotated[str, Field(max_length=2000)] = ""
    content: XPathText
    title: XPathText | None = None
    note: str | None = None


class GenericRuleSpec(Strict):
    content: XPathText
    note: str | None = None


class SiteTableFile(Strict):
    """``resources/documents/site_xpaths.yaml`` (its schema is documented at the top of it)."""

    version: Literal[1]
    sites: Annotated[list[SiteRuleSpec], Field(max_length=10_000)] | None = None
    generic: Annotated[list[GenericRuleSpec], Field(max_length=1_000)] | None = None


def _check_site_table(raw: object, path: str) -> SiteTable:
    table = check_yaml(SiteTableFile, raw, path, "site XPath table")
    rules = tuple(SiteRule(host=site.host.lower().strip("."), content=etree.XPath(site.content),
                           path_prefix=site.path_prefix,
                           title=etree.XPath(site.title) if site.title else None)
                  for site in table.sites or ())
    return SiteTable(rules, tuple(etree.XPath(g.content) for g in table.generic or ()))


@lru_cache(maxsize=8)
def load_site_table(path: str | None = None) -> SiteTable:
    """The XPath override table (default: the packaged ``site_xpaths.yaml``), schema-checked."""
    source = path or str(resource("documents", "site_xpaths.yaml"))
    return _check_site_table(read_yaml(source, "site XPath table"), source)


def _tag(element: etree._Element) -> str:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


def _cell_text(element: etree._Element) -> str:
    return " ".join(" ".join(element.itertext()).split()) if element.tag is not etree.Comment else ""


def _span(element: etree._Element, name: str) -> int:
    try:
        return int((element.get(name) or "1").strip() or 1)
    except ValueError:
        return 1


def html_table(element: etree._Element) -> Table | None:
    """A data table (no table nested in it) as a :class:`Table`; ``None`` for a layout table.

    ``rowspan``/``colspan`` fill every grid position they cover; rows in ``<thead>`` or made
    of ``<th>`` cells only are header rows; ``<caption>`` is the caption.
    """
    if element.find(".//table") is not None:
        return None
    rows, marked, in_header = [], 0, True
    for tr in element.iter("tr"):
        cells = [c for c in tr if _tag(c) in _CELL]
        if not cells:
            continue
        header = _tag(tr.getparent()) == "thead" or all(_tag(c) == "th" for c in cells)
        if in_header and header:
            marked += 1
        else:
            in_header = False
        rows.append([(_cell_text(c), _span(c, "rowspan"), _span(c, "colspan")) for c in cells])
    grid = build_grid(rows)
    if not grid:
        return None
    caption_el = element.find("caption")
    caption = _cell_text(caption_el) if caption_el is not None else ""
    return Table(grid, n_header_rows=header_row_count(grid, min(marked, len(grid) - 1)), caption=caption)


def render_text(root: etree._Element, *, tables: bool = False) -> str:
    """Visible text of an element: blocks on their own lines, table cells split by tabs.

    With ``tables``, a data table is written as a Markdown pipe table (merged cells filled
    in, caption above; see :mod:`benchmark.documents.tables`) so its structure survives.
    Iterative (no recursion), so a deeply nested page cannot exhaust the stack.
    """
    out: list[str] = []
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = _tag(element)
        if event == "start":
            if tag in _SKIP or not tag:
                walker.skip_subtree()
                continue
            if tables and tag == "table" and (table := html_table(element)) is not None:
                out.append("\n" + "\n".join(line.replace("\t", " ") for line in table.to_markdown()) + "\n")
                walker.skip_subtree()  # the end event still comes: it writes the tail
                continue
            if tag in _BLOCK or tag == "br":
                out.append("\n")
            if element.text:
                out.append(_SPACES.sub(" ", element.text))
        else:
            if tag in _CELL:
                out.append("\t")
            elif tag in _BLOCK:
                out.append("\n")
            if element is not root and element.tail:
                out.append(_SPACES.sub(" ", element.tail))
    lines = []
    for line in "".join(out).split("\n"):
        if tables and line.startswith("|"):
            lines.append(line)
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        line = "\t".join(cell for cell in cells if cell)
        if line:
            lines.append(line)
    return "\n".join(lines)


def _parse_tree(text: str) -> lxml.html.HtmlElement:
    text = _XML_DECLARATION.sub("", _CONTROL.sub("", text), count=1)
    parser = lxml.html.HTMLParser(
        remove_comments=True, remove_pis=True, no_network=True, recover=True, huge_tree=False
    )
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ParseFailure("html-unparseable", str(exc)[:200]) from None
    if root is None:
        raise ParseFailure("html-empty")
    return root


def _meta_hints(root: etree._Element) -> dict[str, str]:
    hints: dict[str, str] = {}
    for meta in root.iterfind(".//meta"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        field = _META_HINTS.get(key)
        content = " ".join((meta.get("content") or "").split())
        if field and content and field not in hints:
            hints[field] = content[:300]
    return hints


def _first_text(root: etree._Element, xpath: etree.XPath) -> str:
    try:
        hits = xpath(root)
    except etree.XPathError:
        return ""
    if not isinstance(hits, list):
        return str(hits).strip() if isinstance(hits, str) else ""
    for hit in hits:
        text = render_text(hit, tables=True) if isinstance(hit, etree._Element) else str(hit).strip()
        if text:
            return text
    return ""


def _trafilatura_text(root: lxml.html.HtmlElement, url: str) -> str:
    try:
        text = trafilatura.extract(
            root, url=url or None, include_tables=True, include_comments=False, output_format="txt"
        )
    except RecursionError:
        return ""
    return text or ""


def parse_html(
    body: bytes, content_type: str | None, url: str, *, site_table: SiteTable | None = None
) -> Extracted:
    """Main text and metadata hints of an HTML page. Raises :class:`ParseFailure`."""
    decoded = decode_bytes(body, content_type)
    root = _parse_tree(decoded.text)
    table = site_table or load_site_table()
    hints = _meta_hints(root)
    page_title = " ".join("".join(root.xpath("//title//text()")[:5]).split()) or None
    h1 = " ".join(" ".join(root.xpath("//h1[1]//text()")[:20]).split())
    body_el = root.find("body")
    page_text = render_text(body_el) if body_el is not None else render_text(root)

    text, parser = "", ""
    for rule in table.rules_for(url):
        text = _first_text(root, rule.content)
        if len(text) >= MIN_MAIN_CHARS:
            parser = f"xpath-site:{rule.host}"
            if rule.title is not None:
                site_title = _first_text(root, rule.title)
                if site_title:
                    hints["title"] = " ".join(site_title.split())
            break
    if not parser:
        for selector in table.generic:
            text = _first_text(root, selector)
            if len(text) >= MIN_MAIN_CHARS:
                parser = "xpath-generic"
                break
    if not parser:
        text = _trafilatura_text(root, url)
        parser = "trafilatura" if text.strip() else ""
    if not parser:
        text = render_text(body_el, tables=True) if body_el is not None else page_text
        parser = "html-body"
    if not text.strip():
        raise ParseFailure("html-no-text", "the page has no visible text")
    if h1 and "title" not in hints and (len(h1) >= 6 and (not page_title or h1[:6] in page_title)):
        hints["title"] = h1
    return Extracted(
        text=text,
        source_type="html",
        parser=parser,
        title_hint=page_title or h1 or None,
        fields=hints,
        page_text=page_text,
        encoding=decoded.encoding,
    )
