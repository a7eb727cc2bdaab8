"""The wording of credit lines that both the byline's rules (bylines.py) and the learned scorer's features
(byline_candidates.py) read: names, credit words, date lines, the class words of an author's box."""

from __future__ import annotations

import re

from crawler.extractors.dates import PRINTED_DATE
from crawler.extractors.people import BY_RE, JOB_TITLE_RE
from crawler.extractors.text import collapse

# The class words of an author's box, card or photo, not the credit line (hCard's 'vcard' marks a byline's author).
_NOT_BYLINE_CLASS_RE = re.compile(r"bio|about|avatar|image|photo|img|desc|social|email|follow|contact|tips|more|box|"
                                  r"(?<!v)card|(?<!author-)list|archive|footer|popup|tooltip|pic")
# The credit words a printed line ends with just before the byline's element: 'By', 'Posted by', 'Written by:'.
_CREDIT_WORD = r"(?:written|submitted|words|story|posted)"
"""The word a credit's 'by' may follow: 'Written by', 'Posted by'."""
_CREDIT_AT_END_RE = re.compile(rf"(?:^|\s)({_CREDIT_WORD}?\s*by:?)$", re.IGNORECASE)
# A credit's words alone, with no name: 'By', 'Written by:'.
_CREDIT_ALONE_RE = re.compile(rf"^(?:{_CREDIT_WORD}\s+)?by:?$", re.IGNORECASE)
# The words a date line leaves once its date is cut: 'Filed on', 'Posted', 'Last updated at'.
_DATE_WORDS_ALONE_RE = re.compile(r"(?:(?:last\s+)?(?:filed|posted|published|updated|modified|created)(?:\s+(?:on|at))?"
                                  r"\s*:?\s*)+", re.IGNORECASE)
# A date printed alone on its line or item ('27 January 2017', 'November 16, 2013', 'Jul 17, 2020 | 6:45PM').
_DATE_ALONE_RE = re.compile(rf"\s*(?:on\s+)?(?:{PRINTED_DATE})(?:,?\s*(?:at\s+|[|·•-]\s*)?\d{{1,2}}:\d{{2}}\s*"
                            r"(?:[ap]\.?m\.?)?)?\s*", re.IGNORECASE)
_UI_WORDS_RE = re.compile(r"[@#©®™:/]|\.(?:com|org|net)\b", re.IGNORECASE)


def _looks_like_name(text: str) -> bool:
    """'Claire Benit-Gbaffou': two to four words, each capitalized, no digits."""
    words = text.split()
    return 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not re.search(r"\d", text)


def _clean_name(name: str) -> str:
    """A printed name without what bylines add to it: '(MTN News)', '/ Independent Media Institute', '| Fox News',
    a job title after a comma is kept apart by the byline splitter already."""
    name = re.sub(r"\s*\([^)]*\)\s*$", "", name)
    # 'Rachel Metz - AP Technology Writers' (a spaced dash: never 'Benit-Gbaffou')
    name = re.split(r"\s+[|/–—-]\s+|\s*\|\s*", name)[0]
    name = BY_RE.sub("", name)
    # 'Bradley Barth, Senior Reporter' (a link's text): the job title after the comma is no part of the name
    head, comma, tail = name.rpartition(",")
    if comma and head.strip() and JOB_TITLE_RE.fullmatch(tail.strip()):
        name = head
    return collapse(name).strip(" ,;:|")

