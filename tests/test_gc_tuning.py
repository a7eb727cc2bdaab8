"""The cycle collector's tuning for a crawl: the start's heap frozen and a larger youngest generation while the
engine runs, Python's own settings back once it stops."""

from __future__ import annotations

import gc

import pytest
from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.extensions.gc_tuning import GcTuning
from tests.crawl_runner import project_crawler


def test_the_start_is_frozen_while_the_engine_runs_and_python_s_settings_come_back() -> None:
    crawler = project_crawler()
    GcTuning.from_crawler(crawler)
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    try:
        crawler.signals.send_catch_log(signals.engine_started)
        assert gc.get_threshold() == (crawler.settings.getint("GC_YOUNG_THRESHOLD"), *before[1:])
        assert gc.get_freeze_count() > 10_000  # the modules, settings and components of the start
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1  # the crawl's own cyclic garbage is still collected
    finally:
        crawler.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_switched_off_or_a_bad_threshold() -> None:
    with pytest.raises(NotConfigured):
        GcTuning.from_crawler(project_crawler(GC_TUNING_ENABLED=False))
    with pytest.raises(ValueError, match="GC_YOUNG_THRESHOLD must be 1 or more, got 0"):
        GcTuning.from_crawler(project_crawler(GC_YOUNG_THRESHOLD=0))
