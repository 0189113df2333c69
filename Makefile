# Two commands: `make run` and `make test`. Both create .venv and install on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test bench lint install clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m deploy.launcher run

test: $(STAMP)
	$(BIN)/python -m deploy.launcher test

bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .data
