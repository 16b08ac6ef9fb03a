"""The bad-input matrix extended to the formats added since it was written: groups, group
members, coverage notes and fiscal-calendar rules (issue 21).

Each case breaks one file of a private copy of the raw snapshot and runs the validation
function on it (:func:`validate_file`, what the raw asset runs; no Dagster run per case): the
file must be rejected with a problem that names the file, the line, the column and the value
(a header problem: line 1 and the column). The rule's wording is the validator's and is not
pinned here, except for rules this matrix was written with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines import settings
from pipelines.raw.datasets import BY_NAME
from pipelines.raw.validation import validate_file
from tests.test_bad_input_matrix import (
    Expect,
    add_column,
    cell,
    drop_column,
    duplicate,
    header_only,
)


@dataclass(frozen=True)
class Case:
    id: str
    dataset: str
    edit: Callable[[Path], Expect]
    rule: str | None = None  # a part of the rule, where pinned


def calendar(rule: str) -> Callable[[Path], Expect]:
    return cell("fiscal_calendar", rule)  # the first company


G, M, N, C = "groups", "group_members", "coverage_notes", "companies"
CASES = [
    # groups.csv
    Case("fmt-grp-lowercase-name", G, cell("group_name", "peers")),
    Case("fmt-grp-name-too-long", G, cell("group_name", "G" * 33)),
    Case("fmt-grp-name-starts-with-digit", G, cell("group_name", "1PEERS")),
    Case("fmt-grp-description-short", G, cell("description", "ab")),
    Case("fmt-grp-missing-description-column", G, drop_column("description")),
    Case("fmt-grp-header-only", G, header_only, "file has a header but no data rows"),
    # group_members.csv
    Case("fmt-gm-blank-ticker", M, cell("ticker", ""), "value is required"),
    Case("fmt-gm-blank-group", M, cell("group_name", ""), "value is required"),
    Case("fmt-gm-lowercase-ticker", M, cell("ticker", "nvda"), "ticker must exist"),
    Case(
        "fmt-gm-group-in-other-case",
        M,
        cell("group_name", "mamg"),
        "group_name must exist in raw.groups",
    ),
    Case("fmt-gm-extra-column", M, add_column("weight")),
    # coverage_notes.csv
    Case("fmt-notes-quarter-five", N, cell("last_quarter", "2024Q5")),
    Case("fmt-notes-reason-short", N, cell("reason", "no data")),
    Case("fmt-notes-source-blank", N, cell("source", ""), "value is required"),
    Case("fmt-notes-duplicate", N, duplicate(None), "duplicate key"),
    Case("fmt-notes-metric-upper-case", N, cell("metric", "CAPEX")),
    Case("fmt-notes-missing-reason-column", N, drop_column("reason")),
    # fiscal-calendar rules (companies.csv, column fiscal_calendar)
    Case("fmt-cal-blank", C, calendar(""), "value is required"),
    Case("fmt-cal-unknown-kind", C, calendar("week_end:dec")),
    Case("fmt-cal-unknown-month", C, calendar("month_end:dez")),
    Case("fmt-cal-month-number", C, calendar("month_end:12")),
    Case("fmt-cal-unknown-weekday", C, calendar("nearest:sunday:oct-31:q1")),
    Case("fmt-cal-anchor-without-dash", C, calendar("nearest:sun:oct31:q1")),
    Case("fmt-cal-no-such-day", C, calendar("nearest:sun:feb-30:q1")),
    Case("fmt-cal-february-29", C, calendar("nearest:sun:feb-29:q1")),
    Case("fmt-cal-week53-quarter-five", C, calendar("last:sun:jan:q5")),
    Case("fmt-cal-missing-part", C, calendar("last:sun:jan")),
    Case("fmt-cal-extra-part", C, calendar("month_end:dec:q4")),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input_in_the_newer_formats(case: Case, raw_copy: Path) -> None:
    dataset = BY_NAME[case.dataset]
    path = raw_copy / dataset.filename
    expect = case.edit(path)
    result = validate_file(path, dataset.model)
    assert not result.ok and result.frame is None
    where = (expect.row, expect.column, expect.value)
    there = [p for p in result.problems if (p.row, p.column, p.value) == where]
    assert there, [str(p) for p in result.problems]
    assert all(str(p).startswith(str(path)) for p in there)
    if case.rule is not None:
        assert any(case.rule in p.rule for p in there), [str(p) for p in there]


def test_the_matrix_covers_the_newer_formats() -> None:
    assert {c.dataset for c in CASES} == {G, M, N, C}
    assert len({c.id for c in CASES}) == len(CASES)


def test_the_docs_name_every_case() -> None:
    doc = (settings.REPO_ROOT / "docs" / "reliability-inputs.md").read_text(encoding="utf-8")
    assert [c.id for c in CASES if f"`{c.id}`" not in doc] == []
