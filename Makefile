# warmpath: the same entry points for people and for CI.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LINT_DIR := cypher/lint
LINT_STAMP := $(LINT_DIR)/node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install browser run test bench load lint clean

install: $(STAMP) $(LINT_STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Neo4j's own Cypher language support, used by the test suite to lint cypher/neo4j offline.
$(LINT_STAMP): $(LINT_DIR)/package.json $(LINT_DIR)/package-lock.json
	cd $(LINT_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $(LINT_STAMP)

run: $(STAMP)
	$(VENV)/bin/warmpath demo
	$(VENV)/bin/warmpath serve --host $(HOST) --port $(PORT)

# Debian's chromium for the manager page's browser tests (driven by Playwright, no download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: install browser
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m benchmarks.run

load: $(STAMP)
	$(PY) -m benchmarks.load

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check api routing graph cypher importers benchmarks tests
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) $(LINT_DIR)/node_modules .pytest_cache .mypy_cache .ruff_cache
