"""The capture's size and time limits (crawler/middlewares/warc_capture.py), driven through its signal handler.

The clock is the module's `time.monotonic`, replaced by a fake one, so the tests say what happens when the
reactor sees the bytes late without waiting for anything.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import StopDownload
from scrapy.settings import Settings

from crawler.middlewares import warc_capture
from crawler.middlewares.warc_capture import TRUNCATED, WarcCaptureMiddleware


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(warc_capture.time, "monotonic", fake)
    return fake


def middleware(**settings: Any) -> WarcCaptureMiddleware:
    crawler = SimpleNamespace(settings=Settings({"DOWNLOAD_MAXSIZE": 1000, "WARC_MAX_FETCH_TIME": 2, **settings}),
                              stats=None)
    return WarcCaptureMiddleware(warc=None, crawler=crawler)  # type: ignore[arg-type]


def started(capture: WarcCaptureMiddleware) -> Request:
    request = Request("http://127.0.0.1/a/12345")
    capture.process_request(request)
    return request


def test_a_body_seen_late_but_whole_is_not_cut(clock: Clock) -> None:
    """The reactor was busy for 5 s (a huge sitemap) while a small page arrived: the page is whole."""
    capture = middleware()
    request = started(capture)
    clock.now += 5
    capture.bytes_received(b"x" * 300, request, None)
    clock.now += 0.01
    capture.bytes_received(b"x" * 300, request, None)
    assert TRUNCATED not in request.meta


def test_a_drip_is_cut_after_the_limit_from_its_first_byte(clock: Clock) -> None:
    capture = middleware()
    request = started(capture)
    clock.now += 5  # late first byte: a slow server, which DOWNLOAD_TIMEOUT bounds, not this limit
    capture.bytes_received(b"<html>", request, None)
    for _ in range(9):
        clock.now += 0.2
        capture.bytes_received(b".", request, None)  # 1.8 s after the first byte: still within the limit
    clock.now += 0.3
    with pytest.raises(StopDownload) as stopped:
        capture.bytes_received(b".", request, None)
    assert stopped.value.fail is False  # Scrapy hands over what came, which is archived
    assert request.meta[TRUNCATED] == "time"


def test_a_retry_starts_its_own_clock(clock: Clock) -> None:
    capture = middleware()
    request = started(capture)
    capture.bytes_received(b"x", request, None)
    clock.now += 10
    retry = request.copy()  # RetryMiddleware copies the meta, first-byte time included
    capture.process_request(retry)
    capture.bytes_received(b"x", retry, None)
    assert TRUNCATED not in retry.meta


def test_a_body_over_maxsize_is_cut_for_length(clock: Clock) -> None:
    capture = middleware()
    request = started(capture)
    capture.bytes_received(b"x" * 600, request, None)
    with pytest.raises(StopDownload):
        capture.bytes_received(b"x" * 600, request, None)
    assert request.meta[TRUNCATED] == "length"
    # The handler's own checks are off while the capture counts; the limits come back for what follows.
    assert request.meta["download_maxsize"] == 0
    capture.process_exception(request, StopDownload(fail=False))
    assert request.meta["download_maxsize"] == 1000


def test_no_time_limit_when_it_is_off(clock: Clock) -> None:
    capture = middleware(WARC_MAX_FETCH_TIME=0)
    request = started(capture)
    capture.bytes_received(b"x", request, None)
    clock.now += 3600
    capture.bytes_received(b"x", request, None)
    assert TRUNCATED not in request.meta
