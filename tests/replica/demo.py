"""`make demo`: serve the offline replica on 127.0.0.1 and crawl it into an archive folder.

The replica's pages link to the replica itself, so the archive holds each page's stylesheets, scripts and images
under the URLs the page names, and replays as the page looked (`scrapy qa`). Prints what landed: the number of
articles, pages and files, and the field coverage from the manifest.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from tests.crawl_runner import crawl_command
from tests.replica.server import ReplicaServer, request_log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--archive", default="archive")
    args = parser.parse_args(argv)
    archive = Path(args.archive).resolve()
    with ReplicaServer(port=args.port, link_origin="self") as base_url:
        print(f"replica of globalresearch.ca at {base_url}; crawling it into {archive}", flush=True)
        crawl = subprocess.run(
            crawl_command(base_url=base_url, archive=archive,
                          settings={"DOWNLOAD_DELAY": "0.05", "AUTOTHROTTLE_ENABLED": "0"}, test_settings=False),
            check=False,
        )
        answered = request_log(base_url)
    manifests = sorted((archive / "crawls" / "globalresearch").glob("*.json"), key=lambda p: p.stat().st_mtime)
    if crawl.returncode != 0 or not manifests:
        print("the demo crawl failed: see the log above", file=sys.stderr)
        return 1
    manifest = json.loads(manifests[-1].read_text(encoding="utf-8"))
    counts = manifest["counts"]
    print(f"\ncrawl {manifest['crawl_id']}: {manifest['status']}")
    print(f"  pages {counts['pages']}, articles {counts['articles']}, revisits {counts['revisits']}, "
          f"bytes {counts['bytes_archived']}")
    for entry in manifest["files"]:
        print(f"  {entry['key']}  {entry['size']} bytes")
    statuses: dict[int, int] = {}
    for entry in answered:
        statuses[entry["status"]] = statuses.get(entry["status"], 0) + 1
    print(f"  the replica answered {len(answered)} requests: "
          + ", ".join(f"{count} × {status}" for status, count in sorted(statuses.items())))
    print("  field coverage: " + ", ".join(f"{k} {v:.0%}" for k, v in manifest["field_coverage"].items()))
    print(f"\nreplay it in chromium, one report: scrapy qa --outlet globalresearch --crawl {manifest['crawl_id']} "
          f"-o {archive}/qa-{manifest['crawl_id']}.html -s ARCHIVE_URI={archive} -s QA_PYWB_BIN=.venv-pywb/bin")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
