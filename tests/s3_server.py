"""A real S3 endpoint for tests: moto's standalone server on 127.0.0.1, spoken to over HTTP.

    from s3_server import moto_s3  # noqa: F401 - the fixture
    def test_x(moto_s3): store = S3Store.from_uri("s3://bucket/prefix", moto_s3.settings())

`stop()` is a real outage: the listening socket is closed and so is every kept-alive connection (the
werkzeug server would otherwise go on answering them). `start()` again listens on the same port; moto
keeps its buckets in this process, so they survive, as a MinIO disk would.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

__all__ = ["ACCESS_KEY", "BUCKET", "SECRET_KEY", "MotoS3", "free_port", "moto_s3"]

BUCKET = "archive-test"
# moto accepts any credentials until its auth mode is on; these are what the tests search logs for.
ACCESS_KEY = "AKIAMOTOTESTKEY00001"
SECRET_KEY = "moto-secret-Zq8vW3kL9pX2mN7bR4tY6uJ1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Server(ThreadedMotoServer):
    """ThreadedMotoServer whose stop() also drops open connections and closes the listening socket."""

    def __init__(self, port: int) -> None:
        super().__init__(ip_address="127.0.0.1", port=port, verbose=False)
        self.connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()

    def _server_entry(self) -> None:
        owner = self

        class Handler(MotoRequestHandler):
            def setup(self) -> None:
                super().setup()
                with owner._conn_lock:
                    owner.connections.add(self.connection)

            def finish(self) -> None:
                with owner._conn_lock:
                    owner.connections.discard(self.connection)
                super().finish()

        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=Handler)
        self._server_ready_event.set()
        self._server.serve_forever()

    def stop(self) -> None:
        super().stop()
        if self._server is not None:
            self._server.server_close()
        with self._conn_lock:
            for conn in list(self.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            self.connections.clear()


class MotoS3:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._server: _Server | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        assert self._server is None, "already running"
        server = _Server(self.port)
        server.start()
        self.port = server.get_host_and_port()[1]
        self._server = server

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def _moto_api(self, path: str, body: bytes) -> None:
        request = urllib.request.Request(f"{self.endpoint}/moto-api/{path}", data=body, method="POST",
                                         headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()

    def reset(self) -> None:
        """Forget every bucket and object (moto's state is shared by all servers of the process)."""
        self._moto_api("reset", b"")

    def enable_auth(self) -> None:
        """moto's IAM auth mode: from now on only keys of IAM users it knows are accepted."""
        self._moto_api("reset-auth", b"0")

    def disable_auth(self) -> None:
        self._moto_api("reset-auth", b"inf")

    def settings(self, **extra: Any) -> dict[str, Any]:
        """Scrapy settings for an S3Store on this server; fast failure, so tests of outages stay short."""
        values: dict[str, Any] = {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION_NAME": "us-east-1",
            "S3_MAX_ATTEMPTS": 1,
            "S3_CONNECT_TIMEOUT": 2,
            "S3_READ_TIMEOUT": 10,
        }
        values.update(extra)
        return values

    def client(self) -> Any:
        return boto3.client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY, config=Config(retries={"mode": "standard", "max_attempts": 2}),
        )

    def create_bucket(self, name: str = BUCKET, *, versioned: bool = False) -> str:
        client = self.client()
        client.create_bucket(Bucket=name)
        if versioned:
            client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        return name


@pytest.fixture
def moto_s3() -> Iterator[MotoS3]:
    """A fresh moto S3 server on a free port of 127.0.0.1, with an empty bucket BUCKET."""
    server = MotoS3()
    server.start()
    server.reset()
    server.disable_auth()
    server.create_bucket()
    try:
        yield server
    finally:
        if not server.running:
            server.start()
        server.disable_auth()
        server.reset()
        server.stop()
