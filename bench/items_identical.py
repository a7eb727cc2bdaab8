"""Whether a change of the extractors' code changes what they extract: every corpus page's item (and the evidence
`scrapy extract --explain` prints) read with the code at a git revision and with the working tree, compared.

    python -m bench.items_identical --corpus bench/corpus --rev HEAD

prints each page whose item differs (its outlet, id and the fields that differ; the item compared as
`json.dumps(sort_keys=True)`), and exits 1 when one does. A behaviour-preserving change (a refactor, a faster
reading of the same thing) must print none. Pages whose evidence alone differs are listed apart: the item is the bar,
the evidence only wording.

Every page of every outlet is read, of both halves: this compares the code with itself, never with the labels. Of a
label file only its `id` and `url` are read (the page's address, which the extractor needs); its labels never.

Each side runs in a child process of its own with its tree first on the import path (`python -P` this file
`--dump`): the revision exported by `git archive` into a temporary folder, the working tree as it is. The item is
`normalized_item` of the page's outlet (outlets.toml) or of the extractor of that name (generic), as bench.quality
reads it. Only crawler/, pipelines/ and settings/ of the revision are used: this file need not exist there.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _pages(corpus: Path) -> list[tuple[str, str, str, Path]]:
    """(outlet, id, url, page file) of every corpus page whose bytes are present, every outlet and split."""
    found = []
    for label_file in sorted((corpus / "labels").glob("*/*.json")):
        outlet = label_file.parent.name
        data = json.loads(label_file.read_text(encoding="utf-8"))
        page_file = corpus / "pages" / outlet / f"{data['id']}.html"
        if page_file.exists():
            found.append((outlet, str(data["id"]), str(data["url"]), page_file))
    return found


def dump(corpus: Path, out: Path) -> None:
    """Each page's item and evidence as one JSON line, with the code first on this process's import path."""
    from crawler.extractors.decode import decode_html
    from crawler.extractors.page import PageNotParsable, normalized_item
    from crawler.outlets import load_outlets
    from pipelines.items.normalize import normalize_article

    outlets = load_outlets()
    with out.open("w", encoding="utf-8") as lines:
        for outlet, page_id, url, page_file in _pages(corpus):
            _, html = decode_html(page_file.read_bytes())
            evidence: dict[str, str] = {}
            record: dict[str, Any] = {"page": f"{outlet}/{page_id}"}
            try:
                item = normalized_item(outlets.get(outlet) or outlet, html, url, normalize_article, evidence=evidence)
                record["item"] = json.dumps(asdict(item), sort_keys=True, ensure_ascii=False)
            except PageNotParsable as exc:
                record["item"] = f"not parsable: {exc}"
            record["evidence"] = json.dumps(evidence, sort_keys=True, ensure_ascii=False)
            lines.write(json.dumps(record, ensure_ascii=False) + "\n")


def _export(rev: str, into: Path) -> Path:
    """The code of `rev` (crawler/, pipelines/, settings/) in a folder of its own."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev, "crawler", "pipelines",
                              "settings"], check=True, capture_output=True).stdout
    tar_path = into / "code.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into / "tree", filter="data")
    return into / "tree"


def _child(tree: Path, corpus: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen([sys.executable, "-P", str(Path(__file__).resolve()), "--dump", str(out),
                             "--corpus", str(corpus.resolve())], cwd=tree, env=env)


def _load(path: Path) -> dict[str, dict[str, str]]:
    return {r["page"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def _fields(before: str, after: str) -> list[str]:
    try:
        old, new = json.loads(before), json.loads(after)
    except ValueError:
        return ["(not parsable)"]
    return sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def compare(corpus: Path, rev: str) -> int:
    with tempfile.TemporaryDirectory(prefix="items-identical-") as scratch:
        folder = Path(scratch)
        tree = _export(rev, folder)
        children = [_child(tree, corpus, folder / "before.jsonl"), _child(ROOT, corpus, folder / "after.jsonl")]
        if any(child.wait() for child in children):
            print("a child failed", file=sys.stderr)
            return 2
        before, after = _load(folder / "before.jsonl"), _load(folder / "after.jsonl")
    items = [p for p in before if before[p]["item"] != after.get(p, {}).get("item")]
    wording = [p for p in before if p not in items and before[p]["evidence"] != after.get(p, {}).get("evidence")]
    for page in items:
        print(f"item differs: {page}: {', '.join(_fields(before[page]['item'], after[page]['item']))}")
    for page in wording:
        print(f"evidence differs: {page}: {', '.join(_fields(before[page]['evidence'], after[page]['evidence']))}")
    print(f"{len(before)} pages: {len(items)} items differ, {len(wording)} more differ in evidence only "
          f"({rev} against the working tree)")
    return 1 if items else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench" / "corpus")
    parser.add_argument("--rev", default="HEAD", help="the git revision to compare the working tree with")
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.dump:
        dump(args.corpus, args.dump)
        return 0
    return compare(args.corpus, args.rev)


if __name__ == "__main__":
    sys.exit(main())
