"""Whether a change to the crawl kept its outputs: (c0) and (c) from two trees against one replica, their items, WARC
records and CDXJ index compared, with what differs from any crawl to the next masked.

    python -m bench.floor_outputs --base /tmp/floor15-base [--n 300] [--runs c0,c]

Masked: times (WARC-Date, fetched_at, the HTTP Date header), record ids and what names them (WARC-Concurrent-To,
WARC-Refers-To), the crawl id, file names, offsets and lengths (they follow the ids' compressed bytes), the digests
of metadata records (their block is the item, whose values those are), and a request record's Referer, which names
the discovery page (sitemap or listing) that happened to find the article first. Everything else must be equal:
every item line byte for byte once its volatile values are masked in place, every record's type, URI, WARC and HTTP
headers and body, every index line's key and fields. Exit 0 when all are, 1 otherwise (the first difference shown).
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from bench import run as bench_run

_VOLATILE_WARC = frozenset({"WARC-Date", "WARC-Record-ID", "WARC-Concurrent-To", "WARC-Refers-To",
                            "WARC-Refers-To-Date", "WARC-Filename", "Content-Length", "WARC-Block-Digest",
                            "WARC-Payload-Digest"})
_VOLATILE_HTTP = frozenset({"date", "referer"})


def _masked_item(line: str) -> str:
    """The item's JSON text with its volatile values replaced where they stand (so that all else is compared as
    written: key order, separators, escapes)."""
    data = json.loads(line)
    values = [data.get("fetched_at"), data.get("crawl_id")]
    for key in ("warc", "warc_revisit"):
        ref = data.get(key) or {}
        values += [ref.get("filename"), ref.get("record_id"), ref.get("offset"), ref.get("length")]
    for value in sorted({v for v in values if v not in (None, "")}, key=lambda v: -len(str(v))):
        shown = json.dumps(value, ensure_ascii=False)
        for before, after in ((":" + shown, ":<V>"), (": " + shown, ": <V>")):
            line = line.replace(before + ",", after + ",").replace(before + "}", after + "}")
    return line


def items(archive: Path) -> list[str]:
    return sorted(_masked_item(line) for path in sorted(archive.glob("items/**/*.jsonl.gz"))
                  for line in gzip.open(path, "rt", encoding="utf-8"))


def records(archive: Path) -> list[tuple[Any, ...]]:
    found = []
    for path in sorted(archive.glob("warc/**/*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                warc = [(k, v) for k, v in record.rec_headers.headers if k not in _VOLATILE_WARC]
                http = record.http_headers
                headers = [(k, v) for k, v in http.headers if k.lower() not in _VOLATILE_HTTP] if http else None
                body = record.content_stream().read()
                if record.rec_type == "metadata":
                    body = _masked_item(body.decode("utf-8")).encode("utf-8")
                elif record.rec_type == "warcinfo":
                    body = b""  # names the file, the crawl and the host: this crawl's own
                found.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI") or "", repr(warc),
                              repr(headers), body))
    return sorted(found)


def index(archive: Path) -> list[tuple[str, str]]:
    found = []
    for path in sorted(archive.glob("indexes/**/*.cdxj")):
        for line in path.read_text(encoding="utf-8").splitlines():
            key, _, fields = line.split(" ", 2)
            data = json.loads(fields)
            data.update(dict.fromkeys(("offset", "length", "filename", "record_id", "warc_date"), "<V>"))
            found.append((key, json.dumps(data)))
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, required=True, help="the tree without the change")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--runs", default="c0,c")
    opts = parser.parse_args(argv)
    here = bench_run.REPO_ROOT
    same = True
    with bench_run.ReplicaProcess(opts.n, bench_run.OUT) as replica:
        for key in opts.runs.split(","):
            archives = {}
            for which, tree in (("base", opts.base.resolve()), ("new", here)):
                bench_run.REPO_ROOT = tree  # run_one's working folder: the tree that crawls
                try:
                    tag = f"outputs-{key}-{which}"
                    result = bench_run.run_one(bench_run.RUNS[key], opts.n, replica.base_url, tag)
                finally:
                    bench_run.REPO_ROOT = here
                if result.errors:
                    raise SystemExit(f"({key}) of the {which} tree logged {result.errors} error(s)")
                archives[which] = bench_run.OUT / "runs" / tag / "archive"
            for what, read in (("items", items), ("WARC records", records), ("index lines", index)):
                base, new = read(archives["base"]), read(archives["new"])
                print(f"({key}) {what}: {len(base)} and {len(new)}, {'the same' if base == new else 'DIFFERENT'}",
                      flush=True)
                if base != new:
                    same = False
                    only_base = list((Counter(map(repr, base)) - Counter(map(repr, new))).elements())
                    only_new = list((Counter(map(repr, new)) - Counter(map(repr, base))).elements())
                    print(f"  only in base: {only_base[:1]!s:.1500}\n  only in new: {only_new[:1]!s:.1500}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
