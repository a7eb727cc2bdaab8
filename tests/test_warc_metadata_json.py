"""A metadata record's item JSON (pipelines/warc/metadata_json.py): json.dumps(item, ensure_ascii=False)'s bytes,
whatever the item holds."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pipelines.warc.metadata_json import _parts, metadata_json

TRICKY = "quote \" backslash \\ slash / nl \n cr \r tab \t bs \b ff \f nul \0 us \x1f del \x7f ls \u2028 ps \u2029 " \
         "é 中文 emoji 🙂 nbsp \xa0 bom \ufeff"

ITEMS: dict[str, dict[str, Any]] = {
    "an article": {
        "url": "http://127.0.0.1/a?x=1&y=2", "title": TRICKY, "subtitle": None, "authors": [
            {"name": "A. Writer", "url": None}, {"name": "B", "url": "http://127.0.0.1/b"}],
        "regions": [], "themes": ["Law", TRICKY], "original_source": {"name": "GR", "published": None, "url": ""},
        "copyright": {}, "body": TRICKY * 200, "warc": {"filename": "c.warc.gz", "offset": 0, "length": 123456789,
                                                      "record_id": "<urn:uuid:1>"}, "warc_revisit": None,
        "flags": [True, False], "nested": [[], [[1, -2]], {"k": [{}]}],
    },
    "empty": {},
    "whole numbers at 64 bits": {"a": (1 << 63) - 1, "b": -(1 << 63), "c": (1 << 64) - 1, "d": 0},
    "numbers json writes otherwise": {"big": 1 << 64, "small": -(1 << 63) - 1, "float": 1e16, "half": 0.5,
                                     "nan": float("nan"), "inf": float("-inf")},
    "a tuple": {"t": (1, "x")},
    "keys not strings": {"a": {1: "one", None: "none", 2.5: "f"}},
    "a str subclass": {"s": type("Name", (str,), {})("x\ny")},
}


@pytest.mark.parametrize("name", list(ITEMS))
def test_the_bytes_are_jsons(name: str) -> None:
    item = ITEMS[name]
    assert metadata_json(item) == json.dumps(item, ensure_ascii=False).encode("utf-8")


def test_a_lone_surrogate_fails_as_it_did() -> None:
    """Text that is not Unicode cannot be written as UTF-8: the same error as json's, for that item alone."""
    with pytest.raises(UnicodeEncodeError):
        json.dumps({"t": "a\ud800b"}, ensure_ascii=False).encode("utf-8")
    with pytest.raises(UnicodeEncodeError):
        metadata_json({"t": "a\ud800b"})


def test_an_article_is_written_by_orjson_not_by_json() -> None:
    """Every value of an article item is one orjson writes as json does: none of it falls back to json."""
    item = ITEMS["an article"]
    assert b"".join(_parts(item, [])) == json.dumps(item, ensure_ascii=False).encode("utf-8")
