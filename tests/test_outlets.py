"""The outlet registry: every bad entry is refused with the file, the outlet and the field named."""

from __future__ import annotations

import pytest

from crawler.extractors import EXTRACTORS
from crawler.outlets import OutletConfigError, load_outlets, parse_outlets

GOOD = """
[example]
name = "Example"
origin = "https://www.example.com"
article_pattern = '^/news/(?P<id>\\d+)$'
extractor = "globalresearch"
schedule = "5 * * * *"
[example.start]
feeds = ["/feed"]
"""


def test_the_bundled_outlets_load() -> None:
    outlets = load_outlets()
    gr = outlets["globalresearch"]
    assert gr.start.feeds == ("/feed",)
    assert gr.start.sitemaps == ("/sitemap.xml",)
    assert gr.article_id("/some-slug/5564321") == "5564321"
    assert gr.article_id("/theme/media-disinformation") is None
    assert gr.article_id("/latest-news-and-top-stories/page/2/") is None


def test_a_good_entry() -> None:
    outlet = parse_outlets(GOOD, "t.toml", set(EXTRACTORS))["example"]
    assert outlet.domains == ("www.example.com",)
    assert outlet.politeness.download_delay == 2.0


@pytest.mark.parametrize(("change", "field"), [
    (('origin = "https://www.example.com"', 'origin = "ftp://x"'), "origin"),
    (('origin = "https://www.example.com"', "origin = 3"), "origin"),
    (("article_pattern = '^/news/(?P<id>\\d+)$'", "article_pattern = '^(/news'"), "article_pattern"),
    (('extractor = "globalresearch"', 'extractor = "nope"'), "extractor"),
    (('schedule = "5 * * * *"', 'schedule = "every hour"'), "schedule"),
    (('feeds = ["/feed"]', 'feeds = ["feed"]'), "start.feeds"),
    (('feeds = ["/feed"]', 'feedz = ["/feed"]'), "start.feedz"),
    (('name = "Example"', 'name = "Example"\ncolour = "red"'), "colour"),
    (('name = "Example"\n', ""), "name"),
    (('feeds = ["/feed"]', 'feeds = ["/feed"]\nlisting_max_pages = 0'), "start.listing_max_pages"),
    (('schedule = "5 * * * *"', 'schedule = "5 * * * *"\n[example.politeness]\nconcurrency = true'),
     "politeness.concurrency"),
])
def test_bad_entries_name_outlet_and_field(change: tuple[str, str], field: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(OutletConfigError) as caught:
        parse_outlets(text, "t.toml", set(EXTRACTORS))
    message = str(caught.value)
    assert message.startswith("t.toml: outlet 'example': field ")
    assert f"field {field!r}" in message


def test_bad_key_and_bad_toml() -> None:
    with pytest.raises(OutletConfigError, match="outlet 'Bad-Key'"):
        parse_outlets(GOOD.replace("[example]", '["Bad-Key"]').replace("[example.start]", '["Bad-Key".start]'))
    with pytest.raises(OutletConfigError, match="not valid TOML"):
        parse_outlets("[x\n")
    with pytest.raises(OutletConfigError, match="cannot read"):
        load_outlets("/nonexistent/outlets.toml")
