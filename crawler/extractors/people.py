"""People named on a page: a byline or a list of names split into names, in the order printed."""

from __future__ import annotations

import re

from lxml import html as lxml_html

from crawler.extractors.dates import PRINTED_DATE
from crawler.extractors.text import absolute, collapse, text_of

__all__ = ["BYLINE_LEAD_RE", "BY_RE", "JOB_TITLE_RE", "NAME_SEPARATORS", "NAME_SEPARATORS_NO_SEMICOLON",
           "byline_people", "clean_byline", "split_names"]

# A capital letter of the Latin, Greek and Cyrillic alphabets: what a name after a word of another language starts with.
_CAPITAL = r"[A-ZÀ-ÖØ-ÞĀ-ŽΑ-ΩА-ЯЁЄІЇ]"
# 'By' in other languages ('Par', 'Von', 'Por', 'Av', 'Door', 'Di', 'Oleh', 'Przez'), before a name only.
_BY_WORDS = rf"(?:by|(?:von|par|por|av|af|door|di|oleh|przez)(?=\s*:?\s*(?-i:{_CAPITAL})))"
BY_RE = re.compile(rf"^\s*{_BY_WORDS}(?:\s*:\s*|\s+)", re.IGNORECASE)
"""The 'By ' or 'By: ' a byline starts with ('Par ', 'Von ', 'Por ' … in other languages)."""
NAME_SEPARATORS = re.compile(r"\s*(?:,|;|\band\b|&)\s*|\s+(?:und|et(?!\s+al\b)|og|och|en|ve|és|oraz|ja|y|e|i|и|та)\s+"
                             rf"(?={_CAPITAL})")
"""What stands between two names: ',', ';', 'and', '&', and 'and' in other languages before a capital ('Le Figaro
et AFP', 'Trine Juncher Jørgensen og Tôrtia Reimer-Johansen', 'Ana López y Juan Pérez'; 'et al.' is no 'and')."""
NAME_SEPARATORS_NO_SEMICOLON = re.compile(r"\s*(?:,|\band\b|&)\s*")
"""The same without ';': Global Research's items were made this way, and must not change."""
BYLINE_LEAD_RE = re.compile(rf"^\s*(?:{_BY_WORDS}|written by|submitted by|words by|story by|posted by)\s+\S",
                            re.IGNORECASE)
# A job title alone: 'Staff Writer', 'Senior Washington Correspondent', 'Contributing Editor'.
JOB_TITLE_RE = re.compile(r"(?:(?:senior|staff|chief|contributing|associate|deputy|executive|managing|political|"
                           r"business|news|sports|features?|digital|special|freelance|guest|national|foreign|"
                           r"[A-Z][a-z]+)\s+){0,3}(?:writer|reporter|editor|correspondent|columnist|contributor|"
                           r"journalist|producer|critic|analyst)s?", re.IGNORECASE)
# '3 hours ago', '– 1 hr 4 mins ago', 'just now'.
_RELATIVE_RE = re.compile(r"[\s–—-]*(?:\b\d+\s+(?:second|sec|minute|min|hour|hr|day|week|month)s?\s*)+ago\b|"
                          r"\bjust now\b", re.IGNORECASE)
_BYLINE_TAIL_RE = re.compile(r"(?:\s*\|?\s*\b(?:Email the author|E-?mail|Follow on Twitter|Follow|Print|Share)\b)+\s*$"
                             r"|\s+(?:on|at)$", re.IGNORECASE)


def split_names(text: str | None, separators: re.Pattern[str] = NAME_SEPARATORS) -> list[str]:
    """'By Ann Smith, Bob Jones and Cy' → ['Ann Smith', 'Bob Jones', 'Cy']."""
    pieces = (piece.strip(" ,;") for piece in separators.split(BY_RE.sub("", collapse(text))))
    return [piece for piece in pieces if piece]


def byline_people(byline: lxml_html.HtmlElement, base: str,
                  separators: re.Pattern[str] = NAME_SEPARATORS) -> list[dict[str, str | None]]:
    """Names in byline order: linked names with their link (absolute against `base`), plain-text names split."""
    authors: list[dict[str, str | None]] = []

    def plain(text: str | None) -> None:
        for name in split_names(text, separators):
            if name.lower() != "by":  # a lone 'By' before a linked name
                authors.append({"name": name, "url": None})

    plain(byline.text)
    for child in byline:
        if isinstance(child.tag, str) and child.tag == "a":
            name = text_of(child)
            if name:
                authors.append({"name": name, "url": absolute(base, child.get("href"))})
        elif isinstance(child.tag, str):
            plain(text_of(child))
        plain(child.tail)
    return authors


# clean_byline's expressions, compiled once (they were built from PRINTED_DATE and looked up in re's cache at each
# call: ~40% of the function's time).
_DATE_IN_LINE_RE = re.compile(rf"[\s,|·•–—-]*\b(?:(?:published|updated|posted)\s*:?\s*)?(?:on\s+)?"
                              rf"(?:{PRINTED_DATE})", re.IGNORECASE)
_BY_NAME_RE = re.compile(r"\bby\s+[A-Z].*")
_DATE_AT_END_RE = re.compile(rf"[\s,|·•–—-]*(?:(?:published|updated|posted)\s*:?\s*)?(?:on\s+)?(?:{PRINTED_DATE})"
                             r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?\s*(?:[A-Z]{2,4})?)?\s*$",
                             re.IGNORECASE)
_NUMERIC_DATE_AT_END_RE = re.compile(r"[\s,|·•–—-]*(?:on\s+)?\d{1,2}/\d{1,2}/\d{2,4}"
                                     r"(?:\s+at\s+\S+(?:\s*[AP]M)?(?:\s+[A-Z]{2,4})?)?\s*$", re.IGNORECASE)
_WEEKDAY_AT_END_RE = re.compile(r"\s*[,|·•–—-]\s*(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?"
                                r"\.?,?\s*$")
_FIELD_BAR_RE = re.compile(r"\s+\|\s+")
_NUMBERS_BEFORE_BY_RE = re.compile(r"^(?P<before>.*?\d.*?)[\s,|·•–—-]+(?P<by>by\s+[A-Z].*)$", re.IGNORECASE)
_BY_WORD_RE = re.compile(r"\bby\b", re.IGNORECASE)
_FILED_IN_RE = re.compile(r",\s+in\s+(?=[A-Z])")
_CONTACT_AT_END_RE = re.compile(r"[\s|,·•]*(?:\S+@\S+\.\w+|\d[\d,.]*\s+views?)\b(?=\s*(?:[|,·•]|$))")
_STOP_AFTER_RE = re.compile(r"\s+\.$")
_HANDLE_RE = re.compile(r"[\s|,·•]*\(?@\w{1,30}\)?(?=\s*(?:[|,·•]|$))")


def clean_byline(text: str) -> str:
    """A byline's printed text without what is printed around the names in the same line: its date and time,
    a relative age, a weekday, a job title as a field of its own, the sections it was filed in, contact links,
    the writer's e-mail address, a view count ('By Ann Smith | Staff Writer | Tuesday, 25 November 2014 |
    255 views' → 'By Ann Smith'; 'Posted at 10:00 am on June 19, 2019 by Brandon Morse' → 'by Brandon Morse')."""
    text = _RELATIVE_RE.sub("", text)
    # The date printed in the byline line ('By Ann Smith on December 27, 2014 at 12:06 PM, updated …') goes
    # with what follows it, unless the name follows it ('Posted at 10:00 am on June 19, 2019 by Brandon
    # Morse': then the name is the byline).
    head, *tail = _DATE_IN_LINE_RE.split(text, maxsplit=1)
    named_after = _BY_NAME_RE.search(tail[0]) if tail and not BYLINE_LEAD_RE.match(head) else None
    text = named_after.group(0) if named_after else head
    for _ in range(2):
        text = _DATE_AT_END_RE.sub("", text)
        text = _NUMERIC_DATE_AT_END_RE.sub("", text)
    # a weekday left by the date taken away ('| Tuesday, 25 November 2014'), and a job title printed as a field
    # of its own ('Stevie Martin | Staff Writer')
    text = _WEEKDAY_AT_END_RE.sub("", text)
    fields = [f for f in _FIELD_BAR_RE.split(text) if not JOB_TITLE_RE.fullmatch(f.strip())]
    text = " | ".join(fields) if fields else text
    text = collapse(text).strip(" |·•,;–—-")
    # 'Mon, 6/3/2019 - by Ann Smith': an all-numeric date before the name is no part of it either
    lead = _NUMBERS_BEFORE_BY_RE.match(text)
    if lead and not _BY_WORD_RE.search(lead.group("before")):
        text = lead.group("by")
    # 'By TPN, in News, Portugal, Business': the sections it was filed in are no part of it either
    text = _FILED_IN_RE.split(text, maxsplit=1)[0]
    # nor the links printed after it ('Email the author | Follow on Twitter', 'Print'), nor an 'on' left by
    # the date taken away, nor the writer's e-mail address or the page's view count ('| 255 views')
    text = _CONTACT_AT_END_RE.sub("", _BYLINE_TAIL_RE.sub("", text))
    text = _STOP_AFTER_RE.sub("", text)  # 'By <a>Wesley Yin-Poole</a>.': the full stop after the link
    # nor the writer's social handle ('Oliver Gettell • @ogettell', 'by Brian (@NE_Brian)')
    text = _HANDLE_RE.sub("", text)
    return _BYLINE_TAIL_RE.sub("", collapse(text).strip(" |·•,"))
