"""A page declaring English (a template's default) whose text is in another language gets its text's language
(crawler/extractors/page.py, crawler/extractors/language.py), and a page in English keeps what it declares without
the language model asked. Hand-written pages."""

from __future__ import annotations

import pytest

from crawler.extractors import page
from crawler.extractors.language import reads_as_english
from crawler.extractors.page import normalized_item
from pipelines.items.normalize import normalize_article

URL = "https://habari.example/2024/06/12/watu-18-wanaswa/"
SWAHILI = ("Jeshi la polisi mkoani humo limewakamata watu kumi na nane wanaotuhumiwa kujihusisha na vitendo vya "
           "uhalifu katika maeneo mbalimbali ya mji huo. Kamanda wa polisi wa mkoa amesema watuhumiwa hao "
           "walikamatwa baada ya msako uliofanyika kwa siku tatu mfululizo kufuatia taarifa za wananchi. Amesema "
           "upelelezi unaendelea na watafikishwa mahakamani mara baada ya kukamilika kwa upelelezi huo. Wananchi "
           "wametakiwa kuendelea kutoa taarifa kwa vyombo vya usalama ili kudhibiti vitendo vya uhalifu.")
ENGLISH = ("The city council met on Thursday to discuss the proposal, which would add a new bus line to the north "
           "side of the town. Residents who spoke at the meeting asked for more time to study the plan and its "
           "effects on traffic, and the council agreed to hold a second hearing next month. The mayor said that "
           "the line was part of a wider effort to cut the number of cars in the centre of the town.")


def _page(lang: str, text: str) -> str:
    return (f'<html lang="{lang}"><head><title>Watu 18 wanaswa</title></head><body><article><h1>Watu 18 wanaswa</h1>'
            + "".join(f"<p>{sentence}.</p>" for sentence in text.split(". ")) + "</article></body></html>")


def test_english_declared_over_a_text_in_another_language_gives_the_texts_language() -> None:
    evidence: dict[str, str] = {}
    found = normalized_item("generic", _page("en-US", SWAHILI), URL, normalize_article, evidence=evidence)
    assert found.language == "sw"
    assert evidence["language"].startswith("the body's text (py3langid): the page declares 'en-US'")


def test_english_declared_over_english_and_other_declarations_stand() -> None:
    assert normalized_item("generic", _page("en-US", ENGLISH), URL, normalize_article).language == "en-US"
    # only English, a template's default, is second-guessed: a page declaring its own language keeps it
    assert normalized_item("generic", _page("de", SWAHILI), URL, normalize_article).language == "de"


def test_english_is_told_by_its_commonest_words() -> None:
    assert reads_as_english(ENGLISH) is True
    assert reads_as_english(SWAHILI) is False
    assert reads_as_english("Too short to tell.") is None


def test_a_page_in_english_declaring_english_asks_no_language_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every page declaring English is checked: the check counts words, the model is asked only when they say
    the text is not English."""
    def no_model(text: str | None) -> str | None:
        raise AssertionError("the language model was asked")

    monkeypatch.setattr(page, "text_language", no_model)
    assert normalized_item("generic", _page("en", ENGLISH), URL, normalize_article).language == "en"
