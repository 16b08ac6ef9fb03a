"""Run one SQL model on a few given rows, in an in-memory DuckDB, in milliseconds.

    rows = run_model("marts.group_quarterly", {
        "raw.group_members": [{"group_name": "G", "ticker": "A"}],
        as_of.company_quarterly": [{"as_of": TODAY, "ticker": "A", ...}],
    })

A given table takes its column types from where the real one gets them: a raw table from its
pandera model, a model's table (or ``as_of.<table>``) from its contract; columns a row leaves
out are NULL. The model is built with the real builder, so its contract is enforced. Returns
the published table's rows (``asof=True``: every vintage, from ``as_of.<table>``), as dicts
in the contract's order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.raw.datasets import BY_NAME
from pipelines.sec import models as sec_models
from pipelines.settings import SQL_DIR
from pipelines.sqlmodels.build import build_model, q
from pipelines.sqlmodels.contract import Contract, load_contracts

TODAY = dt.date(9999, 12, 31)
_POLARS_TO_DUCKDB = {
    pl.Utf8: "VARCHAR",
    pl.String: "VARCHAR",
    pl.Int64: "BIGINT",
    pl.Int32: "INTEGER",
    pl.Float64: "DOUBLE",
    pl.Date: "DATE",
    pl.Boolean: "BOOLEAN",
    pl.Datetime: "TIMESTAMP",
}


#: The SEC connector's tables (written by Python assets from these pandera models).
_SEC_MODELS = {
    "quarterly": sec_models.QuarterlyModel,
    "quarterly_as_first_reported": sec_models.QuarterlyFirstReportedModel,
    "facts": sec_models.FactsModel,
}


@cache
def contracts(sql_dir: Path = SQL_DIR) -> dict[str, Contract]:
    return load_contracts(sql_dir, require_sql=False)


def column_types(table: str, sql_dir: Path = SQL_DIR) -> list[tuple[str, str]]:
    """(name, DuckDB type) of a raw or SEC table, a model's table or an ``as_of.`` table."""
    schema, name = table.split(".", 1)
    if schema in ("raw", "sec"):
        model = BY_NAME[name].model if schema == "raw" else _SEC_MODELS[name]
        columns = model.to_schema().columns
        return [(c, _POLARS_TO_DUCKDB[col.dtype.type]) for c, col in columns.items()]
    by_table = {c.table: c for c in contracts(sql_dir).values()}
    contract = contracts(sql_dir).get(table) or (by_table[name] if schema == "as_of" else None)
    if contract is None:
        raise KeyError(f"{table}: neither a raw table nor a model with a contract")
    columns = [(c.name, c.type) for c in contract.columns]
    return [("as_of", "DATE"), *columns] if schema == "as_of" else columns


def run_model(
    name: str,
    given: Mapping[str, Sequence[Mapping[str, Any]]],
    variables: Mapping[str, Any] | None = None,
    *,
    asof: bool = False,
    sql_dir: Path = SQL_DIR,
) -> list[dict[str, Any]]:
    con = duckdb.connect()
    for macros in sorted((sql_dir / "macros").glob("*.sql")):
        con.execute(macros.read_text(encoding="utf-8"))
    for table, rows in given.items():
        schema, _ = table.split(".", 1)
        columns = column_types(table, sql_dir)
        unknown = {k for row in rows for k in row} - {c for c, _ in columns}
        if unknown:
            raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.execute(f"CREATE TABLE {table} ({', '.join(f'{q(c)} {t}' for c, t in columns)})")
        if rows:
            marks = ", ".join("?" for _ in columns)
            con.executemany(
                f"INSERT INTO {table} VALUES ({marks})",
                [[row.get(c) for c, _ in columns] for row in rows],
            )
    contract = contracts(sql_dir)[name]
    build_model(con, contract, {"consensus_max_age_days": 45, **(variables or {})})
    source = f"as_of.{contract.table}" if asof else name
    cursor = con.execute(f"SELECT * FROM {source}")
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
