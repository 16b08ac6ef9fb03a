"""The warehouse resource: every run builds into a private copy that is swapped in atomically.

The refresh lock, the ``<warehouse>.<run>.building`` copy every asset writes to, the swap
only when no step failed (and the live file is unchanged), and what a failed run carries
over: docs/refresh-safety.md, "Readers never see half a refresh", and docs/reliability.md.
What a failed run records: ``pipelines.warehouse.failures``; schemas, bookkeeping tables and
the table snapshot: ``pipelines.warehouse.bookkeeping``; the file-level steps:
``pipelines.warehouse.swap`` and ``pipelines.warehouse.journal``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field, PrivateAttr

from pipelines import settings
from pipelines.warehouse import swap
from pipelines.warehouse.bookkeeping import DATA_SCHEMAS, bootstrap, snapshot_tables
from pipelines.warehouse.failures import RunFailureRecording, root_cause
from pipelines.warehouse.failures import insert_journal as _insert_journal
from pipelines.warehouse.locking import WarehouseLockedError, retry_while_locked

__all__ = [
    "DATA_SCHEMAS",
    "SwapRefusedError",
    "WarehouseLockedError",
    "WarehouseResource",
    "bootstrap",
    "root_cause",
    "snapshot_tables",
]


class SwapRefusedError(dg.DagsterError):
    """The run's copy was not swapped in (the live file changed meanwhile, a full disk at the
    checkpoint, ...). A ``DagsterError``: Dagster lets it out of the resource's teardown, so the
    run ends as failed (in the UI too) instead of successful with an error event."""


class WarehouseResource(RunFailureRecording, dg.ConfigurableResource):
    """The DuckDB warehouse file. Runs write to a private copy that replaces the live file
    only when the whole run succeeded. What a failed run records:
    :class:`~pipelines.warehouse.failures.RunFailureRecording`."""

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
    _copied: swap.FileState | None = PrivateAttr(default=None)
    _notes: list[str] = PrivateAttr(default_factory=list)
    _published: list[tuple[Path, Path]] = PrivateAttr(default_factory=list)

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

    def stage_folder(self, final: Path) -> Path:
        """Where a step writes files meant for ``final`` (e.g. the charts in ``reports/``):
        inside a run, a folder ``<warehouse>.<run>.building-files/<n>-<name>`` whose files are
        moved into ``final`` only after a successful swap (a failed run leaves ``final``
        untouched; a killed run's folder is removed by the next run); outside a run,
        ``final`` itself."""
        if self._staging is None:
            return final
        root = self._staging.with_name(self._staging.name + "-files")
        staged = root / f"{len(self._published)}-{final.name}"
        staged.mkdir(parents=True)
        self._published.append((staged, final))
        return staged

    def staged(self, final: Path) -> Path:
        """The file this run staged for ``final`` (by :meth:`stage_folder` of its folder), if
        any; else ``final`` itself: what a later step of the same run should read."""
        for staged, folder in self._published:
            candidate = staged / final.name
            if folder == final.parent and candidate.exists():
                return candidate
        return final

    # -------------------------------------------------------------- lifecycle
    def _take_copy(self, live: Path, staging: Path) -> swap.FileState | None:
        """Copy the live file to ``staging`` (state recorded), after setting aside a stale
        write-ahead log; None if there is no live file yet."""
        for _ in range(2):
            try:
                with swap.holding_readers_lock(live, self.lock_timeout_s) as fd:
                    if fd is None:
                        return None
                    note = swap.set_aside_stale_wal(live, fd)
                    if note:
                        self._notes.append(note)
                    swap.fault_point("copying")
                    return swap.file_state(live, fd, copy_to=staging)
            except swap.ForeignWalError:  # nobody holds the file: its WAL cannot be replayed
                note = swap.set_aside_stale_wal(live)
                if note:
                    self._notes.append(note)
        raise swap.WarehouseDamagedError(f"{live} keeps getting a write-ahead log; giving up")

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if context.run is None:  # used outside a run: write to the live file directly
            return
        live = self.live_path()
        live.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fd = swap.acquire_refresh_lock(live, self.lock_timeout_s)
        swap.fault_point("locked")
        self._run_id = context.run.run_id
        self._started_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        self._notes, self._published = [], []
        staging = live.with_name(f"{live.name}.{self._run_id[:8]}.building")
        try:
            for stale in live.parent.glob(live.name + ".*.building*"):  # left by a killed run
                if stale.is_dir():
                    shutil.rmtree(stale, ignore_errors=True)
                else:
                    stale.unlink(missing_ok=True)
            self._copied = self._take_copy(live, staging)
            if self._copied is None:
                swap.refuse_new_warehouse_beside_a_copy(live)
            self._con = duckdb.connect(str(staging))
            # the run's copy is checkpointed once, at publish: an automatic checkpoint between
            # models (every 16 MB of log) would rewrite the file several times per run; one
            # thread: the tables are small, a second thread costs more CPU than it saves time;
            # no FSST string compression: on these tables its analysis at the checkpoint costs
            # a third of the checkpoint for a file of about the same size
            self._con.execute("SET checkpoint_threshold = '16GB'")
            self._con.execute("SET threads = 1")
            self._con.execute("SET disabled_compression_methods = 'fsst'")
            bootstrap(self._con)
            self._staging = staging
            swap.fault_point("copied")
        except BaseException as error:
            self._close()
            for leftover in (staging, swap.wal_of(staging)):
                leftover.unlink(missing_ok=True)  # e.g. a partial copy on a full disk
            if isinstance(error, Exception):
                self._record_failure(
                    context,
                    f"could not start: {error}",
                    [],
                    journal_only=isinstance(
                        error, WarehouseLockedError | swap.WarehouseMissingError
                    ),
                )
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
                try:
                    self._publish(context)
                except Exception as error:  # refused swap, full disk at checkpoint, ...
                    self._drop_staging()  # frees the disk for the failure record
                    self._record_failure(
                        context,
                        f"not swapped in: {error}",
                        [],
                        journal_only=isinstance(error, WarehouseLockedError),
                    )
                    raise SwapRefusedError(f"not swapped in: {error}") from error
                try:
                    self._move_staged_files(context)
                except Exception as error:  # e.g. a full disk: the tables are swapped in already
                    self._record_unpublished_files(context, error)
                    raise
        finally:
            self._close()
            for leftover in (self._staging, swap.wal_of(self._staging)):
                leftover.unlink(missing_ok=True)
            shutil.rmtree(self._staging.with_name(self._staging.name + "-files"), True)
            self._staging = None
            self._release_refresh_lock()

    # -------------------------------------------------------------- internals
    def _release_refresh_lock(self) -> None:
        if self._lock_fd is not None:
            swap.release_refresh_lock(self._lock_fd)
            self._lock_fd = None

    def _close(self) -> None:
        if self._con is not None:
            with suppress(duckdb.Error):  # a database invalidated by an I/O error (full disk)
                self._con.close()
            self._con = None

    def _drop_staging(self) -> None:
        """Close and delete the run's copy now (not only at teardown's end): on a full disk
        that frees the room the failure record needs."""
        self._close()
        if self._staging is not None:
            for leftover in (self._staging, swap.wal_of(self._staging)):
                leftover.unlink(missing_ok=True)

    def _publish(self, context: dg.InitResourceContext) -> None:
        assert self._staging is not None and self._con is not None
        live = self.live_path()
        con = self._con
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        versions = [
            [self._run_id, name, n, digest, now] for name, n, digest in snapshot_tables(con)
        ]
        if versions:  # executemany refuses an empty list
            con.executemany("INSERT INTO meta.table_versions VALUES (?, ?, ?, ?, ?)", versions)
        journal = swap.read_journal_checked(live)  # one bad line never fails the refresh
        _insert_journal(con, journal.entries)
        kept = swap.unreadable_journal_path(journal)
        if journal.problems:
            self._notes.append(swap.describe_journal_problems(journal, kept))
        con.execute(
            "INSERT INTO meta.refresh_log VALUES (?, ?, ?, ?, ?, ?)",
            self._log_line("success", context, "swapped in"),
        )
        swap.fault_point("checkpoint")
        con.execute("CHECKPOINT")
        self._close()
        swap.swap_in(self._staging, live, self._copied, timeout_s=self.lock_timeout_s)
        if journal.entries or journal.problems:
            try:
                swap.set_aside_journal(journal, kept)
            except OSError as error:  # swapped in already: say so, do not fail the run
                self._notes.append(f"{journal.path} could not be moved aside: {error}")
        if context.log:
            context.log.info(f"warehouse {live} replaced atomically by run {self._run_id}")
            for note in self._notes:
                context.log.warning(note)

    def _move_staged_files(self, context: dg.InitResourceContext) -> None:
        """After a successful swap: move every staged file into its final folder."""
        swap.fault_point("publishing-files")
        for staged, final in self._published:
            for path in sorted(p for p in staged.rglob("*") if p.is_file()):
                target = final / path.relative_to(staged)
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.replace(path, target)  # atomic, file by file
                except OSError:  # another file system: copy beside the target, then rename
                    tmp = target.with_name(target.name + ".tmp")
                    shutil.copyfile(path, tmp)
                    os.replace(tmp, target)
            if context.log:
                context.log.info(f"published the files of {staged.name} into {final}")
