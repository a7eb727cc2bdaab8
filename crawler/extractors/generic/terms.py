"""The article's categories: the section by the headline, breadcrumbs, labelled link blocks, tag lists."""

from __future__ import annotations

import itertools
import re
from html import unescape
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from crawler.extractors.generic.base import PageBase
from crawler.extractors.generic.common import (
    _FURNITURE_WORDS,
    _OUTSIDE_ARTICLE,
    _PROFILE_PATH_RE,
    _as_text,
    _class_words,
    _same_site,
    _text_value,
    _unique_links,
    _xpath,
    describe,
)
from crawler.extractors.language import is_language_tag
from crawler.extractors.rules import TERM_FIELDS
from crawler.extractors.text import absolute, collapse, slug_of, text_of

_SECTION_WORDS = frozenset({"eyebrow", "kicker", "section", "category", "categories", "subcategory", "rubric",
                            "label", "labels", "breadcrumb", "breadcrumbs", "crumbs", "overline", "channel", "topic",
                            "topics", "subject"})
_PEOPLE_WORDS = frozenset({"author", "authors", "byline", "writer", "writers", "contributor", "contributors"})
_DATED_WORDS = frozenset({"date", "dates", "published", "dateline", "timestamp", "time"})
_MENU_WORDS = frozenset({"nav", "navigation", "menu", "navbar", "masthead", "search", "btn", "button"})
# The words before the sections a post was filed in ('Posted in', ', in', 'Filed under:', 'Categories:').
_FILED_IN_RE = re.compile(r"(?:\b(?:posted|filed|published)\s+(?:in|under)|,\s*in|^\s*in|\bcategor(?:y|ies))\s*:?\s*$",
                          re.IGNORECASE)
_TAG_CLASS_RE = re.compile(r"tags|topic|keyword|subject|post-categor|entry-categor")
# A link beside the headline that is no section: a pager's ('Previous Article', 'Next post', 'Older') or a
# picture's ('Enlarge Image', its href the image file).
_NOT_SECTION_RE = re.compile(r"^(?:previous|prev|next|older|newer)\b|\b(?:enlarge|view)\s+(?:image|photo|picture)",
                             re.IGNORECASE)
_MEDIA_PATH_RE = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|mp4|mp3|pdf)$", re.IGNORECASE)
# Class words of a block of the site's own beside or below every article: a sidebar, a widget (WordPress's tag
# cloud and category list mark their links rel=tag, as an article's tags are).
_SITE_BLOCK_WORDS = frozenset({"sidebar", "widget", "widgets"})
_BREADCRUMB_RE = re.compile(r"breadcrumb")
_SECTION_CLASS_RE = re.compile(r"eyebrow|kicker|section|categor|rubric|label|crumb|topic|overline|channel|"
                               r"subject")
# A link to one of the site's tag pages: /tag/<slug>/, /tags/<slug>, /topic/<slug>, /keyword/<slug>.
_TAG_PATH_RE = re.compile(r"/(?:tags?|tagged|topics?|keywords?|subjects?)/[^/]+/?$", re.IGNORECASE)
_TAG_WORD_RE = re.compile(r"/(?:tags?|tagged|topics?|keywords?|subjects?)/", re.IGNORECASE)
_REL_TAG = etree.XPath('/descendant::a[contains(concat(" ", normalize-space(@rel), " "), " tag ")]')


def _is_profile_url(url: str | None) -> bool:
    """A link to a person's page (/author/tom-bennett, /authors/…, /profile-671/…, /people/…): a writer, never a
    section."""
    folder = urlsplit(url or "").path.casefold().rstrip("/").rpartition("/")[0] + "/"
    return bool(_PROFILE_PATH_RE.search(folder) or re.search(r"/profile[-_]?\d*/$", folder))


class Terms(PageBase):
    """The page's categories."""

    def terms(self) -> dict[str, list[dict[str, str | None]]]:
        terms: dict[str, list[dict[str, str | None]]] = {}
        configured = any(f in self.rules.selectors for f in TERM_FIELDS)
        for field_name in TERM_FIELDS:
            found = self.select(field_name)
            terms[field_name] = [self._term(f) for f in found if _as_text(f)] if found is not None else []
        if configured and any(terms.values()):
            self.note("categories", "outlet rules: " + ", ".join(
                self.rules.selectors[f].expression for f in TERM_FIELDS if f in self.rules.selectors))
            return terms
        # No outlet rules for the terms, or rules that match nothing here (an older markup): the page itself, by
        # the hand-written cascade. (A learned scorer of the categories, bench/category_candidates.py, is measured
        # but not wired in: it keeps nothing on clean, small pages the tests hold; issue 13's note.)
        return self.rules_terms()

    def rules_terms(self) -> dict[str, list[dict[str, str | None]]]:
        """The hand-written cascade: labelled blocks, else the section, breadcrumbs, series, filed-in and tags."""
        terms: dict[str, list[dict[str, str | None]]] = {f: [] for f in TERM_FIELDS}
        labelled = self._labelled_blocks()
        if any(labelled.values()):
            # The section printed by the headline (a rubric) is a theme too, beside the labelled blocks.
            # So are the article's tag links, when the labelled blocks are not themselves its tags.
            rubric_how, rubric = self._section()
            tags_how, tags = self._tags()
            names = {(t["name"] or "").casefold() for listed in labelled.values() for t in listed}
            rubric = [t for t in rubric if (t["name"] or "").casefold() not in names]
            names |= {(t["name"] or "").casefold() for t in rubric}
            tags = [t for t in tags if (t["name"] or "").casefold() not in names]
            labelled["themes"] = rubric + labelled["themes"] + tags
            self.note("categories", (f"{rubric_how} + " if rubric else "") + "visible: labelled link blocks ("
                      + ", ".join(f for f in TERM_FIELDS if labelled[f]) + ")" + (f" + {tags_how}" if tags else ""))
            return labelled
        found_terms: list[dict[str, str | None]] = []
        sources: list[str] = []
        for how, got in (self._section(), self._dateline_section(), self._breadcrumbs(), self._series(),
                         self._filed_in(), self._tags()):
            if got:
                found_terms.extend(got)
                sources.append(how)
        if not found_terms:
            section = _text_value(self.sd.jsonld_value("articleSection"))
            how = f"{self.ld}.articleSection"
            if not section:
                # A meta section is often an internal slug ('politics'): only one the page prints counts.
                section = self.meta.get("property:article:section")
                section = section if section and self._shown(section) else None
                how = "meta article:section (printed on the page)"
            if section:
                found_terms = [{"name": section, "slug": None, "url": None}]
                sources.append(how)
        seen: set[str] = set()
        themes = []
        for listed in found_terms:
            # (a name escaped twice by the site, 'Health &amp;amp; Fitness' in its markup, read once more)
            term = {**listed, "name": unescape(listed["name"] or "")} if "&" in (listed["name"] or "") else listed
            key = (term["name"] or "").casefold().rstrip(" :»›>")
            # the site's home page, in any language ('Home', 'Homepage :', 'Головна'): a link to the site's root
            home = key in ("home", "homepage") or (term["url"] is not None and _same_site(term["url"], self.url)
                                                   and self._is_site_root(term["url"]))
            if key and key not in seen and not home:
                seen.add(key)
                themes.append(term)
        terms["themes"] = themes
        if themes:
            self.note("categories", " + ".join(sources))
        return terms

    def _is_site_root(self, url: str) -> bool:
        """The site's home page: its root, or the root of the page's language edition ('/en/' on a page under
        /en/; never a section such as /tv/ or /us/)."""
        path = urlsplit(url).path.strip("/")
        if not path:
            return True
        own = urlsplit(self.url).path.strip("/").split("/", 1)[0]
        return path == own and "/" not in path and is_language_tag(path)

    def _shown(self, name: str, *, anywhere: bool = False) -> bool:
        """Whether a declared name is printed as a link on the page (a section a reader sees): by the article,
        or in a breadcrumb trail, not only in the site's menus, sidebars and footer (unless `anywhere`)."""
        folded = collapse(name).casefold()
        for a in self.root.iter("a"):
            if text_of(a).casefold() != folded:
                continue
            if anywhere or any("crumb" in " ".join((e.get("class") or "", e.get("id") or "",
                                                    e.get("aria-label") or "")).casefold()
                               for e in a.iterancestors()):
                return True
            if not _xpath(_OUTSIDE_ARTICLE)(a) and not self._in_menu(a):
                return True
        return False

    def _section(self) -> tuple[str, list[dict[str, str | None]]]:
        """The section printed above or beside the headline (an eyebrow, a kicker, a breadcrumb trail)."""
        h1 = self.headline()
        if h1 is None:
            return "", []
        start = self.order(h1)
        found: list[tuple[lxml_html.HtmlElement, list[dict[str, str | None]]]] = []
        for block in self.classed(_SECTION_CLASS_RE):
            if block.tag in ("body", "html", "article", "main") or self.in_furniture(block):
                continue
            distance = self.order(block) - start
            if not -80 <= distance <= 60:
                continue
            words = _class_words(f"{block.get('class') or ''} {block.get('id') or ''}")
            if not _SECTION_WORDS.intersection(words) or _MENU_WORDS.intersection(words) \
                    or _FURNITURE_WORDS.intersection(words) or _PEOPLE_WORDS.intersection(words) \
                    or _DATED_WORDS.intersection(words) \
                    or self._in_menu(block):
                continue
            if len(text_of(block)) > 200:
                continue  # text with a link in it (a 'field-label-hidden' body), not a section label
            if h1 in block.iterdescendants() or block in h1.iterancestors():
                continue
            links = [a for a in block.iter("a") if text_of(a) and a.get("href")
                     and _same_site(absolute(self.base, a.get("href")), self.url)]
            if not links or len(links) > 6:
                continue
            terms = [self._term(a) for a in links if len(text_of(a)) < 60]
            terms = [t for t in terms if t["url"] and (t["name"] or "").casefold() != "home"
                     and urlsplit(t["url"] or "").path.strip("/") and t["url"] != self.url
                     and not _is_profile_url(t["url"]) and not _NOT_SECTION_RE.search(t["name"] or "")
                     and not _MEDIA_PATH_RE.search(urlsplit(t["url"] or "").path)]
            if terms and not any(b in block.iterancestors() or block in b.iterancestors() for b, _ in found):
                found.append((block, terms))
        if not found:
            return "", []
        return (f"visible: section {', '.join(describe(b) for b, _ in found)} by the headline",
                [t for _, terms in found for t in terms])

    def _dateline_section(self) -> tuple[str, list[dict[str, str | None]]]:
        """The section printed after the date by the headline ('8:16 AM 01/31/2019 | Politics'), when the page
        also links a section of that name (so a word after a bar is a section, not a place or a credit)."""
        for element, _raw, _label in self._visible_times():
            pieces = [collapse(p) for p in text_of(element).split("|")]
            if len(pieces) != 2 or not re.search(r"\d", pieces[0]):
                continue
            name = pieces[1]
            if 0 < len(name) <= 30 and not re.search(r"\d", name) and name[:1].isupper() \
                    and self._shown(name, anywhere=True):
                return f"visible: the section after the date in {describe(element)}", [
                    {"name": name, "slug": None, "url": None}]
        return "", []

    def _series(self) -> tuple[str, list[dict[str, str | None]]]:
        """The series the article belongs to: the page's links to one of the site's series pages (/series/<slug>/),
        outside its navigation, footer and sidebars."""
        found: list[dict[str, str | None]] = []
        for a in self.root.iter("a"):
            if "/series/" not in (a.get("href") or ""):
                continue  # (resolving every link of the page costs more than the whole rule)
            href = absolute(self.base, a.get("href"))
            segments = [p for p in urlsplit(href or "").path.split("/") if p]
            if len(segments) != 2 or segments[0].casefold() != "series" or not _same_site(href, self.url):
                continue
            name = text_of(a)
            if not name or len(name) > 80 or self.in_furniture(a) or self._in_menu(a):
                continue
            # One series, however many links name it ('Texas Legislature 2019', then 'More in this series').
            if all(t["slug"] != segments[1] for t in found):
                found.append({"name": name, "slug": segments[1], "url": href})
        return ("visible: links to the site's series pages", found) if 0 < len(found) <= 2 else ("", [])

    def _in_menu(self, element: lxml_html.HtmlElement) -> bool:
        """Whether an element sits in a navigation menu (by its ancestors' class words)."""
        h1 = self.headline()
        shared = set(h1.iterancestors()) if h1 is not None else set()
        for ancestor in element.iterancestors():
            if ancestor in shared:
                return False  # the headline's own container (the article's header) is no menu
            if ancestor.tag in ("nav", "header") and not _xpath("ancestor::article")(ancestor):
                return True
            words = _class_words(f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}")
            if _MENU_WORDS.intersection(words):
                return True
        return False

    def _in_site_block(self, element: lxml_html.HtmlElement, h1: lxml_html.HtmlElement | None) -> bool:
        """Whether an element sits in a sidebar or a widget that does not hold the headline (a blog's main
        'widget Blog' holds the post itself)."""
        shared = set(h1.iterancestors()) if h1 is not None else set()
        for ancestor in element.iterancestors():
            if ancestor in shared:
                return False
            names = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}"
            if _SITE_BLOCK_WORDS.intersection(_class_words(names)):
                return True
        return False

    def _term(self, found: Any) -> dict[str, str | None]:
        if isinstance(found, lxml_html.HtmlElement):
            link = found if found.tag == "a" else next(iter(found.iter("a")), None)
            href = absolute(self.base, link.get("href")) if link is not None else None
            return {"name": self._term_name(found), "slug": slug_of(href), "url": href}
        return {"name": _as_text(found), "slug": None, "url": None}

    @staticmethod
    def _term_name(found: lxml_html.HtmlElement) -> str:
        # '#James Mattis': the hash sign some sites print before a tag is not its name; nor is the count of
        # its articles a tag cloud prints in an element of its own ('<span>Xbox Series X</span><s>46</s>').
        counts = [child for child in found if isinstance(child.tag, str) and text_of(child).isdigit()]
        name = text_of(found) if not counts or len(counts) == len(found) else " ".join(
            text_of(child) for child in found if child not in counts and isinstance(child.tag, str)).strip()
        return name.lstrip("#").strip() or name

    def _labelled_blocks(self) -> dict[str, list[dict[str, str | None]]]:
        """'Region: <a>…</a>, <a>…</a>' blocks, or a label element followed by a sibling holding the links."""
        wanted = {label.casefold(): field_name for field_name, labels in self.x._labels.items() for label in labels}
        terms: dict[str, list[dict[str, str | None]]] = {f: [] for f in TERM_FIELDS}
        for element in self.root.iter():
            if not isinstance(element.tag, str) or element.tag in ("a", "script", "style", "head", "title"):
                continue
            own = collapse(element.text)
            if not own or len(own) > 40:
                continue
            label, colon, _ = own.partition(":")
            if label.strip().casefold() not in wanted and own.rstrip(":").casefold() not in wanted \
                    and text_of(element).rstrip(":").casefold() not in wanted:
                continue
            if _xpath(_OUTSIDE_ARTICLE)(element) or self._in_menu(element):
                continue
            field_name = wanted.get(label.strip().casefold()) if colon or own.rstrip(":") == own else None
            links: list[lxml_html.HtmlElement] = []
            if field_name and list(element.iter("a")):
                links = list(element.iter("a"))
            elif not list(element.iter("a")) and text_of(element).rstrip(":").casefold() in wanted:
                field_name = wanted[text_of(element).rstrip(":").casefold()]
                sibling = element.getnext()
                links = list(sibling.iter("a")) if sibling is not None else []
            if field_name and links and not terms[field_name]:
                terms[field_name] = [self._term(a) for a in links if text_of(a)]
        return terms

    def _breadcrumbs(self) -> tuple[str, list[dict[str, str | None]]]:
        crumbs = [(name, absolute(self.base, url)) for name, url in self.sd.breadcrumbs]
        how = "JSON-LD BreadcrumbList"
        if not crumbs:
            # (the first element whose class or id holds 'breadcrumb', as written: among those classed() finds in any
            # case, one search of the page's names for all)
            first = next((e for e in self.classed(_BREADCRUMB_RE) if "breadcrumb" in (e.get("class") or "")
                          or "breadcrumb" in (e.get("id") or "")), None)
            trail = _xpath(".//a[@href]")(first) if first is not None else []
            # A trail is a few short links before the headline (a breadcrumb left open by a typo holds the page).
            h1 = self.headline()
            trail = [a for a in trail if h1 is None or self.order(a) < self.order(h1)][:8]
            trail = list(itertools.takewhile(lambda a: len(text_of(a)) <= 60, trail))
            # ... close together and apart only by separators ('Home / Culture', 'Home › Culture'), not the
            # article's own links
            kept = trail[:1]
            for a in trail[1:]:
                before = a.getprevious()
                lead = before.tail if before is not None else (a.getparent().text if a.getparent() is not None
                                                               else None)
                if len(collapse(kept[-1].tail)) > 3 or len(collapse(lead)) > 3 \
                        or self.order(a) - self.order(kept[-1]) > 8:
                    break
                kept.append(a)
            trail = kept
            crumbs = [(text_of(a), absolute(self.base, a.get("href"))) for a in trail if text_of(a)]
            how = "visible: breadcrumb trail"
        home = urlsplit(self.base)._replace(path="/", query="", fragment="").geturl()
        terms = []
        for name, url in crumbs:
            if name.casefold() == "home" or url in (None, home, home.rstrip("/")) or url == self.url:
                continue
            if self._headline_text() and name.casefold() == (self._headline_text() or "").casefold():
                continue
            terms.append({"name": name, "slug": slug_of(url), "url": url})
        return how, terms

    def _tags(self) -> tuple[str, list[dict[str, str | None]]]:
        h1 = self.headline()
        tags = [a for a in _REL_TAG(self.root) if text_of(a) and not _xpath(_OUTSIDE_ARTICLE)(a)
                and not self._in_site_block(a, h1)]
        if tags:
            # rel=tag marks WordPress's category links too ('category tag'): the tag pages' links join them.
            how, more = self._tag_page_links(h1)
            found = [self._term(a) for a in _unique_links(tags)]
            names = {(t["name"] or "").casefold() for t in found}
            found += [t for t in more if (t["name"] or "").casefold() not in names]
            return "visible: a[rel=tag] links" + (f" + {how.removeprefix('visible: ')}" if more else ""), found
        article = next(iter(h1.iterancestors("article")), None) if h1 is not None else None
        for block in [*self.root.iter("tags"), *self.classed(_TAG_CLASS_RE)]:
            if block.tag not in ("div", "ul", "ol", "p", "section", "nav", "span", "footer", "tags") \
                    or _xpath(_OUTSIDE_ARTICLE)(block) or self._in_menu(block):
                continue
            if article is not None and article not in block.iterancestors():
                continue
            classes = " ".join((block.get("class") or "", block.get("id") or "")).casefold()
            if re.search(r"nav|menu|header|trending|popular|hot|sidebar|footer-|widget|homepage", classes):
                continue
            if not self._near_headline(block, before=40, after=5000):
                continue
            links = self._topic_links(block)
            parent = block.getparent()
            if len(links) == 1 and parent is not None and block.get("class"):
                # one tag a block, the blocks side by side ('<div class="topic-tag"><a>War</a></div>' × 5)
                links = [a for twin in parent if twin.get("class") == block.get("class")
                         for a in self._topic_links(twin)]
            if 1 <= len(links) <= 25:
                found = [self._term(a) for a in _unique_links(links)]
                how = f"visible: topic links in {describe(block)}"
                if "categor" in classes:
                    # a post's categories block ('post-categories'): its tag list joins it
                    more_how, more = self._tag_page_links(h1)
                    names = {(t["name"] or "").casefold() for t in found}
                    found += [t for t in more if (t["name"] or "").casefold() not in names]
                    how += f" + {more_how.removeprefix('visible: ')}" if more else ""
                return how, found
        return self._tag_page_links(h1)

    def _filed_in(self) -> tuple[str, list[dict[str, str | None]]]:
        """The sections a post says it was filed in, by the headline: 'Posted in <a>News</a>, <a>Politics</a>',
        'By TPN, in <a>News</a>, <a>Portugal</a>', 'Filed under: <a>…</a>'; the links that follow the words, one
        run of them apart by commas or bars."""
        h1 = self.headline()
        if h1 is None:
            return "", []
        for element in self._around(h1, before=20, after=150):
            if not isinstance(element.tag, str) or element.tag in ("script", "style") or self.in_furniture(element):
                continue
            for child in element:
                lead = (child.getprevious().tail if child.getprevious() is not None else element.text) or ""
                if child.tag != "a" or not _FILED_IN_RE.search(lead):
                    continue
                links = [child]
                for following in child.itersiblings():
                    if following.tag != "a" or not re.fullmatch(r"\s*[,|·•&]?\s*(?:and\s+)?", links[-1].tail or ""):
                        break
                    links.append(following)
                found = [a for a in links if text_of(a) and len(text_of(a)) < 60 and a.get("href")
                         and _same_site(absolute(self.base, a.get("href")), self.url)]
                if found:
                    return f"visible: the sections it was filed in, in {describe(element)}", [
                        self._term(a) for a in found]
        return "", []

    def _topic_links(self, block: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
        return [a for a in block.iter("a") if text_of(a) and a.get("href")
                and _same_site(absolute(self.base, a.get("href")), self.url) and len(text_of(a)) < 60]

    def _tag_page_links(self, h1: lxml_html.HtmlElement | None) -> tuple[str, list[dict[str, str | None]]]:
        """The article's links to the site's tag pages (/tag/<slug>/, /topics/<slug>), in one block after the
        headline, outside navigation, menus, sidebars and the site's own footer (an article's footer counts)."""
        if h1 is None:
            return "", []
        region = {e for e in h1.iterancestors() if e.tag not in ("body", "html")}
        start = self.order(h1)
        blocks: dict[lxml_html.HtmlElement, list[lxml_html.HtmlElement]] = {}
        for a in self.root.iter("a"):
            raw = a.get("href") or ""
            # (the raw path decides; only candidates are resolved. A path holds a tag page's word only where its
            # address does, unless a tab or line break, which urlsplit drops, splits it: most links are told
            # without splitting them)
            if (not _TAG_WORD_RE.search(raw) and not any(c in raw for c in "\t\r\n")) \
                    or not _TAG_PATH_RE.search(urlsplit(raw).path):
                continue
            href = absolute(self.base, a.get("href"))
            name = text_of(a)
            # (a tag is a term: a forum's /topics/<thread>/ link prints a headline or a question)
            if not href or not name or len(name) >= 60 or len(name.split()) > 6 or name.endswith(("?", "!")) \
                    or not _TAG_PATH_RE.search(urlsplit(href).path) \
                    or not _same_site(href, self.url) or self.order(a) < start:
                continue
            if _xpath("ancestor::nav | ancestor::aside")(a) or self._in_menu(a) or not region.intersection(
                    a.iterancestors()):
                continue
            parent = a.getparent()
            while parent is not None and parent.tag in ("li", "span", "strong", "em", "b"):
                parent = parent.getparent()
            if parent is not None:
                blocks.setdefault(parent.getparent() if parent.tag in ("ul", "ol") and parent.getparent() is not
                                  None else parent, []).append(a)
        # The block with the most of them (the tag list, not a lone tag link elsewhere).
        fitting = [(block, links) for block, links in blocks.items() if 1 <= len(links) <= 25]
        if not fitting:
            return "", []
        block, links = max(fitting, key=lambda found: len(found[1]))
        return f"visible: links to the site's tag pages in {describe(block)}", [self._term(a) for a in
                                                                               _unique_links(links)]
