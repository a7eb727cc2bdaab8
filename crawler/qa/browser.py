"""Replayed pages opened in a real browser: the system's chromium, headless, driven by Playwright.

`ReplayBrowser(base_url, collection)` opens each page at pywb's ordinary replay address,
`<base>/<collection>/<timestamp>/<url>` (framed: pywb's banner on top, the page in an iframe at
`<timestamp>mp_/<url>`, every link of it rewritten into the archive), waits for the load and for the network
to be quiet, and records:

- every request with its answer. A request fails on a network error or an HTTP status of 400 or more; it is
  named by the URL the page asked for, parsed back from pywb's `/<collection>/<timestamp>cs_/http://…`.
  Requests for pywb's own files (banner, wombat.js, the capture list) are kept apart. A request that would
  leave the archive (any origin other than pywb's) is blocked, so that a gap in the archive never hides behind
  the live web, and counts as failed.
- a style fact of the replayed document: the body's computed background colour and font, its stylesheets and
  rules, and whether a stylesheet applied (a linked one loaded with rules, or inline rules on a page that
  links none);
- the document's title and text, a screenshot (PNG, the viewport as an archivist sees it) and a thumbnail
  (JPEG, a quarter of the size, scaled by chromium itself).

No browser is downloaded: Playwright drives the executable it is given (Debian's /usr/bin/chromium).
"""

from __future__ import annotations

import base64
import logging
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Frame, Playwright, Route, ViewportSize, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page as BrowserPage
from playwright.sync_api import Request as BrowserRequest
from playwright.sync_api import Response as BrowserResponse
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

__all__ = [
    "BROWSER_ARGS", "DEFAULT_BROWSER", "BrowserError", "Page", "PageResult", "ReplayBrowser", "ReplayRef",
    "RequestRecord", "Style", "parse_replay_url", "replay_pages", "screenshot_name",
]

logger = logging.getLogger(__name__)

DEFAULT_BROWSER = "/usr/bin/chromium"
# Headless, as root, offline: no sandbox (root), no GPU, nothing fetched by the browser for itself.
BROWSER_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
THUMBNAIL_SCALE = 0.25
NETWORK_QUIET_TIMEOUT = 10.0  # seconds to wait for the network to go quiet after the load event
TEXT_LIMIT = 200_000

# In the replayed document: its title and text, and the style fact.
_PAGE_FACTS_JS = """() => {
  const body = document.body;
  let sheets = 0, linked = 0, linkedApplied = 0, rules = 0;
  for (const sheet of document.styleSheets) {
    sheets += 1;
    let count;
    try { count = sheet.cssRules.length; } catch (e) { count = -1; }  // cross-origin: loaded, unreadable
    rules += Math.max(count, 0);
    if (sheet.href) { linked += 1; if (count !== 0) linkedApplied += 1; }
  }
  const style = body ? getComputedStyle(body) : null;
  return {
    title: document.title || "",
    text: body ? body.innerText : "",
    background: style ? style.backgroundColor : "",
    font: style ? style.fontFamily : "",
    sheets: sheets, linked: linked, linkedApplied: linkedApplied, rules: rules,
  };
}"""

_REPLAY_PATH = re.compile(r"^/(?P<ts>\d{1,14})(?P<mod>[a-z]{2}_)?/(?P<url>.*)$", re.DOTALL)


class BrowserError(Exception):
    """The browser cannot be used (not installed, does not start)."""


@dataclass(frozen=True)
class Page:
    """A page to replay: its URL as archived and the 14-digit timestamp of its capture."""

    url: str
    timestamp: str
    title: str = ""


@dataclass(frozen=True)
class ReplayRef:
    """What a pywb replay address asks for: the original URL, at a timestamp, in a mode (`mp_`, `cs_`, …)."""

    timestamp: str
    modifier: str
    url: str


def parse_replay_url(address: str, base_url: str, collection: str) -> ReplayRef | None:
    """The original URL behind a pywb replay address of this collection, or None for any other address.

    pywb writes a scheme-relative URL (`//host/path`) after the modifier as it found it: it is read as http.
    """
    prefix = f"{base_url.rstrip('/')}/{collection}"
    if not address.startswith(prefix + "/"):
        return None
    match = _REPLAY_PATH.match(address[len(prefix):])
    if match is None:
        return None
    url = match["url"]
    if url.startswith("//"):
        url = "http:" + url
    elif "://" not in url.split("?", 1)[0]:
        url = "http://" + url
    return ReplayRef(timestamp=match["ts"], modifier=match["mod"] or "", url=url)


@dataclass
class RequestRecord:
    """One request of a replayed page and its answer."""

    url: str
    """The URL the page asked for (parsed back from pywb's address), or the request's own URL otherwise."""
    address: str
    """The URL the browser requested."""
    kind: str
    """`archive` (a replay of an archived URL), `pywb` (pywb's own files), `outside` (blocked: not pywb)."""
    resource_type: str
    modifier: str = ""
    status: int | None = None
    error: str | None = None

    @property
    def failed(self) -> bool:
        if self.status is not None and self.status >= 400:
            return True
        # An answer cut short fails; a request aborted once its answer came (a page moving on) does not.
        return self.error is not None and not (self.status is not None and self.error == "net::ERR_ABORTED")

    @property
    def outcome(self) -> str:
        if self.kind == "outside":
            return "blocked: outside the archive"
        if self.status is not None and self.status >= 400:
            return str(self.status)
        return self.error or (str(self.status) if self.status is not None else "no answer")


@dataclass(frozen=True)
class Style:
    """The replayed document's look, in numbers: enough to tell a styled page from a bare one."""

    background: str
    font: str
    sheets: int
    linked_sheets: int
    linked_sheets_applied: int
    """Linked stylesheets that loaded with rules."""
    rules: int

    @property
    def stylesheet_applied(self) -> bool:
        return self.linked_sheets_applied > 0 or (self.linked_sheets == 0 and self.rules > 0)

    def describe(self) -> str:
        applied = "stylesheet applied" if self.stylesheet_applied else "NO stylesheet applied"
        return (f"{applied}: {self.linked_sheets_applied} of {self.linked_sheets} linked stylesheets loaded, "
                f"{self.sheets} sheets, {self.rules} rules; body background {self.background}, font {self.font}")


@dataclass
class PageResult:
    page: Page
    address: str
    """The replay address opened."""
    status: int | None = None
    """pywb's HTTP status for the capture itself."""
    error: str | None = None
    """Why the page could not be opened (a timeout, a navigation error), if it could not."""
    title: str = ""
    text: str = ""
    requests: list[RequestRecord] = field(default_factory=list)
    style: Style | None = None
    screenshot: Path | None = None
    thumbnail: bytes = b""
    """JPEG."""
    seconds: float = 0.0

    @property
    def replayed(self) -> bool:
        return self.error is None and self.status is not None and self.status < 400

    @property
    def page_requests(self) -> list[RequestRecord]:
        """The page's own requests (pywb's files left out)."""
        return [r for r in self.requests if r.kind != "pywb"]

    @property
    def failures(self) -> list[RequestRecord]:
        return [r for r in self.requests if r.failed]


def screenshot_name(index: int, page: Page) -> str:
    """`0007-a-winter-in-the-cafe-district-5667300.png`: numbered in check order, named by the URL's path."""
    parts = urlsplit(page.url)
    slug = re.sub(r"[^a-z0-9]+", "-", f"{parts.path} {parts.query}".lower()).strip("-")[-60:].strip("-")
    return f"{index:04d}-{slug or 'page'}.png"


def browser_executable(executable: str) -> str:
    """The browser's path, or BrowserError saying how to install it."""
    found = shutil.which(executable)
    if found is None:
        raise BrowserError(f"no browser at {executable!r}: install Debian's chromium (apt-get install chromium) "
                           "or set QA_BROWSER")
    return found


class ReplayBrowser:
    """One headless chromium for many pages; each page in a fresh context (no cache, no cookies between them)."""

    def __init__(self, base_url: str, collection: str, *, executable: str = DEFAULT_BROWSER,
                 timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.collection = collection
        self.executable = browser_executable(executable)
        self.timeout = timeout
        parts = urlsplit(self.base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    @property
    def version(self) -> str:
        return self._browser.version if self._browser is not None else ""

    def __enter__(self) -> ReplayBrowser:
        self._playwright = sync_playwright().start()
        try:
            # Playwright gives every launch a fresh profile of its own (--user-data-dir), removed on close.
            self._browser = self._playwright.chromium.launch(executable_path=self.executable, headless=True,
                                                             args=list(BROWSER_ARGS))
        except PlaywrightError as exc:
            self.__exit__(None, None, None)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BrowserError(f"{self.executable} did not start: {first}") from None
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        browser, self._browser = self._browser, None
        playwright, self._playwright = self._playwright, None
        try:
            if browser is not None:
                browser.close()
        finally:
            if playwright is not None:
                playwright.stop()

    def address(self, page: Page) -> str:
        return f"{self.base_url}/{self.collection}/{page.timestamp}/{page.url}"

    def check(self, page: Page, screenshot: Path | None = None) -> PageResult:
        """Open one replayed page and record what came of it (never raises for a page that fails)."""
        if self._browser is None:
            raise RuntimeError("ReplayBrowser is not started: use it in a with block")
        started = time.monotonic()
        result = PageResult(page=page, address=self.address(page))
        records: dict[int, tuple[BrowserRequest, RequestRecord]] = {}

        def on_request(request: BrowserRequest) -> None:
            record = self._record(request)
            if record is not None:
                records[id(request)] = (request, record)
                result.requests.append(record)

        def on_response(response: BrowserResponse) -> None:
            found = records.get(id(response.request))
            if found is not None:
                found[1].status = response.status

        def on_failed(request: BrowserRequest) -> None:
            found = records.get(id(request))
            if found is not None:
                found[1].error = request.failure or "failed"

        context = self._browser.new_context(viewport=VIEWPORT, service_workers="block")
        try:
            context.route("**/*", self._guard)
            tab = context.new_page()
            tab.on("request", on_request)
            tab.on("response", on_response)
            tab.on("requestfailed", on_failed)
            self._load(tab, result)
            self._read(tab, result)
            self._capture(tab, result, screenshot)
        finally:
            context.close()
        result.status = _document_status(result)
        result.seconds = time.monotonic() - started
        return result

    def _record(self, request: BrowserRequest) -> RequestRecord | None:
        address = request.url
        if not address.startswith(("http:", "https:")):
            return None  # data:, blob:: nothing asked of a server
        ref = parse_replay_url(address, self.base_url, self.collection)
        if ref is not None:
            return RequestRecord(url=ref.url, address=address, kind="archive", resource_type=request.resource_type,
                                 modifier=ref.modifier)
        kind = "pywb" if address.startswith(self.origin + "/") else "outside"
        return RequestRecord(url=address, address=address, kind=kind, resource_type=request.resource_type)

    def _guard(self, route: Route) -> None:
        address = route.request.url
        if address.startswith(self.origin + "/") or not address.startswith(("http:", "https:", "ws:", "wss:")):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def _load(self, tab: BrowserPage, result: PageResult) -> None:
        try:
            tab.goto(result.address, wait_until="load", timeout=self.timeout * 1000)
        except PlaywrightError as exc:
            result.error = _first_line(exc)
            return
        try:
            tab.wait_for_load_state("networkidle", timeout=min(self.timeout, NETWORK_QUIET_TIMEOUT) * 1000)
            frame = _replay_frame(tab, self.base_url, self.collection)
            frame.wait_for_load_state("load", timeout=self.timeout * 1000)
        except PlaywrightTimeoutError:
            logger.debug("network still busy after the load of %s", result.address)

    def _read(self, tab: BrowserPage, result: PageResult) -> None:
        try:
            facts: dict[str, Any] = _replay_frame(tab, self.base_url, self.collection).evaluate(_PAGE_FACTS_JS)
        except PlaywrightError as exc:
            logger.warning("could not read the replayed page %s: %s", result.address, _first_line(exc))
            return
        result.title = str(facts.get("title") or "")
        result.text = str(facts.get("text") or "")[:TEXT_LIMIT]
        result.style = Style(
            background=str(facts.get("background") or ""), font=str(facts.get("font") or ""),
            sheets=int(facts.get("sheets") or 0), linked_sheets=int(facts.get("linked") or 0),
            linked_sheets_applied=int(facts.get("linkedApplied") or 0), rules=int(facts.get("rules") or 0),
        )

    def _capture(self, tab: BrowserPage, result: PageResult, screenshot: Path | None) -> None:
        try:
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                tab.screenshot(path=screenshot, timeout=self.timeout * 1000)
                result.screenshot = screenshot
            # Chromium scales the capture itself (DevTools' clip scale): no image library needed.
            session = tab.context.new_cdp_session(tab)
            shot = session.send("Page.captureScreenshot", {
                "format": "jpeg", "quality": 70,
                "clip": {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": VIEWPORT["height"],
                         "scale": THUMBNAIL_SCALE},
            })
            result.thumbnail = base64.b64decode(shot["data"])
            session.detach()
        except PlaywrightError as exc:
            logger.warning("no screenshot of %s: %s", result.address, _first_line(exc))


def _replay_frame(tab: BrowserPage, base_url: str, collection: str) -> Frame:
    """The frame holding the replayed document: pywb's `mp_` iframe when framed, else the page itself."""
    for frame in tab.frames:
        ref = parse_replay_url(frame.url, base_url, collection)
        if ref is not None and ref.modifier == "mp_":
            return frame
    return tab.main_frame


def _document_status(result: PageResult) -> int | None:
    """pywb's status for the capture: its `mp_` document first (framed replay), else the top document."""
    documents = [r for r in result.requests
                 if r.kind == "archive" and r.resource_type == "document" and r.modifier in ("mp_", "")]
    documents.sort(key=lambda r: (r.modifier != "mp_", r.url != result.page.url))
    return documents[0].status if documents else None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def replay_pages(base_url: str, collection: str, pages: Iterable[Page], *, screenshots: Path | None = None,
                 executable: str = DEFAULT_BROWSER, timeout: float = 30.0,
                 on_page: Callable[[int, PageResult], None] | None = None) -> list[PageResult]:
    """Every page opened in one browser, in order; screenshots (when a folder is given) named by screenshot_name."""
    results = []
    with ReplayBrowser(base_url, collection, executable=executable, timeout=timeout) as browser:
        for index, page in enumerate(pages, 1):
            shot = screenshots / screenshot_name(index, page) if screenshots is not None else None
            result = browser.check(page, shot)
            results.append(result)
            if on_page is not None:
                on_page(index, result)
    return results
