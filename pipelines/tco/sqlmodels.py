"""Python models of the TCO domain: the cost model, the sensitivity grid, the break-even
solver and the claim facts stay Python (``python: pipelines.tco.sqlmodels:<function>`` in
their contracts ``sql/tco/<table>.yml``). Each takes a connection and returns the table as a
frame, computed by the same functions as the old assets (asset config at its defaults);
``pipelines.sqlmodels.build.build_model`` holds it to the contract and writes it."""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.settings import read_sql
from pipelines.tco import frames
from pipelines.warehouse.tables import read_table


def chip_tco(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """``tco.chip_tco``: sql/tco/chip_inputs.sql through the TCO formulas of
    pipelines/tco/model.py."""
    return frames.chip_tco_frame(con.execute(read_sql("tco/chip_inputs.sql")).pl())


def tco_sensitivity(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """``tco.tco_sensitivity``: the default grid (pipelines/tco/frames.py DEFAULT_GRID)."""
    return frames.sensitivity_frame(read_table(con, "tco.chip_tco"))


def breakeven(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """``tco.breakeven``: the break-even solver over the ranges of pipelines/tco/breakeven.toml."""
    from pipelines.tco.breakeven_assets import breakeven_frame

    return breakeven_frame(read_table(con, "tco.chip_tco"))


def claim_facts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """``tco.claim_facts``: the values in the vocabulary of raw.claims."""
    return frames.claim_facts_frame(
        read_table(con, "tco.chip_tco"),
        read_table(con, "tco.cluster_comparison"),
        read_table(con, "raw.accelerators"),
    )
