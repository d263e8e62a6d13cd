# Two commands on a fresh machine: `make run` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.pakar-installed

.PHONY: install run consult test bench check clean translations

install: $(STAMP)

# Experta 1.9.4 pins frozendict==1.2 (broken on Python >= 3.10): install its real dependencies first,
# then Experta itself without dependencies. pip cannot resolve both in one requirement list.
$(STAMP): setup.cfg pyproject.toml $(wildcard rules/translations/*/LC_MESSAGES/messages.po)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet 'frozendict>=2.3' 'schema>=0.7'
	$(BIN)/python -m pip install --quiet --no-deps experta==1.9.4
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/pybabel compile --statistics -d rules/translations
	touch $(STAMP)

# After changing an interface text: extract the strings and merge them into the catalogues.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k tr:2 -k trn:2,3 -k N_ -o rules/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i rules/translations/messages.pot -d rules/translations --no-fuzzy-matching
	$(BIN)/pybabel compile --statistics -d rules/translations

# The web app on SQLite (instance/pakar.sqlite3, created on first start) with the bundled KB.
run: install
	@echo "Pakar: open http://127.0.0.1:5000 in your browser (Ctrl+C stops it)"
	$(BIN)/flask --app webui run --host 127.0.0.1 --port 5000

# The terminal consultation (no web server).
consult: install
	$(BIN)/pakar consult

# PostgreSQL for the web tests: PAKAR_TEST_POSTGRES_URL when set, else a local server that .ci/services.sh
# starts (its PostgreSQL tests skip when there is none, except in CI). `make test PYTEST_ARGS='-k store'`.
# Exit status 5 means pytest collected nothing: it fails, with a line that says so.
PYTEST_ARGS ?=
test: install
	@url="$$(bash .ci/services.sh)" || exit $$?; \
	if [ -n "$$url" ]; then export PAKAR_TEST_POSTGRES_URL="$$url"; fi; \
	status=0; $(BIN)/python -m pytest $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests, so nothing was checked" >&2; fi; \
	exit $$status

check: install
	$(BIN)/pakar kb check

bench: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
