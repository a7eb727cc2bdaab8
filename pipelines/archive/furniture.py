"""An outlet's furniture, learned from its own archive: paragraphs that repeat verbatim across its articles.

Every outlet prints the same appeals, disclaimers and promos under many articles ("All Global Research
articles can be read in 51 languages…", "The views and opinions expressed…do not necessarily reflect those of
Sputnik", "Like this story? Share it with a friend!"). A list of them by hand holds the ones somebody saw; the
archive holds them all. Each crawl counts, for every normalized paragraph of its articles' bodies (before any
is removed), in how many articles it appears, adds the counts of the outlet's previous state and stores the
sum as `furniture/{outlet}/{crawl_id}.json` (immutable, like every archive file; the newest is the state).
A paragraph printed in at least FURNITURE_MIN_SHARE of the articles seen, and in FURNITURE_MIN_ARTICLES of
them, is furniture: the next crawls, `reextract` and `extract` (given the archive) remove it from bodies.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pipelines.storage.base import Store

__all__ = ["Furniture", "furniture_key", "normalize_paragraph", "normalized_paragraphs", "strip_furniture"]

# Paragraphs this short are headings and labels ("Related", "Share"): structure, left to the extractors.
_MIN_LENGTH = 25
# The state keeps the paragraphs most often repeated; the rest could never reach a share that counts.
_KEEP = 5000
# Paragraphs seen once held before they are let go (about 1.5 MB of hashes at this size; 100,000 had held 7.5 MB
# at the top of its saw-tooth in a 20,000-article crawl): furniture printed in FURNITURE_MIN_SHARE of the articles
# comes back within a few articles, long before 20,000 other paragraphs have been seen.
_PRUNE_AT = 20_000


def furniture_key(outlet: str, crawl_id: str) -> str:
    return f"furniture/{outlet}/{crawl_id}.json"


def normalize_paragraph(text: str) -> str:
    """The form in which two printings of a paragraph compare equal: NFKC, case-folded, spaces collapsed."""
    return _collapsed(unicodedata.normalize("NFKC", text).casefold())


def _collapsed(text: str) -> str:
    """`" ".join(text.split())`, without splitting a text that is so already: one that has no whitespace but single
    spaces between words (the space is the one whitespace character str.isprintable() lets through; tests check it
    over every code point). Most paragraphs are: checking them costs half of splitting them into words."""
    if text.isprintable() and "  " not in text and not text.startswith(" ") and not text.endswith(" "):
        return text
    return " ".join(text.split())


def normalized_paragraphs(body: str | None) -> list[tuple[str, str]]:
    """The body's paragraphs, each with its normal form: normalized once for both learning and stripping, the
    whole body in one call (NFKC and case folding never make or take a paragraph break; checked)."""
    if not body:
        return []
    raw = body.split("\n\n")
    folded = unicodedata.normalize("NFKC", body).casefold().split("\n\n")
    if len(folded) != len(raw):  # not seen, but then one paragraph at a time
        folded = [unicodedata.normalize("NFKC", p).casefold() for p in raw]
    return [(p, _collapsed(f)) for p, f in zip(raw, folded, strict=True)]


def paragraphs_of(body: str | None) -> set[str]:
    return {n for _, n in normalized_paragraphs(body) if len(n) >= _MIN_LENGTH}


@dataclass
class Furniture:
    """Article counts per paragraph over the articles seen so far, and the rule that makes one furniture."""

    articles: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    """Paragraphs seen in two articles or more, by their text."""
    min_share: float = 0.3
    min_articles: int = 5
    once: set[int] = field(default_factory=set)
    """Paragraphs seen in one article so far, by their 64-bit hash (Python's, within this process): most paragraphs
    are the article's own and never come back, and 8 bytes of each, not its text, is what a long crawl holds of them.
    (It was blake2b's 8-byte digest: the same odds of two paragraphs sharing one, for a sixtieth of the time.)"""

    @classmethod
    def read_newest(cls, store: Store, outlet: str, *, min_share: float, min_articles: int) -> Furniture:
        """The outlet's newest state in the archive, or an empty one (crawl ids sort by start time)."""
        keys = sorted(k for k in store.keys(f"furniture/{outlet}/") if k.endswith(".json"))
        found = cls(min_share=min_share, min_articles=min_articles)
        if keys:
            data: dict[str, Any] = json.loads(store.read(keys[-1]))
            found.articles = int(data.get("articles", 0))
            found.counts = Counter({str(k): int(v) for k, v in data.get("paragraphs", {}).items()})
        return found

    @property
    def paragraphs(self) -> frozenset[str]:
        """The normalized paragraphs that are furniture now (a paragraph of one article never is)."""
        threshold = max(2, self.min_articles, self.min_share * self.articles)
        return frozenset(p for p, n in self.counts.items() if n >= threshold)

    def add(self, bodies: Iterable[str | None]) -> None:
        """Count this crawl's articles (their bodies as extracted, before furniture was removed)."""
        for body in bodies:
            self.add_paragraphs(normalized_paragraphs(body))

    def add_paragraphs(self, paragraphs: list[tuple[str, str]]) -> None:
        """Count one article by its normalized_paragraphs."""
        self.articles += 1
        for text in {n for _, n in paragraphs if len(n) >= _MIN_LENGTH}:
            if text in self.counts:
                self.counts[text] += 1
                continue
            key = hash(text)  # the str's own 64-bit hash: computed (and kept on it) by the lookup above
            if key in self.once:
                self.once.discard(key)
                self.counts[text] = 2
            else:
                self.once.add(key)
        if len(self.once) > _PRUNE_AT:
            # Memory stays bounded over a long crawl: a paragraph seen once so far cannot be furniture yet,
            # and real furniture (in FURNITURE_MIN_SHARE of the articles) comes back within a few articles.
            self.once.clear()

    def to_json(self) -> str:
        common = {p: n for p, n in self.counts.most_common(_KEEP) if n >= 2}
        return json.dumps({"articles": self.articles, "min_share": self.min_share,
                           "min_articles": self.min_articles, "furniture": sorted(self.paragraphs),
                           "paragraphs": common}, ensure_ascii=False, indent=1) + "\n"


def strip_furniture(body: str | None, furniture: frozenset[str],
                    paragraphs: list[tuple[str, str]] | None = None) -> tuple[str | None, int]:
    """The body without its furniture paragraphs, and how many went (`paragraphs`: its normalized_paragraphs,
    when already made)."""
    if not body or not furniture:
        return body, 0
    pairs = normalized_paragraphs(body) if paragraphs is None else paragraphs
    kept = [p for p, n in pairs if n not in furniture]
    return "\n\n".join(kept) or None, len(pairs) - len(kept)
