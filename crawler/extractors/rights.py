"""A page's copyright line read: the © statement out of a footer's text, its holders and its year.

Pure functions of text, for any extractor (crawler/extractors/generic.py reads the line off the page).
"""

from __future__ import annotations

import re
from typing import Any

from crawler.extractors.dates import YEAR_RE
from crawler.extractors.text import collapse, unique

__all__ = ["copyright_statement", "read_copyright"]

_YEARS_RE = re.compile(r"\b(?:1[89]|2\d)\d\d(?:\s*[–—-]\s*(?:(?:1[89]|2\d)\d\d|present))?\b")
_LINE_MARK_RE = re.compile(r"©|&copy;|\(c\)\s*(?:\d|copyright)|\bcopyright\b", re.IGNORECASE)
_RESERVED_END_RE = re.compile(r"\ball rights reserved\b\.?(?:\s*\([^)]{0,40}\)\.?)?", re.IGNORECASE)
# The company abbreviations written with a full stop (Inc., Co., Ltd., L.P.); LLC, PLC, GmbH are written without.
_DOTTED_SUFFIX_RE = re.compile(r"Inc|Co|Ltd|Corp|Bros|L\.P|S\.A|N\.V|B\.V", re.IGNORECASE)
_DIVISION_OF_RE = re.compile(r"^(?:a\s+)?(?:division|subsidiary|unit|part|member)\s+of\s+", re.IGNORECASE)
_COMPANY_SUFFIX_RE = re.compile(r"(?:Inc|Ltd|LLC|LLP|GmbH|S\.?A|PLC|Corp|Co|AG|NV|BV|AB)\.?", re.IGNORECASE)


def copyright_statement(text: str) -> str:
    """The © statement of a footer block, without the links printed around it: from its mark ('©', 'Copyright',
    '(c)') to 'All rights reserved' and what closes it ('.', '(About Us).'), e.g. 'Vox Media Advertise with us
    © 2019 Vox Media, Inc. All Rights Reserved Terms of use' → '© 2019 Vox Media, Inc. All Rights Reserved'."""
    mark = _LINE_MARK_RE.search(text)
    if mark is not None:
        text = text[mark.start():]
    end = _RESERVED_END_RE.search(text)
    if end is not None:
        text = text[:end.end()]
    return collapse(text)


def read_copyright(line: str) -> dict[str, Any]:
    """`© 2019 Sputnik. All rights reserved` → holders ['Sputnik'], year 2019.

    The holder is what follows the © and the years, up to 'All rights reserved', a '|' or '·', or the end of
    its sentence; when nothing follows them ('©2019 All Rights Reserved | Tampa Bay Times'), the part after.
    Names are split on commas and 'and', never on '&' (Johnson & Johnson), and 'Acme, Inc.' stays one holder.
    """
    mark = re.search(r"©|&copy;|\(c\)|\bcopyright\b", line, re.IGNORECASE)
    rest = line[mark.start():] if mark else line
    rest = re.sub(r"^(?:\s*(?:copyright\b|©|&copy;|\(c\)|[,:|-]))+\s*", "", rest, flags=re.IGNORECASE)
    rest = _YEARS_RE.sub(" ", rest)
    rest = re.sub(r"^(?:\s*(?:copyright\b|©|&copy;|\(c\)|[,:|·-]))+\s*", "", rest, flags=re.IGNORECASE)
    segments = [collapse(s) for s in re.split(r"\s*(?:\ball rights reserved\b\.?|[|·•])\s*", rest,
                                              flags=re.IGNORECASE)]
    segment = next((s for s in segments if s.strip(" .,;:")), "")
    # The end of the holder's sentence: a full stop not closing an abbreviation (Inc., Co., Ltd.).
    sentence = re.split(r"(?<!\b[A-Z])(?<!\bInc)(?<!\bCo)(?<!\bLtd)(?<!\bCorp)(?<!\bS\.A)\.\s+(?=[A-Z(])", segment)[0]
    holders: list[str] = []
    # Names apart at ',', ';', 'and', 'or' and a '/' after a site name ('RedState.com/Salem Media'; never
    # 'CBC/Radio-Canada', one name).
    for piece in (_holder_name(h) for h in re.split(r"\s*(?:,|;|\band\b|\bor\b|(?<=\.com|\.org|\.net)/(?=[A-Z]))\s*",
                                                    sentence)):
        if holders and _COMPANY_SUFFIX_RE.fullmatch(piece):
            holders[-1] = f"{holders[-1]}, {piece}"  # "Acme, Inc." is one holder
        elif piece and not YEAR_RE.fullmatch(piece):
            holders.append(piece)
    years = YEAR_RE.findall(line)
    return {"line": line, "holders": unique(holders), "year": int(years[-1]) if years else None}


def _holder_name(piece: str) -> str:
    """A holder as printed, without the punctuation around it, but with the full stop of its company
    abbreviation ('Vox Media, Inc.', 'Binkley Co.')."""
    name = _DIVISION_OF_RE.sub("", piece.strip(" ,;:"))  # 'a division of Postmedia Network Inc.'
    stripped = name.rstrip(" .")
    last = stripped.rsplit(None, 1)[-1] if stripped else ""
    if name.endswith(".") and _DOTTED_SUFFIX_RE.fullmatch(last):
        return stripped + "."
    return stripped
