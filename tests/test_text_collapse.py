"""text.collapse (crawler/extractors/text.py): a text already collapsed is given back as it is, and every other
text collapsed as " ".join(text.split()) would."""

from __future__ import annotations

import sys

import pytest

from crawler.extractors.text import collapse


def test_no_printable_character_but_the_space_is_whitespace() -> None:
    """What the shortcut rests on, over all of Unicode: a printable string's only whitespace is ' '."""
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and c.isprintable()] == [" "]


@pytest.mark.parametrize("text", [
    "", "a", " ", "a b", "a  b", " a", "a ", "\ta", "a\nb", "a\u00a0b", "a\u2028b", "a\u3000b", "a\x1cb", "a\x85b",
    "soft\u00adhyphen", "zero\u200bwidth", "é 中文 🙂", "  many   spaces  ", "\n\n", "one\r\ntwo",
])
def test_the_same_as_split_and_join(text: str) -> None:
    assert collapse(text) == " ".join(text.split())


def test_none_is_empty() -> None:
    assert collapse(None) == ""


def test_a_collapsed_text_is_itself() -> None:
    text = "An article's paragraph, with words and no-break-free spaces."
    assert collapse(text) is text
