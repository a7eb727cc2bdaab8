"""moto's standalone S3 server on 127.0.0.1, in a process of its own (its CPU is not the crawler's).

    python -m bench.s3 --ready PORTFILE [--bucket NAME]
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

REPO_ROOT = Path(__file__).resolve().parent.parent
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


class MotoProcess:
    """`python -m bench.s3` in a subprocess; the context manager waits until the bucket exists."""

    def __init__(self, workdir: Path, bucket: str = BUCKET) -> None:
        self.workdir = workdir
        self.bucket = bucket
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> dict[str, object]:
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION_NAME": "us-east-1"}

    def __enter__(self) -> MotoProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        ready = self.workdir / "moto.port"
        ready.unlink(missing_ok=True)
        log_path = self.workdir / "moto.log"
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "bench.s3", "--ready", str(ready),
                                          "--bucket", self.bucket], cwd=REPO_ROOT, stdout=log,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not ready.exists() or not ready.read_text().strip():
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto exited with {self.proc.returncode}; see {log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError("moto did not start within 60 s")
            time.sleep(0.1)
        self.port = int(ready.read_text())
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


if __name__ == "__main__":
    sys.exit(main())
