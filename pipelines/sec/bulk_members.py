"""Members of a bulk source (zip entries or files of a folder) and the checks on each one.

See :mod:`pipelines.sec.bulk` for the stages a member can be quarantined at.
"""

from __future__ import annotations

import hashlib
import json
import lzma
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
import pandera.errors as pa_errors
import polars as pl

from pipelines import settings
from pipelines.sec.bulk_config import BulkSettings

MEMBER_NAME = re.compile(r"(?:^|/)CIK(\d{10})\.json$")
COPY_BLOCK = 1 << 20
REASON_MAX = 500


@dataclass(frozen=True)
class MemberRef:
    """One member of the source: a zip entry or a file of the folder."""

    name: str
    size: int
    open: Callable[[], BinaryIO]
    path: Path | None = None  # a folder's file is parsed where it is
    compressed: int | None = None  # a zip member's compressed size
    method: int = zipfile.ZIP_STORED  # a zip member's compression method
    encrypted: bool = False


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


def first_line(error: BaseException) -> str:
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
            MemberRef(
                i.filename,
                i.file_size,
                lambda i=i: archive.open(i),  # type: ignore[misc]
                compressed=i.compress_size,
                method=i.compress_type,
                encrypted=bool(i.flag_bits & 0x1),
            )
            for i in archive.infolist()
            if not i.is_dir()
        )


#: Files whose rules turn a member into rows: a change rebuilds the store on the next ingest.
RULE_FILES = ("parse.py", "derive.py", "models.py", "config.py", "bulk_models.py")


def _code_digest() -> str:
    """Hash of the SQL, code and configuration that turn a member into rows."""
    here = Path(__file__).resolve().parent
    parts = sorted(
        [
            *(settings.SQL_DIR / "sec").glob("*.sql"),
            *(here / name for name in RULE_FILES),
            *here.glob("*.toml"),
        ]
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
            config.concepts,
            sorted((c.ticker, c.name, c.concepts) for c in config.known.values()),
            config.max_member_bytes,
            config.max_ratio,
            config.chunk_bytes,
            config.max_total_bytes,
            sorted(config.labels.items()),
            _code_digest(),
        ],
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


#: Compression methods read: those of companyfacts.zip. Any other (bzip2, LZMA, Deflate64, an
#: encryption method, ...) is an unusual member: quarantined unread.
ACCEPTED_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_METHOD_NAMES = {12: "bzip2", 14: "LZMA", 9: "Deflate64", 99: "AES encryption", 93: "Zstandard"}
#: What reading a member can raise besides OSError: a bad CRC, a damaged deflate stream, an
#: encrypted member or a method zipfile does not implement (RuntimeError, NotImplementedError).
READ_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, zlib.error)
READ_ERRORS += (lzma.LZMAError,)


def unreadable_member(ref: MemberRef, max_ratio: int) -> tuple[str, str] | None:
    """(stage, reason) of an archive member not read at all (from the central directory
    alone), or None:
    encrypted, compressed by a method other than stored or deflate, or declared to expand more
    than ``max_ratio`` times (zipfile never yields more than the declared size, so the
    declared size bounds what extracting it writes)."""
    if ref.compressed is None:  # a folder's file
        return None
    if ref.encrypted:
        return "read", "encrypted member (a password is required): not read"
    if ref.method not in ACCEPTED_METHODS:
        name = _METHOD_NAMES.get(ref.method, "unknown")
        return "read", (
            f"compression method {ref.method} ({name}) not accepted: only stored and deflate "
            "(the methods of companyfacts.zip) are read"
        )
    if ref.size > max_ratio * max(ref.compressed, 1):
        return "size", (
            f"expands {ref.size / max(ref.compressed, 1):,.0f} times ({ref.compressed:,} bytes "
            f"to {ref.size:,}), more than the limit {max_ratio} (SEC_BULK_MAX_RATIO): not read"
        )
    return None


@dataclass
class ByteBudget:
    """Uncompressed bytes one ingest may read (``SEC_BULK_MAX_TOTAL_MB``)."""

    limit: int
    used: int = 0

    def take(self, size: int) -> str | None:
        """Count ``size`` bytes, or say why not (the budget would be exceeded)."""
        if self.used + size > self.limit:
            return (
                f"past the byte budget of the ingest: {self.used:,} of {self.limit:,} bytes "
                f"already read, this member has {size:,} (SEC_BULK_MAX_TOTAL_MB): not read"
            )
        self.used += size
        return None


def extract(ref: MemberRef, target: Path, limit: int) -> None:
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


def read_headers(
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
                    errors[path] = first_line(error)
    for filename, *rest in found:
        rows.setdefault(filename, []).append(tuple(rest))
    return rows, errors


def check_header(outcome: Outcome, name_cik: int, rows: list[tuple]) -> None:
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


def check_shape(paths: list[str], outcomes: dict[str, Outcome]) -> None:
    """Quarantine the files among ``paths`` whose ``facts`` is missing or not an object."""
    rows, _ = read_headers(paths, shape=True)
    for path in paths:
        for _, _, facts_type in rows.get(path, [])[:1]:
            if facts_type != "OBJECT":
                outcomes[path].quarantine(
                    "shape", f"'facts' is {facts_type or 'missing'}, expected an object"
                )


def _failed_ciks(
    error: pa_errors.SchemaErrors, frame: pl.DataFrame, ciks_of: dict[str, int] | None = None
) -> dict[int, str]:
    """CIK -> description of its first failing row, from pandera's failure cases (frames
    without a ``cik`` column are mapped through ``ciks_of``: ticker -> CIK)."""
    cases = error.failure_cases
    if not isinstance(cases, pl.DataFrame) or "index" not in cases.columns:
        raise error
    cases = cases.filter(pl.col("index").is_not_null())
    if cases.is_empty():
        raise error  # a table-level failure (dtype, missing column): a bug, not a member
    rows = cases["index"].cast(pl.Int64)
    if "cik" in frame.columns:
        ciks = frame["cik"].gather(rows)
    else:
        ciks = frame["ticker"].gather(rows).replace_strict(ciks_of or {}, default=None)
    result: dict[int, str] = {}
    for cik, row in zip(ciks.to_list(), cases.iter_rows(named=True), strict=True):
        if cik not in result:
            value = str(row["failure_case"])[:200]
            result[cik] = (
                f"row {row['index']}: column {row['column']}, rule {row['check']}, value {value}"
            )
    return result


def validate(
    model: type, frame: pl.DataFrame, ciks_of: dict[str, int] | None = None
) -> dict[int, str]:
    try:
        model.validate(frame, lazy=True)  # type: ignore[attr-defined]
    except pa_errors.SchemaErrors as error:
        return _failed_ciks(error, frame, ciks_of)
    return {}
