"""``ledger recover`` / ``make recover``: put the last good warehouse back.

Copies ``<warehouse>.previous`` over a damaged live file, crash-safe at every step (the live
name always holds the damaged file or the recovered one) and deleting nothing: the steps,
``.recovering`` and ``.damaged-<UTC time>`` are in docs/reliability.md, "Recovery". A live
file that opens and reads fine is left alone unless ``force`` is given.
Standard library and duckdb only.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.warehouse import swap
from pipelines.warehouse.locking import is_lock_error


class RecoveryError(RuntimeError):
    """Recovery was not possible; the message says why and what to do."""


@dataclass(frozen=True)
class Recovered:
    live: Path
    previous: Path | None  # None: the live file was fine once its stale WAL was set aside
    damaged: Path | None  # where the damaged file went (None: there was no live file)
    last_run: str  # the newest successful run in the recovered file, in words
    note: str = ""  # what was done besides, in words


def _opens(path: Path) -> tuple[bool, str]:
    """Whether ``path`` opens read-only as a DuckDB database and every table of it reads
    (each row of each table, all columns; views are never run: they come from the file),
    and the error if not."""
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            tables = con.execute(
                "SELECT database_name, schema_name, table_name FROM duckdb_tables() "
                "WHERE NOT internal AND NOT temporary ORDER BY ALL"
            ).fetchall()
            for names in tables:
                name = ".".join('"' + part.replace('"', '""') + '"' for part in names)
                con.execute(f"SELECT count(CAST(t AS VARCHAR)) FROM {name} AS t").fetchall()
        return True, ""
    except duckdb.Error as error:
        if is_lock_error(error):
            raise RecoveryError(
                f"{path} is open for writing in another process: close it and retry."
            ) from None
        text = str(error).strip()
        return False, text.splitlines()[0] if text else type(error).__name__


def _last_run(path: Path) -> str:
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            row = con.execute(
                "SELECT run_id, finished_at FROM meta.refresh_log WHERE status = 'success' "
                "ORDER BY finished_at DESC LIMIT 1"
            ).fetchone()
    except duckdb.Error:
        row = None
    return f"refresh {row[0]} of {row[1]:%Y-%m-%d %H:%M:%S} UTC" if row else "no refresh recorded"


def _opens_without_wal(live: Path) -> bool:
    """Whether ``live`` opens once its write-ahead log is left out (checked on a copy)."""
    probe = live.with_name(f"{live.name}.checking")
    try:
        shutil.copyfile(live, probe)
        return _opens(probe)[0]
    finally:
        probe.unlink(missing_ok=True)
        swap.wal_of(probe).unlink(missing_ok=True)


def recovering_of(live: Path) -> Path:
    """Where recovery copies ``.previous`` before renaming it over the live name."""
    return live.with_name(f"{live.name}.recovering")


def recover(live: Path, *, force: bool = False, lock_timeout_s: float = 10.0) -> Recovered:
    """Replace a damaged ``live`` warehouse by ``<live>.previous`` (see the module doc). If
    only its write-ahead log is the problem (a log that does not fit the file), set the log
    aside instead and keep the file."""
    previous = swap.previous_of(live)
    lock = swap.acquire_refresh_lock(live, lock_timeout_s)
    try:
        swap.fault_point("recover-locked")
        for leftover in (recovering_of(live), swap.wal_of(recovering_of(live))):
            leftover.unlink(missing_ok=True)  # a partial copy of a recovery that was killed
        if live.exists():
            ok, why = _opens(live)
            if not ok and swap.wal_of(live).exists() and _opens_without_wal(live) and not force:
                note = swap.set_aside_stale_wal(live) or ""
                return Recovered(live, None, None, _last_run(live), note)
            if ok and not force:
                raise RecoveryError(
                    f"{live} opens fine: nothing to recover. To go back to the previous "
                    f"refresh anyway, run `ledger recover --force`."
                )
        if not previous.exists():
            raise RecoveryError(
                f"there is no {previous.name} to recover from (it is written by each refresh's "
                f"swap). Move the damaged {live.name} away and run `make refresh` to rebuild the "
                "warehouse from raw/ (its refresh history is lost)."
            )
        ok, why = _opens(previous)
        if not ok:
            raise RecoveryError(f"{previous} does not open either ({why}); nothing was changed.")
        tmp = recovering_of(live)
        try:  # 3. the copy first: the live name is not touched yet
            shutil.copyfile(previous, tmp)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
        except OSError as error:
            tmp.unlink(missing_ok=True)
            raise RecoveryError(
                f"could not copy {previous} to {tmp} ({error.strerror or error}); the partial "
                f"copy was removed and {live} was not changed. Free some space and retry."
            ) from None
        swap.fault_point("recover-copied")
        stamp = swap.utc_stamp()
        damaged = live.with_name(f"{live.name}.damaged-{stamp}") if live.exists() else None
        if damaged is not None:  # 4. a second name for the damaged file; the live name stays
            try:
                os.link(live, damaged)
            except OSError:  # no hard links here: copy it
                try:
                    shutil.copyfile(live, damaged)
                except OSError as error:
                    damaged.unlink(missing_ok=True)
                    tmp.unlink(missing_ok=True)
                    raise RecoveryError(
                        f"could not keep the damaged {live} as {damaged.name} "
                        f"({error.strerror or error}); nothing was changed. Free some space "
                        "and retry."
                    ) from None
            swap.fault_point("recover-damaged-kept")
        if swap.wal_of(live).exists():
            target = damaged or live.with_name(f"{live.name}.damaged-{stamp}")
            os.replace(swap.wal_of(live), swap.wal_of(target))
            swap.fault_point("recover-wal-moved")
        os.replace(tmp, live)  # 5. atomic: the damaged file or the recovered one, never none
        swap.fault_point("recover-swapped")
        swap.fsync_dir(live.parent)
        return Recovered(live, previous, damaged, _last_run(live))
    finally:
        swap.release_refresh_lock(lock)
