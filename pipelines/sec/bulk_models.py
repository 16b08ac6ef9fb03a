"""Pandera model of the SEC store's ``members`` table: one row per member of the bulk archive."""

from __future__ import annotations

import pandera.polars as pa

STATUSES = ["ingested", "quarantined"]
STAGES = ["name", "size", "read", "json", "shape", "cik", "parse", "facts", "quarterly"]


class BulkMembersModel(pa.DataFrameModel):
    """One row per member of the bulk source: ingested (with its row counts) or quarantined."""

    member: str = pa.Field(description="Member name inside the archive, or file name in the folder")
    cik: int = pa.Field(
        nullable=True, gt=0, description="CIK from the member name CIK##########.json"
    )
    bytes: int = pa.Field(ge=0, description="Uncompressed size of the member in bytes")
    entity_name: str = pa.Field(nullable=True, description="entityName inside the file")
    status: str = pa.Field(isin=STATUSES, description="ingested or quarantined")
    stage: str = pa.Field(
        nullable=True,
        isin=STAGES,
        description="Check a quarantined member failed: name, size, read (decompression), json, "
        "shape, cik (file vs name), parse, facts (FactsModel), quarterly (QuarterlyModel, "
        "QuarterlyFirstReportedModel or FiscalYearCoverageModel)",
    )
    reason: str = pa.Field(nullable=True, description="Why it was quarantined, with the value")
    facts: int = pa.Field(ge=0, description="Rows of the member in the store's facts table")
    quarters: int = pa.Field(ge=0, description="Rows of the member in the store's quarterly table")

    class Config:
        strict = True
        description = (
            "Members of the SEC bulk archive (sec.bulk_members, a view over the SEC store): "
            "each member once, ingested with its fact and quarter counts, or quarantined with "
            "the stage and reason; the other members are ingested all the same."
        )

    @pa.dataframe_check(name="a quarantined member has a stage and a reason [status]")
    def quarantine_explained(cls, data: pa.PolarsData):  # type: ignore[no-untyped-def]
        import polars as pl

        quarantined = pl.col("status") == "quarantined"
        explained = pl.col("stage").is_not_null() & pl.col("reason").is_not_null()
        return data.lazyframe.select(~quarantined | explained)
