"""Build one SQL model into a DuckDB connection and hold it to its contract.

:func:`build_model` runs the model (its SQL, or its Python function), checks the result
against the contract (columns and types in order, NULLs, unique key, accepted values,
patterns, ranges, finite numbers) before anything is written, then replaces the table (and,
for a point-in-time model, ``as_of.<table>``) with its comments, in one transaction. A broken
contract raises :class:`ContractError` listing every problem; the tables stay as they were.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import duckdb

from pipelines.sqlmodels.contract import ASOF_SCHEMA, TODAY, Column, Contract, ContractError
from pipelines.warehouse.swap import fault_point

if TYPE_CHECKING:
    import polars as pl

INCOMING = "__incoming"


def q(name: str) -> str:
    """A quoted identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def empty_frame(con: duckdb.DuckDBPyConnection, contract: Contract) -> pl.DataFrame:
    """A zero-row frame with the contract's columns, typed as it says."""
    columns = ", ".join(f"NULL::{c.type} AS {q(c.name)}" for c in contract.columns)
    return con.execute(f"SELECT {columns} LIMIT 0").pl()


def set_variables(con: duckdb.DuckDBPyConnection, variables: Mapping[str, Any]) -> None:
    """``SET VARIABLE`` for every setting a model reads with ``getvariable('name')``."""
    for name, value in variables.items():
        con.execute(f"SET VARIABLE {name} = {literal(value)}")


def _python_model(spec: str) -> Callable[[duckdb.DuckDBPyConnection], Any]:
    module, _, function = spec.partition(":")
    return getattr(importlib.import_module(module), function)


def _column_rules(column: Column) -> list[tuple[str, str]]:
    """(condition a row breaks, what it means) for each rule of ``column``."""
    c = q(column.name)
    rules: list[tuple[str, str]] = []
    if not column.nullable:
        rules.append((f"{c} IS NULL", "is NULL (the contract rules NULL out)"))
    if column.accepted_values is not None:
        values = ", ".join(literal(v) for v in column.accepted_values)
        rules.append((f"{c} NOT IN ({values})", f"is not one of {list(column.accepted_values)}"))
    if column.regex:
        rules.append(
            (
                f"NOT regexp_full_match({c}::VARCHAR, {literal(column.regex)})",
                f"does not match the pattern {column.regex}",
            )
        )
    if column.min is not None:
        rules.append((f"{c} < {column.min!r}", f"is below the minimum {column.min}"))
    if column.max is not None:
        rules.append((f"{c} > {column.max!r}", f"is above the maximum {column.max}"))
    if column.greater_than is not None:
        rules.append((f"{c} <= {column.greater_than!r}", f"is not above {column.greater_than}"))
    if column.less_than is not None:
        rules.append((f"{c} >= {column.less_than!r}", f"is not below {column.less_than}"))
    if column.type in ("DOUBLE", "FLOAT", "REAL"):
        rules.append((f"NOT isfinite({c})", "is not a finite number (inf or NaN)"))
    return rules


def _rule_problems(
    con: duckdb.DuckDBPyConnection, relation: str, columns: tuple[Column, ...]
) -> list[str]:
    """Every column rule counted in one pass over ``relation``; an example of each breach."""
    rules = [(column, cond, what) for column in columns for cond, what in _column_rules(column)]
    if not rules:
        return []
    counts = con.execute(
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE {cond})" for _, cond, _ in rules)
        + f" FROM {relation}"
    ).fetchone()
    problems = []
    for (column, cond, what), count in zip(rules, counts or [], strict=True):
        if count:
            example = con.execute(
                f"SELECT any_value({q(column.name)}::VARCHAR) FROM {relation} WHERE {cond}"
            ).fetchone()
            problems.append(
                f"column {column.name}: {count} row(s) {what}, e.g. {(example or [None])[0]!r}"
            )
    for column in columns:
        if column.unique:
            c = q(column.name)
            dup = con.execute(
                f"SELECT count(*) FROM (SELECT {c} FROM {relation} WHERE {c} IS NOT NULL "
                f"GROUP BY ALL HAVING count(*) > 1)"
            ).fetchone()
            if dup and dup[0]:
                problems.append(f"column {column.name}: {dup[0]} value(s) occur more than once")
    return problems


def contract_problems(
    con: duckdb.DuckDBPyConnection, relation: str, contract: Contract, *, asof: bool = False
) -> list[str]:
    """Everything in ``relation`` that breaks ``contract`` (empty when it keeps it)."""
    expected = [(c.name, c.type) for c in contract.columns]
    if asof:
        expected = [("as_of", "DATE"), *expected]
    actual = [(str(n), str(t)) for n, t, *_ in con.execute(f"DESCRIBE {relation}").fetchall()]
    if actual != expected:
        problems = [f"{contract.name}: the SQL gives other columns than the contract"]
        for n, t in actual:
            if (n, t) not in expected:
                problems.append(f"  SQL gives {n} {t}, the contract does not have it so")
        for n, t in expected:
            if (n, t) not in actual:
                problems.append(f"  contract has {n} {t}, the SQL does not give it so")
        if set(actual) == set(expected):
            problems.append("  same columns and types, another order")
        return problems
    problems = _rule_problems(con, relation, contract.columns)
    key = (["as_of"] if asof else []) + list(contract.unique_key)
    if contract.unique_key:
        cols = ", ".join(q(k) for k in key)
        dup = con.execute(
            f"SELECT count(*), any_value(concat_ws(', ', {cols})) FROM "
            f"(SELECT {cols} FROM {relation} GROUP BY ALL HAVING count(*) > 1)"
        ).fetchone()
        if dup and dup[0]:
            problems.append(
                f"unique key ({', '.join(key)}): {dup[0]} key(s) occur more than once, "
                f"e.g. ({dup[1]})"
            )
    return [f"{contract.name}: {p}" for p in problems]


def _comments(contract: Contract, table: str) -> list[str]:
    statements = [f"COMMENT ON TABLE {table} IS {literal(contract.description)}"]
    statements += [
        f"COMMENT ON COLUMN {table}.{q(c.name)} IS {literal(c.description)}"
        for c in contract.columns
        if c.description
    ]
    return statements


def build_model(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    variables: Mapping[str, Any] | None = None,
    settings: Any = None,
) -> int:
    """Compute ``contract``'s table, hold it to the contract, write it; returns its rows.
    ``variables``: the DuckDB variables its SQL reads; ``settings``: passed to a Python model
    whose function takes a second argument."""
    set_variables(con, variables or {})
    incoming = f"{INCOMING}_{contract.table}"
    con.execute(f"DROP TABLE IF EXISTS temp.{incoming}")
    if contract.python:
        function = _python_model(contract.python)
        takes_settings = len(inspect.signature(function).parameters) > 1
        frame = function(con, settings) if takes_settings else function(con)
        con.register(f"{incoming}_frame", frame)
        try:  # a Python model's frame takes the contract's types (a column of NULLs has none)
            given = [str(r[0]) for r in con.execute(f"DESCRIBE {incoming}_frame").fetchall()]
            wanted = [c.name for c in contract.columns]
            if given != wanted:
                raise ContractError(
                    f"{contract.name}: the Python model gives the columns {given}, the "
                    f"contract has {wanted}"
                )
            casts = ", ".join(
                f"CAST({q(c.name)} AS {c.type}) AS {q(c.name)}" for c in contract.columns
            )
            con.execute(f"CREATE TEMP TABLE {incoming} AS SELECT {casts} FROM {incoming}_frame")
        finally:
            con.unregister(f"{incoming}_frame")
    else:
        con.execute(f"CREATE TEMP TABLE {incoming} AS {contract.sql()}")
    try:
        problems = contract_problems(con, f"temp.{incoming}", contract, asof=contract.point_in_time)
        if problems:
            raise ContractError("\n".join(problems))
        order = ", ".join(q(c) for c in contract.order_by)
        order_clause = f" ORDER BY {order}" if order else ""
        columns = ", ".join(q(c.name) for c in contract.columns)
        statements = [f"CREATE SCHEMA IF NOT EXISTS {contract.schema}"]
        if contract.point_in_time:
            asof_table = f"{ASOF_SCHEMA}.{contract.table}"
            statements += [
                f"CREATE SCHEMA IF NOT EXISTS {ASOF_SCHEMA}",
                f"CREATE OR REPLACE TABLE {asof_table} AS SELECT * FROM temp.{incoming}"
                + (f" ORDER BY as_of, {order}" if order else " ORDER BY as_of"),
                f"CREATE OR REPLACE TABLE {contract.name} AS SELECT {columns} "
                f"FROM temp.{incoming} WHERE as_of = DATE '{TODAY}'{order_clause}",
                *_comments(contract, contract.name),
                *_comments(contract, asof_table)[1:],
                f"COMMENT ON COLUMN {asof_table}.as_of IS "
                + literal(f"The date the figures were known on ({TODAY} = today)"),
                f"COMMENT ON TABLE {asof_table} IS "
                + literal(
                    f"Every vintage of {contract.name} (as_of: the date the figures "
                    f"were known on; {TODAY} = everything known today). " + contract.description
                ),
            ]
        else:
            statements += [
                f"CREATE OR REPLACE TABLE {contract.name} AS SELECT {columns} "
                f"FROM temp.{incoming}{order_clause}",
                *_comments(contract, contract.name),
            ]
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(";\n".join(statements))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        fault_point(f"table:{contract.name}")  # the fault matrix kills a run here
        row = con.execute(f"SELECT count(*) FROM {contract.name}").fetchone()
        return int(row[0]) if row else 0
    finally:
        con.execute(f"DROP TABLE IF EXISTS temp.{incoming}")
