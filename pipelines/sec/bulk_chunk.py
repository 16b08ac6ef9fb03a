"""One chunk of SEC bulk mode (:mod:`pipelines.sec.bulk`): check every member of the chunk
(name, size, ratio, byte budget, extraction, JSON header), parse and derive the good ones
with the connector's own :func:`pipelines.sec.derive.parse_and_derive_all`, validate facts
and derived quarters, quarantine each bad member with its stage and reason, and append the
rest and one ``members`` row per member to the new store (:func:`process_chunk`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from pipelines.sec import store as sec_store
from pipelines.sec.bulk_config import BulkSettings
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
    read_headers,
    unreadable_member,
    validate,
)
from pipelines.sec.bulk_models import BulkMembersModel
from pipelines.sec.config import concept_map
from pipelines.sec.derive import Derived, derive_frame, parse_and_derive_all
from pipelines.sec.models import (
    FactsModel,
    FiscalYearCoverageModel,
    QuarterlyFirstReportedModel,
    QuarterlyModel,
)
from pipelines.sec.parse import FACTS_SCHEMA

#: What DuckDB's JSON reader raises on a bad file (through Arrow's stream reader: OSError).
PARSE_ERRORS = (duckdb.Error, pa.ArrowException, OSError)


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
