"""Everything Dagster loads, assembled once: assets, checks, jobs, schedules, sensors,
resources and the executor. Each domain exposes plain lists; policy is applied here.

Every computed table is a model under ``sql/`` (its SQL or Python function, and its contract):
``pipelines.sqlmodels.assets`` makes their assets. The other assets ingest (raw files, SEC
filings) or publish (charts)."""

import dagster as dg

from pipelines.automation import SCHEDULES, SENSORS
from pipelines.jobs import refresh_warehouse
from pipelines.ledger_settings import LedgerSettings
from pipelines.raw.assets import RAW_ASSETS
from pipelines.reports.assets import REPORT_ASSETS
from pipelines.sec.assets import SEC_ASSETS
from pipelines.sec.bulk_assets import SEC_BULK_ASSETS, SEC_BULK_CHECKS
from pipelines.sec.checks import SEC_CHECKS
from pipelines.sec.sensor import sec_filings_sensor
from pipelines.sqlmodels.assets import sql_model_assets
from pipelines.warehouse import WarehouseResource

_INGEST_ASSETS: list[dg.AssetsDefinition] = [*RAW_ASSETS, *SEC_ASSETS, *SEC_BULK_ASSETS]
_MODEL_ASSETS = sql_model_assets(
    {".".join(k.path) for a in _INGEST_ASSETS for k in a.keys if len(k.path) == 2}
)
ALL_ASSETS: list[dg.AssetsDefinition] = [*_INGEST_ASSETS, *_MODEL_ASSETS, *REPORT_ASSETS]
ALL_CHECKS: list[dg.AssetChecksDefinition] = [*SEC_CHECKS, *SEC_BULK_CHECKS]

defs = dg.Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=[refresh_warehouse],
    schedules=SCHEDULES,
    sensors=[*SENSORS, sec_filings_sensor],
    resources={"warehouse": WarehouseResource(), "settings": LedgerSettings.from_env()},
    # One process, steps in order: DuckDB has a single writer, and the data is small.
    executor=dg.in_process_executor,
)
