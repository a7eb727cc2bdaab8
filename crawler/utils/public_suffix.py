"""Keep tldextract to the public suffix list bundled with it.

Scrapy's cookie middleware builds a module-level TLDExtract that, on first use, downloads the public
suffix list from the network and logs an error when offline. An archive crawler must not reach out to
hosts it was not asked to crawl, so we swap in one that only reads the snapshot shipped in the package.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares import cookies
from tldextract import TLDExtract

__all__ = ["use_bundled_suffix_list"]


def use_bundled_suffix_list() -> None:
    cookies._split_domain = TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )
