"""The copyright line's learned scorer (crawler/extractors/generic/copyright_candidates.py and provenance.py,
models/copyright.json): its weights
load from the package and score, it overrules the rules only where it finds their line unlikely and another cut or
block likely, never for a block the rules' filters reject, it says so in the evidence, and with no model the rules
read the line as before. Small hand-written pages, never corpus pages."""

from __future__ import annotations

from typing import Any

import pytest

from crawler.extractors.generic import GenericExtractor, extract, provenance
from crawler.extractors.generic.copyright_candidates import COPYRIGHT_CONFIDENT, CopyrightCandidate, choose_copyright
from crawler.extractors.generic.page import Page
from crawler.extractors.generic.scorers import load_model, probability
from crawler.extractors.structured import read_structured_tree
from crawler.extractors.text import parse_html

URL = "https://news.example/2019/01/31/a-story/"
FOOTER = "<p>© 2019 News Example Media Ltd. All rights reserved.</p>"
# A statement and, in the same paragraph, a notice after it (the guide: the line ends at its rights sentence).
NOTICE = ("<p>News Example | newsexample.com, inc. © 2012. All rights reserved. Any images and content on this site "
          "relating to “The Show” are not authorized by “The Show”™ and ABC © 2012 and its related companies.</p>")


def page(body: str = "", footer: str = FOOTER) -> str:
    return ('<html lang="en"><head><title>A story | News Example</title>'
            '<meta property="og:site_name" content="News Example"></head><body>'
            f'<header><a href="/">News Example</a></header><main><article><h1>A story</h1>{body}'
            "<p>The council met on Thursday and voted on the plan after a long debate about its cost.</p>"
            "<p>Residents who spoke at the meeting asked for more time to study the proposal and its effects.</p>"
            f"</article></main><footer>{footer}</footer></body></html>")


def read(html: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    evidence: dict[str, str] = {}
    return extract(html, URL, evidence)["copyright"], evidence


def scored(html: str) -> list[tuple[CopyrightCandidate, float]]:
    root = parse_html(html)
    reader = Page(GenericExtractor(), root, read_structured_tree(root, URL), URL, None)
    candidates = reader.copyright_candidates()
    rows = reader.copyright_features(candidates)
    return [(c, probability(load_model("copyright"), row)) for c, row in zip(candidates, rows, strict=True)]


def line_of(candidate: CopyrightCandidate) -> str | None:
    return candidate.reading["line"] if candidate.reading is not None else None


def test_the_weights_load_from_the_package_and_score_the_footers_line_above_no_line() -> None:
    model = load_model("copyright")
    assert model["kind"] == "logistic" and isinstance(model["bias"], float) and len(model["weights"]) >= 20
    # (neither the rules' choice nor their own cut or filters are features: see bench/learn_copyright)
    assert model["trained_on"]["rules_feature"] is False and model["trained_on"]["rules_derived_features"] is False
    found = {line_of(c): score for c, score in scored(page())}
    assert found["© 2019 News Example Media Ltd. All rights reserved."] > COPYRIGHT_CONFIDENT > found[None]


def test_a_photo_credit_in_the_article_does_not_win_over_the_footers_line() -> None:
    for credit in ("© Reuters", "© 2019 Reuters", "Photo: © 2019 Reuters/Jo Park. All rights reserved."):
        html = page(f'<figure><img src="/a.jpg" alt=""><figcaption>The council chamber. {credit}</figcaption>'
                    "</figure>")
        rights, evidence = read(html)
        assert rights == {"line": "© 2019 News Example Media Ltd. All rights reserved.",
                          "holders": ["News Example Media Ltd."], "year": 2019}, credit
        assert evidence["copyright"] == "visible: © line in p (page footer)"
        scores = {line_of(c): s for c, s in scored(html)}
        footer = scores.pop("© 2019 News Example Media Ltd. All rights reserved.")
        assert all(score < footer for score in scores.values()), (credit, scores)


def test_a_photo_credit_is_no_line_of_the_page() -> None:
    # the page prints no statement of its own: a picture's '© 2019 Reuters' is not its line, with or without a model
    html = page('<figure><img src="/a.jpg" alt=""><figcaption>The council chamber. © 2019 Reuters. All rights '
                "reserved.</figcaption></figure>", footer="")
    assert read(html)[0] is None
    assert read(html.replace("figure>", "div>").replace("figcaption>", "p>"))[0] is not None  # (printed as text)


def _candidate(element: bool, *, rules: bool = False, kept: bool = True) -> CopyrightCandidate:
    block = parse_html("<p>© 2019 X</p>") if element else None
    return CopyrightCandidate(block, "© 2019 X" if element else "", 2, kept and element, None, rules=rules)


def test_the_gate_keeps_the_rules_choice_unless_unlikely_and_another_likely() -> None:
    candidates = [_candidate(True, rules=True), _candidate(True), _candidate(False)]
    assert choose_copyright(candidates, [0.7, 0.9, 0.1]) == 0  # the rules' line is likely: it stands
    assert choose_copyright(candidates, [0.3, 0.4, 0.2]) == 0  # nothing else is likely either
    assert choose_copyright(candidates, [0.3, 0.8, 0.2]) == 1
    assert choose_copyright(candidates, [0.2, 0.3, 0.6]) == 2  # no line
    # a block the rules' filters reject ('All rights reserved' closing a menu) is never chosen, however scored
    rejected = [_candidate(True, rules=True), _candidate(True, kept=False), _candidate(False)]
    assert choose_copyright(rejected, [0.3, 0.99, 0.1]) == 0


def _liking(feature: str) -> dict[str, Any]:
    """A model that likes one feature only (a stand-in for models/copyright.json: the wiring, not the weights)."""
    return {"kind": "logistic", "bias": -2.0, "weights": {feature: 4.0}}


def test_the_scorer_overrules_the_rules_cut_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provenance, "load_model", lambda name: _liking("cut: up to its rights sentence"))
    rights, evidence = read(page(footer=NOTICE))
    assert rights is not None
    assert rights["line"] == "News Example | newsexample.com, inc. © 2012. All rights reserved."
    assert rights["year"] == 2012
    assert evidence["copyright"].startswith("learned scorer 0.88: © line in p, cut up to its rights sentence")
    assert evidence["copyright"].endswith("(the rules' choice scores 0.12)")


def test_the_scorer_says_when_it_finds_no_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provenance, "load_model", lambda name: _liking("no line"))
    rights, evidence = read(page())
    assert rights is None
    assert evidence["copyright"] == "none: learned scorer 0.88 for no © line (the rules' choice scores 0.12)"


def test_without_a_model_the_rules_read_the_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provenance, "load_model", lambda name: {})
    rights, evidence = read(page(footer=NOTICE))
    assert rights is not None and rights["line"].startswith("News Example | newsexample.com, inc. © 2012. All rights "
                                                            "reserved. Any images")
    assert evidence["copyright"] == "visible: © line in p (page footer)"
    menu = page(footer='<div><ul><li><a href="/news">News</a></li><li><a href="/comment">Comment</a></li></ul>'
                       "All rights reserved</div>")
    assert read(menu)[0] is None
    monkeypatch.setattr(provenance, "load_model", lambda name: _liking("few words outside links"))
    assert read(menu)[0] is None  # (a block the filters reject, whatever the model)
