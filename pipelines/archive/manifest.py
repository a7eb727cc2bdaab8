"""The crawl's manifest and its one-line report: what the crawl archived, what failed, how complete items were.

A manifest is written last, once every other file of its crawl is stored (or kept in the spool): a reader
knows a crawl is complete once its manifest exists.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

__all__ = ["COVERAGE_FIELDS", "crawl_report", "errors_by_kind", "failed_fetches", "jsonable", "manifest_key"]

# Item fields whose presence the manifest reports (the share of items where each is non-empty).
COVERAGE_FIELDS = (
    "url", "article_id", "title", "subtitle", "byline", "authors", "published", "modified", "regions", "themes",
    "in_depth_reports", "original_source", "copyright", "language", "summary", "image", "body", "warc",
)


def manifest_key(outlet: str, crawl_id: str) -> str:
    return f"crawls/{outlet}/{crawl_id}.json"


def errors_by_kind(stats: dict[str, Any]) -> dict[str, int]:
    """Failed fetches, pages that could not be parsed, dropped items and spider exceptions, by kind."""
    prefixes = {"pages/failed/": "fetch/", "pages/truncated/": "truncated/", "pages/not_parsable/": "not_parsable/",
                "items/dropped/": "dropped/", "spider_exceptions/": "spider/", "archive/write_failed/": "write_failed/",
                "requisites/failed/": "requisite/"}
    errors: dict[str, int] = {}
    for key, value in sorted(stats.items()):
        for prefix, kind in prefixes.items():
            if key.startswith(prefix) and isinstance(value, int):
                errors[kind + key.removeprefix(prefix)] = value
    return errors


# Failures that are answers or choices, not losses: the server said the page is gone or forbidden, a policy
# refused a redirect or robots.txt disallowed the page, or the archive stopped the crawl (counted apart).
_NOT_LOSSES = ("http_4", "redirect_refused", "IgnoreRequest", "not_archived", "decompressed_too_large")


def failed_fetches(stats: dict[str, Any]) -> int:
    """Pages the crawl meant to archive and could not, whole: no answer or a 5xx after the retries, or a body
    cut short (by a reset, or at DOWNLOAD_MAXSIZE / WARC_MAX_FETCH_TIME)."""
    failed = 0
    for key, value in stats.items():
        if not isinstance(value, int):
            continue
        kind = key.removeprefix("pages/failed/")
        if key.startswith("pages/truncated/") or (kind != key and not kind.startswith(_NOT_LOSSES)):
            failed += value
    return failed


def crawl_report(status: str, counts: dict[str, Any], coverage: dict[str, float], files: int) -> str:
    """The report's one log line: what the crawl archived, what failed, which fields were found how often."""
    errors = ", ".join(f"{k} {v}" for k, v in counts["errors"].items()) or "none"
    found = [f"{k} {v:.0%}" for k, v in coverage.items() if k not in ("url", "warc", "body") and v < 1.0]
    return (f"{status}; {counts['pages']} pages, {counts['articles']} articles "
            f"({counts['articles_dropped']} dropped, {counts['skipped_archived']} skipped as archived before), "
            f"{counts['revisits']} revisits, {files} files, {counts['bytes_archived']} bytes archived; "
            f"errors: {errors}; fields below 100%: {', '.join(found) or 'none'}")


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return str(value)
