"""The outlets.toml schema: typed outlets, strict fields, and every refusal one line naming file, outlet, field."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.exceptions import UsageError
from scrapy.settings import Settings

from crawler.extractors import EXTRACTORS
from crawler.outlets import OutletConfigError, Politeness, StartPoints, outlets_for_command, parse_outlets
from tests.crawl_runner import ROOT, scrapy_env

GOOD = """
[example]
name = "Example"
origin = "https://WWW.Example.com/"
article_pattern = '^/news/(?P<id>\\d+)$'
extractor = "generic"
[example.start]
feeds = ["/feed"]
[example.politeness]
user_agent = ""
"""


def refusal(text: str) -> str:
    with pytest.raises(OutletConfigError) as caught:
        parse_outlets(text, "t.toml", set(EXTRACTORS))
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_good_entry_is_typed() -> None:
    outlet = parse_outlets(GOOD, "t.toml", set(EXTRACTORS))["example"]
    assert outlet.key == "example"
    assert outlet.origin == "https://WWW.Example.com"
    assert outlet.domains == ("www.example.com",)  # the origin's host by default
    assert isinstance(outlet.article_pattern, re.Pattern)
    assert outlet.article_id("/news/12") == "12"
    assert outlet.is_article_path("/news/12")
    assert not outlet.is_article_path("/about")
    assert outlet.start == StartPoints(feeds=("/feed",))
    assert outlet.politeness == Politeness()  # an empty user_agent is the project's
    assert outlet.extract is not None
    assert outlet.extract.site_name == "Example"
    assert outlet.extract.article_id is outlet.article_pattern
    with pytest.raises(ValueError, match="frozen"):
        outlet.name = "Other"


@pytest.mark.parametrize(("change", "expected"), [
    (("feeds = [\"/feed\"]", "feeds = [\"/feed\"]\nlisting_max_pages = true"),
     "t.toml: outlet 'example': field 'start.listing_max_pages': expected an integer, got a boolean"),
    (('user_agent = ""', "download_delay = \"2\""),
     "t.toml: outlet 'example': field 'politeness.download_delay': expected a number, got str '2'"),
    (('user_agent = ""', "concurrency = 2.0"),
     "t.toml: outlet 'example': field 'politeness.concurrency': expected an integer, got float 2.0"),
    (('feeds = ["/feed"]', 'feeds = "/feed"'),
     "t.toml: outlet 'example': field 'start.feeds': expected a list, got str '/feed'"),
    (('feeds = ["/feed"]', 'feeds = ["/feed", 3]'),
     "t.toml: outlet 'example': field 'start.feeds': expected a string, got int 3"),
    (('name = "Example"', 'name = "Example"\nkey = "other"'),
     "t.toml: outlet 'example': field 'key': unknown field"),
    (('origin = "https://WWW.Example.com/"', 'origin = "https://example.com/news"'),
     "t.toml: outlet 'example': field 'origin': expected a scheme and host such as 'https://www.example.com', "
     "got 'https://example.com/news'"),
    (('name = "Example"', 'name = "Example"\ndomains = []'),
     "t.toml: outlet 'example': field 'domains': expected a non-empty list of host names, got ()"),
    (('[example.politeness]\nuser_agent = ""', "[example.extract.labels]\ntags = ['Tags']"),
     "t.toml: outlet 'example': field 'extract.labels.tags': expected one of regions, themes, in_depth_reports, "
     "got 'tags'"),
    (('[example.politeness]\nuser_agent = ""', "[example.extract.css]\ntitle = 'h1'\n[example.extract.xpath]\ntitle = '//h1'"),
     "t.toml: outlet 'example': field 'extract.xpath.title': has both a css and an xpath selector; keep one"),
    (('[example.politeness]\nuser_agent = ""', "[example.extract]\nboilerplate = ['(x']"),
     "t.toml: outlet 'example': field 'extract.boilerplate': '(x' is not a valid regular expression: "
     "missing ), unterminated subpattern at position 0"),
])
def test_refusals_are_one_line(change: tuple[str, str], expected: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    assert refusal(text) == expected


def test_every_problem_of_an_outlet_on_the_one_line() -> None:
    text = GOOD.replace('name = "Example"\n', "").replace('origin = "https://WWW.Example.com/"', "origin = 3")
    assert refusal(text) == ("t.toml: outlet 'example': field 'name': is required; "
                             "field 'origin': expected a string, got int 3")


def test_an_outlet_must_be_a_table() -> None:
    assert refusal("example = 3\n") == "t.toml: outlet 'example': expected a table, got int 3"


def test_a_command_gets_one_line_and_exit_status_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "outlets.toml"
    broken.write_text(GOOD.replace('user_agent = ""', "concurrency = true"), encoding="utf-8")
    expected = f"error: {broken}: outlet 'example': field 'politeness.concurrency': expected an integer, got a boolean"
    with pytest.raises(UsageError):
        outlets_for_command(Settings({"OUTLETS_FILE": str(broken)}))
    assert capsys.readouterr().err == expected + "\n"
    for command in ("outlets", "list"):
        done = subprocess.run([sys.executable, "-m", "scrapy", command, "-s", f"OUTLETS_FILE={broken}"], cwd=ROOT,
                              env=scrapy_env(), capture_output=True, text=True, timeout=120, check=False)
        assert done.stderr.strip() == expected, command
        assert done.returncode == (2 if command == "outlets" else 1)


def test_rules_are_typed_and_boilerplate_ignores_case() -> None:
    outlet = parse_outlets(GOOD + "[example.extract]\nboilerplate = ['^read more']\n[example.extract.xpath]\n"
                                  "body = '//article'\n", "t.toml", set(EXTRACTORS))["example"]
    assert outlet.extract is not None
    assert outlet.extract.boilerplate[0].match("Read More from Example")
    assert outlet.extract.selectors["body"].kind == "xpath"
