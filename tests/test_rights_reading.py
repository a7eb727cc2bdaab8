"""crawler/extractors/rights.py: a copyright line's statement and holders, where the printed line runs words
together or prints the holder's name before the mark (hand-written lines, as pages print them)."""

from __future__ import annotations

from crawler.extractors.rights import copyright_statement, read_copyright


def test_a_copyright_word_glued_to_the_text_before_it_stays_the_marks() -> None:
    # two elements' texts run together: no word boundary before 'Copyright', which is still the mark's word
    assert copyright_statement("Send your feedback to: web@news.example.inCopyright© 2016, The Hindu") == \
        "Copyright© 2016, The Hindu"
    assert copyright_statement("Contact usCopyright © 2016 News Example") == "Copyright © 2016 News Example"
    assert copyright_statement("Send your feedback to: web@news.example.in © 2016, The Hindu") == "© 2016, The Hindu"


def test_a_bracket_in_the_holders_name_stays_and_a_list_of_its_sites_goes() -> None:
    assert read_copyright("Copyright © 2017 The Indian Express [P] Ltd. All Rights Reserved")["holders"] == \
        ["The Indian Express [P] Ltd."]
    assert read_copyright("© 2014 Alabama Live LLC [al.com, gulflive.com]. All rights reserved.")["holders"] == \
        ["Alabama Live LLC"]


def test_the_holder_before_the_mark_is_the_phrase_right_before_it() -> None:
    # the site's name and a bar before the holder's phrase: the holder is the phrase next to the mark
    assert read_copyright("Wetpaint Entertainment | wetpaint.com, inc. © 2012. All rights reserved.")["holders"] == \
        ["wetpaint.com, inc."]
    assert read_copyright("Daily Maverick © All rights reserved")["holders"] == ["Daily Maverick"]
    assert read_copyright("Digital Music News ©2016")["holders"] == ["Digital Music News"]


def test_all_rights_reserved_in_other_languages_ends_the_statement_and_is_no_holder() -> None:
    # the holder printed after the rights sentence, in Swahili: the sentence is no holder's name
    assert read_copyright("© 2024, Haki Zote Zimehifadhiwa | Kampuni ya Magazeti ya Serikali")["holders"] == \
        ["Kampuni ya Magazeti ya Serikali"]
    assert copyright_statement("© 2020 Beispiel Verlag AG. Alle Rechte vorbehalten. Impressum Datenschutz") == \
        "© 2020 Beispiel Verlag AG. Alle Rechte vorbehalten."
    assert read_copyright("© 2021 Exemple SA. Tous droits réservés")["holders"] == ["Exemple SA"]
    assert read_copyright("© 2019 新闻网 版权所有")["holders"] == ["新闻网"]
    # a singular 'Right' is the same sentence
    assert read_copyright("© 2018 News Example. All Right Reserved.")["holders"] == ["News Example"]


def test_legal_forms_of_other_countries_stay_with_the_companys_name() -> None:
    assert read_copyright("© DIARIO EJEMPLO, S.L. Todos los derechos reservados")["holders"] == \
        ["DIARIO EJEMPLO, S.L."]
    assert read_copyright("© 2022 Gruppo Esempio S.p.A. Tutti i diritti riservati")["holders"] == \
        ["Gruppo Esempio S.p.A."]
    assert read_copyright("© 2023 Avis Eksempel, A/S")["holders"] == ["Avis Eksempel, A/S"]


def test_a_year_range_ending_in_two_digits_is_no_part_of_the_holder() -> None:
    assert read_copyright("Copyright © 2023-24 Example Corp ltd., All Rights Reserved")["holders"] == \
        ["Example Corp ltd."]
