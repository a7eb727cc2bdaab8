"""A full disk met by each writer: the failure is one stat and one decision, never a traceback."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from pipelines.archive.extension import ArchiveWriteError
from pipelines.items.warc_metadata import WarcMetadataPipeline


class FullWarc:
    def __init__(self) -> None:
        self.crawler = SimpleNamespace(stats=MemoryStatsCollector(get_crawler()))

    async def write_metadata(self, url: str, concurrent_to: str, item: dict[str, Any]) -> None:
        raise ArchiveWriteError("WARC not written: No space left on device")


def test_the_metadata_record_failing_lets_the_item_go_on_to_its_batch() -> None:
    warc = FullWarc()
    pipeline = WarcMetadataPipeline(warc)  # type: ignore[arg-type]
    item = {"url": "https://example.org/a/1", "warc": {"record_id": "<urn:uuid:1>"}}
    assert asyncio.run(pipeline.process_item(item)) is item
    assert warc.crawler.stats.get_value("items/without_metadata_record") == 1
