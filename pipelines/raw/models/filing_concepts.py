"""Model of the filing-concepts file: which XBRL concepts of a company's filings give a metric."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.raw.models.rules import CONCEPT_PATTERN, FINANCIAL_METRICS, row_rule
from pipelines.raw.reference import company_rules


class FilingConceptsModel(pa.DataFrameModel):
    """XBRL companyfacts concepts of each company's ledger metrics, read by the SEC connector."""

    ticker: str = pa.Field(description="Company ticker (must exist in raw.companies)")
    metric: str = pa.Field(isin=FINANCIAL_METRICS, description="Ledger metric (raw.financials)")
    priority: int = pa.Field(ge=1, le=9, description="Fallback order: per quarter 1 first")
    taxonomy: str = pa.Field(isin=["us-gaap", "ifrs-full"], description="XBRL taxonomy")
    concept: str = pa.Field(str_matches=CONCEPT_PATTERN, description="XBRL concept")
    unit: str = pa.Field(str_length={"min_value": 3, "max_value": 3}, description="Currency")
    sign: int = pa.Field(
        isin=[1, -1], description="-1 subtracts: the rows of one priority are added, per filing"
    )
    note: str = pa.Field(nullable=True, description="What the concept holds for this company")
    source: str = pa.Field(
        str_length={"min_value": 10}, description="Where the mapping comes from (file, commit)"
    )

    class Config:
        strict = True
        unique = ["ticker", "metric", "priority", "concept"]
        description = "XBRL concepts of each company's ledger metrics (SEC connector)."

    @pa.dataframe_check(name="ticker must exist in raw.companies [ticker]")
    def known_ticker(cls, data: pa.PolarsData) -> pl.LazyFrame:
        known = set(company_rules())
        return row_rule(data, lambda r: r["ticker"] in known)

    @pa.dataframe_check(name="one priority: one taxonomy and unit, a sign 1 row [priority]")
    def one_series(cls, data: pa.PolarsData) -> pl.LazyFrame:
        one = ["ticker", "metric", "priority"]
        return data.lazyframe.select(
            (pl.col("taxonomy").n_unique().over(one) == 1)
            & (pl.col("unit").n_unique().over(one) == 1)
            & (pl.col("sign").max().over(one) == 1)
        )
