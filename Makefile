# Switchboard: `make run` for a local platform, `make test` for the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export SWITCHBOARD_ENV ?= development
FLASK := $(BIN)/flask --app wsgi

.PHONY: install assets migrate seed run test docs bench lint clean

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

# Web on $(HOST):$(PORT) and one worker, on the embedded SQLite and Redis; Ctrl-C stops both.
run: seed
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' INT TERM EXIT; \
	$(FLASK) worker & \
	sleep 1; \
	$(FLASK) run --host $(HOST) --port $(PORT) --no-reload & \
	wait -n

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

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules app/static/vendor site instance
