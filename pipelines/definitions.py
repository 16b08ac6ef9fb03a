"""Everything Dagster loads, assembled once: assets, checks, jobs, resources, executor."""

from __future__ import annotations

import dagster as dg

from pipelines.raw.assets import RAW_ASSETS
from pipelines.warehouse import WarehouseResource

ALL_ASSETS: list[dg.AssetsDefinition] = [*RAW_ASSETS]
ALL_CHECKS: list[dg.AssetChecksDefinition] = []

#: The main job: refresh every asset (and run every check) into the warehouse.
refresh_warehouse = dg.define_asset_job(
    "refresh_warehouse",
    selection=dg.AssetSelection.all(),
    description="Rebuild the whole warehouse from raw/: validate, land, transform, check.",
)

defs = dg.Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=[refresh_warehouse],
    resources={"warehouse": WarehouseResource()},
    executor=dg.in_process_executor,
)
