"""Dagster asset of the SEC bulk mode: ``sec/bulk`` (the SEC store) and its quarantine check.

Off unless ``SEC_BULK_SOURCE`` is set (``pipelines/sec/bulk_config.py``): then the asset reports
"bulk mode off" and touches nothing. On, it ingests the archive into the SEC store (its own
DuckDB file, swapped atomically, ``pipelines/sec/store.py``) unless the archive is unchanged
since the store was built, and (re)creates the warehouse's ``sec.bulk_*`` views over it.
"""

import dagster as dg
from dagster import AssetExecutionContext

from pipelines.cli_format import escape_controls
from pipelines.metadata import OWNERS, column_schema
from pipelines.sec import store as sec_store
from pipelines.sec.bulk import ingest, quarantine_rows
from pipelines.sec.bulk_config import OFF_MESSAGE, BulkSettings, load_bulk_settings
from pipelines.sec.bulk_models import BulkMembersModel
from pipelines.sec.config import SecConfigError
from pipelines.warehouse import WarehouseResource

BULK_KEY = dg.AssetKey(["sec", "bulk"])
QUARANTINE_CHECK = "sec_bulk_no_member_quarantined"
GROUP = "sec"


def _settings() -> BulkSettings:
    try:
        return load_bulk_settings()
    except SecConfigError as error:
        raise dg.Failure(description=f"SEC bulk configuration: {error}") from error


def _quarantine_table(rows: list[tuple], limit: int = 50) -> str:
    lines = ["| member | cik | bytes | stage | reason |", "| --- | --- | --- | --- | --- |"]
    for member, cik, size, stage, reason in rows[:limit]:  # member names come from the archive
        reason = escape_controls(str(reason).replace("|", "/").replace("\n", " "))
        member = escape_controls(str(member).replace("|", "/"))
        lines.append(f"| {member} | {cik or ''} | {size} | {stage} | {reason} |")
    if len(rows) > limit:
        lines.append(f"| ... {len(rows) - limit} more: `SELECT * FROM sec.bulk_quarantine` | | | |")
    return "\n".join(lines)


@dg.asset(
    key=BULK_KEY,
    group_name=GROUP,
    description=(
        "SEC bulk mode: every filer (or the configured CIKs / tickers) of an SEC "
        "`companyfacts.zip` archive or folder (SEC_BULK_SOURCE), streamed member by member in "
        "chunks, each member checked and bad ones quarantined, parsed and derived with the "
        "connector's own functions into the SEC store (SEC_BULK_STORE, its own DuckDB file, "
        "swapped in atomically). The warehouse gets views sec.bulk_facts, sec.bulk_quarterly, "
        "sec.bulk_quarterly_as_first_reported, sec.bulk_fiscal_year_coverage, sec.bulk_members, "
        "sec.bulk_quarantine "
        "(readers ATTACH the store read-only as sec_bulk). Off unless SEC_BULK_SOURCE is set."
    ),
    kinds={"duckdb", "python", "json"},
    owners=OWNERS,
    tags={"domain": "sec", "layer": "staging"},
    metadata={
        "store": "sec_bulk.duckdb beside the warehouse (SEC_BULK_STORE)",
        "dagster/column_schema": column_schema(BulkMembersModel),
        "dagster/table_name": "sec.bulk_members",
        "pandera_model": "pipelines.sec.bulk_models.BulkMembersModel",
    },
)
def sec_bulk(context: AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    config = _settings()
    if not config.enabled:
        context.log.info(f"SEC bulk: {OFF_MESSAGE}; nothing read, store left as it was")
        return dg.MaterializeResult(metadata={"status": OFF_MESSAGE})
    try:
        result = ingest(config, log=context.log.info)
    except (SecConfigError, sec_store.StoreBusyError, OSError) as error:
        raise dg.Failure(
            description=f"SEC bulk: {error}; the store {config.store} is left as it was"
        ) from error
    with warehouse.connect() as con:
        views = sec_store.expose_views(con, config.store)
    quarantined = quarantine_rows(config.store)
    metadata: dict = {
        "status": "unchanged (store kept)" if result.unchanged else "store rebuilt",
        "source": str(config.source),
        "store": str(config.store),
        "views": ", ".join(views),
        "quarantined": len(quarantined),
        "quarantine": dg.MetadataValue.md(
            _quarantine_table(quarantined) if quarantined else "none"
        ),
    }
    if not result.unchanged:
        metadata.update(
            {
                "members": len(result.outcomes),
                "ingested": result.ingested,
                "skipped_not_selected": result.skipped,
                "facts": result.facts,
                "quarters": result.quarters,
                "seconds": round(result.seconds, 2),
                "peak_rss_mb": round(result.peak_rss_mb),
            }
        )
    return dg.MaterializeResult(metadata=metadata)


@dg.asset_check(
    asset=BULK_KEY,
    name=QUARANTINE_CHECK,
    description="No member of the bulk archive was quarantined (WARN; each quarantined member "
    "is listed with its stage and reason, the others are ingested all the same).",
)
def sec_bulk_no_member_quarantined(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    config = _settings()
    if not config.enabled or not config.store.exists():
        return dg.AssetCheckResult(passed=True, metadata={"status": OFF_MESSAGE})
    rows = quarantine_rows(config.store)
    return dg.AssetCheckResult(
        passed=not rows,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{len(rows)} member(s) quarantined",
        metadata={
            "quarantined": len(rows),
            "quarantine": dg.MetadataValue.md(_quarantine_table(rows) if rows else "none"),
        },
    )


SEC_BULK_ASSETS: list[dg.AssetsDefinition] = [sec_bulk]
SEC_BULK_CHECKS: list[dg.AssetChecksDefinition] = [sec_bulk_no_member_quarantined]
