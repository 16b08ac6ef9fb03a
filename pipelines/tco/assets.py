"""Chip TCO assets (filled in by the TCO work)."""

import dagster as dg

TCO_ASSETS: list[dg.AssetsDefinition] = []
TCO_CHECKS: list[dg.AssetChecksDefinition] = []
