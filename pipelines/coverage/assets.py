"""Assets ``meta/data_as_of`` and ``meta/coverage``, and the unexplained-gap check."""

import dagster as dg
import pandera.polars as pa
import polars as pl
from dagster import AssetExecutionContext

from pipelines.coverage.build import build_coverage, data_as_of, from_quarter
from pipelines.coverage.models import CoverageModel, CuratedVsSecModel, DataAsOfModel
from pipelines.coverage.sec_reference import (
    SCHEMA as SEC_COMPARISON_SCHEMA,
)
from pipelines.coverage.sec_reference import (
    TOLERANCE,
    compare,
    curated_quarters,
    reference_files,
    sec_quarters,
)
from pipelines.lineage import column_lineage
from pipelines.metadata import OWNERS, column_schema, markdown_preview, table_doc
from pipelines.publish import publish
from pipelines.sec.config import real_files_dir
from pipelines.warehouse import WarehouseResource
from pipelines.warehouse.tables import read_table

GROUP = "coverage"
RAW_FINANCIALS = dg.AssetKey(["raw", "financials"])
RAW_NOTES = dg.AssetKey(["raw", "coverage_notes"])
COMPANY_QUARTERLY = dg.AssetKey(["marts", "company_quarterly"])
DATA_AS_OF = dg.AssetKey(["meta", "data_as_of"])
COVERAGE = dg.AssetKey(["meta", "coverage"])
CAPEX_QUARTERLY = dg.AssetKey(["marts", "capex_quarterly"])
CURATED_VS_SEC = dg.AssetKey(["meta", "curated_vs_sec"])
COVERAGE_EXPLAINED = "coverage_every_gap_explained"
CURATED_MATCHES_SEC = "curated_matches_sec_reference"

FIN = "raw/financials"
CQ = "marts/company_quarterly"
NOTES = "raw/coverage_notes"


def _kwargs(key: dg.AssetKey, model: type[pa.DataFrameModel], deps: list[dg.AssetKey]) -> dict:
    return {
        "key": key,
        "group_name": GROUP,
        "deps": deps,
        "description": table_doc(model).description,
        "kinds": {"polars", "duckdb", "pandera"},
        "owners": OWNERS,
        "tags": {"domain": "coverage", "layer": "mart"},
        "metadata": {
            "dagster/column_schema": column_schema(model),
            "dagster/table_name": ".".join(key.path),
            "pandera_model": f"pipelines.coverage.models.{model.__name__}",
        },
    }


@dg.asset(**_kwargs(DATA_AS_OF, DataAsOfModel, [RAW_FINANCIALS]))
def data_as_of_asset(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        frame = data_as_of(read_table(con, "raw.financials"))
        newest = [(FIN, "published"), (FIN, "ticker"), (FIN, "metric")]
        lineage = column_lineage(
            {
                "as_of": [(FIN, "published")],
                "ticker": newest,
                "metric": newest,
                "value_kind": [*newest, (FIN, "value_kind")],
                "fiscal_period": [*newest, (FIN, "fiscal_year"), (FIN, "fiscal_quarter")],
                "source_title": [*newest, (FIN, "source_title")],
                "source_url": [*newest, (FIN, "source_url")],
                "financials_rows": [(FIN, "ticker")],
                "undated_rows": [(FIN, "published")],
            }
        )
        return publish(con, DATA_AS_OF, frame, DataAsOfModel, lineage)


@dg.asset(**_kwargs(COVERAGE, CoverageModel, [COMPANY_QUARTERLY, RAW_NOTES]))
def coverage_asset(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        frame = build_coverage(
            read_table(con, "marts.company_quarterly"),
            read_table(con, "raw.coverage_notes"),
            from_quarter(),
        )
        value = [(CQ, "value_usd_m"), (CQ, "ticker"), (CQ, "metric"), (CQ, "calendar_quarter")]
        lineage = column_lineage(
            {
                "ticker": [(CQ, "ticker")],
                "metric": [(CQ, "metric")],
                "calendar_quarter": [(CQ, "calendar_quarter")],
                "status": [*value, (CQ, "is_derived")],
                "value_usd_m": value,
                "explained": [
                    *value,
                    (NOTES, "ticker"),
                    (NOTES, "metric"),
                    (NOTES, "first_quarter"),
                    (NOTES, "last_quarter"),
                ],
                "reason": [*value, (CQ, "missing_reason"), (NOTES, "reason")],
            }
        )
        return publish(con, COVERAGE, frame, CoverageModel, lineage)


@dg.asset_check(
    asset=COVERAGE,
    name=COVERAGE_EXPLAINED,
    description="Every missing quarter in meta.coverage is explained by raw/coverage_notes.csv "
    "(a warning listing the unexplained gaps otherwise).",
)
def check_coverage_explained(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        frame = read_table(con, "meta.coverage")
    gaps = frame.filter(~pl.col("explained"))
    counts = {
        s: frame.filter(pl.col("status") == s).height for s in ("present", "derived", "missing")
    }
    return dg.AssetCheckResult(
        passed=gaps.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            **counts,
            "unexplained": gaps.height,
            "unexplained_gaps": dg.MetadataValue.md(
                markdown_preview(
                    gaps.select("ticker", "metric", "calendar_quarter", "reason"), rows=50
                )
            ),
        },
    )


@dg.asset(**_kwargs(CURATED_VS_SEC, CuratedVsSecModel, [CAPEX_QUARTERLY, COMPANY_QUARTERLY]))
def curated_vs_sec_asset(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    folder = real_files_dir()
    files = reference_files(folder)
    with warehouse.connect() as con:
        curated = curated_quarters(
            read_table(con, "marts.capex_quarterly"), read_table(con, "marts.company_quarterly")
        )
        if files:
            frame = compare(curated, sec_quarters(files))
            context.log.info(
                f"{frame.height} quarters compared with {len(files)} files in {folder}"
            )
        else:
            frame = pl.DataFrame(schema=SEC_COMPARISON_SCHEMA)
            context.log.warning(f"no SEC reference files at {folder}: nothing compared")
        cq = [("marts/capex_quarterly", c) for c in ("capex_usd_m", "capex_purchases_gross_usd_m")]
        rev = [(CQ, "value_usd_m"), (CQ, "metric")]
        key = [(CQ, "ticker"), (CQ, "calendar_quarter"), (CQ, "period_end")]
        lineage = column_lineage(
            {
                "ticker": key,
                "metric": [(CQ, "metric")],
                "calendar_quarter": key,
                "period_end": key,
                "curated_usd_m": [*cq, *rev],
                "curated_is_derived": [
                    ("marts/capex_quarterly", "capex_is_derived"),
                    (CQ, "is_derived"),
                ],
                **{
                    c: []
                    for c in (
                        "sec_usd_m",
                        "sec_period_end",
                        "sec_concept",
                        "sec_method",
                        "sec_accn",
                    )
                },
                "relative_difference_pct": [*cq, *rev],
                "within_tolerance": [*cq, *rev],
            }
        )
        result = publish(con, CURATED_VS_SEC, frame, CuratedVsSecModel, lineage)
        result.metadata["reference_folder"] = dg.MetadataValue.path(str(folder))
        result.metadata["reference_files"] = len(files)
        return result


@dg.asset_check(
    asset=CURATED_VS_SEC,
    name=CURATED_MATCHES_SEC,
    description=f"Every curated capex and revenue quarter the real SEC reference files also "
    f"cover matches them within {TOLERANCE:.1%} (a warning listing each mismatch; passes with "
    "nothing compared when the reference folder is absent, and says so).",
)
def check_curated_matches_sec(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        frame = read_table(con, "meta.curated_vs_sec")
    bad = frame.filter(~pl.col("within_tolerance"))
    return dg.AssetCheckResult(
        passed=bad.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "compared": frame.height,
            "mismatches": bad.height,
            "reference_folder": str(real_files_dir()),
            "details": dg.MetadataValue.md(markdown_preview(bad, rows=50)),
        },
    )


COVERAGE_ASSETS = [data_as_of_asset, coverage_asset, curated_vs_sec_asset]
COVERAGE_CHECKS = [check_coverage_explained, check_curated_matches_sec]
