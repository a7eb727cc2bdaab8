"""From an article page to an item: the one path of the spider, `scrapy extract`, `scrapy reextract` and the
golden tests, so that a page gives the same item whichever of them reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, TypedDict, Unpack

from lxml import etree

from crawler.extractors import EXTRACTORS, extractor_for, get_extractor
from crawler.extractors.language import reads_as_english, text_language
from crawler.extractors.text import Html, parse_html
from crawler.items import ArticleItem, WarcRef
from crawler.outlets import Outlet
from crawler.requisites import html_requisites

__all__ = ["Fetch", "Normalizer", "PageNotParsable", "PageRead", "PageSource", "article_from_page", "normalized_item",
           "page_source", "read_page"]

class PageNotParsable(ValueError):
    """A page no extractor can read (no HTML document in it): the callers say so in one line."""


PageSource = Outlet | str
"""Who reads the page: an outlet, or the name of an extractor run without one (`scrapy extract --outlet generic`)."""

Normalizer = Callable[[dict[str, Any]], dict[str, Any]]
"""pipelines.items.normalize.normalize_article with its date formats bound."""


class Fetch(TypedDict, total=False):
    """What the fetch knows of a page, which the page itself does not say."""

    fetched_url: str | None
    fetched_at: str | None
    crawl_id: str | None
    warc: WarcRef | None
    warc_revisit: WarcRef | None


def page_source(name: str, outlets: Mapping[str, Outlet]) -> PageSource:
    """The outlet of that key, else the extractor of that name; LookupError naming both lists otherwise."""
    if name in outlets:
        return outlets[name]
    if name in EXTRACTORS:
        return name
    raise LookupError(f"unknown outlet {name!r} (outlets: {', '.join(outlets)}; extractors: {', '.join(EXTRACTORS)})")


def article_from_page(source: PageSource, html: Html, outlet_url: str, *, evidence: dict[str, str] | None = None,
                      **fetch: Unpack[Fetch]) -> ArticleItem:
    """Run the source's extractor on a page and add what the fetch knows (fetched_url, fetched_at, warc, ...).

    `outlet_url` is the page's URL on the outlet's own origin (a mirror's origin swapped back), so that
    relative links and the canonical fallback name the outlet, not the mirror. An extractor run without an
    outlet takes no rules and names itself as the item's outlet. The item is as printed: the crawl normalizes
    it in its NormalizePipeline, the commands and tests through `normalized_item`. `evidence`, when given,
    receives where each field came from (the item is the same with or without it).
    """
    try:
        html = parse_html(html)
        if isinstance(source, Outlet):
            raw = extractor_for(source.extractor, source.extract)(html, outlet_url, evidence)
            key, language = source.key, source.language
        else:
            raw = get_extractor(source)(html, outlet_url, evidence)
            key, language = source, None
    except (etree.ParserError, etree.XMLSyntaxError) as exc:  # lxml on a page with no document in it
        raise PageNotParsable(f"no HTML document to read ({exc})") from None
    raw.update(fetch)
    raw["outlet"] = key
    if not raw.get("url"):
        raw["url"] = outlet_url
    if not raw.get("language") and language:
        raw["language"] = language
        if evidence is not None:
            evidence["language"] = f"outlets.toml: {key}'s language"
    if not raw.get("language") and isinstance(raw.get("body"), str):
        raw["language"] = text_language(raw["body"])
        if raw["language"] and evidence is not None:
            evidence["language"] = "the body's text (py3langid): the page declares none"
    elif str(declared := raw.get("language") or "").casefold().split("-")[0] == "en" \
            and isinstance(raw.get("body"), str) and reads_as_english(raw["body"]) is False \
            and (found := text_language(raw["body"])) and found != "en":
        # English declared by a template's default ('en-US' on a page in Swahili): the text says otherwise
        raw["language"] = found
        if evidence is not None:
            evidence["language"] = (f"the body's text (py3langid): the page declares {declared!r} but its text "
                                    "has almost none of English's commonest words")
    return ArticleItem.from_dict(raw)


def normalized_item(source: PageSource, html: str, outlet_url: str, normalize: Normalizer, *,
                    evidence: dict[str, str] | None = None, **fetch: Unpack[Fetch]) -> ArticleItem:
    """`article_from_page` in the item's normal form.

    `normalize` is handed in rather than imported: extractors know nothing of the item pipelines (the import
    contracts of pyproject.toml), and the callers already hold the date formats of their settings.
    """
    item = article_from_page(source, html, outlet_url, evidence=evidence, **fetch)
    return ArticleItem.from_dict(normalize(asdict(item)))


@dataclass(frozen=True)
class PageRead:
    """All the crawl reads of an article page: its item and, when asked, the requisites a replay needs."""

    item: ArticleItem
    requisites: list[str] = field(default_factory=list)


def read_page(source: PageSource, html: str, outlet_url: str, *, requisites_of: str | None = None,
              **fetch: Unpack[Fetch]) -> PageRead:
    """The page parsed once for its requisites (relative to `requisites_of`, the URL it was fetched from; none
    when not given) and its item. The requisites are read first: an extractor may prune the document."""
    try:
        root = parse_html(html)
    except (etree.ParserError, etree.XMLSyntaxError) as exc:
        raise PageNotParsable(f"no HTML document to read ({exc})") from None
    requisites = html_requisites(root, requisites_of) if requisites_of else []
    return PageRead(article_from_page(source, root, outlet_url, **fetch), requisites)
