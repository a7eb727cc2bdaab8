"""Upload throughput of S3Store.put to moto's S3 server (MB/s), for a 30 MB file by default.

    .venv/bin/python -m bench.s3_upload [--size-mb 30] [--repeats 3] [--in-process]

By default moto runs as its own process (`python -m moto.server`), as MinIO would: the client and the
server then do not share one GIL. --in-process uses ThreadedMotoServer, as the tests do. Each run puts
the file under a new key: multipart upload (8 MB parts, S3_UPLOAD_CONCURRENCY 4), then HEAD to verify;
the sha256 of the file is computed once, outside the timing, as the Publisher does before `put`.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3

from pipelines.storage.s3 import S3Store

MB = 1024 * 1024
BUCKET = "bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_endpoint(in_process: bool) -> Iterator[str]:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    if in_process:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            yield endpoint
        finally:
            server.stop()
        return
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def measure(size_mb: int = 30, repeats: int = 3, in_process: bool = False) -> float:
    """Best upload throughput in MB/s (1 MB = 2**20 bytes) of `repeats` puts of a size_mb file."""
    settings = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION_NAME": "us-east-1"}
    with moto_endpoint(in_process) as endpoint, tempfile.TemporaryDirectory() as tmp:
        settings["AWS_ENDPOINT_URL"] = endpoint
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                     aws_secret_access_key="bench").create_bucket(Bucket=BUCKET)
        store = S3Store.from_uri(f"s3://{BUCKET}/bench", settings)
        local = Path(tmp) / "file.warc.gz"
        data = os.urandom(size_mb * MB)
        local.write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        rates = []
        for run in range(repeats):
            start = time.perf_counter()
            store.put(local, f"warc/run-{run}.warc.gz", size=len(data), sha256=digest)
            rates.append(size_mb / (time.perf_counter() - start))
    return max(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--in-process", action="store_true", help="ThreadedMotoServer in this process")
    opts = parser.parse_args()
    rate = measure(opts.size_mb, opts.repeats, opts.in_process)
    where = "in-process ThreadedMotoServer" if opts.in_process else "moto server process"
    print(f"S3 upload to moto ({where}): {opts.size_mb} MB file, best of {opts.repeats}: {rate:.1f} MB/s")


if __name__ == "__main__":
    main()
