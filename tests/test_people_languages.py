"""crawler/extractors/people.py: names split and 'By' read in other languages than English (hand-written bylines)."""

from __future__ import annotations

import pytest

from crawler.extractors.people import BYLINE_LEAD_RE, split_names


@pytest.mark.parametrize(("byline", "names"), [
    ("Le Figaro et AFP", ["Le Figaro", "AFP"]),
    ("Trine Juncher Jørgensen og Tôrtia Reimer-Johansen", ["Trine Juncher Jørgensen", "Tôrtia Reimer-Johansen"]),
    ("Von Anna Schmidt und Max Muster", ["Anna Schmidt", "Max Muster"]),
    ("Ana López y Juan Pérez", ["Ana López", "Juan Pérez"]),
    ("Di Mario Rossi e Luca Bianchi", ["Mario Rossi", "Luca Bianchi"]),
    ("Door Jan de Vries en Piet Peters", ["Jan de Vries", "Piet Peters"]),
    ("Иван Петров и Анна Смирнова", ["Иван Петров", "Анна Смирнова"]),
    # English as before
    ("By Ann Smith, Bob Jones and Cy", ["Ann Smith", "Bob Jones", "Cy"]),
    ("Johnson & Johnson", ["Johnson", "Johnson"]),
])
def test_names_split_at_and_in_other_languages(byline: str, names: list[str]) -> None:
    assert split_names(byline) == names


def test_a_conjunction_before_a_lower_case_word_or_et_al_splits_nothing() -> None:
    assert split_names("Smith et al.") == ["Smith et al."]
    assert split_names("Anna Schmidt und ihr Team") == ["Anna Schmidt und ihr Team"]


@pytest.mark.parametrize("line", ["Par Jean Dupont", "Von Anna Schmidt", "Por Ana López", "Av Kari Nordmann",
                                  "Door Jan de Vries", "Oleh Naufal Zuhdi", "Przez Jan Kowalski", "By Ann Smith"])
def test_by_in_other_languages_leads_a_byline(line: str) -> None:
    assert BYLINE_LEAD_RE.match(line)


@pytest.mark.parametrize("line", ["par for the course", "Door prizes for all", "Di solito si parte", "by"])
def test_the_same_words_before_no_name_lead_no_byline(line: str) -> None:
    assert not BYLINE_LEAD_RE.match(line)
