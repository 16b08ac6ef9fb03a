"""Marts: capex growth, company and group tables, capex guidance, AI revenue, claim checks.

Nine tables in schema ``marts``, one asset each (group ``marts``). Every table is computed
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

from pipelines.marts import checks
from pipelines.marts import lineage as column_lineage
from pipelines.marts.build import Inputs, Marts, actual_figures, build_ai_revenue, build_marts
from pipelines.marts.build import known_on as inputs_known_on
from pipelines.marts.capex import DERIVABLE_METRICS, build_capex_quarterly
from pipelines.marts.claim_checks import build_claim_checks_as_of, claim_date, normalize_facts
from pipelines.marts.claims import (
    ai_revenue_facts,
    capex_facts,
    facts_frame,
    guidance_facts,
    seed_internal_facts,
)
from pipelines.marts.company import build_company_quarterly
from pipelines.marts.company_models import (
    CompanyQuarterlyModel,
    GroupMemberQuarterlyModel,
    GroupQuarterlyModel,
)
from pipelines.marts.group import build_group_quarterly
from pipelines.marts.guidance import build_capex_guidance
from pipelines.marts.models import (
    AiRevenueQuarterlyModel,
    CapexGuidanceMartModel,
    CapexQuarterlyModel,
    ClaimChecksModel,
    ClaimFactsModel,
)
from pipelines.metadata import OWNERS, column_schema, markdown_preview
from pipelines.publish import publish
from pipelines.warehouse import WarehouseResource
from pipelines.warehouse.tables import read_table

GROUP = "marts"

RAW_COMPANIES = dg.AssetKey(["raw", "companies"])
RAW_GROUP_MEMBERS = dg.AssetKey(["raw", "group_members"])
RAW_FINANCIALS = dg.AssetKey(["raw", "financials"])
RAW_GUIDANCE = dg.AssetKey(["raw", "capex_guidance"])
RAW_CLAIMS = dg.AssetKey(["raw", "claims"])
CAPEX_QUARTERLY = dg.AssetKey(["marts", "capex_quarterly"])
COMPANY_QUARTERLY = dg.AssetKey(["marts", "company_quarterly"])
GROUP_QUARTERLY = dg.AssetKey(["marts", "group_quarterly"])
GROUP_MEMBER_QUARTERLY = dg.AssetKey(["marts", "group_member_quarterly"])
CAPEX_GUIDANCE = dg.AssetKey(["marts", "capex_guidance"])
AI_REVENUE_QUARTERLY = dg.AssetKey(["marts", "ai_revenue_quarterly"])
CLAIM_FACTS = dg.AssetKey(["marts", "claim_facts"])
CLAIM_CHECKS = dg.AssetKey(["marts", "claim_checks"])
#: Published by the TCO domain (same columns as marts.claim_facts); read if it exists.
TCO_CLAIM_FACTS = dg.AssetKey(["tco", "claim_facts"])

# ----------------------------------------------------------------- check names
CAPEX_QUARTERLY_UNIQUE = "capex_quarterly_one_row_per_ticker_quarter"
CAPEX_QUARTERLY_GROWTH = "capex_quarterly_growth_matches_levels"
QUARTERS_ADD_UP = "company_quarterly_reported_quarters_add_up_to_full_year"
COMPANY_UNIQUE = "company_quarterly_one_row_per_ticker_metric_quarter"
GROUP_UNIQUE = "group_quarterly_one_row_per_group_metric_quarter"
GROUP_SUM = "group_quarterly_total_equals_sum_of_members"
GROUP_GROWTH = "group_quarterly_growth_matches_levels"
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
    ("qoq_pct", "total_usd_m", 1),
    ("yoy_pct", "total_usd_m", 4),
    ("ttm_yoy_pct", "ttm_usd_m", 4),
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
def _rules(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT ticker, fiscal_calendar FROM raw.companies").fetchall())


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
        "Capex per company and calendar quarter, USD m, for every company of raw.companies with "
        "a capex definition: its cash capex in its own definition (e.g. purchases net of "
        "proceeds). Quarters "
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
        inputs = Inputs.read(con)
        actuals = actual_figures(con, inputs.financials)
        frame = build_capex_quarterly(actuals, inputs.company_map)
        derived = frame.filter(pl.col("capex_is_derived").fill_null(False))
        missing = frame.filter(pl.col("capex_usd_m").is_null())
        context.log.info(f"{frame.height} rows; {derived.height} derived; {missing.height} missing")
        lineage = column_lineage.capex_quarterly()
        return publish(
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
        COMPANY_QUARTERLY,
        CompanyQuarterlyModel,
        [CAPEX_QUARTERLY, RAW_FINANCIALS, RAW_COMPANIES],
        "Every company's quarterly figures in one long table, USD m: capex (each company's own "
        "definition, from marts.capex_quarterly) and every flow metric of raw.financials "
        "(revenue, AI and data-center revenue, operating cash flow, depreciation and "
        "amortization), one row per company, metric and calendar quarter from the company's "
        "first to its last quarter with the metric; derived quarters marked, gaps with the "
        "reason.",
        ["actual_figures.sql"],
    )
)
def company_quarterly(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        inputs = Inputs.read(con)
        actuals = actual_figures(con, inputs.financials)
        frame = build_company_quarterly(
            actuals, inputs.company_map, read_table(con, "marts.capex_quarterly")
        )
        context.log.info(f"{frame.height} company-metric-quarter rows")
        return publish(
            con, COMPANY_QUARTERLY, frame, CompanyQuarterlyModel, column_lineage.company_quarterly()
        )


def _groups(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    return build_group_quarterly(
        read_table(con, "marts.company_quarterly"), read_table(con, "raw.group_members")
    )


@dg.asset(
    **_asset_kwargs(
        GROUP_QUARTERLY,
        GroupQuarterlyModel,
        [COMPANY_QUARTERLY, RAW_GROUP_MEMBERS],
        "Every group of raw.groups (any named set of companies), per metric (capex, revenue, "
        "operating cash flow, depreciation and amortization) and calendar quarter, USD m: the "
        "sum of the members' figures only when every member has the quarter (is_complete); "
        "otherwise NULL with the members missing and why, never a partial sum. QoQ / YoY / TTM "
        "growth.",
        [],
    )
)
def group_quarterly(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        frame, _ = _groups(con)
        incomplete = frame.filter(~pl.col("is_complete"))
        context.log.info(f"{frame.height} rows, {incomplete.height} incomplete")
        return publish(
            con,
            GROUP_QUARTERLY,
            frame,
            GroupQuarterlyModel,
            column_lineage.group_quarterly(),
            {"incomplete_rows": incomplete.height},
        )


@dg.asset(
    **_asset_kwargs(
        GROUP_MEMBER_QUARTERLY,
        GroupMemberQuarterlyModel,
        [GROUP_QUARTERLY, COMPANY_QUARTERLY, RAW_GROUP_MEMBERS],
        "Each member of every group per metric and calendar quarter: its figure, definition "
        "and share of the group total (marts.group_quarterly), or why it is missing.",
        [],
    )
)
def group_member_quarterly(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        _, frame = _groups(con)
        return publish(
            con,
            GROUP_MEMBER_QUARTERLY,
            frame,
            GroupMemberQuarterlyModel,
            column_lineage.group_member_quarterly(),
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
        return publish(con, CAPEX_GUIDANCE, frame, CapexGuidanceMartModel, lineage)


@dg.asset(
    **_asset_kwargs(
        AI_REVENUE_QUARTERLY,
        AiRevenueQuarterlyModel,
        [RAW_FINANCIALS, RAW_COMPANIES],
        "Every company with AI or data-center revenue (figures or expectations), per fiscal "
        "quarter, USD m: revenue, AI revenue, data-center revenue, growth, surprise against the "
        "consensus in force at the results date (with that consensus' date, age and a status "
        "that flags a stale or undated consensus), guidance, and next-quarter guidance vs "
        "consensus. AI revenue known only as an analyst estimate is in its own column.",
        ["actual_figures.sql", "pick_expectation.sql"],
    )
)
def ai_revenue_quarterly(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        inputs = Inputs.read(con)
        frame = build_ai_revenue(con, inputs, actual_figures(con, inputs.financials))
        lineage = column_lineage.ai_revenue_quarterly()
        context.log.info(f"{frame.height} fiscal quarters")
        return publish(con, AI_REVENUE_QUARTERLY, frame, AiRevenueQuarterlyModel, lineage)


def _facts(marts: Marts, rules: dict[str, str], claims: pl.DataFrame) -> pl.DataFrame:
    facts = (
        capex_facts(
            marts.capex_quarterly, marts.group_quarterly, rules, marts.group_member_quarterly
        )
        + guidance_facts(marts.capex_guidance, rules)
        + ai_revenue_facts(marts.ai_revenue_quarterly, rules)
    )
    facts += seed_internal_facts(claims, facts)
    return facts_frame(facts)


@dg.asset(
    **_asset_kwargs(
        CLAIM_FACTS,
        ClaimFactsModel,
        [
            CAPEX_QUARTERLY,
            GROUP_QUARTERLY,
            GROUP_MEMBER_QUARTERLY,
            CAPEX_GUIDANCE,
            AI_REVENUE_QUARTERLY,
            RAW_CLAIMS,
            RAW_COMPANIES,
            RAW_FINANCIALS,
            RAW_GUIDANCE,
            RAW_GROUP_MEMBERS,
        ],
        "The marts domain's claim facts: figures computed by the warehouse, spelled in the claims' "
        "vocabulary (entity, metric, period, unit) so marts.claim_checks can join them: capex "
        "totals and growth per company and group, AI-revenue figures, guidance, capex intensity, "
        "and checks of claims against the seed's own related figures (CAGR, shares, ratios, "
        "conflicting articles): once from everything the warehouse holds (as_of NULL) and once "
        "per claim date from only the figures known on that date. A NULL computed_value "
        "means 'cannot be computed' and method says why. Other domains publish the same columns "
        "(tco.claim_facts).",
        [],
    )
)
def claim_facts(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        claims = read_table(con, "raw.claims")
        today = Marts(
            read_table(con, "marts.capex_quarterly"),
            read_table(con, "marts.company_quarterly"),
            read_table(con, "marts.group_quarterly"),
            read_table(con, "marts.group_member_quarterly"),
            read_table(con, "marts.capex_guidance"),
            read_table(con, "marts.ai_revenue_quarterly"),
        )
        inputs = Inputs.read(con)
        frames = [
            _facts(today, inputs.rules, claims).with_columns(pl.lit(None, pl.Date).alias("as_of"))
        ]
        for day in sorted({claim_date(d) for d in claims["publish_date"].to_list()}):
            then = build_marts(con, inputs_known_on(inputs, day))
            frames.append(
                _facts(then, inputs.rules, claims).with_columns(pl.lit(day).alias("as_of"))
            )
        frame = pl.concat(frames)
        lineage = column_lineage.claim_facts()
        context.log.info(
            f"{frame.height} facts, {frame.filter(pl.col('computed_value').is_null()).height} NULL"
        )
        return publish(con, CLAIM_FACTS, frame, ClaimFactsModel, lineage)


@dg.asset(
    **_asset_kwargs(
        CLAIM_CHECKS,
        ClaimChecksModel,
        [RAW_CLAIMS, CLAIM_FACTS, TCO_CLAIM_FACTS],
        "Every claim of the seed's reports (raw.claims) checked against the warehouse twice: as "
        "of the claim's date (facts from only the figures known then) and as of today, side by "
        "side, with verdict_changed and its reason. Each claim "
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
        marts_facts = read_table(con, "marts.claim_facts")
        tco_facts = normalize_facts(tco, "tco")

        def facts_at(day: object) -> pl.DataFrame:
            rows = marts_facts.filter(
                pl.col("as_of").is_null() if day is None else pl.col("as_of") == day
            ).drop("as_of")
            return pl.concat([normalize_facts(rows, "marts"), tco_facts])

        days = {d for d in marts_facts["as_of"].unique().to_list() if d is not None}
        frame = build_claim_checks_as_of(
            claims, facts_at(None), {d: facts_at(d) for d in days}, tco_present
        )
        counts = {
            s: frame.filter(pl.col("status") == s).height
            for s in ("confirmed", "contradicted", "not_computable")
        }
        context.log.info(
            f"claim checks: {counts}; tco.claim_facts {'read' if tco_present else 'absent'}"
        )
        lineage = column_lineage.claim_checks()
        changed = frame.filter(pl.col("verdict_changed")).height
        return publish(
            con,
            CLAIM_CHECKS,
            frame,
            ClaimChecksModel,
            lineage,
            {
                **{f"{k}_claims": v for k, v in counts.items()},
                "verdicts_changed_since_claim": changed,
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
    asset=COMPANY_QUARTERLY,
    name=QUARTERS_ADD_UP,
    additional_deps=[RAW_FINANCIALS],
    description="Where a company printed all four discrete quarters and the full year of a flow "
    "metric (capex, revenue, AI / data-center revenue, operating cash flow, D&A, ...), the "
    "quarters add up to the full year within the printed precision (warning: a source "
    "inconsistency or a mis-keyed figure).",
)
def check_quarters_add_up(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        inputs = Inputs.read(con)
        actuals = actual_figures(con, inputs.financials)
    return _check_result(*checks.quarters_add_up(actuals, DERIVABLE_METRICS), WARN)


@dg.asset_check(
    asset=COMPANY_QUARTERLY,
    name=COMPANY_UNIQUE,
    blocking=True,
    description="One row per (ticker, metric, calendar_quarter).",
)
def check_company_unique(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _check_result(
        *checks.one_row_per_key(
            _table(warehouse, "marts.company_quarterly"), ["ticker", "metric", "calendar_quarter"]
        ),
        ERROR,
    )


@dg.asset_check(
    asset=GROUP_QUARTERLY,
    name=GROUP_UNIQUE,
    blocking=True,
    description="One row per (group_name, metric, calendar_quarter).",
)
def check_group_unique(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _check_result(
        *checks.one_row_per_key(
            _table(warehouse, "marts.group_quarterly"), ["group_name", "metric", "calendar_quarter"]
        ),
        ERROR,
    )


@dg.asset_check(
    asset=GROUP_QUARTERLY,
    name=GROUP_SUM,
    blocking=True,
    additional_deps=[COMPANY_QUARTERLY, RAW_GROUP_MEMBERS],
    description="A complete quarter's group total equals the sum of its members (raw.group_members)"
    " in marts.company_quarterly; no quarter is reported complete with a member missing, and an "
    "incomplete one has a NULL total (no partial sums).",
)
def check_group_sum(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        group = read_table(con, "marts.group_quarterly")
        company = read_table(con, "marts.company_quarterly")
        members = read_table(con, "raw.group_members")
    return _check_result(*checks.group_totals_equal_members(group, company, members), ERROR)


@dg.asset_check(
    asset=GROUP_QUARTERLY,
    name=GROUP_GROWTH,
    blocking=True,
    description="Group growth columns equal the growth recomputed from the totals; NULL when a "
    "total is.",
)
def check_group_growth(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    frame = _table(warehouse, "marts.group_quarterly")
    return _check_result(
        *checks.growth_matches_levels(
            frame, ["group_name", "metric"], "calendar_quarter", GROUP_GROWTH_PAIRS
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
    description="One fact per (entity, metric, period, claim_id, as_of), so every claim joins to "
    "at most one marts fact today and one as of its date.",
)
def check_claim_facts_unique(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    frame = _table(warehouse, "marts.claim_facts").with_columns(
        pl.col("claim_id").fill_null(""), pl.col("as_of").cast(pl.Utf8).fill_null("today")
    )
    return _check_result(
        *checks.one_row_per_key(frame, ["entity", "metric", "period", "claim_id", "as_of"]), ERROR
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
    company_quarterly,
    group_quarterly,
    group_member_quarterly,
    capex_guidance,
    ai_revenue_quarterly,
    claim_facts,
    claim_checks,
]
MARTS_CHECKS: list[dg.AssetChecksDefinition] = [
    check_capex_quarterly_unique,
    check_capex_quarterly_growth,
    check_quarters_add_up,
    check_company_unique,
    check_group_unique,
    check_group_sum,
    check_group_growth,
    check_capex_guidance_unique,
    check_ai_revenue_unique,
    check_ai_revenue_growth,
    check_claim_facts_unique,
    check_claim_checks_complete,
    check_claim_checks_contradicted,
]
