"""Fiscal calendars: pure functions mapping a company's fiscal quarters to dates.

A company's calendar is data (``raw/companies.csv``, column ``fiscal_calendar``), one rule of
a small vocabulary: ``month_end:<mon>``, ``nearest:<weekday>:<mon>-<day>:q<n>`` and
``last:<weekday>:<mon>:q<n>``. What each rule means, how 53-week years and fiscal-year names
work, with examples: docs/add-a-company-or-group.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

_WEEK = dt.timedelta(weeks=1)
_QUARTER_WEEKS = 13
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The rule grammar, as shown in error messages and docs.
GRAMMAR = (
    "month_end:<mon> | nearest:<weekday>:<mon>-<day>:q<1-4> | last:<weekday>:<mon>:q<1-4> "
    "(mon = jan..dec, weekday = mon..sun)"
)

Kind = Literal["month_end", "nearest", "last"]


@dataclass(frozen=True)
class FiscalCalendar:
    """A parsed fiscal-calendar rule."""

    kind: Kind
    month: int  # 1-12: the month the year ends in (or the anchor date's month)
    day: int | None = None  # anchor day of month, ``nearest`` only
    weekday: int | None = None  # Mon=0 … Sun=6, week-based kinds only
    week53_quarter: int | None = None  # the quarter with the 14th week, week-based only

    @property
    def is_week_based(self) -> bool:
        return self.kind != "month_end"

    @property
    def is_calendar_year(self) -> bool:
        """True when fiscal quarters are calendar quarters (a year to 31 December)."""
        return self.kind == "month_end" and self.month == 12

    def describe(self) -> str:
        month = dt.date(2000, self.month, 1).strftime("%B")
        if self.kind == "month_end":
            return f"year ends on the last day of {month}"
        weekday = dt.date(2024, 1, 1 + (self.weekday or 0)).strftime("%A")  # 2024-01-01: Monday
        where = (
            f"the {weekday} nearest {month} {self.day}"
            if self.kind == "nearest"
            else f"the last {weekday} of {month}"
        )
        return f"52/53-week year ending on {where}; 14th week in Q{self.week53_quarter}"


def _index(token: str, names: tuple[str, ...], what: str, text: str) -> int:
    try:
        return names.index(token.lower())
    except ValueError:
        raise ValueError(
            f"fiscal calendar {text!r}: unknown {what} {token!r} (expected one of "
            f"{', '.join(names)}); grammar: {GRAMMAR}"
        ) from None


def _week53(token: str, text: str) -> int:
    if len(token) == 2 and token[0].lower() == "q" and token[1] in "1234":
        return int(token[1])
    raise ValueError(
        f"fiscal calendar {text!r}: {token!r} must name the quarter with the 14th week "
        f"(q1..q4); grammar: {GRAMMAR}"
    )


@lru_cache(maxsize=256)
def parse_calendar(text: str) -> FiscalCalendar:
    """Parse a rule of the vocabulary above; ``ValueError`` naming the problem otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"fiscal calendar {text!r} is empty; grammar: {GRAMMAR}")
    parts = text.strip().split(":")
    kind = parts[0].lower()
    if kind == "month_end" and len(parts) == 2:
        return FiscalCalendar("month_end", _index(parts[1], MONTHS, "month", text) + 1)
    if kind == "nearest" and len(parts) == 4:
        weekday = _index(parts[1], WEEKDAYS, "weekday", text)
        month_day = parts[2].split("-")
        if len(month_day) != 2 or not month_day[1].isdigit():
            raise ValueError(
                f"fiscal calendar {text!r}: {parts[2]!r} must be <mon>-<day> (e.g. oct-31); "
                f"grammar: {GRAMMAR}"
            )
        month = _index(month_day[0], MONTHS, "month", text) + 1
        day = int(month_day[1])
        try:
            dt.date(2001, month, day)  # a non-leap year: 29 February is no anchor
        except ValueError:
            raise ValueError(f"fiscal calendar {text!r}: no day {day} in that month") from None
        return FiscalCalendar("nearest", month, day, weekday, _week53(parts[3], text))
    if kind == "last" and len(parts) == 4:
        weekday = _index(parts[1], WEEKDAYS, "weekday", text)
        month = _index(parts[2], MONTHS, "month", text) + 1
        return FiscalCalendar("last", month, None, weekday, _week53(parts[3], text))
    raise ValueError(f"fiscal calendar {text!r} is not a rule; grammar: {GRAMMAR}")


def _calendar(rule: str | FiscalCalendar) -> FiscalCalendar:
    return rule if isinstance(rule, FiscalCalendar) else parse_calendar(rule)


def _check_quarter(quarter: int) -> None:
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"fiscal quarter must be 1-4, got {quarter!r}")


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


def _last_weekday(year: int, month: int, weekday: int) -> dt.date:
    end = _month_end(year, month)
    return end - dt.timedelta(days=(end.weekday() - weekday) % 7)


def fiscal_year_end(rule: str | FiscalCalendar, fiscal_year: int) -> dt.date:
    """Last day of ``fiscal_year`` under ``rule``."""
    cal = _calendar(rule)
    if cal.kind == "month_end":
        return _month_end(fiscal_year, cal.month)
    if cal.kind == "nearest":
        assert cal.day is not None and cal.weekday is not None
        return _nearest_weekday(dt.date(fiscal_year, cal.month, cal.day), cal.weekday)
    assert cal.weekday is not None
    return _last_weekday(fiscal_year, cal.month, cal.weekday)


def fiscal_year_start(rule: str | FiscalCalendar, fiscal_year: int) -> dt.date:
    """First day of ``fiscal_year`` (the day after the previous year end)."""
    return fiscal_year_end(rule, fiscal_year - 1) + dt.timedelta(days=1)


def weeks_in_fiscal_year(rule: str | FiscalCalendar, fiscal_year: int) -> int:
    """52 or 53 for week-based rules; a month-based calendar has no week count, so raises."""
    cal = _calendar(rule)
    if not cal.is_week_based:
        raise ValueError(f"{rule} is a month-based calendar, not a 52/53-week one")
    days = (fiscal_year_end(cal, fiscal_year) - fiscal_year_end(cal, fiscal_year - 1)).days
    return days // 7


def fiscal_quarter_end(rule: str | FiscalCalendar, fiscal_year: int, quarter: int) -> dt.date:
    """Last day of fiscal ``quarter`` (1-4) of ``fiscal_year``."""
    cal = _calendar(rule)
    _check_quarter(quarter)
    end = fiscal_year_end(cal, fiscal_year)
    if quarter == 4:
        return end
    if cal.kind == "month_end":
        month, year = end.month - 3 * (4 - quarter), end.year
        while month <= 0:
            month += 12
            year -= 1
        return _month_end(year, month)
    previous_end = fiscal_year_end(cal, fiscal_year - 1)
    long_year = weeks_in_fiscal_year(cal, fiscal_year) == 53
    extra = 1 if long_year and quarter >= (cal.week53_quarter or 4) else 0
    return previous_end + (quarter * _QUARTER_WEEKS + extra) * _WEEK


def fiscal_quarter_start(rule: str | FiscalCalendar, fiscal_year: int, quarter: int) -> dt.date:
    """First day of fiscal ``quarter`` of ``fiscal_year``."""
    if quarter == 1:
        return fiscal_year_start(rule, fiscal_year)
    return fiscal_quarter_end(rule, fiscal_year, quarter - 1) + dt.timedelta(days=1)


def fiscal_period_of_end(rule: str | FiscalCalendar, end: dt.date) -> tuple[int, int] | None:
    """The fiscal (year, quarter) whose quarter ends on ``end``, or None if none does."""
    for fiscal_year in (end.year - 1, end.year, end.year + 1):
        for quarter in (1, 2, 3, 4):
            if fiscal_quarter_end(rule, fiscal_year, quarter) == end:
                return fiscal_year, quarter
    return None


def is_calendar_year(rule: str | FiscalCalendar) -> bool:
    """True when the company's fiscal quarters are calendar quarters."""
    return _calendar(rule).is_calendar_year


def calendar_quarter_label(day: dt.date) -> str:
    """``2025Q2`` for any day in April–June 2025."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def calendar_quarter_of_period(start: dt.date, end: dt.date) -> str:
    """Calendar quarter a fiscal period is compared on: the one holding the period's midpoint.

    A quarter of 5 May – 3 Aug 2025 and one of 4 May – 2 Aug 2025 both map to ``2025Q2``;
    April–June 2025 maps to ``2025Q2``.
    """
    if end < start:
        raise ValueError(f"period end {end} is before its start {start}")
    return calendar_quarter_label(start + (end - start) / 2)


def calendar_quarter_of_fiscal(rule: str | FiscalCalendar, fiscal_year: int, quarter: int) -> str:
    """Calendar quarter label of a company's fiscal quarter."""
    return calendar_quarter_of_period(
        fiscal_quarter_start(rule, fiscal_year, quarter),
        fiscal_quarter_end(rule, fiscal_year, quarter),
    )


def fiscal_quarter_of_calendar(rule: str | FiscalCalendar, label: str) -> tuple[int, int]:
    """The fiscal (year, quarter) of a company whose quarter maps to calendar ``label``."""
    year = int(label[:4])
    for fiscal_year in (year, year + 1, year - 1):
        for quarter in (1, 2, 3, 4):
            if calendar_quarter_of_fiscal(rule, fiscal_year, quarter) == label:
                return fiscal_year, quarter
    raise ValueError(f"no fiscal quarter under rule {rule!r} maps to {label}")


def shift_calendar_quarter(label: str, quarters: int) -> str:
    """``shift_calendar_quarter("2025Q1", -1) == "2024Q4"``."""
    year, q = int(label[:4]), int(label[5])
    index = year * 4 + (q - 1) + quarters
    return f"{index // 4}Q{index % 4 + 1}"
