# Switchboard: `make run` for a local platform, `make test` for the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export SWITCHBOARD_ENV ?= development
FLASK := $(BIN)/flask --app wsgi

.PHONY: install assets migrate seed run stop test docs client bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall whenever the pinned dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,docs]'
	touch $@

install: $(VENV)/.installed assets

# npm packages: htmx for the admin UI; axe-core and lighthouse for the docs site's browser audit.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

app/static/vendor/htmx.min.js: node_modules/.package-lock.json
	mkdir -p app/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

assets: app/static/vendor/htmx.min.js

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) demo seed

# One supervisor runs the embedded Redis, a worker and the web on $(HOST):$(PORT); it migrates
# and seeds the demo first, then prints the logins, the sandbox key and a first request.
# Ctrl-C (or `make stop`) stops all of it. A second run on the same instance folder or a busy
# port refuses at once.
run: install
	@$(FLASK) platform run --host $(HOST) --port $(PORT)

# Stop a run started in another terminal or in the background, and any embedded Redis that
# an earlier crash left running.
stop:
	@if [ -x $(BIN)/flask ]; then $(FLASK) platform stop; else echo "Nothing to stop."; fi

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# The documentation site into site/: offline, and any warning (a broken link or anchor, a page
# missing from the nav, a generated section without its marker) fails the build. The web
# root's sitemap.xml is the committed copy of the build's (commit it when it changes).
docs: $(VENV)/.installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict
	cp site/sitemap.xml sitemap.xml

# The typed Python client in clients/python, generated from the /api/v1 OpenAPI document by
# the pinned openapi-python-client (offline; any generator warning fails). Commit the result:
# tests/api/test_python_client.py fails when the committed client is stale.
client: $(VENV)/.installed
	$(BIN)/python clients/generate.py

# Benchmarks as ratios to baselines measured in the same run; QUICK=1 for a short run.
bench: install
	QUICK=$(QUICK) $(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules app/static/vendor site instance
