"""Python models of the TCO domain: the cost model, the sensitivity grid and the break-even
solver stay Python (``python: pipelines.tco.sqlmodels:<function>`` in their contracts
``sql/tco/<table>.yml``), and the claims vocabulary of ``tco.claim_facts`` comes from the
constants of ``pipelines/tco/frames.py`` as two small staging tables until it has a config
file. Each takes a connection and returns the table as a frame, computed by the same
functions as the old assets (asset config at its defaults);
``pipelines.sqlmodels.build.build_model`` holds it to the contract and writes it."""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.settings import read_sql
from pipelines.sqlmodels.contract import table_contract
from pipelines.tco import breakeven as solver
from pipelines.tco import frames
from pipelines.tco.model import HEADLINE_READING
from pipelines.warehouse.tables import read_table


def chip_tco(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """``tco.chip_tco``: sql/tco/chip_inputs.sql through the TCO formulas of
    pipelines/tco/model.py."""
    frame = frames.chip_tco_frame(con.execute(read_sql("tco/chip_inputs.sql")).pl())
    # the contract's columns, in order (the frame carries the model's inputs too)
    return frame.select(c.name for c in table_contract("tco.chip_tco").columns)


def tco_sensitivity(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """``tco.tco_sensitivity``: the default grid (pipelines/tco/frames.py DEFAULT_GRID)."""
    return frames.sensitivity_frame(read_table(con, "tco.chip_tco"))


def breakeven(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """``tco.breakeven``: the break-even solver over the ranges of pipelines/tco/breakeven.toml."""
    rows = solver.breakeven_rows(read_table(con, "tco.chip_tco").to_dicts(), solver.load_ranges())
    return pl.DataFrame(rows, infer_schema_length=None)


def claim_settings(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """``staging.tco_claim_settings``: the claims vocabulary tco.claim_facts uses (the chips,
    systems and periods named as in raw.claims; pipelines/tco/frames.py), one row."""
    return pl.DataFrame(
        [
            {
                "candidate_chip": frames.CANDIDATE_CHIP,
                "nvidia_chip": frames.NVIDIA_CHIP,
                "nvidia_system": frames.NVIDIA_SYSTEM,
                "trainium_system": frames.TRAINIUM_SYSTEM,
                "huawei_system": frames.HUAWEI_SYSTEM,
                "tco_period": frames.TCO_PERIOD,
                "spec_period": frames.SPEC_PERIOD,
                "headline_reading": HEADLINE_READING,
            }
        ]
    )


def headline_tolerances(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """``staging.tco_headline_tolerances``: the seed's headline claims and the tolerance of
    their reproduction (pipelines/tco/frames.py HEADLINE_KEYS)."""
    return pl.DataFrame(
        [
            {"entity": e, "metric": m, "period": p, "tolerance": t}
            for (e, m, p), t in frames.HEADLINE_KEYS.items()
        ],
        schema={"entity": pl.Utf8, "metric": pl.Utf8, "period": pl.Utf8, "tolerance": pl.Float64},
    )
