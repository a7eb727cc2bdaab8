"""Normalization: dates by their format, never guessed; text NFC and trimmed; names de-duplicated."""

from __future__ import annotations

import pytest

from pipelines.items.normalize import normalize_article, normalize_date


@pytest.mark.parametrize(("raw", "expected"), [
    ("2018-12-13T17:57:06+00:00", "2018-12-13T17:57:06+00:00"),
    ("2019-03-22T09:15:00-05:00", "2019-03-22T09:15:00-05:00"),
    ("2018-12-13", "2018-12-13"),
    ("December 14, 2016", "2016-12-14"),
    ("13 December 2016", "2016-12-13"),
    ("19 October 2018", "2018-10-19"),
    ("2016/12/13", "2016-12-13"),
    ("  Dec. 1, 2020 ", "2020-12-01"),
])
def test_unambiguous_dates(raw: str, expected: str) -> None:
    assert normalize_date(raw) == expected


@pytest.mark.parametrize("raw", ["03/04/2016", "3.4.2016", "04-03-16", "December 2016", "yesterday", "", None,
                                 "2016-13-45"])
def test_ambiguous_or_partial_dates_are_refused_not_guessed(raw: str | None) -> None:
    assert normalize_date(raw) is None


def test_a_format_decides_day_or_month_first() -> None:
    assert normalize_date("03/04/2016", ["%d/%m/%Y"]) == "2016-04-03"
    assert normalize_date("03/04/2016", ["%m/%d/%Y"]) == "2016-03-04"
    assert normalize_date("03/04/2016 14:05", ["%d/%m/%Y %H:%M"]) == "2016-04-03T14:05:00"


def test_text_is_nfc_trimmed_and_empty_becomes_null() -> None:
    item = normalize_article({"title": "  Cafe\u0301 society ", "subtitle": "   ", "summary": "",
                              "body": " first \n\n\n\n second \n\n"})
    assert item["title"] == "Café society"
    assert item["subtitle"] is None
    assert item["summary"] is None
    assert item["body"] == "first\n\nsecond"


def test_names_are_trimmed_deduplicated_and_keep_honorifics() -> None:
    item = normalize_article({"authors": [
        {"name": " Prof. Michel Chossudovsky ", "url": "https://x/author/m"},
        {"name": "Prof. Michel Chossudovsky", "url": None},
        {"name": "", "url": "https://x/author/empty"},
        {"name": "Dr. Jane Doe", "url": ""},
    ]})
    assert item["authors"] == [{"name": "Prof. Michel Chossudovsky", "url": "https://x/author/m"},
                               {"name": "Dr. Jane Doe", "url": None}]


def test_terms_keep_commas_inside_names() -> None:
    item = normalize_article({"themes": [{"name": "Oil, Gas and Pipelines", "slug": "oil-gas", "url": "u"}]})
    assert item["themes"] == [{"name": "Oil, Gas and Pipelines", "slug": "oil-gas", "url": "u"}]


def test_original_source_and_copyright() -> None:
    item = normalize_article({
        "original_source": {"name": " Sputnik ", "url": None, "published": "13 December 2016"},
        "copyright": {"line": "Copyright © Sputnik, Sputnik, 2016", "holders": ["Sputnik", "Sputnik"], "year": 2016},
    })
    assert item["original_source"] == {"name": "Sputnik", "url": None, "published": "2016-12-13"}
    assert item["copyright"] == {"line": "Copyright © Sputnik, Sputnik, 2016", "holders": ["Sputnik"], "year": 2016}
    assert normalize_article({"original_source": {"name": "", "url": "", "published": ""}})["original_source"] is None


def test_the_pipeline_normalizes_the_item_and_changes_nothing_it_was_given_in_place() -> None:
    """NormalizePipeline hands normalize_article a shallow copy of the item: every nested value it normalizes must
    be built anew, or the item's own lists and dicts (shared with the response's meta) would change under it."""
    from copy import deepcopy

    from crawler.items import ArticleItem
    from pipelines.items.normalize import NormalizePipeline
    from tests.crawl_runner import project_crawler

    warc = {"filename": "a.warc.gz", "offset": 0, "length": 10, "record_id": "<urn:uuid:1>", "payload_digest": "d"}
    authors = [{"name": " Jane  Doe ", "url": ""}, {"name": "Jane  Doe", "url": None}]
    themes = [{"name": " Oil ", "slug": "oil", "url": " u "}]
    source = {"name": " Sputnik ", "url": "", "published": "13 December 2016"}
    rights = {"line": " Copyright © Sputnik, 2016 ", "holders": [" Sputnik ", "Sputnik"], "year": 2016}
    item = ArticleItem(url=" https://x/a ", outlet="x", title=" Cafe\u0301 ", body=" a \n\n\n b ", authors=authors,
                       themes=themes, original_source=source, copyright=rights, published="13 December 2016",
                       warc=warc)  # type: ignore[arg-type]
    given = deepcopy((authors, themes, source, rights, warc))
    pipeline = NormalizePipeline.from_crawler(project_crawler())
    assert pipeline.process_item(item) is item
    assert (authors, themes, source, rights, warc) == given  # the values handed in, untouched
    assert item.url == "https://x/a" and item.title == "Café" and item.body == "a\n\nb"
    assert item.authors == [{"name": "Jane  Doe", "url": None}]
    assert item.themes == [{"name": "Oil", "slug": "oil", "url": "u"}]
    assert item.original_source == {"name": "Sputnik", "url": None, "published": "2016-12-13"}
    assert item.copyright == {"line": "Copyright © Sputnik, 2016", "holders": ["Sputnik"], "year": 2016}
    assert item.published == "2016-12-13" and item.warc == warc
