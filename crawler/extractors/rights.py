"""A page's copyright line read: the © statement out of a footer's text, its holders and its year.

Pure functions of text, for any extractor (crawler/extractors/generic/provenance.py reads the line off the page).
"""

from __future__ import annotations

import re
from typing import Any

from crawler.extractors.dates import YEAR_RE
from crawler.extractors.text import collapse, unique

__all__ = ["LINK_LABEL_RE", "RIGHTS_RESERVED", "copyright_statement", "read_copyright"]

# (a range may end in two digits: '© 2023-24 DB Corp ltd.')
_YEARS_RE = re.compile(r"\b(?:1[89]|2\d)\d\d(?:\s*[–—-]\s*(?:(?:1[89]|2\d)\d\d|\d\d(?!\d)|present))?\b")
_LINE_MARK_RE = re.compile(r"©|&copy;|\(c\)\s*(?:\d|copyright)|\bcopyright\b", re.IGNORECASE)
_GLUED_COPYRIGHT_RE = re.compile(r"copyright\s*$", re.IGNORECASE)
# 'All rights reserved' as sites print it in their own language. (A hand-written list: no library reads footers.)
# Scripts without spaces between words have no word boundary around the phrase.
RIGHTS_RESERVED = (
    r"(?:\b(?:all rights? reserved|todos los derechos reservados|tous droits réservés|alle rechte vorbehalten|"
    r"tutti i diritti riservati|todos os direitos reservados|alle rechten voorbehouden|"
    r"alla rättigheter förbehållna|alle rettigheder forbeholdes|alle rettigheter (?:reservert|forbeholdt)|"
    r"öll réttindi áskilin|kaikki oikeudet pidätetään|wszelkie prawa zastrzeżone|všechna práva vyhrazena|"
    r"všetky práva vyhradené|minden jog fenntartva|toate drepturile rezervate|visos teisės saugomos|"
    r"visas tiesības aizsargātas|tüm hakları saklıdır|haki zote zimehifadhiwa|hak cipta dilindungi undang-undang|"
    r"все права защищены|усі права захищені|всички права запазени|με επιφύλαξη παντός δικαιώματος|"
    r"جميع الحقوق محفوظة|כל הזכויות שמורות|सर्वाधिकार सुरक्षित)\b|"
    r"版权所有|版權所有|無断転載を禁じます|무단 전재 및 재배포 금지|สงวนลิขสิทธิ์)")
"""'All rights reserved' (a singular 'Right' too) or the same in another language: a regular expression's text."""
_RESERVED_END_RE = re.compile(rf"{RIGHTS_RESERVED}\.?", re.IGNORECASE)
# The footer's own links printed after the statement ('Terms of Service', 'Privacy Policy', '(About Us)').
LINK_LABEL_RE = re.compile(r"\(?\b(?:Terms\b|Privacy\b|Contact\b|About Us\b|Advertis|Site ?map\b|Cookies?\b|"
                            r"Accessibility\b|Do Not Sell\b|View all\b|Theme\b|"
                            r"(?:Powered|Built|Designed|Developed|Hosted) by\b|"
                            r"Website (?:created|designed|by)\b|Home(?=\s*[|·•]))")
# The statement's own lead-in, in the same clause as its mark ('All content © …', 'All contents ©').
_LEAD_IN_RE = re.compile(r"\b(?:(?:all\s+)?(?:site\s+|website\s+)?(?:content|contents|materials?|text)|"
                         r"this\s+(?:site|website))\s*$", re.IGNORECASE)
_ADDRESS_AFTER_RE = re.compile(r"\b(?:LLC|Inc\.?|Ltd\.?|Limited|Corp\.?|GmbH|PLC)"
                               r"(?=,?\s+(?:(?!(?:19|20)\d\d\b)\d|P\.?\s?O\.?\s+Box\b))")  # (a year is no address)
# A company's registration number printed after its name: part of the statement's sentence, not of the holder's
# name ('Macro Associates ABN: 17 149 497 530', 'Bauer Consumer Media Ltd, company number: 01176085').
_REGISTRATION_RE = re.compile(r"\s*[,(]?\s*\b(?:ABN|ACN|CIN|CRN|VAT(?: No\.?| number)?|"
                              r"Company (?:No\.?|number|registration)|Reg(?:istered|istration)?\.? (?:No\.?|number))"
                              r"\s*:?\s*[A-Z]{0,3}\s*\d[\d ]{4,}", re.IGNORECASE)
# A full stop ending the holder's sentence: not the one of a company abbreviation (Inc., Co., Ltd.) or an initial.
_SENTENCE_END_RE = re.compile(r"(?<!\b[A-Z])(?<!\b[Ii]nc)(?<!\bINC)(?<!\bCo)(?<!\bL[Tt][Dd])(?<!\bCorp)(?<!\bS\.A)"
                              r"(?<!\bL\.P)(?<!\bPty)\.(?=\s+[A-Z(])(?!\s+(?:Ltd|LTD|Limited|Inc|INC|LLC|Corp|GmbH|PLC)\b)")
# The company abbreviations written with a full stop (Inc., Co., Ltd., L.P., S.L.); LLC, PLC, GmbH are written without.
_DOTTED_SUFFIX_RE = re.compile(r"Inc|Co|Ltd|Corp|Bros|L\.P|S\.A|S\.L|S\.p\.A|S\.r\.l|N\.V|B\.V|K\.K|Ltda|Bhd",
                               re.IGNORECASE)
_DIVISION_OF_RE = re.compile(r"^(?:a\s+)?(?:division|subsidiary|unit|part|member)\s+of\s+", re.IGNORECASE)
# A company's legal form printed after a comma ('Acme, Inc.', 'DIARIO ABC, S.L.', 'Schibsted, ASA').
_COMPANY_SUFFIX_RE = re.compile(r"(?:Inc|Ltd|LLC|LLP|GmbH|S\.?A|S\.?L|S\.?p\.?A|S\.?r\.?l|S\.?A\.?S|SARL|Ltda|PLC|Corp|"
                                r"Co|AG|NV|BV|AB|ASA|A/S|Oy|Oyj|SE|K\.?K|Pty\.? Ltd|Pte\.? Ltd|Sdn\.? Bhd|Tbk)\.?",
                                re.IGNORECASE)


def copyright_statement(text: str) -> str:
    """The © statement of a footer block, without what is printed around it (the guide of
    bench/corpus/LABELLING.md): the clause carrying the mark ('©', 'Copyright', '(c)') with its years and holder,
    and a rights sentence right after it ('All rights reserved.'); not the footer's links beside it ('| Terms of
    Service', 'Terms of UsePrivacy Notice'), nor the sentences after it (trademark notices, disclaimers). A short
    lead-in of the same clause stays ('All content © 2019 Humor Times', 'wetpaint.com, inc. © 2012').
    'Vox Media Advertise with us © 2019 Vox Media, Inc. All Rights Reserved Terms of use' →
    '© 2019 Vox Media, Inc. All Rights Reserved'."""
    mark = _LINE_MARK_RE.search(text)
    if mark is None:  # a rights line without a mark ('… All rights reserved (About Us).')
        end = _RESERVED_END_RE.search(text)
        return collapse(text[:end.end()] if end is not None else text)
    # 'Copyright' glued to the mark and to the text before it, two elements' texts run together
    # ('… web@thehindu.co.inCopyright© 2016, The Hindu'): the word is the mark's, no word boundary found it
    glued = _GLUED_COPYRIGHT_RE.search(text[:mark.start()]) if text[mark.start()] == "©" else None
    lead = _LEAD_IN_RE.search(text[:mark.start()])
    start = lead.start() if lead is not None else glued.start() if glued is not None else mark.start()
    text = text[start:]
    after = mark.end() - start
    # (a hand-written scan: the statement ends at the first of these, and no library reads footers)
    ends = [len(text)]
    if (reserved := _RESERVED_END_RE.search(text, after)) is not None:
        ends.append(reserved.end())
    for separator in re.finditer(r"\s*[|·•]", text[after:]):
        if text[after:after + separator.start()].strip() and not re.match(
                rf"\s*{RIGHTS_RESERVED}", text[after + separator.end():], re.IGNORECASE):
            ends.append(after + separator.start())
            break
    if (link := LINK_LABEL_RE.search(text, after)) is not None and text[after:link.start()].strip():
        ends.append(link.start())
    # a postal address after the company ('CDW LLC 200 N. Milwaukee Avenue, …', 'Inc. PO Box 21050')
    if (address := _ADDRESS_AFTER_RE.search(text, after)):
        ends.append(address.end())
    for sentence in _SENTENCE_END_RE.finditer(text, after):
        # the rights sentence right after it, or after one short sentence naming the company ('Copyright© Mediacorp
        # 2022. Mediacorp Pte Ltd. All rights reserved.', '… LLC. A Florida Corporation. All rights reserved.')
        if not re.match(r"\s*(?:[^.!?]{1,40}?(?:Ltd|Inc|LLC|Corp|Co|Limited|[Cc]orporation|[Cc]ooperation|GmbH|PLC)"
                        rf"\.?\s+)?{RIGHTS_RESERVED}", text[sentence.end():], re.IGNORECASE):
            ends.append(sentence.start() + 1)
            break
    return collapse(text[:min(ends)]).rstrip(" ,;:-–—")


def read_copyright(line: str) -> dict[str, Any]:
    """`© 2019 Sputnik. All rights reserved` → holders ['Sputnik'], year 2019.

    The holder is what follows the © and the years, up to 'All rights reserved', a '|' or '·', or the end of
    its sentence; when nothing follows them ('©2019 All Rights Reserved | Tampa Bay Times'), the part after, and
    when nothing is after them either, the name before the mark ('Daily Maverick © All rights reserved').
    Names are split on commas and 'and', never on '&' (Johnson & Johnson), and 'Acme, Inc.' stays one holder.
    """
    mark = re.search(r"©|&copy;|\(c\)|\bcopyright\b", line, re.IGNORECASE)
    rest = line[mark.start():] if mark else line
    rest = re.sub(r"^(?:\s*(?:copyright\b|©|&copy;|\(c\)|[,:|-]))+\s*", "", rest, flags=re.IGNORECASE)
    rest = _YEARS_RE.sub(" ", rest)
    # (and the full stop after the years: '© Copyright 2001-2020. The Media Line Ltd.')
    rest = re.sub(r"^(?:\s*(?:copyright\b|©|&copy;|\(c\)|[.,:|·-]))+\s*", "", rest, flags=re.IGNORECASE)
    segments = [collapse(s) for s in re.split(rf"\s*(?:{RIGHTS_RESERVED}\.?|[|·•])\s*", rest, flags=re.IGNORECASE)]
    segment = next((s for s in segments if s.strip(" .,;:")), "")
    # The end of the holder's sentence: a full stop not closing an abbreviation (Inc., Co., Ltd.).
    sentence = _SENTENCE_END_RE.split(segment)[0]
    # the sites a company publishes, listed after its name ('Alabama Live LLC [al.com, gulflive.com]'), and what
    # follows its legal suffix, an address or a brand ('Future Publishing Limited Quay House, The Ambury, Bath')
    # (a bracket listing sites, with a dot or a comma in it: '[P]' of 'The Indian Express [P] Ltd.' is the name's)
    sentence = re.sub(r"\s*\[[^\]]*[.,][^\]]*\]", "", sentence)
    sentence = _REGISTRATION_RE.split(sentence, maxsplit=1)[0]
    sentence = re.sub(r"^(.+?\b(?:Limited|Ltd\.?|LLC|Inc\.?|GmbH|PLC))(?:\s+[A-Z]|,\s*[\w-]+\.(?:com|org|net)\b).*$",
                      r"\1", sentence)
    holders: list[str] = []
    # Names apart at ',', ';', 'and', 'or' and a '/' after a site name ('RedState.com/Salem Media'; never
    # 'CBC/Radio-Canada', one name).
    for piece in (_holder_name(h) for h in re.split(r"\s*(?:,|;|\band\b|\bor\b|(?<=\.com|\.org|\.net)/(?=[A-Z]))\s*",
                                                    sentence)):
        if holders and piece[:1].islower() and len(piece.split()) >= 3:
            break  # what follows the holders ('…, company number: 01176085 registered office …')
        if re.match(r"(?:its|their|our|his|her|respective)\b", piece):
            continue  # 'SportingNews.com, its licensors': not a name
        if holders and _COMPANY_SUFFIX_RE.fullmatch(piece):
            holders[-1] = f"{holders[-1]}, {piece}"  # "Acme, Inc." is one holder
        elif piece and not YEAR_RE.fullmatch(piece):
            holders.append(piece)
    # 'Bennett, Coleman & Co. Ltd.', 'Skadden, Arps, Slate, Meagher & Flom': surnames before a name with '&' are
    # one firm's name, not holders of their own
    for i in range(len(holders) - 1, 0, -1):
        if " & " in holders[i] and len(holders[i - 1].split()) == 1 and "." not in holders[i - 1]:
            holders[i - 1:i + 1] = [f"{holders[i - 1]}, {holders[i]}"]
    # (the phrase right before the mark: 'Wetpaint Entertainment | wetpaint.com, inc. © 2012' → 'wetpaint.com, inc.')
    before = re.split(r"\s[|·•]\s|\|", collapse(line[:mark.start()]).strip(" |·•,:–—-"))[-1].strip() if mark else ""
    if not holders and before and len(before.split()) <= 6 and not _LINE_MARK_RE.search(before):
        # nothing but the years and the rights after the mark: the name before it ('Daily Maverick © All rights
        # reserved', 'Digital Music News ©2016')
        holders = [_holder_name(before)]
    years = YEAR_RE.findall(line)
    return {"line": line, "holders": unique(holders), "year": int(years[-1]) if years else None}


def _holder_name(piece: str) -> str:
    """A holder as printed, without the punctuation around it, but with the full stop of its company
    abbreviation ('Vox Media, Inc.', 'Binkley Co.')."""
    name = _DIVISION_OF_RE.sub("", piece.strip(" ,;:"))  # 'a division of Postmedia Network Inc.'
    name = re.sub(r"^by\s+", "", name, flags=re.IGNORECASE)  # '© 2018 by Federalist Press'
    name = re.sub(r"^the\s+(?=[A-Z])", "", name)  # 'MLSE and the National Hockey League' (a 'The' is the name's)
    stripped = name.rstrip(" .")
    last = stripped.rsplit(None, 1)[-1] if stripped else ""
    if name.endswith(last + ".") and _DOTTED_SUFFIX_RE.fullmatch(last):
        return stripped + "."
    return stripped
