# Compliance Profiles Portal. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test stress soak lint format migrate seed clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

var:
	mkdir -p var

## run: web + Celery worker + beat on the embedded default (SQLite, filesystem
## broker, files on disk) at http://$(HOST):$(PORT), each restarted if it exits
run: export DJANGO_DEBUG ?= true
run: export WEBHOOK_ALLOW_PRIVATE_TARGETS ?= true
# Links in emails point at the server make run starts.
run: export PORTAL_BASE_URL ?= http://$(HOST):$(PORT)
run: $(VENV)/.runtime | var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	PATH="$(abspath $(BIN)):$$PATH" HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho start -f Procfile

## test: lint, then the whole suite (SQLite unless DATABASE_URL is set)
test: $(VENV)/.dev lint node_modules/axe-core/axe.min.js
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# axe-core, for the accessibility checks of the browser tests; without npm
# those checks are skipped (and say so).
node_modules/axe-core/axe.min.js: package.json
	@if command -v npm >/dev/null 2>&1; then \
		npm install --no-audit --no-fund && if [ -f $@ ]; then touch $@; fi; \
	else \
		echo "npm not found: the accessibility checks will be skipped"; \
	fi

## bench: start gunicorn and a Celery worker on a fresh bench database (DATABASE_URL
## and CELERY_BROKER_URL, else the embedded default), measure, write
## bench/results/latest.json and print a Markdown table (see docs/benchmarks.md)
bench: $(VENV)/.dev
	$(BIN)/python -m bench

## stress: the kill and broker-outage fault tests STRESS_COUNT times each (100),
## then the lost and doubled decisions counted (not part of `make test`)
STRESS_COUNT ?= 100
STRESS_DIR ?= var/stress
stress: $(VENV)/.dev | var
	rm -rf $(STRESS_DIR) && mkdir -p $(STRESS_DIR)
	-STRESS_REPORT=$(STRESS_DIR)/outcomes.jsonl $(BIN)/python -m pytest \
		profiles/tests/test_faults.py -q \
		-k "killed_mid_evaluation or broker_outage" \
		--count=$(STRESS_COUNT) --junitxml=$(STRESS_DIR)/junit.xml $(PYTEST_ARGS)
	$(BIN)/python -m profiles.tests.stress_report $(STRESS_DIR)/outcomes.jsonl \
		$(STRESS_DIR)/junit.xml

## soak: make run's processes under a steady load of submissions and decisions for
## SOAK_MINUTES (30), then a report of restarts, lost messages, stranded profiles,
## unsent deliveries and server errors (see docs/reliability.md)
SOAK_MINUTES ?= 30
soak: $(VENV)/.dev
	SOAK_MINUTES=$(SOAK_MINUTES) $(BIN)/python -m bench.soak $(SOAK_ARGS)

## lint: ruff, then the import layers written in pyproject.toml (import-linter)
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

## Deployment (docker compose; see README "Deploy"). These need a Docker engine.
.PHONY: image up down logs deploy-test

image:
	docker build -t $${PORTAL_IMAGE:-compliance-portal:latest} .

up:
	docker compose up -d --build

down:
	docker compose down

logs:
	docker compose logs -f web worker beat

## deploy-test: the deployment checks that need no Docker (compose file, Dockerfile,
## check --deploy, S3, health, logs, and web + worker + beat as real processes)
deploy-test: $(VENV)/.dev
	$(BIN)/python -m pytest profiles/tests/test_deploy.py profiles/tests/test_stack.py \
		profiles/tests/test_s3_storage.py profiles/tests/test_health.py \
		profiles/tests/test_logging.py $(PYTEST_ARGS)
