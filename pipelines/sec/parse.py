"""Parse companyfacts JSON files into the long facts table, with DuckDB's JSON reader.

DuckDB reads the nested objects as MAPs and unnests them in C++ across threads, so a
companyfacts file never becomes Python objects (see bench/sec_bench.py for the throughput
against a plain pandas implementation).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from pipelines import settings

COMPANIES_VIEW = "__sec_companies"

FACTS_SCHEMA = {
    "ticker": pl.Utf8,
    "cik": pl.Int64,
    "taxonomy": pl.Utf8,
    "concept": pl.Utf8,
    "unit": pl.Utf8,
    "start": pl.Date,
    "end": pl.Date,
    "val": pl.Float64,
    "accn": pl.Utf8,
    "fy": pl.Int64,
    "fp": pl.Utf8,
    "form": pl.Utf8,
    "filed": pl.Date,
    "frame": pl.Utf8,
}


def facts_sql() -> str:
    return settings.read_sql("sec/facts.sql")


def _register_companies(con: duckdb.DuckDBPyConnection, companies: Mapping[int, str]) -> None:
    frame = pl.DataFrame(
        {"cik": list(companies), "ticker": list(companies.values())},
        schema={"cik": pl.Int64, "ticker": pl.Utf8},
    )
    con.register(COMPANIES_VIEW, frame.to_arrow())


def facts_arrow(files: Iterable[Path | str], companies: Mapping[int, str]) -> pa.Table:
    """The facts of ``files`` as an Arrow table, streamed out of DuckDB in record batches (the
    result is never held twice). Raises ``duckdb.Error`` on bad JSON."""
    paths = [str(p) for p in files]
    if not paths:
        raise ValueError("no companyfacts files to parse")
    with duckdb.connect() as con:
        con.execute("SET preserve_insertion_order = false")  # rows in any order: less memory
        _register_companies(con, companies)
        reader = con.execute(facts_sql(), [paths]).to_arrow_reader(batch_size=1 << 20)
        table = pa.Table.from_batches(list(reader), schema=reader.schema)
    return table


def parse_files(files: Iterable[Path | str], companies: Mapping[int, str]) -> pl.DataFrame:
    """The facts of ``files`` as a polars frame (schema :data:`FACTS_SCHEMA`)."""
    frame = pl.from_arrow(facts_arrow(files, companies))
    assert isinstance(frame, pl.DataFrame)
    return frame.cast(FACTS_SCHEMA)  # type: ignore[arg-type]


def parse_documents(documents: Iterable[bytes | str], companies: Mapping[int, str]) -> pl.DataFrame:
    """:func:`parse_files` on companyfacts documents held in memory (the bytes or text of each
    JSON body, e.g. members read from an archive): written to a temporary folder, parsed by
    the same DuckDB reader, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="sec-docs-") as folder:
        paths = []
        for index, document in enumerate(documents):
            path = Path(folder) / f"doc{index:06d}.json"
            if isinstance(document, str):
                path.write_text(document, encoding="utf-8")
            else:
                path.write_bytes(document)
            paths.append(path)
        return parse_files(paths, companies)


def read_entity(path: Path | str) -> tuple[int | None, str | None, int]:
    """(cik, entityName, number of top-level JSON values) of one companyfacts file."""
    with duckdb.connect() as con:
        rows = con.execute(
            "SELECT cik, entityName FROM read_json(?, format = 'auto', "
            "maximum_object_size = 2147483647, "
            "columns = {'cik': 'BIGINT', 'entityName': 'VARCHAR'})",
            [str(path)],
        ).fetchall()
    if not rows:
        return None, None, 0
    return rows[0][0], rows[0][1], len(rows)
