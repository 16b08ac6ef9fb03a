"""Marts: capex growth and AI revenue tables (filled in by the marts work)."""

import dagster as dg

MARTS_ASSETS: list[dg.AssetsDefinition] = []
MARTS_CHECKS: list[dg.AssetChecksDefinition] = []
