# Two entry points: `make check` runs the gate on this repository's stack; `make test` runs the
# tests. Both set up what they need from scratch.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Checkov in an environment of its own: its pins conflict with pulumi's (README, "Checkov").
CHECKOV_VENV := .venv-checkov

.PHONY: setup setup-dev setup-checkov check test lint benchmark policy-pack clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[pulumi]'
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@ $(VENV)/.runtime

$(CHECKOV_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[checkov]'
	touch $@

setup: $(VENV)/.runtime
setup-dev: $(VENV)/.dev
setup-checkov: $(CHECKOV_VENV)/.installed

check: setup
	$(BIN)/residency check . --stack us-prod

# One worker per core; a file's tests stay on one worker, so a module fixture (the parity corpus
# through the pack) is built once. Program runs and Checkov scans are shared between the workers
# (tests/session_runs.py); `python benchmarks/test_suite.py` measures the suite.
test: setup-dev setup-checkov
	$(BIN)/python -m pytest -n auto --dist loadfile

lint: setup-dev
	$(BIN)/ruff check .

benchmark: setup
	$(BIN)/python benchmarks/offline_source.py

policy-pack: setup
	$(BIN)/python scripts/build_policy_pack.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV)
