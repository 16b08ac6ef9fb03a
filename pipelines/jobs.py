"""Jobs. The main one refreshes every asset and runs every check."""

import dagster as dg

refresh_warehouse = dg.define_asset_job(
    "refresh_warehouse",
    selection=dg.AssetSelection.all(),
    description="Rebuild the whole warehouse from raw/: validate, land, transform, check. "
    "Runs build into a private copy of the warehouse that replaces the live file only on success.",
)
