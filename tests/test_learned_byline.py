"""The byline's learned scorer (crawler/extractors/generic/byline_candidates.py, models/byline.json): its weights load from
the package and score, it overrules the hand-written rules only where it finds their choice unlikely and another
candidate likely, and it says so in the evidence. Small hand-written pages, never corpus pages."""

from __future__ import annotations

from typing import Any

from crawler.extractors.generic import GenericExtractor, extract
from crawler.extractors.generic.byline_candidates import BYLINE_CONFIDENT, BylineCandidate, choose_byline
from crawler.extractors.generic.page import Page
from crawler.extractors.generic.scorers import load_model, probability
from crawler.extractors.structured import read_structured_tree
from crawler.extractors.text import parse_html
from pipelines.items.normalize import normalize_article

URL = "https://news.example/2019/01/31/a-story/"
JO_PARK = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
           '"headline": "A story", "author": {"@type": "Person", "name": "Jo Park"}}</script>')


def page(head: str = "", body: str = "") -> str:
    return (f'<html lang="en"><head><title>A story | News Example</title>'
            f'<meta property="og:site_name" content="News Example">{head}</head><body>'
            f'<header><a href="/">News Example</a></header><main><article>{body}'
            "<p>The council met on Thursday and voted on the plan after a long debate about its cost.</p>"
            "<p>Residents who spoke at the meeting asked for more time to study the proposal and its effects.</p>"
            "</article></main></body></html>")


def read(html: str) -> tuple[dict[str, Any], dict[str, str]]:
    evidence: dict[str, str] = {}
    return normalize_article(extract(html, URL, evidence)), evidence


def scored(html: str) -> list[tuple[str | None, set[str], float]]:
    """Each candidate's credit line (None: no credit), how it was found, and its score."""
    root = parse_html(html)
    reader = Page(GenericExtractor(), root, read_structured_tree(root, URL), URL, None)
    candidates = reader.byline_candidates()
    rows = reader.byline_features(candidates)
    return [(c.line if c.element is not None else None, c.kinds, probability(load_model("byline"), row))
            for c, row in zip(candidates, rows, strict=True)]


def test_the_weights_load_from_the_package_and_score_a_byline_above_no_credit() -> None:
    model = load_model("byline")
    assert isinstance(model["bias"], float) and len(model["weights"]) >= 20
    assert model["trained_on"]["rules_feature"] is False  # (the rules' choice is no feature: see bench/learn_byline)
    found = scored(page(JO_PARK, '<h1>A story</h1><p class="byline">By <a href="/author/jo-park/">Jo Park</a></p>'))
    by_line = {line: score for line, _, score in found}
    assert by_line["By Jo Park"] > 0.9 > BYLINE_CONFIDENT > by_line[None]
    # a credit naming nobody the page declares, a © mark in it: unlikely
    assert probability(model, {"found: marked": 1.0, "a © mark": 1.0, "names no declared author": 1.0}) < 0.1


def test_the_scorer_overrules_a_classed_element_naming_no_one_for_the_by_line_after_it() -> None:
    # The rules take the first element classed for an author ('Staff' in an author box); the scorer, the 'By …'
    # line naming the declared author.
    html = page(JO_PARK, '<h1>A story</h1><div class="author-box"><span class="author-name">Staff</span></div>'
                         "<p>By Jo Park</p>")
    found = {line: (kinds, score) for line, kinds, score in scored(html)}
    assert "rules" in found["Staff"][0] and found["Staff"][1] < BYLINE_CONFIDENT <= found["By Jo Park"][1]
    item, evidence = read(html)
    assert item["byline"] == "By Jo Park" and [a["name"] for a in item["authors"]] == ["Jo Park"]
    assert evidence["byline"].startswith("learned scorer 0.") and "p, 3 elements after h1" in evidence["byline"]
    assert "the rules' choice scores 0.0" in evidence["byline"]


def test_the_outlets_name_in_a_byline_class_gives_way_to_a_credit_naming_the_declared_author() -> None:
    body = ('<h1>A story</h1><div class="byline">News Example</div>'
            '<p class="credit">By <a href="/author/jo-park/">Jo Park</a></p>')
    item, evidence = read(page(JO_PARK, body))
    assert item["byline"] == "By Jo Park" and "learned scorer" in evidence["byline"]
    assert item["authors"] == [{"name": "Jo Park", "url": "https://news.example/author/jo-park/"}]
    # With no author declared, nothing contradicts the outlet's credit: the scorer finds it likely and the rules'
    # choice stands (outlets do credit themselves: 'By Associated Press').
    item, evidence = read(page(body=body))
    assert item["byline"] == "News Example" and evidence["byline"] == "visible: div.byline (after h1)"


def test_where_the_scorer_agrees_with_the_rules_the_evidence_is_the_rules() -> None:
    item, evidence = read(page(JO_PARK, '<h1>A story</h1><p>By: <a href="/author/jo-park/">Jo Park</a></p>'))
    assert item["byline"] == "By: Jo Park" and evidence["byline"] == "visible: p (after h1)"


def test_the_rules_choice_stands_unless_the_scorer_finds_it_unlikely_and_another_likely() -> None:
    candidates = [BylineCandidate(None, "Ann Smith", {"rules"}), BylineCandidate(None, "By Ann Smith", {"by"}),
                  BylineCandidate(None, "", {"none"})]
    assert choose_byline(candidates, [0.6, 0.9, 0.1]) == 0  # the rules' choice likely: it stands
    assert choose_byline(candidates, [0.3, 0.9, 0.1]) == 1  # unlikely, another likely: overruled
    assert choose_byline(candidates, [0.3, 0.4, 0.2]) == 0  # nothing likely: the rules decide
    assert choose_byline(candidates, [0.2, 0.1, 0.7]) == 2  # no credit likely: none
    # the rules found nothing ('no credit' is their choice) and the scorer likes a candidate: it is taken
    assert choose_byline(candidates[1:], [0.8, 0.3]) == 0


def test_a_microdata_block_of_machine_values_is_no_printed_credit_for_the_scorer() -> None:
    # Sputnik's 2020 markup: the printed 'by <a rel=author>' line, and below it a block of microdata values for
    # machines (an image's URL, the page's URL, the author's name with the outlet's) that no reader sees as a
    # credit. The scorer had taken the block's author for the byline ('Jo Park. News Example').
    html = page("", '<h1>A story</h1><div class="refs">by <a rel="author" href="/authors/jo_park/">Jo Park</a></div>'
                    '<div class="meta"><div itemprop="image">https://news.example/img/1.jpg</div>'
                    '<div itemprop="author" itemscope itemtype="http://schema.org/Person">'
                    '<div itemprop="name">Jo Park. News Example</div></div>'
                    f'<div itemprop="mainEntityOfPage">{URL}</div></div>')
    item, _ = read(html)
    assert item["byline"] == "by Jo Park"
    assert all(line != "Jo Park. News Example" for line, _, _ in scored(html))
