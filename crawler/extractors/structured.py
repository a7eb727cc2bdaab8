"""Structured data of a page: the schema.org article in JSON-LD (top level or @graph) and in microdata."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import extruct

__all__ = ["ARTICLE_TYPES", "StructuredArticle", "read_structured"]

ARTICLE_TYPES = frozenset({
    "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
    "BackgroundNewsArticle", "BlogPosting", "Report", "ScholarlyArticle", "WebPage",
})


class StructuredArticle:
    """The article node found in JSON-LD (first) or microdata, plus the page's breadcrumb trail."""

    def __init__(self, jsonld: dict[str, Any] | None, microdata: dict[str, Any] | None,
                 breadcrumbs: list[tuple[str, str | None]], graph: dict[str, dict[str, Any]]) -> None:
        self.jsonld = jsonld or {}
        self.microdata = microdata or {}
        self.breadcrumbs = breadcrumbs
        self._graph = graph

    def resolve(self, value: Any) -> Any:
        """A `{"@id": …}` reference completed with the @graph node it names (the reference's own keys win)."""
        if isinstance(value, dict) and isinstance(value.get("@id"), str) and value["@id"] in self._graph:
            return {**self._graph[value["@id"]], **value}
        return value

    def jsonld_value(self, key: str) -> Any:
        return self.resolve(self.jsonld.get(key))

    def microdata_value(self, key: str) -> Any:
        return self.microdata.get(key)


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type") or node.get("type") or ()
    kinds = kind if isinstance(kind, list) else [kind]
    # Microdata types come as full URLs: http://schema.org/Article.
    return {str(k).rsplit("/", 1)[-1] for k in kinds}


def _nodes(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for entry in data:
            yield from _nodes(entry)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _nodes(data["@graph"])


def _pick(nodes: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The most specific article node: a news or blog article before a bare WebPage."""
    ranked = [n for n in nodes if _types(n) & ARTICLE_TYPES]
    ranked.sort(key=lambda n: "WebPage" in _types(n) and not (_types(n) - {"WebPage"}))
    return ranked[0] if ranked else None


def _crumbs(nodes: list[dict[str, Any]], graph: dict[str, dict[str, Any]]) -> list[tuple[str, str | None]]:
    for node in nodes:
        if "BreadcrumbList" not in _types(node):
            continue
        crumbs: list[tuple[str, str | None]] = []
        elements = node.get("itemListElement") or []
        for element in sorted((e for e in elements if isinstance(e, dict)), key=lambda e: int(e.get("position") or 0)):
            item = element.get("item")
            item = graph.get(str(item["@id"]), item) if isinstance(item, dict) and set(item) == {"@id"} else item
            name = element.get("name") or (item.get("name") if isinstance(item, dict) else None)
            url = item.get("@id") or item.get("url") if isinstance(item, dict) else item
            if name:
                crumbs.append((str(name), str(url) if url else None))
        return crumbs
    return []


def read_structured(html: str, url: str) -> StructuredArticle:
    """JSON-LD and microdata of a page; broken blocks are skipped, never raised."""
    try:
        data = extruct.extract(html, base_url=url, syntaxes=["json-ld", "microdata"], uniform=True,
                               errors="ignore")
    except Exception:  # extruct lets lxml's and json's many errors through on hostile pages
        data = {}
    jsonld_nodes = list(_nodes(data.get("json-ld") or []))
    graph = {str(n["@id"]): n for n in jsonld_nodes if isinstance(n.get("@id"), str)}
    micro_nodes = list(_nodes(data.get("microdata") or []))
    micro = _pick(micro_nodes)
    if micro is not None and isinstance(micro.get("properties"), dict):
        micro = {**micro["properties"], "@type": micro.get("type")}
    return StructuredArticle(_pick(jsonld_nodes), micro, _crumbs(jsonld_nodes, graph), graph)
