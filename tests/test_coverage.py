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
from pipelines.calendar.quarters import fiscal_quarter_rows
from pipelines.refresh import failure_messages, run_refresh
from tests.sqlmodel import run_model

#: NVIDIA's FY2027 figures as in raw/financials.csv: Q1 revenue from the SEC companyfacts copy
#: (a filing), Q2 revenue from the 10-Q, Q2 data-center revenue and Q3 revenue guidance only
#: from a claim list and a code file asserting the outlook's text (claim lists).
NVDA_FY2027 = [
    ("revenue", "actual", 1, 81615.0, dt.date(2026, 5, 20), "filing"),
    ("revenue", "actual", 2, 96221.0, dt.date(2026, 8, 26), "filing"),
    ("data_center_revenue", "actual", 2, 89023.0, dt.date(2026, 8, 26), "claim_list"),
    ("revenue", "guidance_mid", 3, 108000.0, dt.date(2026, 8, 26), "claim_list"),
]


def _nvda(metric: str, kind: str, q: int, value: float, day: dt.date, source_type: str) -> dict:
    return {
        "ticker": "NVDA",
        "metric": metric,
        "value_kind": kind,
        "basis": "discrete",
        "fiscal_year": 2027,
        "fiscal_quarter": q,
        "value": value,
        "unit": "USD_m",
        "published": day,
        "source_title": f"NVDA {metric} FY2027Q{q} ({source_type})",
        "source_url": "https://example.invalid/nvda",
        "source_type": source_type,
    }


def _nvda_figure(*figure: object) -> dict:
    """A row of staging.figures: the raw row and its is_verified."""
    row = _nvda(*figure)  # type: ignore[arg-type]
    return {**row, "is_verified": row["source_type"] not in ("claim_list", "machine_summary")}


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
            "staging.figures": [],
            "staging.fiscal_quarters": [],
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
            "source_type": "filing",
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


def test_an_unverified_figure_never_sets_the_as_of_date() -> None:
    # without the 10-Q's revenue, 2026-08-26 rests only on claim lists: as of is Q1's 2026-05-20
    fin = [_nvda(*f) for f in NVDA_FY2027 if f[2] != 2 or f[0] != "revenue"]
    [row] = run_model("meta.data_as_of", {"raw.financials": fin})
    assert (row["as_of"], row["metric"], row["fiscal_period"]) == (
        dt.date(2026, 5, 20),
        "revenue",
        "FY2027Q1",
    )
    # with it, the same date, set by the verified figure (data_center_revenue sorts first)
    [row] = run_model("meta.data_as_of", {"raw.financials": [_nvda(*f) for f in NVDA_FY2027]})
    assert (row["as_of"], row["metric"], row["value_kind"], row["fiscal_period"]) == (
        dt.date(2026, 8, 26),
        "revenue",
        "actual",
        "FY2027Q2",
    )
    assert (row["financials_rows"], row["undated_rows"]) == (4, 0)


def test_coverage_lists_unverified_figures_with_a_typed_reason() -> None:
    rows = run_model(
        "meta.coverage",
        {
            "marts.company_quarterly": [],
            "raw.coverage_notes": [],
            "staging.coverage_settings": [{"from_quarter": "2025Q1"}],
            "staging.figures": [_nvda_figure(*f) for f in NVDA_FY2027],
            "staging.fiscal_quarters": fiscal_quarter_rows("NVDA", "last:sun:jan:q4", 2027, 2027),
        },
    )
    assert [
        (r["metric"], r["value_kind"], r["calendar_quarter"], r["value_usd_m"], r["status"])
        + (r["unverified_reason"],)
        for r in rows
    ] == [
        # FY2027 Q2 ends 2026-07-26 (calendar 2026Q2), Q3 ends 2026-10-25 (2026Q3)
        ("data_center_revenue", "actual", "2026Q2", 89023.0, "unverified", "claim_list"),
        ("revenue", "guidance_mid", "2026Q3", 108000.0, "unverified", "claim_list"),
    ]
    assert rows[0]["reason"] == (
        "only source is a claim list: NVDA data_center_revenue FY2027Q2 (claim_list)"
    )


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
