"""`make corpus` (bench/corpus_fetch.py): the corpus's pages come back byte for byte from where the labels say,
and a page whose bytes differ from its label's sha256 is refused in one line, the others written, exit 1."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMMIT = "0" * 40


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served as raw.githubusercontent.com serves repositories: /{repo}/{commit}/{path}."""
    root = tmp_path / "raw"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _label(corpus: Path, outlet: str, page_id: str, path: str, stored: bytes) -> None:
    folder = corpus / "labels" / outlet
    folder.mkdir(parents=True, exist_ok=True)
    source = {"repo": "someone/pages", "path": path, "commit": COMMIT, "licence": "MIT",
              "sha256": hashlib.sha256(stored).hexdigest()}
    (folder / f"{page_id}.json").write_text(json.dumps({"id": page_id, "outlet": outlet, "source": source}))


def _serve(root: Path, path: str, data: bytes) -> None:
    target = root / "someone/pages" / COMMIT / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def test_pages_fetched_checked_and_ungzipped(tmp_path: Path, served: tuple[Path, str]) -> None:
    root, base = served
    corpus = tmp_path / "corpus"
    plain = b"<html><body><p>caf\xc3\xa9</p></body></html>"
    packed = gzip.compress(b"<html><body><p>gzipped page</p></body></html>")
    _label(corpus, "generic", "plain-2020-a", "data/a.html", plain)
    _serve(root, "data/a.html", plain)
    _label(corpus, "rt", "packed-2021-b", "data/b.html.gz", packed)
    _serve(root, "data/b.html.gz", packed)
    # a path as some saved it, with a space and an asterisk
    spaced = b"<html><body><p>saved by hand</p></body></html>"
    _label(corpus, "generic", "spaced-2020-d", "htmlDocuments/0a1b *-.html", spaced)
    _serve(root, "htmlDocuments/0a1b *-.html", spaced)
    _label(corpus, "generic", "changed-2022-c", "data/c.html", b"what the label saw")
    _serve(root, "data/c.html", b"what the repository holds now")

    done = subprocess.run([sys.executable, "-m", "bench.corpus_fetch", "--corpus", str(corpus), "--base", base],
                          check=False, cwd=ROOT, capture_output=True, text=True, timeout=60)

    assert done.returncode == 1
    assert (corpus / "pages/generic/plain-2020-a.html").read_bytes() == plain
    assert (corpus / "pages/rt/packed-2021-b.html").read_bytes() == b"<html><body><p>gzipped page</p></body></html>"
    assert (corpus / "pages/generic/spaced-2020-d.html").read_bytes() == spaced
    assert not (corpus / "pages/generic/changed-2022-c.html").exists()
    assert not list(corpus.glob("pages/**/*.part"))
    errors = done.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("error: labels/generic/changed-2022-c.json: sha256")
    assert "3 fetched, 0 already here, 1 failed, of 4" in done.stdout

    # A second run fetches only what is missing.
    again = subprocess.run([sys.executable, "-m", "bench.corpus_fetch", "--corpus", str(corpus), "--base", base],
                           check=False, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "0 fetched, 3 already here, 1 failed, of 4" in again.stdout
