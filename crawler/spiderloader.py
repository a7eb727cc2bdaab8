"""A spider loader that gives every outlet of outlets.toml a spider named after its key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.misc import load_object

from crawler.outlets import OutletConfigError, load_outlets

if TYPE_CHECKING:
    from crawler.spiders.outlet_spider import OutletSpider

__all__ = ["OutletSpiderLoader"]


class OutletSpiderLoader(SpiderLoader):
    """Scrapy's loader, plus one OutletSpider subclass per outlet (OUTLETS_FILE, the bundled file by default).

    A bad outlets file stops the process with one line that names the file, the outlet and the field.
    """

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        try:
            outlets = load_outlets(settings.get("OUTLETS_FILE") or None)
        except OutletConfigError as exc:
            raise SystemExit(f"error: {exc}") from None
        base: type[OutletSpider] = load_object(settings["OUTLET_SPIDER_CLASS"])
        for key, outlet in outlets.items():
            if key in self._spiders:
                raise SystemExit(f"error: outlet {key!r} has the same name as a spider class in SPIDER_MODULES")
            custom = {
                "DOWNLOAD_DELAY": outlet.politeness.download_delay,
                "CONCURRENT_REQUESTS_PER_DOMAIN": outlet.politeness.concurrency,
            }
            self._spiders[key] = type(
                key, (base,), {"name": key, "outlet": outlet, "custom_settings": custom,
                               "__module__": base.__module__, "__doc__": f"Crawls {outlet.name}."},
            )
