"""The item batch line: orjson's bytes are json.dumps's, which the batches were written with before it."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from w3lib.encoding import html_to_unicode

from crawler.extractors.page import normalized_item
from crawler.outlets import load_outlets
from pipelines.items.item_writer import item_line
from pipelines.items.normalize import normalize_article

FIXTURES = Path(__file__).parent / "fixtures"


def json_line(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


@pytest.mark.parametrize("page", sorted(FIXTURES.glob("globalresearch/*.html")), ids=lambda p: p.stem)
def test_an_items_line_is_json_dumps_compact_utf8(page: Path) -> None:
    _, html = html_to_unicode(None, page.read_bytes())
    item = normalized_item(load_outlets()["globalresearch"], html,
                           "https://www.globalresearch.ca/x/5612345", normalize_article,
                           fetched_url="http://127.0.0.1:8800/x/5612345", fetched_at="2026-12-01T00:00:00+00:00",
                           crawl_id="c1", warc={"filename": "c1-00000.warc.gz", "offset": 123, "length": 4567,
                                                "record_id": "<urn:uuid:1>", "payload_digest": "sha1:AB"})
    data = asdict(item)
    assert item_line(data) == json_line(data)


def test_every_string_escape_is_jsons() -> None:
    strings = ["".join(map(chr, range(0x80))), "\u2028\u2029\x7f\x85\xa0\ufeff", "😀 é ß 中文 \U0010ffff",
               'a/b\\c"d</script>', ""]
    data = {"body": strings, "nested": [{"n": 0, "big": 2**63 - 1, "neg": -(2**63), "t": True, "f": False,
                                         "none": None}], "é": "key"}
    assert item_line(data) == json_line(data)


def test_a_string_that_is_not_unicode_text_fails_as_before() -> None:
    with pytest.raises(UnicodeEncodeError):
        json_line({"body": "\ud800"})
    with pytest.raises(TypeError):  # orjson.JSONEncodeError: the item's error, nothing written
        item_line({"body": "\ud800"})
