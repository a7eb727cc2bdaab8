"""The two public yardsticks issue 13 keeps out of fixtures and tuning, scored for ours and trafilatura in one run.

    python -m bench.yardsticks --aeb GITDIR --readability GITDIR [--limit N]

- scrapinghub/article-extraction-benchmark (181 pages with a hand-made `articleBody`): the body, scored by the
  benchmark's own evaluate.py (its 4-gram shingle precision, recall and F1, bootstrap ± std), run on its own tree
  with our output and trafilatura's written to its output/ folder, so the metric is theirs, not ours.
- mozilla/readability's test pages (source.html + expected-metadata.json): title, byline and publishedTime. Their
  "expected" values are Readability.js's own output, not labels made by reading (a title keeps its "| Site" suffix,
  a byline can be "Last Updated: …"), so the figures say how often each tool agrees with Readability, scored
  alike for both tools: a field counts on the pages where Readability has a value; title and byline are compared
  after NFC, whitespace, case folding, punctuation removed and a leading "by" dropped, the byline against the tool's
  byline or its authors joined; the date by its day.

GITDIR is a git directory of each repository (a bare clone or the `fetch` tool's mirror, e.g.
/work/.mirror/scrapinghub+article-extraction-benchmark/repo): pages are read from its HEAD with `git`, never copied
into this tree, and nothing is fetched from the network. Only aggregate figures are printed: the yardsticks are for
reporting, never for reading page by page (the corpus's dev half is for that).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

from bench.quality import _day, _ours_item, _trafilatura_view, decode_page

# Readability's tests read every page as this URL (test/utils.js).
READABILITY_URL = "http://fakehost/test/page.html"
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_BY = re.compile(r"^(?:written |posted |words |story )?by:?\s+", re.IGNORECASE)


def _git(gitdir: Path, *args: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={gitdir}", *args], check=True, capture_output=True).stdout


def _export(gitdir: Path, into: Path, *paths: str) -> None:
    """These paths of the repository's HEAD as files (git archive | tar), for a script of theirs that reads files
    (only what it needs: a mirror may lack the largest blobs, such as the other extractors' outputs)."""
    archive = _git(gitdir, "archive", "--format=tar", "HEAD", *paths)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


def _progress(done: int, total: int, what: str) -> None:
    if done == total or done % 25 == 0:
        print(f"{what}: {done}/{total} pages", file=sys.stderr, flush=True)


def aeb(gitdir: Path, limit: int | None) -> str:
    """Both tools' bodies of every benchmark page, scored by the benchmark's evaluate.py; its table."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp)
        _export(gitdir, tree, "evaluate.py", "ground-truth.json", "html")
        truth = json.loads((tree / "ground-truth.json").read_text(encoding="utf-8"))
        keys = sorted(truth)[:limit] if limit else sorted(truth)
        ours: dict[str, dict[str, str]] = {}
        theirs: dict[str, dict[str, str]] = {}
        for n, key in enumerate(keys, 1):
            html = decode_page(gzip.decompress((tree / "html" / f"{key}.html.gz").read_bytes()))
            url = truth[key].get("url") or READABILITY_URL
            ours[key] = {"articleBody": _ours_item("generic", html, url, furniture=frozenset()).get("body") or ""}
            theirs[key] = {"articleBody": _trafilatura_view(html, url)["body"] or ""}
            _progress(n, len(keys), "article-extraction-benchmark")
        if limit:  # evaluate.py wants every key of the ground truth
            (tree / "ground-truth.json").write_text(json.dumps({k: truth[k] for k in keys}), encoding="utf-8")
        out = tree / "output"  # ours and trafilatura's of this run only, not the published outputs of others
        out.mkdir()
        (out / "ours.json").write_text(json.dumps(ours), encoding="utf-8")
        (out / "trafilatura_this_run.json").write_text(json.dumps(theirs), encoding="utf-8")
        run = subprocess.run([sys.executable, "evaluate.py", "--n-bootstrap", "200"], cwd=tree, check=True,
                             capture_output=True, text=True)
        return run.stdout


def _fold(value: Any) -> str:
    text = unicodedata.normalize("NFC", str(value or "")).casefold()
    text = _BY.sub("", " ".join(text.split()))
    return " ".join(_PUNCT.sub(" ", text).split())


def _byline_candidates(byline: str | None, authors: list[str]) -> set[str]:
    found = {_fold(byline), _fold(", ".join(authors)), _fold(" and ".join(authors))}
    return found - {""}


def readability(gitdir: Path, limit: int | None) -> str:
    """Agreement with Readability.js's expected metadata, per field, ours and trafilatura's."""
    names = _git(gitdir, "ls-tree", "--name-only", "HEAD", "test/test-pages/").decode().split()
    names = names[:limit] if limit else names
    fields = ("title", "byline", "published")
    counts = {f: [0, 0, 0] for f in fields}  # pages with a value, ours agreeing, trafilatura agreeing
    for n, folder in enumerate(names, 1):
        expected = json.loads(_git(gitdir, "show", f"HEAD:{folder}/expected-metadata.json"))
        html = decode_page(_git(gitdir, "show", f"HEAD:{folder}/source.html"))
        item = _ours_item("generic", html, READABILITY_URL, furniture=frozenset())
        theirs = _trafilatura_view(html, READABILITY_URL)
        authors = [a["name"] for a in item.get("authors") or []]
        got = {
            "title": (_fold(item.get("title")) == _fold(expected.get("title")),
                      _fold(theirs["title"]) == _fold(expected.get("title"))),
            "byline": (_fold(expected.get("byline")) in _byline_candidates(item.get("byline"), authors),
                       _fold(expected.get("byline")) in _byline_candidates(None, theirs["authors"])),
            "published": (_day(item.get("published")) == _day(expected.get("publishedTime")),
                          theirs["published"] == _day(expected.get("publishedTime"))),
        }
        for key, source in (("title", "title"), ("byline", "byline"), ("published", "publishedTime")):
            if expected.get(source):
                counts[key][0] += 1
                counts[key][1] += got[key][0]
                counts[key][2] += got[key][1]
        _progress(n, len(names), "readability test pages")
    lines = [f"Readability test pages: {len(names)}; agreement with Readability.js's expected metadata",
             f"{'field':<10} {'pages':>6} {'ours':>6} {'trafilatura':>12}"]
    lines += [f"{f:<10} {c[0]:>6} {c[1]:>6} {c[2]:>12}" for f, c in counts.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--aeb", type=Path, help="git directory of scrapinghub/article-extraction-benchmark")
    parser.add_argument("--readability", type=Path, help="git directory of mozilla/readability")
    parser.add_argument("--limit", type=int, help="only the first N pages of each (a quick check of this script)")
    opts = parser.parse_args(argv)
    if not (opts.aeb or opts.readability):
        parser.error("give --aeb and/or --readability")
    for gitdir in (opts.aeb, opts.readability):
        if gitdir and not (gitdir / "HEAD").exists():
            parser.error(f"not a git directory: {gitdir}")
    if opts.aeb:
        print("article-extraction-benchmark (scored by its evaluate.py):")
        print(aeb(opts.aeb, opts.limit))
    if opts.readability:
        print(readability(opts.readability, opts.limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
