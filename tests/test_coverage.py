"""meta.coverage and meta.data_as_of on fixture rows (the SQL models, in milliseconds);
meta.curated_vs_sec without the SEC reference folder (a fresh clone with no shared/ beside it),
rebuilt on a copy of the session's refreshed warehouse."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines import settings
from pipelines.refresh import failure_messages, run_refresh
from tests.sqlmodel import run_model


def test_coverage_statuses_and_explained_gaps() -> None:
    company = [
        {"ticker": "X", "metric": "capex", "calendar_quarter": q, "value_usd_m": v, "is_derived": d}
        for q, v, d in [("2024Q1", 1.0, False), ("2024Q2", 2.0, True), ("2024Q4", 4.0, False)]
    ]
    notes = [
        {
            "ticker": "X",
            "metric": "*",
            "first_quarter": "2023Q4",
            "last_quarter": "2023Q4",
            "reason": "not public before 2024",
        }
    ]
    rows = run_model(
        "meta.coverage",
        {
            "marts.company_quarterly": company,
            "raw.coverage_notes": notes,
            "staging.coverage_settings": [{"from_quarter": "2023Q4"}],
        },
    )
    assert [(r["calendar_quarter"], r["status"], r["explained"]) for r in rows] == [
        ("2023Q4", "missing", True),  # the note explains it
        ("2024Q1", "present", True),
        ("2024Q2", "derived", True),
        ("2024Q3", "missing", False),  # no row, no note: unexplained
        ("2024Q4", "present", True),
    ]


def test_as_of_is_the_newest_dated_figure() -> None:
    fin = [
        {
            "ticker": t,
            "metric": "revenue",
            "value_kind": "actual",
            "fiscal_year": y,
            "fiscal_quarter": q,
            "published": p,
            "source_title": title,
            "source_url": url,
        }
        for t, y, q, p, title, url in [
            ("A", 2025, 1, dt.date(2025, 5, 1), "a", "u"),
            ("B", 2025, 2, dt.date(2025, 8, 1), "b", "v"),
            ("C", 2026, 1, None, "c", "w"),
        ]
    ]
    [row] = run_model("meta.data_as_of", {"raw.financials": fin})
    assert (row["as_of"], row["ticker"], row["fiscal_period"]) == (
        dt.date(2025, 8, 1),
        "B",
        "FY2025Q2",
    )
    assert (row["financials_rows"], row["undated_rows"]) == (3, 1)


def test_refresh_without_the_sec_reference_folder(
    tmp_path: Path, refreshed_warehouse: Path
) -> None:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(refreshed_warehouse, path)  # the marts it reads are there already
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(settings.WAREHOUSE_ENV, str(path))
        mp.setenv("LEDGER_REPORTS_DIR", str(tmp_path / "reports"))
        mp.setenv("SEC_REAL_DIR", str(tmp_path / "no-such-folder"))
        mp.delenv("DAGSTER_HOME", raising=False)
        result = run_refresh(["meta/curated_vs_sec"])
    assert result.success, failure_messages(result)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["curated_matches_sec_reference"].passed
    assert checks["curated_matches_sec_reference"].metadata["failing_rows"].value == 0
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM meta.curated_vs_sec").fetchone() == (0,)
