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
from pipelines.tco.assets import TCO_ASSETS, TCO_CHECKS
from pipelines.tco.breakeven_assets import BREAKEVEN_ASSETS, BREAKEVEN_CHECKS
from pipelines.warehouse import WarehouseResource

ALL_ASSETS: list[dg.AssetsDefinition] = [
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
ALL_CHECKS: list[dg.AssetChecksDefinition] = [
    *MARTS_CHECKS,
    *METRICS_CHECKS,
    *COVERAGE_CHECKS,
    *TCO_CHECKS,
    *BREAKEVEN_CHECKS,
    *SEC_CHECKS,
    *SEC_BULK_CHECKS,
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
