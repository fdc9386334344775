# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint bench bench-quick soak clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

## run: the API and dashboard on the embedded SQLite store, with the demo data loaded
run: install
	$(BIN)/ledger demo
	LEDGER_DEMO_MODE=true $(BIN)/ledger serve --demo --host $(HOST) --port $(PORT)

## test: the whole suite, on SQLite and on PostgreSQL (LEDGER_TEST_POSTGRES_URL)
test: install
	$(BIN)/pytest -q -p no:cacheprovider

lint: install
	$(BIN)/ruff check domain projections api tests

$(BIN)/.bench: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $@

bench: $(BIN)/.bench
	$(BIN)/python -m bench.run

bench-quick: $(BIN)/.bench
	$(BIN)/python -m bench.run --quick

## soak: 3 minutes of mixed reads and writes from wrk against `ledger serve`
soak: install
	$(BIN)/python -m bench.soak

clean:
	rm -rf $(VENV) data .pytest_cache .hypothesis
