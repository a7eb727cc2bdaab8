"""The replay check's verdict and its report: one HTML page that opens offline.

Everything is in the one file: the style sheet inline, no script, the thumbnails as `data:` URIs. URLs appear
as text only (a report outlives the pywb it was made with), never as a link or a source.

The verdict: a crawl passes when every page replayed and no request to the outlet's hosts (its domains, and
the mirror a crawl fetched from) failed. Failures elsewhere (third parties, the live web the browser was kept
from) are listed, after the outlet's, and do not fail the crawl.
"""

from __future__ import annotations

import base64
import html
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from crawler.crawl import host_in
from crawler.qa.browser import PageResult, RequestRecord

__all__ = ["OutletHosts", "Summary", "render_report", "summarize"]


@dataclass(frozen=True)
class OutletHosts:
    """The outlet's own hosts: its domains (and their subdomains), and the exact host:port of a mirror."""

    domains: tuple[str, ...] = ()
    netlocs: frozenset[str] = frozenset()

    @classmethod
    def of(cls, domains: Iterable[str], page_urls: Iterable[str]) -> OutletHosts:
        """The outlet's domains, and the hosts its pages were fetched from (a mirror's, with -a base_url)."""
        return cls(tuple(domains), frozenset(urlsplit(u).netloc.lower() for u in page_urls if urlsplit(u).netloc))

    def owns(self, url: str) -> bool:
        parts = urlsplit(url)
        return host_in(parts.hostname, self.domains) or parts.netloc.lower() in self.netlocs

    def describe(self) -> str:
        return ", ".join([*self.domains, *sorted(self.netlocs - set(self.domains))])


def outlet_failures(result: PageResult, hosts: OutletHosts) -> list[RequestRecord]:
    """Failed requests for the outlet's own URLs (pywb's files are not the outlet's, whatever their host)."""
    return [r for r in result.failures if r.kind != "pywb" and hosts.owns(r.url)]


def ordered_failures(result: PageResult, hosts: OutletHosts) -> list[RequestRecord]:
    """The page's failed requests, the outlet's first, then third parties, then pywb's own files."""
    def rank(record: RequestRecord) -> tuple[int, str]:
        group = 2 if record.kind == "pywb" else 0 if hosts.owns(record.url) else 1
        return group, record.url
    return sorted(result.failures, key=rank)


def page_passes(result: PageResult, hosts: OutletHosts) -> bool:
    return result.replayed and not outlet_failures(result, hosts)


@dataclass(frozen=True)
class Summary:
    pages: int
    replayed: int
    pages_with_failures: int
    outlet_failed_requests: int
    other_failed_requests: int
    styled: int
    seconds: float

    @property
    def passed(self) -> bool:
        return self.replayed == self.pages and self.outlet_failed_requests == 0

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return (f"{verdict}: {self.pages} page(s), {self.replayed} replayed, {self.pages_with_failures} with failed "
                f"requests; {self.outlet_failed_requests} failed request(s) to the outlet's hosts, "
                f"{self.other_failed_requests} elsewhere; {self.styled} page(s) with a stylesheet applied; "
                f"{self.seconds:.1f} s in the browser")


def summarize(results: list[PageResult], hosts: OutletHosts) -> Summary:
    return Summary(
        pages=len(results),
        replayed=sum(r.replayed for r in results),
        pages_with_failures=sum(bool(r.failures) or not r.replayed for r in results),
        outlet_failed_requests=sum(len(outlet_failures(r, hosts)) for r in results),
        other_failed_requests=sum(len(r.failures) - len(outlet_failures(r, hosts)) for r in results),
        styled=sum(bool(r.style and r.style.stylesheet_applied) for r in results),
        seconds=sum(r.seconds for r in results),
    )


_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1d1d1f;
  background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
.meta { color: #555; margin: 0 0 16px; }
.summary { display: flex; flex-wrap: wrap; gap: 12px; margin: 0 0 20px; padding: 0; list-style: none; }
.summary li { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.summary b { display: block; font-size: 22px; }
.verdict { font-weight: 600; padding: 6px 10px; border-radius: 4px; display: inline-block; margin: 0 0 16px; }
.pass { background: #e3f5e1; color: #14532d; } .fail { background: #fde2e1; color: #7f1d1d; }
.page { display: grid; grid-template-columns: 330px 1fr; gap: 16px; border-top: 1px solid #e5e5e5; padding: 14px 0; }
.page img { width: 320px; height: auto; border: 1px solid #ccc; }
.noshot { width: 320px; height: 225px; border: 1px dashed #bbb; display: flex; align-items: center;
  justify-content: center; color: #888; }
.page h2 { font-size: 16px; margin: 0 0 2px; }
.url { font-family: ui-monospace, monospace; font-size: 12px; color: #444; word-break: break-all; }
.facts { margin: 6px 0; } .facts span { margin-right: 14px; }
.bad { color: #b91c1c; font-weight: 600; } .good { color: #15803d; font-weight: 600; }
ul.failed { margin: 4px 0 0; padding-left: 18px; font-size: 12px; }
ul.failed code { font-family: ui-monospace, monospace; word-break: break-all; }
.tag { font-size: 11px; padding: 0 5px; border-radius: 3px; background: #eee; margin-right: 4px; }
.tag.outlet { background: #fde2e1; } .tag.pywb { background: #e0e7ff; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _request_lines(records: list[RequestRecord], hosts: OutletHosts) -> str:
    """One line per failed URL (a URL asked for twice is one line, counted), in the order given."""
    counts = Counter((r.kind, r.outcome, r.resource_type, r.url) for r in records)
    lines = []
    for (kind, outcome, resource_type, url), count in counts.items():
        group = "pywb" if kind == "pywb" else "outlet" if hosts.owns(url) else "other"
        label = {"pywb": "pywb", "outlet": "outlet", "other": "third party"}[group]
        times = f" ×{count}" if count > 1 else ""
        lines.append(f'<li><span class="tag {group}">{label}</span><b>{_e(outcome)}</b> {_e(resource_type)} '
                     f"<code>{_e(url)}</code>{times}</li>")
    return "".join(lines)


def _page_block(result: PageResult, hosts: OutletHosts) -> str:
    page = result.page
    shot = (f'<img alt="screenshot of the replayed page" src="data:image/jpeg;base64,'
            f'{base64.b64encode(result.thumbnail).decode("ascii")}">' if result.thumbnail
            else '<div class="noshot">no screenshot</div>')
    if result.error:
        status = f'<span class="bad">not replayed: {_e(result.error)}</span>'
    elif result.replayed:
        status = f'<span class="good">replayed ({_e(result.status)})</span>'
    else:
        status = f'<span class="bad">not replayed ({_e(result.status or "no answer")})</span>'
    own = outlet_failures(result, hosts)
    failures = ordered_failures(result, hosts)
    failed = (f'<span class="{"bad" if own else "good"}">{len(failures)} failed '
              f"({len(own)} to the outlet's hosts)</span>")
    requests = len(result.page_requests)
    pywb_files = len(result.requests) - requests
    style = _e(result.style.describe()) if result.style else "no style read"
    listing = f'<ul class="failed">{_request_lines(failures, hosts)}</ul>' if failures else ""
    shot_name = f"<div class=\"url\">screenshot: {_e(result.screenshot.name)}</div>" if result.screenshot else ""
    return f"""<section class="page">
<div>{shot}</div>
<div>
<h2>{_e(page.title or result.title or page.url)}</h2>
<div class="url">{_e(page.url)}</div>
<div class="url">captured {_e(page.timestamp)} · replayed as {_e(result.title or "(no title)")}</div>
<div class="facts"><span>{status}</span><span>{requests} requests (+{pywb_files} of pywb's own)</span>
<span>{failed}</span><span>{result.seconds:.1f} s</span></div>
<div class="facts">{style}</div>
{shot_name}{listing}
</div>
</section>"""


def render_report(results: list[PageResult], hosts: OutletHosts, *, title: str, details: Iterable[str] = (),
                  generated: datetime | None = None) -> str:
    """The whole report, as one HTML document: the summary, then every page (those that fail first)."""
    summary = summarize(results, hosts)
    when = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    meta = " · ".join([f"made {when}", *details, f"outlet hosts: {hosts.describe() or 'none'}"])
    cards = [
        ("pages", summary.pages), ("replayed", summary.replayed), ("pages with failures", summary.pages_with_failures),
        ("failed requests to the outlet's hosts", summary.outlet_failed_requests),
        ("failed requests elsewhere", summary.other_failed_requests),
        ("pages with a stylesheet applied", summary.styled),
    ]
    ordered = sorted(results, key=lambda r: page_passes(r, hosts))  # stable: failing pages first, crawl order kept
    verdict = "pass" if summary.passed else "fail"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{_e(title)}</h1>
<p class="meta">{_e(meta)}</p>
<p class="verdict {verdict}">{_e(summary.line())}</p>
<ul class="summary">{"".join(f"<li><b>{value}</b>{_e(name)}</li>" for name, value in cards)}</ul>
{"".join(_page_block(r, hosts) for r in ordered)}
</body>
</html>
"""
