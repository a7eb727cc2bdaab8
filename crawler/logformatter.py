"""Log lines for dropped items that name the article and the reason, without printing the whole item."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure

__all__ = ["ArchiveLogFormatter"]


class ArchiveLogFormatter(LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Response | Failure | None,
                spider: Spider | None = None,
                **kwargs: Any) -> LogFormatterResult:
        return {"level": logging.INFO, "msg": "Dropped item: %(reason)s", "args": {"reason": str(exception)}}

    def scraped(self, item: Any, response: Response | Failure | None, spider: Spider | None = None,
                **kwargs: Any) -> LogFormatterResult:
        url = getattr(item, "url", None) or (item.get("url") if isinstance(item, dict) else None)
        return {"level": logging.DEBUG, "msg": "Scraped %(url)s", "args": {"url": url}}
