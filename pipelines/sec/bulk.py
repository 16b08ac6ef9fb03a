"""SEC bulk mode: ingest ``companyfacts.zip`` (or a folder of companyfacts files) into the store.

    python -m pipelines.sec.bulk companyfacts.zip              # every filer
    python -m pipelines.sec.bulk companyfacts.zip --ciks 1045810,1652044
    python -m pipelines.sec.bulk ./folder --store /tmp/sec_bulk.duckdb --quarantine

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

Members and their checks: :mod:`pipelines.sec.bulk_members`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import stat
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from pipelines.cli_format import escape_controls
from pipelines.raw.files import kind_of
from pipelines.sec import store as sec_store
from pipelines.sec.bulk_config import BulkSettings, load_bulk_settings
from pipelines.sec.bulk_members import (
    MEMBER_NAME,
    READ_ERRORS,
    ByteBudget,
    MemberRef,
    Outcome,
    check_header,
    check_shape,
    extract,
    first_line,
    open_members,
    read_headers,
    source_fingerprint,
    unreadable_member,
    validate,
)
from pipelines.sec.bulk_models import BulkMembersModel
from pipelines.sec.config import SecConfigError, concept_map
from pipelines.sec.derive import Derived, derive_frame, parse_and_derive_all
from pipelines.sec.models import (
    FactsModel,
    FiscalYearCoverageModel,
    QuarterlyFirstReportedModel,
    QuarterlyModel,
)
from pipelines.sec.parse import FACTS_SCHEMA

#: What DuckDB's JSON reader raises on a bad file (through Arrow's stream reader: OSError).
#: The store file is checkpointed and reopened every this many chunks (flat memory).
REOPEN_EVERY_CHUNKS = 5
PARSE_ERRORS = (duckdb.Error, pa.ArrowException, OSError)


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


# ------------------------------------------------------------------------------- chunks
def _empty_outputs() -> tuple[pl.DataFrame, Derived]:
    """Empty facts and quarterly frames with the columns the derivation gives."""
    facts = pl.DataFrame(schema=FACTS_SCHEMA)
    return facts, derive_frame(facts, concept_map([]))


def _reraise_interrupt(error: BaseException) -> None:
    """An interrupted query (signal, cancel) is not a bad member: stop, quarantine nothing."""
    if isinstance(error, duckdb.InterruptException) or "INTERRUPT" in str(error).upper():
        raise error


def _parse(
    paths: list[str], config: BulkSettings, outcomes: dict[str, Outcome], ciks: dict[str, int]
) -> tuple[pl.DataFrame, Derived]:
    companies = {ciks[p]: config.company(ciks[p], outcomes[p].entity_name) for p in paths}
    labels = {cik: c.ticker for cik, c in companies.items()}
    concepts = concept_map(list(companies.values()))
    try:
        facts, derived = parse_and_derive_all(paths, labels, concepts, chunk_files=len(paths))
    except PARSE_ERRORS as error:
        _reraise_interrupt(error)
        good = []
        for path in paths:
            try:
                parse_and_derive_all([path], labels, concepts)
                good.append(path)
            except PARSE_ERRORS as error:
                _reraise_interrupt(error)
                check_shape([path], outcomes)
                if outcomes[path].status == "ingested":
                    message = first_line(error).replace(path, outcomes[path].member)
                    outcomes[path].quarantine("parse", message)
        if not good:
            return _empty_outputs()
        facts, derived = parse_and_derive_all(good, labels, concepts, chunk_files=len(good))
    frame = pl.from_arrow(facts) if facts.num_columns else pl.DataFrame(schema=FACTS_SCHEMA)
    assert isinstance(frame, pl.DataFrame)
    return frame.cast(FACTS_SCHEMA), derived  # type: ignore[arg-type]


def process_chunk(
    refs: list[MemberRef],
    config: BulkSettings,
    builder: sec_store.StoreBuilder,
    seen: dict[int, str],
    workdir: Path,
    budget: ByteBudget | None = None,
) -> list[Outcome]:
    """Check, parse, derive and append one chunk of members; returns one outcome per member.
    A member that cannot or must not be read is quarantined; the others go on."""
    outcomes: dict[str, Outcome] = {}
    ciks: dict[str, int] = {}
    order = []
    for index, ref in enumerate(refs):
        match = MEMBER_NAME.search(ref.name)
        outcome = Outcome(ref.name, int(match.group(1)) if match else None, ref.size)
        order.append(outcome)
        if not match:
            outcome.quarantine("name", "not a companyfacts member (CIK##########.json)")
            continue
        cik = int(match.group(1))
        if cik in seen:
            outcome.quarantine("name", f"CIK {cik} already read from member {seen[cik]}")
            continue
        seen[cik] = ref.name
        if ref.size == 0:
            outcome.quarantine("size", "empty member (0 bytes)")
            continue
        if ref.size > config.max_member_bytes:
            outcome.quarantine(
                "size",
                f"{ref.size:,} bytes, more than the limit "
                f"{config.max_member_bytes:,} (SEC_BULK_MAX_MEMBER_MB)",
            )
            continue
        unusual = unreadable_member(ref, config.max_ratio)
        if unusual:
            outcome.quarantine(*unusual)
            continue
        over = budget.take(ref.size) if budget is not None else None
        if over:
            outcome.quarantine("size", over)
            continue
        path = ref.path or workdir / f"m{index:06d}.json"
        if ref.path is None:
            try:
                extract(ref, path, config.max_member_bytes)
            except READ_ERRORS as error:
                outcome.quarantine("read", first_line(error))
                path.unlink(missing_ok=True)
                continue
        outcomes[str(path)] = outcome
        ciks[str(path)] = cik

    paths = list(outcomes)
    if paths:
        found, errors = read_headers(paths)
        for path in paths:
            if path in errors:
                outcomes[path].quarantine("json", errors[path].replace(path, outcomes[path].member))
            else:
                check_header(outcomes[path], ciks[path], found.get(path, []))
    good = [p for p in paths if outcomes[p].status == "ingested"]
    if good:
        facts, (latest, first, coverage) = _parse(good, config, outcomes, ciks)
        by_cik = {ciks[p]: outcomes[p] for p in good if outcomes[p].status == "ingested"}
        ciks_of = {config.company(cik, None).ticker: cik for cik in by_cik}
        bad = {**validate(FactsModel, facts)}
        derived = (
            (QuarterlyModel, latest),
            (QuarterlyFirstReportedModel, first),
            (FiscalYearCoverageModel, coverage),
        )
        for model, frame in derived:
            for cik, reason in validate(model, frame, ciks_of).items():
                bad.setdefault(cik, f"{model.__name__}: {reason}")
        for cik, reason in bad.items():
            stage = "facts" if reason.startswith("row ") else "quarterly"
            by_cik[cik].quarantine(stage, reason)
        if bad:
            keep = ~pl.col("cik").is_in(list(bad))
            facts = facts.filter(keep)
            latest = latest.filter(keep)
            first = first.filter(keep)
            coverage = coverage.filter(
                ~pl.col("ticker").is_in([t for t, c in ciks_of.items() if c in bad])
            )
        for cik, n in facts.group_by("cik").len().iter_rows():
            by_cik[cik].facts = n
        check_shape(
            [p for p in good if outcomes[p].status == "ingested" and not outcomes[p].facts],
            outcomes,
        )
        for cik, n in latest.group_by("cik").len().iter_rows():
            by_cik[cik].quarters = n
        builder.append("facts", facts)
        builder.append("quarterly", latest)
        builder.append("quarterly_as_first_reported", first)
        builder.append("fiscal_year_coverage", coverage)
    for path in paths:
        if Path(path).parent == workdir:
            Path(path).unlink(missing_ok=True)
    members = pl.DataFrame([vars(o) for o in order], schema=_MEMBER_SCHEMA)
    BulkMembersModel.validate(members)
    builder.append("members", members)
    return order


_MEMBER_SCHEMA = {
    "member": pl.Utf8,
    "cik": pl.Int64,
    "bytes": pl.Int64,
    "entity_name": pl.Utf8,
    "status": pl.Utf8,
    "stage": pl.Utf8,
    "reason": pl.Utf8,
    "facts": pl.Int64,
    "quarters": pl.Int64,
}


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
def quarantine_rows(store: Path) -> list[tuple]:
    """(member, cik, bytes, stage, reason) of every quarantined member of the live store."""
    with sec_store.open_store(store) as con:
        return con.execute(
            "SELECT member, cik, bytes, stage, reason FROM members "
            "WHERE status = 'quarantined' ORDER BY member"
        ).fetchall()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.sec.bulk",
        description="Ingest an SEC companyfacts.zip (or a folder of CIK##########.json files) "
        "into the SEC store, a DuckDB file swapped in atomically. Settings not given here come "
        "from the SEC_BULK_* environment variables (pipelines/sec/bulk_config.py).",
    )
    parser.add_argument(
        "source", nargs="?", type=Path, help="archive or folder (default $SEC_BULK_SOURCE)"
    )
    parser.add_argument(
        "--store",
        type=Path,
        help="store file (default $SEC_BULK_STORE, else sec_bulk.duckdb beside the warehouse)",
    )
    parser.add_argument("--ciks", help="comma-separated CIKs to ingest (default: all)")
    parser.add_argument("--tickers", help="comma-separated tickers to ingest")
    parser.add_argument("--chunk", type=int, help="members per chunk (default 100)")
    parser.add_argument("--force", action="store_true", help="ingest even if unchanged")
    parser.add_argument(
        "--quarantine",
        action="store_true",
        help="only list the quarantined members of the live store",
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    import os

    args = build_parser().parse_args(argv)
    env = dict(os.environ)
    for name, value in (
        ("SEC_BULK_STORE", args.store),
        ("SEC_BULK_CIKS", args.ciks),
        ("SEC_BULK_TICKERS", args.tickers),
        ("SEC_BULK_CHUNK", args.chunk),
    ):
        if value is not None:
            env[name] = str(value)
    try:
        config = load_bulk_settings(env)
        if args.quarantine:
            for row in quarantine_rows(config.store):  # member names come from the archive
                print("\t".join("" if v is None else escape_controls(str(v)) for v in row))
            return 0
        result = ingest(
            config,
            args.source,
            force=args.force,
            log=lambda m: print(escape_controls(m, "\n"), file=sys.stderr),
        )
    except (SecConfigError, sec_store.StoreBusyError, OSError, zipfile.BadZipFile) as error:
        print(escape_controls(f"error: {error}", "\n"), file=sys.stderr)
        return 2
    summary = {
        "store": str(result.store),
        "unchanged": result.unchanged,
        "members": len(result.outcomes),
        "ingested": result.ingested,
        "quarantined": len(result.quarantined),
        "skipped": result.skipped,
        "facts": result.facts,
        "quarters": result.quarters,
        "seconds": round(result.seconds, 2),
        "peak_rss_mb": round(result.peak_rss_mb),
        "quarantine": [[o.member, o.stage, o.reason] for o in result.quarantined],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        for key, value in summary.items():
            if key != "quarantine":
                print(escape_controls(f"{key}: {value}"))
        for member, stage, reason in summary["quarantine"]:  # type: ignore[misc]
            print(escape_controls(f"quarantined {member} [{stage}]: {reason}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
