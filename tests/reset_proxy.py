"""A reverse proxy in front of the replica that breaks connections mid-body, as a flaky network does.

Each GET goes to the replica; the answer's status line and headers go back whole, with the real
Content-Length, then only half of the body, and the connection is reset (SO_LINGER 0: an RST, not a FIN).
Which answers break: `cut_first` paths on their first request only (a retry gets them whole), `cut_always`
paths on every request. Every request is counted by path, so tests can say how often each was fetched.
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


class ResetProxy:
    def __init__(self, upstream: str, *, cut_first: set[str] | None = None, cut_always: set[str] | None = None,
                 cut_every: int = 0) -> None:
        self.upstream = urlsplit(upstream)
        self.cut_first = cut_first or set()
        self.cut_always = cut_always or set()
        self.cut_every = cut_every
        """When > 0: every n-th answer with a body is cut, whatever its path."""
        self.requests: Counter[str] = Counter()
        self.cuts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._served = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ResetProxy:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _should_cut(self, path: str) -> bool:
        with self._lock:
            self.requests[path] += 1
            self._served += 1
            cut = path in self.cut_always or (path in self.cut_first and self.requests[path] == 1) or (
                self.cut_every > 0 and self._served % self.cut_every == 0)
            if cut:
                self.cuts[path] += 1
            return cut

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                upstream = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP | {"host"}}
                upstream.request("GET", self.path, headers=headers)
                answer = upstream.getresponse()
                body = answer.read()
                upstream.close()
                cut = bool(body) and len(body) > 1 and proxy._should_cut(path)
                self.send_response(answer.status, answer.reason)
                for name, value in answer.getheaders():
                    if name.lower() not in _HOP_BY_HOP | {"content-length"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                if not cut:
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                # An RST: the client sees the connection reset mid-body.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True

        return Handler
