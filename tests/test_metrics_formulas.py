"""The metrics formulas, tested directly with hand-computed cases (missing inputs, zero and
negative denominators, a negative free cash flow) and the break-even solver."""

import math

import pytest

from pipelines.metrics import formulas
from pipelines.tco import breakeven
from pipelines.tco.model import ChipAssumptions, compute_tco


# ------------------------------------------------------------------ ratios
def test_ratio_pct_hand_computed() -> None:
    assert formulas.ratio_pct(25.0, 200.0).value == pytest.approx(12.5)
    assert formulas.ratio_pct(25.0, 200.0).reason is None


def test_ratio_pct_missing_inputs_name_the_figure() -> None:
    result = formulas.ratio_pct(None, 200.0, "capex", "revenue")
    assert result == formulas.Result(None, "capex missing")
    both = formulas.ratio_pct(None, float("nan"), "capex", "revenue")
    assert both == formulas.Result(None, "capex and revenue missing")


def test_ratio_pct_zero_denominator_is_null_with_reason() -> None:
    assert formulas.ratio_pct(10.0, 0.0, "capex", "revenue") == formulas.Result(
        None, "revenue is zero"
    )


def test_ratio_pct_negative_denominator_only_when_required_positive() -> None:
    # capex 12 over an operating cash flow of -4: not a coverage ratio
    result = formulas.ratio_pct(12.0, -4.0, "capex", "ocf", positive_denominator=True)
    assert result.value is None and "ocf is negative (-4)" in (result.reason or "")
    assert formulas.ratio_pct(12.0, -4.0).value == pytest.approx(-300.0)


def test_free_cash_flow_after_capex_can_be_negative() -> None:
    # operating cash flow 30,000, capex 31,368 -> -1,368
    assert formulas.free_cash_flow_after_capex(30000.0, 31368.0).value == -1368.0
    assert formulas.free_cash_flow_after_capex(40000.0, 17079.0).value == 22921.0
    missing = formulas.free_cash_flow_after_capex(None, 5.0)
    assert missing == formulas.Result(None, "operating_cash_flow missing")


def test_change_pp_and_growth() -> None:
    assert formulas.change_pp(22.5, 20.0) == pytest.approx(2.5)
    assert formulas.change_pp(None, 20.0) is None
    assert formulas.growth_pct(150.0, 100.0).value == pytest.approx(50.0)
    assert formulas.growth_pct(150.0, 0.0).value is None
    assert formulas.growth_pct(150.0, -10.0).reason == "base is not positive (-10)"
    assert formulas.growth_pct(None, 10.0).value is None


def test_trailing_sum_needs_every_quarter() -> None:
    assert formulas.trailing_sum([1.0, 2.0, 3.0, 4.0]) == 10.0
    assert formulas.trailing_sum([1.0, None, 3.0, 4.0]) is None
    assert formulas.trailing_sum([1.0, 2.0, 3.0]) is None
    assert formulas.trailing_sum([5.0], 1) == 5.0


def test_complete_sum_never_partial() -> None:
    assert formulas.complete_sum({"A": 1.0, "B": 2.5}) == (3.5, [])
    assert formulas.complete_sum({"B": None, "A": 1.0, "C": None}) == (None, ["B", "C"])
    assert formulas.complete_sum({}) == (None, [])


def test_guidance_point_and_implied_remaining() -> None:
    assert formulas.guidance_point(66000.0, None, 72000.0) == 69000.0
    assert formulas.guidance_point(None, 85000.0, None) == 85000.0
    assert formulas.guidance_point(30000.0, None, None) == 30000.0
    assert formulas.guidance_point(None, None, None) is None
    # 85,000 guided, 17,197 + 22,446 published: 45,357 for the two remaining quarters
    result = formulas.implied_remaining(85000.0, 17197.0 + 22446.0, 2)
    assert result.value == 45357.0
    assert formulas.per_quarter(result.value, 2) == 22678.5
    assert formulas.implied_remaining(85000.0, 90000.0, 1).value == -5000.0
    assert formulas.implied_remaining(85000.0, 80000.0, 0).value is None
    assert formulas.implied_remaining(None, 0.0, 4).reason == "no such bound in the statement"
    assert formulas.implied_remaining(85000.0, None, 2).reason == "capex published to date unknown"


def test_capture_ratio() -> None:
    # 5,840 of supplier revenue against 71,138 of capex
    assert formulas.capture_ratio_pct(5840.0, 71138.0).value == pytest.approx(5840 / 71138 * 100)
    assert formulas.capture_ratio_pct(5840.0, None).value is None
    assert formulas.capture_ratio_pct(5840.0, 0.0).reason == "spender capex is zero"


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


# ------------------------------------------------------------------ implied spend rules
def _statement(period: str, day: str, low=None, mid=None, high=None) -> dict:
    import datetime as dt

    return {
        "guided_period": period,
        "statement_date": dt.date.fromisoformat(day),
        "low_usd_m": low,
        "mid_usd_m": mid,
        "high_usd_m": high,
    }


def _ends(fy: int) -> dict:
    import datetime as dt

    ends = {}
    for year in (fy - 1, fy):
        for q, (m, d) in enumerate([(3, 31), (6, 30), (9, 30), (12, 31)], start=1):
            ends[(year, q)] = dt.date(year, m, d)
    return ends


def test_implied_row_by_hand() -> None:
    from pipelines.metrics.guidance_implied import AS_PUBLISHED, implied_row

    then = {(2025, 1): 10.0, (2025, 2): 12.0, (2024, 3): 8.0, (2024, 4): 9.0}
    today = {**then, (2025, 3): 15.0, (2025, 4): 20.0}
    row = implied_row(
        _statement("FY2025", "2025-07-30", 60.0, None, 70.0), then, today, _ends(2025)
    )
    assert row["published_to_date_usd_m"] == 22.0
    assert row["remaining_quarters"] == "FY2025Q3, FY2025Q4"
    assert (row["implied_remaining_low_usd_m"], row["implied_remaining_high_usd_m"]) == (38.0, 48.0)
    assert row["implied_remaining_point_usd_m"] == 65.0 - 22.0
    assert row["year_earlier_quarters_usd_m"] == 17.0 and row["year_earlier_basis"] == AS_PUBLISHED
    assert row["implied_growth_point_pct"] == pytest.approx((43.0 / 17.0 - 1) * 100)
    assert row["is_period_reported"] and row["actual_remaining_usd_m"] == 35.0
    assert row["actual_vs_implied_point_pct"] == pytest.approx((35.0 / 43.0 - 1) * 100)


def test_implied_row_unknown_spend_to_date_is_null() -> None:
    from pipelines.metrics.guidance_implied import implied_row

    # Q2 ended before the statement but no figure is dated by then: unknown, not zero
    row = implied_row(
        _statement("FY2025", "2025-07-20", mid=70.0), {(2025, 1): 10.0}, {}, _ends(2025)
    )
    assert row["published_to_date_usd_m"] is None and row["implied_remaining_point_usd_m"] is None
    assert "FY2025Q2 ended before 2025-07-20" in row["missing_reason"]
    # Q1 unknown, Q2 known: a gap
    gap = implied_row(
        _statement("FY2025", "2025-07-30", mid=70.0), {(2025, 2): 12.0}, {}, _ends(2025)
    )
    assert gap["implied_remaining_point_usd_m"] is None
    assert "FY2025Q1 had no figure dated" in gap["missing_reason"]
    # no capex series at all
    none = implied_row(
        _statement("FY2025", "2025-02-01", mid=70.0), {}, {}, _ends(2025), "X has none"
    )
    assert none["implied_remaining_point_usd_m"] is None and "X has none" in none["missing_reason"]
    # before the year starts: nothing published yet, the whole guide is implied
    start = implied_row(_statement("FY2025", "2025-02-01", mid=70.0), {}, {}, _ends(2025))
    assert (
        start["published_to_date_usd_m"] == 0.0 and start["implied_remaining_point_usd_m"] == 70.0
    )


def test_year_earlier_base_uses_today_only_for_long_settled_quarters() -> None:
    import datetime as dt

    from pipelines.metrics.guidance_implied import TODAY_FOR_UNDATED, year_earlier_base

    today = {(2024, 1): 5.0, (2024, 2): 6.0}
    # 2024Q1 ended 2024-03-31, 310 days before: settled, today's figure stands in
    assert year_earlier_base({}, today, _ends(2025), 2025, [1], dt.date(2025, 2, 4)) == (
        5.0,
        TODAY_FOR_UNDATED,
    )
    # 2024Q4 ended 35 days before: maybe not reported yet, so unknown
    assert year_earlier_base({}, {(2024, 4): 9.0}, _ends(2025), 2025, [4], dt.date(2025, 2, 4)) == (
        None,
        None,
    )
