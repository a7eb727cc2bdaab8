"""A metadata record per item, concurrent to its response record: the WARC alone is a complete archive."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from pipelines.archive.extension import ArchiveWriteError
from pipelines.warc.writer import WarcWriter

__all__ = ["WarcMetadataPipeline"]


class WarcMetadataPipeline:
    def __init__(self, warc: WarcWriter) -> None:
        self.warc = warc

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcMetadataPipeline:
        warc = crawler.get_extension(WarcWriter)
        if warc is None:
            raise NotConfigured("WARC writing is off (WARC_ENABLED, ARCHIVE_ENABLED)")
        return cls(warc)

    async def process_item(self, item: Any) -> Any:
        data = dict(ItemAdapter(item))  # read, never changed: no deep copy (asdict's) to serialize it
        ref = data.get("warc")
        if ref:
            # Concurrent to this fetch's record: its response, or its revisit when the page was unchanged.
            concurrent_to = (data.get("warc_revisit") or ref)["record_id"]
            try:
                await self.warc.write_metadata(data.get("fetched_url") or data["url"], concurrent_to, data)
            except ArchiveWriteError:
                # The WARC cannot be written (a full disk: the archive has said so, and the crawl is stopping).
                # The item goes on to its batch, whose line is the item's own record.
                self.warc.crawler.stats.inc_value("items/without_metadata_record")
        return item
