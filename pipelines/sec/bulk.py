"""SEC bulk mode: ingest ``companyfacts.zip`` (or a folder of companyfacts files) into the store.

    python -m pipelines.sec.bulk companyfacts.zip              # every filer
    python -m pipelines.sec.bulk companyfacts.zip --ciks 1045810,1652044
    python -m pipelines.sec.bulk ./folder --store /tmp/sec_bulk.duckdb --quarantine

(the command line: :mod:`pipelines.sec.bulk_cli`, imported only when it runs).

Streaming, bounded memory and disk: members are read one chunk at a time (``SEC_BULK_CHUNK``,
default 100 members, and at most ``SEC_BULK_CHUNK_MB`` of extracted bytes): a chunk is
extracted member by member into a temporary folder (``zipfile`` streams each member, never
past its declared size; the archive is never read whole), checked, parsed and derived with
the connector's own :func:`pipelines.sec.derive.parse_and_derive_all`, appended to the new
store file and deleted. Memory is that of one chunk, whatever the archive's size; the disk
used at once is at most ``SEC_BULK_CHUNK_MB`` plus one member, and the whole ingest reads at
most ``SEC_BULK_MAX_TOTAL_MB``. A member declared to expand more than ``SEC_BULK_MAX_RATIO``
times its compressed size is never extracted.

Every member is checked on its own, and a bad one is quarantined (``members`` with
``status = 'quarantined'``, its ``stage`` and ``reason``) while the others go on:

``name``  not ``CIK##########.json``, or a CIK already seen in the archive
``size``  empty, larger than ``SEC_BULK_MAX_MEMBER_MB``, declared to expand more than
          ``SEC_BULK_MAX_RATIO`` times, or past the ingest's byte budget
          ``SEC_BULK_MAX_TOTAL_MB`` (all three: quarantined unread)
``read``  the archive member cannot be decompressed (CRC error, truncated archive, damaged
          deflate stream), is encrypted, or uses a compression method other than stored or
          deflate (quarantined unread)
``json``  not one JSON object (DuckDB's JSON reader's message)
``shape`` no ``cik`` / no ``facts`` object
``cik``   the ``cik`` inside differs from the one in the member name
``parse`` the facts do not have the companyfacts shape (taxonomy → concept → units → list)
``facts`` a fact fails ``FactsModel`` (column, rule and value of the first failure named)
``quarterly`` a derived quarter fails ``QuarterlyModel``

Members and their checks: :mod:`pipelines.sec.bulk_members`; one chunk:
:mod:`pipelines.sec.bulk_chunk`.
"""

from __future__ import annotations

import datetime as dt
import resource
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.raw.files import kind_of
from pipelines.sec import store as sec_store
from pipelines.sec.bulk_chunk import _empty_outputs, process_chunk
from pipelines.sec.bulk_config import BulkSettings
from pipelines.sec.bulk_members import (
    MEMBER_NAME,
    ByteBudget,
    MemberRef,
    Outcome,
    open_members,
    source_fingerprint,
)
from pipelines.sec.config import SecConfigError
from pipelines.sec.store import quarantine_rows as quarantine_rows  # re-exported

#: The store file is checkpointed and reopened every this many chunks (flat memory).
REOPEN_EVERY_CHUNKS = 5


@dataclass
class IngestResult:
    store: Path
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: int = 0
    facts: int = 0
    quarters: int = 0
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    unchanged: bool = False

    @property
    def quarantined(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "quarantined"]

    @property
    def ingested(self) -> int:
        return sum(o.status == "ingested" for o in self.outcomes)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * resource.getpagesize() / 2**20


def _ensure_tables(builder: sec_store.StoreBuilder) -> None:
    """Every store table exists even when no member was ingested (empty, same columns)."""
    facts, derived = _empty_outputs()
    builder.append("facts", facts)
    builder.append("quarterly", derived.latest)
    builder.append("quarterly_as_first_reported", derived.first)
    builder.append("fiscal_year_coverage", derived.coverage)


def ingest(
    config: BulkSettings,
    source: Path | None = None,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> IngestResult:
    """Build a new store from ``source`` (default ``config.source``) and swap it in."""
    source = source or config.source
    if source is None:
        raise SecConfigError("no bulk source: give a path or set SEC_BULK_SOURCE")
    if not source.exists():
        raise SecConfigError(f"bulk source {source} does not exist")
    mode = source.stat().st_mode
    if not stat.S_ISDIR(mode) and not stat.S_ISREG(mode):  # a FIFO would block zipfile's open
        raise SecConfigError(
            f"bulk source {source} is {kind_of(mode)}: expected an archive (a regular file) "
            "or a folder"
        )
    result = IngestResult(config.store)
    fingerprint = source_fingerprint(source, config)
    if not force and sec_store.last_fingerprint(config.store) == fingerprint:
        result.unchanged = True
        log(f"SEC bulk: {source} unchanged since the store was built; {config.store} kept")
        return result
    started = time.perf_counter()
    started_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    seen: dict[int, str] = {}
    budget = ByteBudget(config.max_total_bytes)
    with (
        sec_store.building(config.store) as builder,
        tempfile.TemporaryDirectory(prefix="sec-bulk-") as tmp,
        open_members(source) as members,
    ):
        chunk: list[MemberRef] = []
        chunks = 0
        on_disk = 0  # bytes the chunk's members take once extracted

        def flush() -> None:
            result.outcomes.extend(process_chunk(chunk, config, builder, seen, Path(tmp), budget))
            chunk.clear()
            nonlocal chunks, on_disk
            chunks += 1
            on_disk = 0
            if chunks % REOPEN_EVERY_CHUNKS == 0:
                builder.reopen()
            log(
                f"SEC bulk: {len(result.outcomes):,} members read, "
                f"{len(result.quarantined):,} quarantined, RSS {_current_rss_mb():,.0f} MB "
                f"(peak {_rss_mb():,.0f} MB)"
            )

        for ref in members:
            match = MEMBER_NAME.search(ref.name)
            if config.ciks is not None and match and int(match.group(1)) not in config.ciks:
                result.skipped += 1
                continue
            # a zip member is extracted to disk (a folder's file is read where it is); the chunk
            # ends before a member that would take it past SEC_BULK_CHUNK_MB
            size = ref.size if ref.path is None and ref.size <= config.max_member_bytes else 0
            if chunk and on_disk + size > config.chunk_bytes:
                flush()
            chunk.append(ref)
            on_disk += size
            if len(chunk) >= config.chunk_members:
                flush()
        if chunk:
            flush()
        _ensure_tables(builder)
        result.facts = sum(o.facts for o in result.outcomes)
        result.quarters = sum(o.quarters for o in result.outcomes)
        result.seconds = time.perf_counter() - started
        result.peak_rss_mb = _rss_mb()
        builder.execute(
            "INSERT INTO ingest_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                str(source),
                fingerprint,
                started_at,
                dt.datetime.now(dt.UTC).replace(tzinfo=None),
                len(result.outcomes),
                result.ingested,
                len(result.quarantined),
                result.facts,
                result.quarters,
                config.chunk_members,
                result.peak_rss_mb,
            ],
        )
    shutil.rmtree(tmp, ignore_errors=True)
    return result


# ---------------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    """``python -m pipelines.sec.bulk``: :func:`pipelines.sec.bulk_cli.main`, imported when
    called."""
    from pipelines.sec.bulk_cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
