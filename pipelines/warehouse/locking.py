"""Waiting for a DuckDB file that another process holds."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb

T = TypeVar("T")


class WarehouseLockedError(RuntimeError):
    """The warehouse file stayed locked by another process for longer than we wait."""


def is_lock_error(error: BaseException) -> bool:
    text = str(error)
    return isinstance(error, duckdb.IOException) and (
        "lock" in text.lower() or "Conflicting" in text
    )


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
