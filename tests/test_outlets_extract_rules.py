"""The `[<key>.extract]` table of outlets.toml: every mistake is refused with the outlet and the field named."""

from __future__ import annotations

import pytest

from crawler.extractors import EXTRACTORS, extractor_for
from crawler.outlets import OutletConfigError, parse_outlets

BASE = """
[demo]
name = "Demo"
origin = "https://demo.example"
article_pattern = '^/a/(?P<id>\\d+)$'
extractor = "{extractor}"
[demo.start]
feeds = ["/feed"]
"""


def parse(extra: str, extractor: str = "generic") -> dict:
    return parse_outlets(BASE.format(extractor=extractor) + extra, "t.toml", set(EXTRACTORS))


@pytest.mark.parametrize(("extra", "field"), [
    ("[demo.extract]\nselectors = {}\n", "extract.selectors"),
    ("[demo.extract.css]\nheadline = 'h1'\n", "extract.css.headline"),
    ("[demo.extract.css]\ntitle = 'h1[['\n", "extract.css.title"),
    ("[demo.extract.xpath]\ntitle = '//h1['\n", "extract.xpath.title"),
    ("[demo.extract.css]\ntitle = 'h1'\n[demo.extract.xpath]\ntitle = '//h1'\n", "extract.xpath.title"),
    ("[demo.extract.labels]\ntags = ['Tags']\n", "extract.labels.tags"),
    ("[demo.extract]\nboilerplate = ['(unclosed']\n", "extract.boilerplate"),
    ("[demo.extract]\ndate_formats = ['day month year']\n", "extract.date_formats"),
    ("[demo.extract]\ndrop = ['..bad']\n", "extract.drop"),
])
def test_bad_rules_name_the_outlet_and_the_field(extra: str, field: str) -> None:
    with pytest.raises(OutletConfigError) as error:
        parse(extra)
    assert "outlet 'demo'" in str(error.value)
    assert f"field {field!r}" in str(error.value)


def test_a_site_profile_takes_no_rules() -> None:
    with pytest.raises(OutletConfigError, match="site profile"):
        parse("[demo.extract]\nboilerplate = ['^x']\n", extractor="globalresearch")


def test_rules_reach_the_extractor() -> None:
    outlet = parse("""
[demo.extract]
date_formats = ["%d.%m.%Y"]
[demo.extract.css]
title = "h2.head"
published = "span.when"
""")["demo"]
    assert outlet.extract is not None
    assert outlet.extract.site_name == "Demo"
    html = "<html><head><title>Other - Demo</title></head><body><h2 class=head>The headline</h2>" \
           "<span class=when>03.04.2023</span><p>Text.</p></body></html>"
    raw = extractor_for(outlet.extractor, outlet.extract)(html, "https://demo.example/a/77")
    assert raw["title"] == "The headline"
    assert raw["published"] == "2023-04-03"
    assert raw["article_id"] == "77"
    assert raw["original_source"] == {"name": "Demo", "url": None, "published": "2023-04-03"}


def test_generic_without_rules_never_fails_on_broken_pages() -> None:
    extract = EXTRACTORS["generic"]
    for html in ("", "\x00\x00", "<html><body><p>unclosed", "<?xml version='1.0' encoding='utf-8'?><html/>",
                 '<script type="application/ld+json">{not json</script><p>x</p>'):
        raw = extract(html, "https://demo.example/a/1")
        assert raw["extractor"] == "generic/1"
