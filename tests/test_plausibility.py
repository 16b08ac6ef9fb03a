"""Class 8 of issue 21: plausibility bounds on every value and date.

- SEC quarters (``sec.quarterly``, ``sec.quarterly_as_first_reported``, also bulk mode): the
  value is finite, ``value_usd_m`` within ±10,000,000 (USD 10 trillion in a quarter) for every
  metric, revenue never negative (capex is also compared with the curated figures).
- Document dates (``published``, ``published_before``, guidance ``given_on`` /
  ``given_before`` / ``reported_on``, companies ``source_date``, sources ``published``, claims
  ``publish_date``): from 2000-01-01 to today (UTC, plus one day): a far-future
  ``published`` no longer becomes the data-as-of date.
- A claim may not name itself as its related claim; a group needs members; a coverage note
  must name a metric of ``marts.company_quarterly`` (or ``*``).

Raw cases validate one broken file with :func:`validate_file` (no Dagster run); SEC cases
validate one quarter with the pandera models the connector and bulk mode use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandera.errors as pa_errors
import polars as pl
import pytest

from pipelines import settings
from pipelines.raw.datasets import BY_NAME
from pipelines.raw.validation import validate_file
from pipelines.sec.models import QuarterlyFirstReportedModel, QuarterlyModel
from tests.test_bad_input_matrix import Expect, Row, cell, read, write

TODAY = dt.datetime.now(dt.UTC).date()
NEXT_YEAR = str(TODAY + dt.timedelta(days=366))


def future_published_before(path: Path) -> Expect:
    """An undated figure (published empty) said to be public by a date years ahead."""
    header, rows = read(path)
    index = next(i for i, r in enumerate(rows) if r["published"])
    rows[index]["published"], rows[index]["published_before"] = "", "2999-12-31"
    return Expect(write(path, header, rows)[index], "published_before", "2999-12-31")


def related_to_itself(in_list: bool) -> Callable[[Path], Expect]:
    def edit(path: Path) -> Expect:
        header, rows = read(path)
        own = rows[1]["claim_id"]
        value = f"{rows[0]['claim_id']};{own}" if in_list else own
        rows[1]["related_claim_ids"] = value
        return Expect(write(path, header, rows)[1], "related_claim_ids", value)

    return edit


def group_without_members(path: Path) -> Expect:
    header, rows = read(path)
    rows.append({"group_name": "EMPTY_GROUP", "description": "A group nobody belongs to"})
    return Expect(write(path, header, rows)[-1], "group_name", "EMPTY_GROUP")


def members_all_removed(path: Path) -> Expect:
    """Every member row of the first group removed from group_members.csv; groups.csv is
    validated and names the group."""
    header, rows = read(path)
    name = rows[0]["group_name"]
    members = path.with_name("group_members.csv")
    m_header, m_rows = read(members)
    write(members, m_header, [r for r in m_rows if r["group_name"] != name])
    return Expect(write(path, header, rows)[0], "group_name", name)


def dated(column: str, value: str, where: Callable[[Row], bool] | None = None):  # type: ignore[no-untyped-def]
    return cell(column, value, where or (lambda r: bool(r[column])))


@dataclass(frozen=True)
class Case:
    id: str
    dataset: str
    edit: Callable[[Path], Expect | None]
    rule: str | None  # None: accepted


DATE = "a document cannot be dated in the future"
CASES = [
    # published dates bounded
    Case("fin-published-far-future", "financials", dated("published", "2999-01-01"), DATE),
    Case("fin-published-next-year", "financials", dated("published", NEXT_YEAR), DATE),
    Case("fin-published-before-2000", "financials", dated("published", "1999-12-31"), DATE),
    Case("fin-published-before-far-future", "financials", future_published_before, DATE),
    Case("fin-published-today-accepted", "financials", dated("published", str(TODAY)), None),
    Case("guid-reported-far-future", "capex_guidance", dated("reported_on", "2999-01-01"), DATE),
    Case("guid-given-on-1990", "capex_guidance", dated("given_on", "1990-01-01"), DATE),
    Case("comp-source-date-future", "companies", dated("source_date", "2999-01-01"), DATE),
    Case("accs-published-future", "accelerator_sources", cell("published", "2999-01-01"), DATE),
    Case("syss-published-future", "system_sources", cell("published", "2999-01-01"), DATE),
    Case("claims-publish-date-future", "claims", cell("publish_date", "2999-01-01 10:00"), DATE),
    Case("claims-publish-date-no-such-day", "claims", cell("publish_date", "2025-02-30"), DATE),
    Case(
        "claims-stated-value-1e30",
        "claims",
        cell("stated_value", "1e30"),
        "stated_value must be within ±1,000,000,000,000",
    ),
    # references that cannot hold
    Case(
        "claims-related-to-itself",
        "claims",
        related_to_itself(False),
        "a claim must not name itself in related_claim_ids",
    ),
    Case(
        "claims-related-to-itself-in-a-list",
        "claims",
        related_to_itself(True),
        "a claim must not name itself in related_claim_ids",
    ),
    Case("grp-no-members", "groups", group_without_members, "a group needs at least one member"),
    Case("grp-members-removed", "groups", members_all_removed, "a group needs at least one member"),
    Case(
        "notes-unknown-metric",
        "coverage_notes",
        cell("metric", "capex_typo"),
        "metric must be a metric of marts.company_quarterly",
    ),
    Case(
        "notes-metric-not-in-company-marts",
        "coverage_notes",
        cell("metric", "rpo"),
        "metric must be a metric of marts.company_quarterly",
    ),
    Case("notes-all-metrics-accepted", "coverage_notes", cell("metric", "*"), None),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_implausible_raw_values_are_rejected(case: Case, raw_copy: Path) -> None:
    dataset = BY_NAME[case.dataset]
    path = raw_copy / dataset.filename
    expect = case.edit(path)
    result = validate_file(path, dataset.model)
    if case.rule is None:
        assert result.ok, [str(p) for p in result.problems]
        return
    assert not result.ok and expect is not None
    hits = [(p.row, p.column, p.value) for p in result.problems if case.rule in p.rule]
    assert (expect.row, expect.column, expect.value) in hits, [str(p) for p in result.problems]


# ---------------------------------------------------------------------- SEC quarters
def quarter(**change: object) -> pl.DataFrame:
    row = {
        "ticker": "NVDA",
        "cik": 1045810,
        "metric": "revenue",
        "taxonomy": "us-gaap",
        "concept": "Revenues",
        "unit": "USD",
        "fiscal_year": 2025,
        "fiscal_quarter": 1,
        "period_start": dt.date(2024, 1, 29),
        "period_end": dt.date(2024, 4, 28),
        "calendar_quarter": "2024Q1",
        "value": 26_044_000_000.0,
        "value_usd_m": 26_044.0,
        "decimals": -6,
        "method": "discrete",
        "vintage": "latest",
        "vintage_note": None,
        "accn": "0001045810-24-000124",
        "form": "10-Q",
        "filed": dt.date(2024, 5, 29),
        "subtracted_accn": None,
        "subtracted_form": None,
        "subtracted_filed": None,
        "known_since": dt.date(2024, 5, 29),
        "last_filed": dt.date(2024, 5, 29),
    }
    row.update(change)
    text = ("vintage_note", "subtracted_accn", "subtracted_form")
    schema = {name: pl.Utf8 for name in text} | {
        "subtracted_filed": pl.Date,
        "value_usd_m": pl.Float64,
    }
    return pl.DataFrame([row]).with_columns(pl.col(n).cast(t) for n, t in schema.items())


def usd(value: float, **change: object) -> dict[str, object]:
    return {"value": value, "value_usd_m": value / 1e6, **change}


@dataclass(frozen=True)
class SecCase:
    id: str
    change: dict[str, object]
    rule: str | None  # None: accepted
    model: type = QuarterlyModel
    check: str | None = None  # the check's function name


SEC_CASES = [
    SecCase("sec-revenue-negative", usd(-5e9), "revenue must not be negative"),
    SecCase("sec-revenue-huge", usd(1e20), "value_usd_m must be within ±10,000,000"),
    SecCase(
        "sec-capex-huge", usd(1e20, metric="capex_purchases_pp_e"), "value_usd_m must be within"
    ),
    SecCase("sec-value-inf", usd(float("inf")), "value must be a finite number"),
    SecCase("sec-value-nan", {"value": float("nan")}, "value must be a finite number"),
    SecCase(
        "sec-first-reported-revenue-negative",
        usd(-5e9, vintage="first_reported"),
        "revenue must not be negative",
        QuarterlyFirstReportedModel,
        "not_negative",
    ),
    SecCase("sec-revenue-zero-accepted", usd(0.0), None),
    SecCase("sec-foreign-currency-large-accepted", usd(5e15, unit="JPY", value_usd_m=None), None),
]


@pytest.mark.parametrize("case", SEC_CASES, ids=lambda c: c.id)
def test_implausible_sec_quarters_are_rejected(case: SecCase) -> None:
    frame = quarter(**case.change)
    if case.rule is None:
        case.model.validate(frame, lazy=True)
        return
    with pytest.raises(pa_errors.SchemaErrors) as caught:
        case.model.validate(frame, lazy=True)
    checks = caught.value.failure_cases["check"].cast(pl.Utf8).to_list()
    # pandera names an inherited check (QuarterlyFirstReportedModel) by its function at times
    assert any(case.rule in c or c == case.check for c in checks), checks


def test_a_valid_quarter_passes() -> None:
    QuarterlyModel.validate(quarter(), lazy=True)


def test_the_docs_name_every_case() -> None:
    doc = (settings.REPO_ROOT / "docs" / "reliability-inputs.md").read_text(encoding="utf-8")
    ids = [c.id for c in CASES] + [c.id for c in SEC_CASES]
    assert [i for i in ids if f"`{i}`" not in doc] == []


def test_the_coverage_rule_names_the_metrics_of_the_company_mart(
    refreshed_warehouse: Path,
) -> None:
    import duckdb

    from pipelines.raw.models import CoverageNotesModel

    checks = CoverageNotesModel.to_schema().columns["metric"].checks
    [name] = [c.name for c in checks if (c.name or "").startswith("metric must be")]
    named = (name or "").split("(")[1].split(")")[0].split(", ")
    assert named[0] == "capex"
    with duckdb.connect(str(refreshed_warehouse), read_only=True) as con:
        rows = con.execute("SELECT DISTINCT metric FROM marts.company_quarterly").fetchall()
    in_mart = {m for (m,) in rows}
    assert in_mart <= set(named)  # every metric the mart has may be named by a note
