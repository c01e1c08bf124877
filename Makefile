# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
BOOTSTRAP_VERSION := 5.3.9
export FLASK_APP := app.py

.PHONY: run test lint format install translations db i18n-extract i18n-update i18n-compile \
        bench vendor-bootstrap clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile -d translations --statistics 2>&1 | grep -v '^compiling' || true
	@test -n "$$(ls translations/*/LC_MESSAGES/messages.mo 2>/dev/null)"

db: $(STAMP) translations
	$(BIN)/flask db upgrade
	$(BIN)/flask portal load-reference
	$(BIN)/flask portal seed-demo

run: db
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C to stop)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# pytest exits 5 when it collected nothing: a run that tested nothing must not pass.
PYTEST_RUN = $(BIN)/pytest $(PYTEST_ARGS) || { s=$$?; [ $$s -ne 5 ] || echo "pytest collected no tests"; exit $$s; }

test: $(STAMP) translations lint
	@echo "== test suite on SQLite"
	PORTAL_TEST_DB=sqlite $(PYTEST_RUN)
	@if [ -n "$$PORTAL_TEST_DATABASE_URL" ]; then \
	  echo "== test suite on $$PORTAL_TEST_DATABASE_URL"; \
	  PORTAL_TEST_DB="$$PORTAL_TEST_DATABASE_URL" $(PYTEST_RUN); \
	fi

i18n-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k pgettext:1c,2 -k npgettext:1c,2,3 \
	  --no-location --sort-output --omit-header -o translations/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update -i translations/messages.pot -d translations -N --ignore-obsolete --no-wrap

i18n-compile: translations

bench: $(STAMP)
	$(BIN)/python -m bench

vendor-bootstrap:
	rm -rf /tmp/portal-bootstrap && mkdir -p /tmp/portal-bootstrap
	cd /tmp/portal-bootstrap && npm pack --silent bootstrap@$(BOOTSTRAP_VERSION) && tar xzf bootstrap-*.tgz
	for f in css/bootstrap.min.css css/bootstrap.rtl.min.css js/bootstrap.bundle.min.js; do \
	  sed '/sourceMappingURL=/d' /tmp/portal-bootstrap/package/dist/$$f > static/vendor/bootstrap/$$f; done
	cp /tmp/portal-bootstrap/package/LICENSE static/vendor/bootstrap/LICENSE

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
