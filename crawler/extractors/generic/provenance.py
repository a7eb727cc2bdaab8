"""Where a piece comes from and who holds it: the original source (republication notices, source lines) and
the copyright line.

The copyright line is the rules' (the footer's © block, read by rights.copyright_statement and read_copyright) unless
a learned scorer overrules it: every © block, its line cut several ways, and "no line" are scored by a logistic
regression over structural features (models/copyright.json, trained on the corpus's dev pages by `python -m
bench.learn_copyright`), and the scorer's best replaces the rules' line where it scores that line below 0.5 and its
own at 0.5 or more (copyright_candidates.choose_copyright)."""

from __future__ import annotations

import re
from typing import Any

from lxml import html as lxml_html

from crawler.extractors.dates import PRINTED_DATE, YEAR_RE
from crawler.extractors.generic.common import (
    _OUTSIDE_ARTICLE,
    _as_text,
    _block_text,
    _host,
    _plain_text_length,
    _plain_texts,
    _same_site,
    _words,
    describe,
    in_caption,
)
from crawler.extractors.generic.copyright_candidates import (
    _COPYRIGHT_LEAD_RE,
    _COPYRIGHT_MARK_RE,
    _RIGHTS_RE,
    CopyrightCandidate,
    CopyrightCandidates,
    _rules_index,
    choose_copyright,
)
from crawler.extractors.generic.scorers import load_model, probability
from crawler.extractors.rights import LINK_LABEL_RE as _LINK_LABEL_RE
from crawler.extractors.rights import RIGHTS_RESERVED, copyright_statement, read_copyright
from crawler.extractors.text import BLOCK_TAGS, absolute, collapse, text_of

_CREDIT_PATTERNS = tuple(re.compile(p, re.IGNORECASE) for p in (
    r"^\s*(?:this (?:article|story|piece|post|column|report|interview) (?:was |is )?)?"
    r"(?:originally|first) (?:published|appeared|posted|ran)\s+(?:\w+\s+){0,3}?(?:in|at|on|by|with)\s+(?P<rest>.+)$",
    r"^\s*this (?:article|story|piece|post) (?:was |is )?(?:produced|republished|reprinted|syndicated) "
    r"(?:by|from|with permission (?:of|from))\s+(?P<rest>.+)$",
    r"^\s*(?:republished|reprinted) (?:with permission )?(?:from|by)\s+(?P<rest>.+)$",
    r"^\s*the original source of this article is\s+(?P<rest>.+)$",
    # '… and blogs at Spin Sucks, where a version of this article originally appeared.' (the source before 'where')
    r"^.*?\b(?:at|on|in)\s+(?P<rest>[^,.]{2,60}),\s+where\s+(?:a\s+(?:version|form)\s+of\s+)?this\s+"
    r"(?:article|story|piece|post|column)\s+(?:was\s+)?(?:originally|first)\s+(?:appeared|published|ran|posted)\b",
    # 'EDITORS NOTE: This NRA-ILA column is republished with permission.'
    r"^\s*(?:[\w'’ ]{2,20}:\s*)?this (?P<rest>.{2,60}?) (?:article|story|piece|post|column|report|op-ed|"
    r"commentary|essay) (?:was |is )?(?:republished|reprinted|syndicated)\b",
))
# "Source: X" names where a piece comes from only when X links to a page elsewhere (a wire's "SOURCE: News
# agencies" cites, it does not republish).
_SOURCE_LINE_RE = re.compile(r"^\s*(?:(?:source|original source|via)\s*:|via\s+(?=\S+(?:\s+\S+){0,3}\s*$))"
                             r"\s*(?P<rest>.+)$", re.IGNORECASE)
# A wire credited at the end of a story: '… the last sentence.” (IANS)', or a line '— The Associated Press'.
_WIRE_CLOSING_RE = re.compile(r"[.!?”\"’']\s*\((?P<name>[A-Z]{2,6})\)\s*$")
_WIRE_LINE_RE = re.compile(r"\s*[—–-]+\s*(?P<name>(?:The\s+)?[A-Z][\w.&’'-]*(?:\s+[A-Z][\w.&’'-]*){0,3})\s*")
_DATE_TAIL_RE = re.compile(rf"[\s,(]*(?:on\s+)?(?P<date>{PRINTED_DATE})\)?[.\s]*$")
_COPYRIGHT_TEXT_RE = re.compile(rf"©|copyright|rights? reserved|\(c\)|{RIGHTS_RESERVED}", re.IGNORECASE)
_CREDIT_TEXT_RE = re.compile(r"originally|first published|first appeared|original source|produced by|republished|"
                             r"reprinted|source\s*:|^\s*via\b", re.IGNORECASE)


class Provenance(CopyrightCandidates):
    """The page's provenance and rights."""

    def original_source(self, published: str | None, canonical: str | None) -> dict[str, Any] | None:
        found = self.select("original_source")
        if found is not None:
            for f in found:
                element = f if isinstance(f, lxml_html.HtmlElement) else None
                return self._credit(element, _as_text(f), "outlet rule")
        credit = self._credit_line() or self._wire_credit()
        if credit is not None:
            return credit
        if canonical and not _same_site(canonical, self.url):
            self.note("original_source", "link rel=canonical on another site")
            return {"name": _host(canonical), "url": canonical, "published": None}
        if self.rules.site_name:
            # An outlet's own article: the outlet first published it (the item's contract for an original).
            self.note("original_source", "the outlet itself (no republication notice on the page)")
            return {"name": self.rules.site_name, "url": None, "published": published}
        return None

    def _credit_line(self) -> dict[str, Any] | None:
        """A line saying the piece was first published elsewhere: 'originally published in', 'first appeared
        on', 'This article was produced by', 'The original source of this article is', or 'Source:' linking
        to a page on another site."""
        seen: set[Any] = set()
        for hit in self.text_hits(_CREDIT_TEXT_RE):
            element = hit
            while element is not None and element.tag not in BLOCK_TAGS:
                element = element.getparent()
            if element is None or element.tag in ("body", "html"):
                continue
            text = _block_text(element)
            if len(text) > 400 and hit is not element and len(text_of(hit)) <= 400 \
                    and any(p.match(text_of(hit)) for p in _CREDIT_PATTERNS):
                # an author's note set inside the text's own block ('<em>… where a version of this article
                # originally appeared.</em>'); not a 'Source:' line there, a picture's credit
                element, text = hit, text_of(hit)
            if element in seen or len(text) > 400:
                continue
            seen.add(element)
            # not in the site's menus or header (a <header> left open around the whole page is no site header)
            if element.xpath("ancestor::nav") or any(
                    _plain_text_length(header) * 3 < self.plain_length()
                    for header in element.xpath("ancestor::header[not(ancestor::article)]")):
                continue
            credit = self._credit(element, text, f"visible: credit line in {describe(element)}")
            if credit is not None:
                self.credit_element = element
                return credit
        return None

    def _wire_credit(self) -> dict[str, Any] | None:
        """The wire that provided the story, credited at the end of its text: a paragraph closing on the wire's
        name in brackets after its last sentence ('… will give us strength.” (IANS)'), or a last line of its own
        naming it after a dash ('— The Associated Press'). An abbreviation in brackets inside a sentence ('the World
        Health Organization (WHO).') names no source."""
        h1 = self.headline()
        found: tuple[lxml_html.HtmlElement, str] | None = None
        for paragraph in self.root.iter("p"):
            text = collapse(paragraph.text_content())
            match = (_WIRE_CLOSING_RE.search(text) if len(text.split()) >= 8 else None) or _WIRE_LINE_RE.fullmatch(text)
            if match is None or (h1 is not None and self.order(paragraph) < self.order(h1)) \
                    or paragraph.xpath(_OUTSIDE_ARTICLE):
                continue
            # at the end of the text: no paragraph of running text after it (a quote's '— Mark Twain' is no wire)
            if any(len(text_of(after).split()) >= 8 for after in paragraph.itersiblings("p")):
                continue
            found = (paragraph, match.group("name"))
        if found is None:
            return None
        self.note("original_source", f"visible: the wire credited at the end of the text, in {describe(found[0])}")
        return {"name": found[1], "url": None, "published": None}

    def _credit(self, element: lxml_html.HtmlElement | None, text: str, how: str) -> dict[str, Any] | None:
        rest: str | None = None
        for pattern in _CREDIT_PATTERNS:
            match = pattern.match(text)
            if match:
                rest = match.group("rest")
                break
        links = [a for a in element.iter("a") if a.get("href")] if element is not None else []
        external = [a for a in links if not _same_site(absolute(self.base, a.get("href")), self.url)]
        if rest is None:
            match = _SOURCE_LINE_RE.match(text)
            if match is None or not external:
                if how != "outlet rule":
                    return None
                rest = text
            else:
                rest = match.group("rest")
        # (the link printing the source's name, where there are others: 'founder of <a>Agency</a> and blogs at
        # <a>Spin Sucks</a>, where …')
        named = [a for a in external if rest is not None and collapse(text_of(a)) == collapse(rest).strip(" .,;:")]
        link = (named or external or links or [None])[0]
        rest = re.split(r"(?<!\b[A-Z])\.\s+(?=[A-Z])", rest)[0]  # its first sentence ('… 2018. This article is …')
        when = _DATE_TAIL_RE.search(rest)
        # a date inside the line ends the name too ('SOURCE: HYPEBOT January 30, 2017 Sign in to view read count':
        # the line's next lines, run together), without being the original's date
        inside = None if when else re.search(rf"[\s,(]*(?:on\s+)?(?:{PRINTED_DATE})", rest)
        name = collapse(rest[: when.start()] if when else rest[: inside.start()] if inside else rest)
        # 'originally appeared on Scientific American and was published October 15, 2018'
        name = re.sub(r"\s*,?\s+and\s+(?:was|is|were)\s+(?:first\s+|originally\s+)?published(?:\s+on)?\s*$", "", name,
                      flags=re.IGNORECASE)
        if link is not None and text_of(link) and (not name or len(name) > 120):
            name = text_of(link)
        self.note("original_source", how)
        return {
            "name": name.strip(" .,;:") or None,
            "url": absolute(self.base, link.get("href")) if link is not None else None,
            "published": self.read_date(when.group("date")) if when else None,
        }

    def copyright(self) -> dict[str, Any] | None:
        found = self.select("copyright")
        if found is not None:
            for f in found:
                line = _as_text(f)
                if _COPYRIGHT_MARK_RE.search(line) or line:
                    self.note("copyright", f"outlet rule: {self.rules.selectors['copyright'].expression}")
                    return read_copyright(line)
            # The rule gives nothing here (an older markup of the outlet): the page's own © line, as for any site.
        model = load_model("copyright")
        if not model:  # the rules alone: their block, read
            blocks = self._copyright_blocks()
            chosen = next((b for b in blocks if b.rules), None)
            if chosen is None or chosen.element is None:
                return None
            self.note("copyright", f"visible: © line in {describe(chosen.element)}"
                      + (" (page footer)" if chosen.rank >= 2 else ""))
            return self._copyright_reading(chosen.element, chosen.line)
        candidates = self.copyright_candidates()
        scores = [probability(model, row) for row in self.copyright_features(candidates)]
        pick = choose_copyright(candidates, scores)
        chosen, rules = candidates[pick], _rules_index(candidates)
        if chosen.element is None:
            if not chosen.rules:
                self.note("copyright", f"none: learned scorer {scores[pick]:.2f} for no © line (the rules' "
                                       f"choice scores {scores[rules]:.2f})")
            return None
        if chosen.rules:
            self.note("copyright", f"visible: © line in {describe(chosen.element)}"
                      + (" (page footer)" if chosen.rank >= 2 else ""))
        else:
            self.note("copyright", f"learned scorer {scores[pick]:.2f}: © line in {describe(chosen.element)}, cut "
                                   f"{chosen.variant} (the rules' choice scores {scores[rules]:.2f})")
        return chosen.reading

    def _copyright_blocks(self) -> list[CopyrightCandidate]:
        """Every block printing a copyright mark or 'All rights reserved' (at most 300 characters of its
        statement), in document order, the rules' choice among them marked (its reading left to the caller)."""
        blocks: list[CopyrightCandidate] = []
        seen: set[Any] = set()
        for element in self.text_hits(_COPYRIGHT_TEXT_RE):
            block = element
            while block is not None and block.tag not in BLOCK_TAGS and block.tag not in ("footer", "copyright"):
                block = block.getparent()
            if block is None or block in seen:
                continue
            seen.add(block)
            whole = _block_text(block)
            line = copyright_statement(whole) if len(whole) > 300 else whole  # (a footer's links and legalese)
            if not line or len(line) > 300 or not (_COPYRIGHT_MARK_RE.search(line) or _RIGHTS_RE.search(line)):
                continue
            in_footer = bool(block.xpath("ancestor-or-self::footer | ancestor-or-self::*[contains(@class,'footer')"
                                         " or contains(@id,'footer') or contains(@class,'copyright')]"))
            in_article = bool(block.xpath("ancestor::article"))
            rank = 2 * int(in_footer) - 2 * int(in_article) + int(bool(_COPYRIGHT_LEAD_RE.search(line)
                                                                    or "©" in line))
            blocks.append(CopyrightCandidate(block, line, rank, self._rules_keep(block, line, in_footer), None,
                                             whole=whole))
        kept = [c for c in blocks if c.kept]
        if kept:
            max(kept, key=lambda c: (c.rank, self.order(c.element))).rules = True
        return blocks

    @staticmethod
    def _rules_keep(block: lxml_html.HtmlElement, line: str, in_footer: bool) -> bool:
        """Whether the rules take a candidate block's line for a statement at all."""
        if in_caption(block) or block.tag in ("figure", "figcaption"):
            return False  # a picture's credit ('© 2019 Reuters' under a photo) is the picture's, not the page's
        plain = _RIGHTS_RE.sub("", " ".join(_plain_texts(block)))
        if not _COPYRIGHT_MARK_RE.search(line) and not YEAR_RE.search(line) and len(_words(plain)) < 3:
            return False  # 'All rights reserved' at the end of a menu of links names no holder
        # a year or 'All rights reserved' says it is the site's statement; so does the footer's own '© Holder'
        # or 'Copyright Holder' printed as text (a 'Copyright/IP Policy' link is no statement)
        return bool(YEAR_RE.search(line) or _RIGHTS_RE.search(line) or (
            in_footer and _COPYRIGHT_LEAD_RE.search(line) and len(_words(line)) >= 2
            and ("©" in line or _COPYRIGHT_MARK_RE.search(" ".join(_plain_texts(block))))))

    @staticmethod
    def _copyright_reading(block: lxml_html.HtmlElement, line: str) -> dict[str, Any]:
        """The line, its holders and year, were the block the page's © line."""
        following = block.getnext()
        if not _RIGHTS_RE.search(line) and following is not None and isinstance(following.tag, str) \
                and re.fullmatch(r"all rights? reserved\.?", text_of(following), re.IGNORECASE):
            # its rights sentence printed as a block of its own right after it ('Copyright © 2020' 'All rights …')
            line = f"{line} {text_of(following)}"
        trimmed = read_copyright(copyright_statement(line))
        # '©2019 All Rights Reserved | Tampa Bay Times', 'Daily Maverick © All rights reserved': the holder is
        # printed outside the statement, so the block's line is kept whole.
        if trimmed["holders"]:
            return trimmed
        if (label := _LINK_LABEL_RE.search(line, 1)) is not None and line[:label.start()].strip():
            line = line[:label.start()].rstrip(" —–-|·•")  # ('… BizPacReview — Built by WPDevelopers.')
        whole = read_copyright(line)
        if whole["holders"] and _LINK_LABEL_RE.match(whole["holders"][0]):
            return trimmed  # ('©2014-2018 Terms | Privacy': the footer's links are no holder)
        return whole
