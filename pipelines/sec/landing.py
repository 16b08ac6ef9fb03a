"""Land companyfacts files atomically, and only once they parse and pass validation.

A response body goes to a temporary file in the landing folder (same file system), is fsynced,
parsed with the same DuckDB reader as ``sec.facts``, checked (one JSON object, the expected
CIK, at least one fact, :class:`~pipelines.sec.models.FactsModel`), and only then renamed over
the previous file with ``os.replace`` (atomic on POSIX). A truncated, empty or malformed body
never replaces the last good file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandera.errors as pa_errors
import polars as pl

from pipelines.sec.config import Company
from pipelines.sec.models import FactsModel
from pipelines.sec.parse import parse_files, read_entity


class LandingRejected(ValueError):
    """A downloaded body failed validation; the previous landed file was kept."""


@dataclass(frozen=True)
class Landed:
    ticker: str
    path: Path
    bytes: int
    sha256: str
    facts: int
    entity_name: str | None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def validate_file(path: Path, company: Company) -> tuple[pl.DataFrame, str | None]:
    """Parse ``path`` and check it is ``company``'s companyfacts; the facts frame, or
    :class:`LandingRejected` saying why not."""
    if path.stat().st_size == 0:
        raise LandingRejected("empty body")
    try:
        cik, entity, documents = read_entity(path)
    except duckdb.Error as error:
        raise LandingRejected(
            f"not valid companyfacts JSON ({str(error).splitlines()[0]})"
        ) from None
    if documents != 1:
        raise LandingRejected(f"expected one JSON object, found {documents}")
    if cik != company.cik:
        raise LandingRejected(f"cik is {cik}, expected {company.cik} ({company.ticker})")
    try:
        facts = parse_files([path], {company.cik: company.ticker})
    except duckdb.Error as error:
        raise LandingRejected(f"facts do not parse ({str(error).splitlines()[0]})") from None
    if facts.is_empty():
        raise LandingRejected("the file holds no facts")
    try:
        FactsModel.validate(facts, lazy=True)
    except (pa_errors.SchemaErrors, pa_errors.SchemaError) as error:
        raise LandingRejected(f"facts fail FactsModel: {str(error)[:2000]}") from None
    return facts, entity


def land_bytes(body: bytes, company: Company, target: Path) -> Landed:
    """Write ``body`` to ``target`` atomically if it validates; else raise
    :class:`LandingRejected` and leave ``target`` (the last good file) untouched."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        facts, entity = validate_file(temp, company)
        os.replace(temp, target)
        _fsync_dir(target.parent)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return Landed(
        ticker=company.ticker,
        path=target,
        bytes=len(body),
        sha256=hashlib.sha256(body).hexdigest(),
        facts=facts.height,
        entity_name=entity,
    )
