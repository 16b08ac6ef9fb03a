"""What a run of the warehouse resource records when it fails (``pipelines.warehouse.resource``,
steps 4 and 5 of its rules): the failed steps and their root causes, a ``failure`` line and
the rejected rows carried into the live warehouse through a fresh copy swapped in like a
refresh, or, when even that is impossible, into the journal beside it
(``pipelines.warehouse.journal``); and, at the next successful refresh, the journal's lines
into ``meta.refresh_log`` (:func:`insert_journal`).

:class:`RunFailureRecording` is a mixin of :class:`~pipelines.warehouse.resource.WarehouseResource`:
its methods use the resource's run state (``_run_id``, ``_staging``, ``_con``, ...).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dagster as dg
import duckdb

from pipelines.warehouse import journal, swap
from pipelines.warehouse.bookkeeping import bootstrap
from pipelines.warehouse.locking import WarehouseLockedError


def root_cause(error: Any) -> str:
    """``Class: message`` of the innermost error Dagster wrapped (a ``Failure``: its message)."""
    while error.cause is not None and (
        "Error occurred while executing" in error.message
        or error.cls_name.startswith("Dagster")
        and error.cls_name != "Failure"
    ):
        error = error.cause
    text = error.message.strip()
    prefix, sep, rest = text.partition(": ")
    if sep and prefix.split(".")[-1] == error.cls_name:  # "module.Class: message"
        text = rest
    return text if error.cls_name == "Failure" else f"{error.cls_name}: {text}"


class RunFailureRecording:
    """The failure-recording methods of ``WarehouseResource`` (a mixin: no fields of its own)."""

    def _record_unpublished_files(self, context: dg.InitResourceContext, error: Exception) -> None:
        """The tables were swapped in but the files the run drew (charts) were not all moved
        into place: a ``failure`` line for this run in the journal (the warehouse already
        has its ``success`` line; the next successful refresh carries this one over), so that
        the refresh summary and exit status say what was and was not published."""
        finals = sorted({str(final) for _, final in self._published})
        line = self._log_line(
            "failure",
            context,
            f"swapped in, but the files it drew were not all published into "
            f"{', '.join(finals) or '?'} ({type(error).__name__}: {error}); the tables are "
            "new, those files may be a mix of the previous and the new ones. Free some space "
            "and run the refresh again",
        )
        keys = ("run_id", "started_at", "finished_at", "status", "assets", "message")
        try:
            journal.journal_failure(self.live_path(), dict(zip(keys, line, strict=True)))
        except OSError as journal_error:
            if context.log:
                context.log.error(f"could not record the failure anywhere: {journal_error}")
        if context.log:
            context.log.error(f"the tables were swapped in, but publishing files failed: {error}")

    @staticmethod
    def _failed_steps(context: dg.InitResourceContext) -> list[str]:
        """``step: cause`` of every failed step of the run, sorted."""
        if context.instance is None or context.run is None:
            return []
        records = context.instance.all_logs(
            context.run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE
        )
        failures = {}
        for record in records:
            event = record.dagster_event
            data = event.step_failure_data if event is not None else None
            cause = root_cause(data.error) if data is not None and data.error else "unknown"
            failures[record.step_key or "?"] = " ".join(cause.split())[:600]
        return [f"{step} ({cause})" for step, cause in sorted(failures.items())]

    @staticmethod
    def _selected_assets(context: dg.InitResourceContext) -> str:
        run = context.run
        keys = run.asset_selection if run is not None and run.asset_selection else []
        return ", ".join(sorted(k.to_user_string() for k in keys)) or "all"

    def _log_line(self, status: str, context: dg.InitResourceContext, message: str) -> list[Any]:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        notes = "".join(f"; {note}" for note in self._notes)
        return [
            self._run_id,
            self._started_at or now,
            now,
            status,
            self._selected_assets(context),
            message + notes,
        ]

    def _reject(self, failures: list[str], context: dg.InitResourceContext) -> None:
        """Keep every live table as it was; carry over only the quarantine rows and a log line."""
        assert self._staging is not None and self._con is not None
        unread = ""
        try:
            rejected = self._con.execute(
                "SELECT * FROM quarantine.rejected_rows WHERE run_id = ?", [self._run_id]
            ).fetchall()
        except duckdb.Error as error:  # e.g. the copy was invalidated by a full disk
            rejected = []
            unread = f" (the build copy could not be read for them: {str(error).strip()[:300]})"
        self._drop_staging()  # frees the disk for the failure record
        message = (
            f"failed steps: {'; '.join(failures)}; tables unchanged; "
            f"{len(rejected)} rejected row(s) quarantined{unread}"
        )
        self._record_failure(context, message, rejected)
        if context.log:
            context.log.warning(
                f"run failed: {self.live_path()} keeps its previous tables; "
                f"{len(rejected)} rejected row(s) recorded in quarantine.rejected_rows"
            )

    def _record_failure(
        self,
        context: dg.InitResourceContext,
        message: str,
        rejected: list[tuple],
        *,
        journal_only: bool = False,
    ) -> None:
        """A ``failure`` line (and the rejected rows) into the live warehouse, through a fresh
        copy of it swapped in like a refresh; if that is impossible (or ``journal_only``: a
        writer holds the file), into the journal beside it."""
        live = self.live_path()
        line = self._log_line("failure", context, message)
        carrier = live.with_name(f"{live.name}.{(self._run_id or 'run')[:8]}.building-rejects")
        try:
            if journal_only:
                raise WarehouseLockedError("another process holds it")
            state = self._take_copy(live, carrier)
            with duckdb.connect(str(carrier)) as con:
                bootstrap(con)
                if rejected:
                    con.executemany(
                        "INSERT INTO quarantine.rejected_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        rejected,
                    )
                con.execute("INSERT INTO meta.refresh_log VALUES (?, ?, ?, ?, ?, ?)", line)
                con.execute("CHECKPOINT")
            swap.fault_point("failure-copy-written")
            swap.swap_in(carrier, live, state, timeout_s=self.lock_timeout_s)
        except Exception as error:
            for leftover in (carrier, swap.wal_of(carrier)):  # on a full disk: room for the line
                leftover.unlink(missing_ok=True)
            keys = ("run_id", "started_at", "finished_at", "status", "assets", "message")
            entry = dict(zip(keys, line, strict=True))
            entry["message"] += f" (not written into {live.name}: {error})"
            try:
                journal.journal_failure(live, entry)
            except OSError as journal_error:
                if context.log:
                    context.log.error(f"could not record the failure anywhere: {journal_error}")
            if context.log:
                context.log.error(f"failure recorded in {journal.journal_of(live)}: {error}")
        finally:
            for leftover in (carrier, swap.wal_of(carrier)):
                leftover.unlink(missing_ok=True)


def insert_journal(con: duckdb.DuckDBPyConnection, entries: list[dict[str, Any]]) -> None:
    """Failures journaled beside the warehouse, into ``meta.refresh_log`` (once each)."""
    for entry in entries:
        con.execute(
            "INSERT INTO meta.refresh_log SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM meta.refresh_log WHERE run_id = ? AND status = ?)",
            [
                entry.get("run_id") or "?",
                entry.get("started_at"),
                entry.get("finished_at"),
                entry.get("status") or "failure",
                entry.get("assets"),
                entry.get("message"),
                entry.get("run_id") or "?",
                entry.get("status") or "failure",
            ],
        )
