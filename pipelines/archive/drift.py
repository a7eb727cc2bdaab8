"""The drift watch: a field an outlet's items used to have, and this crawl's items lost (a redesign of the site).

Each crawl's manifest records its `field_coverage` (the share of items with each field). At its end, a crawl
compares its coverage with the outlet's earlier crawls, read from their manifests in the archive itself
(`crawls/{outlet}/*.json`), so the day an outlet changes its markup (byline 95% → 0%) is the day the crawl
says so: an ERROR line naming the outlet and the fields, `"drift"` in the manifest, and `scrapy crawl`'s exit
status 6 (crawler/commands/crawl.py).

The rule, made not to cry wolf (each number is a setting of settings/base.py's "Drift watch" block):

- The baseline is the last DRIFT_BASELINE_CRAWLS crawls of the outlet that finished (status "finished") with at
  least DRIFT_MIN_ARTICLES articles: a cancelled crawl or a crawl of three articles says little of the outlet.
  With fewer than DRIFT_MIN_BASELINE_CRAWLS such crawls there is no baseline, and no check.
- A field's baseline share is the median of those crawls' shares: one odd earlier crawl (a day of
  compilations without bylines) barely moves a median of three or more. A drop keeps being reported
  until it is the outlet's new normal, in more than half of the baseline crawls; then the watch is quiet.
- This crawl is checked only with at least DRIFT_MIN_ARTICLES articles of its own. A field has dropped when
  its share now is material, and no accident of sampling:
  material: it fell by more than DRIFT_MAX_DROP (a share of all items: 0.95 → 0.40), or below DRIFT_MIN_RATIO
  of its baseline (0.40 → 0.08: a field only some articles have, gone);
  no accident: as few items having it, were the baseline share still true, is less likely than
  DRIFT_SIGNIFICANCE (a binomial tail). That spares fields few articles have, in small crawls: a field
  in 5% of articles is missing from all of 20 articles one crawl in three by chance, from all of 200 once in
  30,000 crawls.
- Gains are not reported. A field the earlier manifests did not record has no baseline.

Why not Spidermon (checked: spidermon 1.27 installs here, `pip install --dry-run spidermon`)? Its monitors
run synchronously in its own `spider_closed` handler, on the reactor, beside ours in an order we do not own,
while this check must finish before our manifest is written and put its findings in it. Its history of earlier
runs is a stats collector of its own (`LocalStorageStatsHistoryCollector`: a pickle under the machine's
`.scrapy/stats`, lost with the machine and blind to crawls run elsewhere, e.g. under scrapyd on another host)
or Zyte Scrapy Cloud's jobs API and collections (`ZyteJobsComparisonMonitor` compares item counts only); its
`FieldCoverageMonitor` checks fixed thresholds, not a change against earlier runs. Using it would mean our
own monitor reading our store from the reactor thread, an action to carry its verdict back to the manifest
and to the exit status, and a dependency for the sake of a median and a comparison: every part of it a
contortion, none of it its strength (notifications: Slack, e-mail, Sentry). The history we need is already in
the archive, one manifest per crawl; so the rule is these few pure functions, and a reader of the manifests
that runs in a worker thread. A notifier, Spidermon's or another, can watch the `drift/fields_dropped` stat.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

from scrapy.settings import BaseSettings

from pipelines.archive.manifest import manifest_key
from pipelines.storage.base import Store

__all__ = [
    "DriftCheck",
    "DriftRule",
    "Drop",
    "baseline_crawls",
    "binomial_tail",
    "check_drift",
    "describe",
    "read_earlier_manifests",
]

logger = logging.getLogger(__name__)

_STAMPED = re.compile(r"\d{8}T\d{6}Z")
"""A crawl id made by crawler.crawl.new_crawl_id starts with its start time, and so sorts by it."""


@dataclass(frozen=True)
class DriftRule:
    """The drift watch's settings (settings/base.py says why each has its value)."""

    baseline_crawls: int
    min_baseline_crawls: int
    min_articles: int
    max_drop: float
    min_ratio: float
    significance: float

    def __post_init__(self) -> None:
        if not 1 <= self.min_baseline_crawls <= self.baseline_crawls:
            raise ValueError(f"DRIFT_MIN_BASELINE_CRAWLS ({self.min_baseline_crawls}) must be from 1 to "
                             f"DRIFT_BASELINE_CRAWLS ({self.baseline_crawls})")
        if self.min_articles < 1:
            raise ValueError(f"DRIFT_MIN_ARTICLES must be at least 1, not {self.min_articles}")
        for name, value in (("DRIFT_MAX_DROP", self.max_drop), ("DRIFT_MIN_RATIO", self.min_ratio),
                            ("DRIFT_SIGNIFICANCE", self.significance)):
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be a share from 0 to 1, not {value}")

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> DriftRule:
        return cls(
            baseline_crawls=settings.getint("DRIFT_BASELINE_CRAWLS"),
            min_baseline_crawls=settings.getint("DRIFT_MIN_BASELINE_CRAWLS"),
            min_articles=settings.getint("DRIFT_MIN_ARTICLES"),
            max_drop=settings.getfloat("DRIFT_MAX_DROP"),
            min_ratio=settings.getfloat("DRIFT_MIN_RATIO"),
            significance=settings.getfloat("DRIFT_SIGNIFICANCE"),
        )


@dataclass(frozen=True)
class Drop:
    """A field this crawl's items lost: its baseline share, its share now, and the crawls behind the baseline."""

    field: str
    baseline: float
    now: float
    crawls: int

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "baseline": self.baseline, "now": self.now, "crawls": self.crawls}

    def __str__(self) -> str:
        return f"{self.field} {self.baseline:.0%} → {self.now:.0%} (median of {self.crawls} earlier crawls)"


@dataclass(frozen=True)
class DriftCheck:
    """The verdict: the drops found, the baseline's crawl ids, or why no check was made (`skipped`)."""

    drops: tuple[Drop, ...] = ()
    baseline: tuple[str, ...] = ()
    skipped: str | None = None


def _articles(manifest: Mapping[str, Any]) -> int:
    counts = manifest.get("counts")
    value = counts.get("articles") if isinstance(counts, Mapping) else None
    return value if isinstance(value, int) else 0


def _qualifies(manifest: Mapping[str, Any], rule: DriftRule) -> bool:
    """A crawl fit for the baseline: finished, with enough articles, with its field coverage recorded."""
    return (manifest.get("status") == "finished" and _articles(manifest) >= rule.min_articles
            and isinstance(manifest.get("field_coverage"), Mapping))


def _newest_first(manifest: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(manifest.get("finished_at") or ""), str(manifest.get("started_at") or ""),
            str(manifest.get("crawl_id") or ""))


def baseline_crawls(earlier: Iterable[Mapping[str, Any]], rule: DriftRule) -> list[Mapping[str, Any]]:
    """The outlet's last DRIFT_BASELINE_CRAWLS crawls fit for the baseline, newest first."""
    fit = [m for m in earlier if _qualifies(m, rule)]
    return sorted(fit, key=_newest_first, reverse=True)[: rule.baseline_crawls]


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p): how likely at most k of n items have a field each has with chance p."""
    if k >= n or p <= 0:
        return 1.0
    if k < 0 or p >= 1:
        return 0.0
    log_p, log_q, log_n = math.log(p), math.log1p(-p), math.lgamma(n + 1)
    return min(1.0, sum(math.exp(log_n - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q)
                        for i in range(k + 1)))


def check_drift(earlier: Iterable[Mapping[str, Any]], coverage: Mapping[str, float], articles: int,
                rule: DriftRule) -> DriftCheck:
    """This crawl's coverage (its share of items per field, of `articles` items) against the earlier crawls'
    manifests (any order; those not fit for the baseline are left out here)."""
    if articles < rule.min_articles:
        return DriftCheck(skipped=f"{articles} articles, fewer than DRIFT_MIN_ARTICLES ({rule.min_articles})")
    base = baseline_crawls(earlier, rule)
    ids = tuple(str(m.get("crawl_id")) for m in base)
    if len(base) < rule.min_baseline_crawls:
        return DriftCheck(baseline=ids, skipped=(
            f"{len(base)} earlier finished crawl(s) with at least {rule.min_articles} articles, fewer than "
            f"DRIFT_MIN_BASELINE_CRAWLS ({rule.min_baseline_crawls})"))
    drops = []
    for name, now in coverage.items():
        shares = [float(s) for m in base
                  if isinstance(s := m["field_coverage"].get(name), (int, float)) and not isinstance(s, bool)]
        if len(shares) < rule.min_baseline_crawls:
            continue  # a field the earlier manifests did not record
        was = median(shares)
        material = was - now > rule.max_drop or now < was * rule.min_ratio
        if material and binomial_tail(round(now * articles), articles, was) < rule.significance:
            drops.append(Drop(field=name, baseline=round(was, 4), now=now, crawls=len(shares)))
    return DriftCheck(drops=tuple(drops), baseline=ids)


def read_earlier_manifests(store: Store, outlet: str, crawl_id: str, rule: DriftRule) -> list[dict[str, Any]]:
    """The outlet's earlier manifests from the store (blocking: a worker thread's work), enough of them for
    `baseline_crawls`: those whose crawl id sorts by time (new_crawl_id's) are read newest first until
    DRIFT_BASELINE_CRAWLS fit the baseline; others (scrapyd's job ids) are all read. A manifest that is not
    JSON is left out with a warning (`scrapy verify` names it); the store's own failures are raised."""
    prefix = f"crawls/{outlet}/"
    own = manifest_key(outlet, crawl_id)
    keys = [k for k in store.keys(prefix) if k.endswith(".json") and "/" not in k[len(prefix):] and k != own]
    stamped = {k for k in keys if _STAMPED.match(k[len(prefix):])}
    found: list[dict[str, Any]] = []
    fit = 0
    for key in [k for k in keys if k not in stamped] + sorted(stamped, reverse=True):
        if key in stamped and fit >= rule.baseline_crawls:
            break  # older stamped crawls than the newest that fit cannot be in the baseline
        manifest = _parse(key, store.read(key))
        if manifest is None:
            continue
        found.append(manifest)
        if key in stamped and _qualifies(manifest, rule):
            fit += 1
    return found


def _parse(key: str, data: bytes) -> dict[str, Any] | None:
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        logger.warning("drift watch: the manifest %s is not JSON (%s): left out of the baseline", key, exc)
        return None
    if not isinstance(manifest, dict):
        logger.warning("drift watch: the manifest %s is not a JSON object: left out of the baseline", key)
        return None
    return manifest


def describe(drops: Sequence[Drop]) -> str:
    """The drops, for the error line."""
    return ", ".join(str(d) for d in drops)
