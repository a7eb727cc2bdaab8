"""Secrets never reach a log line: every record's message has the crawl's secret values masked.

Scrapy logs its "Overridden settings" (so `-s AWS_SECRET_ACCESS_KEY=...` would be printed), and libraries
log URLs and errors that can carry credentials. A filter on one handler is not enough (Scrapy replaces its
root handler when a crawl starts), so the log record factory masks them, process-wide, before any handler
formats a record. The extension is the first one built, before Scrapy logs the overridden settings.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

__all__ = [
    "SECRET_ENV_VARS", "SECRET_SETTINGS", "SecretRedaction", "credentials_in_url", "install_redaction", "secrets_in",
]

MASK = "[redacted]"
SECRET_SETTINGS = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "HTTPPROXY_AUTH",
                   "HTTPAUTH_PASS", "SCRAPYD_PASSWORD")
SECRET_ENV_VARS = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "SCRAPYD_PASSWORD",
                   "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")
_MIN_SECRET = 4  # shorter values would mask ordinary words

_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None
_base_factory = logging.getLogRecordFactory()


def secrets_in(values: Iterable[str | None]) -> set[str]:
    """The secret strings in values; a URL contributes the password (and user) of its userinfo."""
    found: set[str] = set()
    for raw in values:
        if not raw:
            continue
        value = str(raw)
        if "://" in value:
            found |= credentials_in_url(value)
            continue
        if len(value) >= _MIN_SECRET:
            found.add(value)
    return found


def credentials_in_url(value: str | None) -> set[str]:
    """The user and password of a URL's userinfo; nothing for a URL without one, or a plain path.

    Locations (ARCHIVE_URI, AWS_ENDPOINT_URL) are not secrets: masking them whole made every "archive" in
    the log read "[redacted]". Only the credentials a URL may carry are.
    """
    if not value or "://" not in value:
        return set()
    parts = urlsplit(value)
    return {variant for piece in (parts.password, parts.username) if piece and len(piece) >= _MIN_SECRET
            for variant in (piece, unquote(piece))}


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    if _pattern is None:
        return record
    message = record.getMessage()
    masked = _pattern.sub(MASK, message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and record.exc_info[1] is not None:
        text = _pattern.sub(MASK, str(record.exc_info[1]))
        if text != str(record.exc_info[1]):
            record.exc_info = None
            record.msg = f"{record.msg} ({text})"
    return record


def install_redaction(values: Iterable[str]) -> None:
    """Mask these values in every log record from now on (in addition to those already known)."""
    global _pattern  # noqa: PLW0603 - one record factory per process, by the logging module's design
    _secrets.update(v for v in values if len(v) >= _MIN_SECRET)
    if not _secrets:
        return
    _pattern = re.compile("|".join(re.escape(s) for s in sorted(_secrets, key=len, reverse=True)))
    logging.setLogRecordFactory(_redacting_factory)


class SecretRedaction:
    """Extension: masks the settings' and environment's credentials in all log output."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SecretRedaction:
        settings = crawler.settings
        values = [settings.get(name) for name in SECRET_SETTINGS]
        values += [os.environ.get(name) for name in SECRET_ENV_VARS]
        secrets = secrets_in(values)
        for location in ("AWS_ENDPOINT_URL", "ARCHIVE_URI"):
            secrets |= credentials_in_url(settings.get(location))
        if not secrets:
            raise NotConfigured("no secret to mask")
        install_redaction(secrets)
        return cls()
