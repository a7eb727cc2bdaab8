"""Pending requests on disk without JOBDIR (crawler/schedulers/spilling.py): a crawl's memory does not grow with
the outlet's sitemaps, and the scratch folder goes with the crawl."""

from __future__ import annotations

from pathlib import Path

from tests.crawl_runner import Crawl, run_crawl


def test_a_crawl_without_jobdir_queues_its_requests_on_disk_and_leaves_no_scratch(
        replica_url: str, replica_crawl: Crawl, tmp_path: Path) -> None:
    spill = tmp_path / "spill"
    crawl = run_crawl(tmp_path / "archive", "-a", "max_articles=3", base_url=replica_url,
                      settings={"SCHEDULER_SPILL_DIR": str(spill)})
    assert crawl.returncode == 0, crawl.log
    assert "'scheduler/enqueued/disk'" in crawl.log and "'scheduler/enqueued/memory'" not in crawl.log
    assert spill.is_dir() and list(spill.iterdir()) == []  # the scratch folder is gone with the crawl
    assert len(crawl.items()) == 3
    # The project's default crawl (the session's replica crawl) spills too.
    assert "'scheduler/enqueued/disk'" in replica_crawl.log


def test_spilling_off_keeps_scrapy_s_memory_queue(replica_url: str, tmp_path: Path) -> None:
    crawl = run_crawl(tmp_path / "archive", "-a", "max_articles=2", base_url=replica_url,
                      settings={"SCHEDULER_SPILL_ENABLED": "0"})
    assert crawl.returncode == 0, crawl.log
    assert "'scheduler/enqueued/memory'" in crawl.log and "'scheduler/enqueued/disk'" not in crawl.log
