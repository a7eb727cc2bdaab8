"""Schedulers: Scrapy's own with its pending requests on disk (spilling), and a shared crawl's on Redis (shared)."""
