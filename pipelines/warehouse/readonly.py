"""A read-only DuckDB session for untrusted SQL (``ledger query``), and its statement guard.

The layers (docs/reliability.md, "The read-only CLI"): a ``read_only`` connection with every
door DuckDB offers closed and the configuration locked (:data:`LOCKED_DOWN`; the SEC bulk
store is attached read-only before that, by :func:`connect_locked_down`); a statement guard
that lets only reads through, decided by DuckDB's own parser (:func:`check_sql`,
:data:`DENIED_FUNCTIONS`); a check of the views and macros the file brings
(:func:`check_file`); memory and wall-clock bounds (:func:`time_bound`). The syntax tree is
searched as text (:func:`_denied_in`), never recursively, so deep nesting cannot raise
RecursionError.

Standard library and duckdb only: the CLI imports this without Dagster.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

#: DuckDB's memory limit for a ``ledger`` session unless given (``--max-memory``).
DEFAULT_MEMORY_LIMIT = "1GB"

#: Settings of every read-only session of ``ledger`` (DuckDB 1.5 names).
LOCKED_DOWN: dict[str, Any] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "allow_persistent_secrets": False,
    "temp_directory": "",  # never spill to <warehouse>.tmp/
    "max_temp_directory_size": "0B",
    "python_enable_replacements": False,  # no scans of Python variables by name
    "memory_limit": DEFAULT_MEMORY_LIMIT,
    "lock_configuration": True,  # last: nothing above can be SET back
}

#: The SEC bulk store: its alias in every session (the ``sec.bulk_*`` views name it), the
#: setting that moves it, and its default place (beside the warehouse file), as in
#: ``pipelines.sec.store`` and ``pipelines.sec.bulk_config``.
SEC_BULK_ALIAS = "sec_bulk"
SEC_BULK_STORE_ENV = "SEC_BULK_STORE"


def sec_bulk_store(warehouse: Path) -> Path:
    """Where the SEC bulk store of ``warehouse`` is: ``$SEC_BULK_STORE``, else
    ``sec_bulk.duckdb`` beside the warehouse file."""
    text = os.environ.get(SEC_BULK_STORE_ENV, "").strip()
    return Path(text).resolve() if text else warehouse.with_name("sec_bulk.duckdb")


def connect_locked_down(
    path: Path, *, attach: dict[str, Path] | None = None, memory_limit: str | None = None
) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    """A read-only connection to ``path`` with :data:`LOCKED_DOWN` in force, and each existing
    file of ``attach`` (``{alias: file}``) attached ``READ_ONLY`` first: the attaching happens
    while external access is still on, then ``enable_external_access`` goes off (it can never
    be switched back), the progress bar goes off and the configuration is locked
    (:func:`lock_session`). ``memory_limit`` bounds every query (default
    :data:`DEFAULT_MEMORY_LIMIT`). Returns the connection and a note per file that could not be
    attached (missing files are skipped silently)."""
    before = {k: v for k, v in locked_down(memory_limit).items() if k not in _SET_AFTER_ATTACH}
    con = duckdb.connect(str(path), read_only=True, config=before)
    notes = []
    try:
        for alias, file in (attach or {}).items():
            if not file.exists():
                continue
            quoted = "'" + str(file).replace("'", "''") + "'"
            try:
                con.execute(f'ATTACH {quoted} AS "{alias}" (READ_ONLY)')
            except duckdb.Error as error:
                first = (str(error).strip().splitlines() or [type(error).__name__])[0]
                notes.append(f"could not attach {file} as {alias}: {first}")
        con.execute("SET enable_external_access = false")
        lock_session(con)  # the progress bar off, then lock_configuration
    except BaseException:
        con.close()
        raise
    return con, notes


#: Settings applied after the attach (``lock_configuration`` last, by :func:`lock_session`).
_SET_AFTER_ATTACH = ("enable_external_access", "lock_configuration")


def locked_down(memory_limit: str | None = None) -> dict[str, Any]:
    """:data:`LOCKED_DOWN` with another ``memory_limit`` and *without*
    ``lock_configuration``: open the connection with it, then call :func:`lock_session`."""
    config = {k: v for k, v in LOCKED_DOWN.items() if k != "lock_configuration"}
    if memory_limit:
        config["memory_limit"] = memory_limit
    return config


def lock_session(con: duckdb.DuckDBPyConnection) -> None:
    """Session settings that cannot be given when connecting, then ``lock_configuration``:
    no progress bar (DuckDB draws it straight onto the process's stdout, with bare CRs, in the
    middle of a result, once a query runs for 2 s)."""
    con.execute("SET enable_progress_bar = false")
    con.execute("SET lock_configuration = true")


@contextmanager
def time_bound(con: duckdb.DuckDBPyConnection, seconds: float | None) -> Iterator[None]:
    """Interrupt whatever ``con`` runs once ``seconds`` have passed (DuckDB raises
    ``InterruptException`` in the thread that runs it, during execution or fetching). One
    ``interrupt()`` is sometimes missed by a running query (seen with DuckDB 1.5 on
    ``SELECT sum(range) FROM range(10000000000)``), so it is repeated every 0.1 s until the
    block ends."""
    if not seconds or seconds <= 0:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        if done.wait(seconds):
            return
        while not done.is_set():
            con.interrupt()
            done.wait(0.1)

    watcher = threading.Thread(target=watch, name="ledger-time-bound", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


#: Table (or scalar) functions refused inside a SELECT: they change the state of the process
#: (logging, profiling, checkpoints), run SQL handed to them as text or serialized, or scan
#: Python memory by address.
DENIED_FUNCTIONS = frozenset(
    {
        "enable_logging",
        "disable_logging",
        "truncate_duckdb_logs",
        "enable_profiling",
        "disable_profiling",
        "checkpoint",
        "force_checkpoint",
        "query",
        "json_execute_serialized_sql",
        "arrow_scan",
        "arrow_scan_dumb",
        "pandas_scan",
        "python_map_function",
    }
)

#: Statement types that only read.
READ_TYPES = frozenset({"SELECT"})


class Refused(Exception):
    """The SQL would do more than read the warehouse."""


@dataclass(frozen=True)
class Statement:
    """One statement of the user's text, checked: ``sql`` is what runs."""

    sql: str
    kind: str  # SELECT, PIVOT or EXPLAIN


def _type_name(statement: Any) -> str:
    return str(statement.type).rsplit(".", 1)[-1]


def _tokens(sql: str) -> list[tuple[int, str]]:
    """(position, token type name) of every token DuckDB's tokenizer finds (no comments).
    DuckDB gives byte offsets into the UTF-8 text; these are turned into character positions
    (with a non-ASCII character before it, ``sql[byte_offset]`` is another character)."""
    tokens = [(pos, str(kind).rsplit(".", 1)[-1]) for pos, kind in duckdb.tokenize(sql)]
    if sql.isascii():
        return tokens
    char_at, offset = {}, 0
    for index, ch in enumerate(sql):
        char_at[offset] = index
        offset += len(ch.encode("utf-8", "surrogatepass"))
    char_at[offset] = len(sql)
    return [(char_at[pos], kind) for pos, kind in tokens]


def _word_at(sql: str, pos: int) -> str:
    """The keyword or identifier starting at ``pos`` (a quoted identifier unquoted), lower."""
    if sql[pos : pos + 1] == '"':
        end = pos + 1
        while end < len(sql):
            if sql[end] == '"' and sql[end + 1 : end + 2] != '"':
                break
            end += 2 if sql[end] == '"' else 1
        return sql[pos + 1 : end].replace('""', '"').lower()
    end = pos
    while end < len(sql) and (sql[end].isalnum() or sql[end] in "_$"):
        end += 1
    return sql[pos:end].lower()


def split_statements(sql: str) -> list[str]:
    """The statements of ``sql``, cut at the semicolons DuckDB's tokenizer sees (not those
    inside strings, quoted names or comments). Empty statements are dropped."""
    pieces, start = [], 0
    for pos, kind in _tokens(sql):
        if kind == "operator" and sql[pos] == ";":
            pieces.append(sql[start:pos])
            start = pos + 1
    pieces.append(sql[start:])
    return [p for p in pieces if _tokens(p)]


#: A function call in ``json_serialize_sql``'s output: the key can only be structural there
#: (inside a JSON string every ``"`` is escaped), so no string literal of the query matches.
_FUNCTION_NAME = re.compile(r'[{,]"function_name":"((?:[^"\\]|\\.)*)"')


def _called_in_tree(serialized: str) -> set[str]:
    """Names of every function called anywhere in a serialized syntax tree, read from its
    text: no recursive parse (a tree 900 levels deep makes ``json.loads`` raise
    RecursionError)."""
    return {json.loads(f'"{name}"').lower() for name in _FUNCTION_NAME.findall(serialized)}


def _called_in_text(sql: str) -> set[str]:
    """Names (lower case) that the text calls: every keyword or identifier followed by
    ``(`` (comments skipped; a quoted name unquoted). Conservative: it needs no parse."""
    tokens = _tokens(sql)
    return {
        _word_at(sql, pos)
        for (pos, kind), (next_pos, next_kind) in zip(tokens, tokens[1:], strict=False)
        if kind in ("keyword", "identifier") and sql[next_pos] == "("
    }


def _denied_in(con: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    """Denied functions the statement calls: from its syntax tree where DuckDB can serialize
    it, else (PIVOT) from every name token of its text."""
    row = con.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchone()
    serialized = str(row[0]) if row else '{"error":true}'
    if not serialized.startswith('{"error":true'):
        return _called_in_tree(serialized) & DENIED_FUNCTIONS
    names = {_word_at(sql, pos) for pos, kind in _tokens(sql) if kind in ("keyword", "identifier")}
    return names & DENIED_FUNCTIONS


def check_file(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What the warehouse file brings that ``ledger`` will not run, in words (empty: none):
    views and macros stored in it that call a denied function, and macros named like a
    built-in function (they would change what a query means). Runs none of them."""
    problems = []
    views = con.execute(
        "SELECT schema_name, view_name, sql FROM duckdb_views() "
        "WHERE NOT internal AND NOT temporary ORDER BY 1, 2"
    ).fetchall()
    macros = con.execute(
        "SELECT schema_name, function_name, function_type, macro_definition "
        "FROM duckdb_functions() WHERE NOT internal "
        "AND function_type IN ('macro', 'table_macro') ORDER BY 1, 2"
    ).fetchall()
    builtins = {
        str(name).lower()
        for (name,) in con.execute(
            "SELECT DISTINCT function_name FROM duckdb_functions() WHERE internal"
        ).fetchall()
    }
    for schema, name, sql in views:
        denied = _called_in_text(str(sql or "")) & DENIED_FUNCTIONS
        if denied:
            problems.append(f"view {schema}.{name} calls {', '.join(sorted(denied))}()")
    for schema, name, kind, definition in macros:
        label = "table macro" if kind == "table_macro" else "macro"
        denied = _called_in_text(str(definition or "")) & DENIED_FUNCTIONS
        if denied:
            problems.append(f"{label} {schema}.{name} calls {', '.join(sorted(denied))}()")
        if str(name).lower() in builtins:
            problems.append(f"{label} {schema}.{name} has the name of a built-in function")
    return problems


def _refuse(kind: str, detail: str = "") -> Refused:
    return Refused(f"{kind} statements are not allowed{detail}")


def _check_read(con: duckdb.DuckDBPyConnection, piece: str) -> Statement:
    """``piece`` (one statement, not EXPLAIN) as a checked read, or Refused."""
    parsed = con.extract_statements(piece)
    kinds = [_type_name(s) for s in parsed]
    first = _word_at(piece, _tokens(piece)[0][0])
    if first in ("pivot", "pivot_wider") and kinds == ["CREATE", "SELECT"]:
        # A PIVOT without an IN list: DuckDB first creates a temporary ENUM of the values.
        if not all(s.query == "" for s in parsed):
            raise _refuse("CREATE")
        kind = "PIVOT"
    elif len(kinds) != 1:
        raise _refuse(kinds[0] if kinds and kinds[0] not in READ_TYPES else "MULTI")
    elif kinds[0] not in READ_TYPES:
        raise _refuse(kinds[0])
    else:
        kind = "SELECT"
    text = parsed[0].query if kind == "SELECT" and parsed[0].query else piece
    denied = _denied_in(con, text)
    if denied:
        raise Refused(
            f"function {', '.join(sorted(denied))}() is not allowed: it changes the session "
            "or runs SQL given as text"
        )
    return Statement(text, kind)


def _check_explain(con: duckdb.DuckDBPyConnection, piece: str) -> Statement:
    tokens = _tokens(piece)
    if len(tokens) < 2:
        raise _refuse("EXPLAIN", " without a statement")
    second = _word_at(piece, tokens[1][0])
    if second in ("analyze", "analyse"):
        raise _refuse("EXPLAIN ANALYZE", ": it runs the statement it explains")
    if tokens[1][1] != "keyword" or piece[tokens[1][0]] == "(":
        raise _refuse("EXPLAIN", " with options (only plain EXPLAIN of a read)")
    inner = _check_read(con, piece[tokens[1][0] :])
    if inner.kind != "SELECT":
        raise _refuse("EXPLAIN", f" of {inner.kind} (only plain EXPLAIN of a SELECT)")
    return Statement("EXPLAIN " + inner.sql, "EXPLAIN")


def check_sql(con: duckdb.DuckDBPyConnection, sql: str) -> list[Statement]:
    """Every statement of ``sql`` if all of them only read; raises :class:`Refused` naming
    the first that does not (nothing has run then), or ``duckdb.Error`` for bad SQL."""
    pieces = split_statements(sql)
    checked = []
    for piece in pieces:
        parsed = con.extract_statements(piece)
        if not parsed:
            continue
        if _type_name(parsed[0]) == "EXPLAIN" and len(parsed) == 1:
            checked.append(_check_explain(con, piece))
        else:
            checked.append(_check_read(con, piece))
    return checked
