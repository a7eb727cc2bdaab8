"""The body (trafilatura's main text over the page without the furniture news sites put inside articles),
the language and the lead image."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from crawler.extractors.generic.base import PageBase
from crawler.extractors.generic.common import (
    _FURNITURE_WORDS,
    _class_words,
    _plain_text_length,
    _remove,
    _same_site,
    _text_value,
    _xpath,
)
from crawler.extractors.text import absolute, collapse, paragraphs, text_of

# A main text with fewer words than this share of the page's <p> words is read again with recall favoured.
_RECALL_BELOW = 0.5
# Below this share of the page's paragraph words, the precise reading's gaps are filled (_fill_gaps).
_FILL_BELOW = 0.9
# A paragraph's few words before its one link, ending in a colon ('ALSO READ:', 'TRENDING:', 'Related:'), spaces
# removed: the label of a promoted story, whatever its words.
_PROMO_LABEL_RE = re.compile(r"[^\W\d_]{2,20}(?:[^\W\d_]{2,12}){0,2}:", re.UNICODE)
# Words of the article's own containers: an element named by one of them is content with a modifier
# (`entry-content entry-content-read-more`), never furniture.
_CONTENT_WORDS = frozenset({"content", "body", "article", "story", "entry", "main", "text", "post"})
_CONTAINER_TAGS = frozenset({"div", "section", "ul", "ol", "aside", "figure", "table", "li", "span", "footer",
                             "header", "dl", "blockquote"})
_FURNITURE_PAIRS = frozenset({
    ("read", "more"), ("more", "news"), ("more", "stories"), ("more", "from"), ("most", "popular"),
    ("most", "read"), ("about", "author"), ("author", "box"), ("author", "info"), ("next", "up"), ("see", "also"),
    ("sign", "up"), ("you", "may"), ("also", "like"), ("in", "case"),
})
_DROP_TAGS = ("aside", "nav", "form", "button", "figcaption", "iframe", "noscript", "template")


def _is_furniture(words: list[str]) -> bool:
    """Class words naming furniture (share, related, promo, read-more…) and no word of the article's own
    containers (`entry-content entry-content-read-more` is content with a modifier)."""
    if not words or _CONTENT_WORDS.intersection(words):
        return False
    return bool(_FURNITURE_WORDS.intersection(words)) or any(pair in _FURNITURE_PAIRS
                                                             for pair in itertools.pairwise(words))


def _drop_promo_links(root: lxml_html.HtmlElement, url: str) -> int:
    """Remove the paragraphs that are nothing but a link to another page of the same site ("READ MORE: …", a
    bare headline): promotions of other stories set between the article's paragraphs. Decided by the markup
    (all the paragraph's text is link text, every link is the site's own), not by the words of the promo."""
    doomed = []
    for paragraph in root.iter("p"):
        links = _xpath(".//a[@href]")(paragraph)
        if not links:
            continue
        text = text_of(paragraph)
        linked = collapse("".join(text_of(a) for a in links)).replace(" ", "")
        # the link may follow a short label of its own ('ALSO READ: <a>…</a>', '<strong>TRENDING:</strong> <a>…')
        label = text.replace(" ", "").removesuffix(linked) if linked and text.replace(" ", "").endswith(linked) \
            else None
        if not text or label is None or (label and not _PROMO_LABEL_RE.fullmatch(label)):
            continue
        if all(_same_site(absolute(url, a.get("href")), url) and urlsplit(absolute(url, a.get("href")) or "").path
               .strip("/") and not a.get("href", "").startswith("#") for a in links):
            doomed.append(paragraph)
    for paragraph in doomed:
        _remove(paragraph)
    return len(doomed)


# Inline elements an icon leaves empty once its picture is gone (`<a><span class="icon"><svg>…</svg></span>text</a>`).
_ICON_HOLDERS = ("span", "i", "b", "em", "strong", "svg")
# Blocks that hold no text (a picture's `<div><a><img></a></div>`) where running text goes on after them.
_EMPTY_HOLDERS = ("div", "center", "p", "figure", "section")


def _drop_empty_elements(root: lxml_html.HtmlElement) -> None:
    """Remove the pictures (svg), the HTML comments, and the elements with no text in them that text follows,
    keeping that text. trafilatura deletes empty elements with the text that follows them (htmlprocessing
    .prune_html: `keep_tail=False`): a link opening with an icon lost its words ('<a><span class="icon-external-link">
    <svg/></span>they became far more polarized</a>'), and a post written without <p> its first paragraph, the text
    after the lead picture's `<div><a><img></a></div>`. It loses the text after a comment too when it is handed a
    tree (its own parser drops comments as it reads a page; ours keeps them)."""
    etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)  # (their text goes, their tails stay)
    for element in reversed(list(root.iter(_ICON_HOLDERS))):  # (an icon's svg before its span)
        if element.tag == "svg":
            _remove(element)  # (trafilatura removes every svg: no other change to what it reads)
        elif not len(element) and not (element.text or "").strip() and (element.tail or "").strip() \
                and next(element.iterancestors("p", "a"), None) is not None:  # (in running text, not a meta line)
            element.tail = (element.text or "") + element.tail  # ('about<span> </span>President' keeps its space)
            _remove(element)
    for element in list(root.iter(_EMPTY_HOLDERS)):
        tail = element.tail or ""
        if len(tail.split()) >= 6 and not element.text_content().strip():  # (words, not the space between blocks)
            _remove(element)


def _main_text(root: lxml_html.HtmlElement, url: str, *, precision: bool, fallbacks: bool | None = None
               ) -> str | None:
    """trafilatura's main text of the page (its tree, furniture already removed): favouring precision and fast
    (no fallback extractors), or, the second time, favouring neither, with its fallbacks (readability, jusText)
    unless told not to. trafilatura is imported here, by the first page without a body rule: with py3langid
    installed it loads numpy and a language model (~18 MB) that a crawl of outlets with body rules never needs."""
    import trafilatura

    fast = precision if fallbacks is None else not fallbacks
    document = trafilatura.bare_extraction(root, url=url, fast=fast, favor_precision=precision,
                                           include_comments=False, include_tables=False, include_images=False,
                                           deduplicate=False)
    text = getattr(document, "text", None) if document is not None else None
    return text if isinstance(text, str) else None


def _running_text(line: str) -> bool:
    """Six words or more, ending a sentence, not a question: not a heading, a promoted headline or a prompt."""
    return len(line.split()) >= 6 and bool(re.search(r"[.!:\"”’)]$", line))


def _running_words(root: lxml_html.HtmlElement) -> int:
    """The words of the page's running text: its paragraphs, and the list items that read as paragraphs (a
    numbered list of points, eight words or more each: menus and link lists are shorter)."""
    words = sum(len((p.text_content() or "").split()) for p in root.iter("p"))
    for item in root.iter("li"):
        count = len((item.text_content() or "").split())
        if count >= 8 and next(item.iterancestors("p", "li"), None) is None and item.find(".//p") is None:
            words += count
    return words


def _fill_gaps(kept: str, wide: str | None) -> str:
    """The precise main text with the lines of a wider reading that fall between its first and last lines and
    read as running text (six words or more, ending a sentence, not a question: not a heading, a promoted
    headline or a 'Share your project?' prompt). The article is one stretch of the page; furniture that precision
    removed sits at its edges, and mid-article promos are short or unpunctuated."""
    lines = (wide or "").split("\n")
    own = set(kept.split("\n"))
    hits = [i for i, line in enumerate(lines) if line in own]
    if not hits:
        return kept
    return "\n".join(line for line in lines[hits[0]:hits[-1] + 1] if line in own or _running_text(line.strip()))


def _lead_candidates(root: lxml_html.HtmlElement, kept: list[str]) -> list[str]:
    """The running-text paragraphs of the article's container (the smallest element holding the paragraphs of the
    precise reading's first two lines) that come before its first line and are not in it, and that paragraph's
    whole text where the reading kept only its end: a lead paragraph precision dropped (or cut) for its links, or
    one that sits in a group of its own. A headline's standfirst is outside that container or in a header inside it."""
    first_p, second_p = (next((p for p in root.iter("p") if line in collapse(p.text_content())), None)
                         for line in kept[:2])
    if first_p is None or second_p is None or first_p is second_p:
        return []
    lineage = set(first_p.iterancestors())
    container = next((a for a in second_p.iterancestors() if a in lineage), None)
    if container is None or container.tag in ("body", "html"):
        return []
    own = set(kept)
    lead: list[str] = []
    for paragraph in container.iter("p"):
        text = collapse(paragraph.text_content())
        if paragraph is first_p:
            return lead + ([text] if text != kept[0] and _running_text(text) else [])
        if _running_text(text) and text not in own and not _in_header(paragraph, container):
            lead.append(text)
    return []


def _in_header(element: lxml_html.HtmlElement, container: lxml_html.HtmlElement) -> bool:
    """Whether a <header> (or an element classed as one) holds the element inside the container: a series or
    section blurb printed above the article's text, not a paragraph of it."""
    for ancestor in element.iterancestors():
        if ancestor is container:
            return False
        if ancestor.tag == "header" or "header" in _class_words(ancestor.get("class") or ""):
            return True
    return False


class Body(PageBase):
    """The page's text."""

    def language(self) -> str | None:
        for value, how in (
            (self.selected_text("language"), None),
            (_text_value(self.sd.jsonld_value("inLanguage")), f"{self.ld}.inLanguage"),
            (self.meta.get("itemprop:inLanguage"), "meta itemprop inLanguage"),
            (self._first_string("/html/@lang") or self._first_string("/html/@xml:lang"), "<html lang>"),
            (self.meta.get("http-equiv:content-language", "name:content-language"), "meta content-language"),
            (self.meta.get("name:dc.language", "name:language"), "meta dc.language"),
            (self.meta.get("property:og:locale"), "meta og:locale"),
        ):
            if value:
                if how:
                    self.note("language", how)
                return value.replace("_", "-")
        return None

    def image(self) -> str | None:
        chosen = self.selected_text("image")
        if not chosen:
            image = self.sd.jsonld_value("image")
            image = self.sd.resolve(image[0] if isinstance(image, list) and image else image)
            chosen = (image.get("url") or image.get("contentUrl")) if isinstance(image, dict) else image
            if isinstance(chosen, str) and chosen:
                self.note("image", f"{self.ld}.image")
        if not isinstance(chosen, str) or not chosen:
            chosen = self.meta.get("property:og:image", "name:twitter:image", "property:twitter:image",
                                   "itemprop:image", "itemprop:thumbnailUrl")
            if chosen:
                self.note("image", "meta og:image / twitter:image")
        return absolute(self.base, chosen)

    def body(self, title: str | None) -> str | None:
        found = self.select("body")
        containers = [f for f in found or [] if isinstance(f, lxml_html.HtmlElement)]
        # One container inside another (a live blog's entries inside the article's text) is read once.
        chosen = set(containers)
        containers = [c for c in containers if not any(a in chosen for a in c.iterancestors())]
        if containers:
            removed = sum(self._drop_furniture(container) for container in containers)
            removed += sum(_drop_promo_links(container, self.url) for container in containers)
            blocks = [text for container in containers for _, text in paragraphs(container)]
            self.note("body", f"outlet rule: {self.rules.selectors['body'].expression}"
                      + (f", {removed} furniture elements removed first" if removed else ""))
        else:
            # No body rule, or one that matches nothing here (an older markup of the outlet): the main text.
            removed = self._drop_furniture() + _drop_promo_links(self.root, self.url)
            _drop_empty_elements(self.root)
            text = _main_text(self.root, self.url, precision=True)
            # Precision drops the odd caption, credit and promo line, and, on some pages, most of the article
            # (a paywalled feature, a story stack of sections): a text much shorter than the page's paragraphs
            # is read again without it.
            paragraph_words = _running_words(self.root)
            wide: list[str | None] = []  # the reading without precision, read once if at all (~5 ms)

            def read_wide() -> str | None:
                if not wide:
                    wide.append(_main_text(self.root, self.url, precision=False, fallbacks=False))
                return wide[0]

            if len((text or "").split()) < _RECALL_BELOW * paragraph_words:
                text = _main_text(self.root, self.url, precision=False)
            elif text and len(text.split()) < _FILL_BELOW * paragraph_words:
                # Precision also drops lines inside the article (a list of dated entries, a short paragraph):
                # the running text that reading without it finds between the first and last lines it kept.
                # (Only where it kept less than the page's paragraphs say: a second reading costs ~5 ms.)
                text = _fill_gaps(text, read_wide())
            blocks = [collapse(line) for line in (text or "").split("\n")]
            lead, blocks = self._lead(blocks, read_wide)
            blocks = lead + blocks
            if blocks and title and blocks[0] == title:
                blocks = blocks[1:]
            self.note("body", ("trafilatura main text" if found is None else
                               f"trafilatura main text (the outlet rule {self.rules.selectors['body'].expression} "
                               "matches nothing here)")
                      + (f", {removed} furniture elements removed first" if removed else "")
                      + (f", {len(lead)} lead paragraph(s) of its container put back" if lead else ""))
        kept = [b for b in blocks if b and not any(p.search(b) for p in self.x._boilerplate)]
        return "\n\n".join(kept) or None

    def _lead(self, blocks: list[str], read_wide: Callable[[], str | None]) -> tuple[list[str], list[str]]:
        """The article's lead paragraphs the main text lacks (_lead_candidates), those of them a reading without
        precision keeps too (it tells a paragraph from a caption or a credit line)."""
        kept = [b for b in blocks if b]
        candidates = _lead_candidates(self.root, kept) if len(kept) > 1 else []
        if not candidates:
            return [], blocks
        wide = {collapse(line) for line in (read_wide() or "").split("\n")}
        lead = [c for c in candidates if c in wide]
        if lead and lead[-1].endswith(kept[0]):  # the first line's whole paragraph replaces the end it kept
            blocks = blocks[blocks.index(kept[0]) + 1:]
        return lead, blocks

    def _drop_furniture(self, within: lxml_html.HtmlElement | None = None) -> int:
        """Remove share bars, related links, promos, newsletter boxes, disclaimers and the like, by their class,
        id or aria-label words, never an element holding the headline, the article's own container or most of
        the text it is in (the page's, or the body container's when `within` is the outlet's body element)."""
        h1 = self.headline()
        keep = set(h1.iterancestors()) if h1 is not None else set()
        scope = self.root if within is None else within
        total_plain = (self.page_plain_length() if within is None else _plain_text_length(within)) or 1
        total = 0  # (the paragraphs' text, counted when a candidate's words first say furniture: most pages' none)
        furniture: dict[str, bool] = {}  # (by names: a page repeats its classes, 'menu-item' on fifty elements)
        candidates = (self.named() + _xpath("/descendant::*[@aria-label][not(@class) and not(@id)]")(self.root)
                      if within is None else
                      [e for e in within.iterdescendants() if isinstance(e.tag, str)
                       and (e.get("class") or e.get("id") or e.get("aria-label"))])
        doomed = []
        for element in candidates:
            if element.tag not in _CONTAINER_TAGS or element in keep:
                continue
            names = " ".join((element.get("class") or "", element.get("id") or "", element.get("aria-label") or ""))
            if within is not None:
                # Inside the article's own container a BEM name says what the element is by its element part:
                # `b-article__disclaimer` is a disclaimer, `arcticle__read-more` a read-more box.
                if not any(_is_furniture(_class_words(token.rsplit("__", 1)[-1])) for token in names.split()):
                    continue
            else:
                if names not in furniture:
                    furniture[names] = _is_furniture(_class_words(names))
                if not furniture[names]:
                    continue
            if not total:
                total = sum(len(p.text_content()) for p in scope.iter("p")) or 1
            if sum(len(p.text_content()) for p in element.iter("p")) * 3 > total:
                continue
            # an article written without <p> (text and <br>s in a <div>) is weighed by its text outside links
            # (all its text first, in C: most candidates are far too small to need the finer count)
            if len(element.text_content()) * 3 > total_plain and _plain_text_length(element) * 3 > total_plain:
                continue
            doomed.append(element)
        if within is None:
            for element in self.root.iter(*_DROP_TAGS):
                if element in keep:
                    continue
                # Not when it holds the article: a <nav> left open by a typo ('</civ>') around the whole page,
                # a press release pasted with its ASP.NET <form> (paragraphs of running text in a form). (Weighed
                # for those three only: a button's or a caption's text decides nothing.)
                if element.tag in ("nav", "aside", "form"):
                    holds_article = (len(element.text_content()) * 3 > total_plain
                                     and _plain_text_length(element) * 3 > total_plain)
                    running_text = element.tag == "form" and sum(
                        len((p.text_content() or "").split()) for p in element.iter("p")) >= 40
                    if holds_article or running_text:
                        if element.tag == "form":
                            element.tag = "div"  # text, not a form: trafilatura would prune it as one
                        continue
                doomed.append(element)
        removed = 0
        doomed_set = set(doomed)
        for element in doomed:
            if element.getparent() is not None and not any(a in doomed_set for a in element.iterancestors()):
                _remove(element)
                removed += 1
        return removed
