"""The TCO break-even asset (``tco.breakeven``) and its check: for each pair of costed chips
and each main input, the value at which the two cost the same per HBM TB/s-hour and per
dense PFLOP/s-hour (formulas and solver: ``pipelines/tco/breakeven.py``; plausible ranges:
``pipelines/tco/breakeven.toml``)."""

import math

import dagster as dg
import pandera.polars as pa
import polars as pl
from dagster import AssetExecutionContext

from pipelines.metadata import OWNERS, column_schema, markdown_preview, table_doc
from pipelines.tco import breakeven
from pipelines.tco.frames import frame_of
from pipelines.warehouse import WarehouseResource, write_table
from pipelines.warehouse.tables import read_table

BREAKEVEN = dg.AssetKey(["tco", "breakeven"])
CHIP_TCO = dg.AssetKey(["tco", "chip_tco"])
#: Costs at a break-even value agree to this (USD per unit-hour).
COST_TOLERANCE = 1e-9


class BreakevenModel(pa.DataFrameModel):
    """Break-even value of one input for one pair of chips and one unit."""

    chip_a: str = pa.Field(description="First chip of the pair (alphabetical), tco.chip_tco")
    chip_b: str = pa.Field(description="Second chip of the pair")
    unit: str = pa.Field(
        isin=list(breakeven.UNITS),
        description="Cost compared: USD per HBM TB/s-hour (hbm_tbps_hour) or per dense-BF16 "
        "PFLOP/s-hour (dense_pflop_hour)",
    )
    input: str = pa.Field(
        isin=list(breakeven.INPUTS),
        description="Input solved for: capital_usd (chip all-in price), "
        "electricity_usd_per_kwh, power_utilisation, life_years, cost_of_capital",
    )
    varied_chip: str = pa.Field(
        description="Whose input moves: 'both' (one value for both chips) or, for the price, "
        "the one chip whose price moves (the other at its shipped price)"
    )
    chip_a_shipped_value: float = pa.Field(description="chip_a's shipped value of the input")
    chip_b_shipped_value: float = pa.Field(description="chip_b's shipped value of the input")
    range_low: float = pa.Field(description="Low end of the plausible range searched")
    range_high: float = pa.Field(description="High end of the plausible range searched")
    chip_a_cost_shipped: float = pa.Field(
        nullable=True, description="chip_a's cost per unit-hour with every input as shipped, USD"
    )
    chip_b_cost_shipped: float = pa.Field(
        nullable=True, description="chip_b's cost per unit-hour with every input as shipped, USD"
    )
    cheaper_at_shipped: str = pa.Field(
        nullable=True, description="The cheaper chip with every input as shipped"
    )
    breakeven_value: float = pa.Field(
        nullable=True,
        description="Value of the input at which the two chips cost the same per unit-hour "
        "(others as shipped); NULL when no value in the range makes them equal",
    )
    chip_a_cost_at_breakeven: float = pa.Field(
        nullable=True, description="chip_a's cost per unit-hour at breakeven_value, USD"
    )
    chip_b_cost_at_breakeven: float = pa.Field(
        nullable=True, description="chip_b's cost per unit-hour at breakeven_value, USD"
    )
    cost_gap_at_breakeven: float = pa.Field(
        nullable=True, description="chip_a_cost_at_breakeven - chip_b_cost_at_breakeven (~0)"
    )
    roots_in_range: int = pa.Field(
        ge=0,
        description="Break-even values found in the range (the one nearest the shipped "
        "value is reported)",
    )
    cheaper_above_breakeven: str = pa.Field(
        nullable=True, description="The cheaper chip just above breakeven_value"
    )
    method: str = pa.Field(
        isin=["closed_form_linear", "bisection"],
        description="closed_form_linear (cost linear in the input) or bisection (to 1e-12)",
    )
    null_reason: str = pa.Field(nullable=True, description="Why breakeven_value is NULL")

    class Config:
        strict = True
        unique = ["chip_a", "chip_b", "unit", "input", "varied_chip"]
        description = (
            "TCO break-even points: for each pair of costed chips (tco.chip_tco), each unit "
            "(USD per HBM TB/s-hour, per dense PFLOP/s-hour) and each main input (chip all-in "
            "price, electricity price, utilisation, useful life, cost of capital), the value "
            "at which the two chips cost the same, every other input as shipped; NULL where "
            "no value in the plausible range (pipelines/tco/breakeven.toml) flips them. Where "
            "the ranking would flip, exactly."
        )


def breakeven_frame(chip_tco: pl.DataFrame) -> pl.DataFrame:
    """``tco.breakeven`` from ``tco.chip_tco``."""
    rows = breakeven.breakeven_rows(chip_tco.to_dicts(), breakeven.load_ranges())
    return frame_of(BreakevenModel, rows)


_INPUTS = [
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


def _lineage() -> dg.TableColumnLineage:
    ct = CHIP_TCO
    cost = [dg.TableColumnDep(ct, c) for c in [*_INPUTS, "hbm_tbps", "bf16_dense_tflops"]]
    chips = [dg.TableColumnDep(ct, "chip")]
    shipped = [dg.TableColumnDep(ct, c) for c in breakeven.INPUTS]
    return dg.TableColumnLineage(
        deps_by_column={
            "chip_a": chips,
            "chip_b": chips,
            "unit": [],  # the two units, fixed in code
            "input": [],  # the five inputs, fixed in code
            "varied_chip": chips,
            "chip_a_shipped_value": [*chips, *shipped],
            "chip_b_shipped_value": [*chips, *shipped],
            "range_low": shipped,  # config file, relative ones scaled by the shipped value
            "range_high": shipped,
            **{
                c: [*chips, *cost]
                for c in (
                    "chip_a_cost_shipped",
                    "chip_b_cost_shipped",
                    "cheaper_at_shipped",
                    "breakeven_value",
                    "chip_a_cost_at_breakeven",
                    "chip_b_cost_at_breakeven",
                    "cost_gap_at_breakeven",
                    "roots_in_range",
                    "cheaper_above_breakeven",
                    "null_reason",
                )
            },
            "method": [],
        }
    )


@dg.asset(
    key=BREAKEVEN,
    group_name="tco",
    deps=[CHIP_TCO],
    kinds={"polars", "duckdb"},
    owners=OWNERS,
    tags={"domain": "tco", "layer": "mart"},
    description=(
        "Where the chip ranking would flip: for each pair of costed chips, each unit (USD per "
        "HBM TB/s-hour, per dense PFLOP/s-hour) and each main input (chip all-in price, "
        "electricity price, utilisation, useful life, cost of capital), the exact value at "
        "which the two cost the same, others as shipped; NULL with the reason where no value "
        "in the plausible range (pipelines/tco/breakeven.toml) flips them."
    ),
    metadata={
        "dagster/column_schema": column_schema(BreakevenModel),
        "dagster/table_name": "tco.breakeven",
        "pandera_model": "pipelines.tco.breakeven_assets.BreakevenModel",
    },
)
def breakeven_points(
    context: AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        frame = breakeven_frame(read_table(con, "tco.chip_tco"))
        BreakevenModel.validate(frame, lazy=True)
        rows = write_table(con, "tco.breakeven", frame, table_doc(BreakevenModel))
    found = frame.filter(pl.col("breakeven_value").is_not_null())
    context.log.info(f"{rows} rows, {found.height} with a break-even value in range")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "dagster/column_lineage": _lineage(),
            "preview": dg.MetadataValue.md(markdown_preview(found)),
            "breakeven_values_in_range": found.height,
        }
    )


@dg.asset_check(
    asset=BREAKEVEN,
    name="breakeven_costs_equal",
    blocking=True,
    description=f"At every break-even value the two chips' costs per unit-hour agree within "
    f"{COST_TOLERANCE:g} USD, and the value lies inside its plausible range.",
)
def breakeven_costs_equal(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        frame = read_table(con, "tco.breakeven")
    bad = [
        f"{r['chip_a']}/{r['chip_b']} {r['unit']} {r['input']} ({r['varied_chip']})"
        for r in frame.filter(pl.col("breakeven_value").is_not_null()).iter_rows(named=True)
        if not math.isclose(
            r["chip_a_cost_at_breakeven"], r["chip_b_cost_at_breakeven"], rel_tol=0,
            abs_tol=COST_TOLERANCE,
        )
        or not r["range_low"] <= r["breakeven_value"] <= r["range_high"]
    ]  # fmt: skip
    return dg.AssetCheckResult(
        passed=not bad,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(bad) or None,
        metadata={"rows": frame.height, "problems": len(bad)},
    )


BREAKEVEN_ASSETS: list[dg.AssetsDefinition] = [breakeven_points]
BREAKEVEN_CHECKS: list[dg.AssetChecksDefinition] = [breakeven_costs_equal]
