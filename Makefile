# Quick start: `make run` (site with demo data on SQLite at http://127.0.0.1:6543)
#              `make test` (the whole test suite; PostgreSQL too when
#                           DISCLOSURE_TEST_DATABASE_URL is set)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run setup test lint clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip 'setuptools>=70,<81' wheel
	$(BIN)/pip install -q -e '.[testing]'
	touch $(STAMP)

setup: $(STAMP)

var/demo.loaded: $(STAMP)
	mkdir -p var
	$(BIN)/disclosure initdb development.ini
	$(BIN)/disclosure load-demo development.ini
	touch var/demo.loaded

run: var/demo.loaded
	$(BIN)/pserve development.ini

lint: $(STAMP)
	$(BIN)/ruff check disclosure tests $(wildcard bench)
	$(BIN)/ruff format --check disclosure tests $(wildcard bench)

test: $(STAMP) lint
	mkdir -p var
	$(BIN)/pytest -q -p no:cacheprovider
	$(BIN)/python -m disclosure.scripts.alembic_check sqlite
	@if [ -n "$$DISCLOSURE_TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$DISCLOSURE_TEST_DATABASE_URL"; \
		DISCLOSURE_TEST_DB=postgresql $(BIN)/pytest -q -p no:cacheprovider && \
		$(BIN)/python -m disclosure.scripts.alembic_check postgresql; \
	else \
		echo "== PostgreSQL skipped: set DISCLOSURE_TEST_DATABASE_URL to run the suite on it too"; \
	fi

clean:
	rm -rf $(VENV) var *.egg-info
