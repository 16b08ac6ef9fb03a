"""Growth and period arithmetic (pipelines/marts/growth.py), tested directly."""

import math

import polars as pl
import pytest

from pipelines.marts.growth import (
    cagr_pct,
    calendar_quarters_between,
    derive_discrete_quarters,
    fiscal_label,
    pct_change,
    pct_change_expr,
    share_pct,
    shift_fiscal_quarter,
    ttm,
)


def test_pct_change_basic():
    # Microsoft FY2025 Q4 vs FY2024 Q4 cash additions to PP&E (raw/financials.csv)
    assert pct_change(17079, 13873) == pytest.approx((17079 / 13873 - 1) * 100)
    assert pct_change(17079, 13873) == pytest.approx(23.10964, abs=1e-5)
    assert pct_change(90, 100) == pytest.approx(-10.0)


@pytest.mark.parametrize(
    "current, base", [(None, 100.0), (100.0, None), (None, None), (5.0, 0.0), (math.nan, 1.0)]
)
def test_pct_change_is_none_without_both_sides_or_with_zero_base(current, base):
    assert pct_change(current, base) is None


def test_pct_change_expr_matches_scalar_function():
    frame = pl.DataFrame(
        {"cur": [17079.0, None, 5.0, 110.0], "base": [13873.0, 100.0, 0.0, None]},
        schema={"cur": pl.Float64, "base": pl.Float64},
    )
    out = frame.select(pct_change_expr(pl.col("cur"), pl.col("base")).alias("g"))["g"].to_list()
    expected = [pct_change(c, b) for c, b in zip(frame["cur"], frame["base"], strict=True)]
    assert out[1:] == [None, None, None]
    assert out[0] == pytest.approx(expected[0])


def test_share_and_ttm():
    assert share_pct(5200, 15952) == pytest.approx(5200 / 15952 * 100)
    assert share_pct(1, 0) is None
    assert share_pct(None, 10) is None
    # Microsoft FY2025 quarters add up to the FY2025 figure 64,551
    assert ttm([14923, 15804, 16745, 17079]) == 64551
    assert ttm([14923, None, 16745, 17079]) is None
    assert ttm([1, 2, 3]) is None


def test_cagr_of_the_seed_energy_figures():
    # seed A7: 55.1 TWh (2024) -> 146.2 TWh (2027); the article states 44.8 %
    expected = ((146.2 / 55.1) ** (1 / 3) - 1) * 100
    assert cagr_pct(55.1, 146.2, 3) == pytest.approx(expected)
    assert cagr_pct(55.1, 146.2, 3) == pytest.approx(38.44, abs=0.01)
    assert cagr_pct(0, 10, 3) is None
    assert cagr_pct(None, 10, 3) is None


def test_q2_from_h1_minus_q1_and_q3_from_9m_minus_h1():
    result = derive_discrete_quarters({1: 10.0}, {2: 25.0, 3: 40.0})
    assert result[1].value == 10 and not result[1].is_derived
    assert result[2].value == 15 and result[2].method == "Q2 = H1 - Q1 = 25 - 10"
    assert result[3].value == 15 and result[3].method == "Q3 = 9M - H1 = 40 - 25"
    assert 4 not in result


def test_q4_from_full_year_minus_nine_months():
    # Amazon 2023 purchases of PP&E: FY 52,729, nine months 38,141 (raw/financials.csv)
    result = derive_discrete_quarters({3: 12479.0}, {3: 38141.0, 4: 52729.0})
    assert result[4].value == 52729 - 38141 == 14588
    assert result[4].method == "Q4 = FY - 9M = 52729 - 38141"
    assert 1 not in result and 2 not in result  # H1 is not known: Q1, Q2 stay unknown


def test_q1_from_h1_minus_q2():
    # Meta 2024 purchases of PP&E: H1 14,573, Q2 8,173
    result = derive_discrete_quarters({2: 8173.0}, {2: 14573.0})
    assert result[1].value == 14573 - 8173 == 6400
    assert result[1].method == "Q1 = H1 - Q2 = 14573 - 8173"


def test_q4_from_full_year_minus_three_reported_quarters():
    # Alphabet 2023: Q1 6,289, Q2 6,888, Q3 8,055, FY 32,251
    result = derive_discrete_quarters({1: 6289.0, 2: 6888.0, 3: 8055.0}, {4: 32251.0})
    assert result[4].value == 32251 - 6289 - 6888 - 8055 == 11019
    assert result[4].method == "Q4 = FY - (Q1 + Q2 + Q3) = 32251 - (6289 + 6888 + 8055)"


def test_not_derivable_quarters_are_absent():
    # Meta 2023 cash capex: only Q2 and FY are known
    result = derive_discrete_quarters({2: 6134.0}, {4: 27045.0})
    assert set(result) == {2}


def test_reported_quarters_win_over_derivation():
    result = derive_discrete_quarters({1: 1.0, 2: 2.0, 3: 3.0, 4: 4.0}, {2: 3.0, 3: 6.0, 4: 10.0})
    assert all(not q.is_derived for q in result.values())


def test_bad_quarter_is_rejected():
    with pytest.raises(ValueError):
        derive_discrete_quarters({5: 1.0}, {})


def test_period_helpers():
    assert shift_fiscal_quarter(2025, 1, -1) == (2024, 4)
    assert shift_fiscal_quarter(2025, 4, 1) == (2026, 1)
    assert shift_fiscal_quarter(2025, 3, -4) == (2024, 3)
    assert fiscal_label(2025, 3) == "FY2025Q3"
    assert fiscal_label(2025) == "FY2025"
    assert calendar_quarters_between("2024Q3", "2025Q2") == ["2024Q3", "2024Q4", "2025Q1", "2025Q2"]
