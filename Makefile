# warmpath: the same entry points for people and for CI.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LINT_DIR := cypher/lint
LINT_STAMP := $(LINT_DIR)/node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
NEO4J_DIR := tools/neo4j
NEO4J_STAMP := $(NEO4J_DIR)/lib/.fetched
NEO4J_PORT ?= 7687
NEO4J_DATA ?= data/neo4j

.PHONY: install bytecode browser run test bench load pages lint clean neo4j neo4j-fetch java

WEB_TOOLS := tools/web
WEB_VENDOR := api/web/vendor/cytoscape.esm.min.js

install: $(STAMP) $(LINT_STAMP) $(NEO4J_STAMP) $(WEB_VENDOR)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Neo4j's own Cypher language support, used by the test suite to lint cypher/neo4j offline.
$(LINT_STAMP): $(LINT_DIR)/package.json $(LINT_DIR)/package-lock.json
	cd $(LINT_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $(LINT_STAMP)

# The manager page's graph library (Cytoscape.js, pinned in tools/web/package-lock.json), copied
# into api/web/vendor/ (ignored by git), from where the app serves it.
$(WEB_VENDOR): $(WEB_TOOLS)/package.json $(WEB_TOOLS)/package-lock.json
	cd $(WEB_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(dir $(WEB_VENDOR))
	cp $(WEB_TOOLS)/node_modules/cytoscape/dist/cytoscape.esm.min.mjs $(WEB_VENDOR)

# the program's modules compiled to bytecode, as an install would: where PYTHONDONTWRITEBYTECODE
# is set (our machines), each process `make run` or a test starts would compile them again
bytecode: $(STAMP)
	$(PY) -m benchmarks.bytecode

run: $(STAMP) $(WEB_VENDOR) bytecode
	$(VENV)/bin/warmpath demo
	$(VENV)/bin/warmpath serve --host $(HOST) --port $(PORT)

# Neo4j 5.26 Community from Maven Central into tools/neo4j/lib (ignored); a second run fetches nothing.
java:
	@command -v java >/dev/null 2>&1 || { echo "java not found: install a JDK 17 (apt-get install openjdk-17-jdk-headless)"; exit 2; }
	@command -v mvn >/dev/null 2>&1 || { echo "mvn not found: install Maven 3.8+ (apt-get install maven)"; exit 2; }

neo4j-fetch: $(NEO4J_STAMP)

$(NEO4J_STAMP): $(NEO4J_DIR)/pom.xml | java
	mvn -q -B -f $(NEO4J_DIR)/pom.xml dependency:copy-dependencies -DoutputDirectory=$(CURDIR)/$(NEO4J_DIR)/lib -DincludeScope=runtime
	touch $(NEO4J_STAMP)

# A local Neo4j for people: data kept in $(NEO4J_DATA), Bolt on 127.0.0.1:$(NEO4J_PORT); Ctrl-C stops it.
neo4j: $(STAMP) $(NEO4J_STAMP)
	$(PY) -m graph.neo4j_launcher --port $(NEO4J_PORT) --data $(NEO4J_DATA)

# Debian's chromium for the manager page's browser tests (driven by Playwright, no download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: install browser bytecode
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m benchmarks.run

# both backends, one after the other (BENCH_BACKEND=ladybug|neo4j for one); figures as JSON
# in bench-results/load-<backend>.json
load: $(STAMP) $(NEO4J_STAMP)
	@mkdir -p bench-results
	@for backend in $${BENCH_BACKEND:-ladybug neo4j}; do \
	  echo "== make load: $$backend"; \
	  BENCH_BACKEND=$$backend LOAD_JSON=$${LOAD_JSON:-bench-results/load-$$backend.json} \
	    $(PY) -m benchmarks.load || exit 1; \
	done

# one client on the demo server: each document the manager page sends when a view opens, server
# time (Server-Timing) and wall time per query, both backends (BENCH_BACKEND=ladybug|neo4j for
# one); figures as JSON in bench-results/pages-<backend>.json
pages: $(STAMP) $(NEO4J_STAMP)
	@mkdir -p bench-results
	@for backend in $${BENCH_BACKEND:-ladybug neo4j}; do \
	  echo "== make pages: $$backend"; \
	  BENCH_BACKEND=$$backend PAGES_JSON=$${PAGES_JSON:-bench-results/pages-$$backend.json} \
	    $(PY) -m benchmarks.pages || exit 1; \
	done

# ruff, mypy (strict), and the dependency direction between the layers (import-linter,
# contracts in pyproject.toml)
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check cli api demo routing graph cypher importers benchmarks tests
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf $(VENV) $(LINT_DIR)/node_modules $(WEB_TOOLS)/node_modules api/web/vendor .pytest_cache .mypy_cache .ruff_cache
