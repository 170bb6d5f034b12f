# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
# Test processes (pytest-xdist): one per CPU; each gets its own test database.
TEST_WORKERS ?= auto
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
CSS := frontend/build/css/app.css

.PHONY: run test install lint format worker beat clean bench-data bench

## Serve the app with demo data on http://127.0.0.1:$(PORT) (`make run PORT=8001` for another
## port; SQLite and in-process tasks unless DATABASE_URL / REDIS_URL are set; with REDIS_URL a
## Celery worker and beat run alongside). The demo runs as the service does, with DEBUG off:
## an unknown address gets the service's own "Page not found", not Django's technical page
## listing every URL, and WhiteNoise serves the static files. `make run DEBUG=true` for
## Django's debugging pages while developing.
PORT ?= 8000
DEBUG ?= false
SITE_URL ?= http://127.0.0.1:$(PORT)
RUN_ENV = DEBUG=$(DEBUG) SITE_URL=$(SITE_URL)
run: install
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py load_demo_data
	@trap 'kill 0' EXIT INT TERM; \
	if [ -n "$$REDIS_URL" ]; then $(RUN_ENV) $(BIN)/celery -A sentinel worker --beat --loglevel=INFO & fi; \
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## Install everything, lint, and run the whole test suite.
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

install: $(PY_STAMP) $(CSS)

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(CSS): $(NPM_STAMP) $(wildcard frontend/scss/*.scss)
	npm run --silent build

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## A Celery worker and the beat scheduler, for when REDIS_URL is set.
worker: install
	$(BIN)/celery -A sentinel worker --loglevel=INFO

beat: install
	$(BIN)/celery -A sentinel beat --loglevel=INFO

## The benchmark (bench/README.md), on PostgreSQL: make its databases, then measure them.
BENCH_INCIDENTS ?= 1000000
bench-data: install
	$(BIN)/python -m bench.generate --incidents $(BENCH_INCIDENTS)

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) node_modules frontend/build var
