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

from pipelines import settings
from pipelines.calendar.fiscal import (
    GRAMMAR,
    fiscal_quarter_end,
    fiscal_quarter_start,
    fiscal_year_end,
    fiscal_year_start,
    parse_calendar,
)
from pipelines.raw.reference import company_rules, known_groups

# ----------------------------------------------------------------- enumerations
FINANCIAL_METRICS = [
    "capex_additions_to_pp_e",
    "capex_purchases_pp_e",
    "capex_purchases_pp_e_net_of_proceeds",
    "proceeds_pp_e_sales_incentives",
    "capex_incl_finance_leases",
    "revenue",
    "ai_revenue",
    "data_center_revenue",
    "operating_cash_flow",
    "depreciation_amortization",
    "rpo",
    "gross_margin_pct",
    "eps_adjusted",
]
#: Metrics that may be negative (a cash flow); every other USD_m amount is >= 0.
SIGNED_METRICS = ["operating_cash_flow"]
#: The unit each metric is stated in (every other metric: USD_m).
METRIC_UNITS = {"eps_adjusted": "USD_per_share", "gross_margin_pct": "percent"}
#: Metrics that can stand for a company's cash capex or be subtracted from it.
CAPEX_METRICS = ["capex_additions_to_pp_e", "capex_purchases_pp_e"]
CAPEX_LESS_METRICS = ["proceeds_pp_e_sales_incentives"]
NAME_PATTERN = r"^[A-Z][A-Z0-9_]{0,31}$"
VALUE_KINDS = ["actual", "consensus", "estimate", "guidance_low", "guidance_mid", "guidance_high"]
BASES = ["discrete", "ytd", "fy"]
UNITS = ["USD_m", "USD_per_share", "percent"]
CAPEX_DEFINITIONS = ["cash_pp_e", "incl_finance_leases", "unspecified"]
QUALIFIERS = ["about", "more_than", "nearly", "less_than", "up_to", "at_least"]

SOURCE_URL_PATTERN = r"^(https?://\S+|seed/\S+.*|\S+\.(md|csv|txt)\b.*)$"
#: A vendor name as printed (a chip of a new vendor is a data row, not a code change).
VENDOR_PATTERN = r"^[A-Za-z][A-Za-z0-9 .&-]{1,39}$"

#: Every ``str_matches`` pattern of the raw models in plain words: a rejection says these,
#: never the regular expression (``pipelines.raw.validation.plain_rule``).
PATTERN_WORDS: dict[str, str] = {
    NAME_PATTERN: "must be capital letters, digits and _, starting with a letter, at most 32 "
    "characters (e.g. MAMG, AI_SEMI)",
    SOURCE_URL_PATTERN: "must be an http(s) address, a seed/ path or a repository file "
    "(.md, .csv, .txt)",
    VENDOR_PATTERN: "must be 2 to 40 letters, digits, spaces or . & -, starting with a letter",
    r"^[A-Z]{1,5}$": "must be 1 to 5 capital letters (e.g. MSFT)",
    r"^[a-z0-9_]+$": "must be lower-case letters, digits and _ (e.g. cash_purchases_pp_e)",
    r"^C\d{3}(;C\d{3})*$": "must be claim ids separated by ; (e.g. C001;C002)",
    r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?$": "must be a date YYYY-MM-DD, optionally with a time "
    "HH:MM",
    r"^C\d{3}$": "must be C and three digits (e.g. C001)",
    r"^\d{4}Q[1-4]$": "must be a calendar quarter like 2025Q1",
    r"^([a-z_]+|\*)$": "must be a metric name (lower-case letters and _) or *",
    r"^FY\d{4}(Q[1-4])?$": "must be a fiscal year like FY2025 or a fiscal quarter like FY2025Q1",
}


def row_rule(data: pa.PolarsData, ok: Callable[[dict[str, Any]], bool]) -> pl.LazyFrame:
    """A dataframe check evaluated row by row in Python (for calendar logic)."""
    rows = data.lazyframe.collect().to_dicts()
    return pl.LazyFrame({"ok": [bool(ok(row)) for row in rows]}, schema={"ok": pl.Boolean})


#: Plausible dates of a document, a publication or a statement: from this day to today.
EARLIEST_DOCUMENT_DATE = dt.date(2000, 1, 1)
#: Days past today (UTC) a document date may be: a figure published late in the evening in
#: the Americas is already dated tomorrow elsewhere.
FUTURE_SLACK_DAYS = 1
DOCUMENT_DATE_RULE = (
    f"must be a date from {EARLIEST_DOCUMENT_DATE} to today: a document cannot be dated in the "
    "future"
)


def latest_document_date() -> dt.date:
    """The latest plausible document date: today (UTC) plus the slack, read at each check."""
    return dt.datetime.now(dt.UTC).date() + dt.timedelta(days=FUTURE_SLACK_DAYS)


def document_dates(data: pa.PolarsData) -> pl.LazyFrame:
    """Column check: the date is empty or within the plausible document dates."""
    column = pl.col(data.key)
    return data.lazyframe.select(
        column.is_null() | column.is_between(EARLIEST_DOCUMENT_DATE, latest_document_date())
    )


# --------------------------------------------------------------------- companies
class CompaniesModel(pa.DataFrameModel):
    """Companies tracked by the ledger: SEC identifier, fiscal calendar, capex definition."""

    ticker: str = pa.Field(unique=True, str_matches=r"^[A-Z]{1,5}$", description="Stock ticker")
    name: str = pa.Field(str_length={"min_value": 2}, description="Company name as filed")
    cik: int = pa.Field(gt=0, lt=10_000_000_000, unique=True, description="SEC Central Index Key")
    fiscal_calendar: str = pa.Field(
        description=f"Fiscal-calendar rule ({GRAMMAR}); see pipelines/calendar/fiscal.py"
    )
    capex_metric: str = pa.Field(
        nullable=True,
        isin=CAPEX_METRICS,
        description="The financials metric that is this company's cash capex in the capex marts "
        "(empty: the company has no capex series)",
    )
    capex_less_metric: str = pa.Field(
        nullable=True,
        isin=CAPEX_LESS_METRICS,
        description="A metric subtracted from capex_metric (e.g. proceeds from property and "
        "equipment sales and incentives), or empty",
    )
    capex_definition: str = pa.Field(
        nullable=True,
        str_matches=r"^[a-z0-9_]+$",
        description="Name of the capex definition shown in the marts, e.g. cash_additions_to_pp_e",
    )
    source_title: str = pa.Field(str_length={"min_value": 3}, description="Source document title")
    source_date: dt.date = pa.Field(description="Date of the source document")
    source_url: str = pa.Field(str_matches=SOURCE_URL_PATTERN, description="Source address")

    class Config:
        strict = True
        description = (
            "Companies tracked: ticker, SEC CIK, fiscal-calendar rule and capex definition."
        )

    @classmethod
    def explain_problem(cls, rule: str, row: dict[str, Any]) -> str | None:
        """A bad calendar rule: what is wrong with it, and the grammar."""
        if not rule.startswith("fiscal_calendar must be a rule of the vocabulary"):
            return None
        try:
            parse_calendar(row["fiscal_calendar"])
        except (ValueError, TypeError) as error:
            why = str(error).split("; grammar: ")[0]
            return f"{rule}: {why}; grammar: {GRAMMAR}"
        return None

    @pa.dataframe_check(name="fiscal_calendar must be a rule of the vocabulary [fiscal_calendar]")
    def calendar_parses(cls, data: pa.PolarsData) -> pl.LazyFrame:
        def ok(row: dict[str, Any]) -> bool:
            try:
                parse_calendar(row["fiscal_calendar"])
            except (ValueError, TypeError):
                return False
            return True

        return row_rule(data, ok)

    @pa.dataframe_check(
        name="capex_definition is required with capex_metric, and capex_less_metric needs "
        "capex_metric [capex_definition]"
    )
    def capex_complete(cls, data: pa.PolarsData) -> pl.LazyFrame:
        metric, less, name = (
            pl.col(c) for c in ("capex_metric", "capex_less_metric", "capex_definition")
        )
        return data.lazyframe.select(
            (metric.is_null() == name.is_null()) & (less.is_null() | metric.is_not_null())
        )

    @pa.check("source_date", name=f"source_date {DOCUMENT_DATE_RULE}")
    def source_date_plausible(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return document_dates(data)


class GroupsModel(pa.DataFrameModel):
    """Named sets of companies (peer groups); every group gets the group marts."""

    group_name: str = pa.Field(
        unique=True, str_matches=NAME_PATTERN, description="Group name, e.g. a peer group"
    )
    description: str = pa.Field(str_length={"min_value": 3}, description="What the group is")

    class Config:
        strict = True
        description = "Peer groups: any named set of companies (members in raw.group_members)."

    @pa.check("group_name", name="a group needs at least one member in group_members.csv")
    def has_members(cls, data: pa.PolarsData) -> pl.LazyFrame:
        rows = sibling_rows("group_members.csv")
        names = data.lazyframe.select(data.key).collect()[data.key].to_list()
        if rows is None:  # unreadable: its own asset reports it
            return pl.LazyFrame({"ok": [True] * len(names)}, schema={"ok": pl.Boolean})
        grouped = {row.get("group_name", "") for row in rows}
        return pl.LazyFrame({"ok": [n in grouped for n in names]}, schema={"ok": pl.Boolean})


class GroupMembersModel(pa.DataFrameModel):
    """One row per group and member company."""

    group_name: str = pa.Field(description="A group of raw.groups")
    ticker: str = pa.Field(description="A company of raw.companies")

    class Config:
        strict = True
        unique = ["group_name", "ticker"]
        description = "Members of each group of raw.groups (a company may be in several groups)."

    @pa.dataframe_check(name="group_name must exist in raw.groups [group_name]")
    def known_group(cls, data: pa.PolarsData) -> pl.LazyFrame:
        groups = known_groups()
        return row_rule(data, lambda r: groups is None or r["group_name"] in groups)

    @pa.dataframe_check(name="ticker must exist in raw.companies [ticker]")
    def known_ticker(cls, data: pa.PolarsData) -> pl.LazyFrame:
        known = set(company_rules())
        return row_rule(data, lambda r: r["ticker"] in known)


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
    """Company financials, long: one row per company × period × metric × kind × publication."""

    ticker: str = pa.Field(description="Company ticker (must exist in raw.companies)")
    metric: str = pa.Field(
        isin=FINANCIAL_METRICS, description="What is measured (see raw/README.md)"
    )
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
    value: float = pa.Field(
        in_range={"min_value": -10_000_000, "max_value": 10_000_000},
        description="The figure, in unit; plausible range ±10,000,000 (USD 10 trillion)",
    )
    unit: str = pa.Field(isin=UNITS, description="USD_m (millions of US dollars) or USD_per_share")
    stated_precision: float = pa.Field(
        nullable=True,
        gt=0,
        description="Place value of the last printed digit, in unit (USD_m: 10 for "
        "'$18.83 billion', 100 for '$18.8 billion', 1 for '18,829 million'); empty = exact to "
        "the unit. A figure above 1 is not used to derive another quarter",
    )
    published: dt.date = pa.Field(nullable=True, description="Date the figure became public")
    published_before: dt.date = pa.Field(
        nullable=True,
        description="Undated figure: a date it is known to have been public by (the source "
        "document's date), else empty. A figure with neither date is undated",
    )
    compiled_by: str = pa.Field(
        nullable=True,
        description="Consensus only: who compiled it (LSEG, FactSet, ..., or unnamed)",
    )
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
        unique = [
            "ticker",
            "metric",
            "value_kind",
            "basis",
            "fiscal_year",
            "fiscal_quarter",
            "published",
            "published_before",
        ]
        description = (
            "Quarterly and annual company financials (capex, revenue, AI revenue, EPS) as "
            "reported, with consensus, estimates and guidance, each with its source."
        )

    @pa.dataframe_check(name="ticker must exist in raw.companies [ticker]")
    def known_ticker(cls, data: pa.PolarsData) -> pl.LazyFrame:
        known = set(company_rules())
        return row_rule(data, lambda r: r["ticker"] in known)

    @pa.dataframe_check(
        name="fiscal_quarter required for discrete/ytd and empty for fy [fiscal_quarter]"
    )
    def quarter_matches_basis(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.when(pl.col("basis") == "fy")
            .then(pl.col("fiscal_quarter").is_null())
            .otherwise(pl.col("fiscal_quarter").is_not_null())
        )

    @classmethod
    def explain_problem(cls, rule: str, row: dict[str, Any]) -> str | None:
        """A period date off the company's fiscal calendar: the date the calendar gives."""
        which = {"period_start must match": 0, "period_end must match": 1}
        for prefix, index in which.items():
            if rule.startswith(prefix):
                expected = _expected_dates(row)
                if expected is None:
                    return None
                quarter = f" Q{row['fiscal_quarter']}" if row["basis"] != "fy" else ""
                return (
                    f"{rule}: expected {expected[index].isoformat()} for {row['ticker']} "
                    f"FY{row['fiscal_year']}{quarter} ({row['basis']}) on "
                    f"{company_rules()[row['ticker']]}"
                )
        return None

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
            return (
                row["period_start"] is None
                or expected is None
                or row["period_start"] == expected[0]
            )

        return row_rule(data, ok)

    @pa.dataframe_check(name="amounts in USD_m must not be negative [value]")
    def amounts_not_negative(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("unit") != "USD_m")
            | pl.col("metric").is_in(SIGNED_METRICS)
            | (pl.col("value") >= 0)
        )

    @pa.dataframe_check(
        name="unit must be USD_per_share for EPS, percent for margins and USD_m otherwise [unit]"
    )
    def unit_matches_metric(cls, data: pa.PolarsData) -> pl.LazyFrame:
        expected = pl.col("metric").replace_strict(METRIC_UNITS, default="USD_m")
        return data.lazyframe.select(pl.col("unit") == expected)

    @pa.dataframe_check(
        name="published_before is only for undated figures (published empty) [published_before]"
    )
    def one_date(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("published").is_null() | pl.col("published_before").is_null()
        )

    @pa.dataframe_check(name="compiled_by is only for consensus rows [compiled_by]")
    def compiled_by_consensus(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("compiled_by").is_null() | (pl.col("value_kind") == "consensus")
        )

    @pa.dataframe_check(
        name="year-to-date value must not be smaller than the year-to-date value "
        "one quarter earlier [value]"
    )
    def ytd_not_decreasing(cls, data: pa.PolarsData) -> pl.LazyFrame:
        rows = data.lazyframe.collect().to_dicts()
        cumulative: dict[tuple[Any, ...], float] = {}
        for r in rows:
            if (
                r["value_kind"] != "actual"
                or r["unit"] != "USD_m"
                or r["fiscal_quarter"] is None
                or r["value"] is None  # a blank or non-number: reported by its own rule
            ):
                continue
            if r["basis"] == "ytd" or (r["basis"] == "discrete" and r["fiscal_quarter"] == 1):
                cumulative[(r["ticker"], r["metric"], r["fiscal_year"], r["fiscal_quarter"])] = r[
                    "value"
                ]

        def ok(r: dict[str, Any]) -> bool:
            if (
                r["basis"] != "ytd"
                or r["value_kind"] != "actual"
                or r["fiscal_quarter"] is None
                or r["value"] is None
            ):
                return True
            before = cumulative.get(
                (r["ticker"], r["metric"], r["fiscal_year"], r["fiscal_quarter"] - 1)
            )
            return before is None or r["value"] >= before

        return pl.LazyFrame({"ok": [ok(r) for r in rows]}, schema={"ok": pl.Boolean})

    @pa.dataframe_check(name="period_start must not be after period_end [period_start]")
    def start_before_end(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("period_start").is_null()
            | pl.col("period_end").is_null()
            | (pl.col("period_start") <= pl.col("period_end"))
        )

    @pa.check("published", "published_before", name=DOCUMENT_DATE_RULE)
    def published_plausible(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return document_dates(data)


# ----------------------------------------------------------------- capex guidance
def _guided_period_dates(ticker: str, guided_period: str | None) -> tuple[dt.date, dt.date] | None:
    """First and last day of a guided period (``FY2025``, ``FY2026Q1``) on the company's fiscal
    calendar; None when the company or the period is unknown (reported by other rules). The only
    place guidance rules call the calendar module."""
    rule = company_rules().get(ticker)
    if rule is None or not guided_period or not guided_period.startswith("FY"):
        return None
    try:
        year = int(guided_period[2:6])
        if len(guided_period) == 6:
            return fiscal_year_start(rule, year), fiscal_year_end(rule, year)
        quarter = int(guided_period[7:])
        return fiscal_quarter_start(rule, year, quarter), fiscal_quarter_end(rule, year, quarter)
    except ValueError:
        return None


class CapexGuidanceModel(pa.DataFrameModel):
    """Capex guidance statements as given, one row per statement, so revisions stay visible."""

    ticker: str = pa.Field(description="Company ticker (must exist in raw.companies)")
    guided_period: str = pa.Field(
        str_matches=r"^FY\d{4}(Q[1-4])?$",
        description="Guided fiscal period, e.g. FY2025 or FY2026Q1",
    )
    period_start: dt.date = pa.Field(nullable=True, description="First day of the guided period")
    period_end: dt.date = pa.Field(nullable=True, description="Last day of the guided period")
    basis: str = pa.Field(
        isin=["fy", "discrete"], description="fy (full year) or discrete (quarter)"
    )
    capex_definition: str = pa.Field(
        isin=CAPEX_DEFINITIONS,
        description="cash_pp_e (cash purchases of property and equipment), "
        "incl_finance_leases, unspecified",
    )
    low_usd_m: float = pa.Field(
        nullable=True,
        in_range={"min_value": 0, "max_value": 10_000_000},
        description="Low end, USD millions (0 to 10,000,000)",
    )
    mid_usd_m: float = pa.Field(
        nullable=True,
        in_range={"min_value": 0, "max_value": 10_000_000},
        description="Point estimate or midpoint, USD millions (0 to 10,000,000)",
    )
    high_usd_m: float = pa.Field(
        nullable=True,
        in_range={"min_value": 0, "max_value": 10_000_000},
        description="High end, USD millions (0 to 10,000,000)",
    )
    qualifier: str = pa.Field(nullable=True, isin=QUALIFIERS, description="e.g. more_than, about")
    given_on: dt.date = pa.Field(
        nullable=True, description="Date the guidance was given, when known"
    )
    given_before: dt.date = pa.Field(
        nullable=True,
        description="When given_on is unknown: a date the guidance is known to predate "
        "(e.g. the date a later statement replaced it)",
    )
    reported_on: dt.date = pa.Field(
        nullable=True,
        description="Date of the source document that reports it; empty when the document is "
        "undated (a statement with no date at all is stored, flagged undated, and never taken "
        "as known on a past date)",
    )
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
        description = (
            "Capex guidance as stated by the companies (or reported by brokers), "
            "with the date given."
        )

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

    @pa.dataframe_check(name="given_before must not be after reported_on [given_before]")
    def bound_before_reported(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("given_before").is_null() | (pl.col("given_before") <= pl.col("reported_on"))
        )

    @pa.dataframe_check(name="given_on must not be after reported_on [given_on]")
    def given_before_reported(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("given_on").is_null() | (pl.col("given_on") <= pl.col("reported_on"))
        )

    @pa.dataframe_check(
        name="basis must be fy for a full-year guided_period (FY2025) and discrete for a "
        "quarter (FY2025Q1) [basis]"
    )
    def basis_matches_period(cls, data: pa.PolarsData) -> pl.LazyFrame:
        quarter = pl.col("guided_period").str.contains("Q")
        return data.lazyframe.select(
            pl.col("guided_period").is_null()
            | pl.when(quarter)
            .then(pl.col("basis") == "discrete")
            .otherwise(pl.col("basis") == "fy")
        )

    @classmethod
    def explain_problem(cls, rule: str, row: dict[str, Any]) -> str | None:
        """A period date off the company's fiscal calendar: the date the calendar gives."""
        which = {"period_start must be the first day": 0, "period_end must be the last day": 1}
        for prefix, index in which.items():
            if rule.startswith(prefix):
                dates = _guided_period_dates(row["ticker"], row["guided_period"])
                if dates is None:
                    return None
                return (
                    f"{rule}: expected {dates[index].isoformat()} for {row['ticker']} "
                    f"{row['guided_period']} on {company_rules()[row['ticker']]}"
                )
        return None

    @pa.dataframe_check(
        name="period_start must be the first day of guided_period on the company's fiscal "
        "calendar [period_start]"
    )
    def period_start_on_calendar(cls, data: pa.PolarsData) -> pl.LazyFrame:
        def ok(row: dict[str, Any]) -> bool:
            dates = _guided_period_dates(row["ticker"], row["guided_period"])
            return row["period_start"] is None or dates is None or row["period_start"] == dates[0]

        return row_rule(data, ok)

    @pa.dataframe_check(
        name="period_end must be the last day of guided_period on the company's fiscal "
        "calendar [period_end]"
    )
    def period_end_on_calendar(cls, data: pa.PolarsData) -> pl.LazyFrame:
        def ok(row: dict[str, Any]) -> bool:
            dates = _guided_period_dates(row["ticker"], row["guided_period"])
            return row["period_end"] is None or dates is None or row["period_end"] == dates[1]

        return row_rule(data, ok)

    @pa.dataframe_check(name="period_start must not be after period_end [period_start]")
    def start_before_end(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("period_start").is_null()
            | pl.col("period_end").is_null()
            | (pl.col("period_start") <= pl.col("period_end"))
        )

    @pa.dataframe_check(name="at least one of low, mid, high is given [mid_usd_m]")
    def has_value(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.any_horizontal(pl.col("low_usd_m", "mid_usd_m", "high_usd_m").is_not_null())
        )

    @pa.check("given_on", "given_before", "reported_on", name=DOCUMENT_DATE_RULE)
    def dates_plausible(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return document_dates(data)


# ---------------------------------------------------------------- coverage notes
ALL_METRICS = "*"


def coverage_metrics() -> list[str]:
    """The metrics a coverage note may name: those of marts.company_quarterly (defined once,
    ``company_metrics()`` in sql/macros/vocabulary.sql), and ``*``."""
    import duckdb

    con = duckdb.connect()
    con.execute(settings.read_sql("macros/vocabulary.sql"))
    row = con.execute("SELECT company_metrics()").fetchone()
    return [*(row[0] if row else []), ALL_METRICS]


class CoverageNotesModel(pa.DataFrameModel):
    """Why a company's figures are missing for a span of quarters (meta.coverage explains it)."""

    ticker: str = pa.Field(description="Company ticker (must exist in raw.companies)")
    metric: str = pa.Field(
        str_matches=r"^([a-z_]+|\*)$",
        description="Metric as in marts.company_quarterly (capex, revenue, ...), or * for all",
    )
    first_quarter: str = pa.Field(
        str_matches=r"^\d{4}Q[1-4]$", description="First calendar quarter the note covers"
    )
    last_quarter: str = pa.Field(
        str_matches=r"^\d{4}Q[1-4]$", description="Last calendar quarter the note covers"
    )
    reason: str = pa.Field(
        str_length={"min_value": 10}, description="Why the figure is missing (where we looked)"
    )
    source: str = pa.Field(
        str_length={"min_value": 3},
        description="Where the search is recorded, e.g. raw/sourcing/msft-amzn.md",
    )

    class Config:
        strict = True
        unique = ["ticker", "metric", "first_quarter"]
        description = (
            "Explained gaps: for a company, metric and span of calendar quarters, why no figure "
            "could be sourced. meta.coverage marks a missing quarter explained when a note "
            "covers it."
        )

    @pa.dataframe_check(name="ticker must exist in raw.companies [ticker]")
    def known_ticker(cls, data: pa.PolarsData) -> pl.LazyFrame:
        known = set(company_rules())
        return row_rule(data, lambda r: r["ticker"] in known)

    @pa.dataframe_check(name="first_quarter must not be after last_quarter [first_quarter]")
    def ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("first_quarter") <= pl.col("last_quarter"))

    @pa.check(
        "metric",
        name="metric must be a metric of marts.company_quarterly (capex, revenue, ai_revenue, "
        "data_center_revenue, operating_cash_flow, depreciation_amortization) or * for all",
    )
    def known_metric(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).is_in(coverage_metrics()))


# -------------------------------------------------------------------------- claims
#: A claim's number as printed, in its unit (bn, GW, TFLOPs, units, ...): larger is a typo.
MAX_STATED_VALUE = 1_000_000_000_000


class ClaimsModel(pa.DataFrameModel):
    """Figures the seed's reports state, kept as claims to check against what we compute."""

    claim_id: str = pa.Field(unique=True, str_matches=r"^C\d{3}$", description="Stable claim id")
    article_no: int = pa.Field(ge=1, le=10, description="Seed article number (1-10)")
    article_title: str = pa.Field(description="Article title in English")
    publisher: str = pa.Field(description="Publisher")
    publish_date: str = pa.Field(
        str_matches=r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?$",
        description="Article date and time as printed",
    )
    citation: str = pa.Field(description="Footnote markers in the article, e.g. [1][4]")
    entity: str = pa.Field(description="Normalized entity: ticker, group name, chip or system name")
    metric: str = pa.Field(str_matches=r"^[a-z0-9_]+$", description="Normalized metric name")
    period: str = pa.Field(description="Normalized period, e.g. 2025Q2, FY2025Q3, 2025, spec")
    stated_value: float = pa.Field(description="Number as printed, in unit")
    unit: str = pa.Field(description="Unit of stated_value")
    decimals: int = pa.Field(
        ge=0, le=6, description="Decimals as printed; sets the check tolerance"
    )
    qualifier: str = pa.Field(
        nullable=True, isin=QUALIFIERS, description="about, more_than, nearly, ..."
    )
    related_claim_ids: str = pa.Field(
        nullable=True,
        str_matches=r"^C\d{3}(;C\d{3})*$",
        description="Claims this one is checked against",
    )
    quote_zh: str = pa.Field(description="Chinese quote from the seed")
    meaning_en: str = pa.Field(description="Meaning in English")
    note: str = pa.Field(nullable=True, description="Remarks, e.g. seed_flags item")

    class Config:
        strict = True
        description = (
            "Claims stated by the seed articles: checked in marts.claim_checks, "
            "never used as outputs."
        )

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

    @pa.dataframe_check(
        name=f"stated_value must be within ±{MAX_STATED_VALUE:,} (a number as printed, in its "
        "unit) [stated_value]"
    )
    def stated_value_plausible(cls, data: pa.PolarsData) -> pl.LazyFrame:
        value = pl.col("stated_value")
        return data.lazyframe.select(value.is_null() | (value.abs() <= MAX_STATED_VALUE))

    @pa.check("publish_date", name=f"publish_date {DOCUMENT_DATE_RULE}")
    def publish_date_plausible(cls, data: pa.PolarsData) -> pl.LazyFrame:
        day = pl.col(data.key).str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        return data.lazyframe.select(
            pl.col(data.key).is_null()  # reported as a required value
            | (day.is_not_null() & day.is_between(EARLIEST_DOCUMENT_DATE, latest_document_date()))
        )

    @pa.dataframe_check(
        name="a claim must not name itself in related_claim_ids [related_claim_ids]"
    )
    def not_related_to_itself(cls, data: pa.PolarsData) -> pl.LazyFrame:
        claim, related = pl.col("claim_id"), pl.col("related_claim_ids")
        return data.lazyframe.select(
            related.is_null() | ~related.str.split(";").list.contains(claim)
        )


# ============================================================ chips, systems, TCO
# Six files: three hold values, three their provenance (one source row per non-empty value).
# Cross-file rules read the sibling file from ``settings.raw_dir()``; a check name ends in
# ``[column]`` so a problem names its column, and ``Config.metadata["row_label"]`` makes it
# name the row's chip / system too.

ACCELERATOR_VALUE_FIELDS = ["bf16_dense_tflops", "hbm_gb", "hbm_tbps", "scale_up_gbps", "tdp_w"]
SYSTEM_VALUE_FIELDS = ["chip_count", "stated_total_bf16_pflops", "stated_total_hbm_tbps"]
TCO_ASSUMPTION_FIELDS = [
    "capital_usd",
    "life_years",
    "cost_of_capital",
    "it_power_kw",
    "power_utilisation",
    "pue",
    "electricity_usd_per_kwh",
    "rent_usd_per_kw_month",
    "maintenance_pct_of_capital_per_year",
]
TCO_SOURCE_KINDS = ["sourced", "assumption"]
ALL_CHIPS = "*"


def sibling_rows(filename: str) -> list[dict[str, str]] | None:
    """Rows of another raw file (``raw_dir()/filename``) as text; None if it cannot be read."""
    import csv
    import io

    from pipelines import settings
    from pipelines.raw.files import open_regular

    try:
        path = settings.raw_dir() / filename
        with io.TextIOWrapper(open_regular(path), encoding="utf-8-sig", newline="") as handle:
            return [
                {k: (v or "").strip() for k, v in row.items() if k}
                for row in csv.DictReader(handle)
            ]
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def _sibling_keys(filename: str, key: str, field: str | None = None) -> set[Any] | None:
    rows = sibling_rows(filename)
    if rows is None:
        return None
    if field is None:
        return {row.get(key, "") for row in rows}
    return {(row.get(key, ""), row.get(field, "")) for row in rows}


def _has_source_row(
    data: pa.PolarsData, key: str, sources_file: str, wildcard: bool = False
) -> pl.LazyFrame:
    """Column check: a non-empty value in column ``data.key`` needs a (key, column) row in
    ``sources_file``."""
    sourced = _sibling_keys(sources_file, key, "field") or set()
    frame = data.lazyframe.select(key, data.key).collect()
    column = data.key
    ok = [
        value is None or (name, column) in sourced or (wildcard and (ALL_CHIPS, column) in sourced)
        for name, value in zip(frame[key].to_list(), frame[column].to_list(), strict=True)
    ]
    return pl.LazyFrame({"ok": ok}, schema={"ok": pl.Boolean})


def _names_existing(
    data: pa.PolarsData, key: str, parent_file: str, wildcard: bool = False
) -> pl.LazyFrame:
    """Dataframe check: ``key`` of each row names a row of ``parent_file`` (or ``*``)."""
    known = _sibling_keys(parent_file, key) or set()
    names = data.lazyframe.select(key).collect()[key].to_list()
    ok = [name in known or (wildcard and name == ALL_CHIPS) for name in names]
    return pl.LazyFrame({"ok": ok}, schema={"ok": pl.Boolean})


class AcceleratorsModel(pa.DataFrameModel):
    """Per-chip specifications, one row per accelerator; every value has a source row."""

    chip: str = pa.Field(
        unique=True,
        str_length={"min_value": 2},
        description="Chip name used across the ledger, e.g. Trainium2, GB200 (one GPU of an NVL72)",
    )
    vendor: str = pa.Field(
        str_matches=VENDOR_PATTERN, description="Chip vendor as named by the source"
    )
    bf16_dense_tflops: float = pa.Field(
        nullable=True,
        in_range={"min_value": 1, "max_value": 100_000},
        description="Dense BF16 tensor TFLOP/s per chip (NVIDIA sparse figures halved); "
        "plausible range 1 to 100,000",
    )
    hbm_gb: float = pa.Field(
        nullable=True,
        in_range={"min_value": 1, "max_value": 10_000},
        description="HBM capacity per chip, GB (10^9 bytes; GiB converted x 1.073741824); "
        "plausible range 1 to 10,000",
    )
    hbm_tbps: float = pa.Field(
        nullable=True,
        in_range={"min_value": 0.01, "max_value": 100},
        description="HBM bandwidth per chip, TB/s; plausible range 0.01 to 100",
    )
    scale_up_gbps: float = pa.Field(
        nullable=True,
        in_range={"min_value": 1, "max_value": 100_000},
        description="Per-chip scale-up bandwidth as the vendor states it, GB/s (direction in "
        "note); plausible range 1 to 100,000",
    )
    tdp_w: float = pa.Field(
        nullable=True,
        in_range={"min_value": 10, "max_value": 10_000},
        description="Maximum thermal design / board power per chip, W; plausible range 10 to "
        "10,000",
    )
    note: str = pa.Field(
        nullable=True, description="Variant, conversions, conflicts between sources"
    )

    class Config:
        strict = True
        description = (
            "Accelerator specifications per chip (dense BF16 TFLOP/s, HBM GB and TB/s, scale-up "
            "GB/s, TDP W), each value sourced in raw.accelerator_sources; empty = not published."
        )
        metadata = {"row_label": ["chip"]}

    @pa.check(
        *ACCELERATOR_VALUE_FIELDS, name="every value needs a source row in accelerator_sources.csv"
    )
    def value_has_source(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _has_source_row(data, "chip", "accelerator_sources.csv")


class AcceleratorSourcesModel(pa.DataFrameModel):
    """Where each accelerator spec value comes from: one row per chip x field."""

    chip: str = pa.Field(description="A chip of accelerators.csv")
    field: str = pa.Field(
        isin=ACCELERATOR_VALUE_FIELDS,
        description="The value column of accelerators.csv this row sources",
    )
    source_title: str = pa.Field(str_length={"min_value": 3}, description="Source document title")
    source_url: str = pa.Field(
        str_matches=SOURCE_URL_PATTERN, description="Source address (URL or repository path)"
    )
    published: dt.date = pa.Field(nullable=True, description="Page date, empty if unknown")
    quote: str = pa.Field(
        str_length={"min_value": 1}, description="Verbatim excerpt holding the number"
    )
    note: str = pa.Field(nullable=True, description="Table column, conversion, disagreeing sources")

    class Config:
        strict = True
        unique = ["chip", "field"]
        description = "Provenance of every accelerator spec value: title, address, verbatim quote."
        metadata = {"row_label": ["chip", "field"]}

    @pa.dataframe_check(name="chip must exist in accelerators.csv [chip]")
    def known_chip(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _names_existing(data, "chip", "accelerators.csv")

    @pa.check("published", name=DOCUMENT_DATE_RULE)
    def published_plausible(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return document_dates(data)


class SystemsModel(pa.DataFrameModel):
    """Scale-up systems (world size): chip, stated chip count and stated totals."""

    system: str = pa.Field(
        unique=True, str_length={"min_value": 2}, description="System name, e.g. GB200 NVL72"
    )
    chip: str = pa.Field(
        str_length={"min_value": 2},
        description="Chip of accelerators.csv, or the chip's name if it has no row there",
    )
    chip_count: int = pa.Field(
        nullable=True,
        in_range={"min_value": 1, "max_value": 1_000_000},
        description="Chips per system, only as a source states it; 1 to 1,000,000",
    )
    stated_total_bf16_pflops: float = pa.Field(
        nullable=True,
        in_range={"min_value": 0.001, "max_value": 10_000_000},
        description="Dense BF16 PFLOP/s of the whole system as printed by a source; "
        "plausible range 0.001 to 10,000,000",
    )
    stated_total_hbm_tbps: float = pa.Field(
        nullable=True,
        in_range={"min_value": 0.01, "max_value": 100_000_000},
        description="HBM TB/s of the whole system as printed by a source; plausible range "
        "0.01 to 100,000,000",
    )
    note: str = pa.Field(nullable=True, description="Composition, what is stated and what is not")

    class Config:
        strict = True
        description = (
            "Scale-up systems with stated chip counts and stated totals; empty = not stated."
        )
        metadata = {"row_label": ["system"]}

    @pa.check(*SYSTEM_VALUE_FIELDS, name="every value needs a source row in system_sources.csv")
    def value_has_source(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _has_source_row(data, "system", "system_sources.csv")


class SystemSourcesModel(pa.DataFrameModel):
    """Where each system value comes from: one row per system x field."""

    system: str = pa.Field(description="A system of systems.csv")
    field: str = pa.Field(
        isin=SYSTEM_VALUE_FIELDS, description="The value column of systems.csv this row sources"
    )
    source_title: str = pa.Field(str_length={"min_value": 3}, description="Source document title")
    source_url: str = pa.Field(
        str_matches=SOURCE_URL_PATTERN, description="Source address (URL or repository path)"
    )
    published: dt.date = pa.Field(nullable=True, description="Page date, empty if unknown")
    quote: str = pa.Field(
        str_length={"min_value": 1}, description="Verbatim excerpt holding the number"
    )
    note: str = pa.Field(nullable=True, description="Remarks, other sources")

    class Config:
        strict = True
        unique = ["system", "field"]
        description = "Provenance of every system value: title, address, verbatim quote."
        metadata = {"row_label": ["system", "field"]}

    @pa.dataframe_check(name="system must exist in systems.csv [system]")
    def known_system(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _names_existing(data, "system", "systems.csv")

    @pa.check("published", name=DOCUMENT_DATE_RULE)
    def published_plausible(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return document_dates(data)


class TcoAssumptionsModel(pa.DataFrameModel):
    """Per-chip cost assumptions of the TCO model (pipelines/tco/model.py)."""

    chip: str = pa.Field(unique=True, description="A chip of accelerators.csv")
    capital_usd: float = pa.Field(
        in_range={"min_value": 100, "max_value": 10_000_000},
        description="All-in capex per chip (chip + server + network share), USD; plausible "
        "range 100 to 10,000,000",
    )
    life_years: float = pa.Field(le=30, description="Useful life, years (> 0, at most 30)")
    cost_of_capital: float = pa.Field(
        description="Cost of capital per year, fraction (0.10 = 10 %), 0 to 0.5"
    )
    it_power_kw: float = pa.Field(
        in_range={"min_value": 0.01, "max_value": 100},
        description="All-in IT power per chip, kW (chip + host, NIC, switch share); plausible "
        "range 0.01 to 100",
    )
    power_utilisation: float = pa.Field(description="Average draw / IT power, fraction in (0, 1]")
    pue: float = pa.Field(le=3, description="Power usage effectiveness, ratio >= 1, at most 3")
    electricity_usd_per_kwh: float = pa.Field(
        in_range={"min_value": 0.001, "max_value": 5},
        description="Electricity price, USD per kWh; plausible range 0.001 to 5",
    )
    rent_usd_per_kw_month: float = pa.Field(
        in_range={"min_value": 0, "max_value": 10_000},
        description="Colocation rent, USD per kW of contracted IT power per month; 0 to 10,000",
    )
    maintenance_pct_of_capital_per_year: float = pa.Field(
        ge=0, le=1, description="Maintenance, fraction of capex per year"
    )

    class Config:
        strict = True
        description = (
            "TCO assumptions per chip: capex, life, cost of capital, power, utilisation, PUE, "
            "electricity, rent, maintenance; each sourced or marked as an assumption in "
            "raw.tco_assumption_sources."
        )
        metadata = {"row_label": ["chip"]}

    @pa.check("life_years", name="life_years must be > 0 (years)")
    def life_positive(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key) > 0)

    @pa.check(
        "cost_of_capital",
        name="cost_of_capital must be between 0 and 0.5 (a fraction: 0.10 = 10 %)",
    )
    def rate_in_range(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).is_between(0, 0.5))

    @pa.check("power_utilisation", name="power_utilisation must be in (0, 1]: above 0, at most 1")
    def utilisation_in_range(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col(data.key) > 0) & (pl.col(data.key) <= 1))

    @pa.check("pue", name="pue must be >= 1 (facility power / IT power)")
    def pue_at_least_one(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key) >= 1)

    @pa.check(
        *TCO_ASSUMPTION_FIELDS,
        name="every value needs a source row in tco_assumption_sources.csv (chip or *)",
    )
    def value_has_source(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _has_source_row(data, "chip", "tco_assumption_sources.csv", wildcard=True)

    @pa.dataframe_check(name="chip must exist in accelerators.csv [chip]")
    def known_chip(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _names_existing(data, "chip", "accelerators.csv")


class TcoAssumptionSourcesModel(pa.DataFrameModel):
    """Source or reasoning of each TCO assumption: one row per chip (or *) x field."""

    chip: str = pa.Field(
        description="A chip of tco_assumptions.csv, or * for a value shared by every chip"
    )
    field: str = pa.Field(
        isin=TCO_ASSUMPTION_FIELDS, description="The column of tco_assumptions.csv this row covers"
    )
    source_kind: str = pa.Field(
        isin=TCO_SOURCE_KINDS,
        description="sourced (a published value) or assumption (a judgement, with reasoning)",
    )
    source_title: str = pa.Field(
        nullable=True, description="Source document title (required when sourced)"
    )
    source_url: str = pa.Field(
        nullable=True,
        str_matches=SOURCE_URL_PATTERN,
        description="Source address (required when sourced)",
    )
    reasoning: str = pa.Field(
        str_length={"min_value": 3},
        description="Why this value; what a calibrated value was tuned to",
    )

    class Config:
        strict = True
        unique = ["chip", "field"]
        description = (
            "Source or reasoning of every TCO assumption; calibrated values say what they "
            "were tuned to."
        )
        metadata = {"row_label": ["chip", "field"]}

    @pa.dataframe_check(name="chip must exist in tco_assumptions.csv or be * [chip]")
    def known_chip(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _names_existing(data, "chip", "tco_assumptions.csv", wildcard=True)

    @pa.dataframe_check(name="a sourced value needs source_title and source_url [source_url]")
    def sourced_has_reference(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("source_kind") != "sourced")
            | (pl.col("source_title").is_not_null() & pl.col("source_url").is_not_null())
        )
