"""Run the main job in this process: what ``make refresh`` calls."""

import sys
import time

import dagster as dg
import duckdb

from pipelines.warehouse.locking import retry_while_locked


def _instance() -> dg.DagsterInstance:
    import os

    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def run_refresh(selection: list[str] | None = None) -> dg.ExecuteInProcessResult:
    """Materialize every asset (or the ``selection`` of asset keys like ``raw/financials``)."""
    from pipelines.definitions import defs

    job = defs.resolve_job_def("refresh_warehouse")
    keys = [dg.AssetKey.from_user_string(s) for s in selection] if selection else None
    with _instance() as instance:
        return job.execute_in_process(instance=instance, raise_on_error=False, asset_selection=keys)


def summarize(path: str) -> list[tuple[str, int]]:
    """(table, rows) of every table in the warehouse, read-only."""
    con = retry_while_locked(
        lambda: duckdb.connect(path, read_only=True), path=__import__("pathlib").Path(path),
        timeout_s=10, what_to_do="Retry when the other process is done.",
    )
    try:
        names = con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            "WHERE schema_name NOT IN ('meta') ORDER BY 1"
        ).fetchall()
        return [(n, int(con.execute(f"SELECT count(*) FROM {n}").fetchone()[0])) for (n,) in names]  # type: ignore[index]
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    from pipelines import settings

    args = sys.argv[1:] if argv is None else argv
    started = time.perf_counter()
    result = run_refresh(args or None)
    elapsed = time.perf_counter() - started
    path = settings.warehouse_path()
    if not result.success:
        print(f"refresh FAILED after {elapsed:.1f} s; {path} keeps its previous tables.", file=sys.stderr)
        for event in result.all_events:
            if event.event_type_value == "STEP_FAILURE" and event.step_failure_data:
                error = event.step_failure_data.error
                text = error.message if error else "unknown error"
                print(f"\n[{event.step_key}] {text}", file=sys.stderr)
        return 1
    print(f"refresh succeeded in {elapsed:.1f} s: {path}")
    for name, rows in summarize(str(path)):
        print(f"  {name:<40} {rows:>6} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
