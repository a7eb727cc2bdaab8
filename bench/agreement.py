"""How far two labellers agree: the corpus labels against a second labelling of some of the same pages.

    python -m bench.agreement --corpus bench/corpus [--second bench/corpus/labels-second] [--outlet generic]

A second labeller read some pages again, blind to the first labels and to every extractor, and wrote the
convention-sensitive fields (bench/corpus/labels-second/<outlet>/<id>.json, the same label schema; no title, no
body). For each field this prints the F1 of the second labelling against the first, scored exactly as bench.quality
scores an extractor (the same normalization, sets, days), with a 95% interval (pages resampled 1,000 times, seed 0);
and, on the same pages, ours against each labelling. Micro F1 is symmetric: swapping the labellers gives the same
figure. Two careful readers' agreement is the ceiling a field's score can be read against: where they agree at
0.80, an extractor at 0.80 is as good as a second labeller.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.quality import (
    Score,
    _corpus_score,
    _corpus_view_labels,
    _corpus_view_ours,
    _ours_item,
    decode_page,
    f1_interval,
    load_corpus,
)

FIELDS = ("byline", "authors", "published", "modified", "categories", "copyright", "copyright holders",
          "original_source", "language")


def _f1(scores: list[Score]) -> float:
    total = Score()
    for score in scores:
        total.add(score)
    return total.prf()[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("bench/corpus"))
    parser.add_argument("--second", type=Path, help="the second labelling (default: CORPUS/labels-second)")
    parser.add_argument("--outlet", default="generic")
    opts = parser.parse_args(argv)
    second_dir = (opts.second or opts.corpus / "labels-second") / opts.outlet
    second: dict[str, dict[str, Any]] = {}
    for path in sorted(second_dir.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        second[data["id"]] = data["labels"]
    if not second:
        print(f"no second labels in {second_dir}", file=sys.stderr)
        return 2
    pages = [p for p in load_corpus(opts.corpus, opts.outlet, ("dev", "heldout")) if p.id in second]
    missing = sorted(set(second) - {p.id for p in pages})
    if missing:
        print(f"second labels without a corpus page: {', '.join(missing)}", file=sys.stderr)
        return 2
    splits = sorted({p.split for p in pages})
    rows: dict[str, dict[str, list[Score]]] = {f: {"ab": [], "oa": [], "ob": []} for f in FIELDS}
    for page in pages:
        first, other = _corpus_view_labels(page.labels), _corpus_view_labels(second[page.id])
        ours = _corpus_view_ours(_ours_item(opts.outlet, decode_page(page.raw), page.url, frozenset()))
        for field_name in FIELDS:
            rows[field_name]["ab"].append(_corpus_score(field_name, other, first))
            rows[field_name]["oa"].append(_corpus_score(field_name, ours, first))
            rows[field_name]["ob"].append(_corpus_score(field_name, ours, other))
    print(f"{len(pages)} pages of {opts.outlet} labelled twice ({', '.join(splits)}); F1 [95% interval]")
    print(f"{'field':20} {'second vs first':>22} {'ours vs first':>22} {'ours vs second':>22}")
    for field_name, scored in rows.items():
        cells = []
        for key in ("ab", "oa", "ob"):
            if not any(s.predicted or s.relevant for s in scored[key]):
                cells.append("none on these pages")  # neither side names one: nothing to agree on
                continue
            low, high = f1_interval(scored[key])
            cells.append(f"{_f1(scored[key]):.2f} [{low:.2f}, {high:.2f}]")
        print(f"{field_name:20} " + " ".join(f"{c:>22}" for c in cells))
    print("Scored as bench.quality scores a tool: the first labelling as the label, the other as the prediction "
          "(micro F1 is the same either way round).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
