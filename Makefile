# Everything a fresh Debian machine needs, from `make demo` and `make test` alone.
PYTHON ?= python3
VENV := .venv
PYWB_VENV := .venv-pywb
BIN := $(VENV)/bin
DEMO_PORT ?= 0
# pywb pins an old redis client: it lives in its own environment, used only by the replay tests.
PYWB_VERSION ?= 2.10.0
# The peer `make bench` measures ours against (bench/peer_spider.py): scrapy-webarchive needs Scrapy < 2.12, which
# needs w3lib < 2.2 and Twisted < 24.10 to run today; trafilatura's jusText needs lxml_html_clean (split out of
# lxml 5.2), bench/child.py psutil. Its own environment, used only by the bench.
PEER_VENV := .venv-peer

.PHONY: demo test lint typecheck layers bench corpus learn env pywb-env peer-env system-deps clean

system-deps:
	@# python3-venv provides `python -m venv` on Debian's own Python.
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { \
		echo "installing Debian packages: python3-venv"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; }
	@# chromium: the real browser `scrapy qa` and the replay tests drive (Playwright uses it; it downloads none).
	@test -x /usr/bin/chromium || { \
		echo "installing Debian packages: chromium"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@# redis-server: the shared crawl's queue in the tests of one outlet crawled by several workers (REDIS_URL).
	@test -x /usr/bin/redis-server || { \
		echo "installing Debian packages: redis-server"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; }

$(BIN)/.installed: pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

$(PYWB_VENV)/.installed: | system-deps
	$(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/pip install -q --upgrade pip
	$(PYWB_VENV)/bin/pip install -q 'pywb==$(PYWB_VERSION)'
	touch $@

env: $(BIN)/.installed
pywb-env: $(PYWB_VENV)/.installed

$(PEER_VENV)/.installed: | system-deps
	$(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/pip install -q 'scrapy==2.11.2' 'scrapy-webarchive==0.5.3' trafilatura 'w3lib<2.2' \
		'twisted<24.10' lxml_html_clean psutil
	touch $@

peer-env: $(PEER_VENV)/.installed

demo: env
	$(BIN)/python -m tests.replica.demo --port $(DEMO_PORT) --archive ./archive

lint: env
	$(BIN)/ruff check .

typecheck: env
	$(BIN)/mypy

# The floor plan: the import contracts of pyproject.toml (docs/architecture.md).
layers: env
	$(BIN)/lint-imports --no-cache

# Two test processes: the suite mostly waits (crawls in subprocesses, servers, timeouts); tests that share files
# of the checkout keep to one xdist group.
TEST_WORKERS ?= 2
test: env pywb-env lint typecheck layers
	PYWB_VENV=$(abspath $(PYWB_VENV)) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

bench: env peer-env
	$(BIN)/python -m bench.run

# The real-page corpus's page bytes (only its labels are committed): from the repositories its labels name, checked
# by sha256. Then `python -m bench.quality --corpus bench/corpus --outlet generic` scores it.
corpus: env
	$(BIN)/python -m bench.corpus_fetch

# The generic extractor's learned scorers (byline, dates, categories, copyright) fitted again on the corpus's dev half (after `make corpus`); each prints
# its cross-validated F1 and rewrites its model in crawler/extractors/generic/models/.
learn: env
	$(BIN)/python -m bench.learn_byline --corpus bench/corpus
	$(BIN)/python -m bench.learn_dates --corpus bench/corpus --write
	$(BIN)/python -m bench.learn_categories --corpus bench/corpus --write
	$(BIN)/python -m bench.learn_copyright --corpus bench/corpus

clean:
	rm -rf $(VENV) $(PYWB_VENV) $(PEER_VENV) archive spool .pytest_cache .mypy_cache .ruff_cache *.egg-info
