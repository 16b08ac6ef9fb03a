"""Compare every table of two warehouse files: columns, types and rows (order-independent).

    python scripts/compare_warehouses.py OLD.duckdb NEW.duckdb [--schemas raw,marts,...]
        [--ignore-columns raw.financials.stated_precision,...] [--show 5]

For each table in the schemas compared: the column names and types in order, the row count,
and an order-independent hash of the rows (md5 of the sorted text of every row; DuckDB casts
a DOUBLE to its shortest round-trip text, so equal hashes mean bit-equal values). Tables
only in one file are listed. Where rows differ, up to ``--show`` rows of each side that the
other lacks are printed. Run history (``meta.refresh_log``, ``meta.table_versions``) is never
compared. Exit status 0 when every compared table is identical, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import duckdb

DEFAULT_SCHEMAS = ("raw", "marts", "metrics", "tco", "meta", "sec", "quarantine")
RUN_HISTORY = {"meta.refresh_log", "meta.table_versions"}


@dataclass(frozen=True)
class TableState:
    columns: tuple[tuple[str, str], ...]
    rows: int
    digest: str


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def tables(con: duckdb.DuckDBPyConnection, catalog: str, schemas: tuple[str, ...]) -> list[str]:
    marks = ", ".join("?" for _ in schemas)
    rows = con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
        f"WHERE database_name = ? AND schema_name IN ({marks}) ORDER BY 1",
        [catalog, *schemas],
    ).fetchall()
    return [name for (name,) in rows if name not in RUN_HISTORY]


def state(con: duckdb.DuckDBPyConnection, catalog: str, table: str, ignore: set[str]) -> TableState:
    schema, name = table.split(".", 1)
    columns = tuple(
        (column, dtype)
        for column, dtype in con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_catalog = ? AND table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position",
            [catalog, schema, name],
        ).fetchall()
        if f"{table}.{column}" not in ignore
    )
    select = ", ".join(_q(c) for c, _ in columns)
    rows, digest = con.execute(
        f"SELECT count(*), coalesce(md5(string_agg(r, chr(10) ORDER BY r)), md5('')) FROM "
        f"(SELECT CAST(({select}) AS VARCHAR) AS r FROM {_q(catalog)}.{_q(schema)}.{_q(name)})"
        if columns
        else f"SELECT count(*), md5('') FROM {_q(catalog)}.{_q(schema)}.{_q(name)}"
    ).fetchone()  # type: ignore[misc]
    return TableState(columns, int(rows), str(digest))


def differing_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: tuple[tuple[str, str], ...],
    limit: int,
) -> tuple[list[tuple], list[tuple]]:
    schema, name = table.split(".", 1)
    select = ", ".join(_q(c) for c, _ in columns)
    old = f"SELECT {select} FROM old.{_q(schema)}.{_q(name)}"
    new = f"SELECT {select} FROM new.{_q(schema)}.{_q(name)}"
    only_old = con.execute(f"({old} EXCEPT ALL {new}) LIMIT {limit}").fetchall()
    only_new = con.execute(f"({new} EXCEPT ALL {old}) LIMIT {limit}").fetchall()
    return only_old, only_new


def compare(
    old_path: str,
    new_path: str,
    schemas: tuple[str, ...] = DEFAULT_SCHEMAS,
    ignore: set[str] | None = None,
    show: int = 5,
    out=sys.stdout,
) -> bool:
    """Print the comparison; True when every table in both files is identical."""
    ignore = ignore or set()
    con = duckdb.connect()
    con.execute(f"ATTACH '{old_path}' AS old (READ_ONLY)")
    con.execute(f"ATTACH '{new_path}' AS new (READ_ONLY)")
    old_tables, new_tables = tables(con, "old", schemas), tables(con, "new", schemas)
    identical = True
    same = 0
    for table in sorted(set(old_tables) | set(new_tables)):
        if table not in new_tables:
            print(f"only in old: {table}", file=out)
            identical = False
            continue
        if table not in old_tables:
            print(f"only in new: {table}", file=out)
            identical = False
            continue
        a, b = state(con, "old", table, ignore), state(con, "new", table, ignore)
        if a == b:
            same += 1
            continue
        identical = False
        if a.columns != b.columns:
            print(f"DIFFERENT COLUMNS {table}", file=out)
            for column in sorted(set(a.columns) - set(b.columns)):
                print(f"  old only: {column[0]} {column[1]}", file=out)
            for column in sorted(set(b.columns) - set(a.columns)):
                print(f"  new only: {column[0]} {column[1]}", file=out)
            if set(a.columns) == set(b.columns):
                print("  same columns in another order", file=out)
            continue
        print(f"DIFFERENT ROWS {table}: {a.rows} rows old, {b.rows} rows new", file=out)
        only_old, only_new = differing_rows(con, table, a.columns, show)
        for row in only_old:
            print(f"  old only: {row}", file=out)
        for row in only_new:
            print(f"  new only: {row}", file=out)
    print(
        f"{same} of {len(set(old_tables) | set(new_tables))} tables identical "
        f"(columns, types and rows; schemas {', '.join(schemas)})",
        file=out,
    )
    return identical


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--schemas", default=",".join(DEFAULT_SCHEMAS))
    parser.add_argument(
        "--ignore-columns",
        default="",
        help="schema.table.column, comma-separated: left out of the comparison",
    )
    parser.add_argument("--show", type=int, default=5, help="differing rows shown per side")
    args = parser.parse_args(argv)
    ignore = {c.strip() for c in args.ignore_columns.split(",") if c.strip()}
    schemas = tuple(s.strip() for s in args.schemas.split(",") if s.strip())
    return 0 if compare(args.old, args.new, schemas, ignore, args.show) else 1


if __name__ == "__main__":
    raise SystemExit(main())
