"""Growth and period arithmetic, in the SQL that now holds it: the macros of sql/macros/*.sql
(pct_change, share_pct, quarter arithmetic, claim_cagr_pct, claim_fiscal_label) on an
in-memory DuckDB, and the discrete-quarter derivation (staging.discrete_quarters) and the
trailing twelve months (marts.capex_quarterly) run on a few rows with tests/sqlmodel.py.
Same hand-computed values as the tests of the old pipelines/marts/growth.py."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from pipelines.calendar.quarters import fiscal_quarter_rows
from pipelines.settings import SQL_DIR
from pipelines.sqlmodels.contract import ContractError
from tests.sqlmodel import TODAY, run_model


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for macros in sorted((SQL_DIR / "macros").glob("*.sql")):
        con.execute(macros.read_text(encoding="utf-8"))
    return con


def scalar(con: duckdb.DuckDBPyConnection, expression: str, params: list | None = None) -> Any:
    row = con.execute(f"SELECT {expression}", params or []).fetchone()
    assert row is not None
    return row[0]


# ------------------------------------------------------------------ pct_change, share_pct
def test_pct_change_basic(con) -> None:
    # Microsoft FY2025 Q4 vs FY2024 Q4 cash additions to PP&E (raw/financials.csv)
    growth = scalar(con, "pct_change(?::DOUBLE, ?::DOUBLE)", [17079, 13873])
    assert growth == pytest.approx((17079 / 13873 - 1) * 100)
    assert growth == pytest.approx(23.10964, abs=1e-5)
    assert scalar(con, "pct_change(90.0, 100.0)") == pytest.approx(-10.0)


@pytest.mark.parametrize("current, base", [(None, 100.0), (100.0, None), (None, None), (5.0, 0.0)])
def test_pct_change_is_null_without_both_sides_or_with_zero_base(con, current, base) -> None:
    assert scalar(con, "pct_change(?::DOUBLE, ?::DOUBLE)", [current, base]) is None


def test_share(con) -> None:
    assert scalar(con, "share_pct(5200.0, 15952.0)") == pytest.approx(5200 / 15952 * 100)
    assert scalar(con, "share_pct(1.0, 0.0)") is None
    assert scalar(con, "share_pct(NULL::DOUBLE, 10.0)") is None


def test_cagr_of_the_seed_energy_figures(con) -> None:
    # seed A7: 55.1 TWh (2024) -> 146.2 TWh (2027); the article states 44.8 %
    expected = ((146.2 / 55.1) ** (1 / 3) - 1) * 100
    cagr = scalar(con, "claim_cagr_pct(55.1::DOUBLE, 146.2::DOUBLE, 3)")
    assert cagr == pytest.approx(expected)
    assert cagr == pytest.approx(38.44, abs=0.01)
    assert scalar(con, "claim_cagr_pct(0.0::DOUBLE, 10.0::DOUBLE, 3)") is None
    assert scalar(con, "claim_cagr_pct(NULL::DOUBLE, 10.0::DOUBLE, 3)") is None


# ------------------------------------------------------------------ period arithmetic
def test_period_helpers(con) -> None:
    # quarter labels shift across years (the fiscal-quarter arithmetic is the same index)
    assert scalar(con, "shift_quarter('2025Q1', -1)") == "2024Q4"
    assert scalar(con, "shift_quarter('2025Q4', 1)") == "2026Q1"
    assert scalar(con, "shift_quarter('2025Q3', -4)") == "2024Q3"
    assert scalar(con, "claim_fiscal_label(2025, 3)") == "FY2025Q3"
    assert scalar(con, "claim_fiscal_label(2025, NULL)") == "FY2025"
    # every quarter from one label to another (how capex_quarterly spans a company's rows)
    between = scalar(
        con,
        "[quarter_label(i) FOR i IN range(quarter_index('2024Q3'), quarter_index('2025Q2') + 1)]",
    )
    assert between == ["2024Q3", "2024Q4", "2025Q1", "2025Q2"]


# ------------------------------------------------------------------ discrete quarters
FISCAL_QUARTERS = fiscal_quarter_rows("T", "month_end:dec", 2022, 2026)
NAMES = {2: "H1", 3: "9M", 4: "FY"}


def derive(discrete: dict[int, float], cumulative: dict[int, float]) -> dict[int, tuple]:
    """staging.discrete_quarters on one fiscal year's reported quarters and year-to-date
    figures (2 = H1, 3 = 9M, 4 = FY): {quarter: (value, method)}."""
    periods = [("discrete", q, v, f"Q{q}") for q, v in discrete.items()]
    periods += [("cumulative", k, v, NAMES.get(k, f"YTD{k}")) for k, v in cumulative.items()]
    rows = [
        {
            "as_of": TODAY,
            "ticker": "T",
            "metric": "capex_additions_to_pp_e",
            "fiscal_year": 2024,
            "kind": kind,
            "fiscal_quarter": q,
            "period": name,
            "value": value,
            "is_exact": True,
            "year_periods": "",
            "source_kind": "curated",
            "source_ref": f"https://example.org/{name}",
        }
        for kind, q, value, name in periods
    ]
    out = run_model(
        "staging.discrete_quarters",
        {"as_of.reported_periods": rows, "staging.fiscal_quarters": FISCAL_QUARTERS},
    )
    assert all(r["is_derived"] == (r["method"] is not None) for r in out)
    return {r["fiscal_quarter"]: (r["value"], r["method"]) for r in out}


def test_q2_from_h1_minus_q1_and_q3_from_9m_minus_h1() -> None:
    assert derive({1: 10.0}, {2: 25.0, 3: 40.0}) == {
        1: (10.0, None),
        2: (15.0, "Q2 = H1 - Q1 = 25 - 10"),
        3: (15.0, "Q3 = 9M - H1 = 40 - 25"),
    }


def test_q4_from_full_year_minus_nine_months() -> None:
    # Amazon 2023 purchases of PP&E: FY 52,729, nine months 38,141 (raw/financials.csv)
    result = derive({3: 12479.0}, {3: 38141.0, 4: 52729.0})
    assert result[4] == (52729 - 38141, "Q4 = FY - 9M = 52729 - 38141")
    assert result[4][0] == 14588
    assert set(result) == {3, 4}  # H1 is not known: Q1, Q2 stay unknown


def test_q1_from_h1_minus_q2() -> None:
    # Meta 2024 purchases of PP&E: H1 14,573, Q2 8,173
    result = derive({2: 8173.0}, {2: 14573.0})
    assert result[1] == (14573 - 8173, "Q1 = H1 - Q2 = 14573 - 8173")
    assert result[1][0] == 6400


def test_q4_from_full_year_minus_three_reported_quarters() -> None:
    # Alphabet 2023: Q1 6,289, Q2 6,888, Q3 8,055, FY 32,251
    result = derive({1: 6289.0, 2: 6888.0, 3: 8055.0}, {4: 32251.0})
    assert result[4] == (
        32251 - 6289 - 6888 - 8055,
        "Q4 = FY - (Q1 + Q2 + Q3) = 32251 - (6289 + 6888 + 8055)",
    )
    assert result[4][0] == 11019


def test_not_derivable_quarters_are_absent() -> None:
    # Meta 2023 cash capex: only Q2 and FY are known
    assert set(derive({2: 6134.0}, {4: 27045.0})) == {2}


def test_reported_quarters_win_over_derivation() -> None:
    result = derive({1: 1.0, 2: 2.0, 3: 3.0, 4: 4.0}, {2: 3.0, 3: 6.0, 4: 10.0})
    assert result == {q: (float(q), None) for q in (1, 2, 3, 4)}


def test_bad_quarter_is_rejected() -> None:
    # a fifth quarter never reaches the derivation: its input table refuses it
    figure = {
        "as_of": TODAY,
        "ticker": "T",
        "fiscal_calendar": "month_end:dec",
        "metric": "capex_additions_to_pp_e",
        "basis": "discrete",
        "fiscal_year": 2024,
        "fiscal_quarter": 5,
        "value": 1.0,
        "unit": "USD_m",
    }
    with pytest.raises(ContractError, match="fiscal_quarter"):
        run_model(
            "staging.reported_periods",
            {"as_of.actual_figures": [figure], "raw.companies": [{"ticker": "T"}]},
        )


# ------------------------------------------------------------------ trailing twelve months
def _capex_quarterly(values: dict[int, float | None]) -> dict[int, dict[str, Any]]:
    """marts.capex_quarterly of one company (additions to PP&E) from its FY2024..FY2025
    discrete quarters (fiscal = calendar year), by quarter index 1..8."""
    by_key = {(r["fiscal_year"], r["fiscal_quarter"]): r for r in FISCAL_QUARTERS}
    quarters = []
    for i, value in values.items():
        if value is None:
            continue
        fq = by_key[(2024 + (i - 1) // 4, (i - 1) % 4 + 1)]
        quarters.append(
            {
                "as_of": TODAY,
                "ticker": "T",
                "metric": "capex_additions_to_pp_e",
                "fiscal_year": fq["fiscal_year"],
                "fiscal_quarter": fq["fiscal_quarter"],
                "calendar_quarter": fq["calendar_quarter"],
                "period_start": fq["period_start"],
                "period_end": fq["period_end"],
                "value": value,
                "is_derived": False,
            }
        )
    rows = run_model(
        "marts.capex_quarterly",
        {
            "raw.companies": [
                {
                    "ticker": "T",
                    "capex_metric": "capex_additions_to_pp_e",
                    "capex_definition": "cash_pp_e",
                }
            ],
            "as_of.discrete_quarters": quarters,
            "as_of.reported_periods": [],
            "staging.fiscal_quarters": FISCAL_QUARTERS,
        },
    )
    return {(r["fiscal_year"] - 2024) * 4 + r["fiscal_quarter"]: r for r in rows}


def test_ttm_is_four_quarters_or_nothing() -> None:
    # Microsoft FY2025 quarters add up to the FY2025 figure 64,551; FY2024 Q4 13,873
    rows = _capex_quarterly({4: 13873.0, 5: 14923.0, 6: 15804.0, 7: 16745.0, 8: 17079.0})
    assert rows[8]["capex_ttm_usd_m"] == 14923 + 15804 + 16745 + 17079 == 64551
    assert rows[7]["capex_ttm_usd_m"] == 13873 + 14923 + 15804 + 16745
    assert rows[6]["capex_ttm_usd_m"] is None  # only three quarters up to it
    assert rows[8]["capex_yoy_pct"] == pytest.approx((17079 / 13873 - 1) * 100)
    assert rows[8]["capex_qoq_pct"] == pytest.approx((17079 / 16745 - 1) * 100)
    # a missing quarter inside the four: no TTM, and no growth against it
    gap = _capex_quarterly({5: 14923.0, 6: None, 7: 16745.0, 8: 17079.0})
    assert gap[6]["capex_usd_m"] is None
    assert gap[8]["capex_ttm_usd_m"] is None
    assert gap[7]["capex_qoq_pct"] is None
