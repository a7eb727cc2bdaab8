"""The outlet registry: `outlets.toml`, loaded and checked before any crawl starts.

Each table is a strict, frozen pydantic model (no boolean for an integer, no string for a number, no unknown
field); every refusal is one line that names the file, the outlet and the field.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Self, TypeVar
from urllib.parse import urlsplit

from lxml import etree
from lxml.cssselect import CSSSelector, SelectorError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic.functional_validators import AfterValidator, BeforeValidator
from pydantic_core import ErrorDetails, InitErrorDetails
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings

from crawler.extractors.rules import SELECTOR_FIELDS, TERM_FIELDS, ExtractRules, Selector

__all__ = [
    "DEFAULT_OUTLETS_FILE",
    "Outlet",
    "OutletConfigError",
    "Politeness",
    "StartPoints",
    "load_outlets",
    "outlets_for_command",
    "parse_outlets",
]

DEFAULT_OUTLETS_FILE = Path(__file__).with_name("outlets.toml")
"""Where the bundled file is in a source tree; inside a zipped egg (scrapyd) it is read as package data."""

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_CRON_FIELD_RE = re.compile(r"^[0-9*/,\-]+$")
_T = TypeVar("_T")


class OutletConfigError(ValueError):
    """A bad entry in outlets.toml; the message names the file, the outlet and the field."""


def _must(test: Callable[[_T], object], expected: str) -> AfterValidator:
    """A check of a value that pydantic has typed already: `expected ..., got ...` when it fails."""
    def check(value: _T) -> _T:
        if not test(value):
            raise ValueError(f"expected {expected}, got {value!r}")
        return value
    return AfterValidator(check)


def _parsed(parse: Callable[[str], object], what: str) -> BeforeValidator:
    """A string parsed (a regex compiled, a selector tried), or the parser's complaint; pydantic types the result."""
    def check(value: object) -> object:
        try:
            return parse(value) if isinstance(value, str) else value
        except (re.error, etree.XPathSyntaxError, SelectorError) as exc:
            raise ValueError(f"{value!r} is not a valid {what}: {exc}") from None
    return BeforeValidator(check)


def _is_origin(origin: str) -> bool:
    url = urlsplit(origin)
    return url.scheme in ("http", "https") and bool(url.hostname) and not url.path


def _is_cron(schedule: str) -> bool:
    fields = schedule.split()
    return len(fields) == 5 and all(map(_CRON_FIELD_RE.match, fields))


# TOML arrays are lists, and strict mode takes only a tuple for a tuple: the array is lax, its items strict.
Items = Annotated[tuple[_T, ...], Field(strict=False)]
Text = Annotated[str, _must(str.strip, "a non-empty string")]
UrlPath = Annotated[str, _must(lambda path: path.startswith("/"), "a path starting with '/'")]
Origin = Annotated[str, AfterValidator(lambda origin: origin.rstrip("/")),
                   _must(_is_origin, "a scheme and host such as 'https://www.example.com'")]
Host = Annotated[str, _must(lambda host: host and "/" not in host, "a host name")]
Cron = Annotated[str, _must(_is_cron, "a five-field cron expression")]
Regex = Annotated[re.Pattern[str], _parsed(re.compile, "regular expression")]
# A selector is tried, and kept as its text (`and`: a compiled selector is true). Scrapy's ::text is no CSS.
Css = Annotated[str, _parsed(lambda css: CSSSelector(re.sub(r"::(attr\([\w:-]+\)|text)\s*$", "", css)) and css,
                             "CSS selector")]
XPath = Annotated[str, _parsed(lambda xpath: etree.XPath(xpath) and xpath, "XPath selector")]
SelectorField = Annotated[str, _must(SELECTOR_FIELDS.__contains__, f"one of {', '.join(sorted(SELECTOR_FIELDS))}")]
TermField = Annotated[str, _must(TERM_FIELDS.__contains__, f"one of {', '.join(TERM_FIELDS)}")]


class _Table(BaseModel):
    """A table of outlets.toml."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")


class StartPoints(_Table):
    """Where discovery starts, as paths under the outlet's origin."""

    feeds: Items[UrlPath] = ()
    sitemaps: Items[UrlPath] = ()
    listings: Items[UrlPath] = ()
    listing_pagination: Annotated[str, _must(lambda path: path.startswith("/") and "{n}" in path,
                                             "a path holding '{n}'")] | None = None
    listing_max_pages: Annotated[int, _must(lambda pages: pages >= 1, "1 or more")] = 1

    @model_validator(mode="after")
    def _somewhere_to_start(self) -> Self:
        if not (self.feeds or self.sitemaps or self.listings):
            raise ValueError("needs at least one of feeds, sitemaps or listings")
        return self


class Politeness(_Table):
    """How hard the crawler may press on the outlet."""

    download_delay: Annotated[float, _must(lambda delay: delay >= 0, "0 or more seconds")] = 2.0
    concurrency: Annotated[int, _must(lambda requests: requests >= 1, "1 or more")] = 2
    user_agent: Annotated[str | None, AfterValidator(lambda agent: agent or None)] = None
    """None (or empty in the file): the project's USER_AGENT."""


class _ExtractTable(_Table):
    """The `[<key>.extract]` table: selectors, label texts, boilerplate and date formats."""

    site_name: str | None = None
    css: dict[SelectorField, Css] = Field(default_factory=dict)
    xpath: dict[SelectorField, XPath] = Field(default_factory=dict)
    labels: dict[TermField, Items[Text]] = Field(default_factory=dict)
    drop: Items[Css] = ()
    boilerplate: Items[Annotated[re.Pattern[str], _parsed(lambda text: re.compile(text, re.IGNORECASE),
                                                          "regular expression")]] = ()
    date_formats: Items[Annotated[str, _must(lambda fmt: "%" in fmt, "strptime formats such as '%d.%m.%Y'")]] = ()

    @model_validator(mode="after")
    def _one_selector_a_field(self) -> Self:
        both = sorted(self.css.keys() & self.xpath.keys())
        if both:
            raise _error(("xpath", both[0]), self.xpath[both[0]], "has both a css and an xpath selector; keep one")
        return self

    def rules(self, name: str, pattern: re.Pattern[str]) -> ExtractRules:
        return ExtractRules(
            site_name=self.site_name or name,
            article_id=pattern if "id" in pattern.groupindex else None,
            selectors={field: Selector("css", css) for field, css in self.css.items()}
            | {field: Selector("xpath", xpath) for field, xpath in self.xpath.items()},
            labels=self.labels, drop=self.drop, boilerplate=self.boilerplate, date_formats=self.date_formats,
        )


class _OutletTable(_Table):
    """One outlet's table, everything but its key (the table's name)."""

    name: str
    origin: Origin
    # By default the origin's host (the factory is called only when the fields before it are good).
    domains: Annotated[Items[Host], _must(bool, "a non-empty list of host names")] = Field(
        default_factory=lambda fields: (str(urlsplit(fields["origin"]).hostname),))
    asset_hosts: Items[Host] = ()
    """Hosts other than the outlet's own whose stylesheets, scripts, images and fonts its pages need (CDNs, a
    static subdomain elsewhere): archived as page requisites, never crawled for articles."""
    article_pattern: Regex
    extractor: str
    start: StartPoints
    politeness: Politeness = Politeness()
    language: str | None = None
    schedule: Cron | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    extract: ExtractRules | None = Field(default=None, validate_default=True)
    """The `[<key>.extract]` rules, for an extractor that takes them (generic); None for a site profile."""

    @field_validator("extractor")
    @classmethod
    def _known_extractor(cls, extractor: str, info: ValidationInfo) -> str:
        known: set[str] | None = (info.context or {}).get("extractors")
        if known is not None and extractor not in known:
            raise ValueError(f"unknown extractor {extractor!r} (known: {', '.join(sorted(known))})")
        return extractor

    @field_validator("extract", mode="plain")
    @classmethod
    def _extract_rules(cls, table: object, info: ValidationInfo) -> ExtractRules | None:
        from crawler.extractors import CONFIGURABLE  # the extractors import this module

        if not {"name", "article_pattern", "extractor"} <= info.data.keys():
            return None  # one of them is refused already
        if info.data["extractor"] in CONFIGURABLE:
            checked = _ExtractTable.model_validate({} if table is None else table)
            return checked.rules(info.data["name"], info.data["article_pattern"])
        if table is not None:
            raise ValueError(f"extractor {info.data['extractor']!r} is a site profile and takes no rules "
                             f"(rules work with: {', '.join(sorted(CONFIGURABLE))})")
        return None


class Outlet(_OutletTable):
    """One entry of outlets.toml."""

    key: str

    def article_id(self, path: str) -> str | None:
        """The outlet's own id of an article path, or None when the path is not an article's."""
        match = self.article_pattern.match(path)
        if match is None:
            return None
        return match.groupdict().get("id") or ""

    def is_article_path(self, path: str) -> bool:
        return self.article_pattern.match(path) is not None


def _error(loc: tuple[str, ...], value: object, problem: str) -> ValidationError:
    """A refusal of the field at `loc`, from a check of the table that holds it."""
    detail = InitErrorDetails(type="value_error", loc=loc, input=value, ctx={"error": ValueError(problem)})
    return ValidationError.from_exception_data("outlets.toml", [detail])


_EXPECTED = {"string_type": "a string", "int_type": "an integer", "float_type": "a number", "tuple_type": "a list",
             "dict_type": "a table", "model_type": "a table", "pattern_type": "a regular expression"}
_PROBLEMS = {"missing": "is required", "extra_forbidden": "unknown field"}


def _describe(error: ErrorDetails) -> str:
    """One refusal in the file's words: `field 'start.feeds': expected a list, got str '/feed'`."""
    field = ".".join(part for part in error["loc"] if isinstance(part, str) and part != "[key]")  # no item indexes
    value, kind, context = error["input"], error["type"], error.get("ctx", {})
    got = "a boolean" if isinstance(value, bool) else f"{type(value).__name__} {value!r}"
    problem = (str(context["error"]) if "error" in context  # this module's own ValueErrors
               else _PROBLEMS[kind] if kind in _PROBLEMS
               else f"expected {_EXPECTED[kind]}, got {got}" if kind in _EXPECTED
               else f"{error['msg']}, got {got}")
    return f"field {field!r}: {problem}" if field else problem


def _parse_outlet(source: str, key: str, table: object, known_extractors: set[str] | None) -> Outlet:
    where = f"{source}: outlet {key!r}"
    if not _KEY_RE.match(key):
        raise OutletConfigError(f"{where}: the key must be lowercase letters, digits and '_' (it names a spider)")
    try:
        checked = _OutletTable.model_validate(table, context={"extractors": known_extractors})
    except ValidationError as exc:
        # (The default domains wait for a good origin: nothing to say about them while it is refused.)
        problems = [_describe(error) for error in exc.errors() if error["type"] != "default_factory_not_called"]
        raise OutletConfigError(f"{where}: {'; '.join(problems)}") from None
    return Outlet.model_construct(key=key, **dict(checked))  # checked just now


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


def outlets_for_command(settings: BaseSettings) -> dict[str, Outlet]:
    """The outlets of OUTLETS_FILE for a command: a broken file is a UsageError (one line, exit 2)."""
    try:
        return load_outlets(settings.get("OUTLETS_FILE") or None)
    except OutletConfigError as exc:
        # Written here: Scrapy prints a UsageError's message under a usage block, and one with no message (and
        # print_help=False) as nothing at all, before it exits with status 2.
        sys.stderr.write(f"error: {exc}\n")
        raise UsageError(print_help=False) from None
