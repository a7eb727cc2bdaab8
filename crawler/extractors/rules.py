"""Per-outlet extraction rules: what an outlet's `[<key>.extract]` table in outlets.toml tells the generic
extractor about its pages (selectors, label texts, boilerplate, date formats). Pure data, no parsing of TOML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["LIST_FIELDS", "SELECTOR_FIELDS", "TERM_FIELDS", "ExtractRules", "Selector"]

# Fields a selector may be given for. Lists take every match; the others take the first.
TERM_FIELDS = ("regions", "themes", "in_depth_reports")
LIST_FIELDS = ("authors", *TERM_FIELDS)
SELECTOR_FIELDS = frozenset({
    "title", "subtitle", "byline", "authors", "published", "modified", *TERM_FIELDS, "original_source",
    "copyright", "language", "summary", "image", "body",
})


@dataclass(frozen=True)
class Selector:
    """A CSS or XPath expression. CSS may end in `::attr(name)` to read an attribute instead of the text."""

    kind: str  # "css" or "xpath"
    expression: str


@dataclass(frozen=True, kw_only=True)
class ExtractRules:
    """How one outlet's pages differ from what the generic extractor finds on its own."""

    site_name: str | None = None
    """The outlet's name: the original source of its own articles."""
    article_id: re.Pattern[str] | None = None
    """Matched against the URL path; its `id` group is the outlet's own id of the article."""
    selectors: Mapping[str, Selector] = field(default_factory=dict)
    labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Label texts of labelled link blocks ('Region:' followed by links), by term field."""
    drop: tuple[str, ...] = ()
    """CSS selectors of elements removed from the page before anything is read (share bars, photo captions)."""
    boilerplate: tuple[re.Pattern[str], ...] = ()
    """Body paragraphs matching one of these are the site's furniture, not the article."""
    date_formats: tuple[str, ...] = ()
    """strptime formats for dates as printed, tried before the unambiguous ISO and month-name forms."""
