"""Writing a polars frame as a documented warehouse table."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field

import duckdb
import polars as pl

from pipelines.warehouse.swap import fault_point


@dataclass(frozen=True)
class TableDoc:
    """Description of a table and its columns: feeds DuckDB ``COMMENT ON`` and Dagster metadata."""

    description: str
    columns: dict[str, str] = field(default_factory=dict)
    #: Columns the model rules out NULL for (keys among them): created ``NOT NULL``.
    not_null: tuple[str, ...] = ()


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_table(
    con: duckdb.DuckDBPyConnection,
    qualified_name: str,
    frame: pl.DataFrame,
    doc: TableDoc | None = None,
) -> int:
    """Replace ``schema.table`` with ``frame`` (row order kept) and its comments, in one
    transaction; the columns ``doc.not_null`` names (from the pandera model) are created
    ``NOT NULL``. Returns the row count."""
    schema, table = qualified_name.split(".", 1)
    view = f"__incoming_{table}"
    not_null = [c for c in frame.columns if doc is not None and c in doc.not_null]
    statements = [f"CREATE SCHEMA IF NOT EXISTS {schema}"]
    if not_null:  # empty table, NOT NULL columns, then the rows (checked as they go in)
        statements.append(f"CREATE OR REPLACE TABLE {qualified_name} AS FROM {view} LIMIT 0")
        statements += [
            f"ALTER TABLE {qualified_name} ALTER COLUMN {_quote_ident(column)} SET NOT NULL"
            for column in not_null
        ]
        statements.append(f"INSERT INTO {qualified_name} SELECT * FROM {view}")
    else:
        statements.append(f"CREATE OR REPLACE TABLE {qualified_name} AS SELECT * FROM {view}")
    if doc is not None:
        statements.append(f"COMMENT ON TABLE {qualified_name} IS {_quote_literal(doc.description)}")
        statements += [
            f"COMMENT ON COLUMN {qualified_name}.{_quote_ident(column)} "
            f"IS {_quote_literal(doc.columns[column])}"
            for column in frame.columns
            if doc.columns.get(column)
        ]
    con.register(view, frame.to_arrow())
    # One round trip: the table and all its comments in one transaction.
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(";\n".join(statements))
        con.execute("COMMIT")
    except BaseException:
        with suppress(duckdb.Error):  # a failed COMMIT (full disk) leaves nothing to roll back
            con.execute("ROLLBACK")
        raise
    finally:
        con.unregister(view)
    fault_point(f"table:{qualified_name}")
    return frame.height


def read_table(con: duckdb.DuckDBPyConnection, qualified_name: str) -> pl.DataFrame:
    """A whole table as a polars frame (empty frame if it does not exist)."""
    schema, table = qualified_name.split(".", 1)
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [schema, table],
    ).fetchone()
    if not exists or not exists[0]:
        return pl.DataFrame()
    return con.execute(f"SELECT * FROM {qualified_name}").pl()
