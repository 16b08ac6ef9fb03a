"""Refreshing twice from the same raw files gives byte-for-byte identical query results."""

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.refresh import failure_messages, run_refresh
from pipelines.warehouse.resource import DATA_SCHEMAS
from tests.conftest import RefreshedRun

pytestmark = pytest.mark.end_to_end


def table_contents(path: Path) -> dict[str, tuple[list[tuple], list[tuple]]]:
    """Every data table: (columns with types, all rows in stored order), read-only."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [
            n
            for (n,) in con.execute(
                "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
                "WHERE NOT internal AND schema_name IN ? ORDER BY 1",
                [list(DATA_SCHEMAS)],
            ).fetchall()
        ]
        return {
            name: (
                con.execute(f"DESCRIBE {name}").fetchall(),
                con.execute(f"SELECT * FROM {name}").fetchall(),
            )
            for name in names
        }


def test_two_refreshes_on_the_same_inputs_give_identical_tables(
    warehouse_file: Path, raw_copy: Path, refreshed_run: RefreshedRun, monkeypatch
):
    """The first refresh is the session's golden one (of another copy of the same raw
    files, into an empty warehouse); the second refreshes a copy of its warehouse."""
    monkeypatch.delenv("SEC_USER_AGENT", raising=False)
    with (raw_copy / "companies.csv").open(newline="", encoding="utf-8") as handle:
        tickers = sorted(row["ticker"] for row in csv.DictReader(handle))

    first = refreshed_run.result
    assert first.success, failure_messages(first)
    shutil.copyfile(refreshed_run.path, warehouse_file)
    shutil.copytree(refreshed_run.reports, warehouse_file.parent / "reports")  # not redrawn
    contents_first = table_contents(warehouse_file)
    inode_first = warehouse_file.stat().st_ino

    second = run_refresh()
    assert second.success, failure_messages(second)
    contents_second = table_contents(warehouse_file)

    assert warehouse_file.stat().st_ino != inode_first  # the second run really swapped a new file
    assert "raw.companies" in contents_first and "raw.financials" in contents_first
    assert [r[0] for r in contents_first["raw.companies"][1]] == tickers  # rows sorted by ticker
    assert contents_second.keys() == contents_first.keys()
    for name in contents_first:
        assert contents_second[name] == contents_first[name], f"{name} differs between runs"

    with duckdb.connect(str(warehouse_file), read_only=True) as con:
        versions = con.execute(
            "SELECT run_id, table_name, row_count, content_hash FROM meta.table_versions "
            "ORDER BY table_name, written_at"
        ).fetchall()
        changes = con.execute(
            "SELECT DISTINCT change FROM meta.table_changes WHERE run_id = ?", [second.run_id]
        ).fetchall()
    by_run: dict[str, list[tuple]] = {}
    for run_id, table, rows, digest in versions:
        by_run.setdefault(run_id, []).append((table, rows, digest))
    assert set(by_run) == {first.run_id, second.run_id}
    assert by_run[first.run_id] == by_run[second.run_id]
    assert len(by_run[first.run_id]) == len(contents_first)
    assert changes == [("unchanged",)]
