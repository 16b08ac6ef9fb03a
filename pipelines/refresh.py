"""Run the main job in this process: what ``make refresh`` and ``ledger refresh`` call.

    python -m pipelines.refresh [ASSET_KEY ...] [--lock-timeout S] [--record] [--verbose]

By default the run uses an in-memory (ephemeral) Dagster instance: it is the fastest way to
rebuild the warehouse (a persistent SQLite instance writes every one of the run's events to
disk, which costs more than the data work itself — see README, "Performance"). ``--record``
(or ``LEDGER_REFRESH_RECORD=1``) stores the run in ``$DAGSTER_HOME`` instead, so it shows in
the UI's run history. Runs launched by the schedule, the sensor or the UI are always recorded.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from pipelines import settings
from pipelines.warehouse import swap
from pipelines.warehouse.locking import connect_read_only
from pipelines.warehouse.resource import root_cause

RECORD_ENV = "LEDGER_REFRESH_RECORD"


PROJECT_DAGSTER_HOME = settings.REPO_ROOT / "dagster_home"


def _instance(record: bool) -> dg.DagsterInstance:
    if not record:
        return dg.DagsterInstance.ephemeral()
    if not os.environ.get("DAGSTER_HOME"):
        os.environ["DAGSTER_HOME"] = str(PROJECT_DAGSTER_HOME)
        print(
            f"--record: DAGSTER_HOME is not set; recording the run in {PROJECT_DAGSTER_HOME} "
            "(the project's instance, the one `make ui` shows).",
            file=sys.stderr,
        )
    return dg.DagsterInstance.get()


def run_refresh(
    selection: list[str] | None = None,
    *,
    lock_timeout_s: float | None = None,
    record: bool = False,
    log_level: str = "INFO",
) -> dg.ExecuteInProcessResult:
    """Materialize every asset (or the ``selection`` of asset keys like ``raw/financials``)
    and run their checks, in this process. Never raises for a failed step: look at
    ``result.success``."""
    from pipelines.definitions import defs

    job = defs.resolve_job_def("refresh_warehouse")
    keys = [dg.AssetKey.from_user_string(s) for s in selection] if selection else None
    run_config: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    if lock_timeout_s is not None:
        run_config["resources"] = {"warehouse": {"config": {"lock_timeout_s": lock_timeout_s}}}
    with _instance(record) as instance:
        return job.execute_in_process(
            instance=instance, raise_on_error=False, asset_selection=keys, run_config=run_config
        )


def failure_messages(result: dg.ExecuteInProcessResult) -> list[str]:
    """Why a run failed, one message per failed step (or the run-level error)."""
    messages = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE" and event.step_failure_data:
            error = event.step_failure_data.error
            messages.append(f"[{event.step_key}] {root_cause(error) if error else 'unknown error'}")
    if not messages:
        for event in result.all_events:
            data = getattr(event, "event_specific_data", None)
            error = getattr(data, "error", None)
            if event.is_failure or error is not None:
                text = (error.message.strip() if error else None) or event.message or ""
                cause = getattr(error, "cause", None)
                while cause is not None:  # resource errors come wrapped: show the root cause
                    text = cause.message.strip()
                    cause = cause.cause
                if text and text not in messages:
                    messages.append(text)
    return messages


def _read_only(path: Path) -> duckdb.DuckDBPyConnection:
    return connect_read_only(
        path,
        timeout_s=10,
        what_to_do="Retry when the other process is done.",
    )


def recorded(path: Path, run_id: str) -> tuple[str | None, str]:
    """(status, message) that ``run_id`` left in the failure journal beside the live file
    (written last: e.g. files not published after its swap), else in ``meta.refresh_log`` of
    the live file; (None, "") if neither has it."""
    for entry in reversed(swap.read_journal(path)):
        if entry.get("run_id") == run_id:
            return str(entry.get("status")), str(entry.get("message") or "")
    try:
        con = _read_only(path)
    except Exception:  # noqa: BLE001 - missing or damaged file: the journal says why
        con = None
    if con is not None:
        try:
            row = con.execute(
                "SELECT status, message FROM meta.refresh_log WHERE run_id = ? "
                "ORDER BY finished_at DESC LIMIT 1",
                [run_id],
            ).fetchone()
        except duckdb.Error:
            row = None
        finally:
            con.close()
        if row:
            return str(row[0]), str(row[1] or "")
    return None, ""


def table_counts(path: Path) -> list[tuple[str, int]]:
    """(table, rows) of every table of the live file except ``meta.*``."""
    con = _read_only(path)
    try:
        names = con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            "WHERE NOT internal AND schema_name <> 'meta' ORDER BY 1"
        ).fetchall()
        return [
            (n, int(con.execute(f"SELECT count(*) FROM {n}").fetchone()[0]))  # type: ignore[index]
            for (n,) in names
        ]
    finally:
        con.close()


def build_parser(prog: str = "python -m pipelines.refresh") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Rebuild the warehouse (every asset, or the given asset keys) in this process.",
    )
    parser.add_argument("assets", nargs="*", metavar="ASSET_KEY", help="e.g. raw/financials")
    parser.add_argument(
        "--lock-timeout",
        type=float,
        default=None,
        metavar="S",
        help="seconds to wait for another process holding the warehouse (default 30)",
    )
    parser.add_argument(
        "--record",
        action="store_true",
        default=os.environ.get(RECORD_ENV, "") not in ("", "0"),
        help=f"record the run in $DAGSTER_HOME (UI run history); also {RECORD_ENV}=1",
    )
    parser.add_argument("--verbose", action="store_true", help="log every Dagster event")
    return parser


def main(argv: list[str] | None = None, prog: str = "python -m pipelines.refresh") -> int:
    args = build_parser(prog).parse_args(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    result = run_refresh(
        args.assets or None,
        lock_timeout_s=args.lock_timeout,
        record=args.record,
        log_level="DEBUG" if args.verbose else "INFO",
    )
    elapsed = time.perf_counter() - started
    path = settings.warehouse_path()
    status, message = recorded(path, result.run_id)
    if result.success and status == "success":
        print(f"refresh succeeded in {elapsed:.1f} s: {path}")
        if message != "swapped in":  # e.g. a stale write-ahead log was set aside
            print(f"  {message}")
        for name, rows in table_counts(path):
            print(f"  {name:<40} {rows:>6} rows")
        return 0
    if message.startswith("swapped in, but"):  # the tables are new; other files are not
        outcome = f"the new tables were swapped into {path}, but not everything was published"
    else:
        outcome = f"{path} keeps its previous tables"
    print(f"refresh FAILED after {elapsed:.1f} s; {outcome}.", file=sys.stderr)
    if status is None:
        print(
            f"\nthe failure could not be recorded (neither in meta.refresh_log nor in "
            f"{swap.journal_of(path)}): see the cause below.",
            file=sys.stderr,
        )
    if status is not None:
        journaled = "(not written into" in message or message.startswith("swapped in, but")
        where = "the journal" if journaled else "meta.refresh_log"
        print(f"\ncause (recorded in {where}, run {result.run_id}): {message}", file=sys.stderr)
    for text in failure_messages(result):
        if " ".join(text.split()).split("] ", 1)[-1] not in message:  # not said already
            print(f"\n{text}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
