"""The learned date scorer (issue 13): fitted on the corpus's dev half only, its generalisation measured first.

    .venv/bin/python -m bench.learn_dates --corpus bench/corpus [--folds 5] [--seed 0] [--model NAME]
                                          [--variant pure|hybrid] [--write] [--show] [--cost]

Every dev page of DIR/labels/generic/ (bench.quality.load_corpus filters the label files by their split before it
reads a page's bytes; a held-out page is never opened) is read by the generic extractor's own date reader
(crawler/extractors/generic/dating.py): the rules' choices, and every day the page offers with its features
(`Dates.day_candidates`). A candidate day is positive for a field when it is the label's day. A model scores the
days; a page's answer is its best day, or none when the best scores below the field's threshold (the F1-best of a
grid on the training pages: the "none" of a page that states no modification).

What it prints, per field (F1 by the day, as bench.quality scores published and modified):
- rules (dev): the rules' F1 on dev. Optimistic: the rules were tuned on these pages.
- <model> CV: k-fold cross-validation by page (fixed seed): each page answered by a model fitted on the other
  folds. Honest for the `pure` features (no rules' choice among them); the three models are logistic regression
  and two sizes of gradient-boosted trees.
- nested CV: the model also chosen (by an inner CV) inside each outer fold: the figure that pays for the choice.
- hybrid CV: the rules' choices as two more features. Optimistic like the rules (they saw every dev page).
- gated CV: what the extractor does (dating.decide): the rules' choice unless the scorer is sure of another day
  and doubts theirs; with how many dev pages it overrides, rightly and wrongly. Optimistic too.
- label reachable: the pages whose label's day is among the candidates at all (the ceiling of any scorer).
--write fits the chosen model on every dev page and writes it, with these figures, to
crawler/extractors/generic/models/dates.json. --cost prints the extractor's CPU time per dev page with the
scorer and without (the rules alone). scikit-learn is used here only; the extractor reads the JSON in plain Python.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.quality import Score, decode_page, f1_interval, load_corpus  # noqa: E402
from crawler.extractors.dates import normalize_date  # noqa: E402
from crawler.extractors.generic import GenericExtractor  # noqa: E402
from crawler.extractors.generic.dating import DayCandidate, decide  # noqa: E402
from crawler.extractors.generic.page import Page  # noqa: E402
from crawler.extractors.generic.scorers import probability  # noqa: E402
from crawler.extractors.structured import read_structured_tree  # noqa: E402
from crawler.extractors.text import parse_html  # noqa: E402

FIELDS = ("published", "modified")
MODEL_FILE = ROOT / "crawler" / "extractors" / "generic" / "models" / "dates.json"
RULES_FEATURES = frozenset({"rules_this", "rules_other"})
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(20))
C = 1.0
"""The regularisation of the logistic regression (scikit-learn's default)."""


@dataclass
class PageDays:
    """One dev page for one field: its candidate days with their features, the rules' day and the label's."""

    id: str
    days: list[str]
    features: list[dict[str, float]]
    rules_day: str | None
    label_day: str | None


def _day(value: Any) -> str | None:
    day = normalize_date(value) if isinstance(value, str) else None
    return day[:10] if day else None


def read_pages(corpus: Path) -> dict[str, list[PageDays]]:
    """Every dev page's candidates per field (the dev split only: load_corpus filters the labels by split before
    reading a page's bytes)."""
    pages = load_corpus(corpus, "generic", ("dev",))
    extractor = GenericExtractor()
    found: dict[str, list[PageDays]] = {name: [] for name in FIELDS}
    started = time.perf_counter()
    for number, corpus_page in enumerate(pages, 1):
        assert corpus_page.split == "dev"  # the protocol: never a held-out page
        root = parse_html(decode_page(corpus_page.raw))
        page = Page(extractor, root, read_structured_tree(root, corpus_page.url), corpus_page.url, None)
        rules = page.rules_dates()
        for name in FIELDS:
            candidates = page.day_candidates(name, rules)
            found[name].append(PageDays(corpus_page.id, [c.day for c in candidates], [c.features for c in candidates],
                                        _day(rules[name]), _day(corpus_page.labels.get(name))))
        if number % 50 == 0 or number == len(pages):
            print(f"read {number}/{len(pages)} dev pages ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return found


def _without_rules(features: dict[str, float]) -> dict[str, float]:
    return {k: v for k, v in features.items() if k not in RULES_FEATURES}


@dataclass(frozen=True)
class Config:
    """A model family and its size, fixed before any fold is scored."""

    name: str
    family: str
    depth: int = 0
    trees: int = 0


LOGISTIC = Config("logistic", "logistic")
TREES = Config("trees d3x40", "trees", depth=3, trees=40)
CONFIGS = (LOGISTIC, Config("trees d2x60", "trees", depth=2, trees=60), TREES)
"""What the nested cross-validation chooses among (the three looked at on dev before the figures were final)."""
LEARNING_RATE = 0.1


def _fit(pages: list[PageDays], config: Config, variant: str, seed: int) -> dict[str, Any]:
    """A model of the pages' candidate days, as the extractor reads it (scorers.probability)."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = [f if variant == "hybrid" else _without_rules(f) for p in pages for f in p.features]  # (gated: pure)
    labels = [int(day == p.label_day) for p in pages for day in p.days]
    vectorizer = DictVectorizer(sparse=False)
    matrix = vectorizer.fit_transform(rows)
    names = [str(n) for n in vectorizer.get_feature_names_out()]
    if len(set(labels)) < 2:
        return {"kind": "logistic", "weights": {}, "bias": 10.0 if any(labels) else -10.0}
    if config.family == "logistic":
        logistic = LogisticRegression(C=C, max_iter=2000)
        logistic.fit(matrix, labels)
        return {"kind": "logistic", "bias": round(float(logistic.intercept_[0]), 6),
                "weights": {n: round(float(w), 6) for n, w in zip(names, logistic.coef_[0], strict=True)}}
    # init="zero": the log-odds are the trees' sum alone, which the extractor adds up by hand.
    boosted = GradientBoostingClassifier(max_depth=config.depth, n_estimators=config.trees, init="zero",
                                         learning_rate=LEARNING_RATE, random_state=seed)
    boosted.fit(matrix, labels)
    trees = []
    for estimator in boosted.estimators_[:, 0]:
        tree = estimator.tree_
        trees.append([[None if tree.feature[i] < 0 else names[tree.feature[i]], round(float(tree.threshold[i]), 6),
                       int(tree.children_left[i]), int(tree.children_right[i]), round(float(tree.value[i][0][0]), 5)]
                      for i in range(tree.node_count)])
    model = {"kind": "trees", "learning_rate": LEARNING_RATE, "trees": trees}
    # The trees as exported score as scikit-learn does (rounding aside).
    expected = boosted.predict_proba(matrix[:50])[:, 1]
    for row, sklearn_says in zip(rows[:50], expected, strict=True):
        assert abs(probability(model, row) - sklearn_says) < 1e-3, "exported trees disagree with scikit-learn"
    return model


def _best(page: PageDays, model: dict[str, Any]) -> tuple[float, str | None]:
    """The page's best day and its probability (ties go to the rules' day, as in the extractor)."""
    scored = [(probability(model, f), f.get("rules_this", 0.0), day) for day, f in zip(page.days, page.features,
                                                                                        strict=True)]
    if not scored:
        return 0.0, None
    likely, _, day = max(scored)
    return likely, day


def _score(predicted: list[str | None], golden: list[str | None]) -> Score:
    total = Score()
    for p, g in zip(predicted, golden, strict=True):
        total.add(Score(correct=float(p is not None and p == g), predicted=float(p is not None),
                        relevant=float(g is not None)))
    return total


def _threshold(pages: list[PageDays], model: dict[str, Any]) -> float:
    """The grid's threshold with the best F1 on these pages (the lowest of equals)."""
    best = [_best(p, model) for p in pages]
    golden = [p.label_day for p in pages]
    return max(THRESHOLDS, key=lambda t: (_score([d if s >= t else None for s, d in best], golden).prf()[2], -t))


def _predict(train: list[PageDays], test: list[PageDays], config: Config, variant: str,
             seed: int) -> list[str | None]:
    model = _fit(train, config, variant, seed)
    threshold = _threshold(train, model)
    if variant != "gated":
        return [day if likely >= threshold else None for likely, day in (_best(p, model) for p in test)]
    predicted: list[str | None] = []
    for page in test:
        scored = [(probability(model, f), DayCandidate(day, day, f, [])) for day, f in zip(page.days, page.features,
                                                                                          strict=True)]
        whose, _, best = decide(scored, page.rules_day, threshold)
        predicted.append(page.rules_day if whose == "rules" or best is None else None if whose == "none" else best.day)
    return predicted


def cross_validate(pages: list[PageDays], config: Config | None, variant: str, folds: int,
                   seed: int) -> tuple[Score, list[str | None]]:
    """k-fold by page: each page's day chosen by a model (and threshold) fitted on the other folds only. With no
    config, nested: the config is chosen on each outer training part by an inner (k-1)-fold CV."""
    from sklearn.model_selection import KFold

    predicted: list[str | None] = [None] * len(pages)
    for train_index, test_index in KFold(n_splits=folds, shuffle=True, random_state=seed).split(pages):
        train = [pages[i] for i in train_index]
        chosen = config or max(CONFIGS, key=lambda c: cross_validate(train, c, variant, folds - 1, seed)[0].prf()[2])
        for i, day in zip(test_index, _predict(train, [pages[i] for i in test_index], chosen, variant, seed),
                          strict=True):
            predicted[i] = day
    return _score(predicted, [p.label_day for p in pages]), predicted


def interval(pages: list[PageDays], predicted: list[str | None]) -> tuple[float, float]:
    """The 95% interval of an F1, the pages resampled as bench.quality does."""
    return f1_interval([_score([p], [page.label_day]) for page, p in zip(pages, predicted, strict=True)])



def extraction_cost(corpus: Path, rounds: int = 5) -> tuple[float, float]:
    """The generic extractor's CPU time per dev page (ms), without the scorer (the rules alone) and with it: the
    fastest of `rounds` runs of each, taken in turns (process time: other work on the machine counts less)."""
    from crawler.extractors.generic import dating, extract

    pages = [(decode_page(p.raw), p.url) for p in load_corpus(corpus, "generic", ("dev",))]
    scorer = dating.load_model
    totals = {True: 0.0, False: 0.0}
    try:
        for html, url in pages:
            fastest = {True: float("inf"), False: float("inf")}
            for round_number in range(rounds):
                for on in ((True, False) if round_number % 2 else (False, True)):
                    # (the module's loader swapped for one that finds no model: the rules alone)
                    dating.load_model = scorer if on else _no_model  # type: ignore[assignment]
                    started = time.process_time()
                    extract(html, url)
                    fastest[on] = min(fastest[on], time.process_time() - started)
            for on, seconds in fastest.items():
                totals[on] += seconds
    finally:
        dating.load_model = scorer
    return 1000 * totals[False] / len(pages), 1000 * totals[True] / len(pages)


def _no_model(name: str) -> dict[str, Any]:
    return {}


def _closing(match: re.Match[str]) -> str:
    """A bracket with the spaces inside it dropped, any other run of spaces one space."""
    return match.group(0).strip() or " "


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="the corpus folder (labels/ and pages/)")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds, by page (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="the folds' shuffle and the trees' seed (default 0)")
    parser.add_argument("--model", choices=[c.name for c in CONFIGS], default=TREES.name,
                        help=f"the model written with --write (default {TREES.name})")
    parser.add_argument("--variant", choices=("hybrid", "pure"), default="pure",
                        help="its features, written with --write (default pure: without the rules' choices)")
    parser.add_argument("--write", action="store_true", help=f"write the model to {MODEL_FILE.relative_to(ROOT)}")
    parser.add_argument("--show", action="store_true", help="the dev pages the written model's CV gets wrong")
    parser.add_argument("--cost", action="store_true",
                        help="only the extractor's CPU time per dev page, with the committed scorer and without")
    args = parser.parse_args(argv)
    if not (args.corpus / "labels" / "generic").is_dir():
        print(f"no generic labels in {args.corpus}", file=sys.stderr)
        return 2
    if args.cost:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            without, with_scorer = extraction_cost(args.corpus)
        print(f"generic extractor, CPU ms per dev page (fastest of 5, in turns): rules alone {without:.2f}, with the "
              f"scorer {with_scorer:.2f} (+{with_scorer - without:.2f})")
        return 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dateutil's UnknownTimezoneWarning on 'EDT' and the like
        by_field = read_pages(args.corpus)
    config = next(c for c in CONFIGS if c.name == args.model)
    written: dict[str, Any] = {
        "about": "The generic extractor's learned date scorer (crawler/extractors/generic/dating.py), fitted on the "
                 "corpus's dev half by `python -m bench.learn_dates --corpus bench/corpus --write`.",
        "model": config.name, "variant": args.variant, "folds": args.folds, "seed": args.seed,
    }
    columns = [f"{c.name} CV" for c in CONFIGS] + ["nested CV", f"hybrid {config.name} CV", f"gated {config.name} CV"]
    print(f"F1 on the {len(by_field['published'])} dev pages ({args.folds}-fold CV by page, seed {args.seed})")
    print(f"{'field':<11}{'rules (dev)':>13}" + "".join(f"{c:>22}" for c in columns) + f"{'label reachable':>17}")
    for name in FIELDS:
        pages = by_field[name]
        rules = _score([p.rules_day for p in pages], [p.label_day for p in pages]).prf()[2]
        figures: dict[str, float] = {}
        predictions: dict[str, list[str | None]] = {}
        for column, chosen, variant in [*((f"{c.name} CV", c, "pure") for c in CONFIGS), ("nested CV", None, "pure"),
                                        (f"hybrid {config.name} CV", config, "hybrid"),
                                        (f"gated {config.name} CV", config, "gated")]:
            print(f"{name}: {column} ...", file=sys.stderr)
            score, predictions[column] = cross_validate(pages, chosen, variant, args.folds, args.seed)
            figures[column] = score.prf()[2]
        reachable = sum(1 for p in pages if p.label_day in p.days)
        labelled = sum(1 for p in pages if p.label_day is not None)
        print(f"{name:<11}{rules:>13.3f}" + "".join(f"{figures[c]:>22.3f}" for c in columns)
              + f"{f'{reachable}/{labelled}':>17}")
        low, high = interval(pages, predictions["nested CV"])
        print(f"{'':<11}95% interval of the nested CV F1 (pages resampled): [{low:.3f}, {high:.3f}]")
        gated = predictions[f"gated {config.name} CV"]
        overridden = [(p, d) for p, d in zip(pages, gated, strict=True) if d != p.rules_day]
        print(f"{'':<11}gated: the scorer overrides the rules on {len(overridden)} pages, rightly on "
              f"{sum(1 for p, d in overridden if d == p.label_day)}, wrongly on "
              f"{sum(1 for p, d in overridden if p.rules_day == p.label_day)}")
        if args.show:
            shown = predictions[f"hybrid {config.name} CV" if args.variant == "hybrid" else f"{config.name} CV"]
            print("\n".join(f"  {p.id}: model {d} rules {p.rules_day} label {p.label_day}"
                            for p, d in zip(pages, shown, strict=True) if d != p.label_day))
        model = _fit(pages, config, args.variant, args.seed)
        written[name] = {**model, "threshold": _threshold(pages, model), "rules_dev_f1": round(rules, 4),
                         "cv_f1": {c: round(f, 4) for c, f in figures.items()},
                         "nested_cv_f1_interval": [round(low, 4), round(high, 4)]}
    print("rules (dev): optimistic, the rules were tuned on these pages. CV: each page scored by a model fitted on "
          "the other folds. nested CV: the model family also chosen inside each fold. hybrid: with the rules' "
          "choices as features, so optimistic like the rules. label reachable: pages whose label day is a candidate.")
    if args.write:
        # one line per tree node, per list of numbers: the file reads (and diffs) as the model's parts
        text = re.sub(r"\[[^\[\]{}]*\]", lambda m: re.sub(r"\[\s+|\s+\]|\s+", _closing, m.group(0)),
                      json.dumps(written, indent=1, sort_keys=True))
        MODEL_FILE.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE.relative_to(ROOT)} ({config.name}, {args.variant})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
