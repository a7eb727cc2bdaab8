"""A page's bytes as text: the declared charset, unless the bytes contradict it.

Where bytes are decoded outside Scrapy (`scrapy extract`, `scrapy reextract`, bench/quality.py), pages are read
the way a browser reads them: a byte-order mark, then the HTTP Content-Type header, then the page's own
`<meta charset>` (w3lib's `html_to_unicode`, as Scrapy's TextResponse does). Real pages lie about their
charset, most often declaring ISO-8859-1 or windows-1252 on bytes written as UTF-8, which turns every curly
quote into 'â€™'. So when the declared single-byte charset and a clean UTF-8 reading disagree, charset-normalizer
(a maintained detector, rather than a hand-written guess) decides between the two by which reading is the less
garbled; bytes that are not valid UTF-8 keep the declared charset.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes
from w3lib.encoding import html_to_unicode

__all__ = ["decode_html"]

_UTF8 = codecs.lookup("utf-8").name


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(the encoding used, the text) of a page's bytes and its Content-Type header (None for a saved file)."""
    encoding, text = html_to_unicode(content_type, body)
    declared = _codec(encoding)
    if declared is None or declared.startswith("utf") or body.isascii():
        return encoding, text  # UTF-8/16/32 were read as such; pure ASCII reads the same in every charset
    try:
        utf8_text = body.decode("utf-8")
    except UnicodeDecodeError:
        return encoding, text  # not UTF-8: the declaration stands
    best = from_bytes(body, cp_isolation=[declared, _UTF8], preemptive_behaviour=False).best()
    if best is not None and _codec(best.encoding) == _UTF8:
        return "utf-8", utf8_text.removeprefix("\ufeff")
    return encoding, text
