"""pywb serving WARCs on 127.0.0.1, from a temporary collection, for as long as a `with` block lasts.

pywb pins old libraries, so it lives in a virtual environment of its own (the Makefile's .venv-pywb); this
module only runs its two programs: `wb-manager` (a collection, and pywb's own index of the WARCs, as an
archivist makes one) and `wayback` (the replay server).
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

__all__ = ["Pywb", "PywbError", "pywb_tools"]

logger = logging.getLogger(__name__)

START_TIMEOUT = 60.0


class PywbError(Exception):
    """pywb cannot be found, or does not start."""


def pywb_tools(setting: str) -> tuple[Path, Path]:
    """`wayback` and `wb-manager`: from the PATH when the setting is empty, else from the folder it names
    (a folder holding them, or a virtual environment whose bin/ does)."""
    if not setting:
        found = [shutil.which(name) for name in ("wayback", "wb-manager")]
        if None in found:
            raise PywbError("pywb's wayback and wb-manager are not on the PATH: install pywb "
                            "(make pywb-env) and set QA_PYWB_BIN to its virtual environment")
        return Path(str(found[0])), Path(str(found[1]))
    folder = Path(setting).expanduser().absolute()  # the programs run in the collection's folder
    for candidate in (folder, folder / "bin"):
        if (candidate / "wayback").is_file() and (candidate / "wb-manager").is_file():
            return candidate / "wayback", candidate / "wb-manager"
    raise PywbError(f"QA_PYWB_BIN: no wayback and wb-manager in {folder} (nor in its bin/)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Pywb:
    """`wb-manager init` a collection in `workdir`, link the WARCs into it and index them, then run `wayback`."""

    def __init__(self, workdir: Path, warcs: list[Path], *, tools: tuple[Path, Path], collection: str = "qa",
                 threads: int = 8) -> None:
        self.workdir = workdir
        self.warcs = warcs
        self.wayback, self.manager_bin = tools
        self.collection = collection
        self.threads = threads
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "wayback.log"

    def _manager(self, *args: str) -> None:
        try:
            done = subprocess.run([str(self.manager_bin), *args], cwd=self.workdir, capture_output=True, text=True,
                                  timeout=3600, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PywbError(f"wb-manager {args[0]} could not run: {exc}") from None
        if done.returncode != 0:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise PywbError(f"wb-manager {args[0]} failed (exit {done.returncode}): {last[0]}")

    def __enter__(self) -> Pywb:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._manager("init", self.collection)
        archive = self.workdir / "collections" / self.collection / "archive"
        for warc in self.warcs:
            link = archive / warc.name
            if not link.exists():
                link.symlink_to(warc.resolve())  # no copy of large WARCs: pywb reads them where they are
        if self.warcs:
            self._manager("reindex", self.collection)
        self.port = _free_port()
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [str(self.wayback), "-b", "127.0.0.1", "-p", str(self.port), "-t", str(self.threads)],
                cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                urllib.request.urlopen(self.base_url + "/", timeout=2).close()
                logger.info("pywb serves %d WARC file(s) at %s/%s/", len(self.warcs), self.base_url, self.collection)
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.__exit__(None, None, None)
        tail = self.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise PywbError(f"pywb's wayback did not start on 127.0.0.1:{self.port}: {tail[0]}")

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
