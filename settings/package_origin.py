"""A check that `crawler`, `pipelines` and `settings` are this project's own, from one place.

The names are generic. On a scrapyd host the deployed egg is put at the *end* of sys.path (that is how
pkg_resources activates it), so a package of the same name in scrapyd's working directory, on PYTHONPATH
or installed in its environment is imported instead of ours, or a source checkout shadows the deployed
egg. Either mix runs code nobody deployed; this check stops the process with a message that says which
file came from where. It runs when the settings package is imported, before Scrapy loads anything else.
"""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path

__all__ = ["PACKAGES", "PackageCollisionError", "check_package_origin", "collisions"]

PACKAGES = ("crawler", "pipelines", "settings")
# A file only this project has: it tells our egg from another project's on sys.path.
_OWN_FILE = "settings/package_origin.py"


class PackageCollisionError(ImportError):
    """A top-level package of this project is imported from somewhere else."""


def _origin(name: str) -> str | None:
    try:
        spec = importlib.util.find_spec(name)  # top-level names: finds without importing
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.origin and spec.origin not in ("namespace", "built-in", "frozen"):
        return spec.origin
    locations = list(spec.submodule_search_locations or [])
    return locations[0] + "/<namespace package>" if locations else None


def _root_of(origin: str) -> str:
    """The sys.path entry a package's __init__.py was found under (a directory or an egg)."""
    return str(Path(origin).parent.parent)


def _own_eggs(path: list[str]) -> list[str]:
    eggs = []
    for entry in path:
        if entry.endswith(".egg") and Path(entry).is_file():
            try:
                with zipfile.ZipFile(entry) as egg:
                    if _OWN_FILE in egg.namelist():
                        eggs.append(entry)
            except (OSError, zipfile.BadZipFile):
                continue
    return eggs


def collisions(origins: dict[str, str | None], own_root: str, eggs: list[str]) -> list[str]:
    """What is wrong, one sentence each: packages not from `own_root`, or our egg shadowed by a directory."""
    problems = []
    for name, origin in origins.items():
        if origin is None:
            problems.append(f"the package {name!r} cannot be found (expected under {own_root})")
        elif _root_of(origin) != own_root:
            problems.append(
                f"the package {name!r} is imported from {origin}, not from {own_root} where this project is: "
                f"another {name!r} on sys.path shadows ours")
    shadowed = [egg for egg in eggs if egg != own_root]
    if shadowed and not Path(own_root).is_file():
        problems.append(
            f"this project is imported from {own_root}, not from the deployed egg {shadowed[0]}: a directory on "
            f"sys.path (the working directory of scrapyd, PYTHONPATH or an installed copy) shadows the egg")
    return problems


def check_package_origin() -> None:
    """Raise PackageCollisionError unless crawler, pipelines and settings all come from this project's root."""
    own_root = _root_of(__file__.removesuffix("c"))  # .../settings/package_origin.py -> root
    problems = collisions({name: _origin(name) for name in PACKAGES}, own_root, _own_eggs(sys.path))
    if problems:
        raise PackageCollisionError(
            "outlet-archive: package name collision: " + "; ".join(problems)
            + ". Remove or rename the other package, or start scrapyd in a directory that holds none of "
              "crawler/, pipelines/, settings/ (docs/scrapyd.md, 'Package names').")
