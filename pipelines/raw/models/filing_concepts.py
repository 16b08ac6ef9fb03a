"""Model of the filing-concepts file: which XBRL concepts of a company's filings give a metric."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.raw.models.rules import FINANCIAL_METRICS, row_rule
from pipelines.raw.reference import company_rules


class FilingConceptsModel(pa.DataFrameModel):
    """XBRL companyfacts concepts of each company's ledger metrics, read by the SEC connector."""

    ticker: str = pa.Field(description="Company ticker (must exist in raw.companies)")
    metric: str = pa.Field(
        isin=FINANCIAL_METRICS,
        description="Ledger metric, as in raw.financials (see raw/README.md)",
    )
    priority: int = pa.Field(
        ge=1,
        le=9,
        description="Fallback order: for each fiscal quarter the lowest priority that gives it "
        "wins (a company that switched tags is covered on both sides of the switch)",
    )
    taxonomy: str = pa.Field(
        str_matches=r"^[a-z][a-z-]*$", description="XBRL taxonomy: us-gaap, or ifrs-full"
    )
    concept: str = pa.Field(
        str_matches=r"^[A-Z][A-Za-z0-9]*$", description="XBRL concept name as in companyfacts"
    )
    unit: str = pa.Field(
        str_matches=r"^[A-Z]{3}$", description="Currency of the facts: USD (IFRS filers: theirs)"
    )
    sign: int = pa.Field(
        isin=[1, -1],
        description="+1, or -1 for a concept subtracted: the rows of one (ticker, metric, "
        "priority) are added with their signs, from facts of one filing and period",
    )
    note: str = pa.Field(nullable=True, description="What the concept holds for this company")
    source: str = pa.Field(
        str_length={"min_value": 10},
        description="Where the mapping comes from: the companyfacts file or filing presentation "
        "that shows the concept (repository @ commit, path)",
    )

    class Config:
        strict = True
        unique = ["ticker", "metric", "priority", "concept"]
        description = (
            "Which XBRL companyfacts concepts give each company's ledger metrics, in fallback "
            "order; a metric that is a sum or difference of concepts has one row per concept "
            "with its sign. The SEC connector derives sec.quarterly from these."
        )

    @pa.dataframe_check(name="ticker must exist in raw.companies [ticker]")
    def known_ticker(cls, data: pa.PolarsData) -> pl.LazyFrame:
        known = set(company_rules())
        return row_rule(data, lambda r: r["ticker"] in known)

    @pa.dataframe_check(
        name="the rows of one ticker, metric and priority must share taxonomy and unit and add "
        "at least one concept (sign 1) [priority]"
    )
    def one_series(cls, data: pa.PolarsData) -> pl.LazyFrame:
        group = ["ticker", "metric", "priority"]
        return data.lazyframe.select(
            (pl.col("taxonomy").n_unique().over(group) == 1)
            & (pl.col("unit").n_unique().over(group) == 1)
            & (pl.col("sign").max().over(group) == 1)
        )
