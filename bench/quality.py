"""Field quality against the golden fixtures: precision, recall and F1 per outlet and field, ours and trafilatura's.

    .venv/bin/python bench/quality.py [--outlet KEY ...]

Every page of tests/fixtures/<outlet>/ with its hand-written .json is extracted by the outlet's own extractor
(outlets.toml) and by trafilatura's `bare_extraction` (its metadata: title, author, date, categories and
tags, sitename, description, image, and its main text). The real pages of ../shared/fixtures/real count too
when that folder is present. A third column runs the generic extractor with no outlet rules at all: the
golden items were written with the outlets' rules in view, so "ours" is measured on the pages it was tuned
on, and the no-rules column is the fairer estimate for an outlet added without any.

How a field is scored:
- one-value fields: a page's value is predicted when not null, correct when equal to the golden value;
  precision = correct / predicted, recall = correct / golden values that are not null;
- list fields (authors, terms): every name counts (case-insensitive), matched against the golden names;
- published: the day (YYYY-MM-DD) only, for both, as trafilatura gives no time;
- terms: regions + themes + in-depth reports against trafilatura's categories + tags (tags split on commas);
- original_source: its name, against trafilatura's sitename;
- body: words, as a bag (multiset), the usual measure for main-text extraction.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402
from w3lib.encoding import html_to_unicode  # noqa: E402

from crawler.extractors.page import normalized_item  # noqa: E402
from crawler.outlets import load_outlets  # noqa: E402
from pipelines.items.normalize import normalize_article  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
REAL = ROOT.parent / "shared" / "fixtures" / "real"
REAL_DIRS = {"globalresearch": "globalresearch.ca", "sputnik": "sputniknews.com", "rt": "rt.com"}
FIELDS = ("title", "subtitle", "byline", "authors", "published", "modified", "terms", "original_source",
          "copyright", "language", "summary", "image", "body")
# What trafilatura's metadata offers for each field (None: it has nothing to compare).
TRAFILATURA_FIELDS = {"title", "authors", "published", "terms", "original_source", "summary", "image", "body",
                      "language"}
_WS = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class Score:
    correct: float = 0
    predicted: float = 0
    relevant: float = 0

    def add(self, other: Score) -> None:
        self.correct += other.correct
        self.predicted += other.predicted
        self.relevant += other.relevant

    def prf(self) -> tuple[float, float, float]:
        p = self.correct / self.predicted if self.predicted else 0.0
        r = self.correct / self.relevant if self.relevant else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f


@dataclass
class Page:
    outlet: str
    html: str
    expected: dict[str, Any]
    name: str


@dataclass
class Table:
    ours: dict[tuple[str, str], Score] = field(default_factory=dict)
    theirs: dict[tuple[str, str], Score] = field(default_factory=dict)
    bare: dict[tuple[str, str], Score] = field(default_factory=dict)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = _WS.sub(" ", str(value)).strip()
    return text or None


def _one(predicted: Any, golden: Any) -> Score:
    p, g = _text(predicted), _text(golden)
    return Score(correct=float(p is not None and p == g), predicted=float(p is not None), relevant=float(g is not None))


def _many(predicted: list[str], golden: list[str]) -> Score:
    p = Counter(n.casefold() for n in predicted if n)
    g = Counter(n.casefold() for n in golden if n)
    return Score(correct=sum((p & g).values()), predicted=sum(p.values()), relevant=sum(g.values()))


def _words(predicted: str | None, golden: str | None) -> Score:
    p = Counter(w.casefold() for w in _WORD.findall(predicted or ""))
    g = Counter(w.casefold() for w in _WORD.findall(golden or ""))
    return Score(correct=sum((p & g).values()), predicted=sum(p.values()), relevant=sum(g.values()))


def _day(value: Any) -> str | None:
    return str(value)[:10] if value else None


def _terms(item: dict[str, Any]) -> list[str]:
    return [t["name"] for key in ("regions", "themes", "in_depth_reports") for t in item.get(key) or []]


def _view(item: dict[str, Any]) -> dict[str, Any]:
    """An item (ours or golden) as the fields scored."""
    source = item.get("original_source") or {}
    return {
        **{k: item.get(k) for k in ("title", "subtitle", "byline", "modified", "language", "summary", "image")},
        "authors": [a["name"] for a in item.get("authors") or []],
        "published": _day(item.get("published")),
        "terms": _terms(item),
        "original_source": source.get("name"),
        "copyright": json.dumps(item["copyright"], sort_keys=True) if item.get("copyright") else None,
        "body": item.get("body"),
    }


def _trafilatura_view(html: str, url: str) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    data = doc.as_dict() if hasattr(doc, "as_dict") else (doc or {})
    tags = [t.strip() for tag in data.get("tags") or [] for t in str(tag).split(",")]
    authors = [a.strip() for a in str(data.get("author") or "").split(";") if a.strip()]
    return {
        "title": data.get("title"),
        "authors": authors,
        "published": _day(data.get("date")),
        "terms": [*(data.get("categories") or []), *tags],
        "original_source": data.get("sitename"),
        "summary": data.get("description"),
        "image": data.get("image"),
        "language": data.get("language"),
        "body": "\n\n".join(p for p in str(data.get("text") or "").split("\n") if p.strip()),
    }


def _score(field_name: str, predicted: dict[str, Any], golden: dict[str, Any]) -> Score:
    if field_name in ("authors", "terms"):
        return _many(predicted.get(field_name) or [], golden.get(field_name) or [])
    if field_name == "body":
        return _words(predicted.get("body"), golden.get("body"))
    return _one(predicted.get(field_name), golden.get(field_name))


def load_pages(outlets: list[str]) -> list[Page]:
    pages = []
    for outlet in outlets:
        folder = FIXTURES / outlet
        for expected_file in sorted(folder.glob("*.json")):
            html_file = expected_file.with_suffix(".html")
            if html_file.exists():
                pages.append(_page(outlet, html_file, expected_file))
        real = REAL / REAL_DIRS.get(outlet, "-")
        if real.is_dir():
            for expected_file in sorted((folder / "real").glob("*.json")):
                html_file = real / (expected_file.stem + ".html")
                if html_file.exists():
                    pages.append(_page(outlet, html_file, expected_file))
    return pages


def _page(outlet: str, html_file: Path, expected_file: Path) -> Page:
    _, html = html_to_unicode(None, html_file.read_bytes())
    return Page(outlet, html, json.loads(expected_file.read_text(encoding="utf-8")), html_file.name)


def measure(pages: list[Page]) -> Table:
    outlets = load_outlets()
    table = Table()
    for page in pages:
        url = str(page.expected["url"])
        # The items `scrapy extract` gives: with the outlet's extractor and rules, and with no outlet at all.
        ours = _view(asdict(normalized_item(outlets[page.outlet], page.html, url, normalize_article)))
        theirs = _trafilatura_view(page.html, url)
        bare = _view(asdict(normalized_item("generic", page.html, url, normalize_article)))
        golden = _view(page.expected)
        for field_name in FIELDS:
            for key in ((page.outlet, field_name), ("ALL", field_name)):
                table.ours.setdefault(key, Score()).add(_score(field_name, ours, golden))
                table.bare.setdefault(key, Score()).add(_score(field_name, bare, golden))
                if field_name in TRAFILATURA_FIELDS:
                    table.theirs.setdefault(key, Score()).add(_score(field_name, theirs, golden))
    return table


def report(table: Table, outlets: list[str], pages: list[Page]) -> str:
    counts = Counter(p.outlet for p in pages)
    lines = [f"pages: {', '.join(f'{o} {counts[o]}' for o in outlets)} (real pages included: {REAL.is_dir()})", "",
             f"{'outlet':<16}{'field':<17}{'ours P':>8}{'R':>7}{'F1':>7}   {'trafilatura P':>13}{'R':>7}{'F1':>7}"
             f"   {'no-rules F1':>11}"]
    for outlet in [*outlets, "ALL"]:
        for field_name in FIELDS:
            ours = table.ours.get((outlet, field_name))
            if ours is None or (ours.relevant == 0 and ours.predicted == 0):
                continue
            p, r, f = ours.prf()
            theirs = table.theirs.get((outlet, field_name))
            if theirs is None:
                baseline = f"{'—':>13}{'':>7}{'':>7}"
            else:
                tp, tr, tf = theirs.prf()
                baseline = f"{tp:>13.2f}{tr:>7.2f}{tf:>7.2f}"
            flag = "  <" if theirs is not None and tf > f else ""
            bare = table.bare[(outlet, field_name)].prf()[2]
            lines.append(f"{outlet:<16}{field_name:<17}{p:>8.2f}{r:>7.2f}{f:>7.2f}   {baseline}   {bare:>11.2f}{flag}")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlet", action="append", help="only this outlet (repeatable)")
    args = parser.parse_args(argv)
    outlets = args.outlet or [key for key in load_outlets() if (FIXTURES / key).is_dir()]
    pages = load_pages(outlets)
    print(report(measure(pages), outlets, pages))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
