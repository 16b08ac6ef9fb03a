import datetime as dt

import pytest

from pipelines.calendar.fiscal import (
    calendar_quarter_of_fiscal,
    calendar_quarter_of_period,
    fiscal_period_of_end,
    fiscal_quarter_end,
    fiscal_quarter_of_calendar,
    fiscal_quarter_start,
    fiscal_year_end,
    is_calendar_year,
    parse_calendar,
    shift_calendar_quarter,
    weeks_in_fiscal_year,
)

D = dt.date
# rules as written in raw/companies.csv
AVGO = "nearest:sun:oct-31:q1"  # Broadcom
MRVL = "nearest:sat:jan-31:q4"  # Marvell
JUN = "month_end:jun"  # Microsoft
DEC = "month_end:dec"  # calendar year
NVDA = "last:sun:jan:q4"  # NVIDIA
AAPL = "last:sat:sep:q1"  # Apple
AMD = "last:sat:dec:q4"  # AMD
MAY = "month_end:may"  # Oracle


@pytest.mark.parametrize(
    ("rule", "fy", "q", "end"),
    [
        (AVGO, 2025, 3, D(2025, 8, 3)),  # Broadcom FY2025 Q3
        (AVGO, 2025, 4, D(2025, 11, 2)),
        (AVGO, 2025, 1, D(2025, 2, 2)),
        (AVGO, 2024, 1, D(2024, 2, 4)),  # 53-week year: 14-week Q1
        (AVGO, 2024, 4, D(2024, 11, 3)),
        (MRVL, 2026, 2, D(2025, 8, 2)),  # Marvell FY2026 Q2
        (MRVL, 2026, 1, D(2025, 5, 3)),
        (MRVL, 2026, 3, D(2025, 11, 1)),
        (MRVL, 2025, 4, D(2025, 2, 1)),
        (MRVL, 2025, 1, D(2024, 5, 4)),
        (JUN, 2025, 4, D(2025, 6, 30)),  # Microsoft FY2025 Q4
        (JUN, 2025, 1, D(2024, 9, 30)),
        (JUN, 2026, 1, D(2025, 9, 30)),
        (DEC, 2025, 2, D(2025, 6, 30)),
        (DEC, 2024, 4, D(2024, 12, 31)),
    ],
)
def test_quarter_ends(rule: str, fy: int, q: int, end: dt.date) -> None:
    assert fiscal_quarter_end(rule, fy, q) == end


def test_quarter_starts_follow_previous_end() -> None:
    assert fiscal_quarter_start(AVGO, 2025, 3) == D(2025, 5, 5)
    assert fiscal_quarter_start(AVGO, 2024, 1) == D(2023, 10, 30)
    assert fiscal_quarter_start(MRVL, 2026, 2) == D(2025, 5, 4)
    assert fiscal_quarter_start(JUN, 2025, 1) == D(2024, 7, 1)


def test_year_ends_and_week_counts() -> None:
    assert fiscal_year_end(AVGO, 2023) == D(2023, 10, 29)
    assert weeks_in_fiscal_year(AVGO, 2024) == 53
    assert weeks_in_fiscal_year(AVGO, 2025) == 52
    assert fiscal_year_end(MRVL, 2024) == D(2024, 2, 3)
    assert weeks_in_fiscal_year(MRVL, 2024) == 53
    with pytest.raises(ValueError, match="month-based"):
        weeks_in_fiscal_year(JUN, 2025)


def test_calendar_quarter_mapping() -> None:
    assert calendar_quarter_of_fiscal(AVGO, 2025, 3) == "2025Q2"
    assert calendar_quarter_of_fiscal(AVGO, 2024, 1) == "2023Q4"
    assert calendar_quarter_of_fiscal(MRVL, 2026, 2) == "2025Q2"
    assert calendar_quarter_of_fiscal(JUN, 2025, 4) == "2025Q2"
    assert calendar_quarter_of_fiscal(JUN, 2026, 1) == "2025Q3"
    assert calendar_quarter_of_period(D(2025, 1, 1), D(2025, 3, 31)) == "2025Q1"


def test_shift_and_errors() -> None:
    assert shift_calendar_quarter("2025Q1", -1) == "2024Q4"
    assert shift_calendar_quarter("2025Q2", -4) == "2024Q2"
    assert shift_calendar_quarter("2024Q4", 1) == "2025Q1"
    with pytest.raises(ValueError, match="not a rule"):
        fiscal_quarter_end("jan31", 2025, 1)
    with pytest.raises(ValueError, match="1-4"):
        fiscal_quarter_end(DEC, 2025, 5)


@pytest.mark.parametrize(
    ("rule", "fy", "q", "end"),
    [
        (NVDA, 2025, 4, D(2025, 1, 26)),  # NVIDIA FY2025 Q4
        (NVDA, 2026, 2, D(2025, 7, 27)),  # NVIDIA FY2026 Q2
        (AAPL, 2024, 4, D(2024, 9, 28)),  # Apple FY2024 Q4
        (MAY, 2025, 4, D(2025, 5, 31)),  # Oracle FY2025 Q4
        (MAY, 2026, 1, D(2025, 8, 31)),
        (MAY, 2025, 3, D(2025, 2, 28)),
        (AMD, 2024, 4, D(2024, 12, 28)),  # last Saturday of December 2024
        ("month_end:sep", 2025, 1, D(2024, 12, 31)),
        ("month_end:jan", 2026, 4, D(2026, 1, 31)),
        ("month_end:jan", 2026, 1, D(2025, 4, 30)),
    ],
)
def test_new_calendars(rule: str, fy: int, q: int, end: dt.date) -> None:
    assert fiscal_quarter_end(rule, fy, q) == end


def test_week53_quarter_is_data() -> None:
    # NVIDIA FY2021 ran 27 Jan 2020 - 31 Jan 2021 (53 weeks): the 14th week is in Q4
    assert weeks_in_fiscal_year(NVDA, 2021) == 53
    assert fiscal_quarter_end(NVDA, 2021, 3) == D(2020, 10, 25)
    assert (fiscal_quarter_end(NVDA, 2021, 4) - fiscal_quarter_end(NVDA, 2021, 3)).days == 98
    # Apple's FY2023 (53 weeks) put the extra week in Q1: Q1 = 14 weeks to 31 Dec 2022
    assert weeks_in_fiscal_year(AAPL, 2023) == 53
    assert fiscal_quarter_end(AAPL, 2023, 1) == D(2022, 12, 31)
    assert fiscal_quarter_start(AAPL, 2023, 1) == D(2022, 9, 25)
    # the same anchor with the extra week moved to Q1 shifts Q1-Q3 by one week
    assert fiscal_quarter_end("last:sun:jan:q1", 2021, 1) == D(2020, 5, 3)
    assert fiscal_quarter_end(NVDA, 2021, 1) == D(2020, 4, 26)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("dec31", "not a rule"),
        ("month_end:foo", "unknown month"),
        ("nearest:sun:oct-31", "not a rule"),
        ("nearest:sunday:oct-31:q1", "unknown weekday"),
        ("nearest:sun:feb-30:q1", "no day 30"),
        ("nearest:sun:oct31:q1", "<mon>-<day>"),
        ("last:sat:sep:q5", "q1..q4"),
    ],
)
def test_bad_rules_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_calendar(text)


def test_parse_and_describe() -> None:
    cal = parse_calendar(AVGO)
    assert (cal.kind, cal.month, cal.day, cal.weekday, cal.week53_quarter) == (
        "nearest",
        10,
        31,
        6,
        1,
    )
    assert cal.describe() == (
        "52/53-week year ending on the Sunday nearest October 31; 14th week in Q1"
    )
    assert parse_calendar(NVDA).describe() == (
        "52/53-week year ending on the last Sunday of January; 14th week in Q4"
    )
    assert parse_calendar(MAY).describe() == "year ends on the last day of May"
    assert is_calendar_year(DEC) and not is_calendar_year(JUN)
    assert fiscal_period_of_end(NVDA, D(2025, 7, 27)) == (2026, 2)
    assert fiscal_period_of_end(NVDA, D(2025, 7, 28)) is None
    assert fiscal_quarter_of_calendar(NVDA, "2025Q2") == (2026, 2)
    assert fiscal_quarter_of_calendar(MAY, "2025Q2") == (2025, 4)
