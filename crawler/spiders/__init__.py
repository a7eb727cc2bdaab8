"""Spiders. Every outlet of outlets.toml gets one, made by crawler.spiderloader; none is written by hand."""
