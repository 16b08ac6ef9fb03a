# Two commands set everything up on a machine that has only python3 and pip:
#   make refresh   build or refresh the warehouse (data/warehouse.duckdb)
#   make test      run the test suite
# Both install pinned tools and dependencies first (uv + uv.lock) into .tools/ and .venv/.
# Others: make ui (Dagster UI + schedule + sensor), make sql (DuckDB shell, read-only, safe),
#         make snapshot (data/snapshot.duckdb from the frozen 2025 snapshot the docs quote),
#         make bench (refresh vs import floor), make lint, make check-defs (dg check defs),
#         make docs / make docs-check (regenerate / check the docs' example outputs).
#         CLI: .venv/bin/ledger --help

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := $(CURDIR)/.tools
UV := $(TOOLS)/bin/uv
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
export DAGSTER_HOME := $(CURDIR)/dagster_home
export UV_PROJECT_ENVIRONMENT := $(VENV)
WAREHOUSE ?= $(or $(LEDGER_WAREHOUSE),$(CURDIR)/data/warehouse.duckdb)
# Extra arguments for `make refresh`, e.g. REFRESH_ARGS="--record" (keep the run in the UI's
# history) or REFRESH_ARGS="raw/financials" (one asset).
REFRESH_ARGS ?=
BENCH_RUNS ?= 5

.PHONY: install refresh snapshot test ui sql lint bench bench-sec bench-sec-bulk charts screenshot check-defs docs docs-check clean recover

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: every process starts from .pyc files even where Python may not write
# them (PYTHONDONTWRITEBYTECODE); without them a refresh spends seconds compiling imports.
$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $(shell command -v $(PYTHON))
	touch $@

# The project's own modules are compiled too, on every make (a no-op when they are current):
# a process that imports them from .py files compiles each one in memory first.
install: $(VENV)/.installed  ## install pinned dependencies
	@$(PY) -m compileall -q pipelines scripts bench tests >/dev/null

refresh: install  ## build or refresh the whole warehouse
	$(PY) -m pipelines.refresh $(REFRESH_ARGS)

# PYTHONDONTWRITEBYTECODE emptied: pytest keeps the assertion-rewritten test modules in
# tests/__pycache__ (git-ignored) instead of rewriting all of them in each worker every run.
test: install  ## run the test suite
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder

# `make ui UI_PORT=3001` when 3000 is taken. Runs Dagster's own `dg dev` (the code location of
# [tool.dg] in pyproject.toml, the module workspace.yaml names too) under pipelines/ui.py, which
# stops the whole process tree on SIGTERM/SIGINT, or when make itself is killed.
UI_PORT ?= 3000
ui: install  ## Dagster UI (with schedule and sensor running) on http://127.0.0.1:$(UI_PORT)
	VIRTUAL_ENV=$(VENV) $(PY) -m pipelines.ui --host 127.0.0.1 --port $(UI_PORT)

# The DuckDB shell binary itself (not .venv/bin/duckdb: that wrapper runs a SET first, which
# -safe refuses). -readonly -safe: no writes, no file or network access, no .shell/.output,
# configuration locked: the same sandbox as `ledger query`, less its statement guard. The SEC
# bulk views (sec.bulk_*) cannot be read here (safe mode cannot attach their store): use ledger.
DUCKDB_SHELL = "$$($(PY) -c 'from duckdb_cli.__main__ import _find_binary; print(_find_binary())')"

# The frozen 2025 snapshot (tests/fixtures/raw_snapshot_2025-09-05) as its own warehouse: what
# every ```sql example``` of the docs prints on (docs/snapshot.md). Never the live warehouse, and
# its charts go to data/snapshot-reports/, not beside the live warehouse's.
SNAPSHOT_RAW := $(CURDIR)/tests/fixtures/raw_snapshot_2025-09-05
SNAPSHOT_WAREHOUSE ?= $(CURDIR)/data/snapshot.duckdb
snapshot: install  ## build data/snapshot.duckdb from the frozen 2025 snapshot (docs/snapshot.md)
	LEDGER_RAW_DIR=$(SNAPSHOT_RAW) LEDGER_WAREHOUSE=$(SNAPSHOT_WAREHOUSE) LEDGER_REPORTS_DIR=$(SNAPSHOT_WAREHOUSE:.duckdb=)-reports $(PY) -m pipelines.refresh $(REFRESH_ARGS)

sql: install  ## DuckDB shell on the warehouse: read-only, safe mode
	@test -f "$(WAREHOUSE)" || { echo "no warehouse at $(WAREHOUSE): run make refresh first" >&2; exit 1; }
	$(DUCKDB_SHELL) -readonly -safe "$(WAREHOUSE)"

bench: install  ## benchmark: full refresh vs import floor vs a CLI query (medians)
	$(PY) bench/refresh_bench.py --runs $(BENCH_RUNS)

bench-sec: install  ## benchmark: SEC parse + derivation vs pandas (see README)
	$(PY) bench/sec_bench.py

recover: install  ## put back the last good warehouse (<warehouse>.previous); see docs/reliability.md
	$(PY) -m pipelines.cli recover --warehouse "$(WAREHOUSE)" $(RECOVER_ARGS)

# The bulk benchmark compares with edgartools, a bench-only dependency (group "bench" in
# pyproject.toml) installed into its own environment .venv-bench, never into .venv.
BENCH_VENV := $(CURDIR)/.venv-bench
BENCH_SEC_BULK_ARGS ?=
bench-sec-bulk: install  ## benchmark: SEC bulk mode vs edgartools vs pandas (docs/sec-bulk.md)
	UV_PROJECT_ENVIRONMENT=$(BENCH_VENV) $(UV) sync --frozen --group bench --compile-bytecode --python $(shell command -v $(PYTHON))
	$(PY) bench/sec_bulk_bench.py $(BENCH_SEC_BULK_ARGS)

charts: install  ## re-render the PNG charts in data/reports/ from the current warehouse
	$(PY) -m pipelines.refresh reports/charts

screenshot: install  ## PNG of the asset graph in the Dagster UI (needs Debian's chromium)
	$(PY) scripts/screenshot_lineage.py

# Dagster's dg CLI reads [tool.dg] in pyproject.toml (code location pipelines.definitions, the
# module workspace.yaml loads for `make ui`). VIRTUAL_ENV tells dg to use .venv.
DG := VIRTUAL_ENV=$(VENV) $(VENV)/bin/dg

check-defs: install  ## dg check defs: every definition loads (also run by .ci/run)
	$(DG) check defs

# Example outputs in README.md and docs/*.md: ```sql example``` blocks are run on a warehouse
# refreshed from tests/fixtures/raw_snapshot_2025-09-05, ```sql example shipped``` ones on a
# warehouse refreshed from raw/ (scratch warehouses under data/docs/, never the live one).
docs: install  ## regenerate every example output in README.md and docs/*.md, and docs/images/
	$(PY) scripts/docs_examples.py

docs-check: install  ## fail if an example output in the docs differs from what its query gives
	$(PY) scripts/docs_examples.py --check

lint: install
	$(VENV)/bin/ruff check pipelines tests bench scripts
	$(VENV)/bin/ruff format --check pipelines tests bench scripts

clean:
	rm -rf data/*.building* .pytest_cache .venv-bench
