"""The learned copyright scorer's side (models/copyright.json): what the page's copyright line could be (every ©
block, its line cut several ways, and "no line"), each candidate's structural features, and the choice between the
scorer's best and the hand-written rules' own.

`CopyrightCandidates` is a reader of the page like the others (generic/page.py combines them); the rules' readings it
builds on (the © blocks with the rules' choice marked, a block's line read as the item's) are the `Provenance` rules
class's (provenance.py), declared here as abstract methods so that both sides are type-checked."""

from __future__ import annotations

import dataclasses
import itertools
import re
from abc import abstractmethod
from collections import Counter
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from crawler.extractors.dates import YEAR_RE
from crawler.extractors.generic.base import PageBase
from crawler.extractors.generic.common import _host, _plain_texts, _words, in_caption
from crawler.extractors.rights import LINK_LABEL_RE as _LINK_LABEL_RE
from crawler.extractors.rights import RIGHTS_RESERVED, copyright_statement, read_copyright
from crawler.extractors.text import collapse, text_of

# The marks of a copyright statement, and where its sentences end (the rules' reading and the scorer's cuts).
_COPYRIGHT_MARK_RE = re.compile(r"©|&copy;|\(c\)\s*(?:1[89]|2\d)\d\d|\bcopyright\b", re.IGNORECASE)
_COPYRIGHT_LEAD_RE = re.compile(r"^\s*(?:copyright\b\s*)?(?:©|\(c\))|^\s*copyright\b", re.IGNORECASE)
_RIGHTS_RE = re.compile(RIGHTS_RESERVED, re.IGNORECASE)
_RIGHTS_END_RE = re.compile(rf"(?:\bsome rights? reserved\b|{RIGHTS_RESERVED})\.?", re.IGNORECASE)
# A full stop ending a sentence, not an abbreviation's (Inc., Co., Ltd.) or an initial's.
_SENTENCE_END_RE = re.compile(r"(?<!\b[A-Z])(?<!\bInc)(?<!\bCo)(?<!\bLtd)(?<!\bCorp)\.(?=\s+[A-Z(])")
_FULL_STOP_RE = re.compile(r"(?<!\b[A-Z])\.(?=\s+[A-Z(])")  # (any full stop but an initial's)
_BAR_RE = re.compile(r"\s[|·•]\s|\|")


class CopyrightCandidates(PageBase):
    """The copyright scorer's candidates and features, over the rules' readings (Provenance gives them)."""

    _copyright_candidates: list[CopyrightCandidate] | None = None

    @abstractmethod
    def rules_dates(self) -> dict[str, str | None]:
        """The rules' dates (dating.Dates, beside this reader in Page): the features read the published year."""

    @abstractmethod
    def _copyright_blocks(self) -> list[CopyrightCandidate]:
        """Every © block, in document order, the rules' choice among them marked."""

    @abstractmethod
    def _copyright_reading(self, block: lxml_html.HtmlElement, line: str) -> dict[str, Any]:
        """The line, its holders and year, were the block the page's © line."""

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
