"""A read-only DuckDB session for untrusted SQL (``ledger query``), and its statement guard.

Two layers, both DuckDB's own (see docs/reliability.md, "The read-only CLI"):

1. The connection is opened ``read_only`` with every door DuckDB offers closed
   (:data:`LOCKED_DOWN`): no file system or network access beyond the database file itself
   (``enable_external_access = false``: ``read_csv``, ``read_text``, ``glob``, ``COPY``,
   ``ATTACH`` of a file, ``INSTALL`` fail with a permission error), no extension installed or
   loaded behind the user's back, no persistent secrets, no spilling to a temp directory, no
   Python replacement scans, and ``lock_configuration = true`` so no ``SET`` reopens any of it.
2. Before anything runs, :func:`check_sql` decides from DuckDB's parser what the text is:
   its tokenizer splits it into statements, ``extract_statements`` gives each one's type and
   ``json_serialize_sql`` its syntax tree. Only reads are allowed: ``SELECT`` (with ``FROM``
   first, ``VALUES``, ``WITH``, ``DESCRIBE``, ``SHOW``, ``SUMMARIZE``, ``UNPIVOT`` and
   ``PRAGMA`` forms that DuckDB turns into a ``SELECT``), ``PIVOT``, and a plain ``EXPLAIN``
   of one of those. ``EXPLAIN ANALYZE`` (it runs its statement), ``SET``, ``PRAGMA``, ``CALL``,
   ``COPY``, ``ATTACH``, ``INSTALL``/``LOAD``, ``EXPORT``, ``CREATE`` and every other type are
   refused, and so are table functions that change the process or run SQL given as text
   (:data:`DENIED_FUNCTIONS`, e.g. ``enable_logging``: ``CALL enable_logging(storage='file',
   ...)`` gets past the configuration lock and aborts the process).

Standard library and duckdb only: the CLI imports this without Dagster.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb

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
    "lock_configuration": True,  # last: nothing above can be SET back
}

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


def _functions(node: Any) -> set[str]:
    """Names of every function called anywhere in a serialized syntax tree."""
    found: set[str] = set()
    if isinstance(node, dict):
        name = node.get("function_name")
        if isinstance(name, str):
            found.add(name.lower())
        for value in node.values():
            found |= _functions(value)
    elif isinstance(node, list):
        for value in node:
            found |= _functions(value)
    return found


def _denied_in(con: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    """Denied functions the statement calls: from its syntax tree where DuckDB can serialize
    it, else (PIVOT) from every name token of its text."""
    row = con.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchone()
    tree = json.loads(row[0]) if row else {"error": True}
    if not tree.get("error"):
        return _functions(tree.get("statements")) & DENIED_FUNCTIONS
    names = {_word_at(sql, pos) for pos, kind in _tokens(sql) if kind in ("keyword", "identifier")}
    return names & DENIED_FUNCTIONS


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
