# The README's two commands: `make run` (app with demo data on SQLite + Whoosh) and `make test`.
# Both set everything up first and are idempotent.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CATALOGUE := $(VENV)/bin/catalogue
KERN := node_modules/@kern-ux/native/dist
VENDOR := catalogue/static/vendor
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: setup run test seed lint eval-matching clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.installed: node_modules/.installed
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/kern/fonts
	cp $(KERN)/kern.min.css $(VENDOR)/kern/
	cp $(KERN)/fonts/fira-sans.css $(VENDOR)/kern/fonts/
	cp -r $(KERN)/fonts/fira-sans $(VENDOR)/kern/fonts/
	cp node_modules/@kern-ux/native/LICENSE.md $(VENDOR)/kern/LICENSE.md
	touch $@

setup: $(VENV)/.installed $(VENDOR)/.installed

seed: setup
	CATALOGUE_ENV=development $(CATALOGUE) db upgrade
	CATALOGUE_ENV=development $(CATALOGUE) seed municipalities
	CATALOGUE_ENV=development $(CATALOGUE) seed modellregion
	CATALOGUE_ENV=development $(CATALOGUE) seed demo
	CATALOGUE_ENV=development $(CATALOGUE) seed accounts
	CATALOGUE_ENV=development $(CATALOGUE) search rebuild
	CATALOGUE_ENV=development $(CATALOGUE) seed loop

run: seed
	@echo "Lösungskatalog läuft auf http://$(HOST):$(PORT)/"
	CATALOGUE_ENV=development CATALOGUE_BASE_URL=$${CATALOGUE_BASE_URL:-http://$(HOST):$(PORT)} \
		$(CATALOGUE) run --host $(HOST) --port $(PORT)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

# Style and types: ruff (lint + format) and mypy (strict for search_index and services).
lint: setup
	$(VENV)/bin/ruff check catalogue search_index tests benchmarks
	$(VENV)/bin/ruff format --check catalogue search_index tests benchmarks
	$(VENV)/bin/mypy

# Every matching evaluation set, one row per set and style, then all needs pooled (README figures).
MATCHING_SETS := $(sort $(dir $(wildcard benchmarks/matching/*/qrels.tsv)))
eval-matching: setup
	$(PY) -m search_index.evaluate $(MATCHING_SETS:/=) --table

clean:
	rm -rf $(VENV) node_modules $(VENDOR) instance .pytest_cache
