# earfit: `make run` serves the embedded default; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# A process not told otherwise runs production settings (earfit/settings/__init__.py); make's
# targets run the embedded default. Per command, not exported: pytest picks its own (pyproject.toml).
LOCAL := DJANGO_SETTINGS_MODULE=$(or $(DJANGO_SETTINGS_MODULE),earfit.settings.local)
MANAGE := $(LOCAL) $(PY) manage.py

.PHONY: help run test lint security hadolint infra-policy format install install-dev migrate reset-staff frontend frontend-test browser bench bench-smoke soak bench-purge worker beat bench-audit bench-legacy bench-rss image clean infra-test infra-lint infra-checkov

help:
	@echo "make run    set everything up and serve earfit on http://$(HOST):$(PORT) (SQLite, local files)"
	@echo "make test   install what the tests need and run them all"
	@echo "make lint   ruff, mypy, the import contracts, the migrations check, hadolint and shellcheck"
	@echo "make security  the security gate: check --deploy, bandit, ruff S, hadolint, detect-secrets, policy pack, pip-audit, npm audit"
	@echo "make infra-test  the Pulumi program's offline tests and policy pack (infra/, its own venv)"
	@echo "make image  build the container image earfit:<git short sha> (podman, or docker where present)"

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Re-install only when a requirements file changed.
$(VENV)/.installed-run: requirements.txt requirements-inference.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-inference.txt requirements-dev.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

# The React client: installed from its lock file and built when its sources change.
FRONTEND_SOURCES := $(shell find frontend/src frontend/index.html frontend/vite.config.ts frontend/package.json -type f 2>/dev/null)

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error

frontend/dist/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && npm run build

frontend: $(if $(wildcard frontend/package.json),frontend/dist/index.html)

migrate: install
	@mkdir -p var
	$(MANAGE) migrate --no-input
	$(MANAGE) bootstrap_roles
	$(MANAGE) load_demo_catalog

# New passwords for the demo staff accounts (local only), printed once.
reset-staff: migrate
	$(MANAGE) create_demo_staff --reset

# Every address printed is the one served: HOST and PORT from the environment (PORT=8123 make run).
run: migrate frontend
	$(MANAGE) create_demo_staff --admin-url http://$(HOST):$(PORT)/admin/
	@echo "earfit: serving http://$(HOST):$(PORT)/  API http://$(HOST):$(PORT)/api/docs/  admin http://$(HOST):$(PORT)/admin/"
	$(MANAGE) runserver $(HOST):$(PORT)

test: install-dev frontend-test browser infra-test
	@mkdir -p var
	$(PY) -m pytest

# The end-to-end tests drive Debian's Chromium through Playwright; browser downloads do not work
# on the project's machines, so the browser comes from the distribution.
browser:
	@[ -x /usr/bin/chromium ] || { echo "installing Debian's chromium for the end-to-end tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The client's unit tests and its bundle budget (150 KB of gzipped JavaScript).
frontend-test: frontend/node_modules/.package-lock.json
	cd frontend && npm run lint && npm test && npm run build && npm run size

# The performance proof (bench/harness.py): floor, in-process, earfit and legacy under gunicorn,
# light requests, cold start, growth; writes bench/results/latest.{json,md,png}. About 20 minutes;
# needs PostgreSQL (DATABASE_URL's server; the benchmark's own database `<name>_bench`) and Redis.
bench: install-dev
	nice -n 19 $(PY) -m bench.harness

# Every section at tiny sizes (the test suite runs it): proves the harness runs, nothing about speed.
bench-smoke: install-dev
	$(PY) -m bench.harness --smoke --out var/bench-smoke

# Mixed traffic against gunicorn with production settings (bench/soak.py); SOAK_SECONDS (300).
soak: install-dev
	$(PY) -m bench.soak

# Batched purge against one-object-at-a-time on 5,000 photos (real S3 server); chart in bench/results/.
bench-purge: install-dev
	@mkdir -p var
	$(PY) bench/purge.py

# Background work needs CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0); without it `make run` runs tasks inline.
worker: install
	$(LOCAL) $(VENV)/bin/celery -A earfit worker --concurrency 2 --prefetch-multiplier 1 --loglevel INFO

beat: install
	$(LOCAL) $(VENV)/bin/celery -A earfit beat --loglevel INFO

lint: install-dev infra-lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports --no-cache
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=earfit.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(MAKE) --no-print-directory hadolint
	$(VENV)/bin/shellcheck docker/entrypoint docker/base-image docker/build-image

hadolint: install-dev
	$(VENV)/bin/hadolint Dockerfile

# The security gate (SECURITY.md): hadolint and the infra policy pack, then security/gate.py for
# Django's deployment checklist under the production settings, bandit, ruff's S rules,
# detect-secrets against .secrets.baseline, pip-audit and npm audit (each says "NOT audited" when
# its advisory service cannot be reached). A new false positive of detect-secrets is accepted with
# `.venv/bin/detect-secrets scan --baseline .secrets.baseline` and a reviewed `is_secret: false`.
security: install-dev hadolint infra-policy
	@mkdir -p var
	$(PY) -m security.gate

# The production image (see Dockerfile and docker/): installs podman, runc and debootstrap when
# missing, builds the base image where no registry answers, and never prunes the layer cache.
image:
	docker/build-image

# The AWS deployment (infra/, Pulumi): its own venv, so the application's stays lean. The tests run
# every committed stack under Pulumi's mocks and the policy pack over what it declares.
INFRA_VENV := infra/.venv

$(INFRA_VENV)/.installed: infra/requirements.txt
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/pip install --quiet --upgrade pip
	$(INFRA_VENV)/bin/pip install --quiet -r infra/requirements.txt
	touch $@

infra-test: $(INFRA_VENV)/.installed
	cd infra && .venv/bin/python -m pytest

# The policy pack over every committed stack (what `pulumi preview --policy-pack` would enforce).
infra-policy: $(INFRA_VENV)/.installed
	cd infra && .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_policy.py

infra-lint: $(INFRA_VENV)/.installed
	cd infra && .venv/bin/mypy .

# The public Checkov rules over every stack's resources, offline (a Terraform-plan form of what the
# mocks capture). Not part of CI: Checkov is large; its own venv lives under infra/.venv.
# dev's single-AZ database and Redis and its lack of deletion protection are configuration, on purpose.
CHECKOV_VERSION := 3.3.30
DEV_ONLY_CHECKS := CKV_AWS_157,CKV_AWS_293,CKV_AWS_150,CKV2_AWS_50

$(INFRA_VENV)/checkov/.installed: | $(INFRA_VENV)/.installed
	$(PYTHON) -m venv $(INFRA_VENV)/checkov
	$(INFRA_VENV)/checkov/bin/pip install --quiet checkov==$(CHECKOV_VERSION)
	touch $@

infra-checkov: $(INFRA_VENV)/checkov/.installed
	cd infra && .venv/bin/python -m tests.checkov_plan --out .venv/plans
	cd infra && for stack in staging prod prod-dr; do \
	  echo "checkov: $$stack"; .venv/checkov/bin/checkov --config-file checkov.yaml -f .venv/plans/$$stack.tfplan.json || exit 1; done
	cd infra && echo "checkov: dev" && .venv/checkov/bin/checkov --config-file checkov.yaml \
	  --soft-fail-on $(DEV_ONLY_CHECKS) -f .venv/plans/dev.tfplan.json

# The gunicorn worker's peak RSS under the production settings, over the hostile-upload corpus and
# 1,000 ordinary photos (a loopback S3 server, Redis, and a PostgreSQL database of its own).
bench-rss: install-dev
	nice -n 19 $(PY) -m bench.worker_rss

# Streams the audit CSV export over 100,000 and 1,000,000 rows (see bench/audit_export.py).
bench-audit: install-dev
	$(PY) bench/audit_export.py

# import_legacy over the full-size sample export (10,000 questionnaires, 2,000 photos), twice.
bench-legacy: install-dev
	@mkdir -p var
	$(PY) bench/legacy_import.py

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) $(INFRA_VENV) var staticfiles .pytest_cache .mypy_cache .ruff_cache
