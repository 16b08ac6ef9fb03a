"""Column lineage of the SEC tables derived from sec.facts (Dagster metadata)."""

from __future__ import annotations

import dagster as dg


def quarterly_lineage(facts_key: dg.AssetKey) -> dg.TableColumnLineage:
    """sec.quarterly and sec.quarterly_as_first_reported."""

    def dep(*columns: str) -> list[dg.TableColumnDep]:
        return [dg.TableColumnDep(asset_key=facts_key, column_name=c) for c in columns]

    return dg.TableColumnLineage(
        deps_by_column={
            "ticker": dep("ticker"),
            "cik": dep("cik"),
            "metric": dep("concept"),
            "taxonomy": dep("taxonomy"),
            "concept": dep("concept"),
            "unit": dep("unit"),
            "fiscal_year": dep("start", "end", "form"),
            "fiscal_quarter": dep("start", "end", "form"),
            "period_start": dep("start", "end"),
            "period_end": dep("end"),
            "calendar_quarter": dep("start", "end"),
            "value": dep("val", "start", "end", "filed", "accn"),
            "value_usd_m": dep("val", "unit"),
            "decimals": dep("val"),
            "method": dep("start", "end"),
            "vintage": dep("val", "filed", "accn"),
            "vintage_note": dep("val", "filed", "accn"),
            "accn": dep("accn", "filed", "val"),
            "form": dep("form", "filed", "val"),
            "filed": dep("filed", "val"),
            "subtracted_accn": dep("accn", "filed", "val"),
            "subtracted_form": dep("form", "filed", "val"),
            "subtracted_filed": dep("filed", "val"),
            "known_since": dep("filed", "val"),
            "last_filed": dep("filed", "val"),
        }
    )


def coverage_lineage(facts_key: dg.AssetKey) -> dg.TableColumnLineage:
    """sec.fiscal_year_coverage."""

    def dep(*columns: str) -> list[dg.TableColumnDep]:
        return [dg.TableColumnDep(asset_key=facts_key, column_name=c) for c in columns]

    derived = dep("val", "start", "end", "filed", "accn")
    return dg.TableColumnLineage(
        deps_by_column={
            "ticker": dep("ticker"),
            "metric": dep("concept"),
            "fiscal_year": dep("start", "end", "form"),
            "fy_start": dep("start", "end", "form"),
            "fy_end": dep("start", "end", "form"),
            "quarters": derived,
            "quarters_present": derived,
            "quarters_missing": derived,
            "quarters_sum_usd_m": derived + dep("unit"),
            "full_year_usd_m": derived + dep("unit"),
            "quarters_sum": derived,
            "full_year": derived,
            "difference": derived,
            "tolerance": dep("val"),
            "sums_to_full_year": derived,
            "full_year_concept": dep("concept"),
            "concepts_used": dep("concept"),
            "status": derived + dep("form"),
            "reason": derived + dep("form", "concept"),
        }
    )
