"""The SEC store: its own DuckDB file, never copied by a warehouse refresh, swapped atomically.

Fixture data: small companyfacts files written here (no real files needed)."""

import json
import os
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from pipelines.refresh import failure_messages, run_refresh
from pipelines.sec import store as sec_store
from pipelines.sec.bulk import ingest
from pipelines.sec.bulk_config import ALL_ENV, load_bulk_settings

FACT = {"end": "2024-03-31", "val": 5, "accn": "0000000001-24-000001", "fy": 2024, "fp": "Q1"}
FACT |= {"form": "10-Q", "filed": "2024-04-30", "start": "2024-01-01"}


@pytest.fixture(autouse=True)
def _bulk_env_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ALL_ENV:
        monkeypatch.delenv(name, raising=False)


def _archive(path: Path, ciks: range, facts_each: int = 3) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for cik in ciks:
            facts = [
                dict(FACT, val=cik * 10 + i, end=f"2024-03-{10 + i}") for i in range(facts_each)
            ]
            body = {
                "cik": cik,
                "entityName": f"E{cik}",
                "facts": {"us-gaap": {"Cash": {"units": {"USD": facts}}}},
            }
            archive.writestr(f"CIK{cik:010d}.json", json.dumps(body))
    return path


def _counts(con: duckdb.DuckDBPyConnection, prefix: str = "") -> tuple[int, int]:
    members = con.execute(f"SELECT count(*) FROM {prefix}members").fetchone()
    facts = con.execute(f"SELECT count(*) FROM {prefix}facts").fetchone()
    return int(members[0]), int(facts[0])  # type: ignore[index]


def test_readers_see_the_old_store_or_the_new_one_never_half(tmp_path: Path) -> None:
    store = tmp_path / "sec_bulk.duckdb"
    config = load_bulk_settings({"SEC_BULK_STORE": str(store), "SEC_BULK_CHUNK": "2"})
    ingest(config, _archive(tmp_path / "a.zip", range(1, 9)), log=lambda _: None)
    old_reader = duckdb.connect()
    assert sec_store.attach(old_reader, store)
    assert _counts(old_reader, "sec_bulk.") == (8, 24)

    seen_during: list[tuple[int, int]] = []

    def log(_: str) -> None:  # called after every chunk of the new ingest
        with sec_store.open_store(store) as during:
            seen_during.append(_counts(during))

    ingest(config, _archive(tmp_path / "b.zip", range(100, 103), 5), log=log)
    assert len(seen_during) == 2 and set(seen_during) == {(8, 24)}  # mid-ingest: the old store
    assert _counts(old_reader, "sec_bulk.") == (8, 24)  # attached before the swap: old, whole
    old_reader.close()
    with sec_store.open_store(store) as new_reader:
        assert _counts(new_reader) == (3, 15)
    assert sorted(p.name for p in tmp_path.iterdir() if "building" in p.name) == []


def test_a_failed_ingest_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    store = tmp_path / "sec_bulk.duckdb"
    config = load_bulk_settings({"SEC_BULK_STORE": str(store)})
    ingest(config, _archive(tmp_path / "a.zip", range(1, 4)), log=lambda _: None)
    before = store.read_bytes()

    def explode(_: str) -> None:
        raise RuntimeError("killed mid-ingest")

    with pytest.raises(RuntimeError, match="killed"):
        ingest(config, _archive(tmp_path / "b.zip", range(10, 20)), log=explode)
    assert store.read_bytes() == before
    assert [p.name for p in tmp_path.glob("*.building*")] == []


def test_one_ingest_at_a_time(tmp_path: Path) -> None:
    store = tmp_path / "sec_bulk.duckdb"
    with sec_store.building(store) as builder:
        builder.execute(
            "INSERT INTO members VALUES ('m', 1, NULL, 1, 'ingested', NULL, NULL, 0, 0)"
        )
        busy = pytest.raises(sec_store.StoreBusyError, match="another bulk ingest")
        with busy, sec_store.building(store):
            pass
    with sec_store.open_store(store) as con:
        assert con.execute("SELECT member FROM members").fetchall() == [("m",)]


def test_a_refresh_never_copies_the_store_and_keeps_its_views(
    tmp_path: Path,
    raw_copy: Path,
    warehouse_file: Path,
    refreshed_warehouse: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Refreshes of the bulk asset (and a raw table, the second time) on a copy of the
    session's golden warehouse: each takes a private copy of the warehouse and swaps it in."""
    shutil.copyfile(refreshed_warehouse, warehouse_file)
    archive = _archive(tmp_path / "a.zip", range(1, 6))
    monkeypatch.setenv("SEC_BULK_SOURCE", str(archive))
    result = run_refresh(["sec/bulk"], log_level="WARNING")  # builds the store and the views
    assert result.success, failure_messages(result)
    store = warehouse_file.with_name("sec_bulk.duckdb")
    before = os.stat(store)

    copied: list[str] = []
    real_copyfile = shutil.copyfile

    def spy(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        copied.append(str(src))
        return real_copyfile(src, dst, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", spy)
    (raw_copy / "financials.csv").write_text(
        (raw_copy / "financials.csv").read_text() + "\n", encoding="utf-8"
    )
    # archive unchanged: the store is kept
    again = run_refresh(["sec/bulk", "raw/financials"], log_level="WARNING")
    assert again.success, failure_messages(again)
    after = os.stat(store)
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        before.st_ino,
        before.st_mtime_ns,
        before.st_size,
    )
    assert str(store) not in copied and not any("sec_bulk" in c for c in copied)
    with duckdb.connect(str(warehouse_file), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert not any(t.startswith("bulk_") for t in tables)  # views only, no SEC data copied
        assert sec_store.attach(con, store)
        assert con.execute("SELECT count(*) FROM sec.bulk_facts").fetchone() == (15,)
        assert con.execute("SELECT count(*) FROM sec.bulk_quarantine").fetchone() == (0,)
