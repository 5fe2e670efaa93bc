# Veracity: every target sets up .venv first when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROTO_SRC := proto/veracity/v1/veracity.proto
STUBS := clients/python/veracity_client/v1

.PHONY: setup run test lint typecheck proto check-proto bench clean

setup: $(STAMP)

# torch is installed on its own first so that pip takes the local CPU build, never a CUDA one.
$(STAMP): pyproject.toml clients/python/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e clients/python -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/veracity check --input service/data/demo_answers.jsonl --output .veracity/demo-results.jsonl --format table

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Regenerate the committed stubs; tests/test_proto_stubs.py fails when they are stale.
proto: $(STAMP)
	$(BIN)/python tools/protogen.py $(STUBS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
