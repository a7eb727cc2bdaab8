"""Page requisites in a real crawl of the replica: every one of each article's, archived once; never an item."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.crawl_runner import Crawl, run_crawl
from tests.replica.requisites import requisite_paths

pytestmark = pytest.mark.slow


def captures(archive: Path, crawl_id: str) -> list[tuple[str, str, str]]:
    """(record type, URL path, query) of every response and revisit record of one crawl."""
    found = []
    for path in sorted(archive.glob(f"warc/**/{crawl_id}-*.warc.gz")):
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type in ("response", "revisit"):
                    parts = urlsplit(record.rec_headers.get_header("WARC-Target-URI"))
                    found.append((record.rec_type, parts.path, parts.query))
    return found


def test_every_requisite_of_every_article_is_archived_once(replica_crawl: Crawl) -> None:
    (manifest,) = replica_crawl.manifests()
    archived = captures(replica_crawl.archive, manifest["crawl_id"])
    paths = {path for _, path, _ in archived}
    items = replica_crawl.items()
    for item in items:
        expected = requisite_paths("globalresearch", urlsplit(item["fetched_url"]).path, scripted=True)
        assert expected, item["url"]
        assert expected - paths == set(), item["url"]
    fetched = Counter((path, query) for _, path, query in archived)
    requisites = {p for p in paths if p.startswith(("/wp-", "/images/", "/store/", "/favicon"))}
    assert requisites
    assert [key for key, n in fetched.items() if n > 1 and key[0] in requisites] == []  # once per crawl
    assert len(items) == 12  # requisites never become items
    stats = manifest["stats"]
    assert stats["requisites/scheduled"] == stats["requisites/fetched"] + sum(
        v for k, v in stats.items() if k.startswith("requisites/failed/"))


def test_a_later_crawl_stores_unchanged_requisites_as_revisits(replica_crawl: Crawl, replica_url: str,
                                                               tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(replica_crawl.archive, archive)
    again = run_crawl(archive, "-a", "refresh_days=0", base_url=replica_url)
    assert again.returncode == 0, again.log
    new = sorted(again.manifests(), key=lambda m: m["started_at"])[-1]
    kinds = Counter(kind for kind, path, _ in captures(archive, new["crawl_id"])
                    if path.startswith(("/wp-content/themes/", "/wp-includes/", "/favicon")))
    assert kinds["revisit"] > 0
    assert kinds["response"] == 0  # an unchanged requisite is stored once across crawls
