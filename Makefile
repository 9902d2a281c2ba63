# Quick start: `make run` (site with demo data on SQLite at http://127.0.0.1:6543)
#              `make test` (the whole test suite; PostgreSQL too when
#                           DISCLOSURE_TEST_DATABASE_URL is set)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run setup test lint clean fonts chromium screenshots i18n-extract i18n-update i18n-compile

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip 'setuptools>=70,<81' wheel
	$(BIN)/pip install -q -e '.[testing]'
	touch $(STAMP)

setup: $(STAMP) fonts chromium

# The letters embed a TrueType CJK font (Debian fonts-wqy-zenhei). Without it they fall back to
# the built-in STSong-Light, which is not embedded, and the app logs a warning.
FONT := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
fonts:
	@if [ ! -f $(FONT) ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing fonts-wqy-zenhei (CJK font for letters)"; \
			(apt-get install -y -q fonts-wqy-zenhei >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q fonts-wqy-zenhei >/dev/null 2>&1)) \
				|| echo "warning: could not install fonts-wqy-zenhei; letters will use STSong-Light"; \
		else \
			echo "warning: $(FONT) missing; run 'sudo apt-get install fonts-wqy-zenhei' (letters fall back to STSong-Light)"; \
		fi; \
	fi

# The browser journeys (tests/e2e) drive Debian's chromium through Playwright (never
# `playwright install`). Without it they are skipped, except in CI, where they must run.
CHROMIUM := /usr/bin/chromium
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing chromium (browser journeys)"; \
			(apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1)) \
				|| echo "warning: could not install chromium; the browser journeys will be skipped"; \
		else \
			echo "note: $(CHROMIUM) missing; run 'sudo apt-get install chromium' for the browser journeys (tests/e2e)"; \
		fi; \
	fi

# The interface's English (disclosure/i18n): extract the marked messages into the template,
# merge it into each language's catalogue (translate what is new there), compile the catalogues
# the site reads. tests/unit/test_i18n_catalogue.py fails while any of the three is behind.
LOCALES := disclosure/locale
i18n-extract: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output --project disclosure \
		--add-comments=TRANSLATORS: --no-wrap -o $(LOCALES)/disclosure.pot disclosure catalog_schemas
i18n-update: i18n-extract
	$(BIN)/pybabel update -D disclosure -d $(LOCALES) -i $(LOCALES)/disclosure.pot \
		--no-wrap --no-fuzzy-matching --ignore-obsolete
i18n-compile: $(STAMP)
	$(BIN)/pybabel compile -D disclosure -d $(LOCALES) --statistics

# docs/screenshots/: the README's pictures, from a served demo site at desktop and phone sizes
screenshots: $(STAMP) fonts chromium
	$(BIN)/python -m tests.e2e.screenshots docs/screenshots

var/demo.loaded: $(STAMP) fonts
	mkdir -p var
	$(BIN)/disclosure initdb development.ini
	$(BIN)/disclosure load-demo development.ini
	touch var/demo.loaded

run: var/demo.loaded
	$(BIN)/pserve development.ini

lint: $(STAMP)
	$(BIN)/ruff check disclosure tests $(wildcard bench)
	$(BIN)/ruff format --check disclosure tests $(wildcard bench)

# The suite runs on up to PYTEST_WORKERS processes (pytest-xdist; each worker has its own
# databases and schemas; --dist loadscope keeps a module on one worker, so a module-wide fixture
# such as the demo year or an engine's corpus is built once). PYTEST_WORKERS=0: one process.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --maxprocesses=4 --dist loadscope

test: $(STAMP) fonts chromium lint
	mkdir -p var
	$(PYTEST)
	$(BIN)/python -m disclosure.scripts.alembic_check sqlite
	@if [ -n "$$DISCLOSURE_TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$DISCLOSURE_TEST_DATABASE_URL"; \
		DISCLOSURE_TEST_DB=postgresql $(PYTEST) && \
		$(BIN)/python -m disclosure.scripts.alembic_check postgresql; \
	else \
		echo "== PostgreSQL skipped: set DISCLOSURE_TEST_DATABASE_URL to run the suite on it too"; \
	fi

clean:
	rm -rf $(VENV) var *.egg-info
