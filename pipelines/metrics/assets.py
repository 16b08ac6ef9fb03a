"""Metrics assets (schema ``metrics``, group ``metrics``): capex intensity, cash coverage,
depreciation vs capex, guidance-implied spend and supplier capture, each computed from the
marts and raw tables by ``pipelines/metrics/*.py``, validated by its pandera model
(``pipelines/metrics/models.py``), written with its column comments, and described in
Dagster with its column schema, lineage, row count and a markdown preview."""

import dagster as dg
import duckdb
import pandera.polars as pa
import polars as pl
from dagster import AssetExecutionContext

from pipelines.marts.build import Inputs, actual_figures
from pipelines.marts.capex import build_capex_quarterly
from pipelines.metadata import OWNERS, column_schema
from pipelines.metrics import checks, config, lineage, ratios
from pipelines.metrics.guidance_implied import build_guidance_implied
from pipelines.metrics.models import (
    CapexIntensityModel,
    CashCoverageModel,
    DepreciationVsCapexModel,
    GuidanceImpliedModel,
    SupplierCaptureModel,
)
from pipelines.metrics.supplier_capture import build_supplier_capture
from pipelines.publish import publish
from pipelines.warehouse import WarehouseResource
from pipelines.warehouse.tables import read_table

GROUP = "metrics"


def _key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["metrics", name])


RAW_COMPANIES = dg.AssetKey(["raw", "companies"])
RAW_GROUPS = dg.AssetKey(["raw", "groups"])
RAW_GROUP_MEMBERS = dg.AssetKey(["raw", "group_members"])
RAW_FINANCIALS = dg.AssetKey(["raw", "financials"])
RAW_GUIDANCE = dg.AssetKey(["raw", "capex_guidance"])
CAPEX_QUARTERLY = dg.AssetKey(["marts", "capex_quarterly"])
COMPANY_QUARTERLY = dg.AssetKey(["marts", "company_quarterly"])
GROUP_QUARTERLY = dg.AssetKey(["marts", "group_quarterly"])

CAPEX_INTENSITY = _key("capex_intensity")
CASH_COVERAGE = _key("cash_coverage")
DEPRECIATION = _key("depreciation_vs_capex")
GUIDANCE_IMPLIED = _key("guidance_implied")
SUPPLIER_CAPTURE = _key("supplier_capture")

ERROR = dg.AssetCheckSeverity.ERROR
RATIO_KEYS = ["entity_type", "entity", "calendar_quarter", "period"]


def _write(
    con: duckdb.DuckDBPyConnection,
    key: dg.AssetKey,
    frame: pl.DataFrame,
    model: type[pa.DataFrameModel],
    column_lineage: dg.TableColumnLineage,
    extra: dict | None = None,
) -> dg.MaterializeResult:
    """:func:`pipelines.publish.publish`, previewing the latest rows (tables sorted by time)."""
    return publish(con, key, frame, model, column_lineage, extra, preview_latest=True)


def _asset_kwargs(
    key: dg.AssetKey, model: type[pa.DataFrameModel], deps: list[dg.AssetKey], description: str
) -> dict:
    return {
        "key": key,
        "group_name": GROUP,
        "deps": deps,
        "description": description,
        "kinds": {"polars", "duckdb", "pandera"},
        "owners": OWNERS,
        "tags": {"domain": "metrics", "layer": "mart"},
        "metadata": {
            "dagster/column_schema": column_schema(model),
            "dagster/table_name": ".".join(key.path),
            "pandera_model": f"pipelines.metrics.models.{model.__name__}",
        },
    }


def _counts(frame: pl.DataFrame, ratio: str) -> dict:
    groups = frame.filter(pl.col("entity_type") == "group")
    return {
        "ratios_computed": frame.filter(pl.col(ratio).is_not_null()).height,
        "group_rows_null_with_reason": groups.filter(pl.col(ratio).is_null()).height,
    }


# ---------------------------------------------------------------------- ratio marts
RATIO_DEPS = [COMPANY_QUARTERLY, RAW_GROUP_MEMBERS]


def _ratio_inputs(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    return read_table(con, "marts.company_quarterly"), read_table(con, "raw.group_members")


@dg.asset(
    **_asset_kwargs(
        CAPEX_INTENSITY,
        CapexIntensityModel,
        RATIO_DEPS,
        "Capex intensity (cash capex / revenue, %) per company and per group of raw.groups, per "
        "calendar quarter and trailing twelve months, from marts.company_quarterly. A group's "
        "ratio is sum of capex over sum of revenue, only when every member has both; otherwise "
        "NULL with the members and figures missing. Each company's capex definition is named.",
    )
)
def capex_intensity(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        frame = ratios.build_capex_intensity(*_ratio_inputs(con))
        context.log.info(f"{frame.height} rows")
        return _write(
            con,
            CAPEX_INTENSITY,
            frame,
            CapexIntensityModel,
            lineage.capex_intensity(),
            _counts(frame, "capex_to_revenue_pct"),
        )


@dg.asset(
    **_asset_kwargs(
        CASH_COVERAGE,
        CashCoverageModel,
        RATIO_DEPS,
        "Cash coverage per company and group, quarterly and trailing twelve months: capex / "
        "operating cash flow (%) and free cash flow after capex (operating cash flow - capex, "
        "USD m, negative when capex exceeds it). Computed from the sourced figures; a free "
        "cash flow a company prints is never an input. Groups only when every member has both.",
    )
)
def cash_coverage(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        frame = ratios.build_cash_coverage(*_ratio_inputs(con))
        negative = frame.filter(pl.col("fcf_after_capex_usd_m") < 0).height
        return _write(
            con,
            CASH_COVERAGE,
            frame,
            CashCoverageModel,
            lineage.cash_coverage(),
            {**_counts(frame, "capex_to_ocf_pct"), "rows_with_negative_fcf": negative},
        )


@dg.asset(
    **_asset_kwargs(
        DEPRECIATION,
        DepreciationVsCapexModel,
        RATIO_DEPS,
        "Depreciation and amortization / capex (%) per company and group, quarterly and "
        "trailing twelve months, and its trend (change vs a year earlier, percentage points); "
        "NULL with the reason where a figure is missing. Below 100 the asset base grows.",
    )
)
def depreciation_vs_capex(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        frame = ratios.build_depreciation_vs_capex(*_ratio_inputs(con))
        return _write(
            con,
            DEPRECIATION,
            frame,
            DepreciationVsCapexModel,
            lineage.depreciation_vs_capex(),
            _counts(frame, "da_to_capex_pct"),
        )


# ---------------------------------------------------------------- guidance implied
def compute_guidance_implied(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """``metrics.guidance_implied`` from the warehouse behind ``con``."""
    inputs = Inputs.read(con)

    def capex_as_of(known: Inputs) -> pl.DataFrame:
        return build_capex_quarterly(actual_figures(con, known.financials), known.company_map)

    return build_guidance_implied(inputs, read_table(con, "marts.capex_quarterly"), capex_as_of)


@dg.asset(
    **_asset_kwargs(
        GUIDANCE_IMPLIED,
        GuidanceImpliedModel,
        [RAW_GUIDANCE, RAW_FINANCIALS, RAW_COMPANIES, CAPEX_QUARTERLY],
        "Guidance-implied spend: one row per capex guidance statement (every row of "
        "raw.capex_guidance; a revision is a new row): the capex it implies for the rest of "
        "its period at low / point / high, given only the actuals published by the "
        "statement's date; that spend's growth over the same quarters a year earlier; and, "
        "once the period is reported, the actual spend next to it.",
    )
)
def guidance_implied(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        frame = compute_guidance_implied(con)
        implied = frame.filter(pl.col("implied_remaining_point_usd_m").is_not_null()).height
        return _write(
            con,
            GUIDANCE_IMPLIED,
            frame,
            GuidanceImpliedModel,
            lineage.guidance_implied(),
            {"statements": frame.height, "statements_with_implied_spend": implied},
        )


# ---------------------------------------------------------------- supplier capture
@dg.asset(
    **_asset_kwargs(
        SUPPLIER_CAPTURE,
        SupplierCaptureModel,
        [COMPANY_QUARTERLY, GROUP_QUARTERLY, RAW_GROUP_MEMBERS, RAW_GROUPS],
        "Who captures the capex: per calendar quarter, the AI / data-center revenue of the "
        "supplier group's members (config.toml; the suppliers present listed) against each "
        "spender group's capex, same quarter and one quarter earlier. The ratio is NOT the "
        "suppliers' share of that capex: they sell to other buyers too, and capex also pays "
        "for buildings, power and non-AI equipment.",
    )
)
def supplier_capture(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    try:
        settings = config.supplier_capture_config()
    except config.ConfigError as error:
        raise dg.Failure(description=str(error)) from error
    with warehouse.connect() as con:
        groups = read_table(con, "raw.groups")
        try:
            settings = config.resolve_groups(
                settings, groups["group_name"].to_list() if groups.height else []
            )
        except config.ConfigError as error:
            raise dg.Failure(description=str(error)) from error
        frame = build_supplier_capture(
            read_table(con, "marts.company_quarterly"),
            read_table(con, "marts.group_quarterly"),
            read_table(con, "raw.group_members"),
            settings,
        )
        if settings.skipped:
            context.log.warning(
                f"groups of {config.config_path()} not in raw.groups, skipped: "
                f"{', '.join(settings.skipped)}"
            )
        return _write(
            con,
            SUPPLIER_CAPTURE,
            frame,
            SupplierCaptureModel,
            lineage.supplier_capture(),
            {
                "supplier_group": settings.supplier_group,
                "spender_groups": ", ".join(settings.spender_groups),
                "config_file": str(config.config_path()),
                "configured_groups_not_in_raw_groups": ", ".join(settings.skipped) or "none",
            },
        )


# -------------------------------------------------------------------------- checks
def _result(passed: bool, metadata: dict) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=passed,
        severity=ERROR,
        metadata={
            k: dg.MetadataValue.md(v) if isinstance(v, str) and "\n" in v else v
            for k, v in metadata.items()
        },
    )


def _table(warehouse: WarehouseResource, name: str) -> pl.DataFrame:
    with warehouse.connect() as con:
        return read_table(con, name)


def _unique_check(key: dg.AssetKey, keys: list[str]) -> dg.AssetChecksDefinition:
    table = ".".join(key.path)

    @dg.asset_check(
        asset=key,
        name=f"{key.path[-1]}_one_row_per_key",
        blocking=True,
        description=f"One row per ({', '.join(keys)}) of {table}, no NULL key.",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        return _result(*checks.one_row_per_key(_table(warehouse, table), keys))

    return _check


def _ratio_check(
    key: dg.AssetKey, ratio: str, numerator: str, denominator: str
) -> dg.AssetChecksDefinition:
    table = ".".join(key.path)

    @dg.asset_check(
        asset=key,
        name=f"{key.path[-1]}_ratio_matches_inputs_never_partial",
        blocking=True,
        description=f"Every {ratio} equals {numerator} / {denominator} x 100; a NULL one has a "
        "missing_reason; no group ratio is computed with a member lacking a figure.",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        return _result(
            *checks.ratio_matches_inputs(_table(warehouse, table), ratio, numerator, denominator)
        )

    return _check


@dg.asset_check(
    asset=GUIDANCE_IMPLIED,
    name="guidance_implied_one_row_per_statement",
    blocking=True,
    additional_deps=[RAW_GUIDANCE],
    description="Exactly as many rows per (ticker, guided period) as raw.capex_guidance has "
    "statements, and implied remaining = bound - capex published to date for low / point / high.",
)
def check_guidance_implied(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        frame = read_table(con, "metrics.guidance_implied")
        guidance = read_table(con, "raw.capex_guidance")
    passed_rows, rows_meta = checks.every_statement_once(frame, guidance)
    passed_sums, sums_meta = checks.implied_matches_statement(frame)
    return _result(
        passed_rows and passed_sums,
        {**rows_meta, **{f"implied_{k}": v for k, v in sums_meta.items()}},
    )


@dg.asset_check(
    asset=SUPPLIER_CAPTURE,
    name="supplier_capture_ratios_match_inputs",
    blocking=True,
    description="Every supplier_revenue_to_capex_pct equals supplier revenue / spender capex x "
    "100 and every lagged ratio equals supplier revenue / previous-quarter capex x 100.",
)
def check_supplier_capture(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    frame = _table(warehouse, "metrics.supplier_capture")
    same = checks.ratio_matches_inputs(
        frame,
        "supplier_revenue_to_capex_pct",
        "supplier_ai_revenue_usd_m",
        "spender_capex_usd_m",
        group_rule=False,
    )
    lagged = checks.ratio_matches_inputs(
        frame,
        "supplier_revenue_to_prev_quarter_capex_pct",
        "supplier_ai_revenue_usd_m",
        "spender_capex_prev_quarter_usd_m",
        group_rule=False,
    )
    return _result(
        same[0] and lagged[0],
        {
            **{f"same_{k}": v for k, v in same[1].items()},
            **{f"lagged_{k}": v for k, v in lagged[1].items()},
        },
    )


METRICS_ASSETS: list[dg.AssetsDefinition] = [
    capex_intensity,
    cash_coverage,
    depreciation_vs_capex,
    guidance_implied,
    supplier_capture,
]
METRICS_CHECKS: list[dg.AssetChecksDefinition] = [
    _unique_check(CAPEX_INTENSITY, RATIO_KEYS),
    _unique_check(CASH_COVERAGE, RATIO_KEYS),
    _unique_check(DEPRECIATION, RATIO_KEYS),
    _unique_check(GUIDANCE_IMPLIED, ["ticker", "guided_period", "statement_number"]),
    _unique_check(SUPPLIER_CAPTURE, ["spender_group", "calendar_quarter"]),
    _ratio_check(CAPEX_INTENSITY, "capex_to_revenue_pct", "capex_usd_m", "revenue_usd_m"),
    _ratio_check(CASH_COVERAGE, "capex_to_ocf_pct", "capex_usd_m", "operating_cash_flow_usd_m"),
    _ratio_check(DEPRECIATION, "da_to_capex_pct", "depreciation_amortization_usd_m", "capex_usd_m"),
    check_guidance_implied,
    check_supplier_capture,
]
