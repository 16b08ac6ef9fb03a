"""File-level safety of the warehouse: the refresh lock, stale write-ahead logs, the build copy,
concurrent-writer detection, and the atomic swap that keeps ``<warehouse>.previous``. The
journal of failures that could not be written into the warehouse itself is
``pipelines.warehouse.journal`` (its names are re-exported here).

The rules (the WAL rule, concurrent writers, ``.previous``): docs/reliability.md.
Standard library and duckdb only.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.warehouse.journal import (  # re-exported: the journal's names, as before
    JOURNAL_FIELDS,
    Journal,
    describe_journal_problems,
    journal_failure,
    journal_of,
    read_journal,
    read_journal_checked,
    set_aside_journal,
    unreadable_journal_path,
    utc_stamp,
)
from pipelines.warehouse.locking import WarehouseLockedError, connect_read_only

__all__ = [
    "CHUNK",
    "FAULT_ENV",
    "JOURNAL_FIELDS",
    "FileState",
    "ForeignWalError",
    "Journal",
    "WarehouseChangedError",
    "WarehouseDamagedError",
    "WarehouseMissingError",
    "acquire_refresh_lock",
    "describe_journal_problems",
    "fault_point",
    "file_state",
    "fsync_dir",
    "holding_readers_lock",
    "journal_failure",
    "journal_of",
    "previous_of",
    "read_journal",
    "read_journal_checked",
    "refuse_new_warehouse_beside_a_copy",
    "release_refresh_lock",
    "set_aside_journal",
    "set_aside_stale_wal",
    "swap_in",
    "unreadable_journal_path",
    "utc_stamp",
    "wal_of",
]

CHUNK = 1 << 20
#: Test hook: ``LEDGER_FAULT_PAUSE=<point>`` makes the refresh print ``FAULT <point>`` on
#: stderr and stop (SIGSTOP) at that named point, so a test can kill it exactly there.
FAULT_ENV = "LEDGER_FAULT_PAUSE"


def fault_point(name: str) -> None:
    """Stop here if ``$LEDGER_FAULT_PAUSE`` names this point (tests only; no-op otherwise)."""
    if os.environ.get(FAULT_ENV) == name:
        os.write(2, f"FAULT {name}\n".encode())
        os.kill(os.getpid(), 19)  # SIGSTOP: the test kills the stopped process with SIGKILL


class WarehouseChangedError(RuntimeError):
    """Another process changed the live file while a refresh built its copy."""


class WarehouseDamagedError(RuntimeError):
    """The live file cannot be opened as a DuckDB database."""


class WarehouseMissingError(RuntimeError):
    """There is no live file, but a copy of one beside its name: recover it, do not start anew."""


def refuse_new_warehouse_beside_a_copy(live: Path) -> None:
    """Raise WarehouseMissingError if ``live`` does not exist but ``<live>.previous`` or a
    ``<live>.recovering`` copy does: a refresh would start a new, empty warehouse there and
    leave the history behind. Call it holding the refresh lock (no recovery runs then)."""
    if live.exists():
        return
    copies = [
        p for p in (previous_of(live), live.with_name(f"{live.name}.recovering")) if p.exists()
    ]
    if copies:
        names = " and ".join(p.name for p in copies)
        raise WarehouseMissingError(
            f"there is no live warehouse {live}, but {names} is beside it: a refresh does not "
            "start a new warehouse over the last good one (its tables and refresh history would "
            "stay behind). Run `ledger recover` (or `make recover`) to put it back, then refresh "
            f"again; to really start from nothing, move {names} away first."
        )


def wal_of(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def previous_of(path: Path) -> Path:
    return path.with_name(path.name + ".previous")


# ------------------------------------------------------------------------ refresh lock
def acquire_refresh_lock(live: Path, timeout_s: float) -> int:
    """An exclusive ``flock`` on ``<warehouse>.refresh.lock`` (released by the kernel if the
    process dies); returns its file descriptor."""
    lock_path = live.with_name(live.name + ".refresh.lock")
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o644)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise WarehouseLockedError(
                    f"another refresh (or recovery) of {live} is running (lock file "
                    f"{lock_path}); waited {timeout_s:.0f} s. Let it finish and retry."
                ) from None
            time.sleep(0.25)


def release_refresh_lock(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


# ------------------------------------------------------------------------ file identity
@dataclass(frozen=True)
class FileState:
    """What the live file was at one moment: identity, size, mtime, content hash, WAL."""

    inode: int
    size: int
    mtime_ns: int
    sha256: str
    wal_bytes: int | None  # size of <file>.wal, None if there is none

    def changes_since(self, before: FileState) -> list[str]:
        changes = []
        if self.inode != before.inode:
            changes.append("replaced by another file (new inode)")
        if self.size != before.size:
            changes.append(f"size {before.size} -> {self.size} bytes")
        if self.sha256 != before.sha256:
            changes.append(f"content hash {before.sha256[:12]} -> {self.sha256[:12]}")
        elif self.mtime_ns != before.mtime_ns:
            changes.append("modification time changed")
        if self.wal_bytes is not None and before.wal_bytes is None:
            changes.append(f"a write-ahead log appeared ({self.wal_bytes} bytes)")
        return changes


def file_state(live: Path, fd: int, *, copy_to: Path | None = None) -> FileState:
    """The state of ``live`` read through ``fd`` (a descriptor opened on it; never closed
    here: closing any descriptor of a file drops every POSIX lock this process holds on it,
    DuckDB's included). With ``copy_to``, also copies it there, hashing the very bytes copied,
    then fsyncs; a partial copy is removed if that fails (e.g. disk full)."""
    digest = hashlib.sha256()
    info = os.fstat(fd)
    try:
        target = open(copy_to, "wb") if copy_to is not None else None  # noqa: SIM115
        try:
            offset = 0
            while chunk := os.pread(fd, CHUNK, offset):
                offset += len(chunk)
                digest.update(chunk)
                if target is not None:
                    target.write(chunk)
            if target is not None:
                target.flush()
                os.fsync(target.fileno())
        finally:
            if target is not None:
                target.close()
    except BaseException as error:
        if copy_to is None:
            raise
        copy_to.unlink(missing_ok=True)
        if not isinstance(error, OSError):
            raise
        free = shutil.disk_usage(copy_to.parent).free
        raise OSError(
            error.errno,
            f"{error.strerror or error}: copying {live} ({info.st_size} bytes) to {copy_to} "
            f"failed; the partial copy was removed ({free} bytes free now). Free some space "
            "and run the refresh again",
        ) from error
    wal = wal_of(live)
    try:
        inode = os.stat(live).st_ino  # the name may point elsewhere than fd by now
    except FileNotFoundError:
        inode = -1
    return FileState(
        inode if inode == info.st_ino else -1,
        info.st_size,
        info.st_mtime_ns,
        digest.hexdigest(),
        wal.stat().st_size if wal.exists() else None,
    )


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ------------------------------------------------------------------------- readers/WAL
def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class ForeignWalError(RuntimeError):
    """The file's write-ahead log cannot be replayed onto it (it belongs to another file)."""


@contextmanager
def holding_readers_lock(live: Path, timeout_s: float) -> Iterator[int | None]:
    """While inside, a read-only DuckDB connection holds ``live``'s shared lock, so no process
    can open it for writing; yields a descriptor of the file opened just before (read it with
    :func:`file_state`, never close it), or None if there is no file. Waits (bounded) for a
    writer to close the file first. Raises ForeignWalError if DuckDB cannot replay the file's
    ``.wal`` onto it (nobody holds it then), WarehouseDamagedError if the file itself cannot
    be opened."""
    try:
        fd = os.open(live, os.O_RDONLY)
    except FileNotFoundError:
        yield None
        return
    try:
        try:
            con = connect_read_only(
                live,
                timeout_s=timeout_s,
                what_to_do="Another process has it open for writing: close it (open DuckDB "
                "shells with -readonly, or use `ledger query`, which is read-only) and run the "
                "refresh again.",
            )
        except WarehouseLockedError:
            raise
        except duckdb.Error as error:
            if wal_of(live).exists():
                raise ForeignWalError(
                    f"{wal_of(live)} cannot be replayed onto {live} ({_first_line(error)})"
                ) from error
            raise WarehouseDamagedError(
                f"the live warehouse {live} cannot be opened ({type(error).__name__}: "
                f"{_first_line(error)}): it looks damaged. Run `ledger recover` (or `make "
                f"recover`) to put back the last good warehouse ({previous_of(live).name}), "
                "then refresh again."
            ) from error
        try:
            yield fd
        finally:
            con.close()
    finally:
        os.close(fd)


def set_aside_stale_wal(live: Path, fd: int | None = None) -> str | None:
    """Move a write-ahead log that no process holds (a writer died) away from ``live``: as
    ``<live>.stale-<ts>.wal`` beside a copy ``<live>.stale-<ts>`` of the file it belongs to.
    Returns what was done, in words, or None if there was no WAL. Call it only while no
    process can hold the file (it did not open, or inside ``holding_readers_lock``: then pass
    its ``fd``)."""
    wal = wal_of(live)
    if not wal.exists():
        return None
    size = wal.stat().st_size
    base = live.with_name(f"{live.name}.stale-{utc_stamp()}")
    kept_base = True
    try:
        if fd is None:
            shutil.copyfile(live, base)
        else:
            file_state(live, fd, copy_to=base)
    except OSError:
        base.unlink(missing_ok=True)
        kept_base = False
    os.replace(wal, wal_of(base))
    fsync_dir(live.parent)
    where = (
        f"{base.name} + {wal_of(base).name} (open {base.name} with DuckDB to see them)"
        if kept_base
        else f"{wal_of(base).name} (no room for a copy of the file it belongs to)"
    )
    return (
        f"a stale write-ahead log {wal} ({size} bytes, left by a writer that did not close "
        f"cleanly) was set aside and not replayed onto the new warehouse; its changes are kept "
        f"in {where}"
    )


# ---------------------------------------------------------------------------------- swap
def swap_in(built: Path, live: Path, expected: FileState | None, *, timeout_s: float) -> None:
    """Atomically replace ``live`` by ``built`` (checkpointed and closed), keeping the file
    it replaces as ``<live>.previous``. Refuses (WarehouseChangedError, nothing replaced) if
    ``live`` is not the file described by ``expected`` any more (None: it did not exist)."""
    if wal_of(built).exists():
        raise RuntimeError(f"{built} still has a write-ahead log: it was not checkpointed")
    with open(built, "rb+") as handle:
        os.fsync(handle.fileno())
    fault_point("before-swap-lock")
    with holding_readers_lock(live, timeout_s) as fd:
        if expected is None:
            changes = ["created by another process"] if fd is not None else []
        elif fd is None:
            changes = ["removed or renamed by another process"]
        else:
            changes = file_state(live, fd).changes_since(expected)
        if changes:
            raise WarehouseChangedError(
                f"the live warehouse {live} was changed by another process while this refresh "
                f"ran ({'; '.join(changes)}). That change is kept: this run's tables were not "
                "swapped in. Writes outside the pipeline are not supported (they are lost at the "
                "next refresh); stop the other writer and run the refresh again."
            )
        if fd is not None:
            previous = previous_of(live)
            tmp = previous.with_name(previous.name + ".tmp")
            tmp.unlink(missing_ok=True)
            if not (previous.exists() and os.path.samefile(live, previous)):
                try:
                    os.link(live, tmp)
                except OSError:  # no hard links here: copy instead
                    file_state(live, fd, copy_to=tmp)
                # (rename() of two names of one file does nothing: hence the check above)
                os.replace(tmp, previous)
            fault_point("previous-kept")
        os.replace(built, live)
        fault_point("swapped")
    fsync_dir(live.parent)
