"""Python models of the coverage domain (contracts ``sql/staging/coverage_settings.yml`` and
``sql/meta/curated_vs_sec.yml``): a connection in, a frame out, held to the contract by
``pipelines.sqlmodels.build.build_model``."""

from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb
import polars as pl

CONFIG_FILE = Path(__file__).with_name("coverage.toml")


def coverage_settings(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """``staging.coverage_settings``: pipelines/coverage/coverage.toml as a one-row table."""
    with CONFIG_FILE.open("rb") as handle:
        start = str(tomllib.load(handle)["from_quarter"])
    return pl.DataFrame({"from_quarter": [start]}, schema={"from_quarter": pl.Utf8})


def curated_vs_sec(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """``meta.curated_vs_sec``: the curated capex and revenue quarters against the real SEC
    companyfacts files (parsed and derived with the SEC connector's Python rules); empty when
    the reference folder is absent."""
    # the SEC parser is imported only when this model runs (it is slow to import)
    from pipelines.coverage.sec_reference import (
        compare,
        curated_quarters,
        reference_files,
        sec_quarters,
    )
    from pipelines.sec.config import real_files_dir

    curated = curated_quarters(
        con.execute("FROM marts.capex_quarterly").pl(),
        con.execute("FROM marts.company_quarterly").pl(),
    )
    folder = real_files_dir()
    files = reference_files(folder)
    if not files:  # a clone without ../shared: one short notice, an empty comparison
        import dagster as dg

        dg.get_dagster_logger().warning(f"no SEC reference files at {folder}: nothing compared")
        return compare(curated, pl.DataFrame())
    return compare(curated, sec_quarters(files))
