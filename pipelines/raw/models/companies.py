"""Models of the company files: companies, groups, group members and coverage notes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandera.polars as pa
import polars as pl

from pipelines import settings
from pipelines.calendar.fiscal import GRAMMAR, parse_calendar
from pipelines.raw.models.rules import (
    CAPEX_LESS_METRICS,
    CAPEX_METRICS,
    DOCUMENT_DATE_RULE,
    NAME_PATTERN,
    SOURCE_URL_PATTERN,
    document_dates,
    row_rule,
    sibling_rows,
)
from pipelines.raw.reference import company_rules, known_groups


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
