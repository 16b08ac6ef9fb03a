"""Each pandera model accepts the shipped file and rejects bad input with the right message."""

import csv
from pathlib import Path

import pytest

from pipelines.raw.datasets import BY_NAME, DATASETS
from pipelines.raw.validation import Problem, validate_file


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def problems_for(raw_copy: Path, name: str) -> list[Problem]:
    dataset = BY_NAME[name]
    return validate_file(raw_copy / dataset.filename, dataset.model).problems


def find(rows: list[dict[str, str]], **match: str) -> int:
    for index, row in enumerate(rows):
        if all(row[k] == v for k, v in match.items()):
            return index
    raise AssertionError(f"no row {match}")


@pytest.mark.parametrize("dataset", [d for d in DATASETS], ids=lambda d: d.name)
def test_shipped_files_are_valid(dataset, raw_copy: Path) -> None:
    result = validate_file(raw_copy / dataset.filename, dataset.model)
    assert result.problems == []
    assert result.frame is not None
    assert result.frame.height == len(rows_of(raw_copy / dataset.filename))


def test_wrong_type_names_row_column_value(raw_copy: Path) -> None:
    path = raw_copy / "financials.csv"
    rows = rows_of(path)
    i = find(
        rows,
        ticker="MSFT",
        metric="capex_additions_to_pp_e",
        fiscal_year="2025",
        fiscal_quarter="4",
        basis="discrete",
    )
    rows[i]["value"] = "17,079"
    write_rows(path, rows)
    [problem] = problems_for(raw_copy, "financials")
    assert (problem.row, problem.column, problem.value) == (i + 2, "value", "17,079")
    assert "must be a number" in problem.rule
    assert str(problem).startswith(f"{path}, row {i + 2}, column 'value', value '17,079'")


def test_negative_capex_rejected(raw_copy: Path) -> None:
    path = raw_copy / "financials.csv"
    rows = rows_of(path)
    i = find(
        rows,
        ticker="GOOGL",
        metric="capex_purchases_pp_e",
        fiscal_year="2025",
        fiscal_quarter="2",
        basis="discrete",
    )
    rows[i]["value"] = "-22446"
    write_rows(path, rows)
    problems = problems_for(raw_copy, "financials")
    assert any(
        p.row == i + 2 and p.column == "value" and "must not be negative" in p.rule
        for p in problems
    )


def test_duplicate_key_rejected(raw_copy: Path) -> None:
    path = raw_copy / "financials.csv"
    rows = rows_of(path)
    rows.append(dict(rows[0]))
    write_rows(path, rows)
    problems = problems_for(raw_copy, "financials")
    dupes = [p for p in problems if p.rule.startswith("duplicate key")]
    assert {p.row for p in dupes} == {2, len(rows) + 1}
    assert (
        "ticker, metric, value_kind, basis, fiscal_year, fiscal_quarter, published" in dupes[0].rule
    )


def test_unknown_ticker_rejected(raw_copy: Path) -> None:
    path = raw_copy / "financials.csv"
    rows = rows_of(path)
    rows[3]["ticker"] = "NVDX"
    write_rows(path, rows)
    problems = problems_for(raw_copy, "financials")
    assert any(
        p.row == 5
        and p.column == "ticker"
        and p.value == "NVDX"
        and "must exist in raw.companies" in p.rule
        for p in problems
    )


def test_guidance_low_above_high_rejected(raw_copy: Path) -> None:
    path = raw_copy / "capex_guidance.csv"
    rows = rows_of(path)
    i = next(k for k, r in enumerate(rows) if r["low_usd_m"] and r["high_usd_m"])
    rows[i]["low_usd_m"] = str(float(rows[i]["high_usd_m"]) + 1000)
    write_rows(path, rows)
    problems = problems_for(raw_copy, "capex_guidance")
    assert [(p.row, p.column, p.rule) for p in problems] == [
        (i + 2, "low_usd_m", "guidance low <= mid <= high")
    ]


def test_period_end_off_fiscal_calendar_rejected(raw_copy: Path) -> None:
    path = raw_copy / "financials.csv"
    rows = rows_of(path)
    # Broadcom FY2025 Q2 ended Sunday 4 May 2025; a calendar month end is wrong for Broadcom.
    i = find(
        rows,
        ticker="AVGO",
        metric="revenue",
        value_kind="actual",
        fiscal_year="2025",
        fiscal_quarter="2",
    )
    rows[i]["period_end"] = "2025-04-30"
    write_rows(path, rows)
    problems = problems_for(raw_copy, "financials")
    assert [(p.row, p.column, p.value) for p in problems if "fiscal calendar" in p.rule] == [
        (i + 2, "period_end", "2025-04-30")
    ]


def test_missing_column_rejected(raw_copy: Path) -> None:
    path = raw_copy / "companies.csv"
    rows = rows_of(path)
    for row in rows:
        del row["cik"]
    write_rows(path, rows)
    [problem] = problems_for(raw_copy, "companies")
    assert (problem.row, problem.column, problem.rule) == (
        1,
        "cik",
        "required column is missing from the header",
    )


def test_empty_file_rejected(raw_copy: Path) -> None:
    (raw_copy / "claims.csv").write_bytes(b"")
    [problem] = problems_for(raw_copy, "claims")
    assert problem.rule.startswith("file is empty")
    assert problem.row is None


def test_header_only_file_rejected(raw_copy: Path) -> None:
    path = raw_copy / "companies.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    [problem] = problems_for(raw_copy, "companies")
    assert problem.rule == "file has a header but no data rows"


def test_non_utf8_bytes_rejected(raw_copy: Path) -> None:
    path = raw_copy / "companies.csv"
    data = path.read_bytes().splitlines(keepends=True)
    data[2] = (
        data[2].replace(b"Amazon", b"Amaz\xe9n")
        if b"Amazon" in data[2]
        else data[2][:5] + b"\xe9" + data[2][5:]
    )
    path.write_bytes(b"".join(data))
    [problem] = problems_for(raw_copy, "companies")
    assert problem.row == 3
    assert "not valid UTF-8" in problem.rule
    assert problem.value == "e9"


def test_all_problems_reported_at_once(raw_copy: Path) -> None:
    path = raw_copy / "financials.csv"
    rows = rows_of(path)
    rows[0]["value"] = "abc"
    rows[1]["basis"] = "quarterly"
    rows[2]["unit"] = "EUR_m"
    write_rows(path, rows)
    problems = problems_for(raw_copy, "financials")
    assert {(p.row, p.column) for p in problems} >= {(2, "value"), (3, "basis"), (4, "unit")}


def test_ytd_smaller_than_previous_quarter_rejected(raw_copy: Path) -> None:
    path = raw_copy / "financials.csv"
    rows = rows_of(path)
    i = next(
        k
        for k, r in enumerate(rows)
        if r["basis"] == "ytd"
        and r["value_kind"] == "actual"
        and r["fiscal_quarter"] == "2"
        and r["unit"] == "USD_m"
        and any(
            o["ticker"] == r["ticker"]
            and o["metric"] == r["metric"]
            and o["fiscal_year"] == r["fiscal_year"]
            and o["fiscal_quarter"] == "1"
            and o["basis"] == "discrete"
            and o["value_kind"] == "actual"
            for o in rows
        )
    )
    rows[i]["value"] = "1"
    write_rows(path, rows)
    problems = problems_for(raw_copy, "financials")
    assert any(p.row == i + 2 and "year-to-date" in p.rule for p in problems)


def test_a_dated_title_needs_a_date(raw_copy: Path) -> None:
    """The danyu1 row of Amazon's 2023Q1 purchases (14,207): its title states the file's
    snapshot date 2026-01-14, so it cannot be undated; a period end in a title is no date."""
    path = raw_copy / "financials.csv"
    rows = rows_of(path)
    i = find(rows, ticker="AMZN", metric="capex_purchases_pp_e", fiscal_year="2023",
             fiscal_quarter="1", basis="discrete")  # fmt: skip
    assert (rows[i]["value"], rows[i]["published_before"]) == ("14207", "2026-01-14")
    rows[i]["published_before"] = ""
    write_rows(path, rows)
    [problem] = problems_for(raw_copy, "financials")
    title = rows[i]["source_title"]
    assert "snapshot 2026-01-14" in title
    assert (problem.row, problem.column, problem.value) == (i + 2, "source_title", title)
    assert str(problem) == (
        f"{path}, row {i + 2}, column 'source_title', value '{title}': source_title states a "
        "date, so published (the day the figure became public) or published_before (the "
        "document's date, for a figure public earlier) must be set"
    )
    # the same in the other printed forms of a date
    for date in ("Jan. 14, 2026", "January 14, 2026", "14 Jan 2026"):
        rows[i]["source_title"] = f"danyu1/bridgewater_forecasting (snapshot {date})"
        write_rows(path, rows)
        assert [p.column for p in problems_for(raw_copy, "financials")] == ["source_title"]
    # a period's end is not the document's date; published alone is enough
    rows[i]["source_title"] = "Amazon 10-Q for the quarter ended 2023-03-31 (copy)"
    write_rows(path, rows)
    assert problems_for(raw_copy, "financials") == []
    rows[i]["source_title"], rows[i]["published"] = title, "2023-04-27"
    write_rows(path, rows)
    assert problems_for(raw_copy, "financials") == []
