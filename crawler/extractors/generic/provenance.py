"""Where a piece comes from and who holds it: the original source (republication notices, source lines) and
the copyright line.

The copyright line is the rules' (the footer's © block, read by rights.copyright_statement and read_copyright) unless
a learned scorer overrules it: every © block, its line cut several ways, and "no line" are scored by a logistic
regression over structural features (models/copyright.json, trained on the corpus's dev pages by `python -m
bench.learn_copyright`), and the scorer's best replaces the rules' line where it scores that line below 0.5 and its
own at 0.5 or more (provenance.choose_copyright)."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from lxml import etree
from lxml import html as lxml_html

from crawler.extractors.dates import PRINTED_DATE, YEAR_RE
from crawler.extractors.generic.base import PageBase
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
from crawler.extractors.generic.scorers import load_model, probability
from crawler.extractors.rights import LINK_LABEL_RE as _LINK_LABEL_RE
from crawler.extractors.rights import copyright_statement, read_copyright
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
_COPYRIGHT_MARK_RE = re.compile(r"©|&copy;|\(c\)\s*(?:1[89]|2\d)\d\d|\bcopyright\b", re.IGNORECASE)
_COPYRIGHT_LEAD_RE = re.compile(r"^\s*(?:copyright\b\s*)?(?:©|\(c\))|^\s*copyright\b", re.IGNORECASE)
_RIGHTS_RE = re.compile(r"\ball rights reserved\b", re.IGNORECASE)
_RIGHTS_END_RE = re.compile(r"\b(?:all|some) rights? reserved\b\.?", re.IGNORECASE)
# A full stop ending a sentence, not an abbreviation's (Inc., Co., Ltd.) or an initial's.
_SENTENCE_END_RE = re.compile(r"(?<!\b[A-Z])(?<!\bInc)(?<!\bCo)(?<!\bLtd)(?<!\bCorp)\.(?=\s+[A-Z(])")
_FULL_STOP_RE = re.compile(r"(?<!\b[A-Z])\.(?=\s+[A-Z(])")  # (any full stop but an initial's)
_BAR_RE = re.compile(r"\s[|·•]\s|\|")
_DATE_TAIL_RE = re.compile(rf"[\s,(]*(?:on\s+)?(?P<date>{PRINTED_DATE})\)?[.\s]*$")
_COPYRIGHT_TEXT_RE = re.compile(r"©|copyright|rights reserved|\(c\)", re.IGNORECASE)
_CREDIT_TEXT_RE = re.compile(r"originally|first published|first appeared|original source|produced by|republished|"
                             r"reprinted|source\s*:|^\s*via\b", re.IGNORECASE)


class Provenance(PageBase):
    """The page's provenance and rights."""

    _copyright_candidates: list[CopyrightCandidate] | None = None

    if TYPE_CHECKING:
        def rules_dates(self) -> dict[str, str | None]:
            """The rules' dates (dating.Dates, beside this reader in Page): the copyright scorer reads the year."""

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

    def copyright_candidates(self) -> list[CopyrightCandidate]:
        """The scorer's candidates (once per page): each copyright block read as the rules read it, then its line
        cut other ways (where a statement ends is where the rules, tuned on the corpus's dev pages, miss most), each
        with what the item would carry were it the line; the rules' choice marked; "no line" last."""
        if self._copyright_candidates is not None:
            return self._copyright_candidates
        blocks = self._copyright_blocks()
        found: list[CopyrightCandidate] = []
        for block in blocks:
            assert block.element is not None
            block.reading = self._copyright_reading(block.element, block.line)
            found.append(block)
            lines = {_norm_line(block.reading["line"])}
            for variant, line in _line_variants(block.line):
                if _norm_line(line) not in lines:
                    lines.add(_norm_line(line))
                    found.append(dataclasses.replace(block, reading=read_copyright(line), rules=False,
                                                     variant=variant))
        found.append(CopyrightCandidate(None, "", 0, False, None, rules=not any(b.rules for b in blocks),
                                        variant="no line"))
        self._copyright_candidates = found
        return found

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

    def copyright_features(self, candidates: list[CopyrightCandidate]) -> list[dict[str, float]]:
        """Each candidate's structural features (models/copyright.json weighs them): where its block stands (the
        footer, the article, a caption, the document's end), what it prints (a mark, a year against the page's
        published year, a holder, the site's name), how long and how linked it is, and how many blocks print the
        same. No word of any one site."""
        self.order(self.root)  # (document order, once per page: every block's position is read against it)
        total = max(1, len(self._elements))
        published = self.rules_dates()["published"]
        published_year = int(published[:4]) if published and published[:4].isdigit() else None
        lines = Counter(_norm_line(c.line) for c in candidates if c.element is not None)
        shown = [c for c in candidates if c.element is not None]
        rows: list[dict[str, float]] = []
        for candidate in candidates:
            block = candidate.element
            if block is None:
                # what the page's blocks are like, weighed for "no line": a page printing only a photo's credit or
                # a sentence naming copyright prints no statement of its own
                blocks = [c for c in shown if c.variant == _RULES_CUT]
                none = {"no line": 1.0, f"no line: blocks {_bucket(len(blocks), (0, 1, 2, 4))}": 1.0,
                        "no block the rules keep": float(not any(c.kept for c in candidates)),
                        "no line: no block in a footer": float(not any(
                            _PLACES["in a footer element"](c.element) or _PLACES["classed footer"](c.element)
                            for c in blocks)),
                        "no line: every block in the article or a caption": float(all(
                            _PLACES["in the article"](c.element) or in_caption(c.element) for c in blocks)),
                        "no line: no block with a year": float(not any(YEAR_RE.search(c.line) for c in blocks)),
                        "no line: no block with ©": float(not any("©" in c.line for c in blocks))}
                rows.append({k: v for k, v in none.items() if v})
                continue
            row: dict[str, float] = {"the rules' choice": float(candidate.rules)}
            line, reading = candidate.line, candidate.reading or {}
            for name, xpath in _PLACES.items():
                row[name] = float(bool(xpath(block)))
            row["in a caption or figure"] = float(in_caption(block) or block.tag in ("figure", "figcaption"))
            row["classed as a credit or caption"] = float(any(
                _CREDIT_CLASS_RE.search(f"{a.get('class') or ''} {a.get('id') or ''}".lower())
                for a in itertools.islice(block.iterancestors(), 3)) or bool(_CREDIT_CLASS_RE.search(
                    f"{block.get('class') or ''} {block.get('id') or ''}".lower())))
            row["an image beside it"] = float(_beside_image(block))
            position = self.order(block) / total
            row[f"position: {_bucket(position, (0.33, 0.67, 0.9), '{:.2f}')}"] = 1.0
            h1 = self.headline()
            row["before the headline"] = float(h1 is not None and self.order(block) < self.order(h1))
            row[f"words: {_bucket(len(line.split()), (3, 8, 20))}"] = 1.0
            row["a long block trimmed"] = float(len(candidate.whole) > 300)
            row["the rules' filters keep it"] = float(candidate.kept)
            row["mark ©"] = float("©" in line or "&copy;" in line)
            row["mark 'copyright'"] = float(bool(re.search(r"\bcopyright\b", line, re.IGNORECASE)))
            row["mark (c)"] = float(bool(re.search(r"\(c\)", line, re.IGNORECASE)))
            row["no mark, rights reserved only"] = float(not _COPYRIGHT_MARK_RE.search(line))
            row["rights reserved"] = float(bool(_RIGHTS_RE.search(line)))
            row["starts with its mark"] = float(bool(_COPYRIGHT_LEAD_RE.search(line)))
            year = reading.get("year")
            row[f"year: {_year_feature(year, published_year)}"] = 1.0
            holders = reading.get("holders") or []
            row["holder: none"] = float(not holders)
            row["holder: the site's"] = float(any(self._names_site(h) for h in holders))
            row["holder: long"] = float(any(len(h.split()) > 5 for h in holders))
            # how its line is cut from the block's
            cut = reading.get("line") or ""
            row[f"cut: {candidate.variant}"] = 1.0
            row["cut: shorter than the block's line"] = float(len(cut) < len(line))
            mark = _COPYRIGHT_MARK_RE.search(cut)
            row["cut: text before its mark"] = float(mark is not None and bool(cut[:mark.start()].strip(" *")))
            row["cut: a bar in it"] = float(bool(_BAR_RE.search(cut)))
            rights = _RIGHTS_END_RE.search(cut)
            row["cut: text after its rights sentence"] = float(rights is not None and bool(cut[rights.end():].strip()))
            row["cut: a sentence after the mark's"] = float(mark is not None and bool(_SENTENCE_END_RE.search(
                cut, mark.end())))
            row["cut: a link's label in it"] = float(_LINK_LABEL_RE.search(cut, 1) is not None)
            row["cut: ends in a number"] = float(bool(re.search(r"\d[\s.]*$", cut)) and not YEAR_RE.search(cut[-6:]))
            row[f"cut: words {_bucket(len(cut.split()), (3, 6, 10, 16))}"] = 1.0
            row["printed by more blocks"] = float(lines[_norm_line(line)] > 1)
            row["the last block"] = float(candidate is shown[-1])
            row["the first block"] = float(candidate is shown[0])
            linked = sum(len(text_of(a)) for a in block.iter("a"))
            row[f"linked: {_bucket(linked / max(1, len(candidate.whole)), (0.0, 0.5), '{:.1f}')}"] = 1.0
            plain = _RIGHTS_RE.sub("", " ".join(_plain_texts(block)))
            row["few words outside links"] = float(len(_words(plain)) < 3)
            rows.append({k: v for k, v in row.items() if v})
        return rows

    def _names_site(self, holder: str) -> bool:
        """A holder naming the site: its og:site_name, publisher or application name, or its domain's name."""
        if self.is_outlet(holder):
            return True
        compact = re.sub(r"[^a-z0-9]", "", holder.casefold())
        host = re.sub(r"^www\d?\.", "", _host(self.url)).split(".")[0]
        sites = [re.sub(r"[^a-z0-9]", "", s.casefold()) for s in self.site_names()]
        # (a name within the other's, of five letters or more: 'Vox Media, Inc.' is not named by news.example's 'news')
        return bool(compact) and any(
            s == compact or (min(len(s), len(compact)) >= 5 and (s in compact or compact in s))
            for s in [*sites, host] if s)


_RULES_CUT = "the rules' cut"
# A candidate more likely right than not, by the scorer: a probability's midpoint, not a figure tuned on the corpus.
COPYRIGHT_CONFIDENT = 0.5
_CREDIT_CLASS_RE = re.compile(r"credit|caption|photo|image|img|media|figure|gallery")
_PLACES = {name: etree.XPath(xpath) for name, xpath in (
    ("in a footer element", "ancestor-or-self::footer"),
    ("classed footer", "ancestor-or-self::*[contains(@class,'footer') or contains(@id,'footer')]"),
    ("classed copyright", "ancestor-or-self::*[contains(@class,'copyright') or contains(@id,'copyright')]"),
    ("in the article", "ancestor::article | ancestor::*[@itemprop='articleBody']"),
    ("in nav or aside", "ancestor::nav | ancestor::aside"),
    ("in a header", "ancestor::header[not(ancestor::article)]"),
    ("in a list item", "ancestor-or-self::li"),
)}


@dataclasses.dataclass(eq=False)
class CopyrightCandidate:
    """A block the copyright line could be (None: the page prints none): its statement, the rules' rank of it and
    whether their filters keep it, what the item carries if it is chosen, and whether it is the rules' choice."""

    element: lxml_html.HtmlElement | None
    line: str
    rank: int
    kept: bool
    reading: dict[str, Any] | None
    rules: bool = False
    whole: str = ""
    variant: str = _RULES_CUT
    """How its line is cut from the block's text."""


def _rules_index(candidates: list[CopyrightCandidate]) -> int:
    return next(i for i, c in enumerate(candidates) if c.rules)


def choose_copyright(candidates: list[CopyrightCandidate], scores: list[float]) -> int:
    """The chosen candidate: the scorer overrules the rules only where it finds their choice more likely wrong than
    right (below COPYRIGHT_CONFIDENT) and its own best more likely right (a tie: the first in document order);
    elsewhere the rules' choice stands. It chooses among the blocks the rules' filters keep (a block they reject,
    'All rights reserved' closing a menu, names no holder: no score makes it a statement) and "no line"."""
    eligible = [i for i, c in enumerate(candidates) if c.kept or c.element is None]
    best = max(eligible, key=lambda i: (scores[i], -i))
    rules = _rules_index(candidates)
    return best if scores[best] >= COPYRIGHT_CONFIDENT > scores[rules] else rules


def _norm_line(line: str) -> str:
    return collapse(line).casefold()


def _bucket(value: float, limits: tuple[float, ...], fmt: str = "{:g}") -> str:
    for limit in limits:
        if value <= limit:
            return f"up to {fmt.format(limit)}"
    return "more"


def _year_feature(year: int | None, published: int | None) -> str:
    """A line's year against the page's published year: a footer's year is the page's crawl year or its own."""
    if year is None:
        return "none"
    if published is None:
        return "no published year"
    if year == published:
        return "the published year"
    if year < published:
        return "before the published year"
    return "the year after" if year == published + 1 else "years after"


def _beside_image(block: lxml_html.HtmlElement) -> bool:
    """An image in the block, or printed just before it (a photo's credit line)."""
    if next(block.iter("img", "picture", "figure"), None) is not None:
        return True
    before = block.getprevious()
    return before is not None and isinstance(before.tag, str) and (
        before.tag in ("img", "picture", "figure") or next(before.iter("img", "picture"), None) is not None)


def _line_variants(line: str) -> list[tuple[str, str]]:
    """A block's line cut other ways than the rules' reading cuts it: whole, as copyright_statement cuts it, up to
    its rights sentence (from the block's start or from the mark), up to the end of the mark's sentence."""
    found = [("the block's line", line), ("the statement", copyright_statement(line))]
    mark = _COPYRIGHT_MARK_RE.search(line)
    rights = _RIGHTS_END_RE.search(line)
    if rights is not None:
        found.append(("up to its rights sentence", line[:rights.end()]))
        if mark is not None and mark.start() < rights.start():
            found.append(("its mark to its rights sentence", line[mark.start():rights.end()]))
    if mark is not None and (end := _SENTENCE_END_RE.search(line, mark.end())) is not None:
        found.append(("up to its mark's sentence's end", line[:end.start() + 1]))
    if mark is not None and (stop := _FULL_STOP_RE.search(line, mark.end())) is not None:
        found.append(("up to the first full stop after its mark", line[:stop.start() + 1]))
    return [(name, collapse(text).rstrip(" ,;:-–—|")) for name, text in found if text.strip()]
