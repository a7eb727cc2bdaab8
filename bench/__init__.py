"""Benchmarks (`make bench`): a generated Global Research replica, crawl runs against plain Scrapy, extraction."""
