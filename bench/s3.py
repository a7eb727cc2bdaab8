"""moto's standalone S3 server on 127.0.0.1, in a process of its own (its CPU is not the crawler's).

    python -m bench.s3 --ready PORTFILE [--bucket NAME]
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import TracebackType

from bench.served import ServedProcess

BUCKET = "bench-archive"
# moto accepts any key pair while its IAM auth mode is off; these only have to look like keys.
ACCESS_KEY = "AKIABENCHMOTO0000001"
SECRET_KEY = "bench-moto-secret-not-a-real-one-000000"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ready", required=True, help="write the bound port here once the bucket exists")
    parser.add_argument("--bucket", default=BUCKET)
    args = parser.parse_args(argv)

    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    port = server.get_host_and_port()[1]
    client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    client.create_bucket(Bucket=args.bucket)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    Path(args.ready).write_text(str(port))
    print(f"moto S3 on http://127.0.0.1:{port}/, bucket {args.bucket}", flush=True)
    stop.wait()
    server.stop()
    return 0


class MotoProcess(ServedProcess):
    """`python -m bench.s3` in a subprocess; the context manager waits until the bucket exists."""

    def __init__(self, workdir: Path, bucket: str = BUCKET) -> None:
        super().__init__()
        self.workdir = workdir
        self.bucket = bucket

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> dict[str, object]:
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION_NAME": "us-east-1"}

    def __enter__(self) -> MotoProcess:
        ready = self.workdir / "moto.port"
        self.start([sys.executable, "-m", "bench.s3", "--ready", str(ready), "--bucket", self.bucket], ready,
                   self.workdir / "moto.log", what="moto", timeout=60)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


if __name__ == "__main__":
    sys.exit(main())
