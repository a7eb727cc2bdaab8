"""The article item: the JSON contract of design.md, one key per field."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, TypedDict

__all__ = [
    "ITEM_KEYS",
    "ITEM_URI_PREFIX",
    "ArticleItem",
    "Author",
    "Copyright",
    "OriginalSource",
    "Term",
    "WarcRef",
]


ITEM_URI_PREFIX = "urn:outlet-archive:item:"
"""WARC-Target-URI prefix of the metadata record that holds the item extracted from a page (+ the page's URL)."""


class Author(TypedDict):
    name: str
    url: str | None


class Term(TypedDict):
    """A region, theme or in-depth report as linked on the page."""

    name: str
    slug: str | None
    url: str | None


class OriginalSource(TypedDict):
    name: str | None
    url: str | None
    published: str | None


class Copyright(TypedDict):
    line: str
    holders: list[str]
    year: int | None


class WarcRef(TypedDict):
    filename: str
    offset: int
    length: int
    record_id: str
    payload_digest: str


@dataclass(kw_only=True)
class ArticleItem:
    url: str
    """Canonical URL of the article: link rel=canonical, else the final URL on the outlet's own origin."""
    fetched_url: str | None = None
    """The URL actually fetched (a mirror's URL when crawled with base_url)."""
    outlet: str
    """The outlet's key in outlets.toml."""
    article_id: str | None = None
    """The outlet's own id of the article."""
    title: str | None = None
    subtitle: str | None = None
    byline: str | None = None
    """The byline as printed, e.g. 'By Tom Peyre-Costa and Edu Montesanti'."""
    authors: list[Author] = field(default_factory=list)
    """Authors in byline order; url is None when the name is not linked."""
    published: str | None = None
    """ISO 8601: a timestamp with its offset where the page gives one, else YYYY-MM-DD."""
    modified: str | None = None
    regions: list[Term] = field(default_factory=list)
    themes: list[Term] = field(default_factory=list)
    in_depth_reports: list[Term] = field(default_factory=list)
    original_source: OriginalSource | None = None
    """The outlet that first published the piece; for an original, the outlet itself."""
    copyright: Copyright | None = None
    language: str | None = None
    """BCP 47 language tag."""
    summary: str | None = None
    image: str | None = None
    body: str | None = None
    """The article's text, paragraphs split by a blank line, without boilerplate."""
    fetched_at: str | None = None
    """ISO 8601 UTC time the response arrived."""
    crawl_id: str | None = None
    extractor: str | None = None
    """Which extractor and version made the item, e.g. 'globalresearch/1'."""
    warc: WarcRef | None = None
    """The WARC response record that holds the page's body: this fetch's, or for an unchanged page fetched again,
    the earlier capture's (possibly in an earlier crawl's WARC file)."""
    warc_revisit: WarcRef | None = None
    """For an unchanged page fetched again: this fetch's revisit record (no body; it names `warc`). Else null."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArticleItem:
        return cls(**{k: v for k, v in data.items() if k in ITEM_KEYS})


ITEM_KEYS: tuple[str, ...] = tuple(f.name for f in fields(ArticleItem))
