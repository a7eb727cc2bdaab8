"""`scrapy extract --explain`: every field with its value and the evidence it came from."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from crawler.extractors.decode import decode_html
from crawler.extractors.explain import EXPLAINED_FIELDS, explain_lines
from crawler.extractors.page import normalized_item
from crawler.outlets import load_outlets
from pipelines.items.normalize import normalize_article
from tests.crawl_runner import ROOT, scrapy_env

FIXTURES = Path(__file__).parent / "fixtures"
CN_PAGE = FIXTURES / "consortiumnews" / "water-tribunal-original.html"
GR_PAGE = FIXTURES / "globalresearch" / "original-one-author-lake.html"


def url_of(page: Path) -> str:
    return str(json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))["url"])


def scrapy(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, env=scrapy_env(),
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def fields(output: str) -> dict[str, str]:
    """`field: value  ← evidence` lines by field."""
    out = {}
    for line in output.splitlines():
        name, sep, rest = line.partition(": ")
        if sep and name in EXPLAINED_FIELDS:
            out[name] = rest
    return out


def test_explain_names_the_evidence_of_each_field_of_the_generic_extractor() -> None:
    output = scrapy("extract", "--outlet", "generic", "--explain", "--url", url_of(CN_PAGE), str(CN_PAGE))
    assert output.startswith(f"== {CN_PAGE} (generic/1, read as utf-8)")
    lines = fields(output)
    assert set(lines) == set(EXPLAINED_FIELDS)
    assert lines["title"] == '"The Water Tribunal Nobody Reported"  ← visible: h1.entry-title (= JSON-LD NewsArticle.headline)'
    assert lines["byline"] == '"By Marisol Ferreira"  ← visible: span.byline (after h1)'
    assert lines["published"] == "2022-05-09T14:30:12+00:00  ← JSON-LD NewsArticle.datePublished"
    assert lines["authors"].startswith("Marisol Ferreira <https://consortiumnews.com/author/marisol-ferreira/>  ← "
                                       "JSON-LD NewsArticle.author")
    assert "← visible: © line in div.site-info (page footer)" in lines["copyright"]
    assert lines["original_source"] == "null  ← not found on the page"
    assert "← trafilatura main text" in lines["body"]


def test_explain_with_an_outlet_names_its_rules_and_global_research_its_selectors() -> None:
    output = scrapy("extract", "--outlet", "consortiumnews", "--explain", "--url", url_of(CN_PAGE), str(CN_PAGE))
    assert "← the outlet itself (no republication notice on the page)" in fields(output)["original_source"]
    output = scrapy("extract", "--outlet", "globalresearch", "--explain", "--url", url_of(GR_PAGE), str(GR_PAGE))
    lines = fields(output)
    assert lines["byline"].endswith("← div.post-info > div.author")
    assert "div.catAndTag" in lines["categories"]


def test_explain_prints_the_item_the_json_gives() -> None:
    """The values explained are those of the JSON item: evidence never changes what is extracted."""
    url = url_of(CN_PAGE)
    [item] = [json.loads(line) for line in scrapy("extract", "--outlet", "generic", "--url", url,
                                                   str(CN_PAGE)).splitlines()]
    _, html = decode_html(CN_PAGE.read_bytes())
    evidence: dict[str, str] = {}
    again = asdict(normalized_item("generic", html, url, normalize_article, evidence=evidence, fetched_url=url))
    assert again == item
    assert evidence
    outlet_item = asdict(normalized_item(load_outlets()["consortiumnews"], html, url, normalize_article))
    assert outlet_item == asdict(normalized_item(load_outlets()["consortiumnews"], html, url, normalize_article,
                                                 evidence={}))
    assert explain_lines(item, evidence)[1].startswith('title: "The Water Tribunal Nobody Reported"')
