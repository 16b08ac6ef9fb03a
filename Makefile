# Two commands set everything up on a machine that has only python3 and pip:
#   make refresh   build or refresh the warehouse (data/warehouse.duckdb)
#   make test      run the test suite
# Both install pinned tools and dependencies first (uv + uv.lock) into .tools/ and .venv/.

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := $(CURDIR)/.tools
UV := $(TOOLS)/bin/uv
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
export DAGSTER_HOME := $(CURDIR)/dagster_home
export UV_PROJECT_ENVIRONMENT := $(VENV)
WAREHOUSE ?= $(or $(LEDGER_WAREHOUSE),$(CURDIR)/data/warehouse.duckdb)

.PHONY: install refresh test ui sql lint bench charts clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(shell command -v $(PYTHON))
	touch $@

install: $(VENV)/.installed  ## install pinned dependencies

refresh: install  ## build or refresh the whole warehouse
	$(PY) -m pipelines.refresh

test: install  ## run the test suite
	$(PY) -m pytest -q

ui: install  ## Dagster UI (with schedule and sensor running) on http://127.0.0.1:3000
	$(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

sql: install  ## DuckDB shell on the warehouse, read-only
	$(VENV)/bin/duckdb -readonly $(WAREHOUSE)

lint: install
	$(VENV)/bin/ruff check pipelines tests bench
	$(VENV)/bin/ruff format --check pipelines tests bench

clean:
	rm -rf data/*.building* .pytest_cache
