"""The outlet registry: `outlets.toml`, loaded and checked before any crawl starts."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml.cssselect import CSSSelector, SelectorError

from crawler.extractors.rules import SELECTOR_FIELDS, TERM_FIELDS, ExtractRules, Selector

__all__ = [
    "DEFAULT_OUTLETS_FILE",
    "Outlet",
    "OutletConfigError",
    "Politeness",
    "StartPoints",
    "load_outlets",
    "parse_outlets",
]

DEFAULT_OUTLETS_FILE = Path(__file__).with_name("outlets.toml")
"""Where the bundled file is in a source tree; inside a zipped egg (scrapyd) it is read as package data."""

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_CRON_FIELD_RE = re.compile(r"^[0-9*/,\-]+$")


class OutletConfigError(ValueError):
    """A bad entry in outlets.toml; the message names the file, the outlet and the field."""


@dataclass(frozen=True, kw_only=True)
class StartPoints:
    """Where discovery starts, as paths under the outlet's origin."""

    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    listing_pagination: str | None = None
    listing_max_pages: int = 1


@dataclass(frozen=True, kw_only=True)
class Politeness:
    """How hard the crawler may press on the outlet."""

    download_delay: float = 2.0
    concurrency: int = 2
    user_agent: str | None = None


@dataclass(frozen=True, kw_only=True)
class Outlet:
    """One entry of outlets.toml."""

    key: str
    name: str
    origin: str
    domains: tuple[str, ...]
    article_pattern: re.Pattern[str]
    extractor: str
    start: StartPoints
    politeness: Politeness
    language: str | None = None
    schedule: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    extract: ExtractRules | None = None
    """The `[<key>.extract]` rules, for an extractor that takes them (generic); None for a site profile."""

    def article_id(self, path: str) -> str | None:
        """The outlet's own id of an article path, or None when the path is not an article's."""
        match = self.article_pattern.match(path)
        if match is None:
            return None
        return match.groupdict().get("id") or ""

    def is_article_path(self, path: str) -> bool:
        return self.article_pattern.match(path) is not None


class _Checker:
    """Reads one outlet's table, turning every problem into an OutletConfigError naming the field."""

    def __init__(self, source: str, key: str, table: dict[str, Any]) -> None:
        self.source = source
        self.key = key
        self.table = table

    def fail(self, field_name: str, problem: str) -> OutletConfigError:
        return OutletConfigError(f"{self.source}: outlet {self.key!r}: field {field_name!r}: {problem}")

    def get(self, table: dict[str, Any], name: str, kind: type | tuple[type, ...], prefix: str = "",
            *, required: bool = False, default: Any = None) -> Any:
        full = f"{prefix}{name}"
        if name not in table:
            if required:
                raise self.fail(full, "is required")
            return default
        value = table[name]
        # bool is an int in Python: refuse `concurrency = true`.
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(full, f"expected {_kind_name(kind)}, got a boolean")
        if not isinstance(value, kind):
            raise self.fail(full, f"expected {_kind_name(kind)}, got {type(value).__name__} {value!r}")
        return value

    def paths(self, table: dict[str, Any], name: str, prefix: str) -> tuple[str, ...]:
        values = self.get(table, name, list, prefix, default=[])
        for value in values:
            if not isinstance(value, str) or not value.startswith("/"):
                raise self.fail(f"{prefix}{name}", f"expected paths starting with '/', got {value!r}")
        return tuple(values)

    def no_unknown(self, table: dict[str, Any], known: set[str], prefix: str = "") -> None:
        unknown = sorted(set(table) - known)
        if unknown:
            raise self.fail(f"{prefix}{unknown[0]}", f"unknown field (known: {', '.join(sorted(known))})")


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", int: "an integer", float: "a number", list: "a list", dict: "a table",
             bool: "a boolean"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


_TOP_FIELDS = {"name", "origin", "domains", "article_pattern", "extractor", "language", "schedule", "start",
               "politeness", "options", "extract"}
_EXTRACT_FIELDS = {"site_name", "css", "xpath", "labels", "drop", "boilerplate", "date_formats"}
_START_FIELDS = {"feeds", "sitemaps", "listings", "listing_pagination", "listing_max_pages"}
_POLITENESS_FIELDS = {"download_delay", "concurrency", "user_agent"}


def _parse_outlet(source: str, key: str, table: Any, known_extractors: set[str] | None) -> Outlet:
    if not _KEY_RE.match(key):
        raise OutletConfigError(
            f"{source}: outlet {key!r}: the key must be lowercase letters, digits and '_' (it names a spider)"
        )
    if not isinstance(table, dict):
        raise OutletConfigError(f"{source}: outlet {key!r}: expected a table, got {type(table).__name__}")
    check = _Checker(source, key, table)
    check.no_unknown(table, _TOP_FIELDS)

    name = check.get(table, "name", str, required=True)
    origin = check.get(table, "origin", str, required=True).rstrip("/")
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise check.fail("origin", f"expected a scheme and host such as 'https://www.example.com', got {origin!r}")
    domains = check.get(table, "domains", list, default=[parts.hostname])
    if not domains or not all(isinstance(d, str) and d and "/" not in d for d in domains):
        raise check.fail("domains", f"expected a non-empty list of host names, got {domains!r}")

    pattern_text = check.get(table, "article_pattern", str, required=True)
    try:
        pattern = re.compile(pattern_text)
    except re.error as exc:
        raise check.fail("article_pattern", f"not a valid regular expression: {exc}") from None

    extractor = check.get(table, "extractor", str, required=True)
    if known_extractors is not None and extractor not in known_extractors:
        raise check.fail("extractor", f"unknown extractor {extractor!r} (known: {', '.join(sorted(known_extractors))})")

    schedule = check.get(table, "schedule", str)
    if schedule is not None:
        fields = schedule.split()
        if len(fields) != 5 or not all(_CRON_FIELD_RE.match(f) for f in fields):
            raise check.fail("schedule", f"expected a five-field cron expression, got {schedule!r}")

    start_table = check.get(table, "start", dict, required=True)
    check.no_unknown(start_table, _START_FIELDS, "start.")
    pagination = check.get(start_table, "listing_pagination", str, "start.")
    if pagination is not None and ("{n}" not in pagination or not pagination.startswith("/")):
        raise check.fail("start.listing_pagination", f"expected a path holding '{{n}}', got {pagination!r}")
    max_pages = check.get(start_table, "listing_max_pages", int, "start.", default=1)
    if max_pages < 1:
        raise check.fail("start.listing_max_pages", f"expected 1 or more, got {max_pages}")
    start = StartPoints(
        feeds=check.paths(start_table, "feeds", "start."),
        sitemaps=check.paths(start_table, "sitemaps", "start."),
        listings=check.paths(start_table, "listings", "start."),
        listing_pagination=pagination,
        listing_max_pages=max_pages,
    )
    if not (start.feeds or start.sitemaps or start.listings):
        raise check.fail("start", "needs at least one of feeds, sitemaps or listings")

    polite_table = check.get(table, "politeness", dict, default={})
    check.no_unknown(polite_table, _POLITENESS_FIELDS, "politeness.")
    delay = float(check.get(polite_table, "download_delay", (int, float), "politeness.", default=2.0))
    if delay < 0:
        raise check.fail("politeness.download_delay", f"expected 0 or more seconds, got {delay}")
    concurrency = check.get(polite_table, "concurrency", int, "politeness.", default=2)
    if concurrency < 1:
        raise check.fail("politeness.concurrency", f"expected 1 or more, got {concurrency}")
    user_agent = check.get(polite_table, "user_agent", str, "politeness.") or None

    from crawler.extractors import CONFIGURABLE

    extract_table = check.get(table, "extract", dict)
    rules: ExtractRules | None = None
    if extractor in CONFIGURABLE:
        rules = _parse_rules(check, extract_table or {}, name, pattern)
    elif extract_table is not None:
        raise check.fail("extract", f"extractor {extractor!r} is a site profile and takes no rules "
                                    f"(rules work with: {', '.join(sorted(CONFIGURABLE))})")

    return Outlet(
        key=key,
        name=name,
        origin=origin,
        domains=tuple(domains),
        article_pattern=pattern,
        extractor=extractor,
        start=start,
        politeness=Politeness(download_delay=delay, concurrency=concurrency, user_agent=user_agent),
        language=check.get(table, "language", str),
        schedule=schedule,
        options=dict(check.get(table, "options", dict, default={})),
        extract=rules,
    )


def _strings(check: _Checker, table: dict[str, Any], name: str, prefix: str) -> tuple[str, ...]:
    values = check.get(table, name, list, prefix, default=[])
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise check.fail(f"{prefix}{name}", f"expected a list of non-empty strings, got {value!r}")
    return tuple(values)


def _parse_rules(check: _Checker, table: dict[str, Any], name: str, pattern: re.Pattern[str]) -> ExtractRules:
    """The `[<key>.extract]` table: selectors, label texts, boilerplate and date formats, each checked."""
    prefix = "extract."
    check.no_unknown(table, _EXTRACT_FIELDS, prefix)
    selectors: dict[str, Selector] = {}
    for kind in ("css", "xpath"):
        kind_table = check.get(table, kind, dict, prefix, default={})
        for field_name, expression in kind_table.items():
            full = f"{prefix}{kind}.{field_name}"
            if field_name not in SELECTOR_FIELDS:
                raise check.fail(full, f"unknown field (known: {', '.join(sorted(SELECTOR_FIELDS))})")
            if not isinstance(expression, str) or not expression.strip():
                raise check.fail(full, f"expected a {kind.upper()} expression, got {expression!r}")
            if field_name in selectors:
                raise check.fail(full, "has both a css and an xpath selector; keep one")
            _check_selector(check, full, kind, expression)
            selectors[field_name] = Selector(kind, expression)
    labels_table = check.get(table, "labels", dict, prefix, default={})
    labels: dict[str, tuple[str, ...]] = {}
    for field_name in labels_table:
        if field_name not in TERM_FIELDS:
            raise check.fail(f"{prefix}labels.{field_name}", f"unknown field (known: {', '.join(TERM_FIELDS)})")
        labels[field_name] = _strings(check, labels_table, field_name, f"{prefix}labels.")
    drop = _strings(check, table, "drop", prefix)
    for css in drop:
        _check_selector(check, f"{prefix}drop", "css", css)
    boilerplate = []
    for text in _strings(check, table, "boilerplate", prefix):
        try:
            boilerplate.append(re.compile(text, re.IGNORECASE))
        except re.error as exc:
            raise check.fail(f"{prefix}boilerplate", f"{text!r} is not a valid regular expression: {exc}") from None
    date_formats = _strings(check, table, "date_formats", prefix)
    for fmt in date_formats:
        if "%" not in fmt:
            raise check.fail(f"{prefix}date_formats", f"expected strptime formats such as '%d.%m.%Y', got {fmt!r}")
    return ExtractRules(
        site_name=check.get(table, "site_name", str, prefix) or name,
        article_id=pattern if "id" in pattern.groupindex else None,
        selectors=selectors,
        labels=labels,
        drop=drop,
        boilerplate=tuple(boilerplate),
        date_formats=date_formats,
    )


def _check_selector(check: _Checker, full: str, kind: str, expression: str) -> None:
    try:
        if kind == "xpath":
            etree.XPath(expression)
        else:
            CSSSelector(re.sub(r"::(attr\([\w:-]+\)|text)\s*$", "", expression))
    except (etree.XPathSyntaxError, SelectorError) as exc:
        raise check.fail(full, f"not a valid {kind.upper()} selector: {exc}") from None


def parse_outlets(text: str, source: str = "outlets.toml",
                  known_extractors: set[str] | None = None) -> dict[str, Outlet]:
    """Parse and check the text of an outlets file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OutletConfigError(f"{source}: not valid TOML: {exc}") from None
    if not data:
        raise OutletConfigError(f"{source}: no outlet is defined")
    return {key: _parse_outlet(source, key, table, known_extractors) for key, table in data.items()}


def load_outlets(path: str | Path | None = None) -> dict[str, Outlet]:
    """Load and check an outlets file (the bundled one by default)."""
    from crawler.extractors import EXTRACTORS

    file = Path(path) if path else DEFAULT_OUTLETS_FILE
    try:
        if path:
            text = file.read_text(encoding="utf-8")
        else:
            # Not Path(__file__): scrapyd imports the project from a zipped egg, where no such path exists.
            text = resources.files("crawler").joinpath("outlets.toml").read_text(encoding="utf-8")
    except OSError as exc:
        raise OutletConfigError(f"{file}: cannot read the outlets file: {exc.strerror}") from None
    return parse_outlets(text, str(file), set(EXTRACTORS))
