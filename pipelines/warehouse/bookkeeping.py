"""The warehouse's own tables: the schemas and bookkeeping tables every run starts from
(:func:`bootstrap`), and the snapshot of every data table a successful run records in
``meta.table_versions`` (:func:`snapshot_tables`).
"""

from __future__ import annotations

import duckdb

from pipelines import settings

DATA_SCHEMAS = ("raw", "marts", "metrics", "tco", "sec")


def bootstrap(con: duckdb.DuckDBPyConnection) -> None:
    """Create schemas and bookkeeping tables if missing, and the SQL models' macros
    (``sql/macros/*.sql``)."""
    con.execute(settings.read_sql("warehouse/bootstrap.sql"))
    for macros in sorted((settings.SQL_DIR / "macros").glob("*.sql")):
        con.execute(macros.read_text(encoding="utf-8"))


def snapshot_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, str]]:
    """(schema.table, row count, content hash) for every data table, sorted by name."""
    placeholders = ", ".join("?" for _ in DATA_SCHEMAS)
    names = con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
        f"WHERE schema_name IN ({placeholders}) ORDER BY 1",
        list(DATA_SCHEMAS),
    ).fetchall()
    result = []
    for (name,) in names:
        count, digest = con.execute(
            f"SELECT count(*), coalesce(md5(string_agg(CAST(t AS VARCHAR), chr(10) "
            f"ORDER BY CAST(t AS VARCHAR))), md5('')) FROM {name} AS t"
        ).fetchone()  # type: ignore[misc]
        result.append((name, int(count), str(digest)))
    return result
