"""What a page says about itself outside the article's markup: its meta tags and its base URL."""

from __future__ import annotations

from lxml import html as lxml_html

from crawler.extractors.text import absolute, collapse

__all__ = ["Meta", "base_url"]

_KEY_ATTRIBUTES = ("property", "name", "itemprop", "http-equiv")


class Meta:
    """A page's meta tags by `attribute:key` (property, name, itemprop, http-equiv); keys are case-blind."""

    def __init__(self, root: lxml_html.HtmlElement) -> None:
        self._first: dict[tuple[str, str], str] = {}
        self._first_filled: dict[tuple[str, str], str] = {}
        for element in root.iter("meta"):
            content = element.get("content")
            if content is None:
                continue
            value = collapse(content)
            for attr in _KEY_ATTRIBUTES:
                key = element.get(attr)
                if not key:
                    continue
                index = (attr, key.strip().lower())
                self._first.setdefault(index, value)
                if value:
                    self._first_filled.setdefault(index, value)

    def get(self, *keys: str) -> str | None:
        """The first of the keys that has a value, each from its first tag with content (blank tags skipped).

        e.g. get("property:og:title", "name:twitter:title").
        """
        for key in keys:
            value = self._first_filled.get(_split(key))
            if value:
                return value
        return None

    def first(self, key: str) -> str | None:
        """The content of the first tag with this key, None when that content is blank.

        Unlike `get`, a blank tag hides the tags after it: a site profile reads its own layout, where a blank
        first tag means the page has no such value (Global Research's items were made this way).
        """
        return self._first.get(_split(key)) or None


def _split(key: str) -> tuple[str, str]:
    attr, _, name = key.partition(":")
    return attr, name.lower()


def base_url(root: lxml_html.HtmlElement, url: str) -> str:
    """What relative links of the page are relative to: its `<base href>`, else its own URL."""
    # iter() by tag: a page with no <base> (nearly all) costs no walk, as the tag is not in its names.
    found = next((href for element in root.iter("base") if (href := element.get("href")) is not None), None)
    return absolute(url, found.strip() if found is not None else None) or url
