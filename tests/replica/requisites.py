"""Which requisites each page of the offline replica asks for, and which of them the replica serves.

A page's requisites are what a browser fetches to show it: ``<link rel=stylesheet|icon|shortcut icon|
apple-touch-icon[-precomposed]|mask-icon href>``, ``<script src>``, ``<img src>`` and ``srcset`` (of
``img`` and of ``<picture><source>``), ``<input type=image src>``, the ``og:image`` / ``twitter:image``
meta, ``url()`` in ``<style>`` and ``style=""``; and, followed into every stylesheet the replica serves,
the stylesheet's ``@import`` and ``url()`` targets (fonts, background images), relative to the stylesheet.
With ``scripted=True``, also the absolute URLs of files (``.js``, ``.css``, images, fonts) that inline
scripts name in string literals and load when they run (WordPress's emoji loader, a rotating cover).

Those on the outlet's own hosts (its ``domains`` in crawler/outlets.toml, subdomains included: the
replica answers for all of them at the same path) are served from ``tests/replica/assets/site/``;
the rest (third-party CDNs, ad and analytics scripts) cannot be served offline and are listed in
``assets/site/README.md``.

Standard library only, like the server. Tests use::

    from tests.replica.requisites import requisite_paths
    requisite_paths("globalresearch", "/the-arithmetic-of-austerity/5664411")
    # {"/wp-content/themes/globalresearch/all.css", "/wp-content/themes/globalresearch/css/typography.css",
    #  "/wp-content/themes/globalresearch/fonts/dejavu-serif-bold-latin1.woff2", "/favicon2.ico", ...}

Paths carry no query string (the replica ignores it: ``all.css?t=002`` is ``all.css``); the
:class:`Requisite` objects of :func:`page_requisites` keep the full URL as the page names it.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from tests.replica.server import HERE, REPO_ROOT, Site, _charset, listing_html, load_site

OUTLETS_FILE = REPO_ROOT / "crawler" / "outlets.toml"
ICON_RELS = frozenset({"icon", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon"})
IMAGE_META = frozenset({"og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"})
NOT_FETCHED = ("data:", "about:", "javascript:", "blob:", "#")
FILE_SUFFIXES = (".js", ".css", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ico", ".woff2", ".woff", ".ttf")
_SCRIPT_URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?/[^\s"'<>()\\]*""")

__all__ = [
    "Requisite",
    "all_requisites",
    "css_references",
    "html_pages",
    "html_references",
    "offsite_requisites",
    "outlet_domains",
    "page_requisites",
    "requisite_paths",
    "served_requisite_paths",
]


@dataclass(frozen=True)
class Requisite:
    """One requisite of a page: the absolute URL as the outlet names it, and who named it."""

    url: str
    """Absolute URL on the outlet's real origin (or a third party's), query kept."""
    kind: str
    """stylesheet, icon, script, img, srcset, input-image, meta-image, style-url (HTML); css-import, css-url
    (stylesheets); script-url (inline scripts, with ``scripted=True`` only)."""
    referrer: str
    """The page, or the stylesheet, that names it."""
    on_outlet: bool
    """On the outlet's own hosts: the replica serves it at :attr:`path`."""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


# ------------------------------------------------------------------------------------------------
# Reading HTML and CSS
# ------------------------------------------------------------------------------------------------

_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_IMPORT = re.compile(
    r"""@import\s+(?:url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)|"([^"]*)"|'([^']*)')[^;]*;?""", re.I
)
_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.I)


def _first_group(match: re.Match[str]) -> str:
    return next((g for g in match.groups() if g is not None), "").strip()


def css_references(css: str) -> list[tuple[str, str]]:
    """(reference, kind) of a stylesheet, in order: its ``@import`` targets, then its ``url()`` targets.

    References are as written (resolve them against the stylesheet's URL); ``data:`` URIs and
    fragment-only references (``url(#filter)``) are left out: they name nothing to fetch.
    """
    text = _COMMENT.sub("", css)
    found: list[tuple[str, str]] = []
    for match in _IMPORT.finditer(text):
        found.append((_first_group(match), "css-import"))
    rest = _IMPORT.sub("", text)
    found += [(_first_group(m), "css-url") for m in _URL.finditer(rest)]
    return [(ref, kind) for ref, kind in found if ref and not ref.lower().startswith(NOT_FETCHED)]


def _srcset_urls(value: str) -> list[str]:
    """The URLs of a ``srcset`` (HTML's algorithm, short: a URL, then descriptors up to a comma)."""
    urls = []
    pos = 0
    while pos < len(value):
        while pos < len(value) and (value[pos].isspace() or value[pos] == ","):
            pos += 1
        start = pos
        while pos < len(value) and not value[pos].isspace():
            pos += 1
        url = value[start:pos]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            while pos < len(value) and value[pos] != ",":
                pos += 1
        if url:
            urls.append(url)
    return urls


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.base: str | None = None
        self._in_style = False
        self._in_script = False
        self._picture = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name.lower(): (value or "") for name, value in attrs}
        add = self.found.append
        if tag == "base" and self.base is None and a.get("href"):
            self.base = a["href"]
        elif tag == "link" and a.get("href"):
            rels = set(a.get("rel", "").lower().split())
            if "stylesheet" in rels and "alternate" not in rels:
                add((a["href"], "stylesheet"))
            elif rels & ICON_RELS:
                add((a["href"], "icon"))
        elif tag == "script":
            if a.get("src"):
                add((a["src"], "script"))
            else:
                self._in_script = True
        elif tag == "img":
            if a.get("src"):
                add((a["src"], "img"))
            self.found += [(u, "srcset") for u in _srcset_urls(a.get("srcset", ""))]
        elif tag == "picture":
            self._picture += 1
        elif tag == "source" and self._picture:
            self.found += [(u, "srcset") for u in _srcset_urls(a.get("srcset", ""))]
        elif tag == "input" and a.get("type", "").lower() == "image" and a.get("src"):
            add((a["src"], "input-image"))
        elif tag == "meta":
            key = (a.get("property") or a.get("name") or "").lower()
            if key in IMAGE_META and a.get("content"):
                add((a["content"], "meta-image"))
        elif tag == "style":
            self._in_style = True
        if "url(" in a.get("style", ""):
            self.found += [(ref, "style-url") for ref, _ in css_references(a["style"])]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("style", "picture"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
        elif tag == "script":
            self._in_script = False
        elif tag == "picture" and self._picture:
            self._picture -= 1

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += [(ref, "style-url" if kind == "css-url" else "stylesheet") for ref, kind in
                           css_references(data)]
        elif self._in_script:
            for url in _SCRIPT_URL.findall(data.replace("\\/", "/")):
                if urlsplit(url).path.lower().endswith(FILE_SUFFIXES):
                    self.found.append((url, "script-url"))


def html_references(html: str, page_url: str, *, scripted: bool = False) -> list[tuple[str, str]]:
    """(absolute URL, kind) of every requisite an HTML page names, in document order, resolved
    against its ``<base href>`` or its URL, without fragments; with `scripted`, the files its inline
    scripts name too (kind ``script-url``)."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    base = urljoin(page_url, parser.base) if parser.base else page_url
    return [(urldefrag(urljoin(base, ref.strip())).url, kind) for ref, kind in parser.found
            if ref.strip() and not ref.strip().lower().startswith(NOT_FETCHED)
            and (scripted or kind != "script-url")]


# ------------------------------------------------------------------------------------------------
# The replica's outlets and pages
# ------------------------------------------------------------------------------------------------


def _routes(outlet: str) -> Path:
    path = HERE / f"{outlet}.toml"
    if not path.is_file():
        raise KeyError(f"no replica route table for outlet {outlet!r} ({path})")
    return path


@functools.lru_cache(maxsize=32)
def _site(outlet: str, later: bool) -> Site:
    site = load_site(_routes(outlet))
    site.later_published = later
    return site


@functools.lru_cache(maxsize=32)
def outlet_domains(outlet: str) -> tuple[str, ...]:
    """The outlet's hosts, as crawler/outlets.toml lists them (subdomains count as the outlet's);
    the host of the route table's origin when the outlet is not listed there."""
    with OUTLETS_FILE.open("rb") as fh:
        registry = tomllib.load(fh)
    domains = registry.get(outlet, {}).get("domains")
    if domains:
        return tuple(str(d).lower() for d in domains)
    return ((urlsplit(_site(outlet, False).origin).hostname or "").lower(),)


def _on_outlet(url: str, domains: Iterable[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return bool(host) and any(host == d or host.endswith("." + d) for d in domains)


def _listing_paths(site: Site) -> list[str]:
    prefix = site.listing_path
    paths = []
    for number in range(1, 1000):
        if listing_html(site, number) is None:
            break
        paths.append(prefix if number == 1 else f"{prefix.rstrip('/')}/page/{number}/")
    return paths


def html_pages(outlet: str, *, later: bool = False) -> dict[str, str]:
    """Every HTML page the replica serves for the outlet, path → text: the articles (fixture pages,
    the 'later' ones too) and the listing pages it makes (as they are before or after
    publish-later, by `later`)."""
    site = _site(outlet, later)
    pages: dict[str, str] = {}
    for article in site.articles:
        if article.is_page:
            pages[article.path] = article.body.decode(_charset(article.content_type), errors="replace")
    for path in _listing_paths(site):
        body = _page_body(site, path)
        if body is not None:
            pages[path] = body
    return pages


def _page_body(site: Site, path: str) -> str | None:
    for article in site.articles:  # the later ones too: their pages exist, whether shown yet or not
        if article.is_page and article.path.rstrip("/") == path.rstrip("/"):
            return article.body.decode(_charset(article.content_type), errors="replace")
    listing = re.fullmatch(re.escape(site.listing_path.rstrip("/")) + r"(?:/page/(\d+))?/?", path)
    if listing:
        body = listing_html(site, int(listing.group(1) or 1))
        if body is not None:
            return body.decode("utf-8")
    return None


def page_requisites(
    outlet: str, page_path: str, *, later: bool = False, deep: bool = True, scripted: bool = False
) -> list[Requisite]:
    """The requisites of one page of the replica, each once, in the order a browser meets them.

    `page_path` is an article's path or a listing page's (``/latest-news-and-top-stories/page/2/``);
    `later` picks the listing as it is after publish-later. With `deep`, the stylesheets the replica
    serves are read too: their ``@import`` and ``url()`` targets follow, resolved against the sheet.
    With `scripted`, the files the page's inline scripts name follow (a browser running them asks for
    them; a crawler that does not run scripts finds them only by reading the scripts' strings).
    Raises KeyError for a path that is not an HTML page of the replica.
    """
    site = _site(outlet, later)
    html = _page_body(site, page_path)
    if html is None:
        raise KeyError(f"{outlet}: no HTML page at {page_path!r}")
    domains = outlet_domains(outlet)
    page_url = site.origin.rstrip("/") + page_path
    seen: dict[str, Requisite] = {}
    queue = [Requisite(url, kind, page_url, _on_outlet(url, domains))
             for url, kind in html_references(html, page_url, scripted=scripted)]
    while queue:
        requisite = queue.pop(0)
        if requisite.url in seen:
            continue
        seen[requisite.url] = requisite
        if not (deep and requisite.on_outlet and requisite.kind in ("stylesheet", "css-import")):
            continue
        asset = site.asset(requisite.path)
        if asset is None or not asset.content_type.startswith("text/css"):
            continue
        for ref, kind in css_references(asset.body.decode("utf-8")):
            url = urldefrag(urljoin(requisite.url, ref)).url
            queue.append(Requisite(url, kind, requisite.url, _on_outlet(url, domains)))
    return list(seen.values())


def requisite_paths(
    outlet: str, page_path: str, *, later: bool = False, deep: bool = True, scripted: bool = False
) -> set[str]:
    """The URL paths (no query) of a page's requisites on the outlet's own hosts: what a crawler that
    keeps page requisites must have archived with the page, and what the replica answers 200 for.
    `scripted` adds what the page's inline scripts load (what a browser replaying it asks for too)."""
    return {r.path for r in page_requisites(outlet, page_path, later=later, deep=deep, scripted=scripted)
            if r.on_outlet}


def offsite_requisites(outlet: str, page_path: str, *, later: bool = False, scripted: bool = False) -> list[Requisite]:
    """A page's requisites on other hosts: nothing offline serves them."""
    return [r for r in page_requisites(outlet, page_path, later=later, scripted=scripted) if not r.on_outlet]


def all_requisites(outlet: str, *, scripted: bool = True) -> dict[str, list[Requisite]]:
    """Every HTML page of the outlet's replica (listing pages before and after publish-later), with
    its requisites (by default with what inline scripts load: everything the replica must answer)."""
    out: dict[str, list[Requisite]] = {}
    for later in (False, True):
        for path in html_pages(outlet, later=later):
            out.setdefault(path, [])
            known = {r.url for r in out[path]}
            out[path] += [r for r in page_requisites(outlet, path, later=later, scripted=scripted)
                          if r.url not in known]
    return out


def served_requisite_paths(outlet: str) -> set[str]:
    """The paths of every requisite of every page of the outlet's replica on its own hosts, the files
    inline scripts load included."""
    return {r.path for requisites in all_requisites(outlet).values() for r in requisites if r.on_outlet}
