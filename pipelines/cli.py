"""``ledger``: query the warehouse from the command line, read-only.

    ledger query "SELECT ..." [--format table|csv|json]
    ledger tables             every table and view, its row count and description
    ledger describe TABLE     columns, types and descriptions of one table
    ledger refresh [ASSET ...]   rebuild the warehouse (same as ``make refresh``)
    ledger recover [--force]     put back <warehouse>.previous when the live file is damaged

``query``, ``tables`` and ``describe`` open the warehouse read-only, locked down and bounded
(``pipelines.warehouse.readonly``; what is refused and every bound: docs/reliability.md, "The
read-only CLI"; the commands: docs/refresh-safety.md, "Querying").

Exit status: 0 ok, 1 error (bad SQL, missing or locked warehouse, a bound reached), 2 usage,
3 refused (the SQL, or a view or macro the file brings, would write, touch files or change the
session), 4 damaged warehouse (see ``ledger recover``).

This module (dispatch and exit status) and its parts ``cli_parser``, ``cli_session``,
``cli_recover`` and ``cli_format`` import only the standard library and duckdb, so a query
starts fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import duckdb

from pipelines import settings
from pipelines.cli_format import EscapingWriter, write_result
from pipelines.cli_parser import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    DEFAULT_TIMEOUT_S,
    DEFAULT_WAIT_S,
    build_parser,
)
from pipelines.cli_recover import recover_command
from pipelines.cli_session import (
    ALLOWED,
    BOUND_ERRORS,
    EXIT_DAMAGED,
    EXIT_ERROR,
    EXIT_REFUSED,
    TABLES_SQL,
    CliError,
    Cut,
    _damaged,
    _first_line,
    describe,
    list_tables,
    open_read_only,
    resolve_table,
    run_query,
    unreadable_reason,
)
from pipelines.warehouse import readonly

#: Names of the ``ledger`` modules, importable from here as before the split.
__all__ = [
    "ALLOWED",
    "BOUND_ERRORS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "DEFAULT_TIMEOUT_S",
    "DEFAULT_WAIT_S",
    "EXIT_DAMAGED",
    "EXIT_ERROR",
    "EXIT_REFUSED",
    "TABLES_SQL",
    "CliError",
    "Cut",
    "build_parser",
    "describe",
    "list_tables",
    "main",
    "open_read_only",
    "resolve_table",
    "run_query",
    "unreadable_reason",
    "write_result",
]


def _dispatch(args: argparse.Namespace, out: TextIO) -> int:
    path = (args.warehouse or settings.warehouse_path()).resolve()
    if args.command == "recover":
        return recover_command(path, args.force, out)
    con = open_read_only(path, args.wait, args.max_memory)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():  # we got the file, so no writer holds it: a writer died
        print(
            f"ledger: note: {wal} was left by a writer that did not close cleanly; its changes "
            "show here until the next refresh sets it aside (docs/reliability.md, WAL rule).",
            file=sys.stderr,
        )
    try:
        with readonly.time_bound(con, args.timeout):
            refused = readonly.check_file(con)
            if refused:
                raise CliError(
                    f"refused: the warehouse file {path} brings SQL that `ledger` does not run: "
                    f"{'; '.join(dict.fromkeys(refused))}. Views and macros stored in the file "
                    "run when a query names them; these would change the session or what a "
                    "query means. Rebuild the warehouse with `make refresh`.",
                    EXIT_REFUSED,
                )
            _run_command(args, con, path, out)
    except Cut as cut:  # print what was fetched, then say where it stopped
        for i, (columns, rows) in enumerate(cut.results):
            if i:
                out.write("\n")
            write_result(columns, rows, args.format, out, args.max_width)
        raise CliError(f"{cut}. Add a LIMIT or a WHERE, or raise the limit.") from None
    except duckdb.InterruptException:
        raise CliError(
            f"stopped after {args.timeout:g} s (--timeout): the command ran longer than that. "
            "Narrow it (a WHERE, a LIMIT) or pass a longer --timeout."
        ) from None
    except duckdb.OutOfMemoryException as error:
        raise CliError(
            f"stopped: the command needs more memory than --max-memory {args.max_memory} "
            f"({_first_line(error)}). Narrow it (a WHERE, a LIMIT) or raise --max-memory."
        ) from None
    except RecursionError:
        raise CliError(
            "refused: the SQL is nested too deeply to check; simplify it (fewer nested "
            "expressions or subqueries).",
            EXIT_REFUSED,
        ) from None
    except duckdb.IOException as error:  # reading a block of the file failed (truncated, ...)
        raise _damaged(path, error, "read") from None
    except duckdb.Error as error:  # e.g. a stored view that no longer binds
        raise CliError(f"SQL error: {error}") from None
    finally:
        con.close()
    return 0


def _run_command(
    args: argparse.Namespace, con: duckdb.DuckDBPyConnection, path: Path, out: TextIO
) -> None:
    if args.command == "query":
        sql = sys.stdin.read() if args.sql == "-" else args.sql
        results = run_query(con, sql, max_rows=args.max_rows, max_bytes=args.max_bytes)
        for i, (columns, rows) in enumerate(results):
            if i:
                out.write("\n")
            write_result(columns, rows, args.format, out, args.max_width)
    elif args.command == "tables":
        listing = list_tables(con, readonly.sec_bulk_store(path))
        if args.format == "table":
            out.write(f"{path}\n\n")
        write_result(
            ["table", "kind", "rows", "description"], listing, args.format, out, args.max_width
        )
    elif args.command == "describe":
        name, comment, rows, columns = describe(con, args.table, readonly.sec_bulk_store(path))
        if args.format == "table":
            count = "unreadable" if rows is None else f"{rows} rows"
            out.write(f"{name} ({count})\n{comment}\n\n")
        write_result(
            ["column", "type", "nullable", "description"],
            columns,
            args.format,
            out,
            args.max_width,
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ledger``. Everything it prints (results, messages, argparse's usage errors, a
    refresh's output) goes through :class:`cli_format.EscapingWriter`: no raw control
    character (terminal escape, bare CR, right-to-left override) reaches the terminal."""
    argv = list(sys.argv[1:] if argv is None else argv)
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = EscapingWriter(stdout), EscapingWriter(stderr)  # type: ignore[assignment]
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _main(argv: list[str]) -> int:
    if argv[:1] == ["refresh"]:
        from pipelines.refresh import main as refresh_main

        return refresh_main(argv[1:], prog="ledger refresh")
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args, sys.stdout)
    except CliError as error:
        print(f"ledger: {error}", file=sys.stderr)
        return error.code
    except BrokenPipeError:  # e.g. `ledger query ... | head`
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
