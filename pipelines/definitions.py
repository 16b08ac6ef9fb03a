"""Everything Dagster loads, assembled once: assets, checks, jobs, schedules, sensors,
resources and the executor. Each domain exposes plain lists; policy is applied here."""

import dagster as dg

from pipelines.automation import SCHEDULES, SENSORS
from pipelines.coverage.assets import COVERAGE_ASSETS, COVERAGE_CHECKS
from pipelines.jobs import refresh_warehouse
from pipelines.marts.assets import MARTS_ASSETS, MARTS_CHECKS
from pipelines.metrics.assets import METRICS_ASSETS, METRICS_CHECKS
from pipelines.raw.assets import RAW_ASSETS
from pipelines.reports.assets import REPORT_ASSETS
from pipelines.sec.assets import SEC_ASSETS
from pipelines.sec.bulk_assets import SEC_BULK_ASSETS, SEC_BULK_CHECKS
from pipelines.sec.checks import SEC_CHECKS
from pipelines.sqlmodels.assets import sql_model_assets
from pipelines.tco.assets import TCO_ASSETS, TCO_CHECKS
from pipelines.tco.breakeven_assets import BREAKEVEN_ASSETS, BREAKEVEN_CHECKS
from pipelines.warehouse import WarehouseResource

_PYTHON_ASSETS: list[dg.AssetsDefinition] = [
    *RAW_ASSETS,
    *MARTS_ASSETS,
    *METRICS_ASSETS,
    *COVERAGE_ASSETS,
    *TCO_ASSETS,
    *BREAKEVEN_ASSETS,
    *SEC_ASSETS,
    *SEC_BULK_ASSETS,
    *REPORT_ASSETS,
]
_PYTHON_CHECKS: list[dg.AssetChecksDefinition] = [
    *MARTS_CHECKS,
    *METRICS_CHECKS,
    *COVERAGE_CHECKS,
    *TCO_CHECKS,
    *BREAKEVEN_CHECKS,
    *SEC_CHECKS,
    *SEC_BULK_CHECKS,
]


def _table(key: dg.AssetKey) -> str:
    return ".".join(key.path)


# Every table with a SQL model (sql/<schema>/<table>.sql + .yml) is built from it; the
# Python asset of the same table, and its checks (now the contract's tests), step aside.
_SQL_ASSETS = sql_model_assets(
    {_table(k) for a in _PYTHON_ASSETS for k in a.keys if len(k.path) == 2}
)
_SQL_KEYS = {k for a in _SQL_ASSETS for k in a.keys}
ALL_ASSETS: list[dg.AssetsDefinition] = [
    *[a for a in _PYTHON_ASSETS if not set(a.keys) & _SQL_KEYS],
    *_SQL_ASSETS,
]
ALL_CHECKS: list[dg.AssetChecksDefinition] = [
    c for c in _PYTHON_CHECKS if not {k.asset_key for k in c.check_keys} & _SQL_KEYS
]

defs = dg.Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=[refresh_warehouse],
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources={"warehouse": WarehouseResource()},
    # One process, steps in order: DuckDB has a single writer, and the data is small.
    executor=dg.in_process_executor,
)
