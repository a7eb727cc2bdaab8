"""A generated Global Research replica of N articles, served fast from a separate process.

Pages are made from the 2018 WordPress markup of the site: the chrome (head, navigation, sidebar, footer)
comes from the project's own fixture page ``tests/fixtures/globalresearch/original-one-author-lake.html``
(whose text was written for this project), and everything that belongs to an article (title, authors,
dates, categories, body, copyright lines, the sidebar's article lists) is generated from the article's id
with a seeded random generator, so page ``i`` is the same in every run and nothing has to be stored.
Bodies are generated English-like text; no real article text is used. Pages are about 80 KB, like the
real ones.

Routes, on the outlet's real paths:

    /robots.txt                                  allows everything but /wp-admin/, names the sitemap
    /feed                                        RSS 2.0, the newest FEED_SIZE articles
    /sitemap.xml                                 sitemap index of /sitemap-posts-K.xml, SITEMAP_PER_FILE each
    /latest-news-and-top-stories/[page/N/]       listing pages, LISTING_PER_PAGE articles each, newest first
    /<slug>/<id>                                 the articles, ids FIRST_ID .. FIRST_ID + N - 1
    /wp-content/uploads/YYYY/MM/image-<id>[-WxH].jpg   each article's lead image and its thumbnail
    /wp-content/…, /wp-includes/…, /images/…,    the page chrome's stylesheets (with the images and fonts
    /store/images/…, /favicon*.ico               their url()s name), scripts, icons and images

Page requisites: the chrome the article pages name (the theme's and plugins' stylesheets and scripts, icons,
the book covers; ASSET_ROUTE) and each article's two images are served, so that an archival crawl archives
them as it does on the real site; the pages and articles themselves do not change. Their bytes are small and
deterministic (made from the path): stylesheets and scripts are generated text, gzip-encoded like the pages
(nginx's gzip_types); images and fonts are their format's magic bytes and seeded random bytes (not decodable:
nothing in a crawl decodes them), never gzip-encoded, as a real server sends them. Any other path is a 404.

HTML, XML, stylesheets and scripts are gzip-encoded when the client accepts gzip (Content-Length set,
keep-alive). The server is a plain asyncio protocol with every page rendered and gzipped before it starts
listening (``--lazy`` renders on first request behind an LRU instead; requisites are made on first request),
so that serving costs a memcpy and the crawler, not the server, is what a benchmark measures.

    python -m bench.replica --n 1000 --port 8800
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import html
import os
import random
import re
import signal
import socket
import sys
import time
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from xml.sax.saxutils import escape as xml_escape

from bench.served import ServedProcess

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_FILE = REPO_ROOT / "tests" / "fixtures" / "globalresearch" / "original-one-author-lake.html"
ORIGIN = "https://www.globalresearch.ca"
FIRST_ID = 5_600_000
FEED_SIZE = 10
SITEMAP_PER_FILE = 1000
LISTING_PER_PAGE = 20
LISTING_PREFIX = "/latest-news-and-top-stories/"
EPOCH = datetime(2018, 1, 2, 6, 0, tzinfo=UTC)
STEP = timedelta(minutes=37)
# nginx's default gzip_comp_level is 1; level 6 is what Apache and many WordPress hosts use.
GZIP_LEVEL = 6
TARGET_SIZE = (74_000, 86_000)  # bytes of HTML per article page, uniformly in this range

# --- Vocabulary: common English words and invented names, nothing taken from a real article. ---------------

def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


WORDS = _words(
    "the of and to in a is that for it as was with be by on not he this are or his from at which but have "
    "an they you were her she there been one all we their has would when if so no will more what its out up "
    "who them about can into only other time new some could these two may then first any like now my such "
    "over our also years even most made after many must before through back where much your way well down "
    "should because each just those people how too little state good very make world still own see men work "
    "long here between both life being under never same another know while last might great old year off "
    "come since against go came right used take three states himself few house use during without again place "
    "around however home small found thought went say part once general high upon school every does got "
    "united left number course war until always away something fact water though less public put think almost "
    "hand enough far took head yet government system better set told nothing night end why called eyes find "
    "going look asked later knew point next program city business give group toward young days let room "
    "president side social given present several order national possible rather second face per among form "
    "important often things looked early white case john become large big need four within felt along children "
    "saw best church ever least power development light thing seemed family interest want members mind country "
    "area others although done turned problem sense help certain door began law actually matter council "
    "budget harbour contract river market region county province ministry committee report figures workers "
    "farmers tenants landlords wages prices export import pipeline railway port ferry clinic hospital school "
    "teachers nurses drivers union strike election parliament mayor minister treaty border village valley "
    "coast island mine quarry mill factory warehouse cooperative loan bank fund debt tariff subsidy grain "
    "harvest drought flood storm forest fishery reservoir dam canal bridge tunnel highway airport archive "
    "library newspaper broadcast court judge lawyer verdict appeal inquiry audit hearing testimony record "
    "evidence witness official spokesman agency office department regulation licence permit concession lease"
)
FIRST_NAMES = _words("Ada Bram Clara Dmitri Elif Farid Greta Hugo Ines Jonas Kaia Luis Mira Nikolai Odile Pavel "
               "Quentin Rosa Soren Talia Umar Vera Wendel Xenia Yusuf Zora")
LAST_NAMES = _words("Abernathy Brandvold Castellanos Delacroix Eriksen Fairweather Gallo Haddad Ivanova Jaramillo "
              "Kowalczyk Lindgren Moreau Nakashima Okonkwo Petrakis Quinlan Rasmussen Santoro Takahashi "
              "Ulrich Valdivia Whitcombe Yilmaz Zielinski")
HONORIFICS = ("", "", "", "", "Dr. ", "Prof. ")
OUTLETS = (("Harbour Ledger", "https://www.harbourledger.example"),
           ("Valley Courier", "https://valleycourier.example"),
           ("The Quarry Review", "https://quarryreview.example"),
           ("Northern Dispatch", "https://northerndispatch.example"))
REGIONS = (("USA", "usa"), ("Canada", "canada"), ("Latin America & Caribbean", "latin-america-caribbean"),
           ("sub-Saharan Africa", "sub-saharan-africa"), ("Middle East & North Africa", "middle-east"),
           ("Europe", "europe"), ("Russia and FSU", "russia-and-fsu"), ("Asia", "asia"),
           ("Oceania", "oceania"))
THEMES = (("Environment", "environment"), ("Global Economy", "global-economy"), ("Law and Justice", "law-and-justice"),
          ("Oil, Gas and Pipelines", "oil-gas-and-pipelines"), ("Media Disinformation", "media-disinformation"),
          ("Poverty & Social Inequality", "poverty-social-inequality"), ("History", "history"),
          ("Culture, Society & History", "culture-society-history"))
REPORTS = (("The Water Question", "the-water-question"), ("Ports and Power", "ports-and-power"))


# --- Articles ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleMeta:
    """What the feed, sitemap and listing pages need: cheap, no body."""

    index: int
    id: int
    slug: str
    title: str
    published: datetime

    @property
    def path(self) -> str:
        return f"/{self.slug}/{self.id}"

    @property
    def url(self) -> str:
        return ORIGIN + self.path


def _title_words(rng: random.Random) -> list[str]:
    words = [rng.choice(WORDS) for _ in range(rng.randint(4, 10))]
    return [w.capitalize() if i == 0 or len(w) > 3 else w for i, w in enumerate(words)]


@lru_cache(maxsize=65536)
def article_meta(index: int) -> ArticleMeta:
    rng = random.Random(FIRST_ID + index)
    words = _title_words(rng)
    title = " ".join(words)
    slug = "-".join(w.lower() for w in words)
    return ArticleMeta(index=index, id=FIRST_ID + index, slug=slug, title=title, published=EPOCH + index * STEP)


def _sentence(rng: random.Random) -> str:
    n = rng.randint(7, 24)
    words = [rng.choice(WORDS) for _ in range(n)]
    if n > 12 and rng.random() < 0.5:
        words[rng.randint(3, n - 4)] += ","
    if rng.random() < 0.15:
        words.insert(rng.randint(1, len(words) - 1), str(rng.randint(2, 1990)))
    text = " ".join(words)
    return text[0].upper() + text[1:] + ("?" if rng.random() < 0.05 else ".")


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 7)))


def _person(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return rng.choice(HONORIFICS) + f"{first} {last}", f"{first}-{last}".lower()


def _author_links(authors: list[tuple[str, str]]) -> str:
    links = [f'<a href="{ORIGIN}/author/{slug}" title="Posts by {html.escape(name)}">{html.escape(name)}</a>'
             for name, slug in authors]
    if len(links) == 1:
        return links[0]
    return ", ".join(links[:-1]) + " and " + links[-1]


def _terms_html(rng: random.Random) -> str:
    rows = []
    for label, kind, table, most in (("Region", "region", REGIONS, 2), ("Theme", "theme", THEMES, 3),
                                     ("In-depth Report", "indepthreport", REPORTS, 1)):
        if label == "In-depth Report" and rng.random() < 0.8:
            continue
        picks = rng.sample(table, rng.randint(1, most))
        links = ", ".join(f'<a href="{ORIGIN}/{kind}/{slug}" rel="tag">{html.escape(name)}</a>'
                          for name, slug in picks)
        rows.append(f'<div class="cats">{label}: {links}</div>')
    return "<div class=\"catAndTag\">\n" + "\n".join(rows) + "\n</div>"


def _body_html(rng: random.Random, authors: list[tuple[str, str]], target: int) -> str:
    blocks: list[str] = [f"<p><em>{_paragraph(rng)}</em></p>"]
    size = len(blocks[0])
    while size < target:
        roll = rng.random()
        if roll < 0.08:
            block = f"<h3>{' '.join(_title_words(rng))}</h3>"
        elif roll < 0.13:
            block = f"<blockquote><p>{_paragraph(rng)}</p><p>{_sentence(rng)}</p></blockquote>"
        elif roll < 0.17:
            items = "".join(f"<li>{_sentence(rng)}</li>" for _ in range(rng.randint(3, 6)))
            block = f"<ul>{items}</ul>"
        else:
            block = f"<p>{_paragraph(rng)}</p>"
        blocks.append(block)
        size += len(block)
    name, slug = authors[0] if authors else ("Global Research", "")
    blocks += [
        "<p>*</p>",
        '<p style="text-align: left;">Note to readers: please click the share buttons above. Forward this '
        "article to your email lists. Crosspost on your blog site, internet forums. etc.</p>",
        f'<p style="text-align: left;"><em><strong><a href="{ORIGIN}/author/{slug}">{html.escape(name)}</a>'
        f"</strong> {_sentence(rng)}</em></p>",
    ]
    return "\n".join(blocks)


def _sidebar_items(metas: Iterator[ArticleMeta]) -> str:
    return "\n".join(
        f'<li id="post-{m.id}" class="post-{m.id} post type-post status-publish format-standard '
        f'has-post-thumbnail hentry category-english highlighting-news highlighting-top-box">\n'
        f'<a href="{m.url}">\n<h4 class="title">{html.escape(m.title)}</h4>\n</a>\n</li>'
        for m in metas
    )


def _neighbours(index: int, n: int, count: int, salt: int) -> Iterator[ArticleMeta]:
    rng = random.Random(index * 7919 + salt)
    for _ in range(count):
        yield article_meta(rng.randrange(max(n, 1)))


class _Template:
    """The fixture page cut at every article-specific place: literal parts and field names, alternating."""

    FIELD = re.compile(r"\x00([a-z_]+)\x00")

    def __init__(self, source: str) -> None:
        text = source
        start = text.index('<div itemprop="articleBody" class="content">')
        start = text.index("</div>", text.index('<div class="postThumbnail">', start)) + len("</div>\n")
        end = text.index('<div>\n<div class="copyright">', start)
        text = text[:start] + "\x00body\x00\n" + text[end:]
        # The footer lines: where the piece first appeared and whose copyright it is.
        text = re.sub(r'<div class="copyright">The original source.*?</div>\n<div class="copyright">Copyright.*?</div>',
                      "\x00copyright\x00", text, count=1, flags=re.DOTALL)
        text = re.sub(r'<div class="catAndTag">.*?\n</div>', "\x00cats\x00", text, count=1, flags=re.DOTALL)
        text = re.sub(r'<h3 class="subtitle">.*?</h3>', "\x00subtitle\x00", text, count=1)
        text = re.sub(r'<div class="author">.*?</div>', '<div class="author">By \x00authors\x00</div>', text, count=1)
        text = re.sub(r'<ul class="dpe-flexible-posts">.*?</ul>',
                      '<ul class="dpe-flexible-posts">\n\x00latest\x00\n</ul>', text, count=1, flags=re.DOTALL)
        text = re.sub(r'(<div class="authorName">\s*<span>Articles by:</span>\s*).*?(</div>)',
                      "\\1\x00authors\x00 \\2", text, count=1, flags=re.DOTALL)
        text = text.replace('<div id="sidebar">', '<div id="sidebar">\n\x00popular\x00', 1)
        for old, field in (
            ("who-owns-the-lake-the-quiet-sale-of-a-regions-water%2F5660101", "path_q"),
            ("who-owns-the-lake-the-quiet-sale-of-a-regions-water/5660101", "path_rel"),
            ("Who Owns the Lake? The Quiet Sale of a Region&#8217;s Water", "title"),
            ("Who Owns the Lake? The Quiet Sale of a Region’s Water", "title"),
            ("2018-11-02T14:20:11+00:00", "published_iso"),
            ("2018-11-03T08:02:45+00:00", "modified_iso"),
            ("02 November 2018", "published_day"),
            ("03 November 2018", "modified_day"),
            ("November 02, 2018", "gr_date"),
            ("2018/11/lake-shoreline", "image"),
            ("Dr. Hannah Lindqvist", "first_author"),
            ("5660101", "id"),
        ):
            if old not in text:
                raise ValueError(f"template {TEMPLATE_FILE.name}: {old!r} not found; the fixture has changed")
            text = text.replace(old, f"\x00{field}\x00")
        desc = re.search(r'<meta property="og:description" content="([^"]*)"', text)
        if desc is None:
            raise ValueError(f"template {TEMPLATE_FILE.name}: no og:description")
        text = text.replace(desc.group(1), "\x00description\x00")
        parts = self.FIELD.split(text)
        self.literals = parts[0::2]
        self.fields = parts[1::2]
        leftover = [w for w in ("Lindqvist", "lake", "water board") if any(w in lit for lit in self.literals)]
        if leftover:
            raise ValueError(f"template {TEMPLATE_FILE.name}: article text left in the chrome: {leftover}")

    def render(self, values: dict[str, str]) -> str:
        out = [self.literals[0]]
        for field, literal in zip(self.fields, self.literals[1:], strict=True):
            out.append(values[field])
            out.append(literal)
        return "".join(out)


@lru_cache(maxsize=1)
def _template() -> _Template:
    return _Template(TEMPLATE_FILE.read_text(encoding="utf-8"))


def render_article(index: int, n: int) -> str:
    """The HTML of article `index` of a replica of `n` articles (a function of both, nothing else)."""
    meta = article_meta(index)
    rng = random.Random(meta.id * 31 + 1)
    target = rng.randint(*TARGET_SIZE)
    authors = [_person(rng) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))]
    published = meta.published
    modified = published + timedelta(hours=rng.randint(1, 72))
    outlet = rng.choice(OUTLETS) if rng.random() < 0.3 else None
    if outlet is None:
        copyright_html = (f'<div class="copyright">The original source of this article is Global Research</div>\n'
                          f'<div class="copyright">Copyright © {_author_links(authors)}, Global Research, '
                          f"{published.year}</div>")
    else:
        src = f'<a href="{outlet[1]}/{published:%Y/%m/%d}/{meta.slug}/">{outlet[0]}</a>'
        copyright_html = (f'<div class="copyright">The original source of this article is {src}</div>\n'
                          f'<div class="copyright">Copyright © {_author_links(authors)}, {src}, '
                          f"{published.year}</div>")
    subtitle = (f'<h3 class="subtitle">{html.escape(" ".join(_title_words(rng)))}</h3>'
                if rng.random() < 0.4 else "")
    title = html.escape(meta.title)
    values = {
        "path_q": f"{meta.slug}%2F{meta.id}",
        "path_rel": f"{meta.slug}/{meta.id}",
        "title": title,
        "published_iso": published.isoformat(),
        "modified_iso": modified.isoformat(),
        "published_day": f"{published:%d %B %Y}",
        "modified_day": f"{modified:%d %B %Y}",
        "gr_date": f"{published:%B %d, %Y}",
        "image": f"{published:%Y/%m}/image-{meta.id}",
        "first_author": html.escape(authors[0][0]),
        "id": str(meta.id),
        "description": "",  # filled below, from the body's first sentences
        "cats": _terms_html(rng),
        "subtitle": subtitle,
        "authors": _author_links(authors),
        "copyright": copyright_html,
        "latest": _sidebar_items(article_meta(max(0, index - k)) for k in range(1, 11)),
        "popular": "",
        "body": "",
    }
    body_target = rng.randint(9_000, 22_000)
    body = _body_html(rng, authors, body_target)
    values["body"] = body
    first = re.sub(r"<[^>]+>", "", body[: body.index("</p>")])
    values["description"] = html.escape(first[:200].rsplit(" ", 1)[0]) + " &hellip;"
    page = _template().render(values)
    missing = target - len(page.encode())
    if missing > 0:
        # The real sidebar carries several article lists; more of them bring a page to its size.
        items = _sidebar_items(_neighbours(index, n, max(1, missing // 330), salt=1))
        values["popular"] = (
            '<div class="widget_dpe_fp_widget " id="dpe_fp_widget-3"><h3>Most Popular</h3> '
            '<div class="latestnews">\n<ul class="dpe-flexible-posts">\n' + items + "\n</ul>\n</div>\n</div>"
        )
        page = _template().render(values)
    return page


# --- Discovery pages -------------------------------------------------------------------------------------


def _rfc822(when: datetime) -> str:
    return format_datetime(when, usegmt=True)


def robots_txt(base: str) -> str:
    return f"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\nSitemap: {base}/sitemap.xml\n"


def feed_xml(n: int) -> str:
    items = []
    for index in range(n - 1, max(-1, n - 1 - FEED_SIZE), -1):
        m = article_meta(index)
        items.append(
            f"<item>\n<title>{xml_escape(m.title)}</title>\n<link>{m.url}</link>\n"
            f"<pubDate>{_rfc822(m.published)}</pubDate>\n<guid isPermaLink=\"false\">{ORIGIN}/?p={m.id}</guid>\n"
            f"<description><![CDATA[{xml_escape(m.title)}]]></description>\n</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/'
        'content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
        f"<channel>\n<title>Global Research</title>\n<atom:link href=\"{ORIGIN}/feed\" rel=\"self\" "
        f"type=\"application/rss+xml\" />\n<link>{ORIGIN}</link>\n<description>Centre for Research on "
        "Globalization</description>\n<language>en-US</language>\n" + "\n".join(items) + "\n</channel>\n</rss>\n"
    )


def sitemap_count(n: int) -> int:
    return max(1, -(-n // SITEMAP_PER_FILE))


def sitemap_index_xml(n: int) -> str:
    rows = []
    for k in range(1, sitemap_count(n) + 1):
        last = article_meta(min(n, k * SITEMAP_PER_FILE) - 1)
        rows.append(f"<sitemap><loc>{ORIGIN}/sitemap-posts-{k}.xml</loc>"
                    f"<lastmod>{last.published.isoformat()}</lastmod></sitemap>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(rows) + "\n</sitemapindex>\n")


def sitemap_xml(n: int, k: int) -> str | None:
    if not 1 <= k <= sitemap_count(n):
        return None
    rows = []
    for index in range((k - 1) * SITEMAP_PER_FILE, min(n, k * SITEMAP_PER_FILE)):
        m = article_meta(index)
        rows.append(f"<url><loc>{m.url}</loc><lastmod>{m.published.isoformat()}</lastmod></url>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(rows) + "\n</urlset>\n")


def listing_html(n: int, page: int) -> str | None:
    pages = max(1, -(-n // LISTING_PER_PAGE))
    if not 1 <= page <= pages:
        return None
    newest = n - 1 - (page - 1) * LISTING_PER_PAGE
    rows = []
    for index in range(newest, max(-1, newest - LISTING_PER_PAGE), -1):
        m = article_meta(index)
        rows.append(
            f'<div class="article">\n<div class="text">\n<strong class="title"><a href="{m.url}">'
            f"{html.escape(m.title)}</a></strong>\n<span class=\"date\">{m.published:%B %d, %Y}</span>\n"
            f"</div>\n</div>"
        )
    nav = []
    if page > 1:
        nav.append(f'<a class="prev" href="{ORIGIN}{LISTING_PREFIX}page/{page - 1}/">Previous</a>')
    if page < pages:
        nav.append(f'<a class="next" href="{ORIGIN}{LISTING_PREFIX}page/{page + 1}/">Next</a>')
    return (
        '<!DOCTYPE html>\n<html lang="en-US">\n<head>\n<meta charset="UTF-8" />\n'
        "<title>Latest News &amp; Top Stories - Global Research</title>\n</head>\n<body>\n"
        '<div id="content">\n<h1>Latest News &amp; Top Stories</h1>\n' + "\n".join(rows)
        + f'\n<div class="pagination">{" ".join(nav)}</div>\n</div>\n</body>\n</html>\n'
    )


# --- Page requisites -------------------------------------------------------------------------------------

# Extension: (content type, gzip-encoded when the client accepts it, size range in bytes).
ASSET_TYPES: dict[str, tuple[str, bool, tuple[int, int]]] = {
    ".css": ("text/css", True, (2_000, 12_000)),
    ".js": ("application/javascript", True, (2_000, 24_000)),
    ".ico": ("image/x-icon", True, (1_000, 4_000)),
    ".svg": ("image/svg+xml", True, (500, 3_000)),
    ".png": ("image/png", False, (500, 8_000)),
    ".jpg": ("image/jpeg", False, (2_000, 12_000)),
    ".jpeg": ("image/jpeg", False, (2_000, 12_000)),
    ".gif": ("image/gif", False, (200, 2_000)),
    ".woff2": ("font/woff2", False, (8_000, 20_000)),
    ".woff": ("font/woff", False, (10_000, 24_000)),
}
ASSET_ROUTE = re.compile(r"^/(?:(?:wp-content|wp-includes|images|store/images)/[A-Za-z0-9._/-]+|favicon[0-9]*\.ico)$")
_UPLOAD_RE = re.compile(r"^/wp-content/uploads/(\d{4})/(\d{2})/image-(\d{7})(-\d+x\d+)?\.jpg$")
LEAD_IMAGE_SIZE = (12_000, 24_000)
THUMBNAIL_SIZE = (4_000, 8_000)
_MAGIC = {".png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ".jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
          ".jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", ".gif": b"GIF89a", ".ico": b"\x00\x00\x01\x00",
          ".woff2": b"wOF2", ".woff": b"wOFF", ".svg": b""}


def _asset_rng(path: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.blake2b(path.encode(), digest_size=8).digest(), "big"))


def _stylesheet(path: str, size: int, rng: random.Random) -> str:
    """CSS rules; each sheet names two background images beside it, the theme's sheets a web font too."""
    folder = path.rsplit("/", 1)[0]
    name = path.rsplit("/", 1)[1].split(".", maxsplit=1)[0]
    rules = [f"/* {path} */",
             f".{name}-a{{background:url(images/{name}-bg-1.png) no-repeat}}",
             f".{name}-b{{background-image:url('{folder}/images/{name}-bg-2.png')}}"]
    if "/themes/" in path:
        rules.insert(1, f"@font-face{{font-family:gr-{name};src:url(fonts/{name}.woff2) format('woff2')}}")
    while sum(len(r) for r in rules) < size:
        selector = " ".join(f".{rng.choice(WORDS)}" for _ in range(rng.randint(1, 3)))
        props = ";".join(f"{rng.choice(('margin', 'padding', 'width', 'line-height', 'font-size'))}:"
                         f"{rng.randint(0, 40)}px" for _ in range(rng.randint(1, 5)))
        rules.append(f"{selector}{{{props}}}")
    return "\n".join(rules) + "\n"


def _script(path: str, size: int, rng: random.Random) -> str:
    lines = [f"/*! {path} */", "(function(){"]
    while sum(len(line) for line in lines) < size:
        name, arg = rng.choice(WORDS), rng.choice(WORDS)
        lines.append(f"function {name}_{rng.randint(0, 999)}({arg}){{return {arg}&&{arg}.length>{rng.randint(0, 9)}"
                     f"?{arg}.slice({rng.randint(0, 5)}):null}}")
    lines.append("})();")
    return "\n".join(lines) + "\n"


def asset(path: str, n: int) -> tuple[int, str, bytes, bool] | None:
    """(status, content type, body, gzip-encoded) of a page requisite, or None when `path` is none."""
    ext = "." + path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if ext not in ASSET_TYPES or not ASSET_ROUTE.match(path):
        return None
    ctype, gzipped, size_range = ASSET_TYPES[ext]
    upload = _UPLOAD_RE.match(path)
    if upload:  # an article's lead image or thumbnail: only for the replica's articles, in their month's folder
        index = int(upload.group(3)) - FIRST_ID
        if not 0 <= index < n or f"{article_meta(index).published:%Y/%m}" != f"{upload.group(1)}/{upload.group(2)}":
            return None
        size_range = THUMBNAIL_SIZE if upload.group(4) else LEAD_IMAGE_SIZE
    rng = _asset_rng(path)
    size = rng.randint(*size_range)
    if ext == ".css":
        body = gzip_bytes(_stylesheet(path, size, rng).encode())
    elif ext == ".js":
        body = gzip_bytes(_script(path, size, rng).encode())
    elif ext == ".svg":
        body = gzip_bytes(f'<svg xmlns="http://www.w3.org/2000/svg"><!-- {"x" * size} --></svg>\n'.encode())
    else:
        magic = _MAGIC[ext]
        body = magic + rng.randbytes(max(0, size - len(magic)))
        if gzipped:
            body = gzip_bytes(body)
    return 200, ctype, body, gzipped


# --- Routing ---------------------------------------------------------------------------------------------

_ARTICLE_RE = re.compile(r"^/([a-z0-9][a-z0-9-]*)/(\d{7})/?$")
_SITEMAP_RE = re.compile(r"^/sitemap-posts-(\d+)\.xml$")
_LISTING_RE = re.compile(r"^/latest-news-and-top-stories/(?:page/(\d+)/?)?$")

HTML = "text/html; charset=UTF-8"
XML = "application/xml; charset=UTF-8"


Entry = tuple[int, str, bytes, bool]  # status, content type, body, whether the body is gzip-encoded


class Replica:
    """Route -> (status, content type, body, gzipped) for a replica of n articles; pages pre-gzipped, cached."""

    def __init__(self, n: int, base: str, cache_size: int | None = None) -> None:
        self.n = n
        self.base = base.rstrip("/")
        self.cache_size = cache_size if cache_size is not None else n + 64
        self._cache: OrderedDict[str, Entry] = OrderedDict()
        self._chrome: dict[str, Entry] = {}  # the few requisites every page shares, made once

    def _local(self, text: str) -> str:
        # Links in pages name the outlet's origin; discovery pages point at this server, as a mirror would.
        return text.replace(ORIGIN, self.base)

    def render(self, path: str) -> tuple[int, str, str]:
        if path == "/robots.txt":
            return 200, "text/plain; charset=UTF-8", robots_txt(self.base)
        if path in ("/feed", "/feed/"):
            return 200, "application/rss+xml; charset=UTF-8", self._local(feed_xml(self.n))
        if path == "/sitemap.xml":
            return 200, XML, self._local(sitemap_index_xml(self.n))
        match = _SITEMAP_RE.match(path)
        if match:
            body = sitemap_xml(self.n, int(match.group(1)))
            return (200, XML, self._local(body)) if body is not None else _not_found()
        match = _LISTING_RE.match(path)
        if match:
            listing = listing_html(self.n, int(match.group(1) or 1))
            return (200, HTML, self._local(listing)) if listing is not None else _not_found()
        match = _ARTICLE_RE.match(path)
        if match:
            index = int(match.group(2)) - FIRST_ID
            if 0 <= index < self.n and article_meta(index).slug == match.group(1):
                # Article pages keep the outlet's own absolute URLs, as a saved copy of the site would.
                return 200, HTML, render_article(index, self.n)
        return _not_found()

    def get(self, path: str) -> Entry:
        """(status, content type, body, gzipped): pages keep only their gzip form (identity is decompressed on
        demand); an article's images are made on each request (cheap, seeded), other requisites once."""
        hit = self._cache.get(path) or self._chrome.get(path)
        if hit is not None:
            if path in self._cache:
                self._cache.move_to_end(path)
            return hit
        found = asset(path, self.n)
        if found is not None:
            if not _UPLOAD_RE.match(path):
                self._chrome[path] = found
            return found
        status, ctype, text = self.render(path)
        entry = (status, ctype, gzip_bytes(text.encode("utf-8")), True)
        self.put(path, entry)
        return entry

    def put(self, path: str, entry: Entry) -> None:
        self._cache[path] = entry
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def prerender(self, workers: int) -> None:
        """Render and gzip every page up front, in `workers` processes."""
        paths = list(self.paths())
        if workers <= 1:
            for path in paths:
                self.get(path)
            return
        with ProcessPoolExecutor(workers) as pool:
            chunks = [paths[i:i + 200] for i in range(0, len(paths), 200)]
            for chunk, entries in zip(chunks, pool.map(_render_chunk, [(self.n, self.base, c) for c in chunks]),
                                      strict=True):
                for path, entry in zip(chunk, entries, strict=True):
                    self.put(path, entry)

    def paths(self) -> Iterator[str]:
        yield from ("/robots.txt", "/feed", "/sitemap.xml")
        for k in range(1, sitemap_count(self.n) + 1):
            yield f"/sitemap-posts-{k}.xml"
        yield LISTING_PREFIX
        for page in range(2, 11):
            yield f"{LISTING_PREFIX}page/{page}/"
        for index in range(self.n):
            yield article_meta(index).path


def _not_found() -> tuple[int, str, str]:
    return 404, HTML, ("<!DOCTYPE html>\n<html><head><title>Page not found</title></head>"
                       "<body><h1>Not Found</h1></body></html>\n")


def _render_chunk(job: tuple[int, str, list[str]]) -> list[Entry]:
    n, base, paths = job
    replica = Replica(n, base, cache_size=0)
    out = []
    for path in paths:
        status, ctype, text = replica.render(path)
        out.append((status, ctype, gzip_bytes(text.encode("utf-8")), True))
    return out


def gzip_bytes(raw: bytes) -> bytes:
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    return compressor.compress(raw) + compressor.flush()


# --- The server --------------------------------------------------------------------------------------------

REASONS = {200: "OK", 404: "Not Found", 400: "Bad Request", 405: "Method Not Allowed"}


class _Http(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, GET and HEAD only; enough for Scrapy and curl."""

    def __init__(self, replica: Replica, stats: dict[str, int]) -> None:
        self.replica = replica
        self.stats = stats
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > 65536:
                    self.transport.close()
                return
            head, self.buffer = self.buffer[:end], self.buffer[end + 4:]
            self._answer(head)

    def _answer(self, head: bytes) -> None:
        assert self.transport is not None
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            self._send(400, "text/plain", b"bad request\n", b"", close=True)
            return
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
        if method not in ("GET", "HEAD"):
            self._send(405, "text/plain", b"method not allowed\n", b"", close=close)
            return
        path = target.split("?", 1)[0]
        if path.startswith("http://") or path.startswith("https://"):
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
        status, ctype, data, gzipped = self.replica.get(path)
        self.stats["requests"] += 1
        use_gzip = gzipped and "gzip" in headers.get("accept-encoding", "")
        body = zlib.decompress(data, 31) if gzipped and not use_gzip else data
        extra = ((b"Content-Encoding: gzip\r\n" if use_gzip else b"")
                 + (b"Vary: Accept-Encoding\r\n" if gzipped else b""))
        self._send(status, ctype, b"" if method == "HEAD" else body, extra, close=close, length=len(body))

    def _send(self, status: int, ctype: str, body: bytes, extra: bytes, *, close: bool,
              length: int | None = None) -> None:
        assert self.transport is not None
        head = (
            f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}\r\n"
            f"Date: {_http_date()}\r\nServer: nginx\r\nContent-Type: {ctype}\r\n"
            f"Content-Length: {len(body) if length is None else length}\r\n"
            f"Connection: {'close' if close else 'keep-alive'}\r\n"
        ).encode("latin-1") + extra + b"\r\n"
        self.transport.write(head + body)
        if close:
            self.transport.close()


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    global _date_cache  # noqa: PLW0603 - one formatted date per second, not per request
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, format_datetime(datetime.fromtimestamp(now, UTC), usegmt=True))
    return _date_cache[1]


async def serve(replica: Replica, host: str, port: int, ready: str | None = None) -> None:
    stats = {"requests": 0}
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Http(replica, stats), host, port, backlog=1024, reuse_address=True)
    bound = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if ready:
        Path(ready).write_text(str(bound))
    print(f"replica of {replica.n} articles on http://{host}:{bound}/", flush=True)
    async with server:
        await stop.wait()
    print(f"replica: {stats['requests']} requests served", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="number of articles (default 1000)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (written to --ready)")
    parser.add_argument("--ready", help="write the bound port to this file once every page is ready")
    parser.add_argument("--lazy", action="store_true", help="render pages on first request (LRU) instead of up front")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes that pre-render")
    parser.add_argument("--cache", type=int, default=None, help="LRU size in pages (default: all)")
    args = parser.parse_args(argv)
    port = args.port or _free_port(args.host)
    replica = Replica(args.n, f"http://{args.host}:{port}", cache_size=args.cache)
    if not args.lazy:
        started = time.perf_counter()
        replica.prerender(args.workers)
        print(f"replica: {args.n} articles rendered and gzipped in {time.perf_counter() - started:.1f} s", flush=True)
    asyncio.run(serve(replica, args.host, port, args.ready))
    return 0


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class ReplicaProcess(ServedProcess):
    """`python -m bench.replica` in a subprocess; the context manager waits until it listens."""

    def __init__(self, n: int, workdir: Path, *, lazy: bool = False, host: str = "127.0.0.1") -> None:
        super().__init__()
        self.n = n
        self.host = host
        self.workdir = workdir
        self.lazy = lazy

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> ReplicaProcess:
        ready = self.workdir / f"replica-{self.n}.port"
        cmd = [sys.executable, "-m", "bench.replica", "--n", str(self.n), "--host", self.host, "--ready", str(ready)]
        if self.lazy:
            cmd.append("--lazy")
        self.start(cmd, ready, self.workdir / f"replica-{self.n}.log", what="replica", timeout=600)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def generated_pages(count: int, n: int | None = None) -> Iterator[tuple[str, str]]:
    """(url, html) of the first `count` articles of a replica of n (default count) articles."""
    for index in range(count):
        yield article_meta(index).url, render_article(index, n or count)


if __name__ == "__main__":
    sys.exit(main())

