"""Structured data of a page: the schema.org article in JSON-LD and in microdata, read from the parsed tree.

JSON-LD is read block by block (a broken block loses itself, not the others) at any nesting: top-level
arrays, `@graph`, nodes nested in other nodes (`mainEntity`, `hasPart`, ...), `{"@id": …}` references
resolved against every node that carries that id. Microdata is extruct's reading of the same tree; types are
compared without their vocabulary prefix and case (`http://schema.org/person` is a Person).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from extruct.jsonld import JsonLdExtractor
from extruct.w3cmicrodata import LxmlMicrodataExtractor
from lxml import etree
from lxml import html as lxml_html

from crawler.extractors.text import parse_html

__all__ = ["ARTICLE_TYPES", "StructuredArticle", "read_structured", "read_structured_tree", "types_of"]

ARTICLE_TYPES = frozenset(t.casefold() for t in (
    "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle", "BlogPosting", "LiveBlogPosting",
    "SocialMediaPosting", "Report", "ScholarlyArticle", "TechArticle", "WebPage", "ItemPage",
))
_PAGE_TYPES = frozenset({"webpage", "itempage"})
_JSONLD = JsonLdExtractor()
_MICRODATA = LxmlMicrodataExtractor()
# extruct's own search for microdata items (LxmlMicrodataExtractor._xp_item), which it makes twice over the page:
# a page with no item (most) is told by one.
_ITEMSCOPE = etree.XPath("descendant-or-self::*[@itemscope]")
# extruct reads JSON and, failing that, JSON with comments; 2019 Reuters pages (and others) also put
# single-quoted strings in their JSON-LD, which no JSON reader takes: those strings are requoted, by hand
# because no maintained JSON5 reader is among the project's dependencies.
_SINGLE_QUOTED = re.compile(r"(?<=[:\[,])(\s*)'((?:[^'\\\n]|\\.)*)'")


class StructuredArticle:
    """The article node found in JSON-LD (first) or microdata, every node, and the page's breadcrumb trail."""

    def __init__(self, jsonld: dict[str, Any] | None, microdata: dict[str, Any] | None,
                 breadcrumbs: list[tuple[str, str | None]], graph: dict[str, dict[str, Any]], *,
                 nodes: list[dict[str, Any]] | None = None, jsonld_type: str | None = None) -> None:
        self.jsonld = jsonld or {}
        self.microdata = microdata or {}
        self.breadcrumbs = breadcrumbs
        self.nodes = nodes or []
        self.jsonld_type = jsonld_type or "Article"
        """The article node's type as the page names it (NewsArticle), for evidence."""
        self._graph = graph

    def resolve(self, value: Any) -> Any:
        """A `{"@id": …}` reference completed with the node it names (the reference's own keys win)."""
        if isinstance(value, dict) and isinstance(value.get("@id"), str) and value["@id"] in self._graph:
            return {**self._graph[value["@id"]], **value}
        return value

    def jsonld_value(self, key: str) -> Any:
        return self.resolve(_get(self.jsonld, key))

    def microdata_value(self, key: str) -> Any:
        return _get(self.microdata, key)

    def of_type(self, *kinds: str) -> list[dict[str, Any]]:
        """Every JSON-LD node of one of these types (case-blind)."""
        wanted = {k.casefold() for k in kinds}
        return [n for n in self.nodes if types_of(n) & wanted]


def _get(node: dict[str, Any], key: str) -> Any:
    """A property by its name, case-blind when the exact name is absent (`datemodified`)."""
    if key in node:
        return node[key]
    folded = key.casefold()
    for name, value in node.items():
        if isinstance(name, str) and name.casefold() == folded:
            return value
    return None


def types_of(node: dict[str, Any]) -> set[str]:
    """A node's types without vocabulary prefix, case-folded: {'newsarticle'}."""
    kind = node.get("@type") or node.get("type") or ()
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].casefold() for k in kinds}


def _nodes(data: Any) -> Iterator[dict[str, Any]]:
    """Every dict in a JSON-LD document, depth first: arrays, @graph and nested nodes included."""
    if isinstance(data, list):
        for entry in data:
            yield from _nodes(entry)
    elif isinstance(data, dict):
        yield data
        for value in data.values():
            if isinstance(value, (dict, list)):
                yield from _nodes(value)


def _rank(node: dict[str, Any]) -> int:
    kinds = types_of(node)
    if not kinds & ARTICLE_TYPES:
        return 0
    if kinds <= _PAGE_TYPES:
        return 1  # a bare WebPage: only when no article node says more
    return 2 + int(bool(node.get("headline"))) + int(bool(node.get("datePublished")))


def _pick(nodes: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The most telling article node: a news or blog article with a headline and a date before a bare WebPage."""
    best = max(nodes, key=_rank, default=None)
    return best if best is not None and _rank(best) else None


def _crumbs(nodes: list[dict[str, Any]], graph: dict[str, dict[str, Any]]) -> list[tuple[str, str | None]]:
    for node in nodes:
        if "breadcrumblist" not in types_of(node):
            continue
        crumbs: list[tuple[str, str | None]] = []
        elements = node.get("itemListElement") or []
        elements = elements if isinstance(elements, list) else [elements]
        for element in sorted((e for e in elements if isinstance(e, dict)), key=_position):
            item = element.get("item")
            item = graph.get(str(item["@id"]), item) if isinstance(item, dict) and set(item) == {"@id"} else item
            name = element.get("name") or (item.get("name") if isinstance(item, dict) else None)
            url = (item.get("@id") or item.get("url")) if isinstance(item, dict) else item
            if isinstance(name, str) and name.strip():
                crumbs.append((name.strip(), str(url) if url else None))
        return crumbs
    return []


def _position(element: dict[str, Any]) -> int:
    try:
        return int(element.get("position") or 0)
    except (TypeError, ValueError):
        return 0


_CDATA_WRAP = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$")


def _jsonld_blocks(root: lxml_html.HtmlElement) -> Iterator[Any]:
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            items = list(_JSONLD._extract_items(script))
        except Exception:  # extruct lets json's and jstyleson's errors through
            items = None
        if items is not None:
            yield from items
            continue
        # (a block wrapped as XHTML character data, '<![CDATA[ {…} ]]>' or '//<![CDATA[', is read without the wrap)
        text = _CDATA_WRAP.sub("", script.xpath("string()"))
        text = _SINGLE_QUOTED.sub(lambda m: m.group(1) + json.dumps(m.group(2).replace("\\'", "'")), text)
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            continue  # a block no reader takes: the page's other blocks still count
        yield from (data if isinstance(data, list) else [data])


def read_structured_tree(root: lxml_html.HtmlElement, url: str) -> StructuredArticle:
    """JSON-LD and microdata of a parsed page; broken blocks are skipped, never raised."""
    jsonld_nodes = list(_nodes(list(_jsonld_blocks(root))))
    graph: dict[str, dict[str, Any]] = {}
    for node in jsonld_nodes:
        if isinstance(node.get("@id"), str):
            graph[node["@id"]] = {**node, **graph.get(node["@id"], {})}
    try:
        micro_items = _MICRODATA.extract_items(root, url) if _ITEMSCOPE(root) else []
    except Exception:  # extruct lets lxml's errors through on hostile pages
        micro_items = []
    micro_nodes = [n for n in _nodes(micro_items) if "properties" in n]
    micro = _pick(micro_nodes)
    if micro is not None and isinstance(micro.get("properties"), dict):
        micro = {**micro["properties"], "@type": micro.get("type")}
    article = _pick(jsonld_nodes)
    kind = None
    if article is not None:
        raw_kind = article.get("@type")
        kind = str(raw_kind[0] if isinstance(raw_kind, list) and raw_kind else raw_kind)
    return StructuredArticle(article, micro, _crumbs(jsonld_nodes, graph), graph, nodes=jsonld_nodes, jsonld_type=kind)


def read_structured(html: str, url: str) -> StructuredArticle:
    """`read_structured_tree` of a page's text."""
    return read_structured_tree(parse_html(html), url)
