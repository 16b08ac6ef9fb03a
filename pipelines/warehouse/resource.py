"""The warehouse resource: every run builds into a private copy that is swapped in atomically.

How a refresh stays safe for readers (see README, "Refresh safety"):

1. At run start the resource takes an exclusive refresh lock (``<warehouse>.refresh.lock``,
   ``flock``: released by the kernel even if the process is killed), so two runs never write
   at once, and waits (bounded, ``lock_timeout_s``) until no other process holds the live
   file for writing. Readers (read-only connections) do not block a refresh.
2. It removes any ``.building`` file a killed run left behind, copies the live file to
   ``<warehouse>.<run>.building`` and opens one connection to it; every asset of the run
   writes there through a cursor of that connection (in-process executor: one step at a
   time).
3. At run end, if no step failed, the copy gets its ``meta.table_versions`` and
   ``meta.refresh_log`` rows, is checkpointed, fsynced and renamed over the live file
   (``os.replace``: atomic on POSIX) — after checking again that no process opened the live
   file for writing meanwhile. Readers that already have the old file open keep reading the
   old snapshot; new readers see the new one. Nobody sees half a refresh.
4. If any step failed (bad raw file, bug) the copy is thrown away. Only the rejected rows and
   a ``failure`` line in ``meta.refresh_log`` are carried over — into a fresh copy of the
   live file, swapped in the same way — so every data table stays exactly as it was.
5. A killed process never reaches step 3: the live file is untouched and the stale
   ``.building`` file is removed by the next run.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from pydantic import Field, PrivateAttr

from pipelines import settings
from pipelines.warehouse.locking import (
    WarehouseLockedError,
    connect_read_only,
    retry_while_locked,
)

DATA_SCHEMAS = ("raw", "marts", "metrics", "tco", "sec")

__all__ = ["WarehouseLockedError", "WarehouseResource", "bootstrap", "snapshot_tables"]


def bootstrap(con: duckdb.DuckDBPyConnection) -> None:
    """Create schemas and bookkeeping tables if missing."""
    con.execute(settings.read_sql("warehouse/bootstrap.sql"))


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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_database(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    if source.exists():
        shutil.copyfile(source, target)
        wal = source.with_name(source.name + ".wal")
        if wal.exists():  # an unclean shutdown left a write-ahead log: carry it over
            shutil.copyfile(wal, target.with_name(target.name + ".wal"))


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file. Runs write to a private copy that replaces the live file
    only when the whole run succeeded."""

    path: str = Field(
        default="",
        description=f"Warehouse file; empty means ${settings.WAREHOUSE_ENV} or "
        "data/warehouse.duckdb.",
    )
    lock_timeout_s: float = Field(
        default=30.0,
        description="How long to wait for another process that holds the warehouse or the "
        "refresh lock before failing.",
    )

    _lock_fd: int | None = PrivateAttr(default=None)
    _staging: Path | None = PrivateAttr(default=None)
    _run_id: str | None = PrivateAttr(default=None)
    _started_at: dt.datetime | None = PrivateAttr(default=None)
    _con: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    # ----------------------------------------------------------------- paths
    def live_path(self) -> Path:
        return Path(self.path).resolve() if self.path else settings.warehouse_path()

    def target_path(self) -> Path:
        """Where writes go: the run's private copy inside a run, else the live file."""
        return self._staging or self.live_path()

    # ------------------------------------------------------------ connections
    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the run's copy (or, outside a run, the live file).

        Inside a run this is a cursor of the one connection the run keeps open on its copy:
        opening and closing (checkpointing) the file for every asset costs ~40 ms each."""
        if self._con is not None:
            cursor = self._con.cursor()
            try:
                yield cursor
            finally:
                cursor.close()
            return
        target = self.target_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        con = retry_while_locked(
            lambda: duckdb.connect(str(target)),
            target,
            timeout_s=self.lock_timeout_s,
            what_to_do="Close the other connection (DuckDB shells: open with -readonly) and retry.",
        )
        try:
            yield con
        finally:
            con.close()

    # -------------------------------------------------------------- lifecycle
    def _acquire_refresh_lock(self, live: Path) -> None:
        lock_path = live.with_name(live.name + ".refresh.lock")
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o644)
        deadline = time.monotonic() + self.lock_timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise WarehouseLockedError(
                        f"another refresh of {live} is running (lock file {lock_path}); "
                        f"waited {self.lock_timeout_s:.0f} s. Let it finish and retry."
                    ) from None
                time.sleep(0.25)
        self._lock_fd = fd

    def _release_refresh_lock(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _wait_until_no_writer(self, live: Path) -> None:
        if not live.exists():
            return

        connect_read_only(
            live,
            timeout_s=self.lock_timeout_s,
            what_to_do="Another process has it open for writing: close it (open DuckDB shells "
            "with -readonly, or use `ledger query`, which is read-only) and run the refresh again.",
        ).close()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if context.run is None:  # used outside a run: write to the live file directly
            return
        live = self.live_path()
        live.parent.mkdir(parents=True, exist_ok=True)
        self._acquire_refresh_lock(live)
        try:
            self._wait_until_no_writer(live)
            run_id = context.run.run_id
            for stale in live.parent.glob(live.name + ".*.building*"):
                stale.unlink(missing_ok=True)  # left by a killed run
            staging = live.with_name(f"{live.name}.{run_id[:8]}.building")
            _copy_database(live, staging)
            self._con = duckdb.connect(str(staging))
            bootstrap(self._con)
            self._staging, self._run_id = staging, run_id
            self._started_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        except BaseException:
            self._close()
            self._release_refresh_lock()
            raise

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._staging is None:
            return
        try:
            failures = self._failed_steps(context)
            if failures:
                self._reject(failures, context)
            else:
                self._publish(context)
        finally:
            self._close()
            for leftover in (self._staging, self._staging.with_name(self._staging.name + ".wal")):
                leftover.unlink(missing_ok=True)
            self._staging = None
            self._release_refresh_lock()

    # -------------------------------------------------------------- internals
    def _close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    @staticmethod
    def _failed_steps(context: dg.InitResourceContext) -> list[str]:
        if context.instance is None or context.run is None:
            return []
        records = context.instance.all_logs(
            context.run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE
        )
        return sorted({r.step_key or "?" for r in records})

    @staticmethod
    def _selected_assets(context: dg.InitResourceContext) -> str:
        run = context.run
        keys = run.asset_selection if run is not None and run.asset_selection else []
        return ", ".join(sorted(k.to_user_string() for k in keys)) or "all"

    def _log_line(self, status: str, context: dg.InitResourceContext, message: str) -> list[Any]:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        return [
            self._run_id,
            self._started_at,
            now,
            status,
            self._selected_assets(context),
            message,
        ]

    def _publish(self, context: dg.InitResourceContext) -> None:
        assert self._staging is not None and self._con is not None
        live = self.live_path()
        con = self._con
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        con.executemany(
            "INSERT INTO meta.table_versions VALUES (?, ?, ?, ?, ?)",
            [[self._run_id, name, n, digest, now] for name, n, digest in snapshot_tables(con)],
        )
        con.execute(
            "INSERT INTO meta.refresh_log VALUES (?, ?, ?, ?, ?, ?)",
            self._log_line("success", context, "swapped in"),
        )
        con.execute("CHECKPOINT")
        self._close()
        with open(self._staging, "rb+") as handle:
            os.fsync(handle.fileno())
        # Someone may have opened the live file for writing since the run started: replacing
        # it under them would silently drop their writes, so wait for them (bounded) first.
        self._wait_until_no_writer(live)
        os.replace(self._staging, live)
        _fsync_dir(live.parent)
        if context.log:
            context.log.info(f"warehouse {live} replaced atomically by run {self._run_id}")

    def _reject(self, failures: list[str], context: dg.InitResourceContext) -> None:
        """Keep every live table as it was; carry over only the quarantine rows and a log line."""
        assert self._staging is not None and self._con is not None
        live = self.live_path()
        rejected = self._con.execute(
            "SELECT * FROM quarantine.rejected_rows WHERE run_id = ?", [self._run_id]
        ).fetchall()
        self._close()
        carrier = live.with_name(f"{live.name}.{(self._run_id or 'run')[:8]}.building-rejects")
        try:
            self._wait_until_no_writer(live)
            _copy_database(live, carrier)
            with duckdb.connect(str(carrier)) as con:
                bootstrap(con)
                if rejected:
                    con.executemany(
                        "INSERT INTO quarantine.rejected_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        rejected,
                    )
                con.execute(
                    "INSERT INTO meta.refresh_log VALUES (?, ?, ?, ?, ?, ?)",
                    self._log_line(
                        "failure",
                        context,
                        f"failed steps: {', '.join(failures)}; tables unchanged; "
                        f"{len(rejected)} rejected row(s) quarantined",
                    ),
                )
                con.execute("CHECKPOINT")
            os.replace(carrier, live)
            _fsync_dir(live.parent)
        finally:
            carrier.unlink(missing_ok=True)
        if context.log:
            context.log.warning(
                f"run failed ({', '.join(failures)}): {live} keeps its previous tables; "
                f"{len(rejected)} rejected row(s) recorded in quarantine.rejected_rows"
            )
