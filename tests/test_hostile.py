"""The hostile battery (tests/replica/hostile.py): one crawl meets every broken, huge or malicious response.

The crawl runs as `scrapy crawl` in a subprocess with the project's own limits (only the timeouts are
shortened, so the slow drip takes seconds); its peak RSS is read from /proc while it runs.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import psutil
import pytest
from scrapy import Spider
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.middlewares.redirect_guard import RedirectGuardMiddleware
from tests.crawl_runner import ROOT, crawl_command, project_crawler, scrapy_env
from tests.replica.hostile import CASES, Case, HostileServer, HostileSite

pytestmark = pytest.mark.slow

OUTLETS_FILE = "tests/fixtures/hostile/outlets.toml"
PEAK_RSS_LIMIT = 256 * 1024 * 1024
# Only the clocks are shortened; every size limit is the project's own.
# WARC_MAX_FETCH_TIME: long enough for the 16 MB bodies to reach DOWNLOAD_MAXSIZE on a loaded machine (at 2 s a busy
# CI cut them by time first), short of DOWNLOAD_TIMEOUT for the slow drip.
BATTERY_SETTINGS = {"DOWNLOAD_TIMEOUT": "8", "WARC_MAX_FETCH_TIME": "6", "OUTLETS_FILE": OUTLETS_FILE}
MARKER_TEXT = "local-file-marker-7f3a9c-must-never-be-archived"
PASSWD_LINE = "root:x:0:0:"
KEY_PATTERNS = (
    re.compile(r"warc/hostile/\d{4}/\d{2}/\d{2}/[0-9TZ]+-[0-9a-f]{4}-\d{5}\.warc\.gz"),
    re.compile(r"items/hostile/\d{4}/\d{2}/\d{2}/[0-9TZ]+-[0-9a-f]{4}-\d{5}\.jsonl\.gz"),
    re.compile(r"indexes/hostile/[0-9TZ]+-[0-9a-f]{4}\.cdxj"),
    re.compile(r"crawls/hostile/[0-9TZ]+-[0-9a-f]{4}\.json"),
    re.compile(r"furniture/hostile/[0-9TZ]+-[0-9a-f]{4}\.json"),
)


@dataclass
class HostileCrawl:
    archive: Path
    returncode: int
    seconds: float
    peak_rss: int
    log: str
    server: HostileServer
    _records: list[tuple[str, str, dict[str, str], bytes]] | None = None

    def warning_lines(self) -> list[str]:
        return [line for line in self.log.splitlines() if re.search(r"\] (WARNING|ERROR|CRITICAL):", line)]

    def records(self) -> list[tuple[str, str, dict[str, str], bytes]]:
        """(type, target URI, WARC headers, HTTP payload as received: still content-encoded)."""
        if self._records is None:
            self._records = []
            for path in sorted(self.archive.glob("warc/**/*.warc.gz")):
                with path.open("rb") as handle:
                    for record in ArchiveIterator(handle):
                        headers = dict(record.rec_headers.headers)
                        self._records.append((record.rec_type, headers.get("WARC-Target-URI", ""), headers,
                                              record.raw_stream.read()))
        return self._records

    def items(self) -> list[dict[str, object]]:
        found: list[dict[str, object]] = []
        for path in sorted(self.archive.glob("items/**/*.jsonl.gz")):
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                found += [json.loads(line) for line in handle]
        return found

    def stats(self) -> dict[str, int]:
        manifests = sorted(self.archive.glob("crawls/**/*.json"))
        assert len(manifests) == 1, manifests
        stats: dict[str, int] = json.loads(manifests[0].read_text(encoding="utf-8"))["stats"]
        return stats

    def every_output_text(self) -> Iterator[tuple[str, str]]:
        """(name, text) of the log and of every file under the archive, gzip members opened."""
        yield "log", self.log
        for path in sorted(p for p in self.archive.rglob("*") if p.is_file()):
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            yield str(path.relative_to(self.archive)), data.decode("utf-8", "replace")


def peak_rss_of(pid: int) -> int:
    """VmHWM: the kernel's own high-water mark of the process's resident set."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) * 1024 if match else 0


def run_monitored(archive: Path, base_url: str, *args: str, settings: dict[str, str] | None = None,
                  env: dict[str, str] | None = None, timeout: float = 60) -> tuple[int, float, int, str]:
    cmd = crawl_command("hostile", *args, base_url=base_url, archive=archive,
                        settings={**BATTERY_SETTINGS, **(settings or {})})
    log_path = archive.with_suffix(".log")
    started = time.monotonic()
    # Started by a small shell, not by this (large) test process: Linux hands the parent's peak RSS down to
    # a child's ru_maxrss at fork and exec, and Scrapy's memusage extension reads ru_maxrss.
    launcher = ["sh", "-c", '"$@"; exit $?', "sh", *cmd]
    with log_path.open("w") as log:
        process = subprocess.Popen(launcher, cwd=ROOT, env=scrapy_env(env), stdout=log, stderr=subprocess.STDOUT)
        peak = 0
        while process.poll() is None:
            try:
                crawler = psutil.Process(process.pid).children()
                if crawler:
                    peak = max(peak, peak_rss_of(crawler[0].pid))
            except (FileNotFoundError, ProcessLookupError, psutil.NoSuchProcess):
                pass
            if time.monotonic() - started > timeout:
                process.kill()
                process.wait()
                break
            time.sleep(0.05)
        process.wait()
    return process.returncode, time.monotonic() - started, peak, log_path.read_text()


@pytest.fixture(scope="module")
def marker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("local") / "marker.txt"
    path.write_text(MARKER_TEXT + "\n")
    return path


@pytest.fixture(scope="module")
def hostile_server(marker: Path) -> Iterator[HostileServer]:
    site = HostileSite(marker_path=marker, drip_seconds=20)
    site.prepare()
    with HostileServer(site) as server:
        yield server


@pytest.fixture(scope="module")
def battery(hostile_server: HostileServer, tmp_path_factory: pytest.TempPathFactory) -> HostileCrawl:
    archive = tmp_path_factory.mktemp("hostile") / "archive"
    returncode, seconds, peak, log = run_monitored(archive, hostile_server.url)
    return HostileCrawl(archive, returncode, seconds, peak, log, hostile_server)


def test_the_crawl_ends_by_itself(battery: HostileCrawl) -> None:
    # 5: it ran and stored everything, but the cut bodies (bombs, drips, a short body) are pages it could not
    # archive whole; the report says which.
    assert battery.returncode == 5, battery.log[-3000:]
    assert re.search(r"crawl report: finished; .*errors: .*truncated/article 4", battery.log)
    assert battery.seconds < 50
    assert "'finish_reason': 'finished'" in battery.log


def test_peak_rss_stays_bounded(battery: HostileCrawl) -> None:
    assert 0 < battery.peak_rss < PEAK_RSS_LIMIT, f"peak RSS {battery.peak_rss / 2**20:.0f} MB"


def test_no_traceback_and_no_error_line(battery: HostileCrawl) -> None:
    assert "Traceback" not in battery.log
    assert not [line for line in battery.warning_lines() if "ERROR" in line or "CRITICAL" in line]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_case(battery: HostileCrawl, case: Case) -> None:
    named = [line for line in battery.log.splitlines() if case.path in line and re.search(r"\] [A-Z]+:", line)]
    items = [item for item in battery.items() if str(item["fetched_url"]).endswith(case.path)]
    warnings = [line for line in battery.warning_lines() if case.path in line]
    if case.outcome == "item":
        assert len(items) == 1
        assert not warnings
        assert "\x00" not in json.dumps(items[0])
    elif case.outcome == "dropped":
        assert not items
        assert [line for line in named if case.reason in line and "Dropped" in line]
    else:
        assert not items
        assert len(warnings) == 1, warnings
        assert case.reason in warnings[0]
    # Whatever came back, it is archived: the first response of the case's URL.
    responses = [(uri, headers) for kind, uri, headers, _ in battery.records()
                 if kind == "response" and uri.startswith(battery.server.url + case.path)]
    assert responses, f"no WARC response record for {case.path}"


@pytest.mark.parametrize(("path", "why"), [
    ("/oversize/10004", "length"), ("/oversize-no-length/10005", "length"), ("/short-body/10010", "length"),
    ("/slow-drip/10017", "time"),
])
def test_a_cut_body_is_archived_with_warc_truncated(battery: HostileCrawl, path: str, why: str) -> None:
    found = [(headers, body) for kind, uri, headers, body in battery.records()
             if kind == "response" and uri == battery.server.url + path]
    # A body cut by the connection (shorter than its Content-Length) is tried again, RETRY_TIMES (2) more times,
    # and every attempt is archived; one cut by our own limits (size, time) would be cut again: fetched once.
    assert len(found) == (3 if path == "/short-body/10010" else 1)
    for headers, body in found:
        assert headers.get("WARC-Truncated") == why
        assert body  # what arrived is kept
        assert len(body) <= 16 * 1024 * 1024 + 1024 * 1024


def test_whole_bodies_are_not_marked_truncated(battery: HostileCrawl) -> None:
    truncated = {uri.removeprefix(battery.server.url) for kind, uri, headers, _ in battery.records()
                 if kind == "response" and "WARC-Truncated" in headers}
    assert truncated == {"/oversize/10004", "/oversize-no-length/10005", "/short-body/10010", "/slow-drip/10017"}


def test_bombs_are_archived_compressed_as_received(battery: HostileCrawl) -> None:
    for path in ("/gzip-bomb/10001", "/deflate-bomb/10002", "/brotli-bomb/10003"):
        found = [(headers, body) for kind, uri, headers, body in battery.records()
                 if kind == "response" and uri == battery.server.url + path]
        assert len(found) == 1
        assert len(found[0][1]) < 1024 * 1024  # the compressed bytes, not 256 MB of zeros


def test_every_response_served_is_archived(battery: HostileCrawl) -> None:
    archived = {uri for kind, uri, _, _ in battery.records() if kind == "response"}
    main = battery.server.url.removeprefix("http://")
    served = {battery.server.url + path for host, path, _ in battery.server.site.requests if host == main}
    assert served - archived == set()


def test_stats_count_each_kind(battery: HostileCrawl) -> None:
    stats = battery.stats()
    assert stats["pages/failed/decompressed_too_large"] == 3
    assert stats["warc/truncated/length"] == 5  # two cut at DOWNLOAD_MAXSIZE, the short body three times
    assert stats["retry/reason_count/dataloss"] == 2
    assert stats["warc/truncated/time"] == 1
    assert stats["pages/truncated/article"] == 4
    assert stats["pages/empty/article"] == 1
    assert stats["pages/not_parsable/article"] == 1
    assert stats["redirects/refused/scheme_file"] == 1
    assert stats["redirects/refused/scheme_data"] == 1
    assert stats["redirects/refused/offsite"] == 1
    assert stats["pages/failed/redirect_refused"] == 3
    assert stats["pages/failed/IgnoreRequest"] == 1  # the redirect loop


def test_hostile_xml_is_read_without_entities(battery: HostileCrawl) -> None:
    paths = [path for _, path, _ in battery.server.site.requests]
    # The sitemaps were fetched and archived, and no entity was expanded into a URL.
    assert {"/sitemap-big.xml", "/sitemap-xxe.xml", "/sitemap-lol.xml", "/feed-broken"} <= set(paths)
    assert not [path for path in paths if "lollol" in path or "marker" in path]
    # The 50,000 entries of the big sitemap were read (none is an article) without a word in the log.
    assert not [line for line in battery.warning_lines() if "sitemap" in line or "feed" in line]
    assert battery.stats()["discovery/feed_entries"] >= len(CASES)


def test_nothing_from_the_local_file_system_in_any_output(battery: HostileCrawl) -> None:
    outputs = list(battery.every_output_text())
    assert len(outputs) > 4
    for name, text in outputs:
        assert MARKER_TEXT not in text, name
        assert PASSWD_LINE not in text, name


def test_no_storage_key_escapes_the_archive_root(battery: HostileCrawl) -> None:
    root = battery.archive.resolve()
    keys = []
    for path in battery.archive.rglob("*"):
        assert path.resolve().is_relative_to(root), path
        if path.is_file():
            keys.append(path.relative_to(battery.archive).as_posix())
    assert keys
    for key in keys:
        assert any(pattern.fullmatch(key) for pattern in KEY_PATTERNS), key
    # The dangerous URLs were fetched and extracted: their items sit in the crawl's files like any other.
    fetched = {str(item["fetched_url"]) for item in battery.items()}
    assert [url for url in fetched if "%2f" in url.lower() or "%01" in url]


def test_a_redirect_off_the_outlet_reaches_no_other_host(battery: HostileCrawl) -> None:
    assert list(battery.server.requests_to_other()) == []


class _TwoDomains(Spider):
    name = "two_domains"
    allowed_domains: ClassVar[list[str]] = ["globalresearch.ca", "www.globalresearch.ca"]


def test_a_followed_cross_host_redirect_carries_no_cookie_or_credentials() -> None:
    """Between two of an outlet's own domains the redirect is followed; Scrapy drops Cookie and Authorization."""
    crawler = get_crawler(_TwoDomains)
    crawler.spider = crawler._create_spider()
    request = Request("https://www.globalresearch.ca/a/12345",
                      headers={"Cookie": "session=1", "Authorization": "Basic dXNlcjpwYXNz"})
    response = Response(request.url, status=302, headers={"Location": "https://globalresearch.ca/a/12345"},
                        request=request)
    assert RedirectGuardMiddleware(crawler, tuple(_TwoDomains.allowed_domains)).process_response(request, response) is response
    redirected = RedirectMiddleware.from_crawler(crawler).process_response(request, response)
    assert isinstance(redirected, Request)
    assert b"Cookie" not in redirected.headers
    assert b"Authorization" not in redirected.headers
    offsite = Response(request.url, status=302, headers={"Location": "https://evil.example/x"}, request=request)
    with pytest.raises(IgnoreRequest, match="offsite"):
        RedirectGuardMiddleware(crawler, tuple(_TwoDomains.allowed_domains)).process_response(request, offsite)


SECRETS = {
    "aws_key_id": "AKIAHOSTILETEST0KEY1",
    "aws_secret": "hostile/Secret+Key/0123456789abcdefghijklmn",
    "aws_env_secret": "env-Secret-Key-9876543210-zyxwvu",
    "scrapyd_password": "scrapyd-pass-5x9q",
    "proxy_password": "proxy-pass-w7k2",
    "proxy_user": "proxyuser-h4",
    "http_password": "http-auth-pass-q8m3",
}


def test_secrets_never_reach_any_output(hostile_server: HostileServer, tmp_path: Path) -> None:
    """AWS keys (settings and environment), the scrapyd password, proxy and HTTP-auth credentials."""
    archive = tmp_path / "archive"
    # The replica answers proxy requests too (absolute URIs), so every fetch goes through the proxy.
    host_port = hostile_server.url.removeprefix("http://")
    proxy = f"http://{SECRETS['proxy_user']}:{SECRETS['proxy_password']}@{host_port}"
    urls = ",".join(hostile_server.url + path for path in
                    ("/ok-article/10000", "/to-file/10007", "/short-body/10010", "/redirect-loop/10006",
                     "/cross-domain/10009", "/pdf-article/10016"))
    returncode, _, _, log = run_monitored(
        archive, hostile_server.url, "-a", f"urls={urls}",
        settings={"AWS_ACCESS_KEY_ID": SECRETS["aws_key_id"], "AWS_SECRET_ACCESS_KEY": SECRETS["aws_secret"],
                  "HTTPAUTH_USER": "archivist", "HTTPAUTH_PASS": SECRETS["http_password"],
                  "HTTPAUTH_DOMAIN": "127.0.0.1"},
        env={"AWS_SECRET_ACCESS_KEY": SECRETS["aws_env_secret"], "SCRAPYD_PASSWORD": SECRETS["scrapyd_password"],
             "http_proxy": proxy, "HTTP_PROXY": proxy, "no_proxy": "", "NO_PROXY": ""},
    )
    assert returncode == 5, log[-3000:]  # the short body is a page not archived whole
    proxied = [headers for _, path, headers in hostile_server.site.requests if path.startswith("http://")]
    assert proxied and all("proxy-authorization" in headers for headers in proxied)  # the proxy was used
    crawl = HostileCrawl(archive, returncode, 0, 0, log, hostile_server)
    assert crawl.items()
    forms = set(SECRETS.values())
    forms.add(base64.b64encode(f"{SECRETS['proxy_user']}:{SECRETS['proxy_password']}".encode()).decode())
    forms.add(base64.b64encode(f"archivist:{SECRETS['http_password']}".encode()).decode())
    for name, text in crawl.every_output_text():
        for secret in forms:
            assert secret not in text, f"{secret!r} in {name}"
    requests = [headers for kind, _, headers, _ in crawl.records() if kind == "request"]
    assert requests


def test_the_memory_limit_closes_the_crawl_with_its_files_finalized(hostile_server: HostileServer,
                                                                       tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    returncode, _, _, log = run_monitored(archive, hostile_server.url,
                                          settings={"MEMUSAGE_LIMIT_MB": "160", "MEMUSAGE_WARNING_MB": "0",
                                                    "MEMUSAGE_CHECK_INTERVAL_SECONDS": "0.2"})
    assert "Traceback" not in log
    assert "'finish_reason': 'memusage_exceeded'" in log
    manifests = sorted(archive.glob("crawls/**/*.json"))
    assert len(manifests) == 1, log[-3000:]
    manifest = json.loads(manifests[0].read_text(encoding="utf-8"))
    assert manifest["finish_reason"] == "memusage_exceeded"
    # Stopped mid-crawl (the oversize bodies pass 160 MB), and what was written is whole and listed.
    assert manifest["files"]
    assert not [p for p in archive.rglob("*") if p.name.endswith(".open")]
    for entry in manifest["files"]:
        assert (archive / entry["key"]).is_file()
    assert [name for name, _ in HostileCrawl(archive, returncode, 0, 0, log, hostile_server).every_output_text()
            if name.startswith("warc/")]


def test_a_failed_decompression_frees_its_buffer_at_once() -> None:
    """The bytes decompressed so far sit in a frame of the error's cause; on_error clears it (no GC wait)."""
    from scrapy.settings import Settings
    from twisted.python.failure import Failure

    from crawler.spiderloader import OutletSpiderLoader
    from crawler.spiders.outlet_spider import OutletSpider
    from crawler.utils.content_encoding import DecompressionMaxSizeExceeded as _DecompressionMaxSizeExceeded

    settings = Settings({"OUTLETS_FILE": str(ROOT / OUTLETS_FILE), "SPIDER_MODULES": [],
                         "OUTLET_SPIDER_CLASS": OutletSpider})
    spider_cls = OutletSpiderLoader(settings).load("hostile")
    crawler = project_crawler(spider_cls, OUTLETS_FILE=str(ROOT / OUTLETS_FILE))
    spider = spider_cls.from_crawler(crawler)
    assert isinstance(spider, OutletSpider)

    def decompress() -> None:
        so_far = bytearray(1024)
        raise _DecompressionMaxSizeExceeded(len(so_far), 512)

    try:
        try:
            decompress()
        except _DecompressionMaxSizeExceeded as exc:
            raise IgnoreRequest("Ignored response <200 http://x/> because its body exceeded DOWNLOAD_MAXSIZE "
                                "(512 B) during decompression.") from exc
    except IgnoreRequest as exc:
        failure = Failure(exc, IgnoreRequest, exc.__traceback__)  # type: ignore[no-untyped-call]
        cause = exc.__cause__
    assert cause is not None and cause.__traceback__ is not None
    frame = cause.__traceback__.tb_next.tb_frame if cause.__traceback__.tb_next else None
    assert frame is not None and "so_far" in frame.f_locals
    spider.on_error(failure)
    assert "so_far" not in frame.f_locals
    assert crawler.stats is not None
    assert crawler.stats.get_value("pages/failed/decompressed_too_large") == 1
