"""meta.data_as_of, meta.coverage and meta.curated_vs_sec on the frozen snapshot; the SEC
comparison without the reference folder (a fresh clone with no shared/ beside it)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import settings
from pipelines.coverage.build import build_coverage, data_as_of
from pipelines.refresh import failure_messages, run_refresh
from tests.conftest import FIXTURE_RAW


def test_coverage_statuses_and_explained_gaps() -> None:
    company = pl.DataFrame(
        {
            "ticker": ["X", "X", "X"],
            "metric": ["capex"] * 3,
            "calendar_quarter": ["2024Q1", "2024Q2", "2024Q4"],
            "value_usd_m": [1.0, 2.0, 4.0],
            "is_derived": [False, True, False],
            "missing_reason": [None, None, None],
        }
    )
    notes = pl.DataFrame(
        {
            "ticker": ["X"],
            "metric": ["*"],
            "first_quarter": ["2023Q4"],
            "last_quarter": ["2023Q4"],
            "reason": ["not public before 2024"],
        }
    )
    rows = (
        build_coverage(company, notes, "2023Q4")
        .select("calendar_quarter", "status", "explained")
        .rows()
    )
    assert rows == [
        ("2023Q4", "missing", True),  # the note explains it
        ("2024Q1", "present", True),
        ("2024Q2", "derived", True),
        ("2024Q3", "missing", False),  # no row, no note: unexplained
        ("2024Q4", "present", True),
    ]


def test_as_of_is_the_newest_dated_figure() -> None:
    fin = pl.DataFrame(
        {
            "ticker": ["A", "B", "C"],
            "metric": ["revenue"] * 3,
            "value_kind": ["actual"] * 3,
            "fiscal_year": [2025, 2025, 2026],
            "fiscal_quarter": [1, 2, 1],
            "published": [dt.date(2025, 5, 1), dt.date(2025, 8, 1), None],
            "source_title": ["a", "b", "c"],
            "source_url": ["u", "v", "w"],
        }
    )
    row = data_as_of(fin).row(0, named=True)
    assert (row["as_of"], row["ticker"], row["fiscal_period"]) == (
        dt.date(2025, 8, 1),
        "B",
        "FY2025Q2",
    )
    assert (row["financials_rows"], row["undated_rows"]) == (3, 1)


def test_refresh_without_the_sec_reference_folder(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURE_RAW, raw)
    path = tmp_path / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(settings.RAW_DIR_ENV, str(raw))
        mp.setenv(settings.WAREHOUSE_ENV, str(path))
        mp.setenv("LEDGER_REPORTS_DIR", str(tmp_path / "reports"))
        mp.setenv("SEC_REAL_DIR", str(tmp_path / "no-such-folder"))
        mp.delenv("DAGSTER_HOME", raising=False)
        result = run_refresh(
            [
                "raw/companies",
                "raw/financials",
                "marts/capex_quarterly",
                "marts/company_quarterly",
                "meta/curated_vs_sec",
            ]
        )
    assert result.success, failure_messages(result)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["curated_matches_sec_reference"].passed
    assert checks["curated_matches_sec_reference"].metadata["compared"].value == 0
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM meta.curated_vs_sec").fetchone() == (0,)
