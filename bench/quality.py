"""Field quality: the golden fixtures (fit) or the real-page corpus (quality), ours against trafilatura's.

    .venv/bin/python bench/quality.py [--outlet KEY ...]                          golden mode: measures FIT
    .venv/bin/python bench/quality.py --corpus bench/corpus [--split dev|heldout|both] [--outlet generic]

Golden mode measures fit, not quality: the golden items of tests/fixtures were written with the outlets'
rules in view (and the rules with the golden items in view), so a high score there says the rules fit the
pages they were written for, nothing about pages they have never seen. Corpus mode (below, `corpus_main`)
is the measure of quality: real pages of outlets the extractor has no rules for, labelled by reading them.

Golden mode. Every page of tests/fixtures/<outlet>/ with its hand-written .json is extracted by the outlet's
own extractor (outlets.toml) and by trafilatura's `bare_extraction` (its metadata: title, author, date, categories and
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

Corpus mode (`--corpus DIR`): every page of DIR/labels/<outlet>/*.json whose split is asked for (dev, heldout or
both; or fresh, a third set labelled later and never tuned on, as held out as the held-out half), its bytes
read from DIR/pages/<outlet>/<id>.html and decoded as `scrapy extract` decodes a saved page
(crawler.extractors.decode), is read in the same run by the generic extractor (`normalized_item("generic", …)`,
the item `scrapy extract --outlet generic` prints) and by trafilatura's `bare_extraction` with metadata.
Scores per split and field, both tools after the same normalization (NFC, whitespace runs; case folded for
names): title, byline, authors (names as a case-insensitive set), published and modified (the day),
categories (ours: regions + themes + in-depth reports; trafilatura: categories + tags), copyright (the line,
and its holders as a set), original_source (its name), language (primary subtag), body (bag-of-words
P/R/F1 over all words, and the mean of the pages' F1), and how many of the labels' `body_must_not_contain`
phrases each body holds. byline, modified, copyright and original_source are ours only: trafilatura's metadata
has none of them. Each tool's time per page is the fastest of `--repeat` runs (default 3), taken in turns.
`--show` prints each page's fields that differ from its label (use it on the dev split only: the held-out
half and the fresh set are for reporting, never for reading).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402
from scrapy.settings import Settings  # noqa: E402
from w3lib.encoding import html_to_unicode  # noqa: E402

from crawler.extractors.decode import decode_html  # noqa: E402
from crawler.extractors.page import normalized_item  # noqa: E402
from crawler.outlets import load_outlets  # noqa: E402
from pipelines.archive.furniture import Furniture, normalized_paragraphs, strip_furniture  # noqa: E402
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


# -- corpus mode: real pages labelled by reading them ----------------------------------------------------------

CORPUS_FIELDS = ("title", "byline", "authors", "published", "modified", "categories", "copyright",
                 "copyright holders", "original_source", "language", "body")
# What trafilatura's bare_extraction has nothing for: no byline as printed, no modified date (its `date` is the
# publication date), no copyright line, no original source (its sitename is the outlet serving the page).
CORPUS_OURS_ONLY = frozenset({"byline", "modified", "copyright", "copyright holders", "original_source"})
CORPUS_LIST_FIELDS = frozenset({"authors", "categories", "copyright holders"})
SPLITS = ("dev", "heldout")
# A third set, labelled after the held-out half had been scored several times: never tuned on, never in "both".
FRESH = "fresh"


@dataclass
class CorpusPage:
    id: str
    split: str
    url: str
    raw: bytes
    labels: dict[str, Any]
    site: str = ""
    """The outlet the page belongs to for learning furniture: the label's site, or the corpus outlet."""


@dataclass
class CorpusRun:
    """Scores per (split, field) for both tools, the pages' own field scores, and the time each tool took."""

    ours: dict[tuple[str, str], Score] = field(default_factory=dict)
    theirs: dict[tuple[str, str], Score] = field(default_factory=dict)
    body_f1: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    violations: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    seconds: dict[tuple[str, str], float] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    details: list[str] = field(default_factory=list)
    furniture: int = 0
    """Learned furniture paragraphs summed over the pages scored (0: no archive to learn from)."""
    page_scores: dict[tuple[str, str], list[tuple[Score, Score | None]]] = field(default_factory=dict)
    """Each page's score of a field, ours and trafilatura's (None where it has no such field): for the intervals."""


def _norm(value: Any, *, fold: bool = False) -> str | None:
    """The one normalization both tools get: NFC, whitespace runs collapsed, and case folded for names."""
    if value is None:
        return None
    text = _WS.sub(" ", unicodedata.normalize("NFC", str(value))).strip()
    if fold:
        text = text.casefold()
    return text or None


def _language(value: Any) -> str | None:
    """The primary language subtag (en-US, en_GB → en): the labels name the language, not the locale."""
    text = _norm(value, fold=True)
    return re.split(r"[-_]", text, maxsplit=1)[0] if text else None


def _name_set(names: list[Any]) -> set[str]:
    return {n for n in (_norm(name, fold=True) for name in names) if n}


def _set_score(predicted: list[Any], golden: list[Any]) -> Score:
    p, g = _name_set(predicted), _name_set(golden)
    return Score(correct=len(p & g), predicted=len(p), relevant=len(g))


def _squash(text: str | None) -> str:
    """For 'must not contain' phrases: NFC, case folded, every space removed (labels were copied from
    rendered text, where block boundaries may or may not have left a space)."""
    return "".join(unicodedata.normalize("NFC", text or "").casefold().split())


def _corpus_view_ours(item: dict[str, Any]) -> dict[str, Any]:
    source = item.get("original_source") or {}
    rights = item.get("copyright") or {}
    return {
        "title": item.get("title"),
        "byline": item.get("byline"),
        "authors": [a["name"] for a in item.get("authors") or []],
        "published": _day(item.get("published")),
        "modified": _day(item.get("modified")),
        "categories": _terms(item),
        "copyright": rights.get("line"),
        "copyright holders": list(rights.get("holders") or []),
        "original_source": source.get("name"),
        "language": item.get("language"),
        "body": item.get("body"),
    }


def _corpus_view_labels(labels: dict[str, Any]) -> dict[str, Any]:
    source = labels.get("original_source") or {}
    rights = labels.get("copyright") or {}
    return {
        "title": labels.get("title"),
        "byline": labels.get("byline"),
        "authors": [a["name"] if isinstance(a, dict) else a for a in labels.get("authors") or []],
        "published": _day(labels.get("published")),
        "modified": _day(labels.get("modified")),
        "categories": list(labels.get("categories") or []),
        "copyright": rights.get("line"),
        "copyright holders": list(rights.get("holders") or []),
        "original_source": source.get("name"),
        "language": labels.get("language"),
        "body": labels.get("body"),
    }


def _corpus_view_trafilatura(html: str, url: str) -> dict[str, Any]:
    view = _trafilatura_view(html, url)
    return {
        "title": view["title"],
        "authors": view["authors"],
        "published": view["published"],
        "categories": view["terms"],
        "language": view["language"],
        "body": view["body"],
    }


def _corpus_score(field_name: str, predicted: dict[str, Any], golden: dict[str, Any]) -> Score:
    if field_name in CORPUS_LIST_FIELDS:
        return _set_score(predicted.get(field_name) or [], golden.get(field_name) or [])
    if field_name == "body":
        return _words(_norm(predicted.get("body")), _norm(golden.get("body")))
    if field_name == "language":
        p, g = _language(predicted.get("language")), _language(golden.get("language"))
    else:
        fold = field_name == "original_source"  # a name
        p, g = _norm(predicted.get(field_name), fold=fold), _norm(golden.get(field_name), fold=fold)
    return Score(correct=float(p is not None and p == g), predicted=float(p is not None), relevant=float(g is not None))


def decode_page(raw: bytes) -> str:
    """The page's text as `scrapy extract` reads a saved page: BOM, then the declared charset unless the bytes
    contradict it (crawler.extractors.decode). Both tools get this same text."""
    _, html = decode_html(raw)
    return html


def load_corpus(corpus: Path, outlet: str, splits: tuple[str, ...]) -> list[CorpusPage]:
    pages = []
    for label_file in sorted((corpus / "labels" / outlet).glob("*.json")):
        data = json.loads(label_file.read_text(encoding="utf-8"))
        if data.get("split") not in splits:
            continue
        page_file = corpus / "pages" / outlet / f"{data['id']}.html"
        if not page_file.exists():
            print(f"missing page bytes: {page_file} (the corpus pages are local, see {corpus}/README.md)",
                  file=sys.stderr)
            continue
        pages.append(CorpusPage(data["id"], data["split"], str(data["url"]), page_file.read_bytes(), data["labels"],
                                site=str(data.get("site") or outlet)))
    return pages


def learned_furniture(archive: list[CorpusPage], outlet: str) -> dict[str, frozenset[str]]:
    """Per page id, the furniture a crawl of its outlet would strip having archived the outlet's other corpus
    pages: the production rule (pipelines/archive/furniture.py, the settings' share and count) learned from
    every other page of the same site, of both halves (their bytes, never their labels), leave-one-out.
    A site with fewer pages than FURNITURE_MIN_ARTICLES + 1 learns nothing (every generic page is its own site)."""
    settings = Settings()
    settings.setmodule("settings.base")
    min_share, min_articles = settings.getfloat("FURNITURE_MIN_SHARE"), settings.getint("FURNITURE_MIN_ARTICLES")
    by_site: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {}
    for page in archive:
        body = _ours_item(outlet, decode_page(page.raw), page.url, furniture=frozenset()).get("body")
        by_site.setdefault(page.site, []).append((page.id, normalized_paragraphs(body)))
    found: dict[str, frozenset[str]] = {}
    for members in by_site.values():
        for page_id, _ in members:
            state = Furniture(min_share=min_share, min_articles=min_articles)
            for other_id, paragraphs in members:
                if other_id != page_id:
                    state.add_paragraphs(paragraphs)
            found[page_id] = state.paragraphs
    return found


@cache
def _outlets() -> dict[str, Any]:
    """outlets.toml read once, as a crawl reads it (not a page's cost)."""
    return load_outlets()


def _ours_item(outlet: str, html: str, url: str, furniture: frozenset[str]) -> dict[str, Any]:
    source = _outlets().get(outlet) or outlet
    item = normalized_item(source, html, url, normalize_article)
    item.body, _ = strip_furniture(item.body, furniture)
    return asdict(item)


def measure_corpus(pages: list[CorpusPage], outlet: str, show: bool = False, repeat: int = 3,
                   furniture: dict[str, frozenset[str]] | None = None) -> CorpusRun:
    """`furniture`: per page id, the learned furniture stripped from our body (learned_furniture), as a crawl
    does once its outlet's archive has articles; none when not given."""
    run = CorpusRun()
    furniture = furniture or {}
    # One page of each first, untimed: imports, compiled expressions and caches are not a page's cost.
    if pages:
        warm = decode_page(pages[0].raw)
        _ours_item(outlet, warm, pages[0].url, frozenset())
        _corpus_view_trafilatura(warm, pages[0].url)
    for page in pages:
        html = decode_page(page.raw)
        learned = furniture.get(page.id, frozenset())
        run.furniture += len(learned)
        # Each tool's time is the fastest of `repeat` runs, taken in turns, so that both meet the same machine.
        ours_seconds = theirs_seconds = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            ours = _corpus_view_ours(_ours_item(outlet, html, page.url, learned))
            middle = time.perf_counter()
            theirs = _corpus_view_trafilatura(html, page.url)
            ended = time.perf_counter()
            ours_seconds, theirs_seconds = min(ours_seconds, middle - started), min(theirs_seconds, ended - middle)
        golden = _corpus_view_labels(page.labels)
        forbidden = [p for p in page.labels.get("body_must_not_contain") or [] if p]
        for split in (page.split, "both"):
            run.pages[split] = run.pages.get(split, 0) + 1
            run.seconds[(split, "ours")] = run.seconds.get((split, "ours"), 0.0) + ours_seconds
            run.seconds[(split, "theirs")] = run.seconds.get((split, "theirs"), 0.0) + theirs_seconds
            for field_name in CORPUS_FIELDS:
                own = _corpus_score(field_name, ours, golden)
                other = None if field_name in CORPUS_OURS_ONLY else _corpus_score(field_name, theirs, golden)
                run.ours.setdefault((split, field_name), Score()).add(own)
                if other is not None:
                    run.theirs.setdefault((split, field_name), Score()).add(other)
                run.page_scores.setdefault((split, field_name), []).append((own, other))
            for tool, view in (("ours", ours), ("theirs", theirs)):
                run.body_f1.setdefault((split, tool), []).append(_corpus_score("body", view, golden).prf()[2])
                body = _squash(view.get("body"))
                hits = sum(1 for p in forbidden if _squash(p) in body)
                counts = run.violations.setdefault((split, tool), [0, 0])
                counts[0] += hits
                counts[1] += len(forbidden)
        if show:
            run.details.extend(_page_details(page, ours, theirs, golden))
    return run


def _page_details(page: CorpusPage, ours: dict[str, Any], theirs: dict[str, Any],
                  golden: dict[str, Any]) -> list[str]:
    lines = [f"== {page.id} ({page.split})"]
    for field_name in CORPUS_FIELDS:
        if field_name == "body":
            score = _corpus_score("body", ours, golden).prf()
            tscore = _corpus_score("body", theirs, golden).prf()
            lines.append(f"  body P/R/F1 ours {score[0]:.2f}/{score[1]:.2f}/{score[2]:.2f}"
                         f"  trafilatura {tscore[0]:.2f}/{tscore[1]:.2f}/{tscore[2]:.2f}")
            forbidden = [p for p in page.labels.get("body_must_not_contain") or [] if _squash(p) in
                         _squash(ours.get("body"))]
            if forbidden:
                lines.append(f"  body contains: {forbidden}")
            continue
        score = _corpus_score(field_name, ours, golden)
        if score.correct != score.predicted or score.correct != score.relevant:
            lines.append(f"  {field_name}: ours {ours.get(field_name)!r}  label {golden.get(field_name)!r}")
    return lines


def corpus_report(run: CorpusRun, splits: tuple[str, ...]) -> str:
    lines: list[str] = []
    for split in (*splits, *(("both",) if len(splits) > 1 else ())):
        n = run.pages.get(split, 0)
        if not n:
            continue
        lines += [f"split: {split} ({n} pages)",
                  f"{'field':<19}{'ours P':>8}{'R':>7}{'F1':>7}   {'trafilatura P':>13}{'R':>7}{'F1':>7}"]
        for field_name in CORPUS_FIELDS:
            p, r, f = run.ours[(split, field_name)].prf()
            theirs = run.theirs.get((split, field_name))
            if theirs is None:
                baseline, flag = f"{'—':>13}{'':>7}{'':>7}", ""
            else:
                tp, tr, tf = theirs.prf()
                baseline = f"{tp:>13.2f}{tr:>7.2f}{tf:>7.2f}"
                flag = "  <" if tf > f + 1e-9 else ""
            lines.append(f"{field_name:<19}{p:>8.2f}{r:>7.2f}{f:>7.2f}   {baseline}{flag}")
        ours_mean = sum(run.body_f1[(split, "ours")]) / n
        theirs_mean = sum(run.body_f1[(split, "theirs")]) / n
        lines.append(f"{'body (page mean F1)':<19}{'':>8}{'':>7}{ours_mean:>7.2f}   {'':>13}{'':>7}{theirs_mean:>7.2f}"
                     + ("  <" if theirs_mean > ours_mean + 1e-9 else ""))
        ov, on = run.violations[(split, "ours")]
        tv, tn = run.violations[(split, "theirs")]
        lines.append(f"{'body must-not hits':<19}{f'{ov}/{on}':>22}   {f'{tv}/{tn}':>27}")
        ours_ms = 1000 * run.seconds[(split, "ours")] / n
        theirs_ms = 1000 * run.seconds[(split, "theirs")] / n
        lines.append(f"{'ms per page':<19}{ours_ms:>22.1f}   {theirs_ms:>27.1f}"
                     "   (ours: decoded page to normalized item; trafilatura: bare_extraction with metadata)")
        lines += ["", *_intervals(run, split), ""]
    lines.append("< : trafilatura scores higher. — : trafilatura has no such field. Fields are scored after the same "
                 "normalization for both (NFC, whitespace; case folded for names and language, language by its "
                 "primary subtag); dates by the day; authors, categories and holders as case-insensitive sets; "
                 "body as a bag of words (micro P/R/F1 over all words, and the mean of the pages' F1).")
    return "\n".join(lines)


def normed_score(predicted: str | None, golden: str | None) -> Score:
    """One page's exact-match score of a text field: `predicted` normalized as the labels are (`_norm`), against a
    label already normalized."""
    p = _norm(predicted)
    return Score(correct=float(p is not None and p == golden), predicted=float(p is not None),
                 relevant=float(golden is not None))


def prf_text(score: Score) -> str:
    p, r, f = score.prf()
    return f"P {p:.2f} R {r:.2f} F1 {f:.2f}"


def page_folds(count: int, k: int, seed: int) -> list[set[int]]:
    """k folds of `count` pages for a cross-validation by page: indices shuffled with `seed`, then dealt out."""
    order = list(range(count))
    random.Random(seed).shuffle(order)
    return [set(order[i::k]) for i in range(k)]


def scorer_cost(corpus: Path, repeat: int, use_scorer: Callable[[bool], None]) -> int:
    """Prints the ms per dev page of the whole generic extractor (`extract`) with a learned scorer as shipped and
    with the rules alone (`use_scorer(False)` switches it off, `use_scorer(True)` back on); each the fastest of
    `repeat` runs, the two taken in turns."""
    from crawler.extractors.generic import extract

    pages = [(decode_page(p.raw), p.url) for p in load_corpus(corpus, "generic", ("dev",))]
    extract(*pages[0])  # (imports, compiled expressions, the weights read: no page's cost)
    totals = {"scorer": 0.0, "rules": 0.0}
    try:
        for html, url in pages:
            best = {"scorer": float("inf"), "rules": float("inf")}
            for _ in range(repeat):
                for name in totals:
                    use_scorer(name == "scorer")
                    began = time.perf_counter()
                    extract(html, url)
                    best[name] = min(best[name], time.perf_counter() - began)
            for name, seconds in best.items():
                totals[name] += seconds
    finally:
        use_scorer(True)
    scorer, rules = (1000 * totals[k] / len(pages) for k in ("scorer", "rules"))
    print(f"generic extractor, {len(pages)} dev pages, fastest of {repeat}: {scorer:.1f} ms a page with the scorer, "
          f"{rules:.1f} ms with the rules alone ({scorer - rules:+.2f} ms)")
    return 0


def f1_interval(scores: list[Score], rounds: int = 1000) -> tuple[float, float]:
    """The 95% interval of a micro F1 over pages (each page's Score), the pages resampled with replacement
    `rounds` times (seed 0: the same interval every run of the same scores)."""
    rng = random.Random(0)
    found = []
    for _ in range(rounds):
        total = Score()
        for i in (rng.randrange(len(scores)) for _ in scores):
            total.add(scores[i])
        found.append(total.prf()[2])
    found.sort()
    return found[int(0.025 * rounds)], found[int(0.975 * rounds) - 1]


def _intervals(run: CorpusRun, split: str, rounds: int = 1000) -> list[str]:
    """95% intervals of each field's F1, and of ours less trafilatura's, by resampling the split's pages with
    replacement (`rounds` times, seed 0: the same intervals every run of the same scores). The pages are the unit:
    a field's micro F1 is recomputed from the resampled pages' sums."""
    rng = random.Random(0)
    lines = [f"95% intervals, {split} (pages resampled {rounds} times): field: ours F1 [low, high]; ours less "
             "trafilatura [low, high]"]
    for field_name in CORPUS_FIELDS:
        scored = run.page_scores.get((split, field_name), [])
        if not scored:
            continue
        own_f1: list[float] = []
        gaps: list[float] = []
        for _ in range(rounds):
            own, other = Score(), Score()
            for i in (rng.randrange(len(scored)) for _ in scored):
                own.add(scored[i][0])
                if scored[i][1] is not None:
                    other.add(scored[i][1])  # type: ignore[arg-type]
            own_f1.append(own.prf()[2])
            gaps.append(own.prf()[2] - other.prf()[2])
        own_f1.sort()
        gaps.sort()
        low, high = int(0.025 * rounds), int(0.975 * rounds) - 1
        gap = "" if scored[0][1] is None else f"; {gaps[low]:+.2f} .. {gaps[high]:+.2f}"
        lines.append(f"  {field_name}: [{own_f1[low]:.2f}, {own_f1[high]:.2f}]{gap}")
    return lines


def corpus_main(corpus: Path, outlet: str, split: str, show: bool, repeat: int = 3, archive: bool = True) -> int:
    splits = SPLITS if split == "both" else (split,)
    pages = load_corpus(corpus, outlet, splits)
    if not pages:
        print(f"no pages for outlet {outlet!r} in {corpus}", file=sys.stderr)
        return 2
    furniture = learned_furniture(load_corpus(corpus, outlet, (*SPLITS, FRESH)), outlet) if archive else {}
    run = measure_corpus(pages, outlet, show=show, repeat=repeat, furniture=furniture)
    if show:
        print("\n".join(run.details), end="\n\n")
    print(corpus_report(run, splits))
    print(f"Learned furniture: {run.furniture / len(pages):.1f} paragraphs per page on average"
          + (" (each page's site's other corpus pages taken as its archive; --no-archive to score without)"
             if archive else " (--no-archive: none learned)"))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlet", action="append",
                        help="only this outlet (repeatable); corpus mode: one, default generic")
    parser.add_argument("--corpus", type=Path, help="corpus mode: the corpus folder (labels/ and pages/)")
    parser.add_argument("--split", choices=("dev", "heldout", "both", "fresh"), default="both",
                        help="corpus mode: which half (both: dev and heldout; fresh: the third set, see the corpus's "
                             "README)")
    parser.add_argument("--show", action="store_true",
                        help="corpus mode: each page's wrong fields, ours against the label")
    parser.add_argument("--no-archive", action="store_true",
                        help="corpus mode: learn no furniture from the site's other corpus pages")
    parser.add_argument("--repeat", type=int, default=3,
                        help="corpus mode: runs of each tool per page; the fastest is its time (default 3)")
    args = parser.parse_args(argv)
    if args.corpus is not None:
        outlets = args.outlet or ["generic"]
        if len(outlets) != 1:
            parser.error("corpus mode reads one outlet's labels")
        return corpus_main(args.corpus, outlets[0], args.split, args.show, max(1, args.repeat),
                           archive=not args.no_archive)
    outlets = args.outlet or [key for key in load_outlets() if (FIXTURES / key).is_dir()]
    pages = load_pages(outlets)
    print(report(measure(pages), outlets, pages))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
