"""Marts: capex growth, MAMG totals, capex guidance, AI revenue, and the claim checks.

Six tables in schema ``marts``, one asset each (group ``marts``). Every table is computed
from the sourced raw tables by polars and DuckDB SQL (``sql/marts/``), validated by its
pandera model (``pipelines/marts/models.py``) and written with its column comments. Figures
that the seed's reports state are never inputs here: they are only compared, in
``marts.claim_checks``.
"""

import dagster as dg
import duckdb
import pandera.polars as pa
import polars as pl
from dagster import AssetExecutionContext
from pandera.errors import SchemaError, SchemaErrors

from pipelines import settings
from pipelines.marts import checks
from pipelines.marts import lineage as column_lineage
from pipelines.marts.ai_revenue import build_ai_revenue_quarterly
from pipelines.marts.capex import build_capex_quarterly
from pipelines.marts.claims import (
    ai_revenue_facts,
    build_claim_checks,
    capex_facts,
    facts_frame,
    guidance_facts,
    normalize_facts,
    seed_internal_facts,
)
from pipelines.marts.group import MEMBERS, build_capex_group_quarterly
from pipelines.marts.guidance import build_capex_guidance
from pipelines.marts.models import (
    AiRevenueQuarterlyModel,
    CapexGroupQuarterlyModel,
    CapexGuidanceMartModel,
    CapexQuarterlyModel,
    ClaimChecksModel,
    ClaimFactsModel,
)
from pipelines.metadata import OWNERS, column_schema, markdown_preview, table_doc
from pipelines.warehouse import WarehouseResource, write_table
from pipelines.warehouse.tables import read_table

GROUP = "marts"
MAMG = "MAMG"
AI_SEMI = "AI_SEMI"

RAW_COMPANIES = dg.AssetKey(["raw", "companies"])
RAW_FINANCIALS = dg.AssetKey(["raw", "financials"])
RAW_GUIDANCE = dg.AssetKey(["raw", "capex_guidance"])
RAW_CLAIMS = dg.AssetKey(["raw", "claims"])
CAPEX_QUARTERLY = dg.AssetKey(["marts", "capex_quarterly"])
CAPEX_GROUP_QUARTERLY = dg.AssetKey(["marts", "capex_group_quarterly"])
CAPEX_GUIDANCE = dg.AssetKey(["marts", "capex_guidance"])
AI_REVENUE_QUARTERLY = dg.AssetKey(["marts", "ai_revenue_quarterly"])
CLAIM_FACTS = dg.AssetKey(["marts", "claim_facts"])
CLAIM_CHECKS = dg.AssetKey(["marts", "claim_checks"])
#: Published by the TCO domain (same columns as marts.claim_facts); read if it exists.
TCO_CLAIM_FACTS = dg.AssetKey(["tco", "claim_facts"])

# ----------------------------------------------------------------- check names
CAPEX_QUARTERLY_UNIQUE = "capex_quarterly_one_row_per_ticker_quarter"
CAPEX_QUARTERLY_GROWTH = "capex_quarterly_growth_matches_levels"
CAPEX_QUARTERLY_ADDS_UP = "capex_quarterly_reported_quarters_add_up_to_full_year"
CAPEX_GROUP_UNIQUE = "capex_group_quarterly_one_row_per_group_quarter"
CAPEX_GROUP_SUM = "capex_group_quarterly_total_equals_sum_of_members"
CAPEX_GROUP_GROWTH = "capex_group_quarterly_growth_matches_levels"
CAPEX_GUIDANCE_UNIQUE = "capex_guidance_one_row_per_ticker_period"
AI_REVENUE_UNIQUE = "ai_revenue_quarterly_one_row_per_ticker_quarter"
AI_REVENUE_GROWTH = "ai_revenue_quarterly_growth_matches_levels"
CLAIM_FACTS_UNIQUE = "claim_facts_one_row_per_key"
CLAIM_CHECKS_COMPLETE = "claim_checks_one_row_per_claim"
CLAIM_CHECKS_CONTRADICTED = "claim_checks_contradicted_claims"

CAPEX_GROWTH_PAIRS = [
    ("capex_qoq_pct", "capex_usd_m", 1),
    ("capex_yoy_pct", "capex_usd_m", 4),
    ("capex_ttm_yoy_pct", "capex_ttm_usd_m", 4),
    ("capex_purchases_gross_yoy_pct", "capex_purchases_gross_usd_m", 4),
    ("capex_incl_finance_leases_yoy_pct", "capex_incl_finance_leases_usd_m", 4),
]
GROUP_GROWTH_PAIRS = [
    ("capex_qoq_pct", "capex_usd_m", 1),
    ("capex_yoy_pct", "capex_usd_m", 4),
    ("capex_ttm_yoy_pct", "capex_ttm_usd_m", 4),
]
AI_GROWTH_PAIRS = [
    ("revenue_qoq_pct", "revenue_usd_m", 1),
    ("revenue_yoy_pct", "revenue_usd_m", 4),
    ("ai_revenue_qoq_pct", "ai_revenue_usd_m", 1),
    ("ai_revenue_yoy_pct", "ai_revenue_usd_m", 4),
    ("data_center_revenue_qoq_pct", "data_center_revenue_usd_m", 1),
    ("data_center_revenue_yoy_pct", "data_center_revenue_usd_m", 4),
]


# --------------------------------------------------------------------- helpers
def _query(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pl.DataFrame:
    return con.execute(sql, params or {}).pl()


def _rules(con: duckdb.DuckDBPyConnection, group: str | None = None) -> dict[str, str]:
    sql = "SELECT ticker, fiscal_year_end_rule FROM raw.companies"
    rows = con.execute(
        sql + (" WHERE group_name = ?" if group else ""), [group] if group else []
    ).fetchall()
    return dict(rows)


def _validated(frame: pl.DataFrame, model: type[pa.DataFrameModel]) -> pl.DataFrame:
    """``frame`` in the model's column order, validated; fails the asset with every problem."""
    frame = frame.select(list(model.to_schema().columns))
    try:
        return model.validate(frame, lazy=True)
    except (SchemaErrors, SchemaError) as error:
        raise dg.Failure(
            description=f"{model.__name__} rejected the computed table; nothing was "
            f"written.\n{error}"
        ) from error


def _write(
    con: duckdb.DuckDBPyConnection,
    key: dg.AssetKey,
    frame: pl.DataFrame,
    model: type[pa.DataFrameModel],
    lineage: dg.TableColumnLineage,
    extra: dict | None = None,
) -> dg.MaterializeResult:
    frame = _validated(frame, model)
    table = ".".join(key.path)
    rows = write_table(con, table, frame, table_doc(model))
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "dagster/column_lineage": lineage,
            "preview": dg.MetadataValue.md(markdown_preview(frame)),
            **(extra or {}),
        }
    )


def _spec_metadata(key: dg.AssetKey, model: type[pa.DataFrameModel], sql_files: list[str]) -> dict:
    return {
        "dagster/column_schema": column_schema(model),
        "dagster/table_name": ".".join(key.path),
        "pandera_model": f"pipelines.marts.models.{model.__name__}",
        "sql_files": ", ".join(f"sql/marts/{f}" for f in sql_files) or "none",
    }


def _asset_kwargs(
    key: dg.AssetKey,
    model: type[pa.DataFrameModel],
    deps: list[dg.AssetKey],
    description: str,
    sql_files: list[str],
) -> dict:
    return {
        "key": key,
        "group_name": GROUP,
        "deps": deps,
        "description": description,
        "kinds": {"polars", "duckdb", "pandera"},
        "owners": OWNERS,
        "tags": {"domain": "marts", "layer": "mart"},
        "metadata": _spec_metadata(key, model, sql_files),
    }


# ---------------------------------------------------------------------- assets
@dg.asset(
    **_asset_kwargs(
        CAPEX_QUARTERLY,
        CapexQuarterlyModel,
        [RAW_FINANCIALS, RAW_COMPANIES],
        "Hyperscaler (MAMG: Microsoft, Amazon, Meta, Alphabet) capex per calendar quarter, USD m. "
        "Each company's cash capex in its own definition (Amazon: purchases net of proceeds). "
        "Quarters "
        "only reported inside year-to-date or full-year figures are derived (Q2 = H1 - Q1, Q4 = "
        "FY - 9M, "
        "...) and marked; a quarter that cannot be derived is NULL with the reason, and growth "
        "against it "
        "is NULL. Fiscal quarters are mapped to the calendar quarter holding their midpoint.",
        ["actual_figures.sql"],
    )
)
def capex_quarterly(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        actuals = _query(con, settings.read_sql("marts/actual_figures.sql"))
        frame = build_capex_quarterly(actuals, _rules(con, MAMG))
        derived = frame.filter(pl.col("capex_is_derived").fill_null(False))
        missing = frame.filter(pl.col("capex_usd_m").is_null())
        context.log.info(f"{frame.height} rows; {derived.height} derived; {missing.height} missing")
        lineage = column_lineage.capex_quarterly()
        return _write(
            con,
            CAPEX_QUARTERLY,
            frame,
            CapexQuarterlyModel,
            lineage,
            {
                "derived_quarters": derived.height,
                "missing_quarters": dg.MetadataValue.md(
                    markdown_preview(
                        missing.select("ticker", "calendar_quarter", "missing_reason"), rows=50
                    )
                ),
            },
        )


@dg.asset(
    **_asset_kwargs(
        CAPEX_GROUP_QUARTERLY,
        CapexGroupQuarterlyModel,
        [CAPEX_QUARTERLY, RAW_COMPANIES],
        "MAMG capex per calendar quarter, USD m: the sum of the four members' capex from "
        "marts.capex_quarterly, only when all four are known (is_complete); otherwise NULL, never "
        "a "
        "partial sum. With QoQ / YoY / TTM growth and each member's share.",
        ["capex_group_quarterly.sql"],
    )
)
def capex_group_quarterly(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        members = set(_rules(con, MAMG))
        if members != set(MEMBERS):
            raise dg.Failure(
                description=f"raw.companies lists {sorted(members)} in group MAMG; this table has "
                "member "
                f"columns for {list(MEMBERS)}. Update pipelines/marts/group.py and the model."
            )
        totals = _query(
            con, settings.read_sql("marts/capex_group_quarterly.sql"), {"group_name": MAMG}
        )
        capex = read_table(con, "marts.capex_quarterly")
        frame = build_capex_group_quarterly(totals, capex)
        lineage = column_lineage.capex_group_quarterly()
        incomplete = frame.filter(~pl.col("is_complete"))["calendar_quarter"].to_list()
        context.log.info(f"incomplete quarters: {incomplete}")
        return _write(
            con,
            CAPEX_GROUP_QUARTERLY,
            frame,
            CapexGroupQuarterlyModel,
            lineage,
            {"incomplete_quarters": ", ".join(incomplete) or "none"},
        )


@dg.asset(
    **_asset_kwargs(
        CAPEX_GUIDANCE,
        CapexGuidanceMartModel,
        [RAW_GUIDANCE, CAPEX_QUARTERLY, RAW_COMPANIES],
        "Capex guidance per company and guided period: the latest statement (low / mid / high), "
        "the "
        "previous one and the revision, and what the latest implies for the rest of the period "
        "against "
        "capex reported so far (marts.capex_quarterly, in the matching definition).",
        [],
    )
)
def capex_guidance(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        raw = read_table(con, "raw.capex_guidance")
        capex = read_table(con, "marts.capex_quarterly")
        frame = build_capex_guidance(raw, capex, _rules(con))
        lineage = column_lineage.capex_guidance()
        context.log.info(f"{frame.height} guided periods")
        return _write(con, CAPEX_GUIDANCE, frame, CapexGuidanceMartModel, lineage)


@dg.asset(
    **_asset_kwargs(
        AI_REVENUE_QUARTERLY,
        AiRevenueQuarterlyModel,
        [RAW_FINANCIALS, RAW_COMPANIES],
        "Broadcom and Marvell per fiscal quarter, USD m: revenue, AI revenue (Broadcom), "
        "data-center "
        "revenue (Marvell), growth, surprise against the consensus in force at the results date "
        "(with "
        "that consensus' date), guidance, and next-quarter guidance vs consensus. Marvell's AI "
        "revenue "
        "exists only as an analyst estimate, in its own column.",
        ["actual_figures.sql", "pick_expectation.sql"],
    )
)
def ai_revenue_quarterly(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        actuals = _query(con, settings.read_sql("marts/actual_figures.sql"))
        expectations = _query(con, "SELECT * FROM raw.financials WHERE value_kind <> 'actual'")
        pick_sql = settings.read_sql("marts/pick_expectation.sql")

        def pick(requests: pl.DataFrame, value_kind: str, window_days: int) -> pl.DataFrame:
            con.register("expectation_requests", requests.to_arrow())
            try:
                return _query(con, pick_sql, {"value_kind": value_kind, "window_days": window_days})
            finally:
                con.unregister("expectation_requests")

        frame = build_ai_revenue_quarterly(actuals, expectations, _rules(con, AI_SEMI), pick)
        lineage = column_lineage.ai_revenue_quarterly()
        context.log.info(f"{frame.height} fiscal quarters")
        return _write(con, AI_REVENUE_QUARTERLY, frame, AiRevenueQuarterlyModel, lineage)


@dg.asset(
    **_asset_kwargs(
        CLAIM_FACTS,
        ClaimFactsModel,
        [
            CAPEX_QUARTERLY,
            CAPEX_GROUP_QUARTERLY,
            CAPEX_GUIDANCE,
            AI_REVENUE_QUARTERLY,
            RAW_CLAIMS,
            RAW_COMPANIES,
        ],
        "The marts domain's claim facts: figures computed by the warehouse, spelled in the claims' "
        "vocabulary (entity, metric, period, unit) so marts.claim_checks can join them: capex "
        "totals and "
        "growth, Broadcom / Marvell figures, guidance, Amazon capex intensity, and checks of "
        "claims against "
        "the seed's own related figures (CAGR, shares, ratios, conflicting articles). A NULL "
        "computed_value "
        "means 'cannot be computed' and method says why. Other domains publish the same columns "
        "(tco.claim_facts).",
        [],
    )
)
def claim_facts(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        rules = _rules(con)
        facts = (
            capex_facts(
                read_table(con, "marts.capex_quarterly"),
                read_table(con, "marts.capex_group_quarterly"),
                rules,
            )
            + guidance_facts(read_table(con, "marts.capex_guidance"), rules)
            + ai_revenue_facts(read_table(con, "marts.ai_revenue_quarterly"), rules)
        )
        facts += seed_internal_facts(read_table(con, "raw.claims"), facts)
        frame = facts_frame(facts)
        lineage = column_lineage.claim_facts()
        context.log.info(
            f"{frame.height} facts, {frame.filter(pl.col('computed_value').is_null()).height} NULL"
        )
        return _write(con, CLAIM_FACTS, frame, ClaimFactsModel, lineage)


@dg.asset(
    **_asset_kwargs(
        CLAIM_CHECKS,
        ClaimChecksModel,
        [RAW_CLAIMS, CLAIM_FACTS, TCO_CLAIM_FACTS],
        "Every claim of the seed's reports (raw.claims) checked against the warehouse: each claim "
        "LEFT "
        "JOIN the union of the claim-facts tables (marts.claim_facts, tco.claim_facts if built) "
        "on entity, "
        "metric and period, with status confirmed / contradicted / not_computable, the difference "
        "and the "
        "tolerance (half a unit of the last printed decimal, one-sided for 'more than' / 'less "
        "than').",
        [],
    )
)
def claim_checks(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        claims = read_table(con, "raw.claims")
        tco = read_table(con, "tco.claim_facts")
        tco_present = bool(tco.columns)
        facts = pl.concat(
            [
                normalize_facts(read_table(con, "marts.claim_facts"), "marts"),
                normalize_facts(tco, "tco"),
            ]
        )
        frame = build_claim_checks(claims, facts, tco_present)
        counts = {
            s: frame.filter(pl.col("status") == s).height
            for s in ("confirmed", "contradicted", "not_computable")
        }
        context.log.info(
            f"claim checks: {counts}; tco.claim_facts {'read' if tco_present else 'absent'}"
        )
        lineage = column_lineage.claim_checks()
        return _write(
            con,
            CLAIM_CHECKS,
            frame,
            ClaimChecksModel,
            lineage,
            {
                **{f"{k}_claims": v for k, v in counts.items()},
                "tco_claim_facts_read": tco_present,
            },
        )


# ---------------------------------------------------------------------- checks
def _check_result(
    passed: bool, metadata: dict, severity: dg.AssetCheckSeverity
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=passed,
        severity=severity,
        metadata={
            k: dg.MetadataValue.md(v) if isinstance(v, str) and "\n" in v else v
            for k, v in metadata.items()
        },
    )


def _table(warehouse: WarehouseResource, name: str) -> pl.DataFrame:
    with warehouse.connect() as con:
        return read_table(con, name)


ERROR = dg.AssetCheckSeverity.ERROR
WARN = dg.AssetCheckSeverity.WARN


@dg.asset_check(
    asset=CAPEX_QUARTERLY,
    name=CAPEX_QUARTERLY_UNIQUE,
    blocking=True,
    description="One row per (ticker, calendar_quarter), no NULL key.",
)
def check_capex_quarterly_unique(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _check_result(
        *checks.one_row_per_key(
            _table(warehouse, "marts.capex_quarterly"), ["ticker", "calendar_quarter"]
        ),
        ERROR,
    )


@dg.asset_check(
    asset=CAPEX_QUARTERLY,
    name=CAPEX_QUARTERLY_GROWTH,
    blocking=True,
    description="Every QoQ / YoY / TTM growth column equals the growth recomputed from the levels "
    "of the same table (looked up by quarter label), and is NULL exactly when a level is missing.",
)
def check_capex_quarterly_growth(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    frame = _table(warehouse, "marts.capex_quarterly")
    return _check_result(
        *checks.growth_matches_levels(frame, ["ticker"], "calendar_quarter", CAPEX_GROWTH_PAIRS),
        ERROR,
    )


@dg.asset_check(
    asset=CAPEX_QUARTERLY,
    name=CAPEX_QUARTERLY_ADDS_UP,
    additional_deps=[RAW_FINANCIALS],
    description="Where all four discrete quarters and the full year of a company's capex metric "
    "are "
    "reported, the quarters add up to the full year (warning: a source inconsistency).",
)
def check_capex_quarterly_adds_up(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        actuals = _query(con, settings.read_sql("marts/actual_figures.sql"))
        frame = read_table(con, "marts.capex_quarterly")
    return _check_result(*checks.quarters_add_up(frame, actuals), WARN)


@dg.asset_check(
    asset=CAPEX_GROUP_QUARTERLY,
    name=CAPEX_GROUP_UNIQUE,
    blocking=True,
    description="One row per (group_name, calendar_quarter).",
)
def check_capex_group_unique(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _check_result(
        *checks.one_row_per_key(
            _table(warehouse, "marts.capex_group_quarterly"), ["group_name", "calendar_quarter"]
        ),
        ERROR,
    )


@dg.asset_check(
    asset=CAPEX_GROUP_QUARTERLY,
    name=CAPEX_GROUP_SUM,
    blocking=True,
    additional_deps=[CAPEX_QUARTERLY],
    description="A complete quarter's MAMG total equals the sum of the four members in "
    "marts.capex_quarterly; a quarter with a member missing has a NULL total (no partial sums).",
)
def check_capex_group_sum(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        group = read_table(con, "marts.capex_group_quarterly")
        capex = read_table(con, "marts.capex_quarterly")
    return _check_result(*checks.group_totals_equal_members(group, capex), ERROR)


@dg.asset_check(
    asset=CAPEX_GROUP_QUARTERLY,
    name=CAPEX_GROUP_GROWTH,
    blocking=True,
    description="MAMG growth columns equal the growth recomputed from the totals; NULL when a "
    "total is.",
)
def check_capex_group_growth(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    frame = _table(warehouse, "marts.capex_group_quarterly")
    return _check_result(
        *checks.growth_matches_levels(
            frame, ["group_name"], "calendar_quarter", GROUP_GROWTH_PAIRS
        ),
        ERROR,
    )


@dg.asset_check(
    asset=CAPEX_GUIDANCE,
    name=CAPEX_GUIDANCE_UNIQUE,
    blocking=True,
    description="One row per (ticker, guided_period).",
)
def check_capex_guidance_unique(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _check_result(
        *checks.one_row_per_key(
            _table(warehouse, "marts.capex_guidance"), ["ticker", "guided_period"]
        ),
        ERROR,
    )


@dg.asset_check(
    asset=AI_REVENUE_QUARTERLY,
    name=AI_REVENUE_UNIQUE,
    blocking=True,
    description="One row per (ticker, fiscal_year, fiscal_quarter).",
)
def check_ai_revenue_unique(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _check_result(
        *checks.one_row_per_key(
            _table(warehouse, "marts.ai_revenue_quarterly"),
            ["ticker", "fiscal_year", "fiscal_quarter"],
        ),
        ERROR,
    )


@dg.asset_check(
    asset=AI_REVENUE_QUARTERLY,
    name=AI_REVENUE_GROWTH,
    blocking=True,
    description="Revenue / AI revenue / data-center growth columns equal the growth recomputed "
    "from "
    "the levels (previous fiscal quarter, same quarter a year earlier); NULL when a level is "
    "missing.",
)
def check_ai_revenue_growth(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    frame = _table(warehouse, "marts.ai_revenue_quarterly")
    return _check_result(
        *checks.growth_matches_levels(
            frame, ["ticker"], ("fiscal_year", "fiscal_quarter"), AI_GROWTH_PAIRS
        ),
        ERROR,
    )


@dg.asset_check(
    asset=CLAIM_FACTS,
    name=CLAIM_FACTS_UNIQUE,
    blocking=True,
    description="One fact per (entity, metric, period, claim_id), so every claim joins to at most "
    "one marts fact.",
)
def check_claim_facts_unique(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    frame = _table(warehouse, "marts.claim_facts").with_columns(pl.col("claim_id").fill_null(""))
    return _check_result(
        *checks.one_row_per_key(frame, ["entity", "metric", "period", "claim_id"]), ERROR
    )


@dg.asset_check(
    asset=CLAIM_CHECKS,
    name=CLAIM_CHECKS_COMPLETE,
    blocking=True,
    additional_deps=[RAW_CLAIMS],
    description="Exactly one row per claim of raw.claims.",
)
def check_claim_checks_complete(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        frame = read_table(con, "marts.claim_checks")
        claims = read_table(con, "raw.claims")
    return _check_result(*checks.every_claim_checked(frame, claims), ERROR)


@dg.asset_check(
    asset=CLAIM_CHECKS,
    name=CLAIM_CHECKS_CONTRADICTED,
    description="Lists every claim the warehouse contradicts (a warning, not a failure: the "
    "reports "
    "may be wrong). Passes only when no claim is contradicted.",
)
def check_claim_checks_contradicted(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _check_result(*checks.contradicted_claims(_table(warehouse, "marts.claim_checks")), WARN)


MARTS_ASSETS: list[dg.AssetsDefinition] = [
    capex_quarterly,
    capex_group_quarterly,
    capex_guidance,
    ai_revenue_quarterly,
    claim_facts,
    claim_checks,
]
MARTS_CHECKS: list[dg.AssetChecksDefinition] = [
    check_capex_quarterly_unique,
    check_capex_quarterly_growth,
    check_capex_quarterly_adds_up,
    check_capex_group_unique,
    check_capex_group_sum,
    check_capex_group_growth,
    check_capex_guidance_unique,
    check_ai_revenue_unique,
    check_ai_revenue_growth,
    check_claim_facts_unique,
    check_claim_checks_complete,
    check_claim_checks_contradicted,
]
