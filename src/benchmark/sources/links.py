"""Finding the links worth following on a portal page: extraction and keyword rules.

Pages are decoded by :func:`benchmark.encoding.decode_bytes`, the same policy the parser uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import lxml.etree
import lxml.html

from benchmark.encoding import decode_bytes
from benchmark.errors import TalentbenchError
from benchmark.paths import read_yaml, resource
from benchmark.sources.urls import extension, normalize_url


@dataclass(frozen=True)
class Link:
    url: str
    text: str


def extract_links(body: bytes, base_url: str, content_type: str | None = None) -> list[Link]:
    """Absolute links (a/area href, frame/iframe src) with their visible text, in page order."""
    # The parser's decoding policy, so a page yields the same text to both stages.
    text = decode_bytes(body, content_type).text
    if not text.strip():
        return []
    try:
        # no_network and no entity resolution: a hostile page cannot make the parser fetch or expand.
        parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, huge_tree=False)
        root = lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return []
    base = base_url
    for element in root.iter("base"):
        href = element.get("href")
        if href:
            base = normalize_url(href, base_url) or base_url
            break
    links: list[Link] = []
    for element in root.iter("a", "area", "iframe", "frame"):
        raw = element.get("href") if element.tag in ("a", "area") else element.get("src")
        if not raw:
            continue
        url = normalize_url(raw, base)
        if url is None:  # javascript:, mailto:, malformed: nothing to fetch
            continue
        label = " ".join(
            part for part in (element.text_content(), element.get("title") or "") if part
        )
        links.append(Link(url=url, text=re.sub(r"\s+", " ", label).strip()))
    return links


@dataclass(frozen=True)
class LinkRules:
    """Keyword and section rules (``resources/crawl/rules.yaml``) deciding what to follow."""

    keywords: tuple[str, ...]
    exclude_keywords: tuple[str, ...]
    sections: tuple[str, ...]
    pagination_text: tuple[str, ...]
    pagination_url_patterns: tuple[str, ...]
    attachment_extensions: tuple[str, ...]
    skip_schemes: tuple[str, ...]
    skip_url_patterns: tuple[str, ...]

    def __post_init__(self) -> None:
        try:
            object.__setattr__(
                self, "_pagination_re", [re.compile(p, re.I) for p in self.pagination_url_patterns]
            )
            object.__setattr__(self, "_skip_re", [re.compile(p, re.I) for p in self.skip_url_patterns])
            # One alternation per word list: a link is tested once, not once per keyword.
            for name in ("keywords", "exclude_keywords", "sections"):
                words = sorted(getattr(self, name), key=len, reverse=True)
                pattern = "|".join(re.escape(w.lower()) for w in words) or r"(?!)"
                object.__setattr__(self, f"_{name}_re", re.compile(pattern))
        except re.error as exc:
            raise TalentbenchError(f"bad pattern in crawl rules: {exc}") from None

    @classmethod
    def load(cls, path: Path | None = None) -> LinkRules:
        path = path or resource("crawl", "rules.yaml")
        from pydantic import Field, create_model

        from benchmark.schemas import Strict, check_yaml

        words = list[Annotated[str, Field(min_length=1, max_length=500)]] | None
        schema = create_model("CrawlRules", __base__=Strict,
                              **{name: (words, ...) for name in cls.__dataclass_fields__})
        rules = check_yaml(schema, read_yaml(path, "crawl rules"), path, "crawl rules")
        return cls(**{n: tuple(v or ()) for n, v in rules.model_dump().items()})

    # The role a link would have: 'attachment', 'pagination', 'article', 'section' or None.
    def classify(self, link: Link, from_role: str) -> str | None:
        scheme = link.url.split(":", 1)[0].lower()
        if scheme in self.skip_schemes or scheme not in ("http", "https"):
            return None
        if any(p.search(link.url) for p in self._skip_re):  # type: ignore[attr-defined]
            return None
        text = link.text.lower()
        relevant = bool(self._keywords_re.search(text)) and not self._exclude_keywords_re.search(text)  # type: ignore[attr-defined]
        if extension(link.url) in self.attachment_extensions:
            # Every attachment of a relevant article; from a listing, only relevant ones.
            return "attachment" if from_role == "article" or relevant else None
        if from_role != "article" and self._is_pagination(link):
            return "pagination"
        if relevant:
            return "article"
        if from_role != "article" and self._sections_re.search(text):  # type: ignore[attr-defined]
            return "section"
        return None

    def _is_pagination(self, link: Link) -> bool:
        text = link.text.strip()
        if text in self.pagination_text or any(
            len(p) >= 2 and p in text for p in self.pagination_text
        ):
            return True
        url_match = any(p.search(link.url) for p in self._pagination_re)  # type: ignore[attr-defined]
        return url_match and (not text or re.fullmatch(r"第?\s*\d+\s*页?", text) is not None)

    def follow(self, links: list[Link], from_role: str) -> Iterator[tuple[Link, str]]:
        """(link, role) for each link the rules follow from a page of role ``from_role``."""
        for link in links:
            role = self.classify(link, from_role)
            if role:
                yield link, role
