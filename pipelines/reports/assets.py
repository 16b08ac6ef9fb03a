"""Chart assets (filled in by the lineage/charts work)."""

import dagster as dg

REPORT_ASSETS: list[dg.AssetsDefinition] = []
