"""The read-only session of ``ledger`` and its commands: open the warehouse locked down
(:func:`open_read_only`), run a query bounded in rows and bytes (:func:`run_query`), list the
tables (:func:`list_tables`) and describe one (:func:`describe`). Errors are :class:`CliError`
with the exit status they end ``ledger`` with (``pipelines.cli`` has the command line).

Standard library and duckdb only (no Dagster, polars or pandera), like ``pipelines.cli``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from pipelines.warehouse import readonly
from pipelines.warehouse.locking import WarehouseLockedError, retry_while_locked

EXIT_ERROR = 1
EXIT_REFUSED = 3
EXIT_DAMAGED = 4
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
