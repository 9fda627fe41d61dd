# The two commands the README opens with: `make demo` and `make test`.
# Every target puts .venv/bin on PATH: `airflow standalone` and friends start their parts by running `airflow`
# from PATH.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
# pip warns about this machine kind's optional local package mirrors; the warnings are noise, errors still show.
QUIET_PIP := { grep -v '^WARNING: Location' || true; }
PYTHON_BOOT ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export AIRFLOW_HOME ?= $(CURDIR)/var/airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__UNIT_TEST_MODE := False

.PHONY: venv env demo test ui bench bench-full lint format freeze clean stack stack-stop stack-status

# The venv is (re)built when the pinned files change; the stamp records a finished install.
$(VENV)/.installed: requirements.txt constraints.txt pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON_BOOT) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade "pip==25.3" 2>&1 | $(QUIET_PIP)
	$(VENV)/bin/python -m pip install --quiet -c constraints.txt -r requirements.txt 2>&1 | $(QUIET_PIP)
	$(VENV)/bin/python -m pip install --quiet --no-deps -e . 2>&1 | $(QUIET_PIP)
	touch $@

venv: $(VENV)/.installed

# .env for docker-compose.yaml with random secrets (never overwrites an existing .env). See README "Security".
env:
	$(PYTHON_BOOT) scripts/make_env.py

demo: venv
	$(VENV)/bin/python -m sandboxes.demo

# mypy checks the library (include/taimer_procountor; the strict modules are listed in pyproject.toml).
test: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest

# The ledger's report pages outside Airflow, for the demo's ledger (inside Airflow the plugin mounts them).
UI_PORT ?= 8788
ui: venv
	$(VENV)/bin/python -m taimer_procountor.report_ui --ledger-url sqlite:///$(CURDIR)/var/demo/ledger.sqlite --port $(UI_PORT)

# Benchmarks print ratios (our code against the floor a bare loop or the rate limit sets); they never pass or fail
# on time. See docs/benchmarks.md.
bench: venv
	$(VENV)/bin/python bench/procountor_client.py --quick
	$(VENV)/bin/python bench/ledger.py --quick
	$(VENV)/bin/python bench/seed.py --quick
	$(VENV)/bin/python bench/outbound.py --quick

bench-full: venv
	$(VENV)/bin/python bench/procountor_client.py
	$(VENV)/bin/python bench/ledger.py
	$(VENV)/bin/python bench/seed.py
	$(VENV)/bin/python bench/outbound.py

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Regenerate the full freeze after changing requirements.txt (run in a venv built from requirements.txt).
freeze: venv
	$(VENV)/bin/python -m pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache

# The production topology natively (CeleryExecutor on PostgreSQL and Redis, two workers, both sandboxes):
# docs/production.md. Ports and databases: TP_STACK_* variables (e.g. `TP_STACK_API_PORT=28090 make stack`).
stack: venv
	$(VENV)/bin/python -m sandboxes.stack start

stack-stop: venv
	$(VENV)/bin/python -m sandboxes.stack stop

stack-status: venv
	$(VENV)/bin/python -m sandboxes.stack status
