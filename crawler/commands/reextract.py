"""`scrapy reextract WARC...`: run today's extractors over archived responses, print items as JSON Lines.

Each item's `warc` points at the record read (a revisit record's payload is taken from the record it
refers to, when that record is among the files given). No network.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from tqdm import tqdm
from w3lib.encoding import html_to_unicode
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from crawler.crawl import outlet_url
from crawler.extractors.page import Normalizer, normalized_item
from crawler.items import ArticleItem, WarcRef
from crawler.outlets import Outlet, outlets_for_command
from crawler.utils.content_encoding import BodyDecodingError, decode_body
from pipelines.items.normalize import normalize_article

logger = logging.getLogger(__name__)

_HTML_TYPES = ("text/html", "application/xhtml+xml")


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "INFO"}

    def syntax(self) -> str:
        return "[--outlet NAME] FILE.warc.gz..."

    def short_desc(self) -> str:
        return "Extract items again from archived WARC response records, as JSON Lines"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--outlet", help="outlet key (default: the outlet named in each file's warcinfo)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if not args:
            raise UsageError("give at least one WARC file")
        outlets = outlets_for_command(self.settings)
        if opts.outlet and opts.outlet not in outlets:
            raise UsageError(f"unknown outlet {opts.outlet!r} (outlets: {', '.join(outlets)})")
        normalize = partial(normalize_article, date_formats=self.settings.getlist("NORMALIZE_DATE_FORMATS"))
        max_size = self.settings.getint("DOWNLOAD_MAXSIZE")
        files = [Path(a) for a in args]
        payloads = _response_offsets(files)
        written = 0
        bar = tqdm(files, unit="file", disable=not sys.stderr.isatty(), file=sys.stderr)
        for path in bar:
            bar.set_description(path.name)
            count = 0
            try:
                for item in _items_of(path, outlets, opts.outlet, payloads=payloads, max_size=max_size,
                                      normalize=normalize):
                    sys.stdout.write(json.dumps(asdict(item), ensure_ascii=False) + "\n")
                    count += 1
            except OSError as exc:
                logger.error("cannot read %s: %s", path, exc)  # noqa: TRY400 - one clear line is enough
                self.exitcode = 1
                continue
            written += count
            if not sys.stderr.isatty():
                logger.info("%s: %d items", path, count)
        logger.info("reextract: %d items from %d file(s)", written, len(files))


class _WarcInfo:
    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def read(self, record: ArcWarcRecord) -> None:
        text = record.content_stream().read().decode("utf-8", "replace")
        self.fields = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def _response_offsets(files: list[Path]) -> dict[str, tuple[Path, int]]:
    """Where each response record of the given files starts, by WARC-Record-ID (revisits point there)."""
    found: dict[str, tuple[Path, int]] = {}
    for path in files:
        try:
            with path.open("rb") as handle:
                iterator = ArchiveIterator(handle)
                for record in iterator:
                    if record.rec_type == "response":
                        found[record.rec_headers.get_header("WARC-Record-ID")] = (path, iterator.get_record_offset())
        except OSError:
            continue
    return found


def _read_payload_at(path: Path, offset: int) -> tuple[bytes, Any]:
    with path.open("rb") as handle:
        handle.seek(offset)
        record = next(iter(ArchiveIterator(handle)))
        return record.raw_stream.read(), record.http_headers


def _items_of(path: Path, outlets: dict[str, Outlet], forced: str | None, *, payloads: dict[str, tuple[Path, int]],
              max_size: int, normalize: Normalizer) -> Iterator[ArticleItem]:
    info = _WarcInfo()
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        for record in iterator:
            if record.rec_type == "warcinfo":
                info.read(record)
                continue
            if record.rec_type not in ("response", "revisit") or record.http_headers is None:
                continue
            if record.http_headers.get_statuscode() != "200":
                continue
            outlet = outlets.get(forced or info.fields.get("outlet", ""))
            if outlet is None:
                continue
            fetched_url = record.rec_headers.get_header("WARC-Target-URI")
            own_url = outlet_url(fetched_url, info.fields.get("fetch-origin", ""), outlet.origin)
            if not outlet.is_article_path(urlsplit(own_url).path):
                continue
            headers = record.http_headers
            if record.rec_type == "revisit":
                target = payloads.get(record.rec_headers.get_header("WARC-Refers-To") or "")
                if target is None:
                    logger.warning("revisit of a record not among the files given, skipped: %s", fetched_url)
                    continue
                body, headers = _read_payload_at(*target)
            else:
                body = record.raw_stream.read()  # as sent: still encoded
            iterator.read_to_end(record)
            ref: WarcRef = {
                "filename": path.name,
                "offset": iterator.get_record_offset(),
                "length": iterator.get_record_length(),
                "record_id": record.rec_headers.get_header("WARC-Record-ID"),
                "payload_digest": record.rec_headers.get_header("WARC-Payload-Digest"),
            }
            try:
                body = decode_body(body, headers.get_header("Content-Encoding"), max_size)
            except BodyDecodingError as exc:
                logger.warning("not re-extracted: %s (%s)", fetched_url, exc)
                continue
            content_type = headers.get_header("Content-Type") or ""
            if content_type and content_type.split(";")[0].strip().lower() not in _HTML_TYPES:
                continue
            _, html = html_to_unicode(content_type, body)
            yield normalized_item(
                outlet, html, own_url, normalize,
                fetched_url=fetched_url,
                fetched_at=record.rec_headers.get_header("WARC-Date"),
                crawl_id=info.fields.get("isPartOf"),
                warc=ref,
            )

