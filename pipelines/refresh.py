"""Run the main job in this process: what ``make refresh`` and ``ledger refresh`` call.

    python -m pipelines.refresh [ASSET_KEY ...] [--lock-timeout S] [--record] [--verbose]
                                [--strict]

Every run ends with its check results: each check that did not pass is listed with its asset,
its severity (error or warn), whether it blocks the swap, and the first lines of its reason.
Exit status: 0 when the run was swapped in and no error-severity check failed (failed warn
checks are listed, not fatal; ``--strict`` makes them fatal too); 1 when the run failed (nothing
swapped in: a failed step, a failed blocking check, a refused swap) or an error-severity check
failed.

The run uses an in-memory Dagster instance (a SQLite one writes each event to disk: slower than
the data work, docs/benchmarks.md); ``--record`` (``LEDGER_REFRESH_RECORD=1``) stores it in
``$DAGSTER_HOME`` for the UI's history. Runs of the schedule, the sensor or the UI are recorded.
"""

from __future__ import annotations

import argparse
import functools
import gc
import logging
import os
import sys
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
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

#: Events the concise console leaves out: failures are said once, by the summary printed at
#: the end; a skipped step ("Not executing ... because upstream failed") is not news.
QUIET_EVENTS = frozenset({"STEP_FAILURE", "PIPELINE_FAILURE", "RUN_FAILURE", "STEP_SKIPPED"})


class _ConciseFormatter(logging.Formatter):
    """``refresh: WARNING meta/coverage: message`` — one paragraph, never a stack trace (the
    full text stays in the run's event log; ``--verbose`` prints everything)."""

    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", None) or {}
        text = str(meta.get("orig_message") or record.getMessage())
        text = text.split("\n\nStack Trace:", 1)[0].split("\n\n", 1)[0].strip()
        where = meta.get("step_key") or meta.get("resource_name") or ""
        where = where.replace("__", "/") if where else "run"
        return f"refresh: {record.levelname} {where}: {text}"


class _QuietFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if getattr(event, "event_type_value", None) in QUIET_EVENTS:
            return False
        text = str(meta.get("orig_message") or record.getMessage()).rstrip()
        return not text.endswith("Not executing.")  # a step skipped: upstream failed


@dg.logger(
    config_schema={"log_level": dg.Field(str, is_required=False, default_value="WARNING")},
    description="The refresh's console: warnings and errors, one paragraph each, no traces.",
)
def concise_console_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    level = init_context.logger_config["log_level"].upper()
    logger = logging.Logger("ledger-refresh", level=level)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_ConciseFormatter())
    handler.addFilter(_QuietFilter())
    logger.addHandler(handler)
    return logger


@functools.cache
def _ephemeral() -> dg.DagsterInstance:
    """The in-memory instance of the process's unrecorded runs, made once (set-up: ~0.2 s)."""
    return dg.DagsterInstance.ephemeral()


def _instance(record: bool) -> AbstractContextManager[dg.DagsterInstance]:
    if not record:
        return nullcontext(_ephemeral())
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
    concise: bool = False,
) -> dg.ExecuteInProcessResult:
    """Materialize every asset (or the ``selection``, keys like ``raw/financials``) and run their
    checks in this process; never raises for a failed step (see ``result.success``). ``concise``:
    the console of ``make refresh`` (a paragraph per message from ``log_level``, no traces)."""
    from pipelines.definitions import defs

    job = defs.resolve_job_def("refresh_warehouse")
    if concise:
        job = job.with_logger_defs({"console": concise_console_logger})
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


REASON_LINES = 4  #: lines of a failed check's reason printed (the rest: its metadata, UI)


@dataclass(frozen=True)
class CheckProblem:
    """One asset check that did not pass in a run."""

    asset: str
    check: str
    severity: str  # "error" or "warn"
    blocking: bool
    reason: tuple[str, ...]


def _metadata_lines(metadata: dict[str, Any]) -> list[str]:
    """A check's metadata as plain lines: the one-line entries together (``key: value, ...``),
    then each markdown table as ``key:`` and one line per row (``a | b | c``)."""
    short: list[str] = []
    tables: list[str] = []
    for key, value in metadata.items():
        raw = getattr(value, "value", value)
        text = raw if isinstance(raw, str) else str(raw)
        rows = [r.strip() for r in text.strip().splitlines() if r.strip()]
        if len(rows) <= 1:
            short.append(f"{key}: {rows[0] if rows else ''}")
            continue
        tables.append(f"{key}:")
        for row in rows:
            cells = [c.strip() for c in row.strip().strip("|").split("|")]
            if all(set(c) <= set("-: ") for c in cells):  # markdown separator row
                continue
            tables.append("  " + " | ".join(cells))
    return ([", ".join(short)] if short else []) + tables


def failed_checks(result: dg.ExecuteInProcessResult) -> list[CheckProblem]:
    """Every asset check of the run that did not pass, errors first, then by asset."""
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    problems = []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            continue
        key = evaluation.asset_check_key
        try:
            blocking = bool(graph.get_check_spec(key).blocking)
        except Exception:  # noqa: BLE001 - a check the graph does not know: not blocking
            blocking = False
        severity = "error" if evaluation.severity == dg.AssetCheckSeverity.ERROR else "warn"
        reason = [
            line for line in (evaluation.description or "").strip().splitlines() if line.strip()
        ] + _metadata_lines(dict(evaluation.metadata or {}))
        problems.append(
            CheckProblem(
                asset=key.asset_key.to_user_string(),
                check=key.name,
                severity=severity,
                blocking=blocking,
                reason=tuple(reason),
            )
        )
    return sorted(problems, key=lambda p: (p.severity != "error", p.asset, p.check))


def check_report(
    problems: list[CheckProblem], evaluated: int, failed_assets: frozenset[str] = frozenset()
) -> list[str]:
    """What a refresh prints about its checks: a count, then each check that did not pass
    (a check of an asset in ``failed_assets`` without its reason: the failure said it)."""
    if not problems:
        return [f"checks: all {evaluated} passed"]
    errors = sum(p.severity == "error" for p in problems)
    lines = [
        f"checks: {len(problems)} of {evaluated} did not pass "
        f"({errors} error, {len(problems) - errors} warn):"
    ]
    for p in problems:
        kind = f"{p.severity.upper()}{', blocking' if p.blocking else ''}"
        if p.asset in failed_assets:
            lines.append(f"  {kind:<15} {p.asset} :: {p.check} (why: the failure above)")
            continue
        lines.append(f"  {kind:<15} {p.asset} :: {p.check}")
        for line in p.reason[:REASON_LINES]:
            lines.append(f"      {line[:160]}")
        if len(p.reason) > REASON_LINES:
            lines.append(
                f"      ... {len(p.reason) - REASON_LINES} more line(s): the check's metadata "
                "in the UI (make refresh REFRESH_ARGS=--record)"
            )
    return lines


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
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="log every Dagster event in full (default: warnings and errors, one paragraph each)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when any check did not pass, warn checks included",
    )
    return parser


def main(argv: list[str] | None = None, prog: str = "python -m pipelines.refresh") -> int:
    args = build_parser(prog).parse_args(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    result = run_refresh(
        args.assets or None,
        lock_timeout_s=args.lock_timeout,
        record=args.record,
        log_level="DEBUG" if args.verbose else "WARNING",
        concise=not args.verbose,
    )
    elapsed = time.perf_counter() - started
    path = settings.warehouse_path()
    status, message = recorded(path, result.run_id)
    problems = failed_checks(result)
    failed_assets = frozenset(
        e.step_key.replace("__", "/")
        for e in result.all_events
        if e.event_type_value == "STEP_FAILURE" and e.step_key
    )
    report = check_report(problems, len(result.get_asset_check_evaluations()), failed_assets)
    if result.success and status == "success":
        print(f"refresh succeeded in {elapsed:.1f} s: {path}")
        if message != "swapped in":  # e.g. a stale write-ahead log was set aside
            print(f"  {message}")
        for name, rows in table_counts(path):
            print(f"  {name:<40} {rows:>6} rows")
        print("\n" + "\n".join(report))
        errors = [p for p in problems if p.severity == "error"]
        if errors or (args.strict and problems):
            which = "error" if errors else "warn (--strict)"
            print(
                f"\nrefresh swapped in, but {len(errors or problems)} {which} check(s) did not "
                "pass (listed above): exit status 1.",
                file=sys.stderr,
            )
            return 1
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
        print(f"cause (recorded in {where}, run {result.run_id}): {message}", file=sys.stderr)
    for text in failure_messages(result):
        if " ".join(text.split()).split("] ", 1)[-1] not in message:  # not said already
            print(text, file=sys.stderr)
    print("\n" + "\n".join(report), file=sys.stderr)
    return 1


if __name__ == "__main__":
    import pipelines.definitions  # noqa: F401

    # The imports' objects live as long as the process: no GC pass walks them, nor runs every
    # 700 allocations (0.3 s); after main() (all closed) no interpreter teardown (0.5 s).
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
