# One entry point for developers and CI. Every target builds the virtualenv it needs
# from the pinned requirement files, so a fresh machine needs only python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run demo test lint unit bench venv clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

## run: the whole system on loopback: moto, tables and queues, the API, the workers (HOST/PORT)
run: $(STAMP)
	$(BIN)/python -m chalicelib.local --host $(HOST) --port $(PORT)

## demo: a realistic scenario against a running `make run` (another shell)
demo: $(STAMP)
	$(BIN)/python -m chalicelib.local.demo --url http://$(HOST):$(PORT)

## test: lint, then the whole suite
test: lint unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: $(STAMP)
	$(BIN)/pytest

## bench: print the benchmarks' figures (not part of `make test`)
bench: $(STAMP)
	$(BIN)/python -m bench.timer_cost --sizes 10000,100000
	$(BIN)/python -m bench.notify_flaky --jobs 10000 --failure-rate 0.3

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
