"""Settings every environment shares: every setting of the project is declared here, once, with its default
and why. Code reads them without restating a default. Measured figures behind the values live in docs/ and
bench/RESULTS.md, not here, where they would go stale."""

from __future__ import annotations

BOT_NAME = "outlet_archive"
PROJECT_NAME = "OutletArchive"
PROJECT_VERSION = "0.1.0"

SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# Every outlet of outlets.toml becomes a spider of its own name.
SPIDER_LOADER_CLASS = "crawler.spiderloader.OutletSpiderLoader"
OUTLETS_FILE = ""  # empty: crawler/outlets.toml
# The class every outlet's spider subclasses (crawler.spiderloader); tests swap in their own.
OUTLET_SPIDER_CLASS = "crawler.spiders.outlet_spider.OutletSpider"
# The crawl's id (names its files); empty: scrapyd's job id, else a new one that sorts by start time. Several
# crawls may share a JOBDIR: a resumed one gets `<id>-r1` (crawler/extensions/crawl.py).
CRAWL_ID = ""
COMMANDS_MODULE = "crawler.commands"

# --- Politeness -------------------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
# The real outlets answer 403 to Scrapy's own agent; a browser-like agent that still names the project
# and a contact URL lets them block or reach us. Outlets may set their own in outlets.toml.
ARCHIVE_CONTACT_URL = "https://github.com/outlet-archive/outlet-archive"
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 "
    f"(compatible; {PROJECT_NAME}/{PROJECT_VERSION}; +{ARCHIVE_CONTACT_URL})"
)
# Per outlet in outlets.toml (politeness.download_delay, politeness.concurrency); these are the fallbacks.
DOWNLOAD_DELAY = 2.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
CONCURRENT_REQUESTS = 16
# Back off further when the outlet slows down.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# --- Robustness -------------------------------------------------------------------------------------
# Limits against hostile or broken servers: docs/security.md says what each guards and how to change it.
# A 500 or a dropped connection is often gone a moment later; two more tries, not Scrapy's endless patience.
RETRY_ENABLED = True
RETRY_TIMES = 2
# Scrapy's default of 180 s lets one stalled server hold a slot for three minutes (and is retried).
DOWNLOAD_TIMEOUT = 60
# A body still arriving this many seconds after its first byte (a slow drip) is cut and archived with
# WARC-Truncated: time, instead of being lost to DOWNLOAD_TIMEOUT; keep it below DOWNLOAD_TIMEOUT
# (crawler/middlewares/warc_capture.py).
WARC_MAX_FETCH_TIME = 45
# Far above any article page (docs/security.md has the sizes seen). The WARC capture keeps the first
# DOWNLOAD_MAXSIZE bytes of a longer body and archives them with WARC-Truncated: length; Scrapy's
# HttpCompressionMiddleware applies the same bound to the *decompressed* body, so gzip, deflate and brotli
# bombs stop there too (the compressed bytes are archived as received). A body at the limit is held about
# twice while it arrives: docs/security.md has the memory this costs.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
# Logged when a decompressed body passes it; a page this big is worth a look.
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
# A body shorter than its Content-Length is still what the server sent: archive it (WARC-Truncated: length)
# rather than fail and retry it; the spider does not extract from it.
DOWNLOAD_FAIL_ON_DATALOSS = False
# Outlets redirect once or twice (http to https, old slugs); ten hops is a trap, not a page.
REDIRECT_MAX_TIMES = 10
# Listing pages are followed up to listing_max_pages of outlets.toml (page n is at depth n-1); this is the
# backstop for any chain that keeps finding new pages, such as sitemap indexes naming ever new sitemap
# indexes. Raise it with a listing_max_pages or max_listing_pages near 100.
DEPTH_LIMIT = 100
# Backstops for a crawl gone wrong (one outlet, four times a day): it closes itself, files finalized.
CLOSESPIDER_TIMEOUT = 6 * 3600  # a crawl overlapping the next scheduled one
CLOSESPIDER_ERRORCOUNT = 1000  # a bug or a site that answers only garbage
CLOSESPIDER_PAGECOUNT = 200_000  # far above any outlet's sitemap
# Memory: warn at 768 MB, and at 1.5 GB close the crawl the normal way (engine.close_spider), so the WARC
# and item files are flushed, uploaded and listed in the manifest, instead of the kernel's OOM killer
# ending it with open files. Checked every 10 s.
MEMUSAGE_ENABLED = True
MEMUSAGE_WARNING_MB = 768
MEMUSAGE_LIMIT_MB = 1536
MEMUSAGE_CHECK_INTERVAL_SECONDS = 10.0
# TLS: like browsers archiving the web as it is, Scrapy does not verify certificates (its default context
# factory accepts any). The archive records what a server sent, it does not vouch for who sent it; the
# WARC keeps the IP address. Outlets are public, so no secret goes to them. docs/security.md has more.
DOWNLOADER_CLIENT_TLS_METHOD = "TLS"
# The telnet console is a remote shell into the crawler; nobody needs it for an unattended archive.
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control is the same thing over HTTP: it runs Python code sent to a localhost port,
# guarded by a token it writes to a file in the user's home. Off for the same reason; scrapyd's cancel.json
# and `scrapy schedule` cover what operators need (docs/scrapyd.md).
REMOTE_CONTROL_ENABLED = False

# --- Pipelines and extensions -----------------------------------------------------------------------
ITEM_PIPELINES = {
    "pipelines.items.normalize.NormalizePipeline": 100,
    "pipelines.items.furniture.FurniturePipeline": 150,
    "pipelines.items.validate.ValidatePipeline": 200,
    "pipelines.items.warc_metadata.WarcMetadataPipeline": 700,
    "pipelines.items.item_writer.ItemWriterPipeline": 800,
}
# Switches of the item pipelines (each raises NotConfigured when off).
# The outlet's furniture (paragraphs repeated verbatim across its articles: appeals, disclaimers, promos),
# learned from its earlier crawls and removed from bodies (pipelines/archive/furniture.py): a paragraph is
# furniture once printed in FURNITURE_MIN_SHARE of the articles seen, and in FURNITURE_MIN_ARTICLES of them.
FURNITURE_ENABLED = True
FURNITURE_MIN_SHARE = 0.3
FURNITURE_MIN_ARTICLES = 5
NORMALIZE_ENABLED = True
VALIDATE_ENABLED = True
EXTENSIONS = {
    # First: it masks credentials before Scrapy logs its overridden settings.
    "crawler.extensions.log_redaction.SecretRedaction": 0,
    # The crawl's identity, settled before any component asks for it: keep it before every other extension.
    "crawler.extensions.crawl.CrawlExtension": 1,
    # A worker of a shared crawl (REDIS_URL): its name, leases, heartbeat and end; off without REDIS_URL.
    "crawler.extensions.shared_crawl.SharedCrawl": 2,
    # The archive (store, spool, manifest), then the WARC writer that writes into it.
    "pipelines.archive.extension.ArchiveExtension": 10,
    "pipelines.warc.writer.WarcWriter": 20,
    "crawler.extensions.progress.ProgressLog": 500,
    # The C heap's free pages handed back to the system every MEMORY_TRIM_INTERVAL seconds (glibc only).
    "crawler.extensions.memory.MallocTrim": 510,
    # Python's cycle collector: the heap of the start frozen, the youngest generation larger (GC_TUNING_*).
    "crawler.extensions.gc_tuning.GcTuning": 40,
    # Article pages parsed once and extracted in worker processes, on every core (EXTRACT_PROCESSES).
    "crawler.extensions.page_readers.PageReaders": 30,
}
# Processes that read article pages (one parse: item and requisites) off the reactor thread; 0 reads them in the
# crawl's own process. None: the first pages decide (crawler/extensions/page_readers.py): when reading one takes
# more than EXTRACT_PROCESSES_AUTO_MS of CPU, one reader per usable core (taskset and cgroups count) reads the rest.
EXTRACT_PROCESSES: int | None = None
EXTRACT_PROCESSES_AUTO_MS = 5.0
# Python's cycle collector tuned for the crawl (crawler/extensions/gc_tuning.py): what is alive at the engine's start
# (modules, settings, components) is frozen out of every collection, and the youngest generation is collected every
# GC_YOUNG_THRESHOLD allocations (Python's default: 700). ~0.2 CPU ms a page on bench's replica, RSS unchanged.
GC_TUNING_ENABLED = True
GC_YOUNG_THRESHOLD = 10_000
# Pending requests on disk even without JOBDIR (crawler/schedulers/spilling.py): a crawl's memory does not grow
# with the outlet's sitemaps. In a scratch folder under SCHEDULER_SPILL_DIR (empty: the system's temporary folder),
# as are the crawl's other scratch files (crawler/utils/seen.py: its seen-sets, its payload table, what earlier crawls
# archived), each removed at the crawl's end. REDIS_URL replaces the scheduler with the shared one.
SCHEDULER = "crawler.schedulers.spilling.SpillingScheduler"
SCHEDULER_SPILL_ENABLED = True
SCHEDULER_SPILL_DIR = ""
# The seen requests' fingerprints in a scratch SQLite file under SCHEDULER_SPILL_DIR, behind a 1 MiB bit filter
# (crawler/dupefilters.py): Scrapy's filter, its memory flat however many requests; with JOBDIR, requests.seen as
# Scrapy writes it. A shared crawl's scheduler keeps scrapy-redis's filter (its seen set in Redis).
DUPEFILTER_CLASS = "crawler.dupefilters.DiskDupeFilter"
# Items and requests a response's callback gives that Scrapy processes at once. Scrapy starts that many asyncio
# tasks for every response (its 100 cost 0.45 ms a page); an article page gives one item and a few requisites, so two
# (the item's pipelines, and its requisites' scheduling beside them) is all it uses: 8 cost 27 µs more a response.
CONCURRENT_ITEMS = 2
# --- WARC ------------------------------------------------------------------------------------------
# Capture sits above HttpCompressionMiddleware (590), RedirectMiddleware (600) and RetryMiddleware (550):
# bodies stay encoded as received, and every redirect hop and retried attempt is archived.
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.warc_capture.WarcCaptureMiddleware": 950,
    # Between capture and RedirectMiddleware: a redirect off the outlet's domains or to a non-HTTP scheme
    # (file:, data:) ends the fetch with one clear log line; its 3xx is archived all the same.
    "crawler.middlewares.redirect_guard.RedirectGuardMiddleware": 700,
    # Last before the wire: a shared crawl's per-host budget in Redis (REDIS_URL; off without it).
    "crawler.middlewares.shared_politeness.SharedPolitenessMiddleware": 990,
    # Scrapy's HttpCompressionMiddleware in its place, gzip inflated by zlib-ng in one call (same bodies and bounds).
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.compression.CompressionMiddleware": 590,
}
# Scrapy's HTTP/1.1 handler, noting when each fetch begins (WARC-Date).
DOWNLOAD_HANDLERS = {
    "http": "crawler.handlers.http11.TimedHTTP11DownloadHandler",
    "https": "crawler.handlers.http11.TimedHTTP11DownloadHandler",
}
WARC_ENABLED = True
WARC_MAX_SIZE = 1_000_000_000  # 1 GB, as Heritrix and warcprox roll
# gzip level (zlib-ng's) of each record's member; 9 costs much CPU for little gain. Bodies already compressed
# (Content-Encoding, JPEG, WOFF2, ...) are stored, item JSON in metadata records goes at 2 (pipelines/warc/records.py).
WARC_GZIP_LEVEL = 6
# Revisit records for payloads archived before, in this crawl or an earlier one under the same ARCHIVE_URI.
WARC_REVISITS = True
ARCHIVE_OPERATOR = ""

LOG_FORMATTER = "crawler.logformatter.ArchiveLogFormatter"

# The archive: off, nothing is stored (no WARC, no items, no manifest) and no earlier crawl is consulted.
ARCHIVE_ENABLED = True
# Where WARCs, items, indexes and manifests go: a path, file:///path or s3://bucket/prefix.
ARCHIVE_URI = "archive"
ARCHIVE_SPOOL_DIR = ""  # empty: <archive>/.spool for a folder, ./spool for S3
# How the responses a killed crawl archived without their item get one (pipelines/archive/orphans.py): this
# function extracts the item again from the WARC record; empty: only items kept in metadata records are used.
ARCHIVE_RECOVERY_EXTRACT = "crawler.reextraction.item_at"
# One crawl of an outlet at a time in one archive: a lease object (leases/{outlet}.json) renewed every third
# of its TTL; a crawl killed on another host frees it after the TTL, one killed on this host at once.
ARCHIVE_LEASE_ENABLED = True
ARCHIVE_LEASE_TTL = 600.0
ARCHIVE_UPLOAD_WORKERS = 2
ARCHIVE_UPLOAD_RETRIES = 5
ARCHIVE_UPLOAD_BACKOFF = 1.0

# Item batches (pipelines/items/item_writer.py): off, no items file is written (the WARC keeps the items).
ITEMS_ENABLED = True
ITEMS_MAX_COUNT = 1000
ITEMS_MAX_SIZE = 64 * 1024 * 1024
# zlib-ng's level (pipelines/items/item_writer.py): 3 costs half of its 6, for batches ~1% larger (and ~2% larger
# than zlib's 6), a sixth of the CPU of zlib's 6.
ITEMS_GZIP_LEVEL = 3
# strptime formats for all-numeric dates an outlet prints; without one, 03/04/2016 is never guessed.
NORMALIZE_DATE_FORMATS: list[str] = []

# --- Page requisites ---------------------------------------------------------------------------------
# What a browser needs to render each article page (stylesheets and what they import and reference, scripts,
# images, icons, the lead image), on the outlet's hosts and its asset_hosts (outlets.toml): archived so the page
# replays as a reader saw it (crawler/spiders/requisites.py). Each once per crawl; fetched as prerequisites of
# a page robots.txt permitted; the outlet's politeness applies.
REQUISITES_ENABLED = True
# New requisites one page may add (a page shares most of its stylesheets and scripts with the others).
REQUISITES_PER_PAGE = 80
# What one crawl may add in all: past either, requisites are counted as skipped, never fetched.
REQUISITES_MAX_COUNT = 20_000
REQUISITES_MAX_BYTES = 2 * 1024 * 1024 * 1024
# Stylesheets importing stylesheets: how deep the chain from the page is followed.
REQUISITES_CSS_DEPTH = 4

# How often the crawl logs articles, pages and bytes archived.
PROGRESS_INTERVAL = 30.0
# Seconds between two hand-backs of the C heap's free memory to the system (crawler/extensions/memory.py: glibc's
# malloc_trim, ~1 ms each); 0 turns it off. A crawl's RSS otherwise keeps what malloc freed but held (+13 MB over
# 20,000 articles). Every second rather than every 5: the high-water mark of bench's 20,000-article crawl 145.8-148.1
# MB (3 runs) -> 143.7-143.9 (2 runs), for 0.08% of its CPU (~200 calls of 0.8 ms).
MEMORY_TRIM_INTERVAL = 1.0

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# --- S3 storage -------------------------------------------------------------------------------------
# Used when ARCHIVE_URI is s3://bucket/prefix (pipelines/storage/s3.py); docs/storage.md has the recipes.
# Connection: Scrapy's own settings AWS_ENDPOINT_URL (empty: AWS itself), AWS_REGION_NAME, AWS_VERIFY,
# AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN. Leave the credentials unset here: boto3 then
# reads its standard environment variables, AWS_PROFILE / ~/.aws, or an instance role, and no secret ever
# sits in a settings file (nor in Scrapy's "Overridden settings" log line).
# path: https://endpoint/bucket/key (MinIO, Garage, most Ceph RGW setups); virtual: https://bucket.endpoint/key;
# auto: path for a custom AWS_ENDPOINT_URL, virtual on AWS.
S3_ADDRESSING_STYLE = "auto"
# boto3 >= 1.36 sends CRC32 checksums with every upload and validates them on download ("when_supported").
# Some MinIO, Ceph RGW and other servers reject those requests (400 InvalidRequest / XAmzContentSHA256Mismatch
# / BadDigest); "when_required" sends checksums only where the API demands one. Our own sha256, stored as
# x-amz-meta-sha256 and checked by HEAD after every upload, guards the content either way.
S3_CHECKSUM_MODE = "when_supported"
# botocore's "standard" retry mode (backoff with jitter, also on SlowDown and 5xx); this counts the first try.
# The spool's own retries (ARCHIVE_UPLOAD_RETRIES, ARCHIVE_UPLOAD_BACKOFF) come on top of these.
S3_MAX_ATTEMPTS = 5
S3_CONNECT_TIMEOUT = 10.0
# Seconds without a byte from the server; a part of S3_MULTIPART_CHUNKSIZE must go through in this time.
S3_READ_TIMEOUT = 60.0
# Files from this size up go in parts of S3_MULTIPART_CHUNKSIZE (S3's minimum part size is 5 MB; at most
# 10,000 parts, so 8 MB parts carry files up to ~78 GB, far above WARC_MAX_SIZE).
S3_MULTIPART_THRESHOLD = 8 * 1024 * 1024
S3_MULTIPART_CHUNKSIZE = 8 * 1024 * 1024
# Parts of one file uploaded at once; each of the ARCHIVE_UPLOAD_WORKERS uploads its own file.
S3_UPLOAD_CONCURRENCY = 4

# --- Scheduling on scrapyd ---------------------------------------------------------------------------
# `scrapy schedule` (crawler/commands/schedule.py, docs/scale-out.md): the scrapyd nodes due outlets are placed
# on, each a URL or a scrapy.cfg deploy target's name (a glob: "node-*"). --url, given, wins; empty and no
# --url: $SCRAPYD_URL (several URLs separated by spaces or commas), else http://127.0.0.1:6800/.
SCHEDULE_NODES: list[str] = []
# Seconds a node has to answer each API call (5 at most to accept the connection); one that does not is
# skipped for the run, with one warning line.
SCHEDULE_TIMEOUT = 30.0

# --- One outlet, several workers ------------------------------------------------------------------------
# redis://host:port/db: this process is a worker of the shared crawl named by CRAWL_ID (docs/scale-out.md);
# any number of workers join, on any host, at any time. Empty: the crawl is this process's alone, as always.
REDIS_URL = ""
# What puts the shared scheduler in place when REDIS_URL is given (crawler/addons/shared_crawl.py).
ADDONS = {"crawler.addons.shared_crawl.SharedCrawlAddon": 0}
# The crawl's keys are `{prefix}{outlet}:{crawl_id}:*`, removed by its last worker.
SHARED_CRAWL_KEY_PREFIX = "outlet-archive:"
# Nothing queued, nothing in flight and no worker still seeding for this many seconds: the crawl is finished and
# every worker closes by itself. Longer than a worker takes from its start to its first request.
SHARED_CRAWL_GRACE = 10.0
# A request a worker took is its own until this many seconds after its last heartbeat (one every third of it);
# then any worker queues it again. A worker killed on the same host is found at its next heartbeat, not after it.
SHARED_CRAWL_LEASE_TTL = 30.0
# How often an idle worker looks for requests the others queued, and whether the crawl is finished.
SHARED_CRAWL_POLL_INTERVAL = 0.5
# Requests a worker takes from the shared queue at once (each under its own lease): fewer round trips to Redis on
# the reactor's thread; a request taken ahead waits for this worker's engine, not for another worker's.
SHARED_CRAWL_PREFETCH = 4
SHARED_CRAWL_REDIS_TIMEOUT = 10.0
# The crawl's per-host budget (crawler/middlewares/shared_politeness.py): CONCURRENT_REQUESTS_PER_DOMAIN fetches
# across all workers, starts SHARED_POLITENESS_DELAY seconds apart (None: the outlet's DOWNLOAD_DELAY, moved
# there by the add-on; each worker's own downloader then runs without delay or AutoThrottle).
SHARED_POLITENESS_ENABLED = True
SHARED_POLITENESS_DELAY: float | None = None

# --- QA ---------------------------------------------------------------------------------------------
# `scrapy qa` (crawler/commands/qa.py): a crawl's articles replayed through pywb in a headless browser.
# pywb's `wayback` and `wb-manager`: empty, from the PATH; else a folder holding them, or a virtual environment
# whose bin/ does (the Makefile's .venv-pywb).
QA_PYWB_BIN = ""
# The browser Playwright drives: the system's chromium (Debian's package); Playwright downloads none.
QA_BROWSER = "/usr/bin/chromium"
# Seconds a replayed page may take to load before it counts as not replayed.
QA_PAGE_TIMEOUT = 30.0

# --- Drift watch ------------------------------------------------------------------------------------
# Each crawl compares its field coverage (the share of items with each field) with the outlet's earlier crawls,
# read from their manifests in the archive (pipelines/archive/drift.py): a field that dropped (a redesign of the
# outlet's site: byline 95% → 0%) is an ERROR line, "drift" in the manifest, and `scrapy crawl`'s exit status 6.
DRIFT_ENABLED = True
# The baseline: the median share of the outlet's last this many finished crawls with DRIFT_MIN_ARTICLES
# articles. Five: a week of daily crawls' worth, and a median one or two odd crawls do not move.
DRIFT_BASELINE_CRAWLS = 5
# Fewer such crawls than this: no baseline, no check. Three: the least a median outvotes one odd crawl with.
DRIFT_MIN_BASELINE_CRAWLS = 3
# Crawls with fewer articles are neither checked nor part of a baseline: a handful of articles (an hourly
# incremental crawl, `-a urls=`) is one section's or one author's mix, not the outlet's.
DRIFT_MIN_ARTICLES = 20
# A drop is material when the share falls by more than this (of all items: 0.95 → 0.40) ...
DRIFT_MAX_DROP = 0.5
# ... or below this fraction of its baseline (0.40 → 0.08): a field only some articles have, gone. A quarter, not
# a half: a day's mix of articles can halve the share of a field only some have; a markup change leaves ~none.
DRIFT_MIN_RATIO = 0.25
# And no accident of sampling: so few items with the field, were the baseline share still true, is less
# likely than this (a binomial tail). Spares small crawls and rare fields; a real loss of a field passes it.
DRIFT_SIGNIFICANCE = 0.001
