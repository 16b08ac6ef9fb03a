"""Model of the claims file: figures the seed's reports state, checked later."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from pipelines.raw.models.rules import (
    DOCUMENT_DATE_RULE,
    EARLIEST_DOCUMENT_DATE,
    QUALIFIERS,
    latest_document_date,
)

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
    subject_type: str = pa.Field(
        isin=("measured_value", "statement"),
        description="measured_value (an actual) or statement (guidance, consensus, forecast)",
    )
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
        ok = [rel is None or set(rel.split(";")) <= ids for rel in frame["related_claim_ids"]]
        return pl.LazyFrame({"ok": ok}, schema={"ok": pl.Boolean})

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
