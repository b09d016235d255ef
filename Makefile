# Laskutin: `make run` starts everything on this machine, `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The distribution's Python 3.11 when there is one that can make venvs: Debian builds it with
# profile-guided and link-time optimisation, as the container image's Python is built; a plain
# source build (this image's pyenv python3) costs the API about 15 % more CPU per request
# (bench/README.md, invoicing). PYTHON=... chooses another.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(or $(shell /usr/bin/python3.11 -c 'import ensurepip, venv' >/dev/null 2>&1 && echo /usr/bin/python3.11),python3)
endif
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help install run test lint typecheck pytest openapi error-codes db-start db-stop db-status bench cluster cluster-stop chaos clean web-install web-build web-test chromium oidc-provider

help:
	@echo "make run    - install what is missing, start database, server and worker on http://127.0.0.1:8000"
	@echo "make test   - install what is missing, then lint, type checks and every test suite"
	@echo "make openapi - rewrite openapi/openapi.json from the code, and the web app's API types"
	@echo "make error-codes - rewrite docs/error-codes.md (every rule's problem code) from the code"
	@echo "make db-start | db-stop | db-status - the embedded PostgreSQL in ./.data"
	@echo "make bench  - run the benchmarks in bench/"
	@echo "make cluster | cluster-stop - PostgreSQL, 3 API replicas, a worker and HAProxy on http://127.0.0.1:8100"
	@echo "make chaos  - rolling restart, SIGKILL, database restart and scaling under load (CHAOS_SECONDS)"

# uv installs the locked dependencies (uv.lock) in seconds; it lives in its own small venv so
# that syncing the project's venv never removes it.
$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.installed: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(VENV)/.installed

# The web app (web/): npm ci from package-lock.json, then a build into web/dist that
# `laskutin serve` serves. Node.js 20 and npm must be on PATH.
NPM ?= npm
WEB_INSTALLED := web/node_modules/.installed

$(WEB_INSTALLED): web/package.json web/package-lock.json
	@command -v $(NPM) >/dev/null || { echo "Node.js 20 with npm is needed for the web app (web/)"; exit 1; }
	cd web && $(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

web-install: $(WEB_INSTALLED)

web-build: web-install
	cd web && $(NPM) run build

web-test: web-install
	cd web && $(NPM) run check && $(NPM) test

# The OpenID provider the sign-in tests start (tests/oidc: node-oidc-provider, npm ci from
# its package-lock.json). Node.js 20 and npm must be on PATH.
OIDC_INSTALLED := tests/oidc/node_modules/.installed

$(OIDC_INSTALLED): tests/oidc/package.json tests/oidc/package-lock.json
	@command -v $(NPM) >/dev/null || { echo "Node.js 20 with npm is needed for the sign-in tests (tests/oidc)"; exit 1; }
	cd tests/oidc && $(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

oidc-provider: $(OIDC_INSTALLED)

# Browser tests drive Debian's chromium (never a downloaded browser). As root (CI), install it
# when it is missing; otherwise say what to install.
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "install Debian's chromium: sudo apt-get install -y chromium"; exit 1; fi; }

run: install web-build
	exec $(BIN)/laskutin run

lint: install
	$(BIN)/ruff check src tests migrations bench
	$(BIN)/ruff format --check src tests migrations bench

typecheck: install
	$(BIN)/mypy

pytest: install oidc-provider
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck web-test web-build chromium pytest

openapi: install web-install
	$(BIN)/laskutin openapi --output openapi/openapi.json
	cd web && $(NPM) run generate:api

error-codes: install
	$(BIN)/python -m laskutin.api.catalogue > docs/error-codes.md

db-start: install
	$(BIN)/laskutin db start
db-stop: install
	$(BIN)/laskutin db stop
db-status: install
	$(BIN)/laskutin db status

bench: install
	$(BIN)/python bench/run_all.py

# A local cluster as in production (docs/deploy.md): HAProxy on 127.0.0.1:8100 in front of three
# `laskutin serve` replicas, a worker and PostgreSQL in .data/cluster. Ctrl-C or cluster-stop.
CLUSTER_DIR ?= .data/cluster
CHAOS_SECONDS ?= 60

cluster: install web-build
	exec $(BIN)/python bench/_cluster.py --data-dir $(CLUSTER_DIR)

cluster-stop:
	@if [ -f $(CLUSTER_DIR)/cluster.pid ] && kill -0 "$$(cat $(CLUSTER_DIR)/cluster.pid)" 2>/dev/null; then \
	  pid=$$(cat $(CLUSTER_DIR)/cluster.pid); kill -TERM $$pid; \
	  for i in $$(seq 1 300); do kill -0 $$pid 2>/dev/null || break; sleep 0.1; done; \
	  echo "cluster stopped"; \
	else echo "no cluster is running"; fi

# The proofs of bench/chaos.py, each load phase CHAOS_SECONDS long; last line: chaos: N passed, M failed
chaos: install
	$(BIN)/python bench/chaos.py --seconds $(CHAOS_SECONDS)

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache web/node_modules web/dist tests/oidc/node_modules
