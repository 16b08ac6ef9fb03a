"""Develop SQL models against a reference warehouse (a build of the previous code).

    python scripts/sql_models_dev.py --ref REF.duckdb --build marts.capex_quarterly
        [--build ...] [--copy tco.chip_tco] [--out scratch.duckdb] [--compare-all]

Copies every ``raw.*`` table (and each ``--copy`` table) of REF into a scratch database,
builds the named models and every model they depend on (from the SQL files; a table no
built model produces is copied from REF), then compares each built table that REF also has
with REF's: columns, types and rows (order-independent), printing what differs.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

from pipelines.settings import SQL_DIR
from pipelines.sqlmodels.build import build_model, q
from pipelines.sqlmodels.contract import build_order, load_contracts, references

DEFAULT_VARIABLES = {
    "consensus_max_age_days": 45,
    # tco.tco_comparison / tco.cluster_comparison (the old assets' config defaults)
    "tco_reference_chip": "GB200",
    "tco_advantage_reading": "reference_premium",
    "tco_reference_system": "GB200 NVL72",
}


def _rows_text(con: duckdb.DuckDBPyConnection, relation: str, columns: str) -> str:
    return (
        f"SELECT count(*), coalesce(md5(string_agg(r, chr(10) ORDER BY r)), md5('')) FROM "
        f"(SELECT CAST(({columns}) AS VARCHAR) AS r FROM {relation})"
    )


def compare_table(con: duckdb.DuckDBPyConnection, name: str, show: int) -> tuple[bool, str]:
    """Is the built ``name`` identical to ref's (columns, types, rows)? And what differs."""
    schema, table = name.split(".")
    here = con.execute(f"DESCRIBE {schema}.{table}").fetchall()
    there = con.execute(f"DESCRIBE ref.{schema}.{table}").fetchall()
    cols_here = [(r[0], r[1]) for r in here]
    cols_there = [(r[0], r[1]) for r in there]
    if cols_here != cols_there:
        return False, f"  columns built: {cols_here}\n  columns ref:   {cols_there}"
    columns = ", ".join(q(c) for c, _ in cols_here)
    a = con.execute(_rows_text(con, f"{schema}.{table}", columns)).fetchone()
    b = con.execute(_rows_text(con, f"ref.{schema}.{table}", columns)).fetchone()
    if a == b:
        return True, ""
    lines = [f"  rows built {a[0]}, ref {b[0]}"]  # type: ignore[index]
    built = f"SELECT {columns} FROM {schema}.{table}"
    ref = f"SELECT {columns} FROM ref.{schema}.{table}"
    for row in con.execute(f"({built} EXCEPT ALL {ref}) LIMIT {show}").fetchall():
        lines.append(f"  built only: {row}")
    for row in con.execute(f"({ref} EXCEPT ALL {built}) LIMIT {show}").fetchall():
        lines.append(f"  ref only:   {row}")
    return False, "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ref", required=True)
    parser.add_argument("--build", action="append", default=[])
    parser.add_argument("--copy", action="append", default=[])
    parser.add_argument(
        "--asof-from-ref",
        action="append",
        default=[],
        help="schema.table: make as_of.<table> from ref's table as today's vintage only "
        "(develop a point-in-time model before its upstream models exist)",
    )
    parser.add_argument("--out", default=":memory:")
    parser.add_argument("--show", type=int, default=5)
    args = parser.parse_args(argv)

    contracts = {n: c for n, c in load_contracts(SQL_DIR, require_sql=False).items() if c.has_model}
    wanted: set[str] = set()

    def want(name: str) -> None:
        if name in wanted:
            return
        wanted.add(name)
        for dep in references(contracts[name], set(contracts)):
            if dep not in args.copy:
                want(dep)

    for name in args.build:
        want(name)
    order = [n for n in build_order(contracts, {}) if n in wanted]

    if args.out != ":memory:":
        Path(args.out).unlink(missing_ok=True)
    con = duckdb.connect(args.out)
    con.execute(f"ATTACH '{args.ref}' AS ref (READ_ONLY)")
    ref_tables = {
        f"{s}.{t}"
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'ref'"
        ).fetchall()
    }
    copies = [t for t in sorted(ref_tables) if t.startswith("raw.")] + args.copy
    copies += [
        dep
        for name in order
        for dep in references(contracts[name], ref_tables)
        if dep not in wanted and dep not in copies
    ]
    con.execute("CREATE SCHEMA IF NOT EXISTS as_of")
    for table in args.asof_from_ref:
        schema, name = table.split(".")
        con.execute(
            f"CREATE OR REPLACE TABLE as_of.{q(name)} AS "
            f"SELECT DATE '9999-12-31' AS as_of, * FROM ref.{q(schema)}.{q(name)}"
        )
    for table in copies:
        schema, name = table.split(".")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.execute(f"CREATE OR REPLACE TABLE {table} AS FROM ref.{q(schema)}.{q(name)}")
    columns = {
        c
        for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'raw' "
            "AND table_name = 'financials'"
        ).fetchall()
    }
    if columns and "stated_precision" not in columns:  # a ref built before the column
        con.execute(  # the rule of scripts/migrate_precision.py
            "ALTER TABLE raw.financials ADD COLUMN stated_precision DOUBLE; "
            "UPDATE raw.financials SET stated_precision = CASE WHEN unit = 'USD_m' AND "
            "regexp_matches(source_note, 'stated in bn to (\\d) decimal', 'i') THEN "
            "pow(10, 3 - CAST(regexp_extract(source_note, 'stated in bn to (\\d) decimal', 1, "
            "'i') AS INTEGER)) END"
        )
    for macros in sorted((SQL_DIR / "macros").glob("*.sql")):
        con.execute(macros.read_text(encoding="utf-8"))
    failed = False
    for name in order:
        start = time.perf_counter()
        try:
            rows = build_model(con, contracts[name], DEFAULT_VARIABLES)
        except Exception as error:  # report and stop: later models need this one
            print(f"FAILED {name}: {error}")
            return 1
        took = (time.perf_counter() - start) * 1000
        verdict = ""
        if name in ref_tables:
            same, text = compare_table(con, name, args.show)
            verdict = "identical to ref" if same else "DIFFERENT from ref\n" + text
            failed |= not same
        print(f"{name}: {rows} rows, {took:.0f} ms {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
