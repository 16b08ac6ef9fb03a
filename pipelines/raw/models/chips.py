"""Models of the chip files: accelerators, systems, TCO assumptions and their sources."""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl

from pipelines.raw.models.rules import (
    DOCUMENT_DATE_RULE,
    SOURCE_URL_PATTERN,
    VENDOR_PATTERN,
    document_dates,
    has_source_row,
    names_existing,
)

# ------------------------------------------------------------ chips, systems, TCO
# Six files: three hold values, three their provenance (one source row per non-empty value).
# Cross-file rules read the sibling file (``rules.sibling_rows``); a check name ends in
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
        return has_source_row(data, "chip", "accelerator_sources.csv")


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
        return names_existing(data, "chip", "accelerators.csv")

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
        return has_source_row(data, "system", "system_sources.csv")


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
        return names_existing(data, "system", "systems.csv")

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
        return has_source_row(data, "chip", "tco_assumption_sources.csv", wildcard=True)

    @pa.dataframe_check(name="chip must exist in accelerators.csv [chip]")
    def known_chip(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return names_existing(data, "chip", "accelerators.csv")


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
        return names_existing(data, "chip", "tco_assumptions.csv", wildcard=True)

    @pa.dataframe_check(name="a sourced value needs source_title and source_url [source_url]")
    def sourced_has_reference(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("source_kind") != "sourced")
            | (pl.col("source_title").is_not_null() & pl.col("source_url").is_not_null())
        )
