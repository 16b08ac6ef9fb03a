"""Land companyfacts files atomically, and only once they parse and pass validation.

A response body goes to a temporary file in the landing folder (same file system), is fsynced,
parsed with the same DuckDB reader as ``sec.facts``, checked (one JSON object, the expected
CIK, at least one fact, :class:`~pipelines.sec.models.FactsModel`), and only then renamed over
the previous file with ``os.replace`` (atomic on POSIX). A truncated, empty or malformed body
never replaces the last good file. Neither does a file that lost a configured capex or
revenue concept the previous landed file had (the series would silently disappear and the
SEC-vs-curated check would compare nothing).

:func:`land_download` streams the response straight into the temporary file (bounded memory,
size limits enforced by :class:`~pipelines.sec.client.SecClient`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandera.errors as pa_errors
import polars as pl

from pipelines.sec.config import Company
from pipelines.sec.models import FactsModel
from pipelines.sec.parse import parse_files, read_entity
from pipelines.warehouse.swap import fsync_dir

if TYPE_CHECKING:
    from pipelines.sec.client import FetchResult, SecClient


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


def _configured_concepts(facts: pl.DataFrame, company: Company) -> set[str]:
    configured = {
        (taxonomy, concept, unit) for _, _, taxonomy, concept, unit, _ in company.concepts
    }
    present = facts.select("taxonomy", "concept", "unit").unique().rows()
    return {
        concept for taxonomy, concept, unit in present if (taxonomy, concept, unit) in configured
    }


def lost_concepts(facts: pl.DataFrame, previous: Path, company: Company) -> list[str]:
    """Configured concepts (raw/filing_concepts.csv) with facts in the ``previous`` landed file but
    none in ``facts``; empty when there is no readable previous file."""
    if not previous.exists():
        return []
    try:
        old = parse_files([previous], {company.cik: company.ticker})
    except duckdb.Error:
        return []  # the previous file is unreadable: nothing to compare with
    return sorted(_configured_concepts(old, company) - _configured_concepts(facts, company))


def validate_file(
    path: Path, company: Company, previous: Path | None = None
) -> tuple[pl.DataFrame, str | None]:
    """Parse ``path`` and check it is ``company``'s companyfacts (and, given the ``previous``
    landed file, that it keeps every configured concept that file had); the facts frame, or
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
    if previous is not None:
        lost = lost_concepts(facts, previous, company)
        if lost:
            raise LandingRejected(
                f"the new file has no facts of configured concept(s) {', '.join(lost)}, which "
                f"the previous file {previous} has (raw/filing_concepts.csv); a series must not "
                "disappear silently"
            )
    return facts, entity


def _temporary(target: Path) -> tuple[int, Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    return fd, Path(name)


def _publish(temp: Path, company: Company, target: Path, previous: Path | None = None) -> Landed:
    """Validate the fsynced ``temp`` (against ``previous``, default ``target``: the last good
    file) and rename it over ``target``."""
    facts, entity = validate_file(temp, company, previous=previous or target)
    digest = hashlib.sha256()
    with temp.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    size = temp.stat().st_size
    os.replace(temp, target)
    fsync_dir(target.parent)
    return Landed(
        ticker=company.ticker,
        path=target,
        bytes=size,
        sha256=digest.hexdigest(),
        facts=facts.height,
        entity_name=entity,
    )


def land_bytes(body: bytes, company: Company, target: Path) -> Landed:
    """Write ``body`` to ``target`` atomically if it validates; else raise
    :class:`LandingRejected` and leave ``target`` (the last good file) untouched."""
    fd, temp = _temporary(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        return _publish(temp, company, target)
    finally:
        temp.unlink(missing_ok=True)


def land_download(
    client: SecClient, url: str, company: Company, target: Path, previous: Path | None = None
) -> tuple[Landed, FetchResult]:
    """Stream ``url`` into a temporary file beside ``target`` and land it like
    :func:`land_bytes`; a failed download (:class:`~pipelines.sec.client.SecFetchError`) or a
    rejected body leaves ``target`` untouched and no temporary file behind. ``previous``: the
    last good file to compare with when ``target`` is a staging place (default ``target``)."""
    fd, temp = _temporary(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            fetched = client.download(url, handle)
            handle.flush()
            os.fsync(handle.fileno())
        return _publish(temp, company, target, previous), fetched
    finally:
        temp.unlink(missing_ok=True)
