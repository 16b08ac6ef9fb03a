"""Asset checks of the SEC tables: capex against the curated figures, fiscal-year coverage."""

import dagster as dg
import duckdb
import polars as pl

from pipelines import settings
from pipelines.sec.assets import (
    CAPEX_CHECK,
    CAPEX_TOLERANCE,
    COVERAGE_CHECK,
    COVERAGE_KEY,
    COVERAGE_TABLE,
    QUARTERLY_KEY,
    RAW_FINANCIALS_KEY,
    _off,
    _settings,
)
from pipelines.sec.config import SecSettings
from pipelines.sec.models import COVERAGE_WARN_STATUSES
from pipelines.warehouse import WarehouseResource


def _mismatch_table(frame: pl.DataFrame) -> str:
    lines = [
        "| ticker | fiscal | calendar | period | SEC USD m | curated USD m | difference | method |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in frame.iter_rows(named=True):
        diff = r["relative_difference"]
        fiscal = f"FY{r['fiscal_year']} Q{r['fiscal_quarter']}"
        period = f"{r['period_start']}..{r['period_end']}"
        lines.append(
            f"| {r['ticker']} | {fiscal} | {r['calendar_quarter']} | {period} | "
            f"{r['sec_usd_m']:,.1f} | {r['curated_usd_m']:,.1f} | "
            f"{'n/a' if diff is None else f'{diff:+.3%}'} | {r['method']} |"
        )
    return "\n".join(lines)


def compare_capex(con: duckdb.DuckDBPyConnection, config: SecSettings) -> pl.DataFrame:
    """Every quarter in both sec.quarterly (capex) and raw.financials, with the difference."""
    tickers = [c.ticker for c in config.companies]
    table = con.execute(
        settings.read_sql("sec/capex_vs_curated.sql"),
        {"tolerance": CAPEX_TOLERANCE, "tickers": tickers},
    ).to_arrow_table()
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


@dg.asset_check(
    asset=QUARTERLY_KEY,
    name=CAPEX_CHECK,
    additional_deps=[RAW_FINANCIALS_KEY],
    description=(
        f"SEC-derived quarterly capex matches the curated capex in raw.financials within "
        f"{CAPEX_TOLERANCE:.1%} for every discrete quarter both have (each company's curated "
        "capex_metric of raw.companies, as sec.quarterly names it; gross purchases where capex is "
        "net of proceeds). Each "
        "mismatch is listed. Blocking: a mismatch fails the run, so its SEC tables are never "
        "published (the live warehouse keeps its previous tables)."
    ),
    blocking=True,
)
def sec_capex_matches_curated(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    config = _settings()
    if not config.enabled:
        return dg.AssetCheckResult(passed=True, metadata=_off(context))
    with warehouse.connect() as con:
        have = {
            name
            for (name,) in con.execute(
                "SELECT schema_name || '.' || table_name FROM duckdb_tables()"
            ).fetchall()
        }
        if not {"sec.quarterly", "raw.financials"} <= have:
            return dg.AssetCheckResult(
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"status": "sec.quarterly or raw.financials is missing: nothing compared"},
            )
        compared = compare_capex(con, config)
    mismatches = compared.filter(~pl.col("within_tolerance"))
    if mismatches.height:
        first = mismatches.row(0, named=True)
        context.log.error(
            f"SEC capex differs from raw.financials beyond {CAPEX_TOLERANCE:.1%} in "
            f"{mismatches.height} of {compared.height} quarter(s) (first: {first['ticker']} "
            f"FY{first['fiscal_year']} Q{first['fiscal_quarter']}: SEC "
            f"{first['sec_usd_m']:,.1f} vs curated {first['curated_usd_m']:,.1f} USD m); "
            "the SEC tables of this run are not published"
        )
    return dg.AssetCheckResult(
        passed=mismatches.is_empty(),
        # ERROR on a blocking check fails the step: the run's copy is not swapped in.
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{compared.height} quarter(s) compared, {mismatches.height} outside "
            f"{CAPEX_TOLERANCE:.1%}"
            + ("; SEC tables of this run not published" if mismatches.height else "")
        ),
        metadata={
            "quarters_compared": compared.height,
            "mismatches": mismatches.height,
            "tolerance": CAPEX_TOLERANCE,
            "mismatch_list": dg.MetadataValue.md(
                _mismatch_table(mismatches) if mismatches.height else "none"
            ),
            "compared": dg.MetadataValue.md(_mismatch_table(compared)),
        },
    )


def _coverage_table(frame: pl.DataFrame) -> str:
    lines = ["| ticker | metric | fiscal year | quarters | status | reason |", "| --- " * 6 + "|"]
    for r in frame.iter_rows(named=True):
        reason = (r["reason"] or "").replace("|", "/")
        lines.append(
            f"| {r['ticker']} | {r['metric']} | {r['fiscal_year']} | "
            f"{r['quarters_present'] or '-'} | {r['status']} | {reason} |"
        )
    return "\n".join(lines)


@dg.asset_check(
    asset=COVERAGE_KEY,
    name=COVERAGE_CHECK,
    description=(
        "Every fiscal year of sec.fiscal_year_coverage has four quarters that sum to the full "
        "year within the printed precision. Warns (the run goes on) and lists each year with a "
        "gap, a mismatch, no full year to check against, an annual-only filer or no data, with "
        "its reason; a year still running (status open) is not a warning."
    ),
)
def sec_fiscal_years_complete(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    config = _settings()
    if not config.enabled:
        return dg.AssetCheckResult(passed=True, metadata=_off(context))
    with warehouse.connect() as con:
        table = con.execute(
            f"SELECT * FROM {COVERAGE_TABLE} WHERE status IN "
            f"({', '.join('?' for _ in COVERAGE_WARN_STATUSES)}) ORDER BY ticker, metric, "
            "fiscal_year",
            COVERAGE_WARN_STATUSES,
        ).to_arrow_table()
        total = con.execute(f"SELECT count(*) FROM {COVERAGE_TABLE}").fetchone()
    flagged = pl.from_arrow(table)
    assert isinstance(flagged, pl.DataFrame)
    by_status = dict(flagged.group_by("status").len().iter_rows())
    return dg.AssetCheckResult(
        passed=flagged.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            f"{flagged.height} of {total[0] if total else 0} fiscal year(s) incomplete, "
            "mismatched or without quarters"
        ),
        metadata={
            "years_flagged": flagged.height,
            **{f"years_{status}": by_status.get(status, 0) for status in COVERAGE_WARN_STATUSES},
            "flagged": dg.MetadataValue.md(_coverage_table(flagged) if flagged.height else "none"),
        },
    )


SEC_CHECKS: list[dg.AssetChecksDefinition] = [sec_capex_matches_curated, sec_fiscal_years_complete]
