"""The marts computed from raw frames, for today or as known on a past date.

The mart assets write what :func:`build_marts` computes from the whole of ``raw``; the claim
checks compute the same tables again from only the rows known on a claim's date
(:func:`known_on`), so a claim is judged both as of its date and as of today. Nothing here
writes to the warehouse: SQL runs on frames registered on the connection.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import polars as pl

from pipelines import settings
from pipelines.marts.ai_revenue import DEFAULT_MAX_CONSENSUS_AGE_DAYS, build_ai_revenue_quarterly
from pipelines.marts.capex import Company, build_capex_quarterly, companies_from_frame
from pipelines.marts.company import build_company_quarterly
from pipelines.marts.group import build_group_quarterly
from pipelines.marts.guidance import build_capex_guidance
from pipelines.warehouse.tables import read_table

#: Environment variable: a consensus older than this many days at the results is stale.
MAX_CONSENSUS_AGE_ENV = "LEDGER_CONSENSUS_MAX_AGE_DAYS"


def max_consensus_age_days() -> int:
    """The stale-consensus limit (``LEDGER_CONSENSUS_MAX_AGE_DAYS``, default 45)."""
    value = os.environ.get(MAX_CONSENSUS_AGE_ENV, "").strip()
    if not value:
        return DEFAULT_MAX_CONSENSUS_AGE_DAYS
    try:
        days = int(value)
    except ValueError:
        raise ValueError(
            f"{MAX_CONSENSUS_AGE_ENV}={value!r} is not a whole number of days"
        ) from None
    if days < 0:
        raise ValueError(f"{MAX_CONSENSUS_AGE_ENV}={value!r} must not be negative")
    return days


@dataclass(frozen=True)
class Inputs:
    """The raw tables the marts are computed from."""

    companies: pl.DataFrame
    group_members: pl.DataFrame
    financials: pl.DataFrame
    guidance: pl.DataFrame

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> Inputs:
        return cls(
            read_table(con, "raw.companies"),
            read_table(con, "raw.group_members"),
            read_table(con, "raw.financials"),
            read_table(con, "raw.capex_guidance"),
        )

    @property
    def company_map(self) -> dict[str, Company]:
        return companies_from_frame(self.companies)

    @property
    def rules(self) -> dict[str, str]:
        return {t: c.calendar for t, c in self.company_map.items()}


def known_on(inputs: Inputs, as_of: dt.date) -> Inputs:
    """Only the figures and statements known to be public on ``as_of``.

    A figure counts from its ``published`` date, an undated one from its document's date
    (``published_before``); a figure with neither is never counted as known on a past date.
    A guidance statement counts from ``given_on``, else ``given_before``, else the date of
    the document reporting it."""
    financials = inputs.financials.filter(
        pl.coalesce(pl.col("published"), pl.col("published_before")) <= as_of
    )
    guidance = inputs.guidance.filter(
        pl.coalesce(pl.col("given_on"), pl.col("given_before"), pl.col("reported_on")) <= as_of
    )
    return Inputs(inputs.companies, inputs.group_members, financials, guidance)


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, **frames: pl.DataFrame) -> Iterator[None]:
    for name, frame in frames.items():
        con.register(name, frame.to_arrow())
    try:
        yield
    finally:
        for name in frames:
            con.unregister(name)


def actual_figures(con: duckdb.DuckDBPyConnection, financials: pl.DataFrame) -> pl.DataFrame:
    """``sql/marts/actual_figures.sql`` on ``financials``."""
    with _registered(con, financials_in_scope=financials):
        return con.execute(settings.read_sql("marts/actual_figures.sql")).pl()


@dataclass(frozen=True)
class Marts:
    capex_quarterly: pl.DataFrame
    company_quarterly: pl.DataFrame
    group_quarterly: pl.DataFrame
    group_member_quarterly: pl.DataFrame
    capex_guidance: pl.DataFrame
    ai_revenue_quarterly: pl.DataFrame


def build_ai_revenue(
    con: duckdb.DuckDBPyConnection, inputs: Inputs, actuals: pl.DataFrame
) -> pl.DataFrame:
    expectations = inputs.financials.filter(pl.col("value_kind") != "actual")
    pick_sql = settings.read_sql("marts/pick_expectation.sql")

    def pick(requests: pl.DataFrame, value_kind: str, window_days: int) -> pl.DataFrame:
        with _registered(con, expectation_requests=requests, expectation_candidates=expectations):
            return con.execute(
                pick_sql, {"value_kind": value_kind, "window_days": window_days}
            ).pl()

    return build_ai_revenue_quarterly(
        actuals, expectations, inputs.company_map, pick, max_consensus_age_days()
    )


def build_marts(con: duckdb.DuckDBPyConnection, inputs: Inputs) -> Marts:
    """Every company/group mart from ``inputs`` (all of raw, or :func:`known_on` a date)."""
    companies = inputs.company_map
    actuals = actual_figures(con, inputs.financials)
    capex = build_capex_quarterly(actuals, companies)
    company = build_company_quarterly(actuals, companies, capex)
    group, members = build_group_quarterly(company, inputs.group_members)
    guidance = build_capex_guidance(inputs.guidance, capex, inputs.rules)
    ai = build_ai_revenue(con, inputs, actuals)
    return Marts(capex, company, group, members, guidance, ai)
