"""One pandera model per marts table: the single definition of its schema.

Each model validates the computed frame before it is written, and feeds the table's
DuckDB ``COMMENT ON`` (``pipelines.metadata.table_doc``) and Dagster's
``dagster/column_schema`` (``pipelines.metadata.column_schema``).
"""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa

CALENDAR_QUARTER = r"^\d{4}Q[1-4]$"
CLAIM_STATUSES = ["confirmed", "contradicted", "not_computable"]
FACT_BASES = ["warehouse", "seed_internal"]
FACT_COMPARISONS = ["equal", "upper_bound", "lower_bound"]
EXPECTATION_TIMINGS = [
    "on_or_before_results",
    "quoted_after_results",
    "undated_before_results",
    "latest_available",
]
SURPRISE_STATUSES = [
    "beat",
    "miss",
    "in_line",
    "stale_consensus",
    "undated_consensus",
    "no_consensus",
    "not_reported",
]
DATE_BASES = ["given_on", "given_before", "document_date"]


# ------------------------------------------------------------------ capex_quarterly
class CapexQuarterlyModel(pa.DataFrameModel):
    """Capex per company and calendar quarter, with growth, derived quarters marked."""

    ticker: str = pa.Field(description="Company ticker (raw.companies with a capex_metric)")
    calendar_quarter: str = pa.Field(
        str_matches=CALENDAR_QUARTER,
        description="Calendar quarter the fiscal quarter is compared on (the one holding its "
        "midpoint), e.g. 2025Q2",
    )
    fiscal_year: int = pa.Field(
        description="Company fiscal year (named by the calendar year it ends in)"
    )
    fiscal_quarter: int = pa.Field(isin=[1, 2, 3, 4], description="Company fiscal quarter")
    period_start: dt.date = pa.Field(
        description="First day of the fiscal quarter (fiscal calendar)"
    )
    period_end: dt.date = pa.Field(description="Last day of the fiscal quarter (fiscal calendar)")
    capex_usd_m: float = pa.Field(
        nullable=True,
        description="Cash capex of the quarter, USD m, in the company's definition "
        "(capex_definition); "
        "NULL when no reported or derivable figure exists (see missing_reason)",
    )
    capex_definition: str = pa.Field(
        description="The company's capex definition (raw.companies.capex_definition), e.g. "
        "cash_additions_to_pp_e, cash_purchases_pp_e, cash_purchases_pp_e_net_of_proceeds "
        "(purchases minus proceeds from sales and incentives)",
    )
    capex_is_derived: bool = pa.Field(
        nullable=True,
        description="True when capex_usd_m was computed (a quarter from year-to-date / full-year "
        "figures, "
        "or purchases minus proceeds) rather than reported as a discrete quarter",
    )
    capex_derivation: str = pa.Field(
        nullable=True, description="How a derived capex_usd_m was computed, with the figures"
    )
    missing_reason: str = pa.Field(nullable=True, description="Why capex_usd_m is NULL")
    capex_qoq_pct: float = pa.Field(
        nullable=True,
        description="Growth vs the previous calendar quarter, % (NULL if either is missing)",
    )
    capex_yoy_pct: float = pa.Field(
        nullable=True,
        description="Growth vs the same calendar quarter a year earlier, % (NULL if either is "
        "missing)",
    )
    capex_ttm_usd_m: float = pa.Field(
        nullable=True,
        description="Sum of the last four calendar quarters, USD m (NULL if any is missing)",
    )
    capex_ttm_yoy_pct: float = pa.Field(
        nullable=True, description="Growth of capex_ttm_usd_m vs four quarters earlier, %"
    )
    capex_purchases_gross_usd_m: float = pa.Field(
        nullable=True,
        description="Companies whose capex is net of proceeds: gross purchases of property "
        "and equipment, USD m",
    )
    proceeds_pp_e_usd_m: float = pa.Field(
        nullable=True,
        description="Proceeds from property and equipment sales and incentives, USD m, where "
        "reported",
    )
    capex_purchases_gross_yoy_pct: float = pa.Field(
        nullable=True, description="YoY growth of gross purchases, %"
    )
    capex_incl_finance_leases_usd_m: float = pa.Field(
        nullable=True,
        description="Company KPI 'capital expenditures including finance leases', USD m, where "
        "reported",
    )
    capex_incl_finance_leases_is_derived: bool = pa.Field(
        nullable=True,
        description="True when capex_incl_finance_leases_usd_m was derived from YTD / FY figures",
    )
    capex_incl_finance_leases_yoy_pct: float = pa.Field(
        nullable=True, description="YoY growth of capex incl. finance leases, %"
    )
    revenue_usd_m: float = pa.Field(
        nullable=True, description="Total revenue of the quarter, USD m, where known"
    )
    capex_to_revenue_pct: float = pa.Field(
        nullable=True, description="capex_usd_m / revenue_usd_m, %"
    )
    capex_to_revenue_change_pct_points: float = pa.Field(
        nullable=True,
        description="Change of capex_to_revenue_pct vs the previous calendar quarter, percentage "
        "points",
    )

    class Config:
        strict = True
        unique = ["ticker", "calendar_quarter"]
        description = (
            "Capex per company and calendar quarter, USD m: cash capex in each "
            "company's definition, growth QoQ / YoY / trailing twelve months, capex including "
            "finance "
            "leases where reported, and capex intensity. Quarters only reported as year-to-date or "
            "full-year figures are derived (capex_is_derived, capex_derivation)."
        )


# ------------------------------------------------------------------ capex_guidance
class CapexGuidanceMartModel(pa.DataFrameModel):
    """Latest capex guidance per company and guided period, its revision and what it implies."""

    ticker: str = pa.Field(description="Company ticker")
    guided_period: str = pa.Field(
        str_matches=r"^FY\d{4}(Q[1-4])?$",
        description="Guided fiscal period, e.g. FY2025 or FY2026Q1",
    )
    basis: str = pa.Field(
        isin=["fy", "discrete"], description="fy (full fiscal year) or discrete (a quarter)"
    )
    period_start: dt.date = pa.Field(description="First day of the guided period")
    period_end: dt.date = pa.Field(description="Last day of the guided period")
    statements: int = pa.Field(ge=1, description="Guidance statements on file for this period")
    capex_definition: str = pa.Field(
        description="Definition of the latest guidance: cash_pp_e, incl_finance_leases, unspecified"
    )
    qualifier: str = pa.Field(nullable=True, description="about, more_than, ... as stated")
    low_usd_m: float = pa.Field(
        nullable=True, description="Latest guidance, low end (or 'more than' bound), USD m"
    )
    mid_usd_m: float = pa.Field(
        nullable=True, description="Latest guidance, point estimate as stated, USD m"
    )
    high_usd_m: float = pa.Field(nullable=True, description="Latest guidance, high end, USD m")
    point_usd_m: float = pa.Field(
        nullable=True,
        description="Point used for comparisons: mid, else midpoint of low-high, else the bound",
    )
    point_method: str = pa.Field(
        description="stated_mid, midpoint_of_range, lower_bound or upper_bound"
    )
    given_on: dt.date = pa.Field(
        nullable=True, description="Date the latest guidance was given, when known"
    )
    date_basis: str = pa.Field(
        isin=DATE_BASES,
        description="What dates the latest statement: given_on, given_before (known to predate "
        "a later statement) or document_date (undated: ordered by the reporting document's date)",
    )
    known_since: dt.date = pa.Field(
        nullable=True,
        description="First date the latest statement is known to have been public",
    )
    given_before: dt.date = pa.Field(
        nullable=True,
        description="When given_on is unknown: a date the latest guidance is known to predate",
    )
    source_title: str = pa.Field(description="Source of the latest guidance")
    from_seed: bool = pa.Field(
        description="True when the latest guidance is known only from a seed article"
    )
    previous_low_usd_m: float = pa.Field(
        nullable=True, description="Previous guidance, low end, USD m"
    )
    previous_mid_usd_m: float = pa.Field(
        nullable=True, description="Previous guidance, point estimate, USD m"
    )
    previous_high_usd_m: float = pa.Field(
        nullable=True, description="Previous guidance, high end, USD m"
    )
    previous_point_usd_m: float = pa.Field(
        nullable=True, description="Previous guidance, comparison point, USD m"
    )
    previous_given_on: dt.date = pa.Field(
        nullable=True, description="Date the previous guidance was given, when known"
    )
    previous_given_before: dt.date = pa.Field(
        nullable=True,
        description="When previous_given_on is unknown: a date the previous guidance predates",
    )
    previous_capex_definition: str = pa.Field(
        nullable=True, description="Definition of the previous guidance"
    )
    previous_source_title: str = pa.Field(
        nullable=True, description="Source of the previous guidance"
    )
    previous_from_seed: bool = pa.Field(
        nullable=True,
        description="True when the previous guidance is known only from a seed article",
    )
    revision_low_usd_m: float = pa.Field(
        nullable=True, description="Latest minus previous low end, USD m"
    )
    revision_high_usd_m: float = pa.Field(
        nullable=True, description="Latest minus previous high end, USD m"
    )
    revision_point_usd_m: float = pa.Field(
        nullable=True, description="Latest minus previous point, USD m"
    )
    revision_point_pct: float = pa.Field(nullable=True, description="Revision of the point, %")
    actuals_metric: str = pa.Field(
        description="Reported capex compared with the guidance: cash (the company's capex in "
        "marts.capex_quarterly) "
        "or incl_finance_leases; unspecified guidance is compared with cash capex"
    )
    quarters_in_period: int = pa.Field(isin=[1, 4], description="Quarters in the guided period")
    quarters_reported: int = pa.Field(
        ge=0, le=4, description="Quarters of the period with reported (or derived) capex"
    )
    reported_to_date_usd_m: float = pa.Field(
        nullable=True,
        description="Capex reported so far in the period, USD m (NULL if a reported quarter is "
        "missing)",
    )
    last_reported_quarter: str = pa.Field(
        nullable=True,
        description="Latest fiscal quarter reported in or before the period, e.g. FY2025Q2",
    )
    last_reported_quarter_usd_m: float = pa.Field(
        nullable=True, description="Capex of that quarter, USD m"
    )
    implied_remaining_low_usd_m: float = pa.Field(
        nullable=True,
        description="Low end minus capex reported so far, USD m (NULL once the period is fully "
        "reported)",
    )
    implied_remaining_point_usd_m: float = pa.Field(
        nullable=True, description="Point minus capex reported so far, USD m"
    )
    implied_remaining_high_usd_m: float = pa.Field(
        nullable=True, description="High end minus capex reported so far, USD m"
    )
    implied_per_quarter_point_usd_m: float = pa.Field(
        nullable=True, description="implied_remaining_point_usd_m per remaining quarter, USD m"
    )
    implied_per_quarter_vs_last_pct: float = pa.Field(
        nullable=True, description="Implied quarterly capex vs the last reported quarter, %"
    )
    reported_vs_point_pct: float = pa.Field(
        nullable=True,
        description="When the period is fully reported: reported capex vs the guidance point, %",
    )

    class Config:
        strict = True
        unique = ["ticker", "guided_period"]
        description = (
            "Capex guidance per company and guided period: the latest statement (low, mid, high), "
            "the previous one and the revision, and what the latest implies for the rest of the "
            "period against capex reported so far. Statements are ordered by coalesce(given_on, "
            "given_before - 1 day), so prior guidance known only from a later article sorts first."
        )


# ------------------------------------------------------------- ai_revenue_quarterly
class AiRevenueQuarterlyModel(pa.DataFrameModel):
    """AI-exposed companies per fiscal quarter: revenue, AI revenue, consensus, guidance."""

    ticker: str = pa.Field(
        description="Company with an AI or data-center revenue figure or expectation"
    )
    fiscal_year: int = pa.Field(description="Company fiscal year (raw.companies.fiscal_calendar)")
    fiscal_quarter: int = pa.Field(isin=[1, 2, 3, 4], description="Fiscal quarter")
    calendar_quarter: str = pa.Field(
        str_matches=CALENDAR_QUARTER,
        description="Calendar quarter holding the fiscal quarter's midpoint",
    )
    period_start: dt.date = pa.Field(description="First day of the fiscal quarter")
    period_end: dt.date = pa.Field(description="Last day of the fiscal quarter")
    is_reported: bool = pa.Field(
        description="True when the quarter's results are out (any actual figure exists)"
    )
    results_date: dt.date = pa.Field(
        nullable=True,
        description="Date results were published (earliest publication of the quarter's actuals)",
    )
    revenue_usd_m: float = pa.Field(nullable=True, description="Total revenue, USD m")
    ai_revenue_usd_m: float = pa.Field(
        nullable=True,
        description="AI revenue as reported by the company (e.g. AI semiconductor revenue), USD m",
    )
    ai_revenue_share_pct: float = pa.Field(
        nullable=True, description="ai_revenue_usd_m / revenue_usd_m, %"
    )
    data_center_revenue_usd_m: float = pa.Field(
        nullable=True, description="Data-center segment revenue, USD m"
    )
    data_center_revenue_share_pct: float = pa.Field(
        nullable=True, description="data_center_revenue_usd_m / revenue_usd_m, %"
    )
    revenue_qoq_pct: float = pa.Field(
        nullable=True, description="Revenue growth vs the previous fiscal quarter, %"
    )
    revenue_yoy_pct: float = pa.Field(
        nullable=True, description="Revenue growth vs the same fiscal quarter a year earlier, %"
    )
    ai_revenue_qoq_pct: float = pa.Field(
        nullable=True, description="AI revenue growth vs the previous fiscal quarter, %"
    )
    ai_revenue_yoy_pct: float = pa.Field(
        nullable=True, description="AI revenue growth vs the same fiscal quarter a year earlier, %"
    )
    data_center_revenue_qoq_pct: float = pa.Field(
        nullable=True, description="Data-center revenue growth vs the previous fiscal quarter, %"
    )
    data_center_revenue_yoy_pct: float = pa.Field(
        nullable=True, description="Data-center revenue growth vs a year earlier, %"
    )
    revenue_consensus_usd_m: float = pa.Field(
        nullable=True,
        description="Revenue consensus compared with (see revenue_consensus_timing), USD m",
    )
    revenue_consensus_published: dt.date = pa.Field(
        nullable=True, description="Date of that consensus figure"
    )
    revenue_consensus_timing: str = pa.Field(
        nullable=True,
        isin=EXPECTATION_TIMINGS,
        description="on_or_before_results (preferred), quoted_after_results (quoted within 7 days "
        "after results), undated_before_results (undated, its document dated on or before the "
        "results), latest_available (not reported yet)",
    )
    revenue_consensus_source: str = pa.Field(
        nullable=True, description="Source title of that consensus"
    )
    revenue_consensus_from_seed: bool = pa.Field(
        nullable=True, description="True when that consensus is known only from a seed article"
    )
    revenue_consensus_compiled_by: str = pa.Field(
        nullable=True, description="Who compiled that consensus (LSEG, FactSet, ...), if stated"
    )
    revenue_consensus_age_days: int = pa.Field(
        nullable=True,
        description="Days from that consensus' date to the results date (negative: quoted after)",
    )
    revenue_surprise_pct: float = pa.Field(
        nullable=True, description="revenue_usd_m vs revenue_consensus_usd_m, %"
    )
    revenue_surprise_status: str = pa.Field(
        isin=SURPRISE_STATUSES,
        description="beat / miss / in_line, or stale_consensus (older than "
        "LEDGER_CONSENSUS_MAX_AGE_DAYS, default 45, at the results), undated_consensus, "
        "no_consensus, not_reported",
    )
    ai_revenue_consensus_usd_m: float = pa.Field(
        nullable=True, description="AI revenue consensus, USD m"
    )
    ai_revenue_consensus_published: dt.date = pa.Field(
        nullable=True, description="Date of that consensus"
    )
    ai_revenue_consensus_timing: str = pa.Field(
        nullable=True, isin=EXPECTATION_TIMINGS, description="As revenue_consensus_timing"
    )
    ai_revenue_consensus_source: str = pa.Field(
        nullable=True, description="Source title of that consensus"
    )
    ai_revenue_consensus_from_seed: bool = pa.Field(
        nullable=True, description="True when that consensus is known only from a seed article"
    )
    ai_revenue_consensus_age_days: int = pa.Field(
        nullable=True, description="Days from that consensus' date to the results date"
    )
    ai_revenue_surprise_pct: float = pa.Field(
        nullable=True, description="ai_revenue_usd_m vs ai_revenue_consensus_usd_m, %"
    )
    ai_revenue_surprise_status: str = pa.Field(
        isin=SURPRISE_STATUSES, description="As revenue_surprise_status, for AI revenue"
    )
    ai_revenue_estimate_usd_m: float = pa.Field(
        nullable=True,
        description="One analyst's AI-revenue ESTIMATE (for a company which "
        "does not report AI revenue), USD m; not an actual",
    )
    ai_revenue_estimate_source: str = pa.Field(
        nullable=True, description="Source title of the estimate"
    )
    ai_revenue_estimate_from_seed: bool = pa.Field(
        nullable=True, description="True when the estimate is known only from a seed article"
    )
    revenue_guidance_usd_m: float = pa.Field(
        nullable=True,
        description="Company revenue guidance for this quarter (given before its results), USD m",
    )
    revenue_guidance_published: dt.date = pa.Field(
        nullable=True, description="Date that guidance was given"
    )
    revenue_vs_guidance_pct: float = pa.Field(
        nullable=True, description="revenue_usd_m vs revenue_guidance_usd_m, %"
    )
    ai_revenue_guidance_usd_m: float = pa.Field(
        nullable=True, description="Company AI-revenue guidance for this quarter, USD m"
    )
    ai_revenue_guidance_published: dt.date = pa.Field(
        nullable=True, description="Date that guidance was given"
    )
    next_q_revenue_guidance_usd_m: float = pa.Field(
        nullable=True,
        description="Revenue guidance for the next fiscal quarter given with this quarter's "
        "results, USD m",
    )
    next_q_revenue_consensus_usd_m: float = pa.Field(
        nullable=True,
        description="Next-quarter revenue consensus at the time (same rule as the quarter's own "
        "consensus), USD m",
    )
    next_q_revenue_consensus_published: dt.date = pa.Field(
        nullable=True, description="Date of that consensus"
    )
    next_q_guidance_vs_consensus_pct: float = pa.Field(
        nullable=True,
        description="next_q_revenue_guidance_usd_m vs next_q_revenue_consensus_usd_m, %",
    )
    next_q_ai_revenue_guidance_usd_m: float = pa.Field(
        nullable=True,
        description="AI-revenue guidance for the next quarter given with this quarter's results, "
        "USD m",
    )
    next_q_ai_revenue_consensus_usd_m: float = pa.Field(
        nullable=True, description="Next-quarter AI-revenue consensus at the time, USD m"
    )
    next_q_ai_guidance_vs_consensus_pct: float = pa.Field(
        nullable=True, description="AI guidance vs AI consensus for the next quarter, %"
    )
    eps_adjusted_usd: float = pa.Field(
        nullable=True, description="Adjusted EPS as reported, USD per share"
    )
    eps_consensus_usd: float = pa.Field(
        nullable=True, description="EPS consensus compared with, USD per share"
    )
    eps_consensus_published: dt.date = pa.Field(
        nullable=True, description="Date of that EPS consensus"
    )
    eps_consensus_from_seed: bool = pa.Field(
        nullable=True, description="True when that EPS consensus is known only from a seed article"
    )
    eps_consensus_age_days: int = pa.Field(
        nullable=True, description="Days from that consensus' date to the results date"
    )
    eps_surprise_pct: float = pa.Field(
        nullable=True, description="eps_adjusted_usd vs eps_consensus_usd, %"
    )
    eps_surprise_status: str = pa.Field(
        isin=SURPRISE_STATUSES, description="As revenue_surprise_status, for EPS"
    )

    class Config:
        strict = True
        unique = ["ticker", "fiscal_year", "fiscal_quarter"]
        description = (
            "Companies with AI or data-center revenue, per fiscal quarter: revenue, AI revenue, "
            "data-center revenue and analyst AI-revenue estimates marked as such, growth, "
            "surprise vs the consensus in force at the results date (with its age and a status "
            "that flags a stale or undated consensus), and next-quarter guidance vs consensus. "
            "USD m."
        )


# ---------------------------------------------------------------------- claim facts
class ClaimFactsModel(pa.DataFrameModel):
    """Figures the warehouse computes, in the claims' vocabulary, for marts.claim_checks."""

    entity: str = pa.Field(description="Entity as in raw.claims (ticker, group name, chip, ...)")
    metric: str = pa.Field(
        description="Metric as in raw.claims, unit suffix included (capex_usd_bn, capex_yoy_pct, "
        "...)"
    )
    period: str = pa.Field(
        description="Period as in raw.claims (2025Q2, 2025, FY2025Q3, 2025Q1-2025Q2, ...)"
    )
    computed_value: float = pa.Field(
        nullable=True,
        description="The computed figure in unit; NULL = the warehouse cannot compute it (method "
        "says why)",
    )
    unit: str = pa.Field(description="Unit as in raw.claims (USD_bn, percent, pct_points, x, ...)")
    method: str = pa.Field(
        description="How the figure was computed, with its inputs; or why it cannot be"
    )
    claim_id: str = pa.Field(
        nullable=True,
        description="Set when the fact applies to one claim only (a check against the claim's own "
        "related figures)",
    )
    basis: str = pa.Field(
        isin=FACT_BASES,
        description="warehouse (computed from sourced raw data) or seed_internal (from the "
        "claims' own related figures)",
    )
    comparison: str = pa.Field(
        isin=FACT_COMPARISONS,
        description="equal; upper_bound / lower_bound: the stated value must not exceed / fall "
        "below computed_value",
    )
    as_of: dt.date = pa.Field(
        nullable=True,
        description="NULL: computed from everything the warehouse holds (today); a date: "
        "computed only from figures known to be public on that date (a claim's date)",
    )

    class Config:
        strict = True
        unique = ["entity", "metric", "period", "claim_id", "as_of"]
        description = (
            "Claim facts of the marts domain: capex totals and growth, AI-revenue figures, "
            "guidance, "
            "capex intensity, and the seed's internal consistency checks, keyed like "
            "raw.claims "
            "(entity, metric, period) so marts.claim_checks can join them."
        )


# --------------------------------------------------------------------- claim checks
class ClaimChecksModel(pa.DataFrameModel):
    """Every claim of raw.claims with the warehouse's figure and a verdict."""

    claim_id: str = pa.Field(unique=True, description="Claim id (raw.claims)")
    source: str = pa.Field(description="Article number, publisher and date of the claim")
    article_no: int = pa.Field(description="Seed article number")
    entity: str = pa.Field(description="Entity (raw.claims)")
    metric: str = pa.Field(description="Metric (raw.claims)")
    period: str = pa.Field(description="Period (raw.claims)")
    stated_value: float = pa.Field(description="Value as printed, in unit")
    qualifier: str = pa.Field(nullable=True, description="about, more_than, nearly, ... as printed")
    decimals: int = pa.Field(description="Decimals printed; sets the tolerance")
    computed_value: float = pa.Field(nullable=True, description="The warehouse's figure, in unit")
    unit: str = pa.Field(description="Unit of stated_value and computed_value")
    difference: float = pa.Field(
        nullable=True, description="computed_value - stated_value, in unit"
    )
    tolerance: float = pa.Field(
        nullable=True,
        description="Allowed difference: half a unit of the last printed decimal, widened for "
        "about / nearly",
    )
    tolerance_rule: str = pa.Field(
        nullable=True, description="How the comparison was made (two-sided, at least, at most, ...)"
    )
    status: str = pa.Field(
        isin=CLAIM_STATUSES, description="confirmed, contradicted or not_computable"
    )
    reason: str = pa.Field(description="Why: the comparison made, or why it cannot be made")
    fact_domain: str = pa.Field(
        nullable=True, description="Which claim-facts table supplied the figure: marts or tco"
    )
    fact_basis: str = pa.Field(
        nullable=True,
        description="warehouse (sourced raw data) or seed_internal (the claim's own related "
        "figures)",
    )
    fact_method: str = pa.Field(nullable=True, description="How the figure was computed")
    other_facts: str = pa.Field(
        nullable=True, description="Other computed figures for the same claim that were not used"
    )
    meaning_en: str = pa.Field(description="What the claim says, in English")
    claim_date: dt.date = pa.Field(description="Day the claim was published")
    status_as_of_claim: str = pa.Field(
        isin=CLAIM_STATUSES,
        description="Verdict using only figures known to be public on claim_date",
    )
    computed_value_as_of_claim: float = pa.Field(
        nullable=True, description="The warehouse's figure as known on claim_date, in unit"
    )
    difference_as_of_claim: float = pa.Field(
        nullable=True, description="computed_value_as_of_claim - stated_value"
    )
    reason_as_of_claim: str = pa.Field(description="Why, as of claim_date")
    verdict_changed: bool = pa.Field(
        description="True when status (today) differs from status_as_of_claim"
    )
    change_reason: str = pa.Field(
        nullable=True,
        description="Why today's verdict or figure differs from the one as of the claim's date "
        "(restated figures, or computable only with later figures)",
    )

    class Config:
        strict = True
        description = (
            "Every claim of the seed articles (raw.claims) checked against the warehouse twice, "
            "as of the claim's date and as of today (status, computed_value: today): the "
            "stated value, "
            "the computed value, difference, tolerance and status confirmed / contradicted / "
            "not_computable "
            "with the reason. Claims are only compared, never used as outputs."
        )
