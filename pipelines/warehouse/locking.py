"""Waiting for a DuckDB file that another process holds."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb

T = TypeVar("T")


class WarehouseLockedError(RuntimeError):
    """The warehouse file stayed locked by another process for longer than we wait."""


#: The one error DuckDB raises when another process holds the file's lock (DuckDB 1.5):
#: ``IO Error: Could not set lock on file "<path>": Conflicting lock is held in <program>
#: (PID <n>) ...``. Matched exactly, from the start: a damaged file's message may contain the
#: letters "lock" too ("... does not match stored checksum ... in block at location 4096"),
#: and so may its path.
LOCK_ERROR = re.compile(r'IO Error: Could not set lock on file "(?s:.*)": Conflicting lock is held')


def is_lock_error(error: BaseException) -> bool:
    """Whether ``error`` is DuckDB's "another process holds the file" error, and nothing else."""
    return isinstance(error, duckdb.IOException) and bool(LOCK_ERROR.match(str(error)))


def retry_while_locked(
    action: Callable[[], T],
    path: Path,
    *,
    timeout_s: float,
    what_to_do: str,
    poll_s: float = 0.25,
) -> T:
    """Run ``action`` until it stops failing with a DuckDB lock error, for at most ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return action()
        except duckdb.Error as error:
            if not is_lock_error(error):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLockedError(
                    f"{path} is locked by another process and stayed locked for {timeout_s:.0f} s "
                    f"({error}). {what_to_do}"
                ) from error
            time.sleep(poll_s)


def connect_read_only(
    path: Path,
    *,
    timeout_s: float,
    what_to_do: str,
    poll_s: float = 0.25,
    config: dict[str, Any] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A read-only connection to ``path``, waiting (bounded) while another process writes it.
    ``config``: DuckDB settings for the connection (e.g. ``readonly.LOCKED_DOWN``)."""
    return retry_while_locked(
        lambda: duckdb.connect(str(path), read_only=True, config=dict(config or {})),
        path,
        timeout_s=timeout_s,
        what_to_do=what_to_do,
        poll_s=poll_s,
    )
