# Two commands on a fresh machine: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.pakar-installed

.PHONY: install run test bench check clean

install: $(STAMP)

# Experta 1.9.4 pins frozendict==1.2 (broken on Python >= 3.10): install its real dependencies first,
# then Experta itself without dependencies. pip cannot resolve both in one requirement list.
$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet 'frozendict>=2.3' 'schema>=0.7'
	$(BIN)/python -m pip install --quiet --no-deps experta==1.9.4
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	$(BIN)/pakar consult

test: install
	$(BIN)/python -m pytest

check: install
	$(BIN)/pakar kb check

bench: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
