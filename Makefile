# Two commands on a fresh machine: `make run` and `make test`. Everything Python installs into .venv, at the
# exact versions of constraints.txt (the lock; `make lock` refreshes it).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.pakar-installed
LOCK := constraints.txt
PIP := $(BIN)/python -m pip install --quiet --constraint $(LOCK)

.PHONY: install run consult test lint bench check lock clean translations

install: $(STAMP)

# Experta 1.9.4 pins frozendict==1.2 (broken on Python >= 3.10): install its real dependencies first,
# then Experta itself without dependencies. pip cannot resolve both in one requirement list.
# The stamp makes a second `make install` a no-op until one of these files changes.
$(STAMP): setup.cfg setup.py pyproject.toml $(LOCK) $(wildcard rules/translations/*/LC_MESSAGES/messages.po)
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip setuptools wheel
	$(PIP) 'frozendict>=2.3' 'schema>=0.7'
	$(PIP) --no-deps experta==1.9.4
	$(PIP) -e '.[test,lint]'
	$(BIN)/pybabel compile --statistics -d rules/translations
	touch $(STAMP)

# Refresh the lock: a throwaway venv gets the newest releases that setup.cfg allows (every extra, the build
# tools and Experta's two steps), and its `pip freeze` becomes constraints.txt. Then run `make test` and
# commit constraints.txt with what the upgrade needed.
LOCK_VENV := $(or $(TMPDIR),/tmp)/pakar-lock-venv
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip setuptools wheel
	$(LOCK_VENV)/bin/python -m pip install --quiet 'frozendict>=2.3' 'schema>=0.7'
	$(LOCK_VENV)/bin/python -m pip install --quiet --no-deps experta==1.9.4
	$(LOCK_VENV)/bin/python -m pip install --quiet '.[test,lint,bench,pdf,postgres]'
	{ echo "# The lock: exact versions for make install, CI and the Dockerfile (pip install -c constraints.txt)."; \
	  echo "# Made by \`make lock\` with $$($(LOCK_VENV)/bin/python -V) on $$(date -u +%Y-%m-%d); do not edit by hand."; \
	  $(LOCK_VENV)/bin/python -m pip freeze --all --exclude pakar; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf $(LOCK_VENV)
	@echo "constraints.txt refreshed: run make test, then commit it"

# After changing an interface text: extract the strings and merge them into the catalogues.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k tr:2 -k trn:2,3 -k N_ -o rules/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i rules/translations/messages.pot -d rules/translations --no-fuzzy-matching
	$(BIN)/pybabel compile --statistics -d rules/translations

# The web app on SQLite (instance/pakar.sqlite3, created on first start) with the bundled KB.
run: install
	@echo "Pakar: open http://127.0.0.1:5000 in your browser (Ctrl+C stops it)"
	$(BIN)/flask --app webui run --host 127.0.0.1 --port 5000

# The production server (webui/serving): nginx on 127.0.0.1:${PORT:-8000} in front of gunicorn (2 sync workers,
# WEB_CONCURRENCY overrides), the database migrated first; SQLite in instance/ unless DATABASE_URL is set. Needs
# nginx (apt-get install nginx). SIGHUP reloads the KB; Ctrl+C or SIGTERM stops both servers.
.PHONY: serve
serve: install
	$(BIN)/python -m webui.serving

# The terminal consultation (no web server).
consult: install
	$(BIN)/pakar consult

# Linter, formatter check and type checker; every one runs, and any finding fails.
lint: install
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/mypy || status=1; \
	exit $$status

# Everything CI does (.ci/run is `CI=true make test`): .ci/services.sh installs the system packages (as root or
# with passwordless sudo; otherwise it prints one line: what to install and which tests skip), the browser
# tests' npm packages and starts PostgreSQL (PAKAR_TEST_POSTGRES_URL when set); then .venv, the linters and
# every test.
# Both run even when one fails. `make test PYTEST_ARGS='-k store'` passes arguments to pytest.
# Exit status 5 means pytest collected nothing: it fails, with a line that says so.
PYTEST_ARGS ?=
test:
	@url="$$(bash .ci/services.sh)" || exit $$?; \
	$(MAKE) --no-print-directory install || exit $$?; \
	if [ -n "$$url" ]; then export PAKAR_TEST_POSTGRES_URL="$$url"; fi; \
	lint=0; $(MAKE) --no-print-directory lint || lint=$$?; \
	status=0; $(BIN)/python -m pytest $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests, so nothing was checked" >&2; fi; \
	if [ $$lint -ne 0 ]; then echo "make test: make lint failed (see above)" >&2; fi; \
	if [ $$status -eq 0 ] && [ $$lint -ne 0 ]; then status=$$lint; fi; \
	exit $$status

check: install
	$(BIN)/pakar kb check

bench: install
	$(PIP) -e '.[bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)

# The fault run of the production server (bench/soak.py): `make serve`'s nginx + gunicorn on SQLite, then on a
# private PostgreSQL cluster (never the one `make test` uses), under concurrent clients, slow-header clients, a
# database outage, kill -9 of a worker and KB reloads (broken, then good). Prints the counts; fails when an
# invariant does not hold (a lost result, a 5xx outside the outage, two KB versions at once).
# `make soak SOAK_ARGS='--backend sqlite --size ci'` runs a smaller one.
SOAK_ARGS ?=
.PHONY: soak
soak: install
	@bash .ci/services.sh packages
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
