"""One page read into an item: every field's reader together."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler.extractors.generic.body import Body
from crawler.extractors.generic.bylines import Bylines
from crawler.extractors.generic.common import EXTRACTOR_ID, _text_value
from crawler.extractors.generic.dating import Dates
from crawler.extractors.generic.provenance import Provenance
from crawler.extractors.generic.terms import Terms
from crawler.extractors.text import absolute


class Page(Bylines, Dates, Terms, Provenance, Body):
    """One page being read: every field of the item."""

    def item(self) -> dict[str, Any]:
        canonical = absolute(self.base, self._first_string('/descendant::link[@rel="canonical"]/@href'))
        if canonical and not urlsplit(canonical).path.strip("/") and urlsplit(self.url).path.strip("/"):
            canonical = None  # a canonical link to the home page (or an id alone) is no article URL
        if canonical and not urlsplit(canonical).scheme.startswith("http"):
            canonical = None
        url = canonical or absolute(self.base, self.meta.get("property:og:url")) or self.url
        self.note("url", "link rel=canonical" if canonical else "meta og:url" if url != self.url else "the page's URL")
        title = self.title()
        published = self.date("published")
        modified = self.modified(published)
        return {
            "url": url,
            "article_id": self.article_id(url),
            "title": title,
            "subtitle": self.subtitle(),
            "byline": self.byline(),
            "authors": self.authors(),
            "published": published,
            "modified": modified,
            **self.terms(),
            "original_source": self.original_source(published, canonical),
            "copyright": self.copyright(),
            "language": self.language(),
            "summary": self.summary(),
            "image": self.image(),
            "body": self.body(title),
            "extractor": EXTRACTOR_ID,
        }

    def subtitle(self) -> str | None:
        chosen = self.selected_text("subtitle")
        if chosen:
            return chosen
        chosen = _text_value(self.sd.jsonld_value("alternativeHeadline"))
        if chosen:
            self.note("subtitle", f"{self.ld}.alternativeHeadline")
        return chosen

    def article_id(self, url: str) -> str | None:
        path = urlsplit(url).path
        pattern = self.rules.article_id
        if pattern is not None:
            match = pattern.match(path)
            if match and match.groupdict().get("id"):
                return match.group("id")
        shortlink = self._first_string('/descendant::link[@rel="shortlink"]/@href')
        if shortlink:
            post = parse_qs(urlsplit(shortlink).query).get("p")
            if post and post[0].isdigit():
                return post[0]
        return None

    def summary(self) -> str | None:
        chosen = self.selected_text("summary")
        if chosen:
            return chosen
        for value, how in ((_text_value(self.sd.jsonld_value("description")), f"{self.ld}.description"),
                           (self.meta.get("property:og:description"), "meta og:description"),
                           (self.meta.get("name:twitter:description", "property:twitter:description"),
                            "meta twitter:description"),
                           (_text_value(self.sd.microdata_value("description")), "microdata description"),
                           (self.meta.get("name:description"), "meta description")):
            if value:
                self.note("summary", how)
                return value
        return None
