import datetime as dt

import pytest

from pipelines.calendar.fiscal import (
    calendar_quarter_of_fiscal,
    calendar_quarter_of_period,
    fiscal_quarter_end,
    fiscal_quarter_start,
    fiscal_year_end,
    shift_calendar_quarter,
    weeks_in_fiscal_year,
)

D = dt.date


@pytest.mark.parametrize(
    ("rule", "fy", "q", "end"),
    [
        ("sunday_nearest_oct31", 2025, 3, D(2025, 8, 3)),  # Broadcom FY2025 Q3
        ("sunday_nearest_oct31", 2025, 4, D(2025, 11, 2)),
        ("sunday_nearest_oct31", 2025, 1, D(2025, 2, 2)),
        ("sunday_nearest_oct31", 2024, 1, D(2024, 2, 4)),  # 53-week year: 14-week Q1
        ("sunday_nearest_oct31", 2024, 4, D(2024, 11, 3)),
        ("saturday_nearest_jan31", 2026, 2, D(2025, 8, 2)),  # Marvell FY2026 Q2
        ("saturday_nearest_jan31", 2026, 1, D(2025, 5, 3)),
        ("saturday_nearest_jan31", 2026, 3, D(2025, 11, 1)),
        ("saturday_nearest_jan31", 2025, 4, D(2025, 2, 1)),
        ("saturday_nearest_jan31", 2025, 1, D(2024, 5, 4)),
        ("jun30", 2025, 4, D(2025, 6, 30)),  # Microsoft FY2025 Q4
        ("jun30", 2025, 1, D(2024, 9, 30)),
        ("jun30", 2026, 1, D(2025, 9, 30)),
        ("dec31", 2025, 2, D(2025, 6, 30)),
        ("dec31", 2024, 4, D(2024, 12, 31)),
    ],
)
def test_quarter_ends(rule: str, fy: int, q: int, end: dt.date) -> None:
    assert fiscal_quarter_end(rule, fy, q) == end


def test_quarter_starts_follow_previous_end() -> None:
    assert fiscal_quarter_start("sunday_nearest_oct31", 2025, 3) == D(2025, 5, 5)
    assert fiscal_quarter_start("sunday_nearest_oct31", 2024, 1) == D(2023, 10, 30)
    assert fiscal_quarter_start("saturday_nearest_jan31", 2026, 2) == D(2025, 5, 4)
    assert fiscal_quarter_start("jun30", 2025, 1) == D(2024, 7, 1)


def test_year_ends_and_week_counts() -> None:
    assert fiscal_year_end("sunday_nearest_oct31", 2023) == D(2023, 10, 29)
    assert weeks_in_fiscal_year("sunday_nearest_oct31", 2024) == 53
    assert weeks_in_fiscal_year("sunday_nearest_oct31", 2025) == 52
    assert fiscal_year_end("saturday_nearest_jan31", 2024) == D(2024, 2, 3)
    assert weeks_in_fiscal_year("saturday_nearest_jan31", 2024) == 53
    with pytest.raises(ValueError, match="month-based"):
        weeks_in_fiscal_year("jun30", 2025)


def test_calendar_quarter_mapping() -> None:
    assert calendar_quarter_of_fiscal("sunday_nearest_oct31", 2025, 3) == "2025Q2"
    assert calendar_quarter_of_fiscal("sunday_nearest_oct31", 2024, 1) == "2023Q4"
    assert calendar_quarter_of_fiscal("saturday_nearest_jan31", 2026, 2) == "2025Q2"
    assert calendar_quarter_of_fiscal("jun30", 2025, 4) == "2025Q2"
    assert calendar_quarter_of_fiscal("jun30", 2026, 1) == "2025Q3"
    assert calendar_quarter_of_period(D(2025, 1, 1), D(2025, 3, 31)) == "2025Q1"


def test_shift_and_errors() -> None:
    assert shift_calendar_quarter("2025Q1", -1) == "2024Q4"
    assert shift_calendar_quarter("2025Q2", -4) == "2024Q2"
    assert shift_calendar_quarter("2024Q4", 1) == "2025Q1"
    with pytest.raises(ValueError, match="unknown fiscal rule"):
        fiscal_quarter_end("jan31", 2025, 1)
    with pytest.raises(ValueError, match="1-4"):
        fiscal_quarter_end("dec31", 2025, 5)
