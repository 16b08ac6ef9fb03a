"""One pandera model per TCO table: validation before the write, ``COMMENT ON`` text and
Dagster's column schema all come from here."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

CAPITAL_METHODS = ["annuity", "straight_line"]
ADVANTAGE_READINGS = ["cost_saving", "reference_premium"]
TOTAL_BASES = ["computed", "stated", "unknown"]
SOURCE_KINDS = ["sourced", "assumption"]


class FiniteModel(pa.DataFrameModel):
    """Base of every TCO model: no float column may hold ``inf``, ``-inf`` or ``NaN`` (pandera's
    range checks let them through). Raw inputs are refused earlier (``pipelines/raw/
    validation.py``); this stops a non-finite number computed from them before it is written."""

    @pa.dataframe_check(name="every float column must be finite (no inf, -inf or NaN)")
    def floats_are_finite(cls, data: pa.PolarsData) -> pl.LazyFrame:
        frame = data.lazyframe
        floats = [name for name, dtype in frame.collect_schema().items() if dtype.is_float()]
        if not floats:
            return frame.select(pl.lit(True).alias("ok"))
        return frame.select(
            pl.all_horizontal([pl.col(c).is_finite().fill_null(True) for c in floats]).alias("ok")
        )


class ChipTcoModel(FiniteModel):
    """Total cost of ownership per chip-hour, with the inputs used."""

    chip: str = pa.Field(unique=True, description="Chip (raw.tco_assumptions.chip)")
    capital_usd_per_hour: float = pa.Field(
        ge=0,
        description="Capital cost per chip-hour, USD: "
        "capital_usd x r / (1 - (1 + r)^-life) / 8,760 "
        "(annuity at cost_of_capital r)",
    )
    operating_usd_per_hour: float = pa.Field(
        ge=0,
        description="Operating cost per chip-hour, USD = power + rent + maintenance columns",
    )
    tco_usd_per_hour: float = pa.Field(
        ge=0, description="Total cost per chip-hour, USD = capital + operating"
    )
    tco_usd_per_pflop_hour: float = pa.Field(
        nullable=True,
        ge=0,
        description="USD per dense-BF16 PFLOP/s-hour = "
        "tco_usd_per_hour / (bf16_dense_tflops / 1,000)",
    )
    tco_usd_per_tbps_hour: float = pa.Field(
        nullable=True,
        ge=0,
        description="USD per TB/s-hour of HBM bandwidth = tco_usd_per_hour / hbm_tbps",
    )
    tco_usd_per_hbm_gb_hour: float = pa.Field(
        nullable=True, ge=0, description="USD per GB-hour of HBM = tco_usd_per_hour / hbm_gb"
    )
    rank_by_tbps: int = pa.Field(
        nullable=True,
        ge=1,
        description="1 = cheapest per TB/s-hour of HBM bandwidth among the costed chips",
    )
    vendor: str = pa.Field(nullable=True, description="Vendor (raw.accelerators)")
    capital_method: str = pa.Field(
        isin=CAPITAL_METHODS, description="How capital is spread over the life: annuity"
    )
    power_usd_per_hour: float = pa.Field(
        ge=0,
        description="Electricity: it_power_kw x power_utilisation x pue x electricity_usd_per_kwh",
    )
    rent_usd_per_hour: float = pa.Field(
        ge=0,
        description="Colocation: rent_usd_per_kw_month x 12 / 8,760 x it_power_kw (contracted kW)",
    )
    maintenance_usd_per_hour: float = pa.Field(
        ge=0, description="Maintenance: capital_usd x maintenance_pct_of_capital_per_year / 8,760"
    )
    capital_straight_line_usd_per_hour: float = pa.Field(
        ge=0,
        description="Straight-line variant: capital_usd / life_years / 8,760 "
        "(ignores the cost of capital)",
    )
    tco_straight_line_usd_per_hour: float = pa.Field(
        ge=0, description="capital_straight_line_usd_per_hour + operating_usd_per_hour"
    )
    capital_usd: float = pa.Field(ge=0, description="Input: all-in capex per chip, USD")
    life_years: float = pa.Field(gt=0, description="Input: useful life, years")
    cost_of_capital: float = pa.Field(ge=0, le=0.5, description="Input: cost of capital, fraction")
    it_power_kw: float = pa.Field(ge=0, description="Input: all-in IT power per chip, kW")
    power_utilisation: float = pa.Field(gt=0, le=1, description="Input: average draw / IT power")
    pue: float = pa.Field(ge=1, description="Input: power usage effectiveness")
    electricity_usd_per_kwh: float = pa.Field(ge=0, description="Input: USD per kWh")
    rent_usd_per_kw_month: float = pa.Field(ge=0, description="Input: colocation USD per kW-month")
    maintenance_pct_of_capital_per_year: float = pa.Field(
        ge=0, description="Input: maintenance, fraction of capex per year"
    )
    bf16_dense_tflops: float = pa.Field(
        nullable=True, description="Spec: dense BF16 TFLOP/s per chip (raw.accelerators)"
    )
    hbm_tbps: float = pa.Field(nullable=True, description="Spec: HBM TB/s per chip")
    hbm_gb: float = pa.Field(nullable=True, description="Spec: HBM GB per chip")
    capital_source_kind: str = pa.Field(
        nullable=True,
        isin=SOURCE_KINDS,
        description="sourced or assumption: provenance of capital_usd (raw.tco_assumption_sources)",
    )
    capital_reasoning: str = pa.Field(
        nullable=True,
        description="Why capital_usd has this value; says what a calibrated value was tuned to",
    )
    assumed_fields: str = pa.Field(
        nullable=True, description="Inputs of this chip that are assumptions, not published values"
    )
    calibrated_fields: str = pa.Field(
        nullable=True,
        description="Inputs whose stated reasoning says they were calibrated or tuned to hit a "
        "target (e.g. the seed's figures): agreement with that target is by construction",
    )
    spec_sources: str = pa.Field(
        nullable=True,
        description="Sources of the specs used (bf16_dense_tflops, hbm_tbps, hbm_gb), as "
        "'fields: source title; ...' (raw.accelerator_sources)",
    )
    assumption_sources: str = pa.Field(
        nullable=True,
        description="Sources of the TCO inputs, as 'fields: source title; ...' "
        "(raw.tco_assumption_sources: the chip's own row, else the shared '*' row)",
    )

    class Config:
        strict = True
        description = (
            "Chip TCO per chip-hour (capital annuity + power + rent + maintenance) and per unit: "
            "dense-BF16 PFLOP/s-hour, HBM TB/s-hour, HBM GB-hour; with every input used. "
            "Capital figures are assumptions: see capital_reasoning (GB200's is calibrated)."
        )


class TcoComparisonModel(FiniteModel):
    """Each chip against a reference chip: cost ratios and the percentage advantage."""

    chip: str = pa.Field(unique=True, description="Chip compared")
    reference_chip: str = pa.Field(description="Reference chip (asset config, default GB200)")
    advantage_reading: str = pa.Field(
        isin=ADVANTAGE_READINGS,
        description="Which reading of 'X % advantage' the *_advantage_pct use",
    )
    advantage_definition: str = pa.Field(description="The advantage formula in words")
    tco_usd_per_hour: float = pa.Field(description="Chip TCO per chip-hour, USD")
    reference_tco_usd_per_hour: float = pa.Field(description="Reference TCO per chip-hour, USD")
    tco_per_hour_ratio: float = pa.Field(description="chip / reference, per chip-hour")
    tco_per_pflop_ratio: float = pa.Field(
        nullable=True, description="chip / reference, per dense-BF16 PFLOP/s-hour"
    )
    tco_per_tbps_ratio: float = pa.Field(
        nullable=True, description="chip / reference, per HBM TB/s-hour (< 1: chip cheaper)"
    )
    tco_per_hbm_gb_ratio: float = pa.Field(
        nullable=True, description="chip / reference, per HBM GB-hour"
    )
    advantage_per_hour_pct: float = pa.Field(
        description="Advantage of chip over reference per chip-hour, percent (positive = cheaper)"
    )
    advantage_per_pflop_pct: float = pa.Field(
        nullable=True, description="Advantage per dense-BF16 PFLOP/s-hour, percent"
    )
    advantage_per_tbps_pct: float = pa.Field(
        nullable=True, description="Advantage per HBM TB/s-hour, percent (the seed's 30.1 % metric)"
    )
    advantage_per_hbm_gb_pct: float = pa.Field(
        nullable=True, description="Advantage per HBM GB-hour, percent"
    )
    advantage_per_tbps_cost_saving_pct: float = pa.Field(
        nullable=True,
        description="Per TB/s-hour, cost-saving reading: (1 - chip / reference) x 100",
    )
    advantage_per_tbps_reference_premium_pct: float = pa.Field(
        nullable=True,
        description="Per TB/s-hour, reference-premium reading: (reference / chip - 1) x 100",
    )
    breakeven_electricity_usd_per_kwh: float = pa.Field(
        nullable=True,
        description="Electricity price at which chip and reference cost the same per TB/s-hour, "
        "other inputs as shipped; NULL if no non-negative price equalises them",
    )
    caveat: str = pa.Field(nullable=True, description="Which capital inputs are assumptions")

    class Config:
        strict = True
        description = (
            "Each costed chip against a reference chip (default GB200): TCO ratios per hour, per "
            "PFLOP/s, per TB/s and per GB, and the advantage in percent with its definition stated."
        )


class ClusterComparisonModel(FiniteModel):
    """Systems at world size: totals from per-chip specs x chip count against stated totals."""

    system: str = pa.Field(unique=True, description="Scale-up system (raw.systems)")
    chip: str = pa.Field(description="Its chip")
    chip_count: int = pa.Field(nullable=True, description="Chips per system, as a source states")
    chip_bf16_dense_tflops: float = pa.Field(
        nullable=True, description="Per-chip dense BF16 TFLOP/s (raw.accelerators)"
    )
    chip_hbm_tbps: float = pa.Field(nullable=True, description="Per-chip HBM TB/s")
    computed_total_bf16_pflops: float = pa.Field(
        nullable=True, description="chip_count x chip_bf16_dense_tflops / 1,000"
    )
    stated_total_bf16_pflops: float = pa.Field(
        nullable=True, description="Total dense BF16 PFLOP/s as a source states it"
    )
    bf16_pflops_computed_minus_stated: float = pa.Field(
        nullable=True, description="computed - stated (NULL unless both exist)"
    )
    total_bf16_pflops: float = pa.Field(
        nullable=True, description="Computed total if available, else stated"
    )
    total_bf16_pflops_basis: str = pa.Field(
        isin=TOTAL_BASES, description="computed, stated or unknown"
    )
    computed_total_hbm_tbps: float = pa.Field(
        nullable=True, description="chip_count x chip_hbm_tbps"
    )
    stated_total_hbm_tbps: float = pa.Field(
        nullable=True, description="Total HBM TB/s as a source states it"
    )
    hbm_tbps_computed_minus_stated: float = pa.Field(
        nullable=True, description="computed - stated (NULL unless both exist)"
    )
    total_hbm_tbps: float = pa.Field(
        nullable=True, description="Computed total if available, else stated"
    )
    total_hbm_tbps_basis: str = pa.Field(
        isin=TOTAL_BASES, description="computed, stated or unknown"
    )
    implied_chip_count_from_hbm: float = pa.Field(
        nullable=True,
        description="stated_total_hbm_tbps / chip_hbm_tbps where no chip count is stated "
        "(informative only, never used as a count)",
    )
    reference_system: str = pa.Field(
        description="Reference system (asset config, default GB200 NVL72)"
    )
    bf16_pflops_system_over_reference_x: float = pa.Field(
        nullable=True, description="total_bf16_pflops / reference's"
    )
    bf16_pflops_reference_over_system_x: float = pa.Field(
        nullable=True, description="reference's total_bf16_pflops / this system's"
    )
    hbm_tbps_system_over_reference_x: float = pa.Field(
        nullable=True, description="total_hbm_tbps / reference's"
    )
    hbm_tbps_reference_over_system_x: float = pa.Field(
        nullable=True, description="reference's total_hbm_tbps / this system's (576 / 186 = 3.1)"
    )
    chip_hbm_tbps_reference_over_system_x: float = pa.Field(
        nullable=True, description="Per chip: reference chip's HBM TB/s / this chip's (8 / 2.9)"
    )

    class Config:
        strict = True
        description = (
            "Scale-up systems at world size: total dense BF16 PFLOP/s and HBM TB/s computed from "
            "per-chip specs x chip count, compared with stated totals, and ratios to a reference "
            "system (default GB200 NVL72)."
        )


class TcoSensitivityModel(FiniteModel):
    """TCO per TB/s of each chip over a grid of electricity price, utilisation, life and cost
    of capital, and where the ranking between chips flips."""

    scenario_id: int = pa.Field(ge=1, description="Grid point; same id = same four input values")
    electricity_usd_per_kwh: float = pa.Field(
        ge=0, description="Grid: electricity price, all chips"
    )
    power_utilisation: float = pa.Field(
        gt=0, le=1, description="Grid: power utilisation, all chips"
    )
    life_years: float = pa.Field(gt=0, description="Grid: useful life, all chips")
    cost_of_capital: float = pa.Field(ge=0, le=0.5, description="Grid: cost of capital, all chips")
    is_shipped_case: bool = pa.Field(
        description="True where the four grid values equal every chip's shipped inputs"
    )
    chip: str = pa.Field(description="Chip; its other inputs (capex, power, PUE, rent) as shipped")
    tco_usd_per_hour: float = pa.Field(ge=0, description="TCO per chip-hour in this scenario")
    tco_usd_per_tbps_hour: float = pa.Field(ge=0, description="TCO per HBM TB/s-hour")
    rank_by_tbps: int = pa.Field(ge=1, description="1 = cheapest per TB/s-hour in this scenario")
    ranking_by_tbps: str = pa.Field(description="Chips from cheapest to dearest per TB/s-hour")
    ranking_flipped: bool = pa.Field(
        description="True where the ranking differs from the shipped ranking (tco.chip_tco)"
    )

    class Config:
        strict = True
        unique = ["scenario_id", "chip"]
        description = (
            "Sensitivity grid: TCO per HBM TB/s-hour of each costed chip as electricity price, "
            "power utilisation, useful life and cost of capital vary (same value for every chip); "
            "ranking_flipped marks scenarios where the cheapest-per-TB/s order changes."
        )


class ClaimFactsModel(FiniteModel):
    """Values computed by the TCO domain, keyed like raw.claims, for marts.claim_checks."""

    entity: str = pa.Field(description="As raw.claims.entity, e.g. Trainium2, GB200 vs Trainium2")
    metric: str = pa.Field(description="As raw.claims.metric")
    period: str = pa.Field(description="As raw.claims.period (2025, spec)")
    computed_value: float = pa.Field(description="Value computed by the pipeline, in unit")
    unit: str = pa.Field(description="As raw.claims.unit")
    method: str = pa.Field(description="How the value was computed, from which tables and inputs")
    tolerance: float = pa.Field(
        nullable=True,
        ge=0,
        description="Reproduction tolerance for the check, in unit (headline TCO figures: "
        "±0.01 USD/h, ±1 point); empty = printed precision of the claim",
    )

    class Config:
        strict = True
        unique = ["entity", "metric", "period"]
        description = (
            "TCO and chip-spec values computed by the pipeline in the vocabulary of raw.claims "
            "(entity, metric, period, unit), joined to the claims by marts.claim_checks."
        )


def empty_frame(model: type[pa.DataFrameModel]) -> pl.DataFrame:
    """An empty frame with the model's columns and types."""
    schema = model.to_schema()
    return pl.DataFrame(
        schema={name: col.dtype.type for name, col in schema.columns.items()}  # type: ignore[union-attr]
    )
