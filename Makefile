# The two commands of the README: `make run` and `make test`.
# Installs come from the hashed locks in requirements/; pyproject.toml keeps the declared ranges.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
LOCK := requirements/lock.txt
RUNTIME_LOCK := requirements/runtime.txt
BENCH_LOCK := requirements/bench.txt
SOURCES := domain projections api tests bench
UV_VERSION := 0.13.9
COMPILE := $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command 'make lock'

.PHONY: install run test lint lock upgrade bench bench-quick soak clean messages

$(BIN)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	@# pip check fails when pyproject.toml needs a package the lock lacks: run make lock
	$(BIN)/pip check
	touch $@

install: $(BIN)/.installed

## run: the API and dashboard on the embedded SQLite store in LEDGER_HOME, with the demo data loaded;
## `make run PORT=8080` serves on another port. `exec`: the server is make's child itself, so a stop reaches it
## directly and its exit 0 (README, "The two commands") is make's answer
run: install
	$(BIN)/ledger demo
	LEDGER_DEMO_MODE=true exec $(BIN)/ledger serve --demo --host $(HOST) --port $(PORT)

## test: the whole suite, on SQLite and on PostgreSQL (LEDGER_TEST_POSTGRES_URL)
test: install
	$(BIN)/pytest -q -p no:cacheprovider

## lint: the gate before the tests (mypy strict on domain/ and projections/, see [tool.mypy])
lint: install
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)
	$(BIN)/mypy

# uv needs only the virtualenv, not a finished install: after a pyproject.toml edit the install's `pip check`
# fails until `make lock` has put the new package in the lock
$(BIN)/uv:
	test -x $(BIN)/pip || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)

## lock: re-resolve requirements/ after a change to pyproject.toml, keeping every pin that still fits
lock: $(BIN)/uv
	$(COMPILE) $(UPGRADE) pyproject.toml --extra dev -o $(LOCK)
	$(COMPILE) $(UPGRADE) pyproject.toml -c $(LOCK) -o $(RUNTIME_LOCK)
	$(COMPILE) $(UPGRADE) pyproject.toml --extra bench -c $(LOCK) -o $(BENCH_LOCK)

## upgrade: move every pin to the newest release pyproject.toml allows, on purpose
upgrade:
	@echo "make upgrade: moving every pin in requirements/ to the newest release pyproject.toml allows"
	$(MAKE) lock UPGRADE=--upgrade
	@echo "make upgrade: review git diff requirements/, then make test before committing the locks"

## messages: extract every message (babel.cfg) and bring each api/locale/<lang>/LC_MESSAGES/messages.po up to date;
## new messages arrive untranslated and tests/unit/test_catalogues.py fails until each has its translation
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -w 120 \
		--project uncac-ledger -o api/locale/messages.pot .
	$(BIN)/pybabel update -i api/locale/messages.pot -d api/locale --no-fuzzy-matching --ignore-obsolete -w 120

$(BIN)/.bench: $(BIN)/.installed $(BENCH_LOCK)
	$(BIN)/pip install --quiet --require-hashes -r $(BENCH_LOCK)
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
