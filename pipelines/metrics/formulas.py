"""Every formula of the metrics domain as a pure function: numbers in, a number (or None and
the reason) out. No frames, no I/O; the mart builders call these row by row.

A result that cannot be computed is ``Result(None, reason)``, never a guess: a missing
input, a zero denominator or (where the ratio would read wrongly) a negative one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """A computed value, or None with the reason it cannot be computed."""

    value: float | None
    reason: str | None = None


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def ratio_pct(
    numerator: float | None,
    denominator: float | None,
    numerator_name: str = "numerator",
    denominator_name: str = "denominator",
    positive_denominator: bool = False,
) -> Result:
    """``numerator / denominator x 100``.

    None with a reason when an input is missing, the denominator is zero, or (with
    ``positive_denominator``) the denominator is negative: capex over a negative operating
    cash flow is not a coverage ratio."""
    missing = [
        name
        for name, value in ((numerator_name, numerator), (denominator_name, denominator))
        if _missing(value)
    ]
    if missing:
        return Result(None, f"{' and '.join(missing)} missing")
    assert numerator is not None and denominator is not None
    if denominator == 0:
        return Result(None, f"{denominator_name} is zero")
    if positive_denominator and denominator < 0:
        return Result(
            None, f"{denominator_name} is negative ({denominator:g}): the ratio is not meaningful"
        )
    return Result(numerator / denominator * 100.0)


def free_cash_flow_after_capex(operating_cash_flow: float | None, capex: float | None) -> Result:
    """Operating cash flow minus capex (negative when capex exceeds the cash generated)."""
    missing = [
        n
        for n, v in (("operating_cash_flow", operating_cash_flow), ("capex", capex))
        if _missing(v)
    ]
    if missing:
        return Result(None, f"{' and '.join(missing)} missing")
    assert operating_cash_flow is not None and capex is not None
    return Result(operating_cash_flow - capex)


def change_pp(current_pct: float | None, earlier_pct: float | None) -> float | None:
    """Change of a percentage in percentage points; None if either is missing."""
    if _missing(current_pct) or _missing(earlier_pct):
        return None
    assert current_pct is not None and earlier_pct is not None
    return current_pct - earlier_pct


def growth_pct(current: float | None, base: float | None) -> Result:
    """``(current / base - 1) x 100``; None when either is missing or the base is not
    positive (growth over a zero or negative base says nothing)."""
    if _missing(current) or _missing(base):
        return Result(None, "current or base missing")
    assert current is not None and base is not None
    if base <= 0:
        return Result(None, f"base is not positive ({base:g})")
    return Result((current / base - 1.0) * 100.0)


def trailing_sum(values: Sequence[float | None], quarters: int = 4) -> float | None:
    """Sum of exactly ``quarters`` values (trailing twelve months by default); None if any
    is missing or there are not enough."""
    if len(values) != quarters or any(_missing(v) for v in values):
        return None
    return float(sum(v for v in values if v is not None))


def complete_sum(values: Mapping[str, float | None]) -> tuple[float | None, list[str]]:
    """(sum, []) when every member has a value; (None, missing members, sorted) otherwise,
    never a partial sum. An empty mapping has no sum."""
    missing = sorted(k for k, v in values.items() if _missing(v))
    if missing or not values:
        return None, missing
    return float(sum(v for v in values.values() if v is not None)), []


def guidance_point(low: float | None, mid: float | None, high: float | None) -> float | None:
    """The figure a guidance range is read at: the stated mid, else the middle of the range,
    else the one bound given."""
    if not _missing(mid):
        return mid
    if not _missing(low) and not _missing(high):
        assert low is not None and high is not None
        return (low + high) / 2.0
    if not _missing(low):
        return low
    if not _missing(high):
        return high
    return None


def implied_remaining(
    guided_total: float | None, published_to_date: float | None, quarters_left: int
) -> Result:
    """Capex a full-period guidance implies for the quarters not yet published:
    ``guided_total - published_to_date``. None when the guidance bound is missing, the
    published figure is unknown, or nothing is left to imply. A negative value (guidance
    below what is already spent) is returned as it is: the statement then contradicts
    the actuals."""
    if quarters_left <= 0:
        return Result(None, "every quarter of the period was already published")
    if _missing(guided_total):
        return Result(None, "no such bound in the statement")
    if _missing(published_to_date):
        return Result(None, "capex published to date unknown")
    assert guided_total is not None and published_to_date is not None
    return Result(guided_total - published_to_date)


def per_quarter(total: float | None, quarters: int) -> float | None:
    """``total / quarters``; None when either is missing or zero."""
    if _missing(total) or quarters <= 0:
        return None
    assert total is not None
    return total / quarters


def capture_ratio_pct(supplier_revenue: float | None, spender_capex: float | None) -> Result:
    """Suppliers' AI / data-center revenue as a % of the spenders' capex."""
    return ratio_pct(
        supplier_revenue,
        spender_capex,
        "supplier revenue",
        "spender capex",
        positive_denominator=True,
    )
