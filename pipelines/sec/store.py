"""The SEC store: bulk-mode SEC data in its own DuckDB file, swapped in atomically on its own.

Why a separate file (docs/sec-bulk.md, "Storage"): every warehouse refresh copies the whole
warehouse file into a private ``.building`` copy and renames it over the live file
(``pipelines/warehouse/resource.py``). The facts of 10,000 filers are gigabytes, so inside the
warehouse they would make every refresh copy gigabytes. Here they live in
``sec_bulk.duckdb`` (``SEC_BULK_STORE``), which only a bulk ingest writes:

1. A bulk ingest takes ``<store>.lock`` (``flock``; one ingest at a time), removes any
   ``<store>.*.building`` a killed ingest left, and builds a **new** file
   ``<store>.<token>.building`` from the archive, chunk by chunk.
2. When every member has been read, the new file is checkpointed, closed, fsynced and
   renamed over ``<store>`` (``os.replace``: atomic on POSIX). The live store is never opened
   for writing, so it never has a ``.wal`` that could be replayed into the wrong file.
3. Readers ``ATTACH '<store>' AS sec_bulk (READ_ONLY)`` (:func:`attach`). DuckDB keeps the
   file it attached open, so a reader that attached before a swap reads the old store to the
   end; one that attaches after reads the new one. Nobody sees half an ingest.
4. The warehouse holds only views (``sec.bulk_facts`` ... → ``sec_bulk.main.<table>``,
   :func:`expose_views`): a refresh copies a few hundred bytes of view definitions, never
   the SEC data, and ``snapshot_tables`` (tables only) never hashes it.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from pipelines.warehouse.swap import fsync_dir

ALIAS = "sec_bulk"
#: Tables of the store, and the warehouse view that exposes each.
VIEWS = {
    "facts": "sec.bulk_facts",
    "quarterly": "sec.bulk_quarterly",
    "quarterly_as_first_reported": "sec.bulk_quarterly_as_first_reported",
    "fiscal_year_coverage": "sec.bulk_fiscal_year_coverage",
    "members": "sec.bulk_members",
    "ingest_log": "sec.bulk_ingest_log",
}
QUARANTINE_VIEW = "sec.bulk_quarantine"
#: DuckDB memory limit of the connection that writes a new store.
MEMORY_LIMIT = "512MB"

MEMBERS_DDL = """
CREATE TABLE IF NOT EXISTS members (
    member VARCHAR NOT NULL,      -- name inside the archive (or file name in the folder)
    cik BIGINT,                   -- from the member name CIK##########.json
    entity_name VARCHAR,          -- entityName in the file
    bytes BIGINT,                 -- uncompressed size
    status VARCHAR NOT NULL,      -- ingested | quarantined
    stage VARCHAR,                -- where a quarantined member failed: name, size, read, json,
                                  -- shape, cik, parse, facts, quarterly
    reason VARCHAR,               -- why, with the offending value
    facts BIGINT NOT NULL,        -- rows in facts
    quarters BIGINT NOT NULL      -- rows in quarterly (latest filed)
)"""
INGEST_LOG_DDL = """
CREATE TABLE IF NOT EXISTS ingest_log (
    source VARCHAR, fingerprint VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
    members BIGINT, ingested BIGINT, quarantined BIGINT, facts BIGINT, quarters BIGINT,
    chunk_members BIGINT, peak_rss_mb DOUBLE
)"""


class StoreBusyError(RuntimeError):
    """Another bulk ingest is writing the store."""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class StoreBuilder:
    """A new store file under construction; :meth:`publish` swaps it in, else it is deleted."""

    def __init__(self, store: Path, memory_limit: str = MEMORY_LIMIT) -> None:
        self.store = store
        self.path = store.with_name(f"{store.name}.{secrets.token_hex(4)}.building")
        self.memory_limit = memory_limit
        self.con = self._connect()
        self.con.execute(MEMBERS_DDL)
        self.con.execute(INGEST_LOG_DDL)

    def _connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(self.path))
        con.execute(f"SET memory_limit = {_quote(self.memory_limit)}")
        con.execute("SET preserve_insertion_order = false")
        return con

    def reopen(self) -> None:
        """Checkpoint, close and reopen the file: DuckDB keeps some memory per appended row
        group until the database is closed, so a long ingest reopens it every few chunks to
        keep memory flat whatever the archive's size (measured in docs/sec-bulk.md)."""
        self.con.execute("CHECKPOINT")
        self.con.close()
        self.con = self._connect()

    def append(self, table: str, data: pa.Table | pl.DataFrame) -> None:
        """Append rows to ``table`` (created with the columns of the first data appended)."""
        arrow = data.to_arrow() if isinstance(data, pl.DataFrame) else data
        self.con.register("__incoming", arrow)
        try:
            self.con.execute(
                f'CREATE TABLE IF NOT EXISTS "{table}" AS SELECT * FROM __incoming LIMIT 0'
            )
            self.con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM __incoming')
        finally:
            self.con.unregister("__incoming")

    def execute(self, sql: str, params: list | None = None) -> None:
        self.con.execute(sql, params or [])

    def publish(self) -> None:
        self.con.execute("CHECKPOINT")
        self.con.close()
        with open(self.path, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(self.path, self.store)
        fsync_dir(self.store.parent)

    def discard(self) -> None:
        try:
            self.con.close()
        finally:
            for leftover in (self.path, self.path.with_name(self.path.name + ".wal")):
                leftover.unlink(missing_ok=True)


@contextmanager
def building(store: Path, memory_limit: str = MEMORY_LIMIT) -> Iterator[StoreBuilder]:
    """Lock the store, build a new file, publish it if the block succeeds, else discard it."""
    store.parent.mkdir(parents=True, exist_ok=True)
    lock_path = store.with_name(store.name + ".lock")
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreBusyError(
                f"another bulk ingest is writing {store} (lock {lock_path}); let it finish"
            ) from None
        for stale in store.parent.glob(store.name + ".*.building*"):
            stale.unlink(missing_ok=True)  # left by a killed ingest
        builder = StoreBuilder(store, memory_limit)
        try:
            yield builder
            builder.publish()
        except BaseException:
            builder.discard()
            raise
    finally:
        os.close(fd)  # releases the flock


def attach(con: duckdb.DuckDBPyConnection, store: Path, alias: str = ALIAS) -> bool:
    """``ATTACH`` the store read-only as ``alias`` (so the ``sec.bulk_*`` views resolve).
    Returns False (and attaches nothing) if there is no store yet."""
    if not store.exists():
        return False
    con.execute(f"ATTACH IF NOT EXISTS {_quote(str(store))} AS {alias} (READ_ONLY)")
    return True


@contextmanager
def open_store(store: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the store itself (tables without the ``sec_bulk.`` prefix)."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        yield con
    finally:
        con.close()


def expose_views(con: duckdb.DuckDBPyConnection, store: Path) -> list[str]:
    """Create (or replace) the ``sec.bulk_*`` views of the warehouse on ``con`` over the store's
    tables. Views are resolved when queried, so they follow every swap of the store."""
    if not attach(con, store):
        return []
    try:
        present = {
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [ALIAS]
            ).fetchall()
        }
        con.execute("CREATE SCHEMA IF NOT EXISTS sec")
        made = []
        for table, view in VIEWS.items():
            if table in present:
                con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {ALIAS}.main.{table}")
                made.append(view)
        if "members" in present:
            con.execute(
                f"CREATE OR REPLACE VIEW {QUARANTINE_VIEW} AS SELECT member, cik, bytes, stage, "
                f"reason FROM {ALIAS}.main.members WHERE status = 'quarantined'"
            )
            made.append(QUARANTINE_VIEW)
        return made
    finally:
        con.execute(f"DETACH {ALIAS}")


def last_fingerprint(store: Path) -> str | None:
    """Fingerprint of the source the live store was built from (None if there is none)."""
    if not store.exists():
        return None
    try:
        with open_store(store) as con:
            row = con.execute(
                "SELECT fingerprint FROM ingest_log ORDER BY finished_at DESC LIMIT 1"
            ).fetchone()
    except duckdb.Error:
        return None
    return str(row[0]) if row else None


def quarantine_rows(store: Path) -> list[tuple]:
    """(member, cik, bytes, stage, reason) of every quarantined member of the live store."""
    with open_store(store) as con:
        return con.execute(
            "SELECT member, cik, bytes, stage, reason FROM members "
            "WHERE status = 'quarantined' ORDER BY member"
        ).fetchall()
