"""The metrics formulas with hand-computed cases (missing inputs, zero and negative
denominators, a negative free cash flow, implied spend) and the break-even solver.

The formulas are SQL now: the scalar ones are macros (``sql/macros/metrics.sql``,
``sql/macros/common.sql``) evaluated on an in-memory DuckDB; the ones written inline in a
model (free cash flow, the guidance point, implied remaining spend, growth over a positive
base) are tested through that model with ``tests/sqlmodel.py``'s ``run_model``."""

import datetime as dt
import math
from collections.abc import Callable, Iterator
from typing import Any

import duckdb
import pytest

from pipelines.settings import SQL_DIR
from pipelines.tco import breakeven
from pipelines.tco.model import ChipAssumptions, compute_tco
from tests.sqlmodel import TODAY, run_model


@pytest.fixture(scope="module")
def sql() -> Iterator[Callable[..., Any]]:
    """``sql("expression", *params)`` -> the value of one SQL expression, with every macro."""
    con = duckdb.connect()
    for macros in sorted((SQL_DIR / "macros").glob("*.sql")):
        con.execute(macros.read_text(encoding="utf-8"))

    def value(expression: str, *params: Any) -> Any:
        row = con.execute(f"SELECT {expression}", list(params)).fetchone()
        assert row is not None
        return row[0]

    yield value
    con.close()


# ------------------------------------------------------------------ ratios
def test_ratio_pct_hand_computed(sql) -> None:
    assert sql("formula_ratio_pct(25.0, 200.0, FALSE)") == pytest.approx(12.5)
    assert sql("formula_ratio_pct_reason(25.0, 200.0, 'capex', 'revenue', FALSE)") is None


def test_ratio_pct_missing_inputs_name_the_figure(sql) -> None:
    assert sql("formula_ratio_pct(NULL, 200.0, FALSE)") is None
    reason = "formula_ratio_pct_reason(?::DOUBLE, ?::DOUBLE, 'capex', 'revenue', FALSE)"
    assert sql(reason, None, 200.0) == "capex missing"
    # (the Python also read NaN as missing; the contracts refuse non-finite figures now)
    assert sql(reason, None, None) == "capex and revenue missing"


def test_ratio_pct_zero_denominator_is_null_with_reason(sql) -> None:
    assert sql("formula_ratio_pct(10.0, 0.0, FALSE)") is None
    assert sql("formula_ratio_pct_reason(10.0, 0.0, 'capex', 'revenue', FALSE)") == (
        "revenue is zero"
    )


def test_ratio_pct_negative_denominator_only_when_required_positive(sql) -> None:
    # capex 12 over an operating cash flow of -4: not a coverage ratio
    assert sql("formula_ratio_pct(12.0, -4.0, TRUE)") is None
    reason = sql("formula_ratio_pct_reason(12.0, -4.0, 'capex', 'ocf', TRUE)")
    assert "ocf is negative (-4)" in reason
    assert sql("formula_ratio_pct(12.0, -4.0, FALSE)") == pytest.approx(-300.0)


def _cq(ticker: str, metric: str, quarter: str, value: float | None) -> dict:
    return {"ticker": ticker, "metric": metric, "calendar_quarter": quarter, "value_usd_m": value}


def test_free_cash_flow_after_capex_can_be_negative() -> None:
    rows = run_model(
        "metrics.cash_coverage",
        {
            "raw.group_members": [],
            "marts.company_quarterly": [
                # operating cash flow 30,000, capex 31,368 -> -1,368
                _cq("A", "operating_cash_flow", "2025Q2", 30000.0),
                _cq("A", "capex", "2025Q2", 31368.0),
                _cq("B", "operating_cash_flow", "2025Q2", 40000.0),
                _cq("B", "capex", "2025Q2", 17079.0),
                _cq("C", "operating_cash_flow", "2025Q2", None),
                _cq("C", "capex", "2025Q2", 5.0),
            ],
        },
    )
    fcf = {
        r["entity"]: (r["fcf_after_capex_usd_m"], r["missing_reason"])
        for r in rows
        if r["period"] == "quarter"
    }
    assert fcf["A"] == (-1368.0, None)
    assert fcf["B"] == (22921.0, None)
    assert fcf["C"][0] is None and "operating_cash_flow 2025Q2" in fcf["C"][1]


def test_change_pp_and_growth(sql) -> None:
    rows = run_model(
        "metrics.capex_intensity",
        {
            "raw.group_members": [],
            "marts.company_quarterly": [
                _cq("A", "capex", "2024Q1", 20.0),
                _cq("A", "revenue", "2024Q1", 100.0),
                _cq("A", "capex", "2025Q1", 22.5),
                _cq("A", "revenue", "2025Q1", 100.0),
                _cq("A", "capex", "2025Q2", 30.0),
                _cq("A", "revenue", "2025Q2", 100.0),
            ],
        },
    )
    change = {
        r["calendar_quarter"]: r["capex_to_revenue_yoy_change_pp"]
        for r in rows
        if r["period"] == "quarter"
    }
    assert change["2025Q1"] == pytest.approx(2.5)  # 22.5 % vs 20.0 %
    assert change["2025Q2"] is None  # 2024Q2 has no ratio
    assert sql("pct_change(150.0, 100.0)") == pytest.approx(50.0)
    assert sql("pct_change(150.0, 0.0)") is None
    assert sql("pct_change(NULL, 10.0)") is None
    # growth over a non-positive base (Python growth_pct): see
    # test_implied_spend_growth_needs_a_positive_base


def test_trailing_sum_needs_every_quarter(sql) -> None:
    assert sql("sum_left_to_right([1.0, 2.0, 3.0, 4.0]::DOUBLE[])") == 10.0
    assert sql("sum_left_to_right([5.0]::DOUBLE[])") == 5.0
    assert sql("sum_left_to_right([]::DOUBLE[])") is None
    # a trailing-twelve-month figure needs all four quarters: 2025Q2 lacks 2024Q4
    rows = run_model(
        "metrics.capex_intensity",
        {
            "raw.group_members": [],
            "marts.company_quarterly": [
                *[_cq("A", "capex", q, 1.0) for q in ("2024Q3", "2024Q4", "2025Q1", "2025Q2")],
                _cq("A", "revenue", "2024Q3", 10.0),
                _cq("A", "revenue", "2024Q4", None),
                _cq("A", "revenue", "2025Q1", 10.0),
                _cq("A", "revenue", "2025Q2", 10.0),
                _cq("A", "revenue", "2025Q3", 10.0),
                _cq("A", "capex", "2025Q3", 2.0),
            ],
        },
    )
    ttm = {
        r["calendar_quarter"]: (r["capex_usd_m"], r["revenue_usd_m"])
        for r in rows
        if r["period"] == "ttm"
    }
    assert ttm["2025Q2"] == (4.0, None)
    assert ttm["2025Q3"] == (5.0, None)
    assert ttm["2024Q3"] == (None, None)  # fewer than four quarters in the span


def test_complete_sum_never_partial() -> None:
    members = [{"group_name": "G", "ticker": t} for t in ("A", "B", "C")]
    rows = run_model(
        "metrics.capex_intensity",
        {
            "raw.group_members": members,
            "marts.company_quarterly": [
                _cq("A", "capex", "2025Q1", 1.0),
                _cq("A", "revenue", "2025Q1", 10.0),
                _cq("B", "capex", "2025Q1", 2.5),
                _cq("B", "revenue", "2025Q1", 10.0),
                _cq("C", "capex", "2025Q1", 1.0),
                _cq("C", "revenue", "2025Q1", 10.0),
                _cq("A", "capex", "2025Q2", 1.0),
                _cq("A", "revenue", "2025Q2", 10.0),
                _cq("B", "capex", "2025Q2", None),
                _cq("B", "revenue", "2025Q2", 10.0),
                _cq("C", "capex", "2025Q2", None),
                _cq("C", "revenue", "2025Q2", 10.0),
            ],
        },
    )
    group = {
        r["calendar_quarter"]: (r["capex_usd_m"], r["members_complete"], r["missing_members"])
        for r in rows
        if r["entity"] == "G" and r["period"] == "quarter"
    }
    assert group["2025Q1"] == (4.5, 3, None)
    assert group["2025Q2"] == (None, 1, "B, C")  # never a partial sum


# ------------------------------------------------------------------ implied spend rules
ENDS = [(3, 31), (6, 30), (9, 30), (12, 31)]


def _fiscal_quarters(ticker: str, years: tuple[int, ...] = (2024, 2025)) -> list[dict]:
    """A calendar-year company's quarters (period ends 03-31 .. 12-31)."""
    return [
        {
            "ticker": ticker,
            "fiscal_year": year,
            "fiscal_quarter": q,
            "period_start": dt.date(year, 3 * q - 2, 1),
            "period_end": dt.date(year, m, d),
            "calendar_quarter": f"{year}Q{q}",
        }
        for year in years
        for q, (m, d) in enumerate(ENDS, start=1)
    ]


def _capex(ticker: str, values: dict[tuple[int, int], float], as_of: dt.date | None = None):
    rows = [
        {
            "ticker": ticker,
            "calendar_quarter": f"{fy}Q{q}",
            "fiscal_year": fy,
            "fiscal_quarter": q,
            "capex_usd_m": v,
        }
        for (fy, q), v in values.items()
    ]
    return [{"as_of": as_of, **r} for r in rows] if as_of else rows


def _guidance(ticker: str, period: str, day: str, **figures: float) -> dict:
    return {
        "ticker": ticker,
        "guided_period": period,
        "capex_definition": "cash_purchases_pp_e",
        "given_on": dt.date.fromisoformat(day),
        "source_title": f"{ticker} statement",
        **figures,
    }


def _implied(
    statements: list[dict],
    then: dict[str, dict[tuple[int, int], float]],
    today: dict[str, dict[tuple[int, int], float]],
    no_series: tuple[str, ...] = (),
) -> dict[tuple[str, str, int], dict]:
    """metrics.guidance_implied on the given statements; ``then``: the capex known on each
    ticker's (single) statement date; ``today``: today's capex."""
    tickers = sorted({s["ticker"] for s in statements})
    days = {s["ticker"]: s["given_on"] for s in statements}
    rows = run_model(
        "metrics.guidance_implied",
        {
            "raw.capex_guidance": statements,
            "raw.companies": [
                {"ticker": t, "capex_metric": None if t in no_series else "capex_purchases_pp_e"}
                for t in tickers
            ],
            "staging.fiscal_quarters": [r for t in tickers for r in _fiscal_quarters(t)],
            "as_of.capex_quarterly": [
                r for t, values in then.items() for r in _capex(t, values, days[t])
            ]
            + [r for t, values in today.items() for r in _capex(t, values, TODAY)],
            "marts.capex_quarterly": [r for t, values in today.items() for r in _capex(t, values)],
        },
    )
    return {(r["ticker"], r["guided_period"], r["statement_number"]): r for r in rows}


def test_guidance_point_and_implied_remaining() -> None:
    q1_q2 = {(2025, 1): 17197.0, (2025, 2): 22446.0}
    rows = _implied(
        [
            _guidance("MID", "FY2025", "2025-07-30", low_usd_m=66000.0, mid_usd_m=85000.0),
            _guidance("RANGE", "FY2025", "2025-07-30", low_usd_m=66000.0, high_usd_m=72000.0),
            _guidance("LOW", "FY2025", "2025-07-30", low_usd_m=30000.0),
            _guidance("NONE", "FY2025", "2025-07-30"),
            _guidance("OVER", "FY2025", "2025-10-30", mid_usd_m=85000.0),
            _guidance("DONE", "FY2025Q2", "2025-07-30", mid_usd_m=85000.0),
        ],
        then={
            "MID": q1_q2,
            "RANGE": q1_q2,
            "LOW": q1_q2,
            "NONE": q1_q2,
            "OVER": {(2025, 1): 30000.0, (2025, 2): 30000.0, (2025, 3): 30000.0},
            "DONE": q1_q2,
        },
        today={},
    )
    point = {t: r["point_usd_m"] for (t, _, _), r in rows.items()}
    assert point == {
        "MID": 85000.0,
        "RANGE": 69000.0,
        "LOW": 30000.0,
        "NONE": None,
        "OVER": 85000.0,
        "DONE": 85000.0,
    }
    # 85,000 guided, 17,197 + 22,446 published: 45,357 for the two remaining quarters
    mid = rows[("MID", "FY2025", 1)]
    assert mid["published_to_date_usd_m"] == 17197.0 + 22446.0
    assert mid["implied_remaining_point_usd_m"] == 45357.0
    assert mid["implied_per_quarter_point_usd_m"] == 22678.5
    assert mid["implied_remaining_high_usd_m"] is None
    # guided below what was already spent: a negative remainder, as it is
    assert rows[("OVER", "FY2025", 1)]["implied_remaining_point_usd_m"] == -5000.0
    none = rows[("NONE", "FY2025", 1)]
    assert none["implied_remaining_point_usd_m"] is None
    assert "implied: no such bound in the statement" in none["missing_reason"]
    done = rows[("DONE", "FY2025Q2", 1)]
    assert done["implied_remaining_point_usd_m"] is None
    assert done["implied_per_quarter_point_usd_m"] is None
    assert "every quarter of the period was already published" in done["missing_reason"]


def test_implied_spend_growth_needs_a_positive_base() -> None:
    # Python growth_pct: no growth over a zero or negative base. The implied remainder of
    # OVER is -5,000: its actual spend is not compared with it.
    rows = _implied(
        [_guidance("OVER", "FY2025", "2025-10-30", mid_usd_m=85000.0)],
        then={"OVER": {(2025, 1): 30000.0, (2025, 2): 30000.0, (2025, 3): 30000.0}},
        today={"OVER": {(2025, q): 30000.0 for q in (1, 2, 3, 4)}},
    )
    row = rows[("OVER", "FY2025", 1)]
    assert row["implied_remaining_point_usd_m"] == -5000.0
    assert row["actual_remaining_usd_m"] == 30000.0
    assert row["actual_vs_implied_point_pct"] is None
    assert row["implied_growth_point_pct"] is None  # no year-earlier base either


def test_implied_row_by_hand() -> None:
    then = {(2025, 1): 10.0, (2025, 2): 12.0, (2024, 3): 8.0, (2024, 4): 9.0}
    today = {**then, (2025, 3): 15.0, (2025, 4): 20.0}
    rows = _implied(
        [_guidance("X", "FY2025", "2025-07-30", low_usd_m=60.0, high_usd_m=70.0)],
        then={"X": then},
        today={"X": today},
    )
    row = rows[("X", "FY2025", 1)]
    assert row["published_to_date_usd_m"] == 22.0
    assert row["remaining_quarters"] == "FY2025Q3, FY2025Q4"
    assert (row["implied_remaining_low_usd_m"], row["implied_remaining_high_usd_m"]) == (38.0, 48.0)
    assert row["implied_remaining_point_usd_m"] == 65.0 - 22.0
    assert row["year_earlier_quarters_usd_m"] == 17.0
    assert row["year_earlier_basis"] == "published_by_statement_date"
    assert row["implied_growth_point_pct"] == pytest.approx((43.0 / 17.0 - 1) * 100)
    assert row["is_period_reported"] and row["actual_remaining_usd_m"] == 35.0
    assert row["actual_vs_implied_point_pct"] == pytest.approx((35.0 / 43.0 - 1) * 100)


def test_implied_row_unknown_spend_to_date_is_null() -> None:
    rows = _implied(
        [
            # Q2 ended before the statement but no figure is dated by then: unknown, not zero
            _guidance("ENDED", "FY2025", "2025-07-20", mid_usd_m=70.0),
            # Q1 unknown, Q2 known: a gap
            _guidance("GAP", "FY2025", "2025-07-30", mid_usd_m=70.0),
            # no capex series at all
            _guidance("NOSERIES", "FY2025", "2025-02-01", mid_usd_m=70.0),
            # before the year starts: nothing published yet, the whole guide is implied
            _guidance("START", "FY2025", "2025-02-01", mid_usd_m=70.0),
        ],
        then={"ENDED": {(2025, 1): 10.0}, "GAP": {(2025, 2): 12.0}},
        today={},
        no_series=("NOSERIES",),
    )
    ended = rows[("ENDED", "FY2025", 1)]
    assert ended["published_to_date_usd_m"] is None
    assert ended["implied_remaining_point_usd_m"] is None
    assert "FY2025Q2 ended before 2025-07-20" in ended["missing_reason"]
    gap = rows[("GAP", "FY2025", 1)]
    assert gap["implied_remaining_point_usd_m"] is None
    assert "FY2025Q1 had no figure dated" in gap["missing_reason"]
    none = rows[("NOSERIES", "FY2025", 1)]
    assert none["implied_remaining_point_usd_m"] is None
    assert "NOSERIES has no capex series" in none["missing_reason"]
    start = rows[("START", "FY2025", 1)]
    assert start["published_to_date_usd_m"] == 0.0
    assert start["implied_remaining_point_usd_m"] == 70.0


def test_year_earlier_base_uses_today_only_for_long_settled_quarters() -> None:
    rows = _implied(
        [
            _guidance("SETTLED", "FY2025Q1", "2025-02-04", mid_usd_m=7.0),
            _guidance("RECENT", "FY2025Q4", "2025-02-04", mid_usd_m=10.0),
        ],
        then={},
        today={"SETTLED": {(2024, 1): 5.0, (2024, 2): 6.0}, "RECENT": {(2024, 4): 9.0}},
    )
    # 2024Q1 ended 2024-03-31, 310 days before: settled, today's figure stands in
    settled = rows[("SETTLED", "FY2025Q1", 1)]
    assert settled["year_earlier_quarters_usd_m"] == 5.0
    assert settled["year_earlier_basis"] == "today_for_undated_quarters"
    # 2024Q4 ended 35 days before: maybe not reported yet, so unknown
    recent = rows[("RECENT", "FY2025Q4", 1)]
    assert (recent["year_earlier_quarters_usd_m"], recent["year_earlier_basis"]) == (None, None)
    assert "year-earlier quarters (FY2024Q4) not all known" in recent["missing_reason"]


def test_capture_ratio(sql) -> None:
    # the suppliers' revenue over the spenders' capex (Python capture_ratio_pct)
    assert sql("formula_ratio_pct(5840.0, 71138.0, TRUE)") == pytest.approx(5840 / 71138 * 100)
    assert sql("formula_ratio_pct(5840.0, NULL, TRUE)") is None
    assert sql("formula_ratio_pct(5840.0, 0.0, TRUE)") is None
    assert (
        sql("formula_ratio_pct_reason(5840.0, 0.0, 'supplier revenue', 'spender capex', TRUE)")
        == "spender capex is zero"
    )


# ------------------------------------------------------------------ break-even
def _chip(name: str, **overrides: float) -> dict:
    row = {
        "chip": name,
        "capital_usd": 30000.0,
        "life_years": 5.0,
        "cost_of_capital": 0.10,
        "it_power_kw": 1.5,
        "power_utilisation": 0.8,
        "pue": 1.3,
        "electricity_usd_per_kwh": 0.08,
        "rent_usd_per_kw_month": 150.0,
        "maintenance_pct_of_capital_per_year": 0.03,
        "hbm_tbps": 5.0,
        "hbm_gb": 192.0,
        "bf16_dense_tflops": 1000.0,
    }
    return {**row, **overrides}


def _cost(row: dict, unit: str, **overrides: float) -> float:
    value = breakeven.cost_per_unit(row, unit, **overrides)
    assert value is not None
    return value


RANGES = breakeven.load_ranges()


def test_electricity_breakeven_closed_form_by_hand() -> None:
    # A: cheaper capital, more power; B: dearer capital, less power; same bandwidth.
    a = _chip("A", capital_usd=10000.0, it_power_kw=3.0)
    b = _chip("B", capital_usd=40000.0, it_power_kw=1.5)
    # cost(x) = fixed + it_kw x util x pue x x per TB/s; the fixed parts at x = 0
    fixed_a = compute_tco(
        ChipAssumptions.from_mapping({**a, "electricity_usd_per_kwh": 0.0})
    ).total_usd_per_hour
    fixed_b = compute_tco(
        ChipAssumptions.from_mapping({**b, "electricity_usd_per_kwh": 0.0})
    ).total_usd_per_hour
    slope_a, slope_b = 3.0 * 0.8 * 1.3, 1.5 * 0.8 * 1.3
    expected = (fixed_b - fixed_a) / (slope_a - slope_b)
    row = breakeven.breakeven_row(
        a, b, "electricity_usd_per_kwh", "both", "hbm_tbps_hour", RANGES["electricity_usd_per_kwh"]
    )
    assert row["method"] == "closed_form_linear"
    assert row["breakeven_value"] == pytest.approx(expected, rel=1e-12)
    assert abs(row["chip_a_cost_at_breakeven"] - row["chip_b_cost_at_breakeven"]) < 1e-9
    assert 0.08 < expected < 0.5
    assert row["cheaper_at_shipped"] == "A"  # at 0.08 USD/kWh the cheaper capital wins
    assert row["cheaper_above_breakeven"] == "B"  # dearer power: the frugal chip wins


def test_price_breakeven_moves_one_chip() -> None:
    a, b = _chip("A"), _chip("B", hbm_tbps=8.0)  # B: same cost per hour, more bandwidth
    row = breakeven.breakeven_row(a, b, "capital_usd", "B", "hbm_tbps_hour", RANGES["capital_usd"])
    # B's price at which B per TB/s costs what A does
    assert row["breakeven_value"] > 30000.0
    assert _cost(b, "hbm_tbps_hour", capital_usd=row["breakeven_value"]) == pytest.approx(
        _cost(a, "hbm_tbps_hour"), abs=1e-12
    )
    assert row["range_low"] == 0.25 * 30000.0 and row["range_high"] == 4.0 * 30000.0


def test_life_breakeven_by_bisection_lands_costs_within_1e9() -> None:
    # A: cheap power, dear capital; B: the reverse. A longer life favours A.
    a = _chip("A", capital_usd=40000.0, it_power_kw=1.0)
    b = _chip("B", capital_usd=25000.0, it_power_kw=2.5)
    row = breakeven.breakeven_row(a, b, "life_years", "both", "hbm_tbps_hour", RANGES["life_years"])
    assert row["method"] == "bisection" and row["roots_in_range"] == 1
    life = row["breakeven_value"]
    assert 1.0 < life < 15.0
    gap = _cost(a, "hbm_tbps_hour", life_years=life) - _cost(b, "hbm_tbps_hour", life_years=life)
    assert abs(gap) < 1e-9
    assert row["cheaper_above_breakeven"] == "A"


def test_no_flip_in_range_is_null_with_reason() -> None:
    # A is cheaper in capital and power and has more bandwidth: nothing flips it
    a = _chip("A", capital_usd=20000.0, it_power_kw=1.0, hbm_tbps=8.0)
    b = _chip("B")
    for name in ("electricity_usd_per_kwh", "life_years", "cost_of_capital", "power_utilisation"):
        row = breakeven.breakeven_row(a, b, name, "both", "hbm_tbps_hour", RANGES[name])
        assert row["breakeven_value"] is None, name
        assert "A cheaper throughout" in row["null_reason"]


def test_missing_spec_is_null_with_reason() -> None:
    a, b = _chip("A", hbm_tbps=None), _chip("B")
    row = breakeven.breakeven_row(a, b, "life_years", "both", "hbm_tbps_hour", RANGES["life_years"])
    assert row["breakeven_value"] is None and row["null_reason"] == "no HBM bandwidth for A"


def test_bisect_and_linear_solvers() -> None:
    root = breakeven.bisect(lambda x: x * x - 2.0, 0.0, 2.0)
    assert abs(root - math.sqrt(2.0)) < 1e-12
    assert breakeven.solve_linear(lambda x: 3.0 * x - 1.5, 0.0, 1.0) == pytest.approx(0.5)
    assert breakeven.solve_linear(lambda x: 3.0 * x - 4.5, 0.0, 1.0) is None  # root 1.5
    assert breakeven.solve_linear(lambda x: 2.0, 0.0, 1.0) is None  # flat
    assert breakeven.bracketed_roots(lambda x: (x - 0.25) * (x - 0.75), 0.0, 1.0, 10) == [
        pytest.approx(0.25, abs=1e-12),
        pytest.approx(0.75, abs=1e-12),
    ]
