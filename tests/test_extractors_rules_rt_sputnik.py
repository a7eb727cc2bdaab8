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
    # The printed time is kept (RT prints no zone on these pages, so none is given).
    assert item["published"] == "2016-02-10T18:53:00"
    assert item["modified"] == "2016-02-11T11:23:00"
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


@pytest.mark.parametrize("promo", [
    "<p><strong>ALSO READ: <a href='https://news.example/weather/brace-for-bad-weather/'>Brace for weather</a></strong></p>",
    "<p class='extras'><strong>TRENDING:</strong> <a href='/2019/01/29/other/'>Dick Morris: the difference</a></p>",
])
def test_a_promoted_link_after_a_short_label_goes_but_a_sentence_with_a_link_stays(promo: str) -> None:
    first = "The council met on Thursday and voted on the plan after a long debate about its cost and its timing."
    cited = ("Residents: <a href='https://news.example/2019/01/30/older/'>the council's own report on the plan</a>"
             " said the cost had doubled.")
    html = (f"<html><head><title>Plan</title></head><body><article><h1>Plan</h1><p>{first}</p>{promo}"
            f"<p>{cited}</p></article></body></html>")
    body = asdict(normalized_item("generic", html, "https://news.example/2019/01/31/plan/",
                                  normalize_article))["body"]
    assert body == f"{first}\n\nResidents: the council's own report on the plan said the cost had doubled."


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


def test_ria_novosti_numeric_date_is_read_by_the_urls_compact_date_and_its_forms_are_no_body() -> None:
    text = "About 15,000 people took to the streets on Sunday to protest, the agency said."
    html = ('<html><head><title>Rally | World | RIA Novosti</title></head><body><div id="article">'
            '<h1 class="bigtitle">Rally against nuclear power</h1>'
            '<div class="data orange f-left"><span class="time nbr">17:08 </span>10/04/2011</div>'
            f'<div class="body"><p>{text}</p><p>{text.replace("Sunday", "Monday")}</p>'
            f'<p>{text.replace("Sunday", "Tuesday")}</p></div>'
            '<div id="to-blog" class="forms"><div class="content"><h2 class="tit">Add to blog</h2>'
            '<p class="description">You may place this material on your blog by copying the link.</p>'
            '<textarea>&lt;a href="/x"&gt;code&lt;/a&gt;</textarea></div></div></div></body></html>')
    item = outlet_item("sputnik", html, "http://en.rian.ru/world/20110410/163458489.html")
    assert item["published"] == "2011-04-10T17:08:00"  # day first, as the URL's 20110410 says
    assert "Add to blog" not in item["body"] and "copying the link" not in item["body"]
    # The same print with a URL of another day, or none, is not guessed.
    assert outlet_item("sputnik", html, "http://en.rian.ru/world/20110411/163458489.html")["published"] \
        == "2011-04-11"  # the URL's own date, the print being no reading of it
    assert outlet_item("sputnik", html, "http://en.rian.ru/world/163458489.html")["published"] is None


def test_outlet_term_rules_that_match_nothing_give_way_to_the_printed_rubric_and_topic() -> None:
    text = "About 15,000 people took to the streets on Sunday to protest, the agency said."
    html = ('<html><head><title>Rally | World | RIA Novosti</title></head><body><div class="article-content">'
            '<h4 class="rubric-header"><a href="/world/">World</a></h4>'
            '<h1 class="bigtitle">Rally against nuclear power</h1><div id="article"><h4 class="lblue"><span>Topic:'
            '</span> <a href="/trend/japanese_quake/"><strong>Japanese quake</strong></a></h4>'
            f'<div class="body"><p>{text}</p><p>{text}</p></div></div></div></body></html>')
    item = outlet_item("sputnik", html, "http://en.rian.ru/world/20110410/163458489.html")
    assert [t["name"] for t in item["themes"]] == ["World", "Japanese quake"]


def test_sputnik_author_without_the_outlet_appended_to_the_name() -> None:
    html = ('<html lang="en" itemscope itemtype="http://schema.org/NewsArticle"><head>'
            '<title>Lockdowns - Sputnik International</title><meta name="author" content="Wilmer Leon. Sputnik International"></head><body>'
            '<div itemprop="publisher" itemscope itemtype="http://schema.org/Organization">'
            '<div itemprop="name">Sputnik International</div></div>'
            '<div class="b-article"><h1>Lockdowns</h1><div class="b-article__text">'
            '<p>Some states begin lifting lockdowns as the vice president tours a clinic.</p></div></div>'
            '</body></html>')
    item = outlet_item("sputnik", html, SPUTNIK_URL)
    assert [a["name"] for a in item["authors"]] == ["Wilmer Leon"]


def test_rt_op_ed_author_from_the_link_to_the_authors_page() -> None:
    box = ('<div class="Blog-author"><a href="/op-edge/authors/neil-clark/"><img src="/n.jpg"></a>'
           '<a class="Blog-author__name" href="/op-edge/authors/neil-clark/">Neil Clark</a> is a journalist.</div>')
    html = rt_page(f"<p>The harbour reopened after the storm passed.</p>{box}")
    item = outlet_item("rt", html, "https://www.rt.com/op-edge/376000-a-column/")
    assert item["authors"] == [{"name": "Neil Clark", "url": "https://www.rt.com/op-edge/authors/neil-clark/"}]
    declared = html.replace("</head>", '<meta property="article:author" content="Neil Clark"></head>')
    assert outlet_item("rt", declared, RT_URL)["authors"] == item["authors"]  # the declared name gets its URL
    # A profile link whose text is not the name its path spells names no author.
    other = rt_page('<p>The harbour reopened after the storm passed.</p><p>More by <a href="/op-edge/authors/'
                    'neil-clark/">Our Columnist</a> and <a href="/op-edge/authors/">All Authors</a></p>')
    assert outlet_item("rt", other, RT_URL)["authors"] == []


def test_rt_2013_markup_dates_split_by_br_and_the_printed_topics() -> None:
    text = "".join(f"<p>The court banned the group's activities, paragraph {n}, the judge said.</p>" for n in range(4))
    html = ('<html lang="ru"><head><title>Court bans group — RT News</title></head><body><div class="content">'
            '<ul class="crumbs"><li><a href="/">Home</a> /</li><li><a href="/news/">News</a> /</li></ul>'
            '<div class="cont-wp"><h1>Court bans group</h1><div class="acticle_clock"><span class="time">'
            'Published time: September 23, 2013 12:00 <br> Edited time: September 25, 2013 07:38 </span></div>'
            '<div class="b-tags_trends"><div class="b-tags_trends-hrcol"><p>Trends</p>'
            '<a href="/trends/egypt-unrest/">Egypt unrest</a><p>Tags</p><a href="/tags/court/">Court</a>, '
            f'<a href="/tags/egypt/">Egypt</a></div></div>{text}</div></div></body></html>')
    login = ('<div class="b-authorization"><span class="b-authorization_header">Log in</span>'
             '<p class="b-authorization_header-input">Email</p></div>')
    html = html.replace('<div class="content">', f'<div class="content">{login}')
    item = outlet_item("rt", html, "http://rt.com/news/egypt-court-235/")
    assert (item["published"], item["modified"]) == ("2013-09-23T12:00:00", "2013-09-25T07:38:00")
    assert item["language"] == "en"  # rt.com's English pages, whatever the 2013 markup's lang says
    assert (item["byline"], item["authors"]) == (None, [])  # a log-in box (b-authorization) is no byline
    assert [t["name"] for t in item["themes"]] == ["News", "Egypt unrest", "Court", "Egypt"]
    assert "Trends" not in item["body"] and item["body"].count("the judge said") == 4


def test_rt_tags_box_inside_the_text_is_topics_not_body() -> None:
    tags = ('<div class="article__tags-trends tags-trends"><strong class="tags-trends__heading">Tags</strong>'
            '<a class="tags-trends__link" href="/tags/science/">SciTech</a></div>')
    item = outlet_item("rt", rt_page(f"{tags}<p>The show pits a futurist against a talk show host.</p>"), RT_URL)
    assert [t["name"] for t in item["themes"]] == ["News", "SciTech"]
    assert item["body"] == "The show pits a futurist against a talk show host."


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
