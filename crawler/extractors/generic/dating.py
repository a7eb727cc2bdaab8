"""The publication and modification dates: declared, printed near the headline, in the URL; read in the
publisher's local time where the page tells it."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TypeGuard

from dateutil import parser as date_parser
from lxml import etree

from crawler.extractors.dates import PRINTED_DATE, url_day, url_month
from crawler.extractors.generic.base import PageBase
from crawler.extractors.generic.common import _OUTSIDE_ARTICLE, _text_value, _xpath, describe, in_caption
from crawler.extractors.generic.scorers import load_model, probability
from crawler.extractors.text import collapse, text_of, unique

# A modification declared this many days before the publication is no modification of the article.
_MODIFIED_BEFORE_DAYS = 30
_FIRST_PUBLISHED_TEXT = etree.XPath('/descendant::text()[contains(., "irst published") or '
                                  'contains(., "IRST PUBLISHED")]')
_FIRST_PUBLISHED_RE = re.compile(
    rf"^\s*first published(?:\s+on)?\s*:?\s*(?:[A-Za-z]+day,?\s+)?(?P<date>(?:{PRINTED_DATE})"
    r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?)?)", re.IGNORECASE)
# A date printed all in numbers, alone in its element, with or without the time ('17:08 10/04/2011').
_NUMERIC_PRINTED_RE = re.compile(r"^(?:\d{1,2}:\d{2}\s+)?\d{1,2}([/.-])\d{1,2}\1\d{2,4}(?:,?\s+\d{1,2}:\d{2})?$")
_PRINTED_LABEL_RE = re.compile(
    r"^\s*(?P<label>(?:first\s+)?published(?:\s+on)?|posted(?:\s+on)?|updated(?:\s+on)?|last\s+updated|"
    r"modified|edited(?:\s+time)?|published\s+time|created)\s*:?\s*(?P<rest>.+)$", re.IGNORECASE)
# The first words a printed label begins with (a superset of _PRINTED_LABEL_RE's), for a quick look first.
_LABEL_START_RE = re.compile(r"\s*(?:first|published|posted|updated|last|modified|edited|created)", re.IGNORECASE)
_UPDATED_CLASS_RE = re.compile(r"(?<![\w-])updated(?![\w-])")
_UPDATE_NOTE_RE = re.compile(rf"^update[ds]?\s*(?:\(|:|,|-|–|—)?\s*(?P<date>{PRINTED_DATE})", re.IGNORECASE)
# Class or id words of an element that prints a date: post-date, entry-date, dateline, timestamp, published.
_DATE_CLASS_RE = re.compile(r"date|time|publish|posted")
# A date with its month in words ('December 29, 2014', '29 Dec 2014'), not an ISO one (those are in attributes).
_WORDED_DATE_RE = re.compile(r"\b(?:\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\.?,?\s+\d{4}|[A-Z][a-z]+\.?\s+\d{1,2}"
                             r"(?:st|nd|rd|th)?,?\s+\d{4})\b")
_CLOCK_DATE_RE = re.compile(rf"(?:{PRINTED_DATE}),?\s*(?:at\s+)?\d{{1,2}}:\d{{2}}\s*(?:[ap]\.?m\.?)?(?![\d+-])",
                            re.IGNORECASE)

# The meta tags that declare a publication date, and a modification date, in the order the rules trust them.
_PUBLISHED_META = (
    "property:article:published_time", "name:article:published_time", "property:og:published_time",
    "property:article:published", "itemprop:datePublished", "name:parsely-pub-date", "name:sailthru.date",
    "name:dc.date.issued", "name:dcterms.issued", "name:dc.date", "name:dcterms.date", "name:dcterms.created",
    "name:pubdate", "name:publishdate", "name:publish-date", "name:publication_date", "name:date",
    "name:article_date_original", "name:original-publish-date", "name:displaydate", "name:dc.date.created",
    "name:pub_date", "name:publish_date", "name:date_published", "name:citation_publication_date",
    "name:citation_date", "name:originalpublicationdate", "name:article.published", "name:og:pubdate",
    "property:og:article:published_time", "name:cxenseparse:recs:publishtime", "name:dc.created",
    "name:prism.publicationdate", "itemprop:datecreated", "name:created", "name:datecreated", "name:published-date",
    "name:published_time", "name:pdate", "name:rnews:datepublished", "name:shareaholic:article_published_time")
_MODIFIED_META = (
    "property:article:modified_time", "name:article:modified_time", "property:og:updated_time",
    "property:article:modified", "itemprop:dateModified", "name:lastmod", "name:dcterms.modified",
    "name:dc.date.modified", "name:last-modified", "name:lastmodifieddate", "name:article_date_updated",
    "name:sailthru.lastmodified", "name:shareaholic:article_modified_time", "http-equiv:last-modified")


# -- the learned scorer (issue 13) ------------------------------------------------------------------------------
# Every day the page offers a date for (declared in JSON-LD, meta tags or microdata, printed in a <time> or a
# labelled line, found by the rules' readers of printed dates, carried in the URL, a UTC timestamp's neighbouring
# day, a timestamp's day in the page's local time) is a candidate for each field. Gradient-boosted trees over
# structural features of the day (which kinds of source give it, how many agree, printed or declared, where it
# stands among the page's days, the words its sources are named by) score each; they were fitted on the corpus's
# dev half only (`python -m bench.learn_dates --corpus bench/corpus --write`, which prints their cross-validated
# F1) and do not see the rules' choices. The rules' choice stands unless the scorer is sure of another day and
# doubts theirs (decide): their behaviour on the small pages of tests/test_extractors_real_web.py is kept, where
# the scorer, fitted on whole pages with many sources, is unsure. Without models/dates.json, the rules alone.

# Set by hand, not fitted: the dev pages cannot measure them (the rules were tuned on those pages, so overriding
# the rules there can only look wrong).
CONFIDENT = 0.5
DOUBTFUL = 0.25
# The kinds of source a day can come from: one feature each (1 when any source of that kind gives the day).
SOURCE_KINDS = (
    "ld_published", "ld_created", "ld_modified", "meta_published_property", "meta_published_name",
    "meta_published_itemprop", "meta_modified_property", "meta_modified_name", "meta_modified_itemprop",
    "microdata_published", "microdata_modified", "parsely", "time_published", "time_modified", "time_near",
    "time_far", "printed_published", "printed_modified", "printed_first_published", "printed_near",
    "printed_classed", "hatom_updated", "update_note", "url", "utc_evening_before",
    "utc_morning_after", "written_day")
_METADATA_KINDS = frozenset(k for k in SOURCE_KINDS if k.startswith(("ld_", "meta_", "microdata_", "parsely")))
_PRINTED_KINDS = frozenset(k for k in SOURCE_KINDS if k.startswith(("time_", "printed_", "hatom", "update")))
# The kinds that name the day a field's own (a publication's, a modification's); the others name a day only.
_FIELD_KINDS = {
    "published": frozenset({"ld_published", "ld_created", "meta_published_property", "meta_published_name",
                            "meta_published_itemprop", "microdata_published", "parsely", "time_published",
                            "printed_published", "printed_first_published"}),
    "modified": frozenset({"ld_modified", "meta_modified_property", "meta_modified_name", "meta_modified_itemprop",
                           "microdata_modified", "time_modified", "printed_modified", "hatom_updated",
                           "update_note"})}
_SHIFTED_KINDS = frozenset({"utc_evening_before", "utc_morning_after", "written_day"})
_PUBLISH_WORD_RE = re.compile(r"publish|posted|created|pubdate|issued")
_UPDATE_WORD_RE = re.compile(r"updat|modif|edited|lastmod")
_OFFSET_RE = re.compile(r"T(\d{2}):\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")
_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class DateMention:
    """One date a page offers: its day, its value in ISO 8601, the kind of source and where it was found."""

    day: str
    value: str
    kind: str
    where: str


@dataclass
class DayCandidate:
    """A day offered for a field, with the sources that give it and its features for the scorer."""

    day: str
    value: str
    features: dict[str, float]
    sources: list[str]


def day_features(field_name: str, day: str, kinds: set[str], days: list[str], *, rules: dict[str, str | None],
                 url_date: str | None, printed_days: int, words: tuple[int, int]) -> dict[str, float]:
    """The features of one candidate day for one field (the same for training and for extraction): `kinds`, the
    kinds of source that give it; `days`, every day the page offers, in order; `printed_days`, how many days the
    page prints; `words`, how many of its sources are named for a publication, and for an update."""
    features = {f"kind:{kind}": 1.0 for kind in kinds}
    own = kinds - _SHIFTED_KINDS
    features["sources"] = min(len(own), 6) / 3
    features["metadata_sources"] = min(len(own & _METADATA_KINDS), 4) / 2
    features["printed_sources"] = min(len(own & _PRINTED_KINDS), 4) / 2
    features["printed"] = float(bool(own & _PRINTED_KINDS))
    features["printed_elsewhere"] = float(not own & _PRINTED_KINDS and printed_days > 0)
    features["shifted_only"] = float(not own)
    other = "modified" if field_name == "published" else "published"
    features["field_sources"] = min(len(own & _FIELD_KINDS[field_name]), 4) / 2
    features["field_any"] = float(bool(own & _FIELD_KINDS[field_name]))
    features["other_field_sources"] = min(len(own & _FIELD_KINDS[other]), 4) / 2
    features["other_field_only"] = float(bool(own & _FIELD_KINDS[other]) and not own & _FIELD_KINDS[field_name])
    features["publish_words"] = min(words[0], 4) / 2
    features["update_words"] = min(words[1], 4) / 2
    features["earliest"] = float(day == days[0])
    features["latest"] = float(day == days[-1])
    features["only_day"] = float(len(days) == 1)
    features["url_disagrees"] = float(url_date is not None and url_date != day)
    features["rules_this"] = float((rules.get(field_name) or "")[:10] == day)
    features["rules_other"] = float((rules.get(other) or "")[:10] == day)
    published = (rules.get("published") or "")[:10]
    if field_name == "modified" and _DAY_RE.match(published):
        try:
            apart = (date.fromisoformat(day) - date.fromisoformat(published)).days
        except ValueError:
            apart = 0
        features["after_published"] = float(apart > 0)
        features["before_published"] = float(apart < 0)
        features["far_before_published"] = float(apart < -_MODIFIED_BEFORE_DAYS)
    return features


def decide(scored: list[tuple[float, DayCandidate]], rules_day: str | None,
           threshold: float) -> tuple[str, float, DayCandidate | None]:
    """Whose answer a field takes, with the scorer's best candidate and its probability: "rules" (their choice
    stands: the scorer agrees, or gives their day more than DOUBTFUL), "model" (its best day instead: it gives it
    at least CONFIDENT and its threshold, and the rules' day at most DOUBTFUL) or "none" (no date: every day
    scores below the threshold, the rules' at most DOUBTFUL)."""
    if not scored:
        return "rules", 0.0, None
    likely, best = max(scored, key=lambda pair: (pair[0], pair[1].features.get("rules_this", 0.0)))
    trust = next((p for p, candidate in scored if candidate.day == rules_day), 0.0)
    if best.day == rules_day or trust > DOUBTFUL:
        return "rules", likely, best
    if likely < threshold:
        return ("none" if rules_day is not None else "rules"), likely, best
    return ("model" if likely >= CONFIDENT else "rules"), likely, best


# The years a declared date of an article can be in: wide (a newspaper's archive declares its 1851 issues), fixed
# (the extractor is a function of the page, not of the day it runs), and clear of the calendar's ends, where
# templates put their placeholders.
_PLAUSIBLE_YEARS = range(1000, 2101)


@dataclass
class _Dated:
    """A date as found: its raw text and where it came from."""

    raw: str
    how: str


class Dates(PageBase):
    """The page's dates."""

    _rules_chosen: dict[str, str | None] | None = None
    _mentions: list[DateMention] | None = None
    _readings: dict[str, _Dated | None] | None = None
    _printed_lines: dict[str, _Dated] | None = None

    def date(self, field_name: str) -> str | None:
        """The publication date (or any other field's by the rules alone): the rules' choice, re-ranked with the
        page's other dates by the learned scorer."""
        if field_name != "published":
            return self._rules_date(field_name)
        rules = self.rules_dates()
        return self._learned("published", rules)

    def modified(self, published: str | None) -> str | None:
        """The last modification: the rules' choice re-ranked by the learned scorer (which compares days with the
        rules' publication), or none; never one long before the item's publication (_before_publication)."""
        rules = self.rules_dates()
        return self._before_publication(published, self._learned("modified", rules))

    def rules_dates(self) -> dict[str, str | None]:
        """The rules' publication and modification dates (once per page)."""
        if self._rules_chosen is None:
            published = self._rules_date("published")
            self._rules_chosen = {"published": published, "modified": self._rules_modified(published)}
        return self._rules_chosen

    def _learned(self, field_name: str, rules: dict[str, str | None]) -> str | None:
        chosen = rules[field_name]
        model = load_model("dates").get(field_name)
        if model is None or field_name in self.rules.selectors:
            return chosen  # no model, or the outlet's own selector: the rules' choice stands
        scored = [(probability(model, c.features), c) for c in self.day_candidates(field_name, rules)]
        chosen_day = (self.normalized(chosen) or "")[:10] if chosen is not None else None
        whose, likely, best = decide(scored, chosen_day, float(model["threshold"]))
        if best is None or whose == "rules":
            return chosen  # (with the rules' own note)
        doubt = next((f"{p:.2f}" for p, c in scored if c.day == chosen_day), "0")
        if whose == "none":
            self.note(field_name, f"none: learned scorer {likely:.2f} at best ({best.day}), below its threshold"
                                  f" {float(model['threshold']):.2f}; the rules' {chosen_day}: {doubt}")
            return None
        self.note(field_name, f"learned scorer {likely:.2f}: {best.day} from {', '.join(best.sources)}"
                              f" (the rules' {chosen_day or 'none'}: {doubt})")
        return best.value

    def day_candidates(self, field_name: str, rules: dict[str, str | None]) -> list[DayCandidate]:
        """Every day the page offers, with its features for `field_name`, in date order."""
        by_day: dict[str, list[DateMention]] = {}
        for mention in self.date_mentions():
            by_day.setdefault(mention.day, []).append(mention)
        for name in ("published", "modified"):
            value = self.normalized(rules.get(name) or "")
            if value and _DAY_RE.match(value):
                by_day.setdefault(value[:10], []).append(DateMention(value[:10], value, "rules", f"the rules' {name}"))
        # (a template's placeholder, '0001-01-01' or '9999-12-31', is no day of the article's: not offered)
        days = sorted(day for day in by_day if day[:4].isdigit() and int(day[:4]) in _PLAUSIBLE_YEARS)
        found = url_day(self.url)
        url_date = found.isoformat() if found is not None else None
        printed_days = sum(1 for day in days if any(m.kind in _PRINTED_KINDS for m in by_day[day]))
        candidates = []
        for day in days:
            mentions = by_day[day]
            kinds = {m.kind for m in mentions if m.kind != "rules"}
            own = [m.where.casefold() for m in mentions if m.kind not in _SHIFTED_KINDS and m.kind != "rules"]
            words = (sum(1 for w in own if _PUBLISH_WORD_RE.search(w)),
                     sum(1 for w in own if _UPDATE_WORD_RE.search(w)))
            # The value given: the first source that writes the day itself (a shifted one only names the day).
            value = next((m.value for m in mentions if m.value[:10] == day), day)
            features = day_features(field_name, day, kinds, days, rules=rules, url_date=url_date,
                                    printed_days=printed_days, words=words)
            candidates.append(DayCandidate(day, value, features, unique([m.where for m in mentions])))
        return candidates

    def date_mentions(self) -> list[DateMention]:
        """Every date the page offers, declared or printed, each read into ISO 8601 (once per page)."""
        if self._mentions is not None:
            return self._mentions
        found: list[tuple[str | None, str, str]] = []
        for key, kind in (("datePublished", "ld_published"), ("dateCreated", "ld_created"),
                          ("dateModified", "ld_modified")):
            found.append((_text_value(self.sd.jsonld_value(key)), kind, f"{self.ld}.{key}"))
        for keys, field_kind in ((_PUBLISHED_META, "published"), (_MODIFIED_META, "modified")):
            for key in keys:
                source = key.split(":", 1)[0]
                kind = f"meta_{field_kind}_{source if source in ('property', 'itemprop') else 'name'}"
                found.append((self.meta.get(key), kind, f"meta {key.split(':', 1)[1]}"))
        for key, kind in (("datePublished", "microdata_published"), ("dateModified", "microdata_modified")):
            found.append((_text_value(self.sd.microdata_value(key)), kind, f"microdata {key}"))
        pub_date = self.parsely().get("pub_date")
        found.append((pub_date if isinstance(pub_date, str) else None, "parsely", "meta parsely-page (pub_date)"))
        for element in self.root.iter("time"):
            if self.in_furniture(element):
                continue
            raw = element.get("datetime") or text_of(element)
            parent = element.getparent()
            around = text_of(parent) if parent is not None else ""
            words = " ".join((element.get("class") or "", element.get("itemprop") or "",
                              around if len(around) < 200 else "")).casefold()
            if re.search(r"updat|modif|edited", words):
                kind = "time_modified"
            elif re.search(r"publish|posted|created", words) or element.get("pubdate") is not None:
                kind = "time_published"
            else:
                kind = "time_near" if self._near_headline(element, before=60, after=300) else "time_far"
            found.append((raw, kind, f"visible: {describe(element)}" + ("[datetime]" if element.get("datetime")
                                                                           else "")))
        printed = ((kind, self._reading(kind)) for kind, _ in _PRINTED_READERS)
        for kind, dated in printed:
            if dated is not None:
                found.append((dated.raw, kind, dated.how))
        day = url_day(self.url)
        if day is not None:
            found.append((day.isoformat(), "url", "the URL's date"))
        mentions = []
        read: dict[str, str | None] = {}  # (one value is often declared three times: JSON-LD, meta, microdata)
        for raw, kind, where in found:
            if not raw or len(raw) > 80:
                continue
            if raw not in read:
                # read_date's own reading, when no outlet format comes first, without reading the value twice
                read[raw] = (None if self.rules.date_formats else self.normalized(raw)) \
                    or self.normalized(self.read_date(raw))
            value = read[raw]
            if value is None or not _DAY_RE.match(value):
                continue
            local = self._in_local_time(value)
            if local is not None and local[:10] != value[:10]:
                # The page prints its local time (_localize): the timestamp's day there is the day it names, the
                # day as written a neighbour offered as such.
                mentions.append(DateMention(local[:10], local, kind, f"{where} (in the page's local time)"))
                mentions.append(DateMention(value[:10], value, "written_day", f"{where} (its day as written)"))
                continue
            mentions.append(DateMention(value[:10], value, kind, where))
            shifted = self._shifted_day(value, where) if self.local_offset is None else None
            if shifted is not None:
                mentions.append(shifted)
        self._mentions = mentions
        return mentions

    def _reading(self, kind: str) -> _Dated | None:
        """What the reader of printed dates of that kind finds (_PRINTED_READERS), read once per page: the rules
        and the scorer both ask."""
        if self._readings is None:
            self._readings = {}
        if kind not in self._readings:
            self._readings[kind] = dict(_PRINTED_READERS)[kind](self)
        return self._readings[kind]

    def _in_local_time(self, value: str) -> str | None:
        """A declared timestamp in the page's local time, where the page prints one (_localize), else None."""
        if self.local_offset is None or _OFFSET_RE.search(value) is None:
            return None
        try:
            return date_parser.isoparse(value).astimezone(timezone(self.local_offset)).isoformat()
        except (ValueError, OverflowError):
            return None

    @staticmethod
    def _shifted_day(value: str, where: str) -> DateMention | None:
        """For a timestamp declared in UTC, the day before when it is early (a publisher in the Americas writing in
        its evening), the day after when late (one in Asia in its morning), offered as such. None for any other
        value, or one at the ends of the calendar (0001-01-01T00:00Z)."""
        offset = _OFFSET_RE.search(value)
        if offset is None or offset.group(2) not in ("Z", "+00:00", "+0000", "-00:00"):
            return None
        try:
            hour, the_day = int(offset.group(1)), date.fromisoformat(value[:10])
            if hour < 8:
                before = (the_day - timedelta(days=1)).isoformat()
                return DateMention(before, before, "utc_evening_before", f"{where} (its UTC day less one)")
            if hour >= 16:
                after = (the_day + timedelta(days=1)).isoformat()
                return DateMention(after, after, "utc_morning_after", f"{where} (its UTC day plus one)")
        except (ValueError, OverflowError):
            return None
        return None

    def _rules_date(self, field_name: str) -> str | None:
        """The date the hand-written rules choose: the field's, unless the learned scorer overrides it (decide)."""
        raw = self.selected_text(field_name)
        if raw is not None:
            return self.read_date(raw)
        found = self._date_raw(field_name)
        if field_name == "published" and found is not None and not found.how.startswith("visible"):
            # The page's own 'First published on …' line is what the reader is told: it wins over a declared
            # timestamp that names another day.
            printed = self._reading("printed_first_published")
            printed_day = self.normalized(self.read_date(printed.raw)) if printed is not None else None
            declared_day = self.normalized(self.read_date(found.raw))
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

    def _rules_modified(self, published: str | None) -> str | None:
        """The rules' last modification, unless it is no modification of the article (_before_publication)."""
        return self._before_publication(published, self._rules_date("modified"))

    def _before_publication(self, published: str | None, modified: str | None) -> str | None:
        """The modification, unless it comes more than _MODIFIED_BEFORE_DAYS days before the publication: a
        blog's metadata date on every post, not an update of this one (gq's 2014 post declaring 2012-12-03). A
        scheduled post's modification a little before its publication is kept as stated."""
        published_day, modified_day = (self.normalized(value or "") or "" for value in (published, modified))
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
        printed = self._reading("printed_near")
        return printed, (self.normalized(self.read_date(printed.raw) or "") if printed is not None else None)

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
        # (the page's whole text, concatenated in C, tells most pages hold no such words, without the XPath that
        # makes a string of each of its texts to ask: a text holding them makes the whole text hold them)
        whole = self.root.text_content()
        if "irst published" not in whole and "IRST PUBLISHED" not in whole:
            return None
        for node in _FIRST_PUBLISHED_TEXT(self.root):
            element = node.getparent()
            if element is None or _xpath(_OUTSIDE_ARTICLE)(element):
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
        meta_keys = _PUBLISHED_META if field_name == "published" else _MODIFIED_META
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
        `<abbr itemprop="datePublished" title="2020-12-07T23:01:00-06:00">`), which must not end the search, nor
        a template's placeholder at the ends of the calendar ('0001-01-01T00:00:00Z', '9999-12-31'): a year outside
        _PLAUSIBLE_YEARS names no article's day, and the search goes on."""
        if value is None or value == "":
            return False
        normalized = self.normalized(self.read_date(value))
        return normalized is not None and normalized[:4].isdigit() and int(normalized[:4]) in _PLAUSIBLE_YEARS

    def _visible_date(self, field_name: str) -> _Dated | None:
        wanted = ("publish", "posted", "created") if field_name == "published" else ("updat", "modif", "edited")
        times = self._visible_times()
        for element, raw, _label in times:
            own = " ".join((element.get("class") or "", element.get("itemprop") or "")).casefold()
            if any(w in own for w in wanted) or (element.get("pubdate") is not None and field_name == "published"):
                return _Dated(raw, f"visible: {describe(element)}[datetime]" if element.get("datetime")
                              else f"visible: {describe(element)}")
        printed = self._reading(f"printed_{field_name}")
        if printed is not None:
            return printed
        if field_name == "published":
            plain = [(e, raw) for e, raw, label in times
                     if not any(w in label for w in ("updat", "modif", "edited"))]
            if plain:
                element, raw = plain[0]
                return _Dated(raw, f"visible: {describe(element)}" + ("[datetime]" if element.get("datetime")
                                                                        else "") + " near the headline")
            classed = self._reading("printed_classed")
            if classed is not None:
                return classed
            numeric = self._numeric_near_headline()
            if numeric is not None:
                return numeric
            day = url_day(self.url)
            if day is not None:
                return _Dated(day.isoformat(), "the URL's date")
            printed_near = self._reading("printed_near")
            if printed_near is not None:
                return printed_near
            # A page whose only printed date is an 'Updated:' line: published by then, the one date it gives.
            updated = self._reading("printed_modified")
            if updated is not None:
                return _Dated(updated.raw, updated.how + " (the only date printed)")
            return None
        return self._reading("hatom_updated") or self._reading("update_note")

    def _hatom_updated(self) -> _Dated | None:
        """hAtom's `updated` (`<abbr class="published updated" title="2010-08-13T16:39:00-04:00">`, a hidden
        `<span class="updated">2018-10-21</span>`): the entry's modification date as the theme declares it."""
        for element in self.classed(_UPDATED_CLASS_RE):
            raw = element.get("title") or element.get("datetime") or text_of(element)
            if raw and len(raw) <= 40 and not self.in_furniture(element) and self.normalized(raw) is not None:
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
            day = self.normalized(match.group("date")) if match else None
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
            if found and self.normalized(found.group(0)) is not None:
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
            if not isinstance(element.tag, str) or element.tag in ("script", "style", "a", "option", "title"):
                continue
            for piece in (element.text, element.tail):
                text = collapse(piece)
                if not text or len(text) > 200 or re.search(r"updat|modif|edited", text, re.IGNORECASE):
                    continue
                found = _CLOCK_DATE_RE.search(text) or _WORDED_DATE_RE.search(text)
                # (its ancestors asked only of an element printing a date: asked of all, they were most of the time)
                if found and self.normalized(found.group(0)) is not None and not (
                        _xpath("ancestor::a")(element) or self.in_furniture(element) or in_caption(element)
                        or any("caption" in (a.get("class") or "") for a in (element, *element.iterancestors()))):
                    # (a photo's date in its caption, `<div class="media__caption">`, is not the article's)
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
        if self._printed_lines is None:
            self._printed_lines = self._read_printed_lines()
        return self._printed_lines.get(field_name)

    def _read_printed_lines(self) -> dict[str, _Dated]:
        """The first 'Published: …' line and the first 'Updated on …' line printed near the headline, in one pass."""
        h1 = self.headline()
        found: dict[str, _Dated] = {}
        if h1 is None:
            return found
        for element in self._around(h1):
            if not isinstance(element.tag, str) or element.tag in ("script", "style"):
                continue
            # (lxml makes a new string at each access of .text: which piece is which goes by position, not `is`.)
            for own_text, piece in ((True, element.text), (False, element.tail)):
                if not piece or not _LABEL_START_RE.match(piece):
                    continue  # (no label's first word: most texts, told by one quick match)
                match = _PRINTED_LABEL_RE.match(collapse(piece))
                label = match.group("label").casefold() if match else ""
                field_name = "published" if any(w in label for w in ("publish", "posted", "created")) else \
                    "modified" if any(w in label for w in ("updat", "modif", "edited")) else None
                if match is None or field_name is None or field_name in found:
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
                    found[field_name] = _Dated(when.group(0), f"visible: '{match.group('label')}' line in "
                                                              f"{describe(element)}")
                    if len(found) == 2:
                        return found
        return found

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
                    read = self.normalized(text)
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


# The rules' readers of printed dates whose findings are candidates too, each its kind of source (an all-numeric
# date by the headline is not among them: reading it costs a text walk of every element there, ~8 ms a page).
_PRINTED_READERS: tuple[tuple[str, Callable[[Dates], _Dated | None]], ...] = (
    ("printed_published", lambda page: page._printed_date("published")),
    ("printed_modified", lambda page: page._printed_date("modified")),
    ("printed_first_published", Dates._first_published),
    ("printed_near", Dates._first_date_near_headline),
    ("printed_classed", Dates._classed_date_near_headline),
    ("hatom_updated", Dates._hatom_updated),
    ("update_note", Dates._latest_update_note))
