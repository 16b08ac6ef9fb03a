"""Fiscal calendars: pure functions mapping a company's fiscal quarters to dates.

Rules (see ``raw/companies.csv``, column ``fiscal_year_end_rule``):

* ``dec31`` — calendar year (Alphabet, Amazon, Meta).
* ``jun30`` — fiscal year ends 30 June (Microsoft: FY2025 = July 2024 – June 2025).
* ``sunday_nearest_oct31`` — 52/53-week year ending on the Sunday nearest 31 October
  (Broadcom). Quarters are 13 weeks counted back from the year end, so in a 53-week year
  the extra week falls in Q1 (Broadcom FY2024 Q1 ran 14 weeks to 4 Feb 2024).
* ``saturday_nearest_jan31`` — 52/53-week year ending on the Saturday nearest 31 January
  (Marvell). Quarters are 13 weeks counted forward from the previous year end, so a 53rd
  week falls in Q4.

Fiscal years are named by the calendar year in which they end (Microsoft FY2025 ends
2025-06-30; Marvell FY2026 ends 2026-01-31).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

FiscalRule = Literal["dec31", "jun30", "sunday_nearest_oct31", "saturday_nearest_jan31"]
FISCAL_RULES: tuple[str, ...] = ("dec31", "jun30", "sunday_nearest_oct31", "saturday_nearest_jan31")

_WEEK = dt.timedelta(weeks=1)
_QUARTER_WEEKS = 13


def _nearest_weekday(target: dt.date, weekday: int) -> dt.date:
    """The date with ``weekday`` (Mon=0 … Sun=6) nearest to ``target`` (ties cannot occur)."""
    delta = (weekday - target.weekday()) % 7
    if delta > 3:
        delta -= 7
    return target + dt.timedelta(days=delta)


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def _check(rule: str, quarter: int | None = None) -> None:
    if rule not in FISCAL_RULES:
        raise ValueError(f"unknown fiscal rule {rule!r}; expected one of {FISCAL_RULES}")
    if quarter is not None and quarter not in (1, 2, 3, 4):
        raise ValueError(f"fiscal quarter must be 1-4, got {quarter!r}")


def fiscal_year_end(rule: str, fiscal_year: int) -> dt.date:
    """Last day of ``fiscal_year`` under ``rule``."""
    _check(rule)
    if rule == "dec31":
        return dt.date(fiscal_year, 12, 31)
    if rule == "jun30":
        return dt.date(fiscal_year, 6, 30)
    if rule == "sunday_nearest_oct31":
        return _nearest_weekday(dt.date(fiscal_year, 10, 31), 6)
    return _nearest_weekday(dt.date(fiscal_year, 1, 31), 5)


def fiscal_year_start(rule: str, fiscal_year: int) -> dt.date:
    """First day of ``fiscal_year`` (the day after the previous year end)."""
    return fiscal_year_end(rule, fiscal_year - 1) + dt.timedelta(days=1)


def weeks_in_fiscal_year(rule: str, fiscal_year: int) -> int:
    """52 or 53 for week-based rules; 52 for month-based rules is meaningless, so raises."""
    if rule in ("dec31", "jun30"):
        raise ValueError(f"{rule} is a month-based calendar, not a 52/53-week one")
    days = (fiscal_year_end(rule, fiscal_year) - fiscal_year_end(rule, fiscal_year - 1)).days
    return days // 7


def fiscal_quarter_end(rule: str, fiscal_year: int, quarter: int) -> dt.date:
    """Last day of fiscal ``quarter`` (1-4) of ``fiscal_year``."""
    _check(rule, quarter)
    end = fiscal_year_end(rule, fiscal_year)
    if rule in ("dec31", "jun30"):
        month = end.month - 3 * (4 - quarter)
        year = end.year
        while month <= 0:
            month += 12
            year -= 1
        return _month_end(year, month)
    if rule == "sunday_nearest_oct31":  # count back from the year end: extra week in Q1
        return end - (4 - quarter) * _QUARTER_WEEKS * _WEEK
    previous_end = fiscal_year_end(rule, fiscal_year - 1)  # count forward: extra week in Q4
    return end if quarter == 4 else previous_end + quarter * _QUARTER_WEEKS * _WEEK


def fiscal_quarter_start(rule: str, fiscal_year: int, quarter: int) -> dt.date:
    """First day of fiscal ``quarter`` of ``fiscal_year``."""
    if quarter == 1:
        return fiscal_year_start(rule, fiscal_year)
    return fiscal_quarter_end(rule, fiscal_year, quarter - 1) + dt.timedelta(days=1)


def calendar_quarter_label(day: dt.date) -> str:
    """``2025Q2`` for any day in April–June 2025."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def calendar_quarter_of_period(start: dt.date, end: dt.date) -> str:
    """Calendar quarter a fiscal period is compared on: the one holding the period's midpoint.

    Broadcom FY2025 Q3 (5 May – 3 Aug 2025) and Marvell FY2026 Q2 (4 May – 2 Aug 2025) both
    map to ``2025Q2``; Microsoft FY2025 Q4 (Apr–Jun 2025) maps to ``2025Q2``.
    """
    if end < start:
        raise ValueError(f"period end {end} is before its start {start}")
    return calendar_quarter_label(start + (end - start) / 2)


def calendar_quarter_of_fiscal(rule: str, fiscal_year: int, quarter: int) -> str:
    """Calendar quarter label of a company's fiscal quarter."""
    return calendar_quarter_of_period(
        fiscal_quarter_start(rule, fiscal_year, quarter),
        fiscal_quarter_end(rule, fiscal_year, quarter),
    )


def shift_calendar_quarter(label: str, quarters: int) -> str:
    """``shift_calendar_quarter("2025Q1", -1) == "2024Q4"``."""
    year, q = int(label[:4]), int(label[5])
    index = year * 4 + (q - 1) + quarters
    return f"{index // 4}Q{index % 4 + 1}"
