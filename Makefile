PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SEED ?= 42
# The suite runs on every core (pytest-xdist); the slowest tests are listed at the end.
# PYTEST_EXTRA adds to these (CI's S3 run: -m files) instead of replacing them.
PYTEST_ARGS ?= -n auto --durations=15

.PHONY: run test lint format bench install messages setup clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Compile translations with Babel (pure Python: no system gettext needed).
messages: install
	$(BIN)/pybabel compile --domain django --directory locale --statistics

setup: messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py demo_data --seed $(SEED)

run: setup
	@echo "Serving at http://$(HOST):$(PORT)/ with a task worker and the daily scheduler (Ctrl-C stops all)."
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/python manage.py db_worker & \
	$(BIN)/python manage.py scheduler & \
	$(BIN)/gunicorn commonground.wsgi --bind $(HOST):$(PORT) --workers 2 --threads 4 --timeout 600 --access-logfile - --access-logformat '%(m)s %(U)s %(s)s %(M)sms'

test: messages
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/pytest $(PYTEST_ARGS) $(PYTEST_EXTRA)

# Static checks, offline: ruff; bandit (no finding of medium severity or above outside tests);
# semgrep with our own rules only (semgrep/, each rule proven on its examples), metrics off.
SEMGREP := $(BIN)/semgrep scan --metrics=off --disable-version-check
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit --quiet --recursive commonground --exclude '*/tests/*,*/migrations/*' --severity-level medium
	$(SEMGREP) --test --quiet semgrep/
	$(SEMGREP) --config semgrep/ --error --quiet --exclude semgrep commonground

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The surveys phase compares our raking with other libraries: the bench extra installs them
# (all but balance, which needs numpy<2: the bench installs it in var/bench/balance-venv).
bench: messages
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var
