"""``ledger``: query the warehouse from the command line, read-only.

    ledger query "SELECT ..." [--format table|csv|json]
    ledger tables             every table and view, its row count and description
    ledger describe TABLE     columns, types and descriptions of one table
    ledger refresh [ASSET ...]   rebuild the warehouse (same as ``make refresh``)
    ledger recover [--force]     put back <warehouse>.previous when the live file is damaged

``query``, ``tables`` and ``describe`` open the warehouse read-only and locked down (no file,
network or extension access; see ``pipelines.warehouse.readonly``): only reads are allowed
(docs/reliability.md lists what is refused). While another process holds the file for
writing they retry for ``--wait`` seconds before giving up with a message naming the file.
A refresh never blocks them: it builds a private copy and swaps it in atomically.

Every command runs bounded: ``--timeout`` seconds of wall clock (default 60), DuckDB's
``--max-memory`` (default 1GB); ``query`` fetches at most ``--max-rows`` rows and
``--max-bytes`` of text (it prints what it fetched, then says where it stopped, exit 1). A
warehouse file whose stored views or macros would change the session is refused whole
(``readonly.check_file``).

Exit status: 0 ok, 1 error (bad SQL, missing or locked warehouse, a bound reached), 2 usage,
3 refused (the SQL, or a view or macro the file brings, would write, touch files or change the
session), 4 damaged warehouse (see ``ledger recover``).

This module imports only the standard library and duckdb (no Dagster, polars or pandera), so
a query starts fast.
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
from pipelines.warehouse import readonly
from pipelines.warehouse.locking import WarehouseLockedError, retry_while_locked

EXIT_ERROR = 1
EXIT_REFUSED = 3
EXIT_DAMAGED = 4
DEFAULT_WAIT_S = 10.0
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_ROWS = 1_000_000
DEFAULT_MAX_BYTES = 200_000_000
ALLOWED = (
    "SELECT (also FROM ..., WITH, VALUES), PIVOT/UNPIVOT, SUMMARIZE, DESCRIBE, SHOW and plain "
    "EXPLAIN of a SELECT"
)


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------------------ connect
def _damaged(path: Path, error: BaseException, doing: str = "open") -> CliError:
    return CliError(
        f"cannot {doing} the warehouse {path}: it looks damaged ({type(error).__name__}: "
        f"{_first_line(error)}). Run `ledger recover` (or `make recover`) to put back the last "
        f"good warehouse ({path.name}.previous), then `make refresh`.",
        EXIT_DAMAGED,
    )


def open_read_only(
    path: Path, wait_s: float, max_memory: str | None = None
) -> duckdb.DuckDBPyConnection:
    """The locked-down read-only session of ``query``, ``tables`` and ``describe``, with the
    SEC bulk store (if there is one) attached read-only as ``sec_bulk``."""
    if not path.exists():
        previous = path.with_name(path.name + ".previous")
        if previous.exists():
            raise CliError(
                f"no warehouse at {path}, but {previous.name} is beside it: run `ledger "
                "recover` (or `make recover`) to put back that last good warehouse."
            )
        raise CliError(
            f"no warehouse at {path}: build it with `make refresh` (or `ledger refresh`)."
        )
    attach = {readonly.SEC_BULK_ALIAS: readonly.sec_bulk_store(path)}
    notes: list[str] = []

    def connect() -> duckdb.DuckDBPyConnection:
        con, found = readonly.connect_locked_down(path, attach=attach, memory_limit=max_memory)
        notes[:] = found
        return con

    try:
        con = retry_while_locked(
            connect,
            path,
            timeout_s=wait_s,
            what_to_do="Another process has it open for writing (a DuckDB shell opened without "
            "-readonly?): close it and retry, or pass a longer --wait.",
            poll_s=0.1,
        )
        for note in notes:
            print(f"ledger: note: {note}; the sec.bulk_* views cannot be read.", file=sys.stderr)
        return con
    except WarehouseLockedError as error:
        raise CliError(str(error)) from None
    except duckdb.InvalidInputException as error:  # e.g. --max-memory 12XB
        raise CliError(f"cannot open the warehouse {path}: {_first_line(error)}") from None
    except duckdb.Error as error:  # not a DuckDB file, truncated, a WAL that does not fit...
        raise _damaged(path, error) from None


# ------------------------------------------------------------------------------- commands
def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _sql_error(error: duckdb.Error) -> CliError:
    text = str(error)
    if "Max expression depth limit" in text:  # its hint, SET max_expression_depth, is refused
        return CliError(
            f"SQL error: the SQL is nested deeper than DuckDB's limit ({_first_line(error)[:80]}"
            "); simplify it (fewer nested expressions or subqueries)."
        )
    return CliError(f"SQL error: {text}")


def _refusal(reason: str) -> CliError:
    hint = (
        " To save a result, use --format csv or --format json and redirect the output."
        if reason.startswith(("COPY", "EXPORT"))
        else ""
    )
    return CliError(
        f"refused: {reason}. `ledger query` opens the warehouse read-only and runs only reads: "
        f"{ALLOWED}. Tables are rebuilt only by a refresh (`make refresh`).{hint}",
        EXIT_REFUSED,
    )


class Cut(Exception):
    """A result was cut at ``--max-rows`` / ``--max-bytes``: what was fetched is printed."""

    def __init__(self, message: str, results: list[tuple[list[str], list[tuple]]]) -> None:
        super().__init__(message)
        self.results = results


#: Errors that are the session's bounds, passed through to ``_dispatch`` unchanged.
BOUND_ERRORS = (duckdb.InterruptException, duckdb.OutOfMemoryException, RecursionError)


def _size(value: object) -> int:
    """Rough bytes of a fetched value (text and blobs by length, nested values by their text)."""
    if isinstance(value, str | bytes | bytearray | memoryview):
        return len(value)
    if isinstance(value, list | tuple | dict):
        return len(str(value))
    return 8


def _fetch(
    cursor: duckdb.DuckDBPyConnection, max_rows: int | None, max_bytes: int | None
) -> tuple[list[tuple], str]:
    """The rows of ``cursor``, streamed in chunks, up to ``max_rows`` rows and ``max_bytes``
    bytes; and why it stopped early ("" if it did not)."""
    rows: list[tuple] = []
    used = 0
    while True:
        chunk = cursor.fetchmany(10_000)
        if not chunk:
            return rows, ""
        for row in chunk:
            if max_rows is not None and len(rows) >= max_rows:
                return rows, f"the result has more than {max_rows:,} rows (--max-rows)"
            used += sum(_size(v) for v in row)
            if max_bytes is not None and used > max_bytes:
                return rows, f"the result is larger than {max_bytes:,} bytes (--max-bytes)"
            rows.append(row)


def run_query(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    *,
    max_rows: int | None = None,
    max_bytes: int | None = None,
) -> list[tuple[list[str], list[tuple]]]:
    """Every result set of ``sql`` (one per statement). Every statement is checked by
    ``readonly.check_sql`` before the first one runs; the locked-down read-only connection
    is the backstop (file access, sequences). A result beyond ``max_rows`` / ``max_bytes``
    raises :class:`Cut` carrying what was fetched (no later statement runs)."""
    try:
        statements = readonly.check_sql(con, sql)
    except BOUND_ERRORS:
        raise
    except readonly.Refused as refused:
        raise _refusal(str(refused)) from None
    except duckdb.PermissionException as error:  # IMPORT DATABASE reads files while parsed
        raise _refusal(
            f"this SQL reads files outside the warehouse ({_first_line(error)})"
        ) from None
    except duckdb.Error as error:
        raise _sql_error(error) from None
    if not statements:
        raise CliError("no SQL statement given")
    results = []
    for statement in statements:
        try:
            cursor = con.execute(statement.sql)
            if cursor.description is None:
                continue
            columns = [d[0] for d in cursor.description]
            rows, cut = _fetch(cursor, max_rows, max_bytes)
            results.append((columns, rows))
            if cut:
                raise Cut(f"{cut}: only the first {len(rows):,} rows are shown", results)
        except BOUND_ERRORS:
            raise
        except duckdb.PermissionException as error:  # enable_external_access = false
            raise _refusal(
                f"this statement reads or writes outside the warehouse file ({_first_line(error)})"
            ) from None
        except duckdb.IOException:  # no file or network but the warehouse: it is damaged
            raise
        except duckdb.Error as error:
            if "read-only" in str(error):  # e.g. SELECT nextval('a_sequence')
                raise _refusal(
                    f"this statement would write to the warehouse ({_first_line(error)})"
                ) from None
            raise CliError(f"SQL error: {error}") from None
    return results


TABLES_SQL = """
SELECT schema_name, table_name, 'table' AS kind, comment
FROM duckdb_tables()
WHERE NOT internal AND NOT temporary AND database_name = current_database()
UNION ALL
SELECT schema_name, view_name, 'view', comment
FROM duckdb_views()
WHERE NOT internal AND NOT temporary AND database_name = current_database()
ORDER BY 1, 2
"""


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def unreadable_reason(error: duckdb.Error, store: Path | None = None) -> str:
    """Why a table or view cannot be read, in a sentence (a view over the SEC bulk store whose
    file is missing says which file)."""
    first = _first_line(error)
    if f'Catalog "{readonly.SEC_BULK_ALIAS}" does not exist' in first:
        where = f" {store}" if store is not None else ""
        return (
            f"cannot be read: its data is in the SEC bulk store{where}, which does not exist "
            "(bulk mode builds it: docs/sec-bulk.md)"
        )
    return f"cannot be read: {first}"


def _count(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    count = con.execute(f"SELECT count(*) FROM {_ident(schema)}.{_ident(table)}").fetchone()
    return int(count[0]) if count else 0


def list_tables(
    con: duckdb.DuckDBPyConnection, store: Path | None = None
) -> list[tuple[str, str, int | None, str]]:
    """(schema.table, kind, rows, description) of every table and view; a view that cannot
    be read (e.g. its catalog is missing) has no row count and says why in its description."""
    listing: list[tuple[str, str, int | None, str]] = []
    for schema, table, kind, comment in con.execute(TABLES_SQL).fetchall():
        try:
            rows: int | None = _count(con, schema, table)
            text = comment or ""
        except (duckdb.InterruptException, duckdb.OutOfMemoryException):
            raise  # a bound was reached (--timeout, --max-memory): the command stops
        except duckdb.Error as error:
            rows = None
            text = f"{unreadable_reason(error, store)}. {comment or ''}".strip()
        listing.append((f"{schema}.{table}", kind, rows, text))
    return listing


def resolve_table(con: duckdb.DuckDBPyConnection, name: str) -> tuple[str, str]:
    """(schema, table) for ``schema.table`` or an unambiguous bare ``table``."""
    known = [(s, t) for s, t, _, _ in con.execute(TABLES_SQL).fetchall()]
    if "." in name:
        schema, table = name.split(".", 1)
        matches = [(s, t) for s, t in known if s == schema and t == table]
    else:
        matches = [(s, t) for s, t in known if t == name]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise CliError(f"no table or view named {name!r}; `ledger tables` lists them.")
    options = ", ".join(f"{s}.{t}" for s, t in matches)
    raise CliError(f"{name!r} is ambiguous: {options}. Qualify it with its schema.")


def describe(
    con: duckdb.DuckDBPyConnection, name: str, store: Path | None = None
) -> tuple[str, str, int | None, list[tuple]]:
    """(qualified name, description, rows, [(column, type, nullable, description)]); a view
    that cannot be read has rows None and a description saying what is missing."""
    schema, table = resolve_table(con, name)
    comment = con.execute(
        "SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? "
        "AND database_name = current_database() UNION ALL SELECT comment FROM duckdb_views() "
        "WHERE schema_name = ? AND view_name = ? AND database_name = current_database()",
        [schema, table, schema, table],
    ).fetchone()
    text = (comment[0] if comment else None) or ""
    try:
        columns = con.execute(
            "SELECT column_name, data_type, CASE WHEN is_nullable THEN 'yes' ELSE 'no' END, "
            "coalesce(comment, '') FROM duckdb_columns() "
            "WHERE schema_name = ? AND table_name = ? AND database_name = current_database() "
            "ORDER BY column_index",
            [schema, table],
        ).fetchall()
        rows: int | None = _count(con, schema, table)
    except (duckdb.InterruptException, duckdb.OutOfMemoryException):
        raise  # a bound was reached (--timeout, --max-memory): the command stops
    except duckdb.Error as error:
        return f"{schema}.{table}", f"{unreadable_reason(error, store)}. {text}".strip(), None, []
    return f"{schema}.{table}", text, rows, columns


# ---------------------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help=f"warehouse file (default ${settings.WAREHOUSE_ENV} or data/warehouse.duckdb)",
    )
    common.add_argument(
        "--wait",
        type=float,
        default=DEFAULT_WAIT_S,
        metavar="S",
        help="seconds to retry while another process holds the file for writing "
        f"(default {DEFAULT_WAIT_S:g})",
    )
    common.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"stop the command after S seconds (default {DEFAULT_TIMEOUT_S:g}; 0: no limit)",
    )
    common.add_argument(
        "--max-memory",
        default=readonly.DEFAULT_MEMORY_LIMIT,
        metavar="SIZE",
        help=f"DuckDB's memory limit, e.g. 512MB (default {readonly.DEFAULT_MEMORY_LIMIT})",
    )
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--format", choices=("table", "csv", "json"), default="table")
    output.add_argument(
        "--max-width", type=int, default=60, metavar="N", help="cut table cells to N characters"
    )

    parser = argparse.ArgumentParser(
        prog="ledger",
        description="Query the AI-compute ledger warehouse (read-only), or refresh it.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    query = sub.add_parser(
        "query", parents=[common, output], help="run SQL read-only and print the result"
    )
    query.add_argument("sql", help='SQL, e.g. "SELECT * FROM raw.companies"; "-" reads stdin')
    query.add_argument(
        "--max-rows",
        type=int,
        default=DEFAULT_MAX_ROWS,
        metavar="N",
        help=f"fetch at most N rows of a result (default {DEFAULT_MAX_ROWS:,})",
    )
    query.add_argument(
        "--max-bytes",
        type=int,
        default=DEFAULT_MAX_BYTES,
        metavar="N",
        help=f"fetch at most N bytes of a result (default {DEFAULT_MAX_BYTES:,})",
    )
    sub.add_parser(
        "tables", parents=[common, output], help="every table and view: rows and description"
    )
    desc = sub.add_parser(
        "describe", parents=[common, output], help="columns of a table: types and descriptions"
    )
    desc.add_argument("table", help="schema.table, or a table name that is unique")
    recover = sub.add_parser(
        "recover",
        help="put back the last good warehouse (<warehouse>.previous) if the live one is damaged",
    )
    recover.add_argument(
        "--warehouse", type=Path, default=None, help="warehouse file (default as for query)"
    )
    recover.add_argument(
        "--force", action="store_true", help="recover even if the live file opens fine"
    )
    refresh = sub.add_parser(
        "refresh",
        help="rebuild the warehouse in this process (same as make refresh)",
        add_help=False,
    )
    refresh.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def _recover(path: Path, force: bool, out: TextIO) -> int:
    from pipelines.warehouse.recovery import RecoveryError, recover

    try:
        done = recover(path, force=force)
    except (RecoveryError, WarehouseLockedError) as error:
        raise CliError(str(error)) from None
    if done.previous is None:
        out.write(f"{done.live} itself is fine ({done.last_run}): {done.note}.\n")
        return 0
    moved = f"; the damaged file is kept as {done.damaged}" if done.damaged else ""
    out.write(
        f"recovered {done.live} from {done.previous.name} ({done.last_run}){moved}.\n"
        "Run `make refresh` to rebuild the newest tables from raw/.\n"
    )
    return 0


def _dispatch(args: argparse.Namespace, out: TextIO) -> int:
    path = (args.warehouse or settings.warehouse_path()).resolve()
    if args.command == "recover":
        return _recover(path, args.force, out)
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
