# earfit: `make run` serves the embedded default; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help run test lint format install install-dev migrate clean bench-audit

help:
	@echo "make run    set everything up and serve earfit on http://$(HOST):$(PORT) (SQLite, local files)"
	@echo "make test   install what the tests need and run them all"
	@echo "make lint   ruff, mypy and the migrations check"

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Re-install only when a requirements file changed.
$(VENV)/.installed-run: requirements.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

migrate: install
	@mkdir -p var
	$(PY) manage.py migrate --no-input
	$(PY) manage.py bootstrap_roles
	$(PY) manage.py load_demo_catalog

run: migrate
	$(PY) manage.py create_demo_staff
	@echo "earfit: API http://$(HOST):$(PORT)/api/docs/  admin http://$(HOST):$(PORT)/admin/"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev
	@mkdir -p var
	$(PY) -m pytest

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	DJANGO_SETTINGS_MODULE=earfit.settings.test $(PY) manage.py makemigrations --check --dry-run

# Streams the audit CSV export over 100,000 and 1,000,000 rows (see bench/audit_export.py).
bench-audit: install-dev
	$(PY) bench/audit_export.py

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .mypy_cache .ruff_cache
