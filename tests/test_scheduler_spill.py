"""Pending requests on disk without JOBDIR (crawler/schedulers/spilling.py): a crawl's memory does not grow with
the outlet's sitemaps, and the scratch folder goes with the crawl."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_the_disk_queue_writes_the_requests_scrapy_would_write_without_searching_the_whole_spider(
        tmp_path: Path) -> None:
    """NamedCallbacksLifoDiskQueue turns requests into Scrapy's own dicts (request_dict), only faster: the same
    pickles for every kind of request the spider makes, requests read back with their callbacks, and a request
    whose callback is no method of the spider refused (ValueError) as Scrapy's queue refuses it."""
    import pickle

    import scrapy
    from scrapy.squeues import PickleLifoDiskQueue
    from scrapy.utils.misc import load_object

    from crawler.schedulers.spilling import NamedCallbacksLifoDiskQueue, SpillingScheduler, request_dict
    from tests.crawl_runner import project_crawler

    settings = project_crawler().settings
    spidercls = load_object(settings["SPIDER_LOADER_CLASS"]).from_settings(settings).load("globalresearch")
    crawler = project_crawler(spidercls, SCHEDULER_SPILL_DIR=str(tmp_path / "spill"))
    spider = spidercls.from_crawler(crawler)
    spider._identity = spider.requested_identity  # as CrawlExtension settles it (Scrapy's search reads properties)
    crawler.spider = spider

    class Elsewhere:
        def callback(self, response: object) -> None: ...

    requests = [
        scrapy.Request("http://127.0.0.1:9/a/5600001", callback=spider.parse_article, errback=spider.on_error,
                       meta={"archive_kind": "article", "forced": False}),
        scrapy.Request("http://127.0.0.1:9/s.css", callback=spider.parse_requisite,
                       errback=spider.on_requisite_error, priority=-1),
        scrapy.Request("http://127.0.0.1:9/sitemap.xml", callback=spider.parse_sitemap, errback=spider.on_error,
                       dont_filter=True),
        scrapy.Request("http://127.0.0.1:9/list/", callback=spider.parse_listing, meta={"page": 2}),
        scrapy.FormRequest("http://127.0.0.1:9/form", formdata={"q": "x"}, callback=spider.parse_feed),
        scrapy.Request("http://127.0.0.1:9/none"),
    ]
    for request in requests:
        assert pickle.dumps(request_dict(request, spider), 4) == pickle.dumps(request.to_dict(spider=spider), 4)
    elsewhere = scrapy.Request("http://127.0.0.1:9/e", callback=Elsewhere().callback)
    for to_dict in (lambda: request_dict(elsewhere, spider), lambda: elsewhere.to_dict(spider=spider)):
        with pytest.raises(ValueError, match="not an instance method"):
            to_dict()

    # The scheduler queues on disk through it (Scrapy's PickleLifoDiskQueue, SCHEDULER_DISK_QUEUE, swapped).
    assert SpillingScheduler.from_crawler(crawler).dqclass is NamedCallbacksLifoDiskQueue
    assert issubclass(NamedCallbacksLifoDiskQueue, PickleLifoDiskQueue)
    queue = NamedCallbacksLifoDiskQueue.from_crawler(crawler, str(tmp_path / "q"))
    for request in requests:
        queue.push(request)
    with pytest.raises(ValueError):
        queue.push(elsewhere)
    back = [queue.pop() for _ in requests][::-1]  # last in, first out
    assert queue.pop() is None
    assert [(r.url, r.callback, r.errback, r.meta, r.priority, type(r)) for r in back] == [
        (r.url, r.callback, r.errback, r.meta, r.priority, type(r)) for r in requests]
    queue.close()
