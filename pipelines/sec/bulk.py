"""SEC bulk mode: ingest ``companyfacts.zip`` (or a folder of companyfacts files) into the store.

    python -m pipelines.sec.bulk companyfacts.zip              # every filer
    python -m pipelines.sec.bulk companyfacts.zip --ciks 1045810,1652044
    python -m pipelines.sec.bulk ./folder --store /tmp/sec_bulk.duckdb --quarantine

Streaming, bounded memory: members are read one chunk at a time (``SEC_BULK_CHUNK``, default
100): a chunk is extracted member by member into a temporary folder (``zipfile`` streams
each member; the archive is never read whole), checked, parsed and derived with the
connector's own :func:`pipelines.sec.derive.parse_and_derive`, appended to the new store
file and deleted. Memory is that of one chunk, whatever the archive's size.

Every member is checked on its own, and a bad one is quarantined (``members`` with
``status = 'quarantined'``, its ``stage`` and ``reason``) while the others go on:

``name``  not ``CIK##########.json``, or a CIK already seen in the archive
``size``  empty, or larger than ``SEC_BULK_MAX_MEMBER_MB``
``read``  the archive member cannot be decompressed (CRC error, truncated archive)
``json``  not one JSON object (DuckDB's JSON reader's message)
``shape`` no ``cik`` / no ``facts`` object
``cik``   the ``cik`` inside differs from the one in the member name
``parse`` the facts do not have the companyfacts shape (taxonomy → concept → units → list)
``facts`` a fact fails ``FactsModel`` (column, rule and value of the first failure named)
``quarterly`` a derived quarter fails ``QuarterlyModel``
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import resource
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import duckdb
import pandera.errors as pa_errors
import polars as pl
import pyarrow as pa

from pipelines import settings
from pipelines.sec import store as sec_store
from pipelines.sec.bulk_config import BulkSettings, load_bulk_settings
from pipelines.sec.bulk_models import BulkMembersModel
from pipelines.sec.config import SecConfigError, concept_map
from pipelines.sec.derive import derive_from_frame, parse_and_derive
from pipelines.sec.models import FactsModel, QuarterlyFirstReportedModel, QuarterlyModel
from pipelines.sec.parse import FACTS_SCHEMA

MEMBER_NAME = re.compile(r"(?:^|/)CIK(\d{10})\.json$")
COPY_BLOCK = 1 << 20
REASON_MAX = 500
#: What DuckDB's JSON reader raises on a bad file (through Arrow's stream reader: OSError).
#: The store file is checkpointed and reopened every this many chunks (flat memory).
REOPEN_EVERY_CHUNKS = 5
PARSE_ERRORS = (duckdb.Error, pa.ArrowException, OSError)


@dataclass(frozen=True)
class MemberRef:
    """One member of the source: a zip entry or a file of the folder."""

    name: str
    size: int
    open: Callable[[], BinaryIO]
    path: Path | None = None  # a folder's file is parsed where it is


@dataclass
class Outcome:
    member: str
    cik: int | None
    bytes: int
    entity_name: str | None = None
    status: str = "ingested"
    stage: str | None = None
    reason: str | None = None
    facts: int = 0
    quarters: int = 0

    def quarantine(self, stage: str, reason: str) -> None:
        self.status, self.stage, self.reason = "quarantined", stage, reason[:REASON_MAX]


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


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


# ------------------------------------------------------------------------------ members
@contextmanager
def open_members(source: Path) -> Iterator[Iterator[MemberRef]]:
    """Members of a ``companyfacts.zip`` (only its central directory is read up front; each
    member is decompressed when opened) or the files of a folder (sorted by name; sub-folders
    are not entered). The archive stays open for the ``with`` block."""
    if source.is_dir():
        paths = sorted(p for p in source.iterdir() if p.is_file())
        yield (
            MemberRef(p.name, p.stat().st_size, lambda p=p: p.open("rb"), p)  # type: ignore[misc]
            for p in paths
        )
        return
    with zipfile.ZipFile(source) as archive:
        yield (
            MemberRef(i.filename, i.file_size, lambda i=i: archive.open(i))  # type: ignore[misc]
            for i in archive.infolist()
            if not i.is_dir()
        )


def _code_digest() -> str:
    """Hash of the code and SQL that turn a member into rows: a new rule rebuilds the store."""
    here = Path(__file__).resolve().parent
    parts = sorted(
        [*(settings.SQL_DIR / "sec").glob("*.sql"), *here.glob("*.py"), *here.glob("*.toml")]
    )
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.name.encode() + part.read_bytes())
    return digest.hexdigest()


def source_fingerprint(source: Path, config: BulkSettings) -> str:
    """Changes when the archive (name, size, mtime), the selection of filers, the settings or
    the parse/derive code change."""
    if source.is_dir():
        parts = [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(source.iterdir())]
    else:
        parts = [(source.name, source.stat().st_size, source.stat().st_mtime_ns)]
    selection = sorted(config.ciks) if config.ciks is not None else "all"
    text = json.dumps(
        [
            str(source),
            parts,
            selection,
            config.capex_concepts,
            config.revenue_concepts,
            config.max_member_bytes,
            sorted(config.labels.items()),
            _code_digest(),
        ],
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _extract(ref: MemberRef, target: Path, limit: int) -> None:
    """Stream one member to ``target``; raise ValueError past ``limit`` bytes."""
    written = 0
    with ref.open() as src, open(target, "wb") as dst:
        while block := src.read(COPY_BLOCK):
            written += len(block)
            if written > limit:
                raise ValueError(f"more than {limit:,} bytes (limit SEC_BULK_MAX_MEMBER_MB)")
            dst.write(block)


# ------------------------------------------------------------------------------ checks
_HEADER_SQL = (
    "SELECT filename, cik, entityName{extra} FROM read_json(?, format = 'auto', "
    "maximum_object_size = 2147483647, filename = true, "
    "columns = {{'cik': 'BIGINT', 'entityName': 'VARCHAR'{facts}}})"
)
_LIGHT_SQL = _HEADER_SQL.format(extra=", NULL", facts="")
#: Also the JSON type of ``facts``: dearer (the facts are copied out), run only on suspects.
_SHAPE_SQL = _HEADER_SQL.format(extra=", json_type(facts)", facts=", 'facts': 'JSON'")


def _headers(
    paths: list[str], shape: bool = False
) -> tuple[dict[str, list[tuple]], dict[str, str]]:
    """(rows per file, DuckDB error per unreadable file), in one reader call when all files
    are good and file by file only to find the bad ones. ``shape``: also the type of facts."""
    sql = _SHAPE_SQL if shape else _LIGHT_SQL
    rows: dict[str, list[tuple]] = {p: [] for p in paths}
    errors: dict[str, str] = {}
    with duckdb.connect() as con:
        try:
            found = con.execute(sql, [paths]).fetchall()
        except duckdb.Error:
            found = []
            for path in paths:
                try:
                    found += con.execute(sql, [[path]]).fetchall()
                except duckdb.Error as error:
                    errors[path] = _first_line(error)
    for filename, *rest in found:
        rows.setdefault(filename, []).append(tuple(rest))
    return rows, errors


def _check_header(outcome: Outcome, name_cik: int, rows: list[tuple]) -> None:
    if len(rows) != 1:
        outcome.quarantine("json", f"{len(rows)} top-level JSON values, expected one object")
        return
    cik, entity, facts_type = rows[0]
    outcome.entity_name = entity
    if cik is None:
        outcome.quarantine("shape", "no 'cik' in the file")
    elif facts_type is not None and facts_type != "OBJECT":
        outcome.quarantine("shape", f"'facts' is {facts_type}, expected an object")
    elif cik != name_cik:
        outcome.quarantine("cik", f"cik {cik} in the file, {name_cik} in the member name")


def _check_shape(paths: list[str], outcomes: dict[str, Outcome]) -> None:
    """Quarantine the files among ``paths`` whose ``facts`` is missing or not an object."""
    rows, _ = _headers(paths, shape=True)
    for path in paths:
        for _, _, facts_type in rows.get(path, [])[:1]:
            if facts_type != "OBJECT":
                outcomes[path].quarantine(
                    "shape", f"'facts' is {facts_type or 'missing'}, expected an object"
                )


def _failed_ciks(error: pa_errors.SchemaErrors, frame: pl.DataFrame) -> dict[int, str]:
    """CIK -> description of its first failing row, from pandera's failure cases."""
    cases = error.failure_cases
    if not isinstance(cases, pl.DataFrame) or "index" not in cases.columns:
        raise error
    cases = cases.filter(pl.col("index").is_not_null())
    if cases.is_empty():
        raise error  # a table-level failure (dtype, missing column): a bug, not a member
    ciks = frame["cik"].gather(cases["index"].cast(pl.Int64))
    result: dict[int, str] = {}
    for cik, row in zip(ciks.to_list(), cases.iter_rows(named=True), strict=True):
        if cik not in result:
            value = str(row["failure_case"])[:200]
            result[cik] = (
                f"row {row['index']}: column {row['column']}, rule {row['check']}, value {value}"
            )
    return result


def _validate(model: type, frame: pl.DataFrame) -> dict[int, str]:
    try:
        model.validate(frame, lazy=True)  # type: ignore[attr-defined]
    except pa_errors.SchemaErrors as error:
        return _failed_ciks(error, frame)
    return {}


# ------------------------------------------------------------------------------- chunks
def _empty_outputs() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Empty facts and quarterly frames with the columns the derivation gives."""
    facts = pl.DataFrame(schema=FACTS_SCHEMA)
    latest, first = derive_from_frame(facts, concept_map([]))
    return facts, latest, first


def _parse(
    paths: list[str], config: BulkSettings, outcomes: dict[str, Outcome], ciks: dict[str, int]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    companies = {ciks[p]: config.company(ciks[p], outcomes[p].entity_name) for p in paths}
    labels = {cik: c.ticker for cik, c in companies.items()}
    concepts = concept_map(list(companies.values()))
    try:
        facts, latest, first = parse_and_derive(paths, labels, concepts, chunk_files=len(paths))
    except PARSE_ERRORS:
        good = []
        for path in paths:
            try:
                parse_and_derive([path], labels, concepts)
                good.append(path)
            except PARSE_ERRORS as error:
                _check_shape([path], outcomes)
                if outcomes[path].status == "ingested":
                    message = _first_line(error).replace(path, outcomes[path].member)
                    outcomes[path].quarantine("parse", message)
        if not good:
            return _empty_outputs()
        facts, latest, first = parse_and_derive(good, labels, concepts, chunk_files=len(good))
    frame = pl.from_arrow(facts) if facts.num_columns else pl.DataFrame(schema=FACTS_SCHEMA)
    assert isinstance(frame, pl.DataFrame)
    return frame.cast(FACTS_SCHEMA), latest, first  # type: ignore[arg-type]


def process_chunk(
    refs: list[MemberRef],
    config: BulkSettings,
    builder: sec_store.StoreBuilder,
    seen: dict[int, str],
    workdir: Path,
) -> list[Outcome]:
    """Check, parse, derive and append one chunk of members; returns one outcome per member."""
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
        path = ref.path or workdir / f"m{index:06d}.json"
        if ref.path is None:
            try:
                _extract(ref, path, config.max_member_bytes)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
                outcome.quarantine("read", _first_line(error))
                path.unlink(missing_ok=True)
                continue
        outcomes[str(path)] = outcome
        ciks[str(path)] = cik

    paths = list(outcomes)
    if paths:
        headers, errors = _headers(paths)
        for path in paths:
            if path in errors:
                outcomes[path].quarantine("json", errors[path].replace(path, outcomes[path].member))
            else:
                _check_header(outcomes[path], ciks[path], headers.get(path, []))
    good = [p for p in paths if outcomes[p].status == "ingested"]
    if good:
        facts, latest, first = _parse(good, config, outcomes, ciks)
        by_cik = {ciks[p]: outcomes[p] for p in good if outcomes[p].status == "ingested"}
        bad = {**_validate(FactsModel, facts)}
        for model, frame in ((QuarterlyModel, latest), (QuarterlyFirstReportedModel, first)):
            for cik, reason in _validate(model, frame).items():
                bad.setdefault(cik, f"{model.__name__}: {reason}")
        for cik, reason in bad.items():
            stage = "quarterly" if reason.startswith("Quarterly") else "facts"
            by_cik[cik].quarantine(stage, reason)
        if bad:
            keep = ~pl.col("cik").is_in(list(bad))
            facts = facts.filter(keep)
            latest = latest.filter(keep)
            first = first.filter(keep)
        for cik, n in facts.group_by("cik").len().iter_rows():
            by_cik[cik].facts = n
        _check_shape(
            [p for p in good if outcomes[p].status == "ingested" and not outcomes[p].facts],
            outcomes,
        )
        for cik, n in latest.group_by("cik").len().iter_rows():
            by_cik[cik].quarters = n
        builder.append("facts", facts)
        builder.append("quarterly", latest)
        builder.append("quarterly_as_first_reported", first)
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
    facts, latest, first = _empty_outputs()
    builder.append("facts", facts)
    builder.append("quarterly", latest)
    builder.append("quarterly_as_first_reported", first)


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
    result = IngestResult(config.store)
    fingerprint = source_fingerprint(source, config)
    if not force and sec_store.last_fingerprint(config.store) == fingerprint:
        result.unchanged = True
        log(f"SEC bulk: {source} unchanged since the store was built; {config.store} kept")
        return result
    started = time.perf_counter()
    started_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    seen: dict[int, str] = {}
    with (
        sec_store.building(config.store) as builder,
        tempfile.TemporaryDirectory(prefix="sec-bulk-") as tmp,
        open_members(source) as members,
    ):
        chunk: list[MemberRef] = []
        chunks = 0

        def flush() -> None:
            result.outcomes.extend(process_chunk(chunk, config, builder, seen, Path(tmp)))
            chunk.clear()
            nonlocal chunks
            chunks += 1
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
            chunk.append(ref)
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
            for row in quarantine_rows(config.store):
                print("\t".join("" if v is None else str(v) for v in row))
            return 0
        result = ingest(
            config, args.source, force=args.force, log=lambda m: print(m, file=sys.stderr)
        )
    except (SecConfigError, sec_store.StoreBusyError, OSError, zipfile.BadZipFile) as error:
        print(f"error: {error}", file=sys.stderr)
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
                print(f"{key}: {value}")
        for member, stage, reason in summary["quarantine"]:  # type: ignore[misc]
            print(f"quarantined {member} [{stage}]: {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
