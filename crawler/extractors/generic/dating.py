"""The publication and modification dates: declared, printed near the headline, in the URL; read in the
publisher's local time where the page tells it."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TypeGuard

from dateutil import parser as date_parser
from lxml import etree

from crawler.extractors.dates import PRINTED_DATE, normalize_date, url_day, url_month
from crawler.extractors.generic.base import PageBase
from crawler.extractors.generic.common import _OUTSIDE_ARTICLE, _text_value, describe, in_caption
from crawler.extractors.text import collapse, text_of

# A modification declared this many days before the publication is no modification of the article.
_MODIFIED_BEFORE_DAYS = 30
_FIRST_PUBLISHED_TEXT = etree.XPath('//text()[contains(., "irst published") or contains(., "IRST PUBLISHED")]')
_FIRST_PUBLISHED_RE = re.compile(
    rf"^\s*first published(?:\s+on)?\s*:?\s*(?:[A-Za-z]+day,?\s+)?(?P<date>(?:{PRINTED_DATE})"
    r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?)?)", re.IGNORECASE)
# A date printed all in numbers, alone in its element, with or without the time ('17:08 10/04/2011').
_NUMERIC_PRINTED_RE = re.compile(r"^(?:\d{1,2}:\d{2}\s+)?\d{1,2}([/.-])\d{1,2}\1\d{2,4}(?:,?\s+\d{1,2}:\d{2})?$")
_PRINTED_LABEL_RE = re.compile(
    r"^\s*(?P<label>(?:first\s+)?published(?:\s+on)?|posted(?:\s+on)?|updated(?:\s+on)?|last\s+updated|"
    r"modified|edited(?:\s+time)?|published\s+time|created)\s*:?\s*(?P<rest>.+)$", re.IGNORECASE)
_UPDATED_CLASS_RE = re.compile(r"(?<![\w-])updated(?![\w-])")
_UPDATE_NOTE_RE = re.compile(rf"^update[ds]?\s*(?:\(|:|,|-|–|—)?\s*(?P<date>{PRINTED_DATE})", re.IGNORECASE)
# Class or id words of an element that prints a date: post-date, entry-date, dateline, timestamp, published.
_DATE_CLASS_RE = re.compile(r"date|time|publish|posted")
# A date with its month in words ('December 29, 2014', '29 Dec 2014'), not an ISO one (those are in attributes).
_WORDED_DATE_RE = re.compile(r"\b(?:\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\.?,?\s+\d{4}|[A-Z][a-z]+\.?\s+\d{1,2}"
                             r"(?:st|nd|rd|th)?,?\s+\d{4})\b")
_CLOCK_DATE_RE = re.compile(rf"(?:{PRINTED_DATE}),?\s*(?:at\s+)?\d{{1,2}}:\d{{2}}\s*(?:[ap]\.?m\.?)?(?![\d+-])",
                            re.IGNORECASE)


@dataclass
class _Dated:
    """A date as found: its raw text and where it came from."""

    raw: str
    how: str


class Dates(PageBase):
    """The page's dates."""

    def date(self, field_name: str) -> str | None:
        raw = self.selected_text(field_name)
        if raw is not None:
            return self.read_date(raw)
        found = self._date_raw(field_name)
        if field_name == "published" and found is not None and not found.how.startswith("visible"):
            # The page's own 'First published on …' line is what the reader is told: it wins over a declared
            # timestamp that names another day.
            printed = self._first_published()
            printed_day = normalize_date(self.read_date(printed.raw)) if printed is not None else None
            declared_day = normalize_date(self.read_date(found.raw))
            if printed is not None and printed_day and declared_day and printed_day[:10] != declared_day[:10]:
                found = printed
            elif declared_day and (near := self._printed_in_url_month(declared_day)) is not None:
                found = near
        value = self.read_date(found.raw) if found is not None else None
        if value is None and field_name == "published":
            found = self._date_by_htmldate()
            value = self.read_date(found.raw) if found is not None else None
        if found is None or value is None:
            return None
        how = found.how
        localized = self._localize(field_name, value)
        if localized is not None:
            value, local_how = localized
            how += local_how
        elif field_name == "published" and (printed_day := self._printed_day_across_midnight(value)) is not None:
            value, how = printed_day, how + " (its UTC day is not the day the page prints by the headline: that day)"
        self.note(field_name, how)
        return value

    def modified(self, published: str | None) -> str | None:
        """The last modification, unless it comes more than _MODIFIED_BEFORE_DAYS days before the publication: a
        blog's metadata date on every post, not an update of this one (gq's 2014 post declaring 2012-12-03). A
        scheduled post's modification a little before its publication is kept as stated."""
        modified = self.date("modified")
        published_day, modified_day = (normalize_date(value or "") or "" for value in (published, modified))
        if len(published_day) >= 10 and len(modified_day) >= 10:
            try:
                early = date.fromisoformat(published_day[:10]) - date.fromisoformat(modified_day[:10])
            except ValueError:
                return modified
            if early > timedelta(days=_MODIFIED_BEFORE_DAYS):
                self.note("modified", f"none: the declared one is {early.days} days before the publication")
                return None
        return modified

    def _printed_in_url_month(self, declared_day: str) -> _Dated | None:
        """The date printed by the headline, where the declared one is months away from the month the URL carries
        and the printed one is in it (a blog's meta dates on every post: /2014/06/ declared 2009-09-02, 'June 17,
        2014' printed)."""
        month = url_month(self.url)
        if month is None or not re.match(r"\d{4}-\d{2}", declared_day):
            return None
        year, number = int(declared_day[:4]), int(declared_day[5:7])
        if abs((year * 12 + number) - (month[0] * 12 + month[1])) <= 1:
            return None
        printed, day = self._printed_day()
        if printed is None or not day or (int(day[:4]), int(day[5:7])) != month:
            return None
        return _Dated(printed.raw, printed.how + " (the declared date is far from the URL's month)")

    def _printed_day(self) -> tuple[_Dated | None, str | None]:
        """The first date printed by the headline, and the day it reads as (normalized), or (None, None)."""
        printed = self._first_date_near_headline()
        return printed, (normalize_date(self.read_date(printed.raw) or "") if printed is not None else None)

    def _printed_day_across_midnight(self, value: str) -> str | None:
        """The day printed by the headline, where a timestamp declared in UTC falls on the day before or after
        it and the page prints no clock time to tell its offset ('June 12, 2019' printed, 2019-06-13T01:07:29Z
        declared: published on the 12th where it was written, 18:07 in California)."""
        if not re.search(r"T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]00:?00)$", value):
            return None
        _, day = self._printed_day()
        if not day or len(day) < 10:
            return None
        try:
            apart = date.fromisoformat(day[:10]) - date.fromisoformat(value[:10])
        except ValueError:
            return None
        return day[:10] if abs(apart) == timedelta(days=1) else None

    def _date_by_htmldate(self) -> _Dated | None:
        """The last resort for a publication date none of the rules found: htmldate, trafilatura's date finder,
        in its fast mode (the page's markup and URL, no free-text guessing), which knows more places than these
        rules where pages keep a date. Imported here: a page the rules read never pays for it."""
        from htmldate import find_date

        try:
            found = find_date(copy.deepcopy(self.root), url=self.url, original_date=True, extensive_search=False,
                              outputformat="%Y-%m-%d")
        except ValueError:
            return None
        return _Dated(found, "htmldate (fast mode)") if found else None

    def _first_published(self) -> _Dated | None:
        """A printed 'First published on <date>' line naming no other publication (the outlet's own statement
        of when it published the article), anywhere but the site's furniture outside the article."""
        for node in _FIRST_PUBLISHED_TEXT(self.root):
            element = node.getparent()
            if element is None or element.xpath(_OUTSIDE_ARTICLE):
                continue
            text = text_of(element)
            match = _FIRST_PUBLISHED_RE.match(text)
            if match and not text[match.end():].strip(" .,;:|"):
                return _Dated(match.group("date"), f"visible: 'First published' line in {describe(element)}")
        return None

    def _date_raw(self, field_name: str) -> _Dated | None:
        ld_keys = ("datePublished", "dateCreated") if field_name == "published" else ("dateModified",)
        for key in ld_keys:
            value = _text_value(self.sd.jsonld_value(key))
            if self._reads_as_date(value):
                return _Dated(value, f"{self.ld}.{key}")
        meta_keys = (
            ("property:article:published_time", "name:article:published_time", "property:og:published_time",
             "property:article:published", "itemprop:datePublished", "name:parsely-pub-date", "name:sailthru.date",
             "name:dc.date.issued", "name:dcterms.issued", "name:dc.date", "name:dcterms.date", "name:dcterms.created",
             "name:pubdate", "name:publishdate", "name:publish-date", "name:publication_date", "name:date",
             "name:article_date_original", "name:original-publish-date", "name:displaydate", "name:dc.date.created",
             "name:pub_date", "name:publish_date", "name:date_published", "name:citation_publication_date",
             "name:citation_date", "name:originalpublicationdate", "name:article.published", "name:og:pubdate",
             "property:og:article:published_time", "name:cxenseparse:recs:publishtime", "name:dc.created",
             "name:prism.publicationdate", "itemprop:datecreated", "name:created", "name:datecreated",
             "name:published-date", "name:published_time", "name:pdate", "name:rnews:datepublished",
             "name:shareaholic:article_published_time")
            if field_name == "published" else
            ("property:article:modified_time", "name:article:modified_time", "property:og:updated_time",
             "property:article:modified", "itemprop:dateModified", "name:lastmod", "name:dcterms.modified",
             "name:dc.date.modified", "name:last-modified", "name:lastmodifieddate", "name:article_date_updated",
             "name:sailthru.lastmodified", "name:shareaholic:article_modified_time", "http-equiv:last-modified"))
        for key in meta_keys:
            value = self.meta.get(key)
            if self._reads_as_date(value):
                return _Dated(value, f"meta {key.split(':', 1)[1]}")
        value = _text_value(self.sd.microdata_value("datePublished" if field_name == "published" else "dateModified"))
        if self._reads_as_date(value):
            return _Dated(value, f"microdata {'datePublished' if field_name == 'published' else 'dateModified'}")
        value = self.parsely().get("pub_date") if field_name == "published" else None
        if isinstance(value, str) and self._reads_as_date(value):
            return _Dated(value, "meta parsely-page (pub_date)")
        return self._visible_date(field_name)

    def _reads_as_date(self, value: str | None) -> TypeGuard[str]:
        """A declared value that is a date: not a clock time alone ('11:01 PM', the text of Blogger's
        `<abbr itemprop="datePublished" title="2020-12-07T23:01:00-06:00">`), which must not end the search."""
        return value is not None and value != "" and normalize_date(self.read_date(value)) is not None

    def _visible_date(self, field_name: str) -> _Dated | None:
        wanted = ("publish", "posted", "created") if field_name == "published" else ("updat", "modif", "edited")
        times = self._visible_times()
        for element, raw, _label in times:
            own = " ".join((element.get("class") or "", element.get("itemprop") or "")).casefold()
            if any(w in own for w in wanted) or (element.get("pubdate") is not None and field_name == "published"):
                return _Dated(raw, f"visible: {describe(element)}[datetime]" if element.get("datetime")
                              else f"visible: {describe(element)}")
        printed = self._printed_date(field_name)
        if printed is not None:
            return printed
        if field_name == "published":
            plain = [(e, raw) for e, raw, label in times
                     if not any(w in label for w in ("updat", "modif", "edited"))]
            if plain:
                element, raw = plain[0]
                return _Dated(raw, f"visible: {describe(element)}" + ("[datetime]" if element.get("datetime")
                                                                        else "") + " near the headline")
            classed = self._classed_date_near_headline()
            if classed is not None:
                return classed
            numeric = self._numeric_near_headline()
            if numeric is not None:
                return numeric
            day = url_day(self.url)
            if day is not None:
                return _Dated(day.isoformat(), "the URL's date")
            printed_near = self._first_date_near_headline()
            if printed_near is not None:
                return printed_near
            # A page whose only printed date is an 'Updated:' line: published by then, the one date it gives.
            updated = self._printed_date("modified")
            if updated is not None:
                return _Dated(updated.raw, updated.how + " (the only date printed)")
            return None
        return self._hatom_updated() or self._latest_update_note()

    def _hatom_updated(self) -> _Dated | None:
        """hAtom's `updated` (`<abbr class="published updated" title="2010-08-13T16:39:00-04:00">`, a hidden
        `<span class="updated">2018-10-21</span>`): the entry's modification date as the theme declares it."""
        for element in self.classed(_UPDATED_CLASS_RE):
            raw = element.get("title") or element.get("datetime") or text_of(element)
            if raw and len(raw) <= 40 and not self.in_furniture(element) and normalize_date(raw) is not None:
                return _Dated(raw, f"{describe(element)} (hAtom updated)")
        return None

    def _latest_update_note(self) -> _Dated | None:
        """The latest of the article's dated update notes ('Update: June 9, 2019, 9:53 p.m. ET' printed in the
        text, as an addendum), where nothing by the headline says when the page was updated."""
        latest: tuple[str, _Dated] | None = None
        for element in self.root.iter("p", "strong", "b", "em", "h3", "h4", "h5", "h6"):
            text = element.text
            if not text or not text.lstrip()[:6].casefold().startswith("update") or self.in_furniture(element):
                continue
            match = _UPDATE_NOTE_RE.match(collapse(text_of(element)))
            day = normalize_date(match.group("date")) if match else None
            if match and day and (latest is None or day > latest[0]):
                latest = (day, _Dated(match.group("date"), f"visible: the last dated update note, "
                                                           f"in {describe(element)}"))
        return latest[1] if latest is not None else None

    def _classed_date_near_headline(self) -> _Dated | None:
        """A date printed with its month spelled out (or in ISO form) in an element named for dates near the
        headline ('<span class="post-date">June 11, 2019</span>', hAtom's '<abbr class="published" title="…">'),
        not one labelled as an update."""
        h1 = self.headline()
        if h1 is None:
            return None
        for element in self._around(h1, before=40, after=200):
            if not isinstance(element.tag, str) or element.tag in ("script", "style", "a") \
                    or self.in_furniture(element):
                continue
            names = f"{element.get('class') or ''} {element.get('id') or ''}".casefold()
            if not _DATE_CLASS_RE.search(names) or re.search(r"updat|modif|edit", names):
                continue
            title = element.get("title") or ""
            if element.tag == "abbr" and re.match(r"^\d{4}-\d{2}-\d{2}", title):
                return _Dated(title, f"visible: {describe(element)}[title] (hAtom) near the headline")
            text = text_of(element)
            if not text or len(text) > 80 or re.search(r"updat|modif|edited", text, re.IGNORECASE):
                continue
            found = _CLOCK_DATE_RE.search(text) or re.search(PRINTED_DATE, text)
            if found and normalize_date(found.group(0)) is not None:
                return _Dated(found.group(0), f"visible: {describe(element)} near the headline")
        return None

    def _first_date_near_headline(self) -> _Dated | None:
        """The first date printed in words near the headline ('December 29, 2014'), in any element but links,
        the site's furniture and update lines: the last resort before saying the page gives no date (what a
        reader takes for the date of an article that labels nothing)."""
        h1 = self.headline()
        if h1 is None:
            return None
        for element in self._around(h1, before=20, after=150):
            if not isinstance(element.tag, str) or element.tag in ("script", "style", "a", "option", "title") \
                    or element.xpath("ancestor::a") or self.in_furniture(element) or in_caption(element) \
                    or any("caption" in (a.get("class") or "") for a in (element, *element.iterancestors())):
                continue  # (a photo's date in its caption, `<div class="media__caption">`, is not the article's)
            for piece in (element.text, element.tail):
                text = collapse(piece)
                if not text or len(text) > 200 or re.search(r"updat|modif|edited", text, re.IGNORECASE):
                    continue
                found = _CLOCK_DATE_RE.search(text) or _WORDED_DATE_RE.search(text)
                if found and normalize_date(found.group(0)) is not None:
                    return _Dated(found.group(0), f"visible: the first date printed by the headline, in "
                                                  f"{describe(element)}")
        return None

    def _numeric_near_headline(self) -> _Dated | None:
        """An all-numeric date printed alone near the headline ('17:08 10/04/2011'), when the URL's date says
        which way to read it (day or month first), or when it reads only one way; never guessed."""
        h1 = self.headline()
        if h1 is None:
            return None
        for element in self._around(h1):
            if not isinstance(element.tag, str) or element.tag in ("script", "style", "a") or len(element) > 3:
                continue
            text = text_of(element)
            if text and len(text) <= 24 and _NUMERIC_PRINTED_RE.match(text) and self._numeric_by_url(text):
                return _Dated(text, f"visible: {describe(element)} (an all-numeric date read by the URL's date)")
        return None

    def _printed_date(self, field_name: str) -> _Dated | None:
        """A 'Published: …' / 'Updated on …' line printed near the headline."""
        h1 = self.headline()
        if h1 is None:
            return None
        wanted = ("publish", "posted", "created") if field_name == "published" else ("updat", "modif", "edited")
        for element in self._around(h1):
            if not isinstance(element.tag, str) or element.tag in ("script", "style"):
                continue
            # (lxml makes a new string at each access of .text: which piece is which goes by position, not `is`.)
            for own_text, piece in ((True, element.text), (False, element.tail)):
                text = collapse(piece)
                match = _PRINTED_LABEL_RE.match(text) if text else None
                if match is None or not any(w in match.group("label").casefold() for w in wanted):
                    continue
                rest = match.group("rest")
                if not rest.strip(" :"):
                    # The label alone in its element ('<span>Published: </span>Saturday, May 18th, 2019'): the
                    # date follows it, in the element's own text or after it.
                    rest = text_of(element) if own_text else ""
                    rest = _PRINTED_LABEL_RE.sub(r"\g<rest>", rest)
                    if not rest.strip(" :") and own_text:
                        rest = collapse(element.tail)
                # The printed time belongs to any of the date's spellings ('10 Feb, 2016 18:38').
                when = re.search(rf"(?:{PRINTED_DATE})(?:,?\s*(?:at|/)?\s*\d{{1,2}}:\d{{2}}\s*(?:[ap]\.?m\.?)?)?|"
                                 r"\d{1,2}/\d{1,2}/\d{2,4}", rest, re.IGNORECASE)
                if when:
                    return _Dated(when.group(0), f"visible: '{match.group('label')}' line in {describe(element)}")
        return None

    def _localize(self, field_name: str, value: str) -> tuple[str, str] | None:
        """A declared timestamp in the publisher's local time, when the page prints that time without an offset.

        e.g. article:published_time 2019-05-16T01:51:02+00:00 and `<time datetime="2019-05-15 21:51:02">`:
        the page's offset is -04:00, and the article was published on the 15th where it was written.
        """
        try:
            declared = date_parser.isoparse(value) if re.match(r"^\d{4}-\d{2}-\d{2}T", value) else None
        except ValueError:
            return None
        if declared is None or declared.tzinfo is None:
            return None
        how = " (in the page's local time, from a visible <time datetime>)"
        if self.local_offset is None and field_name == "published":
            printed = [(raw, how) for _element, raw, _label in self._visible_times()]
            printed += [(raw, " (in the page's local time, as printed by the headline)")
                        for raw in self._printed_clock_times()]
            for raw, found_how in printed:
                text = raw.strip()
                if not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$", text):
                    read = normalize_date(text)
                    if read is None or not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$", read):
                        continue
                    text = read
                local = datetime.fromisoformat(text.replace(" ", "T"))
                # printed to the minute ('5:36pm') against a declared 00:36:30: compared to the minute
                moment = declared if local.second else declared.replace(second=0, microsecond=0)
                offset = local - moment.astimezone(UTC).replace(tzinfo=None)
                how = found_how
                if abs(offset) <= timedelta(hours=14) and offset % timedelta(minutes=15) == timedelta(0) \
                        and abs(offset) < timedelta(days=1) and offset != declared.utcoffset():
                    self.local_offset = offset
                    break
        if self.local_offset is None:
            return None
        local = declared.astimezone(timezone(self.local_offset))
        if local.date() == declared.date():
            return None  # the declared timestamp names the day the page prints: kept as declared
        return local.isoformat(), how

    def _printed_clock_times(self) -> list[str]:
        """Dates printed with their time of day near the headline, with no offset ('December 19, 2018 at 5:36pm',
        the date in a span and the time after it)."""
        h1 = self.headline()
        if h1 is None:
            return []
        found = []
        for element in self._around(h1, before=40, after=120):
            if not isinstance(element.tag, str) or element.tag in ("script", "style") or len(element) > 2:
                continue
            if not any(":" in (piece or "") for piece in (element.text, element.tail, *(c.text for c in element),
                                                          *(c.tail for c in element))):
                continue  # no time of day printed here
            text = collapse(f"{text_of(element)} {element.tail or ''}")
            match = _CLOCK_DATE_RE.search(text) if len(text) < 120 else None
            if match:
                found.append(match.group(0))
        return found
