"""Body and metadata rules met on RT's and Sputnik's pages of every era, each on a small page written here.

The real pages these rules were written against (bench/corpus, dev half) are the outlets' copyrighted text and
stay out of the project; the last test reads one of them when its bytes are on this machine. Every rule here is
structural (markup, class words, links), none names the words of a promo, an appeal or a disclaimer.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from crawler.crawl import host_in
from crawler.extractors.decode import decode_html
from crawler.extractors.page import normalized_item
from crawler.extractors.text import paragraphs, parse_html
from crawler.outlets import load_outlets
from pipelines.items.normalize import normalize_article

ROOT = Path(__file__).resolve().parents[1]
RT_URL = "https://www.rt.com/news/331000-a-story/"
SPUTNIK_URL = "https://sputniknews.com/world/201906201075999999-a-story/"
TWEET = ('<div class="rtcode"><blockquote class="twitter-tweet" data-lang="en"><p lang="en" dir="ltr">Ships sail '
         'at dawn <a href="https://t.co/abc">https://t.co/abc</a></p>&mdash; RT (@RT_com) '
         '<a href="https://twitter.com/RT_com/status/1">February 9, 2016</a></blockquote>'
         '<script async src="//platform.twitter.com/widgets.js"></script></div>')


def outlet_item(outlet_key: str, html: str, url: str) -> dict[str, Any]:
    return asdict(normalized_item(load_outlets()[outlet_key], html, url, normalize_article))


def rt_page(text: str, *, dates: str = '<time class="date date_article-header">Published time: 10 Feb, 2016 18:53'
                                       '</time>', footer: str = "") -> str:
    """RT's 2016-2017 article markup, with text of our own."""
    return ('<html lang="en"><head><title>Harbour reopens — RT News</title>'
            '<meta property="og:site_name" content="RT International"></head><body>'
            '<div class="article"><div class="article__breadcrumbs"><div class="breadcrumbs">'
            '<a class="breadcrumbs__links" href="/">Home</a><a class="breadcrumbs__links" href="/news/">News</a>'
            '</div></div><h1 class="article__heading">Harbour reopens</h1>'
            f'<div class="article__date">{dates}</div>'
            '<div class="article__summary summary">The harbour reopened on Tuesday.</div>'
            f'<div class="article__text text">{text}</div></div>'
            f'<div class="footer">{footer}</div></body></html>')


def test_a_tweet_gives_its_text_then_its_attribution_and_date_in_the_page_order() -> None:
    root = parse_html(f"<div id='t'><p>Before.</p>{TWEET}<p>After.</p></div>")
    assert [text for _, text in paragraphs(root.get_element_by_id("t"))] == [
        "Before.", "Ships sail at dawn https://t.co/abc", "— RT (@RT_com) February 9, 2016", "After."]


def test_loose_text_of_a_block_keeps_its_links_and_its_place_between_the_blocks() -> None:
    root = parse_html("<div id='t'>Lead with <a href='/x'>a link</a> in it<p>One.</p>between <em>two</em>"
                      "<p>Two.</p>end</div>")
    assert [text for _, text in paragraphs(root.get_element_by_id("t"))] == [
        "Lead with a link in it", "One.", "between two", "Two.", "end"]


def test_rt_2016_markup_gives_dates_copyright_without_p_and_the_tweet_in_order() -> None:
    html = rt_page(f"<p>The harbour reopened after the storm passed.</p>{TWEET}<p>Ferries resumed at noon.</p>",
                   dates='<time class="date date_article-header">Published time: 10 Feb, 2016 18:53</time>'
                         '<time class="date date_article-header">Edited time: 11 Feb, 2016 11:23</time>',
                   footer='<div class="footer__copyright"><div class="copyright"><img class="copyright__logotip" '
                          'src="/logo.png"> © Autonomous Nonprofit Organization “TV-Novosti”, 2005–2016. '
                          'All rights reserved. </div></div>')
    item = outlet_item("rt", html, RT_URL)
    assert item["published"][:10] == "2016-02-10"
    assert item["modified"][:10] == "2016-02-11"
    assert item["copyright"] == {"line": "© Autonomous Nonprofit Organization “TV-Novosti”, 2005–2016. "
                                         "All rights reserved.",
                                 "holders": ["Autonomous Nonprofit Organization “TV-Novosti”"], "year": 2016}
    assert item["body"].split("\n\n") == ["The harbour reopened after the storm passed.",
                                          "Ships sail at dawn https://t.co/abc", "— RT (@RT_com) February 9, 2016",
                                          "Ferries resumed at noon."]


def test_promos_inside_the_text_go_by_their_markup() -> None:
    html = rt_page(
        "<p>The harbour reopened after the storm passed.</p>"
        # A paragraph that is nothing but a link to another story of the site.
        '<p><strong><a href="https://www.rt.com/news/360561-other-story/">READ MORE:&nbsp;Storm closes the port'
        "</a><br></strong></p>"
        '<p><a href="/news/360562-bare-headline/">Port workers strike again</a></p>'
        # Boxes classed read-more, share, promo, newsletter, disclaimer inside the text container.
        '<div class="arcticle__read-more read-more"><div class="read-more__title">Read more</div>'
        '<a class="read-more__link" href="/news/1-x/">Another story entirely</a></div>'
        '<div class="share-box"><p>Like this story? Tell your friends about it!</p></div>'
        '<div class="promo-block"><p>Download our app for the latest headlines.</p></div>'
        '<div class="newsletter"><p>Get the morning briefing in your inbox.</p></div>'
        '<div class="disclaimer"><p>The views of the author are the author’s own.</p></div>'
        # Kept: a link to another site, and a link inside a sentence.
        '<p><a href="https://www.reuters.com/article/x">Reuters reported the closure</a></p>'
        '<p>Officials <a href="/news/360563-officials/">said</a> the port would stay open.</p>')
    body = outlet_item("rt", html, RT_URL)["body"].split("\n\n")
    assert body == ["The harbour reopened after the storm passed.", "Reuters reported the closure",
                    "Officials said the port would stay open."]


def test_promo_link_paragraphs_go_on_a_page_without_outlet_rules_too() -> None:
    first = "The council met on Thursday and voted on the plan after a long debate about its cost and its timing."
    second = "Residents who spoke at the meeting asked for more time to study the proposal and all of its effects."
    html = ("<html><head><title>Plan</title></head><body><article><h1>Plan</h1>"
            f"<p>{first}</p><p><a href='https://news.example/2019/01/30/older/'>READ MORE: Older plan</a></p>"
            f"<p>{second}</p></article></body></html>")
    body = asdict(normalized_item("generic", html, "https://news.example/2019/01/31/plan/",
                                  normalize_article))["body"]
    assert body == f"{first}\n\n{second}"


def test_sputnik_live_entries_are_the_body_and_read_once() -> None:
    entries = "".join(f'<div class="online__item"><div class="online__time">1{n}:00</div>'
                      f"<p>Entry {n}: the talks went on into the night.</p></div>" for n in range(3))
    html = ('<html><head><title>Live</title></head><body><div class="b-article">'
            '<div class="b-article__header-title"><h1>Talks continue: live updates</h1></div>'
            '<div class="b-article__text"><p>The talks resumed on Monday in the capital, with both delegations present.</p>'
            '<p>Neither side spoke to the press before the first session began in the morning.</p>'
            '<div class="b-article__disclaimer"><p>Opinions are the author’s.</p></div></div>'
            f'<div class="online">{entries}</div></div></body></html>')
    body = outlet_item("sputnik", html, SPUTNIK_URL)["body"].split("\n\n")
    assert body == ["The talks resumed on Monday in the capital, with both delegations present.",
                    "Neither side spoke to the press before the first session began in the morning.",
                    "10:00", "Entry 0: the talks went on into the night.",
                    "11:00", "Entry 1: the talks went on into the night.",
                    "12:00", "Entry 2: the talks went on into the night."]
    # Live entries inside the text container are not read twice.
    nested = html.replace('</div><div class="online">', '<div class="online">').replace(
        "</div></div></body>", "</div></div></div></body>")
    assert outlet_item("sputnik", nested, SPUTNIK_URL)["body"].count("Entry 1:") == 1


def test_an_outlet_rule_that_matches_nothing_falls_back_to_the_page_itself() -> None:
    # An older markup of the outlet (RIA Novosti's, before Sputnik): no b-article__text, no footer__copyright.
    text = "About 15,000 people took to the streets on Sunday to protest, the agency said."
    html = ('<html><head><title>Rally | World | RIA Novosti</title></head><body><div id="article">'
            f'<h1 class="bigtitle">Rally against nuclear power</h1><div class="body"><p>{text}</p>'
            f"<p>{text.replace('Sunday', 'Monday')}</p><p>{text.replace('Sunday', 'Tuesday')}</p></div></div>"
            '<div class="footer"><div class="f-right copy">© 2011 <a href="/copyright.html">RIA Novosti</a>'
            "</div></div></body></html>")
    item = outlet_item("sputnik", html, "http://en.rian.ru/world/20110410/163458489.html")
    assert item["body"] is not None and item["body"].count("people took to the streets") == 3
    assert item["copyright"] == {"line": "© 2011 RIA Novosti", "holders": ["RIA Novosti"], "year": 2011}


def test_sputnikglobe_is_sputnik_s_own_domain() -> None:
    sputnik = load_outlets()["sputnik"]
    assert host_in("sputnikglobe.com", sputnik.domains) and host_in("sputniknews.com", sputnik.domains)
    assert not host_in("sputnikglobe.com.evil.example", sputnik.domains)


def test_a_real_rt_2016_page_gives_its_tweets_in_order_and_its_copyright() -> None:
    """The dev page rt-2016-331956 of bench/corpus (its bytes are local: see bench/corpus/README.md)."""
    labels = json.loads((ROOT / "bench/corpus/labels/rt/rt-2016-331956.json").read_text(encoding="utf-8"))
    page = ROOT / "bench/corpus/pages/rt/rt-2016-331956.html"
    if not page.exists():
        pytest.skip("the corpus page bytes are not on this machine (bench/corpus/pages is not committed)")
    _, html = decode_html(page.read_bytes())
    item = outlet_item("rt", html, labels["url"])
    assert item["body"] == labels["labels"]["body"]
    assert item["copyright"]["line"] == labels["labels"]["copyright"]["line"]
    assert item["published"][:10] == labels["labels"]["published"]
