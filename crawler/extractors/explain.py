"""An item with the evidence of each field, one line a field: what `scrapy extract --explain` prints.

    byline: "By Rodrigo Campos"  ← visible: div.byline (after h1)
    published: 2019-01-25  ← JSON-LD NewsArticle.datePublished

The values are the normalized item's; the evidence is what the extractor wrote while reading the page (see
`Extractor`), so a wrong field points at the element, meta tag or rule to fix.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["EXPLAINED_FIELDS", "explain_lines"]

EXPLAINED_FIELDS = ("url", "title", "subtitle", "byline", "authors", "published", "modified", "categories",
                    "original_source", "copyright", "language", "summary", "image", "body")
_TERM_KEYS = ("regions", "themes", "in_depth_reports")
_ARROW = "←"


def _shown(value: Any) -> str:
    if value is None or value == []:
        return "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _value(item: dict[str, Any], field: str) -> str:
    if field == "authors":
        authors = item.get("authors") or []
        return "; ".join(f"{a['name']}" + (f" <{a['url']}>" if a.get("url") else "") for a in authors) or "null"
    if field == "categories":
        parts = []
        for key in _TERM_KEYS:
            names = [t["name"] for t in item.get(key) or []]
            if names:
                parts.append(f"{key} {json.dumps(names, ensure_ascii=False)}")
        return ", ".join(parts) or "null"
    if field in ("published", "modified"):
        return str(item[field]) if item.get(field) else "null"
    if field == "body":
        body = item.get("body")
        if not body:
            return "null"
        paragraphs = body.split("\n\n")
        start = paragraphs[0] if len(paragraphs[0]) <= 60 else paragraphs[0][:57] + "..."
        return f"{len(paragraphs)} paragraphs, {len(body.split())} words: {json.dumps(start, ensure_ascii=False)}"
    if field in ("summary",) and isinstance(item.get(field), str) and len(item[field]) > 80:
        return json.dumps(item[field][:77] + "...", ensure_ascii=False)
    return _shown(item.get(field))


def explain_lines(item: dict[str, Any], evidence: dict[str, str]) -> list[str]:
    """`field: value  ← evidence` for every field of the item."""
    lines = []
    for field in EXPLAINED_FIELDS:
        value = _value(item, field)
        how = evidence.get(field)
        if how is None:
            how = "not found on the page" if value == "null" else "(not recorded)"
        lines.append(f"{field}: {value}  {_ARROW} {how}")
    return lines
