"""Column lineage of the marts tables: for every column, the upstream columns it comes from.

One function per table returns its ``dagster/column_lineage``; the assets of
``pipelines/marts/assets.py`` attach it to each materialization. Conventions:

* A value read from the long table ``raw.financials`` names ``value`` and the columns that
  say which figure it is (``metric``, ``basis``, ``fiscal_year``, ``fiscal_quarter``,
  ``value_kind``) and which vintage or expectation was picked (``published``; for a
  consensus / estimate / guidance also ``source_url``, since a non-seed source wins a tie).
  Quarters derived from year-to-date figures also depend on ``source_note``: a figure noted
  as printed rounded is not used to derive one.
* Which statement of ``raw.capex_guidance`` is the latest (or the previous) is decided by
  ``given_on``, ``given_before``, ``reported_on`` and ``source_title``: every column taken
  from that statement names them.
* Plain join keys (the ticker a row belongs to) are not repeated on every value column.
* A column set by code alone (a label of the rule that produced a row) gets ``[]``.
"""

from __future__ import annotations

import dagster as dg

from pipelines.lineage import ColumnRef, column_lineage, passthrough

FIN = "raw/financials"
COMP = "raw/companies"
GUIDANCE = "raw/capex_guidance"
CLAIMS = "raw/claims"
CAPEX = "marts/capex_quarterly"
GROUP = "marts/group_quarterly"
COMPANY = "marts/company_quarterly"
MEMBERS_TABLE = "marts/group_member_quarterly"
GROUP_MEMBERS = "raw/group_members"
CAPEX_GUIDANCE = "marts/capex_guidance"
AI = "marts/ai_revenue_quarterly"
FACTS = "marts/claim_facts"
TCO_FACTS = "tco/claim_facts"


def _cols(asset: str, *columns: str) -> list[ColumnRef]:
    return [(asset, c) for c in columns]


RULE = _cols(COMP, "fiscal_calendar")
#: Fiscal quarter placed on the company's fiscal calendar (calendar quarter, period dates).
FISCAL_PERIOD = [*_cols(FIN, "fiscal_year", "fiscal_quarter"), *RULE]
#: A reported figure (sql/marts/actual_figures.sql: actuals, latest publication wins),
#: or a discrete quarter derived from such figures (pipelines.marts.capex.discrete_figures).
ACTUAL = _cols(
    FIN,
    "value",
    "metric",
    "basis",
    "fiscal_year",
    "fiscal_quarter",
    "value_kind",
    "published",
    "source_note",
)
#: Adjusted EPS: reported discrete quarters only (no derivation).
EPS = ACTUAL[:-1]
#: Results date of a quarter: the earliest publication of its discrete actuals.
RESULTS = _cols(FIN, "published", "value_kind", "basis", "fiscal_year", "fiscal_quarter")


def picked(column: str) -> list[ColumnRef]:
    """``column`` of the consensus / estimate / guidance row sql/marts/pick_expectation.sql
    picks: by kind and quarter, by publication date relative to the results date, seed last."""
    return _cols(
        FIN,
        column,
        "value_kind",
        "metric",
        "basis",
        "fiscal_year",
        "fiscal_quarter",
        "published",
        "source_url",
    )


# ------------------------------------------------------------------ capex_quarterly
def capex_quarterly() -> dg.TableColumnLineage:
    figure_columns = (
        "capex_usd_m",
        "capex_is_derived",
        "capex_derivation",
        "missing_reason",
        "capex_qoq_pct",
        "capex_yoy_pct",
        "capex_ttm_usd_m",
        "capex_ttm_yoy_pct",
        "capex_purchases_gross_usd_m",
        "proceeds_pp_e_usd_m",
        "capex_purchases_gross_yoy_pct",
        "capex_incl_finance_leases_usd_m",
        "capex_incl_finance_leases_is_derived",
        "capex_incl_finance_leases_yoy_pct",
        "revenue_usd_m",
        "capex_to_revenue_pct",
        "capex_to_revenue_change_pct_points",
    )
    return column_lineage(
        {
            # one row per company with a capex definition and calendar quarter of the span
            "ticker": _cols(COMP, "ticker", "capex_metric"),
            "calendar_quarter": FISCAL_PERIOD,
            # the fiscal quarter whose midpoint lies in calendar_quarter, under the rule
            "fiscal_year": FISCAL_PERIOD,
            "fiscal_quarter": FISCAL_PERIOD,
            "period_start": FISCAL_PERIOD,
            "period_end": FISCAL_PERIOD,
            "capex_definition": _cols(COMP, "capex_definition"),
            **{
                c: [*ACTUAL, *_cols(COMP, "capex_metric", "capex_less_metric")]
                for c in figure_columns
            },
        }
    )


# ------------------------------------------------------------------ company_quarterly
def company_quarterly() -> dg.TableColumnLineage:
    capex = _cols(CAPEX, "capex_usd_m", "capex_is_derived", "capex_derivation", "missing_reason")
    value = [*ACTUAL, *capex]
    return column_lineage(
        {
            "ticker": [*_cols(FIN, "ticker"), *_cols(CAPEX, "ticker")],
            "metric": [*_cols(FIN, "metric")],
            "calendar_quarter": [*FISCAL_PERIOD, *_cols(CAPEX, "calendar_quarter")],
            "fiscal_year": [*FISCAL_PERIOD, *_cols(CAPEX, "fiscal_year")],
            "fiscal_quarter": [*FISCAL_PERIOD, *_cols(CAPEX, "fiscal_quarter")],
            "period_start": [*FISCAL_PERIOD, *_cols(CAPEX, "period_start")],
            "period_end": [*FISCAL_PERIOD, *_cols(CAPEX, "period_end")],
            "value_usd_m": value,
            "definition": [*_cols(FIN, "metric"), *_cols(CAPEX, "capex_definition")],
            "is_derived": value,
            "derivation": value,
            "missing_reason": value,
        }
    )


# ------------------------------------------------------------------ group_quarterly
def group_quarterly() -> dg.TableColumnLineage:
    members = _cols(GROUP_MEMBERS, "group_name", "ticker")
    value = [*_cols(COMPANY, "value_usd_m", "ticker", "calendar_quarter", "metric"), *members]
    return column_lineage(
        {
            "group_name": _cols(GROUP_MEMBERS, "group_name"),
            "metric": _cols(COMPANY, "metric"),
            "calendar_quarter": _cols(COMPANY, "calendar_quarter"),
            "members_expected": members,
            "members_reported": value,
            "is_complete": value,
            "missing_members": value,
            "incomplete_reason": [*value, *_cols(COMPANY, "missing_reason")],
            **{c: value for c in ("total_usd_m", "qoq_pct", "yoy_pct", "ttm_usd_m", "ttm_yoy_pct")},
        }
    )


def group_member_quarterly() -> dg.TableColumnLineage:
    members = _cols(GROUP_MEMBERS, "group_name", "ticker")
    value = [*_cols(COMPANY, "value_usd_m", "ticker", "calendar_quarter", "metric"), *members]
    return column_lineage(
        {
            "group_name": _cols(GROUP_MEMBERS, "group_name"),
            "metric": _cols(COMPANY, "metric"),
            "calendar_quarter": _cols(COMPANY, "calendar_quarter"),
            "ticker": _cols(GROUP_MEMBERS, "ticker"),
            "value_usd_m": value,
            "definition": _cols(COMPANY, "definition"),
            "is_derived": _cols(COMPANY, "is_derived"),
            "share_pct": value,
            "missing_reason": [*value, *_cols(COMPANY, "missing_reason")],
        }
    )


# ------------------------------------------------------------------ capex_guidance
#: Columns that order the statements of one guided period (latest = last, previous = the one
#: before): pipelines.marts.guidance.pick_latest_and_previous.
STATEMENT_ORDER = _cols(GUIDANCE, "given_on", "given_before", "reported_on", "source_title")


def statement(*columns: str) -> list[ColumnRef]:
    """Columns of the latest (or previous) guidance statement of a period."""
    return [*_cols(GUIDANCE, *columns), *STATEMENT_ORDER]


def capex_guidance() -> dg.TableColumnLineage:
    bounds = statement("low_usd_m", "mid_usd_m", "high_usd_m")
    # capex reported so far in the guided period, in the definition the latest statement uses
    reported = [
        *_cols(
            CAPEX, "capex_usd_m", "capex_incl_finance_leases_usd_m", "fiscal_year", "fiscal_quarter"
        ),
        *_cols(GUIDANCE, "guided_period"),
        *statement("capex_definition"),
    ]
    period_dates = [*_cols(GUIDANCE, "guided_period"), *RULE]
    return column_lineage(
        {
            "ticker": _cols(GUIDANCE, "ticker"),
            "guided_period": _cols(GUIDANCE, "guided_period"),
            "basis": statement("basis"),
            # as stated, else from guided_period on the company's fiscal calendar
            "period_start": [*statement("period_start"), *period_dates],
            "period_end": [*statement("period_end"), *period_dates],
            "statements": _cols(GUIDANCE, "ticker", "guided_period"),
            "capex_definition": statement("capex_definition"),
            "qualifier": statement("qualifier"),
            "low_usd_m": statement("low_usd_m"),
            "mid_usd_m": statement("mid_usd_m"),
            "high_usd_m": statement("high_usd_m"),
            "point_usd_m": bounds,
            "point_method": bounds,
            "given_on": statement("given_on"),
            "given_before": statement("given_before"),
            "date_basis": statement("given_on", "given_before"),
            "known_since": statement("given_on", "given_before", "reported_on"),
            "source_title": statement("source_title"),
            "from_seed": statement("source_url"),
            "previous_low_usd_m": statement("low_usd_m"),
            "previous_mid_usd_m": statement("mid_usd_m"),
            "previous_high_usd_m": statement("high_usd_m"),
            "previous_point_usd_m": bounds,
            "previous_given_on": statement("given_on"),
            "previous_given_before": statement("given_before"),
            "previous_capex_definition": statement("capex_definition"),
            "previous_source_title": statement("source_title"),
            "previous_from_seed": statement("source_url"),
            "revision_low_usd_m": statement("low_usd_m"),
            "revision_high_usd_m": statement("high_usd_m"),
            "revision_point_usd_m": bounds,
            "revision_point_pct": bounds,
            "actuals_metric": statement("capex_definition"),
            "quarters_in_period": _cols(GUIDANCE, "guided_period"),
            "quarters_reported": reported,
            "reported_to_date_usd_m": reported,
            "last_reported_quarter": reported,
            "last_reported_quarter_usd_m": reported,
            "implied_remaining_low_usd_m": [*statement("low_usd_m"), *reported],
            "implied_remaining_point_usd_m": [*bounds, *reported],
            "implied_remaining_high_usd_m": [*statement("high_usd_m"), *reported],
            "implied_per_quarter_point_usd_m": [*bounds, *reported],
            "implied_per_quarter_vs_last_pct": [*bounds, *reported],
            "reported_vs_point_pct": [*bounds, *reported],
        }
    )


# ------------------------------------------------------------ ai_revenue_quarterly
def ai_revenue_quarterly() -> dg.TableColumnLineage:
    mapping: dict[str, list[ColumnRef]] = {
        # companies with an AI / data-center revenue figure or expectation for the quarter
        "ticker": _cols(FIN, "ticker", "metric"),
        "fiscal_year": _cols(FIN, "fiscal_year"),
        # a quarter may exist only as derived from a year-to-date / full-year figure
        "fiscal_quarter": _cols(FIN, "fiscal_quarter", "basis"),
        "calendar_quarter": FISCAL_PERIOD,
        "period_start": FISCAL_PERIOD,
        "period_end": FISCAL_PERIOD,
        "is_reported": RESULTS,
        "results_date": RESULTS,
        "eps_adjusted_usd": EPS,
        "eps_consensus_usd": picked("value"),
        "eps_consensus_published": picked("published"),
        "eps_consensus_from_seed": picked("source_url"),
        "eps_surprise_pct": [*EPS, *picked("value")],
        "eps_consensus_age_days": [*RESULTS, *picked("published")],
        "eps_surprise_status": [*EPS, *picked("value"), *RESULTS],
        "revenue_consensus_compiled_by": picked("compiled_by"),
    }
    for level in ("revenue", "ai_revenue", "data_center_revenue"):
        mapping[f"{level}_usd_m"] = ACTUAL
        mapping[f"{level}_qoq_pct"] = ACTUAL
        mapping[f"{level}_yoy_pct"] = ACTUAL
    for share in ("ai_revenue_share_pct", "data_center_revenue_share_pct"):
        mapping[share] = ACTUAL
    for level in ("revenue", "ai_revenue"):
        # the consensus in force at the results date (RESULTS is within picked: published)
        mapping[f"{level}_consensus_usd_m"] = picked("value")
        mapping[f"{level}_consensus_published"] = picked("published")
        mapping[f"{level}_consensus_timing"] = picked("published")
        mapping[f"{level}_consensus_source"] = picked("source_title")
        mapping[f"{level}_consensus_from_seed"] = picked("source_url")
        mapping[f"{level}_surprise_pct"] = [*ACTUAL, *picked("value")]
        mapping[f"{level}_consensus_age_days"] = [*RESULTS, *picked("published")]
        # beat / miss, or stale (older than the configured limit) / undated / no consensus
        mapping[f"{level}_surprise_status"] = [*ACTUAL, *picked("value"), *RESULTS]
        # guidance: mid, else the midpoint of low and high, else low
        mapping[f"{level}_guidance_usd_m"] = picked("value")
        mapping[f"{level}_guidance_published"] = picked("published")
    mapping["revenue_vs_guidance_pct"] = [*ACTUAL, *picked("value")]
    mapping["ai_revenue_estimate_usd_m"] = picked("value")
    mapping["ai_revenue_estimate_source"] = picked("source_title")
    mapping["ai_revenue_estimate_from_seed"] = picked("source_url")
    # next quarter's guidance given with this quarter's results, and the consensus then
    for prefix in ("next_q", "next_q_ai"):
        level = "revenue" if prefix == "next_q" else "ai_revenue"
        mapping[f"next_q_{level}_guidance_usd_m"] = picked("value")
        mapping[f"next_q_{level}_consensus_usd_m"] = picked("value")
        mapping[f"{prefix}_guidance_vs_consensus_pct"] = picked("value")
    mapping["next_q_revenue_consensus_published"] = picked("published")
    return column_lineage(mapping)


# --------------------------------------------------------------------- claim_facts
def claim_facts() -> dg.TableColumnLineage:
    """Facts from four marts (pipelines.marts.claims.capex_facts, guidance_facts,
    ai_revenue_facts) and from the claims' own related figures (seed_internal_facts)."""
    capex_values = _cols(
        CAPEX,
        "capex_usd_m",
        "capex_qoq_pct",
        "capex_yoy_pct",
        "capex_ttm_usd_m",
        "capex_to_revenue_pct",
        "capex_to_revenue_change_pct_points",
    )
    group_values = _cols(
        GROUP, "total_usd_m", "qoq_pct", "yoy_pct", "ttm_usd_m", "ttm_yoy_pct", "metric"
    )
    # guidance known only from a seed article gives a NULL fact (from_seed)
    guidance_values = _cols(
        CAPEX_GUIDANCE,
        "low_usd_m",
        "mid_usd_m",
        "high_usd_m",
        "from_seed",
        "previous_low_usd_m",
        "previous_mid_usd_m",
        "previous_high_usd_m",
        "previous_from_seed",
    )
    ai_values = _cols(
        AI,
        "revenue_usd_m",
        "ai_revenue_usd_m",
        "data_center_revenue_usd_m",
        "revenue_yoy_pct",
        "ai_revenue_yoy_pct",
        "ai_revenue_qoq_pct",
        "revenue_surprise_pct",
        "ai_revenue_surprise_pct",
        "revenue_guidance_usd_m",
        "ai_revenue_guidance_usd_m",
        "revenue_consensus_usd_m",
        "revenue_consensus_from_seed",
        "ai_revenue_consensus_usd_m",
        "ai_revenue_consensus_from_seed",
        "eps_consensus_usd",
        "eps_consensus_from_seed",
    )
    # seed-internal checks: ratios, totals, CAGR, growth, shares of the related claims' values
    claim_values = _cols(CLAIMS, "stated_value", "related_claim_ids")
    method_inputs = [
        *_cols(
            CAPEX,
            "capex_definition",
            "capex_usd_m",
            "capex_derivation",
            "missing_reason",
            "revenue_usd_m",
            "capex_ttm_usd_m",
        ),
        *_cols(
            GROUP,
            "members_reported",
            "incomplete_reason",
            "yoy_pct",
            "ttm_usd_m",
            "ttm_yoy_pct",
        ),
        *_cols(MEMBERS_TABLE, "ticker", "value_usd_m"),
        *_cols(
            CAPEX_GUIDANCE,
            "guided_period",
            "capex_definition",
            "given_on",
            "given_before",
            "source_title",
            "from_seed",
            "previous_given_on",
            "previous_given_before",
            "previous_source_title",
            "previous_from_seed",
            "actuals_metric",
            "reported_to_date_usd_m",
            "quarters_reported",
            "quarters_in_period",
        ),
        *_cols(
            AI,
            "fiscal_year",
            "fiscal_quarter",
            "revenue_usd_m",
            "ai_revenue_usd_m",
            "revenue_consensus_usd_m",
            "revenue_consensus_published",
            "revenue_consensus_timing",
            "revenue_consensus_source",
            "ai_revenue_consensus_usd_m",
            "ai_revenue_consensus_published",
            "ai_revenue_consensus_timing",
            "ai_revenue_consensus_source",
            "revenue_guidance_usd_m",
            "revenue_guidance_published",
            "ai_revenue_guidance_usd_m",
            "ai_revenue_guidance_published",
            "eps_consensus_published",
            "ai_revenue_estimate_source",
        ),
        *_cols(
            CLAIMS,
            "claim_id",
            "article_no",
            "stated_value",
            "unit",
            "related_claim_ids",
            "metric",
            "period",
        ),
    ]
    return column_lineage(
        {
            "entity": [
                *_cols(CAPEX, "ticker"),
                *_cols(GROUP, "group_name"),
                *_cols(CAPEX_GUIDANCE, "ticker"),
                *_cols(AI, "ticker"),
                *_cols(CLAIMS, "entity"),
            ],
            # marts facts: metric names fixed in code, in the claims' vocabulary
            "metric": _cols(CLAIMS, "metric"),
            # calendar labels for calendar-year companies, fiscal labels (and the calendar
            # quarter) for the others: pipelines.marts.claims.period_labels
            "period": [
                *_cols(CAPEX, "calendar_quarter", "fiscal_year", "fiscal_quarter"),
                *_cols(GROUP, "calendar_quarter"),
                *_cols(CAPEX_GUIDANCE, "guided_period"),
                *_cols(AI, "fiscal_year", "fiscal_quarter", "calendar_quarter"),
                *RULE,
                *_cols(CLAIMS, "period"),
            ],
            "computed_value": [
                *capex_values,
                *group_values,
                *guidance_values,
                *ai_values,
                *claim_values,
            ],
            "unit": _cols(CLAIMS, "unit"),
            "method": method_inputs,
            "claim_id": _cols(CLAIMS, "claim_id"),
            # warehouse for marts facts; for a claim, the rule its metric selects decides
            "basis": _cols(CLAIMS, "metric"),
            # equal, except the subset-count rule (upper / lower bound), chosen by metric
            "comparison": _cols(CLAIMS, "metric"),
            # NULL: from all of raw; a claim's date: the marts recomputed from the rows known
            # on that date (pipelines.marts.build.known_on)
            "as_of": [
                *_cols(CLAIMS, "publish_date"),
                *_cols(FIN, "published", "published_before"),
                *_cols(GUIDANCE, "given_on", "given_before", "reported_on"),
            ],
        }
    )


# -------------------------------------------------------------------- claim_checks
def claim_checks() -> dg.TableColumnLineage:
    """Each claim of raw.claims with the fact chosen among marts.claim_facts and
    tco.claim_facts (same entity, metric, period, or the claim's own fact): non-NULL first,
    warehouse before seed_internal, claim-specific first, marts before tco."""
    choice = [
        *_cols(FACTS, "computed_value", "basis", "claim_id"),
        *_cols(TCO_FACTS, "computed_value"),
    ]
    # converted to the claim's unit (USD m -> bn, GB/s -> TB/s) when the units differ
    computed = [
        *_cols(FACTS, "computed_value", "unit"),
        *_cols(TCO_FACTS, "computed_value", "unit"),
        *_cols(CLAIMS, "unit"),
        *choice,
    ]
    # half a unit of the last printed decimal, widened for about / nearly, one-sided for
    # more_than / less_than or a bound; a producer's declared tolerance when larger
    tolerance = [
        *_cols(CLAIMS, "decimals", "qualifier", "stated_value"),
        *_cols(FACTS, "comparison"),
        *_cols(TCO_FACTS, "tolerance"),
        *computed,
    ]
    return column_lineage(
        {
            **passthrough(
                CLAIMS,
                [
                    "claim_id",
                    "article_no",
                    "entity",
                    "metric",
                    "period",
                    "stated_value",
                    "qualifier",
                    "decimals",
                    "unit",
                    "meaning_en",
                ],
            ),
            "source": _cols(CLAIMS, "article_no", "publisher", "publish_date", "citation"),
            "computed_value": computed,
            "difference": [*computed, *_cols(CLAIMS, "stated_value")],
            "tolerance": tolerance,
            "tolerance_rule": tolerance,
            "status": tolerance,
            "reason": [
                *tolerance,
                *_cols(CLAIMS, "entity", "metric", "period"),
                *_cols(FACTS, "method"),
                *_cols(TCO_FACTS, "method"),
            ],
            # which of the two tables supplied the chosen fact
            "fact_domain": choice,
            "fact_basis": choice,  # tco facts carry no basis: warehouse
            "fact_method": [*_cols(FACTS, "method"), *_cols(TCO_FACTS, "method"), *choice],
            "other_facts": [
                *_cols(FACTS, "computed_value", "unit", "basis"),
                *_cols(TCO_FACTS, "computed_value", "unit"),
                *choice,
            ],
            "claim_date": _cols(CLAIMS, "publish_date"),
            # the same judgement on the facts computed as of the claim's date
            **{
                c: [*tolerance, *_cols(FACTS, "as_of"), *_cols(CLAIMS, "publish_date")]
                for c in (
                    "status_as_of_claim",
                    "computed_value_as_of_claim",
                    "difference_as_of_claim",
                    "reason_as_of_claim",
                    "verdict_changed",
                    "change_reason",
                )
            },
        }
    )
