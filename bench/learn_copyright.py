"""The copyright line's learned scorer (issue 13): trained on the corpus's dev half only, its generalisation
estimated by k-fold cross-validation by page on dev before any held-out page is read.

    .venv/bin/python -m bench.learn_copyright --corpus bench/corpus [--folds 5] [--seed 0] [--c 1.0]
                                              [--model logistic|trees] [--rules-derived] [--no-write] [--misses]
    .venv/bin/python -m bench.learn_copyright --corpus bench/corpus --time [--repeat 7]   ms a page, with and without

Every dev page (bench.quality.load_corpus filters the label files by `"split" == "dev"` before it reads a page's
bytes: held-out pages and labels are never opened) is read by the generic extractor's own code into its copyright
candidates (`Provenance.copyright_candidates`: every block printing ©, 'Copyright', '(c) year' or 'All rights
reserved', each with the line, holders and year the item would carry were it chosen, and "no line") and their
structural features (`Provenance.copyright_features`). A candidate is right when its line, after bench.quality's
normalisation, equals the label's ("no line" is right when the label has none).

Printed, for the dev half:
- the recall ceiling (pages with a labelled line whose line is among their candidates);
- (a) the rules' dev F1 (optimistic: the rules were tuned on these pages), line and holders;
- (b) the model's k-fold CV F1 (pages apart by fold, fixed seed), each page's best-scored candidate taken, with
  neither the rules' choice nor what their reading gives (their filters' verdict, which cut is theirs) a feature:
  the honest figure, to set against the rules' held-out F1 (--rules-derived keeps the latter two, for reference);
- (b') the same scores chosen from as the extractor chooses (provenance.choose_copyright: the rules' line stands
  unless the model scores it below 0.5 and another candidate at 0.5 or more): it inherits the rules' optimism
  where their line stands;
- (b'') for reference, a model with the rules' choice as a feature (optimistic the same way).
Each with a 95% interval of its line F1 (pages resampled 1000 times, seed 0: bench.quality.f1_interval) and the pages
where its line is not the rules'. Then, unless --no-write, the model (b) fitted on every dev page is written to
crawler/extractors/generic/models/copyright.json. scikit-learn is used here only; the extractor weighs the features
by hand from the JSON (generic/scorers.py).
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
from crawler.extractors.generic.copyright_candidates import CopyrightCandidate, choose_copyright
from crawler.extractors.generic.page import Page
from crawler.extractors.generic.scorers import load_model, probability
from crawler.extractors.structured import read_structured_tree
from crawler.extractors.text import parse_html

MODEL = Path(__file__).resolve().parents[1] / "crawler" / "extractors" / "generic" / "models" / "copyright.json"
RULES_FEATURE = "the rules' choice"
RULES_DERIVED = frozenset({"the rules' filters keep it", "no block the rules keep", "cut: the rules' cut"})
"""Features the rules' own reading gives besides their choice (their filters, their cut of a block's line): no
features of the model written either, unless --rules-derived (their figures, for reference, are as optimistic as the
rules')."""
DROPPED: set[str] = set(RULES_DERIVED)
LEARNING_RATE = 0.1


@dataclass
class Example:
    """One dev page: its candidates with their features and whether each is right, and its labels."""

    id: str
    candidates: list[CopyrightCandidate]
    features: list[dict[str, float]]
    right: list[bool]
    line: str | None
    holders: list[str]


def _line(candidate: CopyrightCandidate) -> str | None:
    return candidate.reading["line"] if candidate.reading is not None else None


def _holders(candidate: CopyrightCandidate) -> list[str]:
    return list(candidate.reading["holders"]) if candidate.reading is not None else []


def examples(corpus: Path) -> list[Example]:
    pages = load_corpus(corpus, "generic", ("dev",))  # (labels of other splits are skipped before any page)
    assert all(p.split == "dev" for p in pages)
    extractor = GenericExtractor()
    found = []
    for n, corpus_page in enumerate(pages, 1):
        root = parse_html(decode_page(corpus_page.raw))
        page = Page(extractor, root, read_structured_tree(root, corpus_page.url), corpus_page.url, None)
        candidates = page.copyright_candidates()
        features = page.copyright_features(candidates)
        rights = corpus_page.labels.get("copyright") or {}
        line = _norm(rights.get("line"))
        right = [_norm(_line(c)) == line for c in candidates]
        found.append(Example(corpus_page.id, candidates, features, right, line, list(rights.get("holders") or [])))
        if n % 50 == 0 or n == len(pages):
            print(f"  read {n}/{len(pages)} dev pages", file=sys.stderr)
    return found


def _rows(example: Example, with_rules: bool) -> list[dict[str, float]]:
    if with_rules:
        return [{k: v for k, v in row.items() if k not in DROPPED} for row in example.features]
    return [{k: v for k, v in row.items() if k != RULES_FEATURE and k not in DROPPED} for row in example.features]


def fit(data: list[Example], kind: str, c: float, seed: int, with_rules: bool = False) -> dict[str, Any]:
    """A model of the pages' candidates, as the extractor reads it (scorers.probability): a logistic regression's
    bias and weights by feature name, or (kind "trees") small gradient-boosted trees."""
    from sklearn.ensemble import GradientBoostingClassifier  # type: ignore[import-untyped]
    from sklearn.feature_extraction import DictVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    rows = [row for e in data for row in _rows(e, with_rules)]
    labels = [int(r) for e in data for r in e.right]
    vectorizer = DictVectorizer(sparse=False)
    matrix = vectorizer.fit_transform(rows)
    names = [str(n) for n in vectorizer.get_feature_names_out()]
    if kind == "logistic":
        regression = LogisticRegression(C=c, max_iter=2000, random_state=seed)
        regression.fit(matrix, labels)
        weights = dict(zip(names, (float(w) for w in regression.coef_[0]), strict=True))
        return {"kind": "logistic", "bias": round(float(regression.intercept_[0]), 6),
                "weights": {n: round(w, 6) for n, w in sorted(weights.items(), key=lambda kv: -abs(kv[1]))}}
    # init="zero": the log-odds are the trees' sum alone, which the extractor adds up by hand.
    boosted = GradientBoostingClassifier(max_depth=2, n_estimators=60, init="zero", learning_rate=LEARNING_RATE,
                                         random_state=seed)
    boosted.fit(matrix, labels)
    trees = []
    for estimator in boosted.estimators_[:, 0]:
        tree = estimator.tree_
        trees.append([[None if tree.feature[i] < 0 else names[tree.feature[i]], round(float(tree.threshold[i]), 6),
                       int(tree.children_left[i]), int(tree.children_right[i]), round(float(tree.value[i][0][0]), 5)]
                      for i in range(tree.node_count)])
    return {"kind": "trees", "learning_rate": LEARNING_RATE, "trees": trees}


def cross_validate(data: list[Example], folds: int, seed: int, kind: str, c: float,
                   with_rules: bool) -> list[list[float]]:
    """k-fold CV by page: each page's candidates scored by a model fitted on the other folds' pages only."""
    scores: list[list[float]] = [[] for _ in data]
    for test in page_folds(len(data), folds, seed):
        model = fit([data[i] for i in range(len(data)) if i not in test], kind, c, seed, with_rules)
        for i in test:
            scores[i] = [probability(model, row) for row in _rows(data[i], with_rules)]
    return scores


@dataclass
class Outcome:
    """A way of choosing, scored: each page's line score, the holders' summed, the wrong choices, and for each
    page whose line is not the rules', whether the chosen and the rules' are right."""

    pages: list[Score]
    holders: Score
    misses: list[str]
    overruled: list[tuple[bool, bool]]


def outcome(data: list[Example], scores: list[list[float]] | None, deployed: bool = False) -> Outcome:
    """The lines chosen: the rules' (no scores), each page's best-scored candidate, or (`deployed`) as the extractor
    chooses (provenance.choose_copyright)."""
    found = Outcome([], Score(), [], [])
    for n, example in enumerate(data):
        rules = next(j for j, c in enumerate(example.candidates) if c.rules)
        if scores is None:
            pick = rules
        else:
            page_scores = scores[n]
            pick = choose_copyright(example.candidates, page_scores) if deployed else \
                max(range(len(page_scores)), key=lambda j: (page_scores[j], -j))
        chosen = example.candidates[pick]
        line = _line(chosen)
        found.pages.append(normed_score(line, example.line))
        found.holders.add(_set_score(_holders(chosen), example.holders))
        if pick != rules and _norm(line) != _norm(_line(example.candidates[rules])):
            found.overruled.append((example.right[pick], example.right[rules]))
        if not example.right[pick]:
            found.misses.append(f"{example.id}: chose {line!r}"
                                + (f" ({scores[n][pick]:.2f})" if scores is not None else "")
                                + f", label {example.line!r}")
    return found


def _report(name: str, found: Outcome, misses: bool) -> None:
    line = Score()
    for score in found.pages:
        line.add(score)
    low, high = f1_interval(found.pages)
    print(f"{name}: line {prf_text(line)} [95%: {low:.2f}, {high:.2f}]; holders {prf_text(found.holders)}")
    if found.overruled:
        print(f"    its line differs from the rules' on {len(found.overruled)} pages: right on "
              f"{sum(m for m, _ in found.overruled)}, the rules right on {sum(r for _, r in found.overruled)}")
    if misses:
        print("\n".join(f"    {m}" for m in found.misses))


def timing(corpus: Path, repeat: int) -> int:
    """ms per dev page of the whole generic extractor, with the scorer (as shipped) and with no model (the rules
    alone)."""
    model = load_model("copyright")
    saved = dict(model)

    def use_scorer(on: bool) -> None:
        model.clear()  # (load_model's cached dict: empty, the rules alone)
        if on:
            model.update(saved)

    return scorer_cost(corpus, repeat, use_scorer)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="the corpus folder (labels/ and pages/)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--c", type=float, default=1.0, help="the regression's inverse regularisation strength")
    parser.add_argument("--model", choices=("logistic", "trees"), default="logistic",
                        help="the model written (both are cross-validated)")
    parser.add_argument("--no-write", action="store_true", help="print the figures, write no model")
    parser.add_argument("--rules-derived", action="store_true",
                        help="keep the features the rules' reading gives (their filters, their cut) in every model")
    parser.add_argument("--misses", action="store_true", help="print the wrong choices (dev pages only)")
    parser.add_argument("--time", action="store_true",
                        help="only time the generic extractor per dev page, with the scorer and with the rules alone")
    parser.add_argument("--repeat", type=int, default=7, help="--time: runs per page and way; the fastest counts")
    args = parser.parse_args(argv)
    if not (args.corpus / "labels" / "generic").is_dir():
        print(f"no generic labels in {args.corpus}", file=sys.stderr)
        return 2
    if args.time:
        return timing(args.corpus, max(1, args.repeat))
    if args.rules_derived:
        DROPPED.clear()
    started = time.perf_counter()
    data = examples(args.corpus)
    if not data:
        print(f"no dev pages in {args.corpus}", file=sys.stderr)
        return 2
    labelled = [e for e in data if e.line is not None]
    within = sum(any(e.right[:-1]) for e in labelled)
    count = sum(len(e.candidates) for e in data)
    print(f"dev pages: {len(data)} ({len(labelled)} with a © line); candidates: {count} ({count / len(data):.1f} a "
          f"page, 'no line' included)")
    print(f"recall ceiling: the labelled line is among the candidates on {within}/{len(labelled)} pages "
          f"({within / len(labelled):.2f}); any page right at all: {sum(any(e.right) for e in data)}/{len(data)}")
    _report("(a) rules on dev (tuned on these pages)", outcome(data, None), args.misses)
    for kind in ("logistic", "trees"):
        cv = f"{args.folds}-fold CV by page (seed {args.seed}, {kind}" + (f", C {args.c})" if kind == "logistic"
                                                                             else ", depth 2 x 60)")
        plain = cross_validate(data, args.folds, args.seed, kind, args.c, with_rules=False)
        hybrid = cross_validate(data, args.folds, args.seed, kind, args.c, with_rules=True)
        _report(f"(b) the model alone, no rules' feature (HONEST), {cv}", outcome(data, plain), args.misses)
        _report(f"(b') as the extractor chooses (the rules' line unless scored < 0.5 and another >= 0.5), {cv}",
                outcome(data, plain, deployed=True), args.misses)
        _report(f"(b'') the model alone, the rules' choice a feature (optimistic), {cv}", outcome(data, hybrid),
                False)
    if not args.no_write:
        model = fit(data, args.model, args.c, args.seed)
        MODEL.write_text(json.dumps({
            "about": "The copyright line's learned scorer (crawler/extractors/generic/provenance.py): a candidate "
                     "block's score is sigmoid(bias + sum of the weights of its features), or of its trees' leaves; "
                     "the rules' line stands unless it scores below 0.5 and another candidate 0.5 or more. Written "
                     "by `python -m bench.learn_copyright --corpus bench/corpus` from the corpus's dev pages only.",
            "trained_on": {"pages": len(data), "candidates": count, "c": args.c, "seed": args.seed,
                           "rules_feature": False, "rules_derived_features": not DROPPED},
            **model}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {MODEL}")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
