"""SEC EDGAR companyfacts connector (filled in by the SEC work)."""

import dagster as dg

SEC_ASSETS: list[dg.AssetsDefinition] = []
SEC_CHECKS: list[dg.AssetChecksDefinition] = []
