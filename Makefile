# Two entry points: `make check` runs the gate on this repository's stack; `make test` runs the
# tests. Both set up what they need from scratch.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup setup-dev check test benchmark policy-pack clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[pulumi]'
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@ $(VENV)/.runtime

setup: $(VENV)/.runtime
setup-dev: $(VENV)/.dev

check: setup
	$(BIN)/residency check . --stack us-prod

test: setup-dev
	$(BIN)/python -m pytest

benchmark: setup
	$(BIN)/python benchmarks/offline_source.py

policy-pack: setup
	$(BIN)/python scripts/build_policy_pack.py

clean:
	rm -rf $(VENV)
