"""The floor plan stays as docs/architecture.md draws it: no import circles, nothing after the spider reads the
spider, each command listed once, and every private API of a library we lean on still where we expect it."""

from __future__ import annotations

import gzip
import inspect
import io
import re
import subprocess
import sys
import zlib

import grimp
import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.crawl_runner import ROOT, scrapy_env

PACKAGES = ("crawler", "pipelines", "settings")


def _cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), i.e. import circles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(module: str) -> None:
        nonlocal counter
        index[module] = low[module] = counter
        counter += 1
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module) & modules:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_circle() -> None:
    graph = grimp.build_graph(*PACKAGES)
    modules = {m for m in graph.modules if m.split(".")[0] in PACKAGES}
    # A package's __init__ importing its own modules is how a package exposes them, not a circle of ideas.
    circles = [c for c in _cycles(graph, modules)
               if not all(m == c[0] or m.startswith(c[0] + ".") for m in c)]
    assert circles == []


def test_nothing_after_the_spider_reads_the_spider() -> None:
    """The crawl's facts come from CrawlExtension's identity; only its one handover reads the spider."""
    reads = re.compile(r"\bspider\.(?!requested_identity)\w+|getattr\(\s*(self\.)?(crawler\.)?spider\b|crawler\.spider\b")
    offenders = []
    for folder in ("pipelines", "crawler/middlewares", "crawler/handlers", "crawler/extensions"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                # Scrapy's own get_retry_request takes the spider object (its stats and settings), nothing of ours.
                if reads.search(code) and "requested_identity" not in code and "get_retry_request takes the spider" not in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_no_module_level_registry() -> None:
    pattern = re.compile(r"^_?\w+\s*[:=].*(WeakKeyDictionary|WeakValueDictionary)")
    offenders = [f"{p}:{n}" for p in sorted(ROOT.glob("[cp]*/**/*.py"))
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == []


def test_scrapy_lists_each_command_once() -> None:
    done = subprocess.run([sys.executable, "-m", "scrapy"], cwd=ROOT, env=scrapy_env(), capture_output=True,
                          text=True, timeout=60, check=False)
    names = [line.split()[0] for line in done.stdout.splitlines() if line.startswith("  ") and line.split()]
    assert "archive-sync" in names
    assert "archive_sync" not in names
    assert len(names) == len(set(names))


# Private APIs: each is used in one module only, and these tests fail loudly when a release changes it.

def test_scrapy_cookie_middleware_still_splits_domains_through_the_patched_name() -> None:
    from scrapy.downloadermiddlewares import cookies
    from tldextract import TLDExtract

    import crawler  # noqa: F401 - applies crawler.utils.public_suffix

    assert isinstance(cookies._split_domain, TLDExtract)
    assert cookies._split_domain.suffix_list_urls == ()  # the bundled snapshot: never the network
    assert "_split_domain(" in inspect.getsource(cookies)


def test_scrapy_bounded_decoders_keep_their_shape() -> None:
    from crawler.utils.content_encoding import BodyDecodingError, DecompressionMaxSizeExceeded, decode_body

    assert issubclass(DecompressionMaxSizeExceeded, ValueError)  # the spider's sitemap reader catches ValueError
    body = b"x" * 10_000
    assert decode_body(zlib.compress(body), "deflate", 20_000) == body
    assert decode_body(gzip.compress(body), "gzip", 20_000) == body
    with pytest.raises(BodyDecodingError, match="larger than 1000 bytes"):
        decode_body(gzip.compress(body), "gzip", 1_000)


def test_warcio_writer_hooks_keep_their_shape() -> None:
    from pipelines.warc.records import LeveledWARCWriter, WireHeaders

    assert callable(getattr(WARCWriter, "_write_warc_record", None))
    assert callable(getattr(StatusAndHeaders, "compute_headers_buffer", None))
    out = io.BytesIO()
    writer = LeveledWARCWriter(out, gzip=True, warc_version="1.1", level=6)
    headers = WireHeaders("200 OK", [("Content-Encoding", "gzip"), ("X-Name", "caf\xe9")], protocol="HTTP/1.1")
    payload = gzip.compress(b"<html>" * 100)
    record = writer.create_warc_record("http://h/a", "response", payload=io.BytesIO(payload), length=len(payload),
                                       http_headers=headers)
    writer.write_record(record)
    assert writer.gzip is True  # restored after the member is written
    raw = out.getvalue()
    # A body that came compressed is stored (deflate level 0): its bytes show through the gzip member.
    assert payload[20:60] in raw
    read = next(iter(ArchiveIterator(io.BytesIO(raw))))
    assert read.http_headers.get_header("X-Name") == "caf\xe9"  # latin-1 bytes, as on the wire
    assert read.content_stream().read() == b"<html>" * 100


def test_every_setting_read_in_code_is_declared_once() -> None:
    from settings import base

    declared = {name for name in dir(base) if name.isupper()}
    scrapy_defaults = set(__import__("scrapy.settings.default_settings", fromlist=["x"]).__dict__)
    read = set()
    for path in list((ROOT / "crawler").rglob("*.py")) + list((ROOT / "pipelines").rglob("*.py")):
        read |= set(re.findall(r"""settings(?:\.get\w*\(|\[)\s*["']([A-Z][A-Z0-9_]+)["']""", path.read_text()))
    missing = sorted(read - declared - scrapy_defaults)
    assert missing == []
    restated = []
    for path in list((ROOT / "crawler").rglob("*.py")) + list((ROOT / "pipelines").rglob("*.py")):
        restated += [f"{path.relative_to(ROOT)}: {m}" for m in re.findall(
            r"""settings\.get\w*\(\s*["'](?:ARCHIVE|WARC|ITEMS|NORMALIZE|VALIDATE|PROGRESS|OUTLET)\w*["']\s*,[^)]+\)""",
            path.read_text())]
    assert restated == []


def test_no_document_cites_one_the_repository_lacks() -> None:
    cited = re.compile(r"\b(design\.md)\b")
    offenders = [str(p.relative_to(ROOT)) for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
                 if cited.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    assert (ROOT / "docs" / "architecture.md").is_file()


def test_settings_module_is_importable_without_side_effect_on_components() -> None:
    done = subprocess.run([sys.executable, "-c", "import settings.base, sys; "
                           "print(sorted(m for m in sys.modules if m.split('.')[0] in ('crawler', 'pipelines')))"],
                          cwd=ROOT, env=scrapy_env(), capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


