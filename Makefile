# Two commands on a fresh machine with Python 3.11+ and make:
#   make run   - create .venv, install the locked versions, open the app on the local database
#   make test  - create .venv, install the locked test set (and PostgreSQL's server, as root),
#                run lint, types and every test headless
# Both install from the lock files in requirements/ (hashes checked), so every machine runs
# the same versions; `make lock` refreshes them from the ranges in pyproject.toml and
# `make test-latest` runs the suite on the newest releases those ranges allow.
# The first interpreter that actually runs and is 3.11+ (pyenv shims may exist but fail).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3 python; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
LOCK_RUN := requirements/run.txt
LOCK_TEST := requirements/test.txt
UV_VERSION := 0.13.9
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
ARGS ?=

.PHONY: run test lint typecheck pytest bench clean demo fmt lock test-latest

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Shopper needs Python 3.11 or newer on the PATH" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Stamps: reinstall only when a lock file or pyproject.toml changes. The project itself goes in
# without build isolation, so its build tools also come from the lock, not a fresh download.
$(VENV)/.installed-run: $(LOCK_RUN) pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes --no-deps -r $(LOCK_RUN)
	$(PIP) install --no-deps --no-build-isolation -e .
	@touch $@

$(VENV)/.installed-test: $(LOCK_TEST) pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes --no-deps -r $(LOCK_TEST)
	$(PIP) install --no-deps --no-build-isolation -e .
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/shopper $(ARGS) gui

demo: $(VENV)/.installed-run
	$(BIN)/shopper $(ARGS) demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

# The tests start their own PostgreSQL server (tests/postgres.py) from Debian's binaries;
# tools/ensure-postgres installs them with apt-get when they are missing and we are root.
pytest: $(VENV)/.installed-test
	sh tools/ensure-postgres
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n 2 -q $(ARGS)

test: lint typecheck pytest

fmt: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench $(ARGS)

# The lock: uv resolves once for every supported Python and platform (--universal), with
# hashes; plain pip installs the result. The run set is constrained by the test set, so the
# two never disagree on a version.
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml requirements/build.in --universal \
	--python-version 3.11 --generate-hashes --upgrade --quiet --custom-compile-command "make lock"

$(BIN)/uv: | $(BIN)/python
	$(PIP) install uv==$(UV_VERSION)

lock: $(BIN)/uv
	$(UV_COMPILE) --extra test -o $(LOCK_TEST)
	$(UV_COMPILE) -c $(LOCK_TEST) -o $(LOCK_RUN)

# Drift check, not part of `make test`: a throwaway venv from the ranges (not the lock), so a
# new release that breaks us shows up here before a user meets it.
LATEST := .venv-latest
test-latest:
	@test -n "$(PYTHON)" || { echo "Shopper needs Python 3.11 or newer on the PATH" >&2; exit 1; }
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(LATEST)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	$(LATEST)/bin/python -m pip list --format=freeze --disable-pip-version-check
	QT_QPA_PLATFORM=offscreen $(LATEST)/bin/python -m pytest -n 2 -q -p no:cacheprovider $(ARGS); \
		status=$$?; rm -rf $(LATEST); exit $$status

clean:
	rm -rf $(VENV) $(LATEST) .mypy_cache .ruff_cache .pytest_cache build *.egg-info
