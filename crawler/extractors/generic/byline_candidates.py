"""The learned byline scorer's side (models/byline.json): what the byline could be on a page (its candidates), each
candidate's structural features, and the choice between the scorer's best and the hand-written rules' own.

`BylineCandidates` is a reader of the page like the others (generic/page.py combines them); the rules' readings it
builds on (the rules' choice, an element's text as a byline, the declared authors, ...) are the `Bylines` rules
class's (bylines.py), declared here as abstract methods so that both sides are type-checked."""

from __future__ import annotations

import itertools
import math
import re
from abc import abstractmethod
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import html as lxml_html

from crawler.extractors.generic.base import PageBase
from crawler.extractors.generic.byline_words import (
    _CREDIT_ALONE_RE,
    _DATE_ALONE_RE,
    _DATE_WORDS_ALONE_RE,
    _NOT_BYLINE_CLASS_RE,
    _UI_WORDS_RE,
    _clean_name,
    _looks_like_name,
)
from crawler.extractors.generic.common import _PROFILE_PATH_RE, describe, in_caption
from crawler.extractors.generic.scorers import load_model, probability
from crawler.extractors.people import BY_RE, BYLINE_LEAD_RE, JOB_TITLE_RE, split_names
from crawler.extractors.text import collapse, text_of

_URL_ALONE_RE = re.compile(r"https?://\S+")
# Elements never a credit line's own.
_NOT_CANDIDATE_TAGS = frozenset({"meta", "link", "script", "style", "input", "img", "body", "html", "head", "article",
                                 "title", "option", "textarea", "h1", "noscript", "template", "svg", "button",
                                 "select", "form", "time"})
# The class or id words of an element holding a credit ('byline', 'author', 'writer', 'credit', 'contributor').
_CREDIT_CLASS_RE = re.compile(r"byline|author(?!i[sz]ation)|writer|credit|contributor|reporter")
_TAG_GROUPS = {"a": "a", "span": "span", "div": "div", "p": "p", "li": "li", "address": "address",
               **dict.fromkeys(("strong", "b", "em", "i", "small", "cite"), "inline"),
               **dict.fromkeys(("h2", "h3", "h4", "h5", "h6"), "heading"),
               **dict.fromkeys(("section", "header", "footer", "aside", "ul", "dl", "dd", "dt", "td"), "block")}
# Words of class and id names, as features: generic words of page layout, never a site's own.
_CLASS_FEATURES = tuple((word, re.compile(pattern)) for word, pattern in (
    ("byline", r"byline"), ("author", r"author(?!i[sz]ation)"), ("writer or reporter", r"writer|reporter"),
    ("credit or contributor", r"credit|contributor"), ("name", r"name"), ("meta or info", r"meta|info|details"),
    ("date or time", r"date|time|publish"), ("post or entry", r"post|entry|article|story"),
    ("bio, card, box, social, …", _NOT_BYLINE_CLASS_RE.pattern),
))


# A candidate more likely right than not, by the scorer: a probability's midpoint, not a figure tuned on the corpus.
BYLINE_CONFIDENT = 0.5


def _rules_index(candidates: list[BylineCandidate]) -> int:
    """The rules' own choice among the candidates ('no credit', the last one, when the rules found none)."""
    return next((i for i, c in enumerate(candidates) if "rules" in c.kinds), len(candidates) - 1)


def choose_byline(candidates: list[BylineCandidate], scores: list[float]) -> int:
    """The chosen candidate: the scorer overrules the hand-written cascade only where it finds the rules' choice
    more likely wrong than right (below BYLINE_CONFIDENT) and its own best more likely right (a tie: the first in
    document order); elsewhere the rules' choice stands."""
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    rules = _rules_index(candidates)
    return best if scores[best] >= BYLINE_CONFIDENT > scores[rules] else rules


def _in_data_block(element: lxml_html.HtmlElement) -> bool:
    """Inside a block of microdata values written for machines, which a stylesheet hides: among the itemprop
    elements of the element's own block, one prints a bare URL (an image's, the page's own). An author named there
    ('Jo Park. News Example') is metadata, never a printed credit."""
    for block in itertools.islice(element.iterancestors(), 2):
        values = [child for child in block if isinstance(child.tag, str) and child.get("itemprop")]
        if len(values) >= 2 and any(_URL_ALONE_RE.fullmatch(text_of(child)) for child in values):
            return True
    return False


def _beside_date(element: lxml_html.HtmlElement) -> bool:
    """A date printed alone in the element's next sibling, or on a line of its own after it in its parent."""
    after = element.getnext()
    if after is not None and isinstance(after.tag, str) and _DATE_ALONE_RE.fullmatch(text_of(after)):
        return True
    return bool(element.tail and _DATE_ALONE_RE.fullmatch(collapse(element.tail))) or any(
        _DATE_ALONE_RE.fullmatch(collapse(s.tail)) for s in element.itersiblings("br"))


def _distance_feature(distance: int) -> str:
    """Where an element stands against the headline, in elements of document order, as a feature's name."""
    if distance < 0:
        return "before the headline"
    for limit in (10, 40, 150):
        if distance <= limit:
            return f"after the headline: up to {limit}"
    return "after the headline: further"


def _words_feature(count: int) -> str:
    for limit in (1, 4, 8):
        if count <= limit:
            return f"words: up to {limit}"
    return "words: more"


@dataclass
class BylineCandidate:
    """An element the byline could be (None: the page prints no credit), its text as byline_element gives it,
    its credit line as byline() prints it, and how it was found ('rules', 'marked', 'by', 'name')."""

    element: lxml_html.HtmlElement | None
    text: str
    kinds: set[str] = field(default_factory=set)
    line: str = ""



class BylineCandidates(PageBase):
    """The page's byline as the learned scorer reads it: candidates, features, the choice."""

    _byline_how: str | None = None
    """The learned scorer's evidence for the byline it chose, where the rules chose otherwise."""

    # The rules' readings the scorer builds on (Bylines, bylines.py, gives them).
    @abstractmethod
    def _rules_byline(self) -> tuple[lxml_html.HtmlElement | None, str]:
        raise NotImplementedError

    @abstractmethod
    def _author_markup(self) -> tuple[list[lxml_html.HtmlElement], list[lxml_html.HtmlElement]]:
        raise NotImplementedError

    @abstractmethod
    def _byline_text(self, element: lxml_html.HtmlElement) -> str:
        raise NotImplementedError

    @abstractmethod
    def _printed_credit(self, element: lxml_html.HtmlElement, text: str) -> str:
        raise NotImplementedError

    @abstractmethod
    def _declared_authors(self) -> tuple[list[dict[str, str | None]], str]:
        raise NotImplementedError

    @abstractmethod
    def _printed_name(self, text: str) -> bool:
        raise NotImplementedError

    def _learned_byline(self) -> tuple[lxml_html.HtmlElement | None, str]:
        """The byline's candidates scored (models/byline.json) and one chosen (choose_byline): the rules' own
        choice unless the scorer finds it unlikely and another candidate (or no credit) likely. Noted with the
        scores where the scorer overrules the rules (elsewhere the rules' wording)."""
        candidates = self.byline_candidates()
        model = load_model("byline")
        if not model:
            return self._rules_byline()
        scores = [probability(model, row) for row in self.byline_features(candidates)]
        chosen = candidates[choose_byline(candidates, scores)]
        score = scores[candidates.index(chosen)]
        if "rules" in chosen.kinds or (chosen.element is None and not any("rules" in c.kinds for c in candidates)):
            self._byline_how = None  # (the rules' choice: byline() notes it as the rules do)
        elif chosen.element is None:
            self.note("byline", f"none: learned scorer {score:.2f} for no credit printed (the rules' choice "
                                f"scores {scores[_rules_index(candidates)]:.2f})")
        else:
            where = "" if self.headline() is None else \
                f", {self.order(chosen.element) - self.order(self.headline())} elements after h1"
            self._byline_how = f"learned scorer {score:.2f}: {describe(chosen.element)}{where} (found: " \
                               f"{', '.join(sorted(chosen.kinds))}; the rules' choice scores " \
                               f"{scores[_rules_index(candidates)]:.2f})"
        return (chosen.element, chosen.text) if chosen.element is not None else (None, "")


    def byline_candidates(self) -> list[BylineCandidate]:
        """What the byline could be, for the learned scorer: the rules' own choice, every element classed or
        marked up as an author's or a byline near the headline, every 'By …' element and every short name-like
        element just around it, and no credit at all (the last one, element None)."""
        found: dict[tuple[int, str], BylineCandidate] = {}
        headline = collapse(self._headline_text()).casefold()

        def add(element: lxml_html.HtmlElement, text: str, kind: str) -> None:
            # (what the rules never take for a credit: a photo's caption, the headline, a date line's words alone)
            if not text or len(text) > 200 or text.casefold() == headline or _DATE_WORDS_ALONE_RE.fullmatch(text) \
                    or (kind != "rules" and in_caption(element)):
                return
            candidate = found.setdefault((id(element), text), BylineCandidate(element, text))
            candidate.kinds.add(kind)

        element, text = self._rules_byline()
        if element is not None:
            add(element, text, "rules")
        marked = [*self.classed(_CREDIT_CLASS_RE), *self._author_markup()[0], *self._author_markup()[1]]
        for element in marked:
            # (an element printing a thousand characters is an author's box or the article, never its credit line:
            # not read, lxml's own count is cheap)
            if isinstance(element.tag, str) and element.tag not in _NOT_CANDIDATE_TAGS \
                    and self._near_headline(element, before=60, after=600) and len(element.text_content()) < 1000 \
                    and not _in_data_block(element):
                add(element, self._byline_text(element), "marked")
        h1 = self.headline()
        start = self.order(h1) if h1 is not None else 0
        for element in self._around(h1, before=40, after=300) if h1 is not None else ():
            raw = element.text
            if not raw or len(raw) > 400 or raw.isspace() or not isinstance(element.tag, str) \
                    or element.tag in _NOT_CANDIDATE_TAGS:
                continue
            own = collapse(raw)
            if not own or len(own) > 80:
                continue
            if BYLINE_LEAD_RE.match(own) or _CREDIT_ALONE_RE.match(own):
                add(element, self._byline_text(element), "by")
            # (a bare name only close to the headline: further off, names are links to other stories and people)
            elif -10 <= self.order(element) - start <= 60 and own[:1].isupper() and len(own.split()) <= 8 \
                    and _looks_like_name(_clean_name(own)) and len(text_of(element)) <= 100 \
                    and not _in_data_block(element):
                add(element, self._byline_text(element), "name")
        candidates = sorted(found.values(), key=lambda c: self.order(c.element))
        for candidate in candidates:
            if candidate.element is not None:
                candidate.line = self._printed_credit(candidate.element, candidate.text)
        return [*candidates, BylineCandidate(None, "", {"none"})]

    def byline_features(self, candidates: list[BylineCandidate]) -> list[dict[str, float]]:
        """Each candidate's structural features by name (models/byline.json weighs them): how it was found, its
        tag and class words, where it stands against the headline, its text's shape, its links, and whether the
        page's declared authors, rel=author links and other candidates agree with it. Never a site's words."""
        declared = {collapse(_clean_name(p["name"] or "")).casefold() for p in self._declared_authors()[0]}
        declared = {n for n in declared if n and not self.is_outlet(n)}
        linked = {collapse(text_of(a)).casefold() for a in self._author_markup()[1]} - {""}
        h1 = self.headline()
        start = self.order(h1) if h1 is not None else None
        elements = {c.element for c in candidates if c.element is not None}
        lines = Counter(c.line.casefold() for c in candidates if c.element is not None)
        after = [self.order(c.element) for c in candidates if c.element is not None and start is not None
                 and self.order(c.element) > start]
        first_after = min(after, default=None)
        rows = []
        for candidate in candidates:
            element = candidate.element
            if element is None:
                rows.append({"none": 1.0, "none, declared author": float(bool(declared)),
                             "none, no headline": float(h1 is None),
                             "none, a 'By' candidate": float(any(BYLINE_LEAD_RE.match(c.line) for c in candidates
                                                                 if c.element is not None)),
                             "none, a marked candidate": float(any("marked" in c.kinds for c in candidates))})
                continue
            f: dict[str, float] = {f"found: {kind}": 1.0 for kind in candidate.kinds}
            f[f"tag: {_TAG_GROUPS.get(element.tag, 'other')}"] = 1.0
            names = f"{element.get('class') or ''} {element.get('id') or ''}".casefold()
            for word, pattern in _CLASS_FEATURES:
                if pattern.search(names):
                    f[f"class: {word}"] = 1.0
            if not names.strip():
                f["class: none"] = 1.0
            if any(_CREDIT_CLASS_RE.search(f"{a.get('class') or ''} {a.get('id') or ''}".casefold())
                   for a in list(element.iterancestors())[:3]):
                f["parent classed as credit"] = 1.0
            if any(e.get("itemprop") == "author" for e in element.iter()):
                f["itemprop author"] = 1.0
            if start is None:
                f["no headline"] = 1.0
            else:
                distance = self.order(element) - start
                f[_distance_feature(distance)] = 1.0
                if self.order(element) == first_after:
                    f["first candidate after the headline"] = 1.0
            if self.in_furniture(element):
                f["in furniture"] = 1.0
            if in_caption(element):
                f["in a caption"] = 1.0
            if next(element.iterancestors("article", "main"), None) is not None:
                f["in article or main"] = 1.0
            line = candidate.line
            folded = line.casefold()
            words = line.split()
            f[_words_feature(len(words))] = 1.0
            f["characters (log)"] = math.log1p(len(line)) / 5
            capitals = [w for w in words if w[:1].isupper()]
            f["capitalised share"] = len(capitals) / len(words) if words else 0.0
            if BYLINE_LEAD_RE.match(line):
                f["'By' lead"] = 1.0
            if _CREDIT_ALONE_RE.match(line):
                f["credit words alone"] = 1.0
            if re.search(r"\d", line):
                f["digits"] = 1.0
            if _UI_WORDS_RE.search(line):
                f["@, # or an address"] = 1.0
            if line.endswith((".", "!", "?")):
                f["ends a sentence"] = 1.0
            if re.search(r"[|/]", line):
                f["bar or slash"] = 1.0
            if line.isupper():
                f["all capitals"] = 1.0
            if "©" in line or "(c)" in folded:
                f["a © mark"] = 1.0
            if line != candidate.text:
                f["credit words or affiliation printed around it"] = 1.0
            if element.tag != "a" and next(element.iterancestors("a"), None) is not None:
                f["inside a link"] = 1.0
            if any(_looks_like_name(_clean_name(piece)) for piece in split_names(line)):
                f["a name-like part"] = 1.0
            if JOB_TITLE_RE.fullmatch(line):
                f["a job title"] = 1.0
            if self._printed_name(BY_RE.sub("", line)):
                f["a printed name (no words of the page's tools or dates)"] = 1.0
            if _beside_date(element):
                f["beside a date"] = 1.0
            if declared and any(n in folded for n in declared):
                f["names a declared author"] = 1.0
                if all(n in folded for n in declared):
                    f["names every declared author"] = 1.0
            elif declared:
                f["names no declared author"] = 1.0
            if not declared:
                # (the page declares no author: what the print says must carry the choice alone)
                for name in ("a printed name (no words of the page's tools or dates)", "'By' lead", "beside a date",
                             "first candidate after the headline", "found: marked"):
                    if name in f:
                        f[f"no declared author, {name}"] = 1.0
            if any(n in folded for n in linked):
                f["names a rel=author link"] = 1.0
            if self.is_outlet(line) or self.is_outlet(BY_RE.sub("", line)):
                f["is the outlet"] = 1.0
            links = list(element.iter("a"))
            if links:
                f["link text share"] = min(1.0, sum(len(text_of(a)) for a in links) / max(1, len(text_of(element))))
                if any(_PROFILE_PATH_RE.search(urlsplit(a.get("href") or "").path.casefold().rstrip("/")
                                               .rpartition("/")[0] + "/") for a in links):
                    f["links to a profile page"] = 1.0
            if any(e in elements for e in element.iterdescendants()):
                f["holds another candidate"] = 1.0
            if any(e in elements for e in element.iterancestors()):
                f["inside another candidate"] = 1.0
            if lines[folded] > 1:
                f["same line found twice"] = 1.0
            rows.append(f)
        return rows
