"""The journal of failures beside the warehouse, ``<warehouse>.refresh-failures.jsonl``: a
failure that cannot be written into the warehouse itself (damaged file, full disk, a writer
that kept it) is appended there as one JSON line, and the next successful refresh carries its
lines into ``meta.refresh_log`` (docs/reliability.md). Reading it is tolerant: one bad line
never stops the rest.

Standard library only. ``pipelines.warehouse.swap`` re-exports these names.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def journal_of(path: Path) -> Path:
    return path.with_name(path.name + ".refresh-failures.jsonl")


def utc_stamp() -> str:
    """The UTC time in file names of what is set aside (a journal, a stale WAL)."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def journal_failure(live: Path, entry: dict[str, Any]) -> None:
    """Append one failure to ``<live>.refresh-failures.jsonl`` (one JSON line, fsynced): used
    when the failure cannot be written into the warehouse itself (damaged file, full disk,
    a writer that kept it). The next successful refresh moves these lines into
    ``meta.refresh_log``."""
    line = json.dumps(entry, default=str, ensure_ascii=False) + "\n"
    fd = os.open(journal_of(live), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


#: Fields of a journal line: (name, required). Timestamps are ISO 8601 text.
JOURNAL_FIELDS = (
    ("run_id", True),
    ("started_at", True),
    ("finished_at", True),
    ("status", True),
    ("assets", False),
    ("message", False),
)


@dataclass(frozen=True)
class Journal:
    """The journal beside a warehouse, read line by line: the usable entries, and what was
    wrong with every other line (``line N: why``), so that one bad line never stops the rest."""

    path: Path
    entries: list[dict[str, Any]]
    problems: list[str]


def _journal_entry(line: bytes) -> dict[str, Any]:
    """One journal line as an entry (timestamps as datetimes), or ValueError saying why not."""
    try:
        text = line.decode("utf-8")
        value = json.loads(text)
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 ({error.reason} at byte {error.start})") from None
    except (ValueError, RecursionError) as error:  # RecursionError: "[[[[..." nested too deep
        raise ValueError(f"not JSON ({type(error).__name__}: {str(error)[:80]})") from None
    if not isinstance(value, dict):
        raise ValueError(f"a JSON {type(value).__name__}, not an object")
    entry: dict[str, Any] = {}
    for name, required in JOURNAL_FIELDS:
        field = value.get(name)
        if field is None or field == "":
            if required:
                raise ValueError(f"no {name!r}")
            entry[name] = None
        elif not isinstance(field, str):
            raise ValueError(f"{name!r} is a {type(field).__name__}, not text")
        elif name.endswith("_at"):
            try:
                entry[name] = dt.datetime.fromisoformat(field).replace(tzinfo=None)
            except ValueError:
                raise ValueError(f"{name!r} is not an ISO 8601 time: {field[:40]!r}") from None
        else:
            entry[name] = field
    return entry


def read_journal_checked(live: Path) -> Journal:
    """Every usable line of ``<live>.refresh-failures.jsonl``; a line that is not a journal
    entry (cut short by a crash, not UTF-8, not a JSON object, a field missing or of the wrong
    type) is skipped and described in ``problems``; a journal that cannot be read at all (a
    directory, no permission) gives one problem and no entries."""
    path = journal_of(live)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Journal(path, [], [])
    except OSError as error:
        return Journal(path, [], [f"cannot be read ({error.strerror or error})"])
    entries, problems = [], []
    for number, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            entries.append(_journal_entry(line))
        except ValueError as error:
            problems.append(f"line {number}: {error}")
    return Journal(path, entries, problems)


def read_journal(live: Path) -> list[dict[str, Any]]:
    """The usable entries of the journal beside ``live`` (see :func:`read_journal_checked`)."""
    return read_journal_checked(live).entries


def unreadable_journal_path(journal: Journal) -> Path:
    """Where :func:`set_aside_journal` keeps a journal that had unreadable parts."""
    return journal.path.with_name(f"{journal.path.name}.unreadable-{utc_stamp()}")


def describe_journal_problems(journal: Journal, kept: Path) -> str:
    """What was skipped in ``journal`` and where it is kept, in words (names the file)."""
    shown = "; ".join(journal.problems[:3]) + (
        f"; and {len(journal.problems) - 3} more" if len(journal.problems) > 3 else ""
    )
    return (
        f"the failure journal {journal.path} had {len(journal.problems)} unreadable part(s), "
        f"skipped ({shown}); its {len(journal.entries)} readable entr"
        f"{'y was' if len(journal.entries) == 1 else 'ies were'} carried into "
        f"meta.refresh_log, and the file is kept as {kept.name}"
    )


def set_aside_journal(journal: Journal, kept: Path) -> None:
    """After its entries were carried into the warehouse: remove the journal, or, if some of
    it could not be read, keep it whole as ``kept`` (:func:`unreadable_journal_path`)."""
    if journal.problems:
        os.replace(journal.path, kept)
    else:
        journal.path.unlink(missing_ok=True)
