"""The byline's learned scorer: trained on the corpus's dev half only, its generalisation estimated by k-fold
cross-validation by page on dev before any held-out page is read.

    .venv/bin/python -m bench.learn_byline --corpus bench/corpus [--folds 5] [--seed 0] [--c 1.0] [--no-write]
    .venv/bin/python -m bench.learn_byline --corpus bench/corpus --time [--repeat 7]    ms per page, with and without

Every dev page (labels filtered by `"split" == "dev"` before anything else is read; held-out pages and labels
are never opened: bench.quality's load_corpus) is read by the generic extractor's own code into its byline
candidates (`BylineCandidates.byline_candidates`, generic/byline_candidates.py: the rules' choice, elements classed
or marked up as an author's, 'By …' elements and short name-like elements around the headline, and "no credit") and
their structural features (`BylineCandidates.byline_features`). A candidate is right when its credit line, after
bench.quality's normalisation, equals the label's byline ("no credit" is right when the label is null).

A logistic regression (scikit-learn, here only: the extractor weighs the features by hand from the JSON) scores
each candidate. Printed, for the dev half:
- the candidates' recall ceiling (pages whose labelled byline is among their candidates);
- (a) the rules' dev F1 (the cascade alone: optimistic, the rules were tuned on these pages);
- (b) the model's k-fold CV F1 (pages apart by fold, fixed seed; byline, and the authors the extractor reads with
  the chosen byline element), the rules' choice no feature, each page's best-scored candidate taken: the honest
  figure, to set against the rules' held-out F1;
- (b') the same scores chosen from as the extractor chooses (byline_candidates.choose_byline: the rules' choice
  stands unless the model scores it below 0.5 and another candidate at 0.5 or more): where the rules' choice
  stands, the figure inherits their optimism;
- (b'') for reference, a model with the rules' choice as a feature (optimistic the same way).
Each comes with a 95% interval of its byline F1 (pages resampled 1000 times, seed 0, as bench.quality's) and the
pages where its byline is not the rules'. Then, unless --no-write, the model (b) fitted on every dev page is written
to crawler/extractors/generic/models/byline.json, its weights by feature name, largest first.
`--time` instead times the whole generic extractor on the dev pages, with the scorer and with the rules' cascade
alone in its place.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.quality import (
    Score,
    _norm,
    _set_score,
    decode_page,
    f1_interval,
    load_corpus,
    normed_score,
    page_folds,
    prf_text,
    scorer_cost,
)
from crawler.extractors.generic import GenericExtractor
from crawler.extractors.generic.byline_candidates import BylineCandidate, BylineCandidates, choose_byline
from crawler.extractors.generic.bylines import Bylines
from crawler.extractors.generic.page import Page
from crawler.extractors.structured import read_structured_tree
from crawler.extractors.text import parse_html

MODEL = Path(__file__).resolve().parents[1] / "crawler" / "extractors" / "generic" / "models" / "byline.json"
RULES_FEATURE = "found: rules"


@dataclass
class Example:
    """One dev page: its reader, its candidates with their features and whether each is right, its labels."""

    id: str
    page: Page
    candidates: list[BylineCandidate]
    features: list[dict[str, float]]
    right: list[bool]
    byline: str | None
    authors: list[str]
    rules_line: str | None
    rules_authors: list[str]


def _reader(html: str, url: str) -> Page:
    """The generic extractor's page reader, as `GenericExtractor.__call__` builds it (no outlet rules)."""
    extractor = GenericExtractor()
    root = parse_html(html)
    return Page(extractor, root, read_structured_tree(root, url), url, None)


def _authors(page: Page, chosen: BylineCandidate) -> list[str]:
    """The authors the extractor reads with `chosen` as the page's byline element."""
    page._byline = (chosen.element, chosen.text) if chosen.element is not None else (None, "")
    return [a["name"] for a in page.authors() if a["name"]]


def examples(corpus: Path) -> list[Example]:
    pages = load_corpus(corpus, "generic", ("dev",))  # (labels of other splits are skipped before any page)
    assert all(p.split == "dev" for p in pages)
    found = []
    for n, corpus_page in enumerate(pages, 1):
        html = decode_page(corpus_page.raw)
        rules = _reader(html, corpus_page.url)
        rules._byline = rules._rules_byline()  # (the hand-written cascade alone, whatever models/byline.json says)
        rules_line = rules.byline()
        rules_authors = [a["name"] for a in rules.authors() if a["name"]]
        page = _reader(html, corpus_page.url)
        candidates = page.byline_candidates()
        features = page.byline_features(candidates)
        byline = _norm(corpus_page.labels.get("byline"))
        right = [(_norm(c.line) if c.element is not None else None) == byline for c in candidates]
        authors = [a["name"] if isinstance(a, dict) else a for a in corpus_page.labels.get("authors") or []]
        found.append(Example(corpus_page.id, page, candidates, features, right, byline, authors, rules_line,
                             rules_authors))
        if n % 50 == 0 or n == len(pages):
            print(f"  read {n}/{len(pages)} dev pages", file=sys.stderr)
    return found


def _model(c: float, seed: int) -> Any:
    from sklearn.feature_extraction import DictVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.pipeline import make_pipeline  # type: ignore[import-untyped]

    return make_pipeline(DictVectorizer(sparse=False), LogisticRegression(C=c, max_iter=2000, random_state=seed))


def _rows(example: Example, with_rules: bool) -> list[dict[str, float]]:
    if with_rules:
        return example.features
    return [{k: v for k, v in row.items() if k != RULES_FEATURE} for row in example.features]


def cross_validate(data: list[Example], folds: int, seed: int, c: float, with_rules: bool) -> list[list[float]]:
    """k-fold CV by page: each page's candidates scored by a model fitted on the other folds' pages only."""
    scores: list[list[float]] = [[] for _ in data]
    for test in page_folds(len(data), folds, seed):
        model = _model(c, seed)
        x = [row for i in range(len(data)) if i not in test for row in _rows(data[i], with_rules)]
        y = [right for i in range(len(data)) if i not in test for right in data[i].right]
        model.fit(x, y)
        for i in test:
            scores[i] = [float(p) for p in model.predict_proba(_rows(data[i], with_rules))[:, 1]]
    return scores


@dataclass
class Outcome:
    """A way of choosing, scored: each page's byline score, the authors' summed, the wrong choices, and for each
    page whose byline is not the rules', whether the chosen and the rules' are right."""

    pages: list[Score]
    authors: Score
    misses: list[str]
    overruled: list[tuple[bool, bool]]
    deferred: int = 0
    """Pages where the model's best-scored candidate was not taken (the rules' choice stood)."""


def outcome(data: list[Example], scores: list[list[float]], deployed: bool) -> Outcome:
    """The bylines chosen from the CV scores: the best-scored candidate, or (`deployed`) as the extractor chooses
    (byline_candidates.choose_byline: the rules' choice unless the model finds it unlikely and another candidate
    likely)."""
    found = Outcome([], Score(), [], [])
    for example, page_scores in zip(data, scores, strict=True):
        best = max(range(len(page_scores)), key=lambda j: (page_scores[j], -j))
        pick = choose_byline(example.candidates, page_scores) if deployed else best
        found.deferred += pick != best
        chosen = example.candidates[pick]
        line = chosen.line if chosen.element is not None else None
        found.pages.append(normed_score(line, example.byline))
        if _norm(line) != _norm(example.rules_line):
            found.overruled.append((_norm(line) == example.byline, _norm(example.rules_line) == example.byline))
        found.authors.add(_set_score(_authors(example.page, chosen), example.authors))
        if _norm(line) != example.byline:
            found.misses.append(f"{example.id}: chose {line!r} ({page_scores[pick]:.2f}), label {example.byline!r}")
    return found


def fitted(data: list[Example], c: float, seed: int) -> dict[str, Any]:
    """The model fitted on every dev page, as the extractor reads it: a bias and a weight per feature name."""
    model = _model(c, seed)
    model.fit([row for e in data for row in _rows(e, with_rules=False)], [r for e in data for r in e.right])
    vectorizer, regression = model.steps[0][1], model.steps[1][1]
    weights = dict(zip(vectorizer.get_feature_names_out(), regression.coef_[0], strict=True))
    return {
        "about": "The byline's learned scorer (crawler/extractors/generic/byline_candidates.py): a candidate's score "
                 "is sigmoid(bias + sum of the weights of its features); the best-scored candidate is the byline. "
                 "Written by `python -m bench.learn_byline --corpus bench/corpus` from the corpus's dev pages only.",
        "trained_on": {"pages": len(data), "candidates": sum(len(e.candidates) for e in data), "c": c, "seed": seed,
                       "rules_feature": False},
        "bias": round(float(regression.intercept_[0]), 6),
        "weights": {name: round(float(w), 6) for name, w in sorted(weights.items(), key=lambda kv: -abs(kv[1]))},
    }


def timing(corpus: Path, repeat: int) -> int:
    """ms per dev page of the whole generic extractor, with the scorer (as shipped) and with the rules' cascade
    alone in its place."""
    learned = BylineCandidates._learned_byline

    def use_scorer(on: bool) -> None:
        BylineCandidates._learned_byline = learned if on else Bylines._rules_byline  # type: ignore[method-assign]

    return scorer_cost(corpus, repeat, use_scorer)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="the corpus folder (labels/ and pages/)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--c", type=float, default=1.0, help="the regression's inverse regularisation strength")
    parser.add_argument("--no-write", action="store_true", help="print the figures, write no model")
    parser.add_argument("--misses", action="store_true", help="print the CV's wrong choices (dev pages only)")
    parser.add_argument("--time", action="store_true",
                        help="only time the generic extractor per dev page, with the scorer and with the rules alone")
    parser.add_argument("--repeat", type=int, default=7, help="--time: runs per page and way; the fastest counts")
    args = parser.parse_args(argv)
    if not (args.corpus / "labels" / "generic").is_dir():
        print(f"no generic labels in {args.corpus}", file=sys.stderr)
        return 2
    if args.time:
        return timing(args.corpus, max(1, args.repeat))
    started = time.perf_counter()
    data = examples(args.corpus)
    if not data:
        print(f"no dev pages in {args.corpus}", file=sys.stderr)
        return 2
    labelled = [e for e in data if e.byline is not None]
    within = sum(any(e.right[:-1]) for e in labelled)
    print(f"dev pages: {len(data)} ({len(labelled)} with a byline); candidates: {sum(len(e.candidates) for e in data)}"
          f" ({sum(len(e.candidates) for e in data) / len(data):.1f} a page, 'no credit' included)")
    print(f"recall ceiling: the labelled byline is among the candidates on {within}/{len(labelled)} pages "
          f"({within / len(labelled):.2f})")
    rules_byline, rules_authors = Score(), Score()
    for e in data:
        rules_byline.add(normed_score(e.rules_line, e.byline))
        rules_authors.add(_set_score(e.rules_authors, e.authors))
    print(f"(a) rules on dev (tuned on these pages): byline {prf_text(rules_byline)}; "
          f"authors {prf_text(rules_authors)}")
    cv = f"{args.folds}-fold CV by page (seed {args.seed}, C {args.c})"
    plain = cross_validate(data, args.folds, args.seed, args.c, with_rules=False)
    hybrid = cross_validate(data, args.folds, args.seed, args.c, with_rules=True)
    for name, found in (
            ("(b) the model alone, the rules' choice no feature (HONEST)", outcome(data, plain, deployed=False)),
            ("(b') as the extractor chooses (the model overrules the rules' choice scored < 0.5 with one >= 0.5)",
             outcome(data, plain, deployed=True)),
            ("(b'') the model alone, the rules' choice a feature (optimistic)",
             outcome(data, hybrid, deployed=False))):
        byline = Score()
        for score in found.pages:
            byline.add(score)
        low, high = f1_interval(found.pages)
        print(f"{name}, {cv}: byline {prf_text(byline)} [95%: {low:.2f}, {high:.2f}]; "
              f"authors {prf_text(found.authors)}")
        print(f"    its byline differs from the rules' on {len(found.overruled)} pages: right on "
              f"{sum(m for m, _ in found.overruled)}, the rules right on {sum(r for _, r in found.overruled)}"
              + (f"; the model's best not taken: {found.deferred} pages" if found.deferred
                 else ""))
        if args.misses:
            print("\n".join(f"    {m}" for m in found.misses))
    if not args.no_write:
        MODEL.write_text(json.dumps(fitted(data, args.c, args.seed), indent=1, ensure_ascii=False) + "\n",
                         encoding="utf-8")
        print(f"wrote {MODEL}")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
