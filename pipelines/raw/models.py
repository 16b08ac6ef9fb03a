"""One pandera model per raw dataset: the single definition of its schema.

Types, enumerations, ranges, unique keys and cross-field rules live here. Column
descriptions feed the warehouse's ``COMMENT ON`` and Dagster's column schema; the
``Config.description`` of each model is its table description.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandera.polars as pa
import polars as pl

from pipelines.calendar.fiscal import (
    FISCAL_RULES,
    fiscal_quarter_end,
    fiscal_quarter_start,
    fiscal_year_end,
    fiscal_year_start,
)
from pipelines.raw.reference import company_rules

# ----------------------------------------------------------------- enumerations
GROUPS = ["MAMG", "AI_SEMI"]
FINANCIAL_METRICS = [
    "capex_additions_to_pp_e",
    "capex_purchases_pp_e",
    "capex_purchases_pp_e_net_of_proceeds",
    "amzn_proceeds_pp_e_sales_incentives",
    "capex_incl_finance_leases",
    "revenue",
    "ai_revenue",
    "data_center_revenue",
    "eps_adjusted",
]
PER_SHARE_METRICS = ["eps_adjusted"]
VALUE_KINDS = ["actual", "consensus", "estimate", "guidance_low", "guidance_mid", "guidance_high"]
BASES = ["discrete", "ytd", "fy"]
UNITS = ["USD_m", "USD_per_share"]
CAPEX_DEFINITIONS = ["cash_pp_e", "incl_finance_leases", "unspecified"]
QUALIFIERS = ["about", "more_than", "nearly", "less_than", "up_to", "at_least"]

SOURCE_URL_PATTERN = r"^(https?://\S+|seed/\S+.*|\S+\.(md|csv|txt)\b.*)$"


def row_rule(data: pa.PolarsData, ok: Callable[[dict[str, Any]], bool]) -> pl.LazyFrame:
    """A dataframe check evaluated row by row in Python (for calendar logic)."""
    rows = data.lazyframe.collect().to_dicts()
    return pl.LazyFrame({"ok": [bool(ok(row)) for row in rows]}, schema={"ok": pl.Boolean})


# --------------------------------------------------------------------- companies
class CompaniesModel(pa.DataFrameModel):
    """Companies tracked by the ledger, with SEC identifiers and fiscal calendars."""

    ticker: str = pa.Field(unique=True, str_matches=r"^[A-Z]{1,5}$", description="Stock ticker")
    name: str = pa.Field(str_length={"min_value": 2}, description="Company name as filed")
    cik: int = pa.Field(gt=0, lt=10_000_000_000, unique=True, description="SEC Central Index Key")
    group_name: str = pa.Field(
        isin=GROUPS,
        description="MAMG = Microsoft, Amazon, Meta, Alphabet (hyperscalers); AI_SEMI = AI semiconductors",
    )
    fiscal_year_end_rule: str = pa.Field(
        isin=list(FISCAL_RULES),
        description="How the fiscal year ends: dec31, jun30, sunday_nearest_oct31, saturday_nearest_jan31",
    )
    source_title: str = pa.Field(str_length={"min_value": 3}, description="Source document title")
    source_date: dt.date = pa.Field(description="Date of the source document")
    source_url: str = pa.Field(str_matches=SOURCE_URL_PATTERN, description="Source address")

    class Config:
        strict = True
        description = "Companies tracked: ticker, SEC CIK, peer group and fiscal-year-end rule."


# -------------------------------------------------------------------- financials
def _expected_dates(row: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    rule = company_rules().get(row["ticker"])
    fy, q, basis = row["fiscal_year"], row["fiscal_quarter"], row["basis"]
    if rule is None or fy is None or basis not in BASES:
        return None
    if basis == "fy":
        return fiscal_year_start(rule, fy), fiscal_year_end(rule, fy)
    if q not in (1, 2, 3, 4):
        return None
    if basis == "ytd":
        return fiscal_year_start(rule, fy), fiscal_quarter_end(rule, fy, q)
    return fiscal_quarter_start(rule, fy, q), fiscal_quarter_end(rule, fy, q)


class FinancialsModel(pa.DataFrameModel):
    """Company financials, long format: one row per company × period × metric × kind × publication."""

    ticker: str = pa.Field(description="Company ticker (must exist in raw.companies)")
    metric: str = pa.Field(isin=FINANCIAL_METRICS, description="What is measured (see raw/README.md)")
    value_kind: str = pa.Field(
        isin=VALUE_KINDS,
        description="actual, consensus (sell-side), estimate (one analyst), guidance_low/mid/high",
    )
    fiscal_year: int = pa.Field(ge=2015, le=2035, description="Company fiscal year")
    fiscal_quarter: int = pa.Field(
        nullable=True, isin=[1, 2, 3, 4], description="Fiscal quarter (empty for full year)"
    )
    basis: str = pa.Field(
        isin=BASES, description="discrete (three months), ytd (fiscal year to date), fy (full year)"
    )
    period_start: dt.date = pa.Field(nullable=True, description="First day of the period")
    period_end: dt.date = pa.Field(nullable=True, description="Last day of the period")
    value: float = pa.Field(description="The figure, in unit")
    unit: str = pa.Field(isin=UNITS, description="USD_m (millions of US dollars) or USD_per_share")
    published: dt.date = pa.Field(nullable=True, description="Date the figure became public")
    source_title: str = pa.Field(str_length={"min_value": 3}, description="Source document title")
    source_url: str = pa.Field(
        nullable=True,
        str_matches=SOURCE_URL_PATTERN,
        description="Source address; empty only when source_title itself carries the citation",
    )
    source_quote: str = pa.Field(nullable=True, description="Verbatim quote holding the figure")
    source_note: str = pa.Field(nullable=True, description="Remarks on the source or the figure")

    class Config:
        strict = True
        unique = ["ticker", "metric", "value_kind", "basis", "fiscal_year", "fiscal_quarter", "published"]
        description = (
            "Quarterly and annual company financials (capex, revenue, AI revenue, EPS) as "
            "reported, with consensus, estimates and guidance, each with its source."
        )

    @pa.dataframe_check(name="ticker must exist in raw.companies [ticker]")
    def known_ticker(cls, data: pa.PolarsData) -> pl.LazyFrame:
        known = set(company_rules())
        return row_rule(data, lambda r: r["ticker"] in known)

    @pa.dataframe_check(name="fiscal_quarter required for discrete/ytd and empty for fy [fiscal_quarter]")
    def quarter_matches_basis(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.when(pl.col("basis") == "fy")
            .then(pl.col("fiscal_quarter").is_null())
            .otherwise(pl.col("fiscal_quarter").is_not_null())
        )

    @pa.dataframe_check(name="period_end must match the company's fiscal calendar [period_end]")
    def period_end_on_calendar(cls, data: pa.PolarsData) -> pl.LazyFrame:
        def ok(row: dict[str, Any]) -> bool:
            expected = _expected_dates(row)
            return row["period_end"] is None or expected is None or row["period_end"] == expected[1]

        return row_rule(data, ok)

    @pa.dataframe_check(name="period_start must match the company's fiscal calendar [period_start]")
    def period_start_on_calendar(cls, data: pa.PolarsData) -> pl.LazyFrame:
        def ok(row: dict[str, Any]) -> bool:
            expected = _expected_dates(row)
            return row["period_start"] is None or expected is None or row["period_start"] == expected[0]

        return row_rule(data, ok)

    @pa.dataframe_check(name="amounts in USD_m must not be negative [value]")
    def amounts_not_negative(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("unit") != "USD_m") | (pl.col("value") >= 0))

    @pa.dataframe_check(name="unit must be USD_per_share for EPS and USD_m otherwise [unit]")
    def unit_matches_metric(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.when(pl.col("metric").is_in(PER_SHARE_METRICS))
            .then(pl.col("unit") == "USD_per_share")
            .otherwise(pl.col("unit") == "USD_m")
        )

    @pa.dataframe_check(
        name="year-to-date value must not be smaller than the year-to-date value one quarter earlier [value]"
    )
    def ytd_not_decreasing(cls, data: pa.PolarsData) -> pl.LazyFrame:
        rows = data.lazyframe.collect().to_dicts()
        cumulative: dict[tuple[Any, ...], float] = {}
        for r in rows:
            if r["value_kind"] != "actual" or r["unit"] != "USD_m" or r["fiscal_quarter"] is None:
                continue
            if r["basis"] == "ytd" or (r["basis"] == "discrete" and r["fiscal_quarter"] == 1):
                cumulative[(r["ticker"], r["metric"], r["fiscal_year"], r["fiscal_quarter"])] = r["value"]

        def ok(r: dict[str, Any]) -> bool:
            if r["basis"] != "ytd" or r["value_kind"] != "actual" or r["fiscal_quarter"] is None:
                return True
            before = cumulative.get((r["ticker"], r["metric"], r["fiscal_year"], r["fiscal_quarter"] - 1))
            return before is None or r["value"] >= before

        return pl.LazyFrame({"ok": [ok(r) for r in rows]}, schema={"ok": pl.Boolean})

    @pa.dataframe_check(name="period_start must not be after period_end [period_start]")
    def start_before_end(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("period_start").is_null()
            | pl.col("period_end").is_null()
            | (pl.col("period_start") <= pl.col("period_end"))
        )


# ----------------------------------------------------------------- capex guidance
class CapexGuidanceModel(pa.DataFrameModel):
    """Capex guidance statements as given, one row per statement, so revisions stay visible."""

    ticker: str = pa.Field(description="Company ticker (must exist in raw.companies)")
    guided_period: str = pa.Field(
        str_matches=r"^FY\d{4}(Q[1-4])?$", description="Guided fiscal period, e.g. FY2025 or FY2026Q1"
    )
    period_start: dt.date = pa.Field(nullable=True, description="First day of the guided period")
    period_end: dt.date = pa.Field(nullable=True, description="Last day of the guided period")
    basis: str = pa.Field(isin=["fy", "discrete"], description="fy (full year) or discrete (quarter)")
    capex_definition: str = pa.Field(
        isin=CAPEX_DEFINITIONS,
        description="cash_pp_e (cash purchases of property and equipment), incl_finance_leases, unspecified",
    )
    low_usd_m: float = pa.Field(nullable=True, ge=0, description="Low end, USD millions")
    mid_usd_m: float = pa.Field(nullable=True, ge=0, description="Point estimate or midpoint, USD millions")
    high_usd_m: float = pa.Field(nullable=True, ge=0, description="High end, USD millions")
    qualifier: str = pa.Field(nullable=True, isin=QUALIFIERS, description="e.g. more_than, about")
    given_on: dt.date = pa.Field(nullable=True, description="Date the guidance was given, when known")
    given_before: dt.date = pa.Field(
        nullable=True,
        description="When given_on is unknown: a date the guidance is known to predate "
        "(e.g. the date a later statement replaced it)",
    )
    reported_on: dt.date = pa.Field(description="Date of the source document that reports it")
    source_title: str = pa.Field(str_length={"min_value": 3}, description="Source document title")
    source_url: str = pa.Field(
        nullable=True,
        str_matches=SOURCE_URL_PATTERN,
        description="Source address; empty only when source_title itself carries the citation",
    )
    source_quote: str = pa.Field(nullable=True, description="Verbatim quote")
    source_note: str = pa.Field(nullable=True, description="Remarks")

    class Config:
        strict = True
        unique = ["ticker", "guided_period", "capex_definition", "reported_on", "source_title"]
        description = "Capex guidance as stated by the companies (or reported by brokers), with the date given."

    @pa.dataframe_check(name="ticker must exist in raw.companies [ticker]")
    def known_ticker(cls, data: pa.PolarsData) -> pl.LazyFrame:
        known = set(company_rules())
        return row_rule(data, lambda r: r["ticker"] in known)

    @pa.dataframe_check(name="guidance low <= mid <= high [low_usd_m]")
    def ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        low, mid, high = pl.col("low_usd_m"), pl.col("mid_usd_m"), pl.col("high_usd_m")
        return data.lazyframe.select(
            (low.is_null() | mid.is_null() | (low <= mid))
            & (mid.is_null() | high.is_null() | (mid <= high))
            & (low.is_null() | high.is_null() | (low <= high))
        )

    @pa.dataframe_check(name="given_on or given_before is required [given_on]")
    def dated(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("given_on").is_not_null() | pl.col("given_before").is_not_null())

    @pa.dataframe_check(name="given_on must not be after reported_on [given_on]")
    def given_before_reported(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("given_on").is_null() | (pl.col("given_on") <= pl.col("reported_on"))
        )

    @pa.dataframe_check(name="at least one of low, mid, high is given [mid_usd_m]")
    def has_value(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.any_horizontal(pl.col("low_usd_m", "mid_usd_m", "high_usd_m").is_not_null())
        )


# -------------------------------------------------------------------------- claims
class ClaimsModel(pa.DataFrameModel):
    """Figures the seed's reports state, kept as claims to check against what we compute."""

    claim_id: str = pa.Field(unique=True, str_matches=r"^C\d{3}$", description="Stable claim id")
    article_no: int = pa.Field(ge=1, le=10, description="Seed article number (1-10)")
    article_title: str = pa.Field(description="Article title in English")
    publisher: str = pa.Field(description="Publisher")
    publish_date: str = pa.Field(
        str_matches=r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?$", description="Article date and time as printed"
    )
    citation: str = pa.Field(description="Footnote markers in the article, e.g. [1][4]")
    entity: str = pa.Field(description="Normalized entity: ticker, MAMG, chip or system name")
    metric: str = pa.Field(str_matches=r"^[a-z0-9_]+$", description="Normalized metric name")
    period: str = pa.Field(description="Normalized period, e.g. 2025Q2, FY2025Q3, 2025, spec")
    stated_value: float = pa.Field(description="Number as printed, in unit")
    unit: str = pa.Field(description="Unit of stated_value")
    decimals: int = pa.Field(ge=0, le=6, description="Decimals as printed; sets the check tolerance")
    qualifier: str = pa.Field(nullable=True, isin=QUALIFIERS, description="about, more_than, nearly, ...")
    related_claim_ids: str = pa.Field(
        nullable=True, str_matches=r"^C\d{3}(;C\d{3})*$", description="Claims this one is checked against"
    )
    quote_zh: str = pa.Field(description="Chinese quote from the seed")
    meaning_en: str = pa.Field(description="Meaning in English")
    note: str = pa.Field(nullable=True, description="Remarks, e.g. seed_flags item")

    class Config:
        strict = True
        description = "Claims stated by the seed articles: checked in marts.claim_checks, never used as outputs."

    @pa.dataframe_check(name="related_claim_ids must name existing claims [related_claim_ids]")
    def related_exist(cls, data: pa.PolarsData) -> pl.LazyFrame:
        frame = data.lazyframe.collect()
        ids = set(frame["claim_id"].to_list())
        return pl.LazyFrame(
            {
                "ok": [
                    rel is None or all(part in ids for part in rel.split(";"))
                    for rel in frame["related_claim_ids"].to_list()
                ]
            },
            schema={"ok": pl.Boolean},
        )
