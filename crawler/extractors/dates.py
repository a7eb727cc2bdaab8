"""Dates as printed, read into ISO 8601 without guessing. Pure functions: extractors and pipelines use them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, time
from urllib.parse import urlsplit

from dateutil import parser as date_parser

__all__ = ["PRINTED_DATE", "YEAR_RE", "normalize_date", "parse_with_formats", "url_day"]

PRINTED_DATE = (r"\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]+\.?,?\s+\d{4}|[A-Za-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|"
                r"\d{4}-\d{2}-\d{2}")
"""A regex source: a date as credit lines print it ('13 December 2016', 'Dec. 13, 2016', 'May 18th, 2019',
'2016-12-13')."""
YEAR_RE = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")
"""A year as printed in a copyright line."""

_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
_YEAR_FIRST_RE = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$|"
                            r"^((?:19|20)\d\d)(\d\d)(\d\d)$")
_URL_DATE_RE = re.compile(r"/((?:19|20)\d\d)[/-](\d{1,2})[/-](\d{1,2})(?:/|-|$)")
# A compact date as a whole path segment: /world/20110410/163458489.html.
_URL_COMPACT_DATE_RE = re.compile(r"/((?:19|20)\d\d)(\d\d)(\d\d)(?=/|$)")
_SHORT_OFFSET_RE = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?[+-])(\d:\d{2})$")
_MONTH_NAME_RE = re.compile(r"[A-Za-z]{3,}")
_TIME_RE = re.compile(r"\d{1,2}:\d{2}")
# dateutil fills missing parts from `default`; two different defaults tell a printed part from a filled one.
_DEFAULT_A = datetime(1900, 1, 1)
_DEFAULT_B = datetime(1904, 2, 2)


def parse_with_formats(text: str, formats: Iterable[str]) -> str | None:
    """ISO 8601 for text read by the first strptime format that fits, else None."""
    for fmt in formats:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        has_time = any(code in fmt for code in ("%H", "%I", "%M"))
        return parsed.isoformat() if has_time else parsed.date().isoformat()
    return None


def normalize_date(raw: str | None, formats: Iterable[str] = ()) -> str | None:
    """ISO 8601 for a date as printed, or None when it cannot be read without guessing.

    Explicit `formats` (strptime) win. ISO 8601, year-first dates (2016/12/14, 20161214) and dates that spell
    their month ('December 14, 2016', '13 December 2016') are unambiguous. All-numeric dates like 03/04/2016
    are day-first in one country and month-first in another: without a format saying which, they are refused,
    never guessed.
    """
    text = " ".join(unicodedata.normalize("NFC", raw).split()) if isinstance(raw, str) else ""
    if not text:
        return None
    by_format = parse_with_formats(text, formats)
    if by_format is not None:
        return by_format
    # An offset written with a one-digit hour ('2014-12-15T12:56-5:00'): ISO 8601 wants two.
    text = _SHORT_OFFSET_RE.sub(r"\g<1>0\g<2>", text)
    if _ISO_RE.match(text):
        try:
            parsed = date_parser.isoparse(text)
        except ValueError:
            return None
        return parsed.isoformat() if len(text) > 10 else parsed.date().isoformat()
    year_first = _YEAR_FIRST_RE.match(text)
    if year_first:
        try:
            parts = [int(g) for g in year_first.groups() if g is not None]
            day = date(*parts[:3])
            if len(parts) == 3:
                return day.isoformat()
            hour, minute, *seconds = parts[3:]
            return datetime.combine(day, time(hour, minute, seconds[0] if seconds else 0)).isoformat()
        except ValueError:
            return None
    if not _MONTH_NAME_RE.search(text):
        return None  # all-numeric and not year-first: ambiguous
    try:
        first = date_parser.parse(text, default=_DEFAULT_A)
        second = date_parser.parse(text, default=_DEFAULT_B)
    except (ValueError, OverflowError):
        return None
    if first.year != second.year or first.day != second.day or first.month != second.month:
        return None  # a part was missing from the text (no year, no day)
    if _TIME_RE.search(text):
        return first.isoformat()
    return first.date().isoformat()


_URL_MONTH_RE = re.compile(r"/((?:19|20)\d\d)/(0?[1-9]|1[0-2])/")


def url_month(url: str) -> tuple[int, int] | None:
    """The year and month a URL's path carries (/blogs/the-feed/2014/06/…), else None."""
    match = _URL_MONTH_RE.search(urlsplit(url).path)
    return (int(match.group(1)), int(match.group(2))) if match else None


def url_day(url: str) -> date | None:
    """The date a URL's path carries (/2019/02/20/…, /2019-02-20-…, or a compact segment /20110410/), else None."""
    path = urlsplit(url).path
    match = _URL_DATE_RE.search(path) or _URL_COMPACT_DATE_RE.search(path)
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
