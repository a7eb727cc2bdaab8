"""Replay checked as an archivist sees it: a crawl's articles served by pywb and opened in a real browser.

- `archive`: what to check, read from the archive: a crawl's WARCs (and, for its revisit records, the earlier
  WARCs holding their payloads) and its article pages with the time of their capture.
- `pywb`: pywb's `wayback` on 127.0.0.1, over a temporary collection of those WARCs.
- `browser`: Debian's chromium, headless, driven by Playwright: each replayed page's requests and failures, a
  style fact, a screenshot and a thumbnail.
- `report`: one self-contained HTML page of the results, and the verdict.

`scrapy qa` (crawler/commands/qa.py) puts them together; the tests use `browser` and `report` directly.
"""
