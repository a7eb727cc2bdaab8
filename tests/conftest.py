"""Shared fixtures: the offline replica, and one crawl of it that many tests read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crawl_runner import Crawl, run_crawl
from tests.replica.server import ReplicaServer
from tests.s3_server import moto_s3  # noqa: F401 - a fixture for every test module


@pytest.fixture(scope="session")
def replica_url() -> Iterator[str]:
    with ReplicaServer() as url:
        yield url


@pytest.fixture(scope="session")
def replica_crawl(replica_url: str, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """One full crawl of the replica into a fresh local archive (the first this replica serves)."""
    crawl = run_crawl(tmp_path_factory.mktemp("archive"), base_url=replica_url)
    assert crawl.returncode == 0, crawl.log
    return crawl


@pytest.fixture
def fresh_replica_url() -> Iterator[str]:
    """A replica of its own, for tests that change its state (later articles, healed 500s)."""
    with ReplicaServer() as url:
        yield url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Keep the fast unit tests first: a failing golden test shows before the long crawls run.
    items.sort(key=lambda item: 1 if item.get_closest_marker("slow") else 0)


FIXTURES = Path(__file__).parent / "fixtures"
