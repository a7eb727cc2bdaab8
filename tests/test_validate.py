"""The item validation pipeline: an item missing a required field, or a second item of a URL, is dropped."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

import pipelines.items.validate as validate
from crawler.utils.seen import SeenDigests


def test_a_second_item_of_a_url_is_dropped_and_the_crawl_keeps_20_bytes_a_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "crawl_identity", lambda crawler: SimpleNamespace(since=None))
    crawler = get_crawler(settings_dict={"VALIDATE_ENABLED": True})
    pipeline = validate.ValidatePipeline.from_crawler(crawler)
    urls = [f"https://news.example/2019/01/{n:05d}/a-story-with-a-long-address/" for n in range(1000)]
    for url in urls:
        pipeline.process_item({"url": url, "title": "A story", "body": "Text."})
    with pytest.raises(DropItem, match="already archived in this crawl"):
        pipeline.process_item({"url": urls[17], "title": "A story", "body": "Text."})
    with pytest.raises(DropItem, match="no body"):
        pipeline.process_item({"url": "https://news.example/other/", "title": "A story", "body": ""})
    # the seen set holds each URL's digest, not the URL, in a scratch file: the process's memory does not grow
    digests = [validate.hashlib.sha1(url.encode(), usedforsecurity=False).digest() for url in urls]
    assert len(pipeline.seen) == 1000 and all(d in pipeline.seen for d in digests)
    assert isinstance(pipeline.seen, SeenDigests) and pipeline.seen.folder.is_dir()
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    assert not pipeline.seen.folder.exists()
