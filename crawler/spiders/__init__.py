"""Spiders. Every outlet of outlets.toml gets one, made by crawler.spider_loader; none is written by hand."""
