"""Bring the corpus's page bytes onto this machine: `make corpus` (or `python -m bench.corpus_fetch`).

    python -m bench.corpus_fetch [--corpus bench/corpus] [--base https://raw.githubusercontent.com]

Only the labels are committed (bench/corpus/labels/<outlet>/<id>.json): the pages are their outlets' text. Each
label names the page's source (repository, path, commit, sha256 of the file as stored there); this fetches every
page not yet in bench/corpus/pages/ from `{base}/{repo}/{commit}/{path}`, checks its sha256 against the label,
un-gzips a source stored gzipped (path ending .gz), and writes bench/corpus/pages/<outlet>/<id>.html under a
temporary name renamed when whole. A page whose bytes do not match is not written: one error line, and the exit
status is 1 once every other page has been tried. --base points elsewhere (a mirror; tests serve a folder).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
RAW_BASE = "https://raw.githubusercontent.com"


def page_path(corpus: Path, label: dict[str, object]) -> Path:
    return corpus / "pages" / str(label["outlet"]) / f"{label['id']}.html"


def fetch_page(base: str, source: dict[str, str], timeout: float) -> bytes:
    """The page's bytes as a reader's browser got them: the source file, checked, un-gzipped if stored so."""
    # (paths as saved by others hold spaces and asterisks: 'htmlDocuments/0a1b… *-.html')
    url = f"{base.rstrip('/')}/{source['repo']}/{source['commit']}/{quote(source['path'], safe='/')}"
    with urllib.request.urlopen(url, timeout=timeout) as response:
        data: bytes = response.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != source["sha256"]:
        raise ValueError(f"sha256 {digest[:12]}… of {url} is not the label's {source['sha256'][:12]}…")
    return gzip.decompress(data) if source["path"].endswith(".gz") else data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "bench" / "corpus")
    parser.add_argument("--base", default=RAW_BASE, help=f"where repositories' files are served (default {RAW_BASE})")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    labels = sorted((args.corpus / "labels").glob("*/*.json"))
    fetched = present = failed = 0
    for number, label_file in enumerate(labels, 1):
        label = json.loads(label_file.read_text(encoding="utf-8"))
        target = page_path(args.corpus, label)
        if target.exists():
            present += 1
            continue
        try:
            data = fetch_page(args.base, label["source"], args.timeout)
        except (OSError, ValueError, urllib.error.URLError, KeyError) as exc:
            failed += 1
            print(f"error: {label_file.relative_to(args.corpus)}: {exc}", file=sys.stderr)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(data)
        partial.replace(target)
        fetched += 1
        print(f"[{number}/{len(labels)}] {target.relative_to(args.corpus)} ({len(data):,} bytes)", flush=True)
    print(f"corpus pages: {fetched} fetched, {present} already here, {failed} failed, of {len(labels)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
