# Developer entry points. `make test` is what CI runs (through .ci/run).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pip's find-links warnings about the local wheel mirror are noise; everything else is shown.
PIP_NOISE := find-links|Looking in links|Looking in indexes|is neither a file nor a directory

ARGS ?=
PYTEST_ARGS ?=

.PHONY: help venv warehouse run system-deps test lint fmt bench clean

help:
	@echo "targets: venv warehouse run system-deps test lint fmt bench clean"
	@echo "  make run ARGS='--server.port 8502'   make test PYTEST_ARGS='-k pg -x'"

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changed (the stamp is older than them).
$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	@echo "installing requirements-dev.txt into $(VENV)"
	@$(BIN)/python -m pip install -q -r requirements-dev.txt 2>&1 | { grep -Ev '$(PIP_NOISE)' || true; }
	@touch $@

# The forecast warm-up fits the Exposure page's standard slices into data/forecast_cache.sqlite
# (a second run finds them: one lookup per series); single markets are fitted by the running
# app in a low-priority background process.
warehouse: venv
	$(BIN)/python -m data_access.demo --if-missing
	$(BIN)/python -m ui.forecast_warm --no-markets

run: venv warehouse
	$(BIN)/streamlit run app.py $(ARGS)

system-deps:
	@scripts/system_deps.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: venv system-deps lint
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: venv
	$(BIN)/python -m bench
	$(BIN)/python -m bench.browser
	$(BIN)/python -m bench.policy

clean:
	rm -rf $(VENV)
	rm -f data/*.duckdb data/*.duckdb.wal data/forecast_cache.sqlite*
