"""A helper server of the benchmarks (replica, moto) in a process of its own, so its CPU is not the crawler's.

The server writes its port to a "ready" file once it listens; `start` waits for that, `stop` ends it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

__all__ = ["ServedProcess"]

REPO_ROOT = Path(__file__).resolve().parent.parent


class ServedProcess:
    """Base of the context managers: `self.port` is set once the server is ready."""

    def __init__(self) -> None:
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, cmd: list[str], ready: Path, log_path: Path, *, what: str, timeout: float) -> None:
        ready.parent.mkdir(parents=True, exist_ok=True)
        ready.unlink(missing_ok=True)
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not ready.exists() or not ready.read_text().strip():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {self.proc.returncode}; see {log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start within {timeout:.0f} s")
            time.sleep(0.1)
        self.port = int(ready.read_text())

    def pin(self, cores: set[int]) -> None:
        """Run the server on these cores only (its main thread: the servers here serve from one thread)."""
        if self.proc is not None and self.proc.poll() is None:
            os.sched_setaffinity(self.proc.pid, cores)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
