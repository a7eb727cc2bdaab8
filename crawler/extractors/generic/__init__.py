"""The generic extractor: any news page, read from the evidence pages commonly carry, with per-outlet rules on top.

Each field is taken from the strongest evidence the page gives, in this order: the outlet's selector
(outlets.toml); structured data (JSON-LD at any nesting, microdata); OpenGraph, Dublin Core, Parse.ly and the
other meta tags; `rel=author` links; then what is printed near the headline (a "By …" line, `<time>`, a
"Published:" line). Structured data and meta are what the publisher declares; the printed page is what the
reader sees, and wins where the two are consistent and the print says more (a second author, the local day,
the headline without the site's suffix). The outlet (og:site_name, the publisher) is never an author unless
the byline prints it. Values are returned as printed; dates are turned into ISO 8601 here only when a format
reads them or the evidence needs it (an all-numeric date read by the URL's date, a local offset).

The body is trafilatura's main text (the best maintained open main-text extractor) over the page with the
furniture news sites put inside articles (share bars, related links, promos, newsletter boxes) removed.

`extract(html, url, evidence)` fills `evidence` (when given) with where each field came from, for
`scrapy extract --explain`; what it returns does not depend on it.
"""

from __future__ import annotations

import re
from typing import Any

from lxml.cssselect import CSSSelector

from crawler.extractors.generic.common import EXTRACTOR_ID, _remove, describe
from crawler.extractors.generic.page import Page
from crawler.extractors.rules import ExtractRules
from crawler.extractors.structured import read_structured_tree
from crawler.extractors.text import Html, parse_html

__all__ = ["DEFAULT_BOILERPLATE", "DEFAULT_LABELS", "EXTRACTOR_ID", "GenericExtractor", "describe", "extract"]
DEFAULT_LABELS: dict[str, tuple[str, ...]] = {
    "regions": ("Region", "Regions"),
    "themes": ("Theme", "Themes", "Topic", "Topics"),
    "in_depth_reports": ("In-depth Report", "In-depth Reports"),
}
# Share prompts, sign-up appeals and page furniture that news sites put inside the article's text, as lines.
DEFAULT_BOILERPLATE = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"^Think your friends would be interested\?",
    r"^Share this (story|article)\b",
    r"^(Please )?(click|tap) (the )?share button",
    r"^Sign up for (our|the) (free )?(e-?mail )?newsletters?",
    r"^Subscribe to (our|the) newsletter",
    r"^Follow us on (Facebook|Twitter|Telegram|Instagram)",
    r"^(READ MORE|SEE ALSO|RELATED( CONTENT| COVERAGE| STORIES)?|MORE FROM \S+|WATCH|LISTEN)\s*:",
    r"^(Advertisement|ADVERTISEMENT|Sponsored( Ads| Content)?|SPONSORED|Continue reading the main story)$",
    r"^SOURCE\s*:\s",
    r"^Follow \S+(?: \S+)? on (Twitter|Facebook|Instagram)\b",
    r"^Send (your )?tips? to\b",
    r"^(?:--|—|–)\s*By\s+\S",
))


def extract(html: Html, url: str, evidence: dict[str, str] | None = None) -> dict[str, Any]:
    """The generic extractor with no outlet rules: `scrapy extract --outlet generic`."""
    return _DEFAULT(html, url, evidence)


class GenericExtractor:
    """The generic extractor configured with one outlet's rules; called as `extractor(html, url)`."""

    def __init__(self, rules: ExtractRules | None = None) -> None:
        self.rules = rules or ExtractRules()
        self._drop = [CSSSelector(css) for css in self.rules.drop]
        self._labels = {**DEFAULT_LABELS, **self.rules.labels}
        self._boilerplate = DEFAULT_BOILERPLATE + self.rules.boilerplate

    def __call__(self, html: Html, url: str, evidence: dict[str, str] | None = None) -> dict[str, Any]:
        root = parse_html(html)
        structured = read_structured_tree(root, url)
        for selector in self._drop:
            for element in selector(root):
                _remove(element)
        return Page(self, root, structured, url, evidence).item()


_DEFAULT = GenericExtractor()
