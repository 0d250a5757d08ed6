# Hearth: `make run` starts the site with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PYTEST := $(VENV)/bin/pytest
HOST ?= 127.0.0.1
PORT ?= 8000
# Python 3.12+ is needed (Django 6). $PYTHON wins; then the usual names; then pyenv's.
PYTHON_CANDIDATES := $(PYTHON) python3.13 python3.12 $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3) $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3) python3

.PHONY: run test test-unit test-e2e lint format screenshots bench clean venv lock audit messages

# The lock files: every package, pinned, with its hashes. `make venv` installs the
# development one, the Dockerfile the runtime one; `make lock` refreshes both from
# pyproject.toml (keeping the pins that still fit; LOCK_ARGS=--upgrade moves them all,
# LOCK_ARGS="--upgrade-package django" one).
LOCK := requirements/dev.txt
RUNTIME_LOCK := requirements/main.txt
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links

venv: $(VENV)/.installed

$(VENV)/.installed: $(LOCK)
	@py=""; for c in $(PYTHON_CANDIDATES); do \
	  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then py=$$c; break; fi; \
	done; \
	if [ -z "$$py" ]; then \
	  echo "Hearth needs Python 3.12 or newer. Install python3.12 or python3.13 (or run: make PYTHON=/path/to/python3.12 run)." >&2; exit 1; \
	fi; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	  echo "Creating $(VENV) with $$py"; rm -rf $(VENV); $$py -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)
	@touch $@

lock: venv
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile $(LOCK_FLAGS) $(LOCK_ARGS) \
	  --output-file $(RUNTIME_LOCK) pyproject.toml
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile $(LOCK_FLAGS) $(LOCK_ARGS) \
	  --extra dev --constraint $(RUNTIME_LOCK) --output-file $(LOCK) pyproject.toml

# Known vulnerabilities in the pinned releases (pip-audit; see bin/audit).
audit: venv
	$(PY) bin/audit $(LOCK)

run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Hearth is starting at http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# Embedded, the tests run on two processes (pytest-xdist): on 4 December (a loaded
# 2-core host) the unit run took 249 s and the browser run 515 s, against 1,030 s and
# 888 s on one. With PostgreSQL or
# Redis (CI) they stay on one: the tests share one Redis database and its flushes.
PARALLEL := $(if $(DATABASE_URL)$(REDIS_URL),,-n 2)

# Unit, consumer and integration tests first; then the browser tests in their own
# process (Playwright's sync API and asyncio tests do not share a pytest process).
test: venv
	$(PYTEST) -q -m "not e2e" -p no:randomly $(PARALLEL)
	$(PYTEST) -q -m e2e tests/e2e $(PARALLEL)
	@# On PostgreSQL the SQLite search fallback would go unchecked: run it there too (its
	@# PostgreSQL-only tests ran above, so here they may skip).
	@if [ -n "$$DATABASE_URL" ]; then \
	  echo "Resource search again on the embedded SQLite database"; \
	  env -u DATABASE_URL -u CI $(PYTEST) -q -p no:randomly tests/resources/test_search.py; \
	fi

# The translation catalogues: gather every marked string into locale/<lang>/ (the
# pages' django.po, the chat client's djangojs.po), then compile them (.mo, committed,
# so a fresh machine needs no gettext to run Hearth). Needs GNU gettext.
# A new language: add it to LANGUAGES (community/settings.py) and here.
MESSAGE_LANGUAGES := -l es
MESSAGE_IGNORES := --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles --ignore=build
messages: venv
	$(PY) manage.py makemessages $(MESSAGE_LANGUAGES) --no-obsolete $(MESSAGE_IGNORES)
	$(PY) manage.py makemessages $(MESSAGE_LANGUAGES) --no-obsolete -d djangojs $(MESSAGE_IGNORES)
	$(PY) manage.py compilemessages $(MESSAGE_LANGUAGES) --ignore=.venv

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

screenshots: venv
	$(PY) -m tests.e2e.screenshots

clean:
	rm -rf $(VENV) hearth.sqlite3 .test-db.sqlite3* staticfiles screenshots
