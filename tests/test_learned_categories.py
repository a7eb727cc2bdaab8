"""The learned scorer of the generic extractor's categories (issue 13), on small pages written here.

The scorer is a logistic regression over structural features of every candidate (bench/category_candidates.py,
`CategoryReader.category_candidates`), its weights in crawler/extractors/generic/models/categories.json, written by
`python -m bench.learn_categories --corpus bench/corpus --write` from the corpus's dev half. It is not wired into
the extractor's `terms()`; these tests hold what the committed weights do, and the training command's answer to a
corpus it cannot read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.category_candidates import CategoryReader
from crawler.extractors.generic import GenericExtractor, extract
from crawler.extractors.generic.scorers import load_model, probability
from crawler.extractors.structured import read_structured_tree
from crawler.extractors.text import parse_html

URL = "https://news.example/politics/2019/01/31/the-council-approves-the-budget/"
MENU = ('<header class="site-header"><nav class="main-menu"><ul>'
        + "".join(f'<li><a href="/{s.lower()}/">{s}</a></li>' for s in ("Politics", "Business", "Sport", "Culture"))
        + "</ul></nav></header>")
TEXT = ("<p>The council met on Thursday and voted on the plan after a long debate about its cost.</p>"
        "<p>Residents who spoke at the meeting asked for more time to study the proposal and its effects.</p>")
FOOTER = ('<footer class="site-footer"><ul class="footer-links"><li><a href="/about/">About us</a></li>'
          '<li><a href="/contact/">Contact</a></li></ul><p>© 2019 News Example</p></footer>')


def page(body: str, head: str = "") -> str:
    return ('<html lang="en"><head><title>The council approves the budget | News Example</title>'
            f'<meta property="og:title" content="The council approves the budget">{head}</head><body>{MENU}'
            f"<main><article>{body}{TEXT}</article></main>{FOOTER}</body></html>")


def reader(html: str, url: str = URL) -> CategoryReader:
    root = parse_html(html)
    return CategoryReader(GenericExtractor(), root, read_structured_tree(root, url), url, {})


TAGGED = page('<div class="article-section"><a href="/politics/">Politics</a></div>'
              "<h1>The council approves the budget</h1>"
              '<p class="byline">By Ann Smith</p>'
              '<div class="tags">Tags: <a href="/tag/city-budget/" rel="tag">City budget</a>, '
              '<a href="/tag/council/" rel="tag">Council</a></div>')


def scores(html: str) -> dict[str, float]:
    """Each candidate name's best score by the committed weights."""
    found: dict[str, float] = {}
    model = load_model("categories")
    for candidate in reader(html).category_candidates(set()):
        found[candidate.name] = max(found.get(candidate.name, 0.0), probability(model, candidate.features))
    return found


def test_the_committed_weights_load_and_are_the_structural_model() -> None:
    model = load_model("categories")
    assert model is load_model("categories")  # read once per process
    assert 0 < model["threshold"] < 1 and isinstance(model["bias"], float)
    # the structural model: no weight on the hand-written rules' choice (whose CV figure would be no estimate)
    assert "rules" not in model["weights"] and len(model["weights"]) > 20
    assert model["cv"]["structural only"]["f1"] > 0.77  # what it was trained to beat (the rules' held-out F1)
    assert model["trained_by"].startswith("python -m bench.learn_categories")


def test_a_tag_list_after_the_headline_scores_above_the_menu_and_the_footer() -> None:
    found = scores(TAGGED)
    threshold = load_model("categories")["threshold"]
    assert found["City budget"] >= threshold and found["Council"] >= threshold
    # the site's menu, its footer links and the byline are candidates or not, never kept
    assert all(found.get(name, 0.0) < threshold for name in ("Business", "Sport", "Culture", "About us", "Contact"))
    assert found.get("Ann Smith", 0.0) < threshold


def test_learned_terms_keep_page_order_and_note_their_evidence() -> None:
    page_reader = reader(TAGGED)
    terms = page_reader.learned_terms()
    assert [t["name"] for t in terms["themes"]] == ["Politics", "City budget", "Council"]
    assert terms["themes"][-1] == {"name": "Council", "slug": "council", "url": "https://news.example/tag/council/"}
    assert terms["regions"] == terms["in_depth_reports"] == []
    note = (page_reader.evidence or {})["categories"]
    assert "learned scorer" in note and "'City budget', a in div.tags, just after the headline" in note


def test_a_name_only_declared_in_metadata_is_no_category_for_the_scorer() -> None:
    # The labels hold what the page prints: a JSON-LD breadcrumb the page does not print scores low, though the
    # hand-written rules (still what `extract` uses) keep it.
    crumbs = {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": 1, "item": {"@id": "https://news.example/", "name": "Home"}},
        {"@type": "ListItem", "position": 2, "item": {"@id": "https://news.example/local/", "name": "Local"}}]}
    html = page("<h1>The council approves the budget</h1>",
                head=f'<script type="application/ld+json">{json.dumps(crumbs)}</script>')
    assert scores(html)["Local"] < load_model("categories")["threshold"]
    assert reader(html).learned_terms()["themes"] == []
    assert [t["name"] for t in extract(html, URL)["themes"]] == ["Local"]


def test_the_training_command_refuses_a_corpus_without_labels(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from bench.learn_categories import main  # (scikit-learn: a dev dependency, imported by the bench only)

    assert main(["--corpus", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"no generic labels in {tmp_path}"
