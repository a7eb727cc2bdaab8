"""Generic package names on a shared scrapyd host: a foreign `pipelines` (or a source tree shadowing the
deployed egg) stops the process with a message naming both places."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from settings.package_origin import collisions
from tests.crawl_runner import ROOT

OURS = {name: f"/eggs/r1.egg/{name}/__init__.py" for name in ("crawler", "pipelines", "settings")}


def test_packages_from_one_root_pass() -> None:
    assert collisions(OURS, "/eggs/r1.egg", ["/eggs/r1.egg"]) == []
    tree = {name: f"/src/{name}/__init__.py" for name in OURS}
    assert collisions(tree, "/src", []) == []


def test_a_foreign_package_is_named_with_its_path() -> None:
    mixed = {**OURS, "pipelines": "/usr/lib/python3/site-packages/pipelines/__init__.py"}
    (problem,) = collisions(mixed, "/eggs/r1.egg", [])
    assert "'pipelines' is imported from /usr/lib/python3/site-packages/pipelines/__init__.py" in problem
    assert "not from /eggs/r1.egg" in problem
    (missing,) = collisions({**OURS, "crawler": None}, "/eggs/r1.egg", [])
    assert "'crawler' cannot be found" in missing


def test_a_source_tree_shadowing_the_deployed_egg_is_refused(tmp_path: Path) -> None:
    tree = {name: f"/var/lib/scrapyd/{name}/__init__.py" for name in OURS}
    egg = tmp_path / "r1.egg"
    (problem,) = collisions(tree, "/var/lib/scrapyd", [str(egg)])
    assert f"not from the deployed egg {egg}" in problem


def _run(code: str, cwd: Path, pythonpath: str) -> subprocess.CompletedProcess[str]:
    # the settings module as scrapyd's runner sets it from the egg
    env = {"PYTHONPATH": pythonpath, "PATH": "/usr/bin:/bin", "SCRAPY_SETTINGS_MODULE": "settings.production"}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=60,
                          check=False, env=env)


def test_scrapy_stops_with_a_clear_error_on_a_foreign_package(tmp_path: Path) -> None:
    foreign = tmp_path / "other_project"
    (foreign / "pipelines").mkdir(parents=True)
    (foreign / "pipelines" / "__init__.py").write_text("")
    done = _run("from scrapy.cmdline import execute; execute(['scrapy', 'list'])", tmp_path,
                f"{foreign}:{ROOT}")
    assert done.returncode != 0
    assert "PackageCollisionError: outlet-archive: package name collision: the package 'pipelines' is " \
           f"imported from {foreign}/pipelines/__init__.py" in done.stderr, done.stderr


def test_the_deployed_egg_shadowed_by_a_checkout_is_refused(tmp_path: Path) -> None:
    egg = tmp_path / "outlet_archive-r1.egg"
    with zipfile.ZipFile(egg, "w") as archive:
        archive.write(ROOT / "settings" / "package_origin.py", "settings/package_origin.py")
    # as scrapyd's runner leaves it: the egg appended to sys.path, after the working directory
    done = _run(f"import sys; sys.path.append({str(egg)!r}); import settings", ROOT, "")
    assert done.returncode != 0
    assert f"this project is imported from {ROOT}, not from the deployed egg {egg}" in done.stderr, done.stderr
