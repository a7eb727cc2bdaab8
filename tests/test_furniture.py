"""An outlet's furniture, learned from its own archive and removed from bodies, without a rule naming it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from pipelines.archive.furniture import Furniture, normalize_paragraph, normalized_paragraphs, strip_furniture
from pipelines.storage.file import FileStore
from tests.crawl_runner import ROOT, read_items, run_crawl, scrapy_env
from tests.replica.server import ReplicaServer

# An appeal no extractor rule names (the one Global Research has printed under every article since about 2020
# reads alike; this text is the test's own).
APPEAL = ("All articles of this site can now be read in forty languages: open the Translate menu under the "
          "author's name and pick yours.")


def body(*unique: str) -> str:
    return "\n\n".join([*unique, APPEAL])


def test_a_paragraph_in_enough_articles_is_furniture_and_unique_ones_are_not() -> None:
    state = Furniture(min_share=0.3, min_articles=5)
    state.add(body(f"The story of town number {n}, told at the length a paragraph needs.") for n in range(4))
    assert state.paragraphs == frozenset()  # in 4 articles: below FURNITURE_MIN_ARTICLES
    state.add([body("Yet another town, and another story told at some length here.")])
    assert len(state.paragraphs) == 1
    state.add(f"A long article about the harbour, number {n}, with nothing repeated." for n in range(20))
    assert state.paragraphs == frozenset()  # 5 of 25 articles: below FURNITURE_MIN_SHARE


def test_a_long_crawl_keeps_the_count_bounded_and_still_finds_the_furniture(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.archive import furniture

    monkeypatch.setattr(furniture, "_PRUNE_AT", 50)
    state = Furniture(min_share=0.3, min_articles=5)
    state.add(body(f"A paragraph of its own, article number {n}, long enough to count.") for n in range(200))
    assert len(state.once) <= 51 and len(state.counts) == 1  # the one repeated paragraph, by its text
    assert len(state.paragraphs) == 1


def test_strip_removes_furniture_wherever_it_sits_and_keeps_the_rest() -> None:
    state = Furniture(min_share=0.3, min_articles=2)
    state.add([body("First."), body("Second.")])
    text = f"Lead paragraph of the piece.\n\n  {APPEAL.upper()}  \n\nLast paragraph of the piece."
    assert strip_furniture(text, state.paragraphs) == ("Lead paragraph of the piece.\n\nLast paragraph of the piece.",
                                                       1)
    assert strip_furniture(APPEAL, state.paragraphs) == (None, 1)


@pytest.mark.parametrize("text", [
    "plain words, one space apart", "", " ", "two  spaces", " leading", "trailing ", "tab\there", "line\nbreak",
    "no\u00a0break", "ideographic\u3000space", "em\u2003space", "line\u2028separator", "nel\x85here",
    "unit\x1fseparator", "zero\u200bwidth", "\u00a8 diaeresis", "ｆｕｌｌ　ｗｉｄｔｈ", "ﬁ ligature", "\u2003",
])
def test_paragraphs_are_normalized_as_split_and_joined(text: str) -> None:
    """The normal form is NFKC, case-folded, whitespace runs as one space (" ".join(split())); text that has only
    single spaces between words is kept as it is rather than split, which is the same string."""
    expected = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    assert normalize_paragraph(text) == expected
    assert normalized_paragraphs(f"{text}\n\nSecond") == [(text, expected), ("Second", "second")]


def test_every_whitespace_character_but_the_space_is_unprintable() -> None:
    """What lets a paragraph skip the split: str.split() cuts at str.isspace() characters, and every one of them
    but the space fails str.isprintable(), so printable text without double, leading or trailing spaces is whole."""
    spaces = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]
    assert " " in spaces and len(spaces) > 20
    assert [c for c in spaces if c.isprintable()] == [" "]


def test_the_state_is_stored_and_read_back_as_the_newest(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    state = Furniture(min_share=0.3, min_articles=2)
    state.add([body("One."), body("Two."), body("Three.")])
    for crawl_id, text in (("20260101T000000Z-aaaa", Furniture().to_json()), ("20260102T000000Z-bbbb", state.to_json())):
        path = tmp_path / "furniture" / "gr" / f"{crawl_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    newest = Furniture.read_newest(store, "gr", min_share=0.3, min_articles=2)
    assert newest.articles == 3 and newest.paragraphs == state.paragraphs


def _replica_with_appeal(tmp: Path) -> Path:
    """The Global Research replica whose article bodies all begin with an appeal no rule names."""
    here = Path(__file__).parent
    pages = tmp / "pages"
    shutil.copytree(here / "fixtures" / "globalresearch", pages)
    for page in pages.glob("*.html"):
        raw = page.read_bytes()
        page.write_bytes(re.sub(rb'(<div itemprop="articleBody"[^>]*>)', rb"\1<p>" + APPEAL.encode() + rb"</p>", raw,
                                count=1))
    routes = (here / "replica" / "globalresearch.toml").read_text(encoding="utf-8")
    routes = routes.replace('fixtures = "../fixtures/globalresearch"', f'fixtures = "{pages}"')
    table = tmp / "globalresearch.toml"
    table.write_text(routes, encoding="utf-8")
    return table


@pytest.mark.slow
def test_a_crawl_learns_the_furniture_and_the_next_removes_it(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    settings = {"FURNITURE_MIN_ARTICLES": "3"}
    with ReplicaServer(routes=_replica_with_appeal(tmp_path)) as url:
        first = run_crawl(archive, base_url=url, settings=settings)
        assert first.returncode == 0, first.log
        first_items = read_items(archive)
        assert sum(APPEAL in (i["body"] or "") for i in first_items) >= 10  # the extractor keeps it: no rule names it
        assert list(archive.glob("furniture/globalresearch/*.json"))
        second = run_crawl(archive, "-a", "refresh_days=0", base_url=url, settings=settings)
        assert second.returncode == 0, second.log
    new = [i for i in read_items(archive) if i["crawl_id"] != first_items[0]["crawl_id"]]
    assert len(new) == len(first_items)
    assert not [i["url"] for i in new if APPEAL in (i["body"] or "")]
    assert "'items/furniture_paragraphs_removed': " in second.log
    assert "furniture of globalresearch: 1 paragraph(s), learned from" in second.log
    # Re-extraction of the first crawl's WARC applies what the archive has learned since.
    warcs = [str(p) for p in archive.glob(f"warc/**/{first_items[0]['crawl_id']}-*.warc.gz")]
    again = subprocess.run([sys.executable, "-m", "scrapy", "reextract", *warcs, "-s", f"ARCHIVE_URI={archive}",
                            "-s", "FURNITURE_MIN_ARTICLES=3"], cwd=ROOT, env=scrapy_env(), capture_output=True,
                           text=True, timeout=120, check=False)
    assert again.returncode == 0, again.stderr
    assert len(again.stdout.splitlines()) == len(first_items)
    assert APPEAL not in again.stdout


def test_items_leave_the_pipeline_in_the_order_they_came_while_the_state_is_read(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The first item reads the outlet's furniture (a thread); items behind it wait on the lock. One that came later,
    # once the state was read, must not pass them: the crawl's items follow their responses (and WARC records).
    import asyncio
    import time
    from types import SimpleNamespace

    from scrapy.utils.test import get_crawler

    import pipelines.items.furniture as furniture_pipeline

    def slow_read(*args: object, **kwargs: object) -> Furniture:
        time.sleep(0.2)
        return Furniture()

    monkeypatch.setattr(furniture_pipeline.Furniture, "read_newest", staticmethod(slow_read))
    monkeypatch.setattr(furniture_pipeline, "crawl_identity", lambda crawler: SimpleNamespace(outlet="globalresearch"))
    pipeline = furniture_pipeline.FurniturePipeline(get_crawler(settings_dict={"FURNITURE_ENABLED": True}),
                                                    SimpleNamespace(store=FileStore(tmp_path)))  # type: ignore[arg-type]
    done: list[int] = []

    async def one(n: int) -> None:
        await pipeline.process_item({"body": f"Paragraph {n} of an article."})
        done.append(n)

    async def late() -> None:
        while pipeline._state is None:
            await asyncio.sleep(0)
        await one(3)

    async def main() -> None:
        await asyncio.gather(one(0), one(1), one(2), late())

    asyncio.run(main())
    assert done == [0, 1, 2, 3]
