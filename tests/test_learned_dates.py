"""The generic extractor's learned date scorer (crawler/extractors/generic/dating.py, its trees in
models/dates.json, fitted by `python -m bench.learn_dates`) on small pages written here, never corpus pages.

The scorer re-ranks every day a page offers; the rules' choice stands unless the scorer is sure of another day and
doubts theirs. These tests pin what the committed model does on plain cases; the rules' own cases are in
tests/test_extractors_real_web.py (all of which hold with the scorer on).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from crawler.extractors.generic import GenericExtractor, dating, extract
from crawler.extractors.generic.dating import CONFIDENT, DOUBTFUL, day_features
from crawler.extractors.generic.page import Page
from crawler.extractors.generic.scorers import load_model, probability
from crawler.extractors.rules import ExtractRules, Selector
from crawler.extractors.structured import read_structured_tree
from crawler.extractors.text import parse_html
from pipelines.items.normalize import normalize_article

URL = "https://city.example/news/council-votes/"  # no date in the URL: the page's own sources decide
DECLARED = "2019-06-12T14:05:00-04:00"


def ld(data: dict[str, Any]) -> str:
    return f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", **data})}</script>'


def page(head: str, body: str) -> str:
    return (f"<html lang=\"en\"><head><title>Council votes on the plan | City Paper</title>{head}</head><body>"
            '<header><a href="/">City Paper</a></header><main><article><h1>Council votes on the plan</h1>'
            f"{body}<p>The council met on Thursday and voted on the plan after a long debate about its cost.</p>"
            "<p>Residents who spoke at the meeting asked for more time to study the proposal.</p>"
            "</article></main></body></html>")


def item(html: str, evidence: dict[str, str] | None = None) -> dict[str, Any]:
    return normalize_article(extract(html, URL, evidence))


# A page whose JSON-LD names a day nothing else on it names (a stale template value): the meta tag, the printed
# <time class="published"> by the headline all say June 12, 2019.
STALE = page(ld({"headline": "Council votes on the plan", "datePublished": "2018-03-02T10:00:00Z"})
             + f'<meta property="article:published_time" content="{DECLARED}">',
             f'<p class="byline">By Ann Lee</p><time class="published" datetime="{DECLARED}">June 12, 2019</time>')


def test_the_committed_model_loads_and_scores_a_known_candidate() -> None:
    model = load_model("dates")
    assert model["published"]["kind"] == model["modified"]["kind"] == "trees"
    assert 0 <= model["published"]["threshold"] < 1 and 0 <= model["modified"]["threshold"] < 1
    days = ["2019-06-12", "2019-06-13"]
    publication = {"ld_published", "meta_published_property", "time_published", "printed_near"}
    update = {"ld_modified", "meta_modified_property"}

    def features(field_name: str, day: str, kinds: set[str], words: tuple[int, int]) -> dict[str, float]:
        return day_features(field_name, day, kinds, days, rules={}, url_date=None, printed_days=1, words=words)

    # The day declared and printed as the publication is the publication, sure; the updated day is not.
    assert probability(model["published"], features("published", days[0], publication, (3, 0))) > CONFIDENT
    assert probability(model["published"], features("published", days[1], update, (0, 2))) < DOUBTFUL
    # For the modification, the other way round.
    assert probability(model["modified"], features("modified", days[1], update, (0, 2))) > CONFIDENT
    assert probability(model["modified"], features("modified", days[0], publication, (3, 0))) \
        < model["modified"]["threshold"]


def _trusting(*kinds: str) -> dict[str, Any]:
    """A dates model whose publication trusts some kinds of source only and whose modification trusts none (a
    stand-in for models/dates.json: the wiring, not the fitted weights, which change with every refit on the
    corpus's dev half)."""
    trusting = {"kind": "logistic", "bias": -3.0, "weights": {f"kind:{kind}": 6.0 for kind in kinds}, "threshold": 0.3}
    return {"published": trusting, "modified": {"kind": "logistic", "bias": -3.0, "weights": {}, "threshold": 0.3}}


def test_a_stale_declared_day_gives_way_to_the_day_the_rest_of_the_page_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dating, "load_model", lambda name: _trusting("meta_published_property", "time_published"))
    evidence: dict[str, str] = {}
    found = item(STALE, evidence)
    assert found["published"] == DECLARED  # the rules alone take JSON-LD's 2018-03-02
    assert evidence["published"].startswith("learned scorer 1.00: 2019-06-12 from meta article:published_time")
    assert "meta article:published_time" in evidence["published"]
    assert "the rules' 2018-03-02" in evidence["published"]
    assert found["modified"] is None


def test_where_the_sources_agree_the_rules_value_and_their_evidence_stand() -> None:
    modified = "2019-06-13T09:00:00-04:00"
    html = page(ld({"headline": "Council votes on the plan", "datePublished": DECLARED, "dateModified": modified})
                + f'<meta property="article:published_time" content="{DECLARED}">'
                  f'<meta property="article:modified_time" content="{modified}">',
                f'<time class="published" datetime="{DECLARED}">June 12, 2019</time>')
    evidence: dict[str, str] = {}
    found = item(html, evidence)
    assert (found["published"], found["modified"]) == (DECLARED, modified)
    assert evidence["published"] == "JSON-LD NewsArticle.datePublished"
    assert evidence["modified"] == "JSON-LD NewsArticle.dateModified"


def test_a_page_that_states_no_modification_has_none() -> None:
    html = page(f'<meta property="article:published_time" content="{DECLARED}">', '<p class="date">June 12, 2019</p>')
    found = item(html)
    assert found["published"] == DECLARED
    assert found["modified"] is None


def test_timestamps_at_the_ends_of_the_calendar_are_read_without_error() -> None:
    # The bug: 0001-01-01T00:00:00Z's day before (and 9999-12-31T23:59Z's day after) overflowed `date`, and the
    # page lost its item. Now neither neighbour is offered, and the printed day is the publication.
    html = page(ld({"headline": "Council votes on the plan", "datePublished": "0001-01-01T00:00:00Z",
                    "dateModified": "9999-12-31T23:59:59Z"}), '<p class="date">June 12, 2019</p>')
    evidence: dict[str, str] = {}
    found = item(html, evidence)
    assert found["published"] == "2019-06-12"
    assert found["modified"] is None  # a placeholder, no day of the article's: nothing else names a modification


def test_placeholder_dates_at_the_ends_of_the_calendar_are_no_dates_without_a_model(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The rules alone (no model): a template's '0001-01-01' is passed over for the day the page prints
    monkeypatch.setattr(dating, "load_model", lambda name: {})
    html = page(ld({"headline": "Council votes on the plan", "datePublished": "0001-01-01T00:00:00Z",
                    "dateModified": "9999-12-31T23:59:59Z"}), '<p class="date">June 12, 2019</p>')
    found = item(html)
    assert found["published"] == "2019-06-12"
    assert found["modified"] is None
    # an archive's old issue is a date all the same
    old = page(ld({"headline": "Council votes on the plan", "datePublished": "1851-09-18T00:00:00Z"}), "")
    assert item(old)["published"] == "1851-09-18T00:00:00+00:00"


def test_an_outlet_selector_for_the_date_is_never_overridden() -> None:
    rules = ExtractRules(selectors={"published": Selector("css", "p.when::text")})
    evidence: dict[str, str] = {}
    found = normalize_article(GenericExtractor(rules)(STALE.replace("<h1>", '<p class="when">2018-03-02</p><h1>'),
                                                      URL, evidence))
    assert found["published"] == "2018-03-02"
    assert evidence["published"] == "outlet rule: p.when::text"


def test_a_modification_long_before_the_publication_stays_none_whatever_the_scorer_says() -> None:
    # The bug: the rules drop a modification declared 561 days before the publication (a blog's metadata date on
    # every post), and the scorer, sure of it (its day declared twice as the modification), put it back.
    published = "2014-06-17T09:00:00-04:00"
    html = page(ld({"headline": "Council votes on the plan", "datePublished": published,
                    "dateModified": "2012-12-03T13:48:23-04:00"})
                + f'<meta property="article:published_time" content="{published}">'
                  '<meta property="article:modified_time" content="2012-12-03T13:48:23-04:00">',
                f'<time class="published" datetime="{published}">June 17, 2014</time>')
    root = parse_html(html)
    dates = Page(GenericExtractor(), root, read_structured_tree(root, URL), URL, None)
    scored = {c.day: probability(load_model("dates")["modified"], c.features)
              for c in dates.day_candidates("modified", dates.rules_dates())}
    assert scored["2012-12-03"] > CONFIDENT  # the scorer alone would take it
    evidence: dict[str, str] = {}
    found = item(html, evidence)
    assert (found["published"], found["modified"]) == (published, None)
    assert evidence["modified"] == "none: the declared one is 561 days before the publication"
