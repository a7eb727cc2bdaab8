"""pywb, from its own virtual environment (PYWB_VENV, made by `make pywb-env`), serving a collection on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from types import TracebackType

import pytest

from tests.s3_server import free_port

ROOT = Path(__file__).resolve().parents[1]


def pywb_bin() -> Path:
    venv = Path(os.environ.get("PYWB_VENV") or ROOT / ".venv-pywb")
    if not (venv / "bin" / "wayback").exists():
        if os.environ.get("CI"):
            pytest.fail(f"pywb is not installed in {venv}: `make pywb-env` makes it")
        pytest.skip(f"pywb is not installed in {venv}: run `make pywb-env`")
    return venv / "bin"



class Wayback:
    """`wb-manager init/add`, then `wayback` on 127.0.0.1, in a folder of its own."""

    def __init__(self, workdir: Path, warcs: list[Path], collection: str = "archive") -> None:
        self.bin = pywb_bin()
        self.workdir = workdir
        self.warcs = warcs
        self.collection = collection
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def manager(self, *args: str) -> None:
        subprocess.run([str(self.bin / "wb-manager"), *args], cwd=self.workdir, check=True,
                       capture_output=True, timeout=300)

    def __enter__(self) -> Wayback:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if not (self.workdir / "collections" / self.collection).exists():
            self.manager("init", self.collection)
        if self.warcs:
            self.manager("add", self.collection, *map(str, self.warcs))
        with (self.workdir / "wayback.log").open("wb") as log:
            self.proc = subprocess.Popen([str(self.bin / "wayback"), "-b", "127.0.0.1", "-p", str(self.port)],
                                         cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2).close()
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError("wayback did not start: " + (self.workdir / "wayback.log").read_text())

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)

    def get(self, url: str, timestamp: str, mode: str = "id_") -> tuple[int, dict[str, str], bytes]:
        address = f"http://127.0.0.1:{self.port}/{self.collection}/{timestamp}{mode}/{url}"
        request = urllib.request.Request(address, headers={"Accept-Encoding": "identity"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def get_unfollowed(self, url: str, timestamp: str, mode: str = "id_") -> tuple[int, dict[str, str], bytes]:
        """As `get`, but an archived redirect comes back as itself rather than followed."""
        address = f"http://127.0.0.1:{self.port}/{self.collection}/{timestamp}{mode}/{url}"
        request = urllib.request.Request(address, headers={"Accept-Encoding": "identity"})
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()


def reset_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def wacz_warcs(wacz: Path, dest: Path) -> list[Path]:
    """The WARC files of a WACZ (a zip: archive/*.warc.gz), unpacked into `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    found = []
    with zipfile.ZipFile(wacz) as package:
        for name in package.namelist():
            if name.startswith("archive/") and name.endswith((".warc.gz", ".warc")):
                target = dest / Path(name).name
                target.write_bytes(package.read(name))
                found.append(target)
    return sorted(found)
