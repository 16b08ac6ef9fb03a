"""Growth and period arithmetic: small pure functions, tested directly (tests/test_growth.py).

Conventions used by every mart:

* Percentages are numbers (``69.4`` means 69.4 %).
* A growth rate needs both periods: a missing value on either side, or a base of zero,
  gives ``None`` (SQL ``NULL``) — never a number computed against the wrong base.
* Discrete quarters are derived from cumulative figures only by subtraction of figures of
  the same fiscal year: ``Q2 = H1 - Q1``, ``Q3 = 9M - H1``, ``Q4 = FY - 9M``, and the
  reverse ``Q1 = H1 - Q2``. A cumulative figure is itself known when it is reported
  (year to date, full year) or when every quarter up to it is known.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

#: Names of the cumulative figure that ends in fiscal quarter k.
CUMULATIVE_NAMES = {1: "Q1", 2: "H1", 3: "9M", 4: "FY"}


def pct_change(current: float | None, base: float | None) -> float | None:
    """``(current / base - 1) * 100``; ``None`` when either side is missing or the base is 0."""
    if current is None or base is None:
        return None
    if isinstance(current, float) and math.isnan(current):
        return None
    if isinstance(base, float) and math.isnan(base):
        return None
    if base == 0:
        return None
    return (current / base - 1.0) * 100.0


def pct_change_expr(current: pl.Expr, base: pl.Expr) -> pl.Expr:
    """:func:`pct_change` as a polars expression (NULL for a missing side or a zero base)."""
    return (
        pl.when(current.is_not_null() & base.is_not_null() & (base != 0))
        .then((current / base - 1.0) * 100.0)
        .otherwise(None)
        .cast(pl.Float64)
    )


def share_pct(part: float | None, total: float | None) -> float | None:
    """``part / total * 100``; ``None`` when either is missing or the total is 0."""
    if part is None or total is None or total == 0:
        return None
    return part / total * 100.0


def ratio_pct_expr(part: pl.Expr, total: pl.Expr) -> pl.Expr:
    """:func:`share_pct` as a polars expression."""
    return (
        pl.when(part.is_not_null() & total.is_not_null() & (total != 0))
        .then(part / total * 100.0)
        .otherwise(None)
        .cast(pl.Float64)
    )


def ttm(values: Sequence[float | None]) -> float | None:
    """Trailing twelve months: the sum of exactly four quarters, ``None`` if any is missing."""
    if len(values) != 4 or any(v is None for v in values):
        return None
    return float(sum(v for v in values if v is not None))


def cagr_pct(start: float | None, end: float | None, years: float) -> float | None:
    """Compound annual growth rate in percent; ``None`` for missing or non-positive inputs."""
    if start is None or end is None or start <= 0 or end <= 0 or years <= 0:
        return None
    return ((end / start) ** (1.0 / years) - 1.0) * 100.0


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:g}"


def _paren(expr: str) -> str:
    return f"({expr})" if " " in expr else expr


@dataclass(frozen=True)
class DerivedQuarter:
    """A discrete fiscal quarter: its value and, if it was derived, how."""

    value: float
    method: str | None  # None = reported as a discrete quarter

    @property
    def is_derived(self) -> bool:
        return self.method is not None


@dataclass(frozen=True)
class _Cumulative:
    value: float
    symbols: str  # e.g. "H1", "Q1 + Q2 + Q3", "H1 - Q2"
    numbers: str  # the same with the figures, e.g. "14573 - 8173"


def derive_discrete_quarters(
    discrete: Mapping[int, float],
    cumulative: Mapping[int, float],
) -> dict[int, DerivedQuarter]:
    """Every discrete quarter of one fiscal year that the figures determine.

    ``discrete`` maps fiscal quarter (1-4) to a reported three-month value; ``cumulative``
    maps k to a reported year-to-date value ending in quarter k (2 = H1, 3 = 9M, 4 = FY).
    Reported quarters are returned as reported. Missing ones are derived, with the method
    spelled out, e.g. ``"Q4 = FY - 9M = 52729 - 38141"``:

    * ``Q_k = C_k - C_(k-1)`` (``Q2 = H1 - Q1``, ``Q3 = 9M - H1``, ``Q4 = FY - 9M``);
    * ``C_(k-1) = C_k - Q_k``, which gives ``Q1 = H1 - Q2``;
    * a cumulative figure not reported is known when all quarters up to it are
      (Alphabet: ``Q4 = FY - (Q1 + Q2 + Q3)``).

    A quarter that the figures do not determine is absent from the result.
    """
    for q in list(discrete) + list(cumulative):
        if q not in (1, 2, 3, 4):
            raise ValueError(f"fiscal quarter must be 1-4, got {q!r}")
    quarters = {q: DerivedQuarter(float(v), None) for q, v in discrete.items()}
    cum = {
        k: _Cumulative(float(v), CUMULATIVE_NAMES[k], _fmt(float(v))) for k, v in cumulative.items()
    }
    cum[0] = _Cumulative(0.0, "", "")
    changed = True
    while changed:
        changed = False
        for k in (1, 2, 3, 4):  # C_k = C_(k-1) + Q_k
            if k not in cum and (k - 1) in cum and k in quarters:
                prev, q = cum[k - 1], quarters[k]
                join = " + " if prev.symbols else ""
                cum[k] = _Cumulative(
                    prev.value + q.value,
                    f"{prev.symbols}{join}Q{k}",
                    f"{prev.numbers}{join}{_fmt(q.value)}",
                )
                changed = True
        for k in (4, 3, 2):  # C_(k-1) = C_k - Q_k
            if (k - 1) not in cum and k in cum and k in quarters:
                this, q = cum[k], quarters[k]
                cum[k - 1] = _Cumulative(
                    this.value - q.value,
                    f"{this.symbols} - Q{k}",
                    f"{this.numbers} - {_fmt(q.value)}",
                )
                changed = True
        for k in (1, 2, 3, 4):  # Q_k = C_k - C_(k-1)
            if k not in quarters and k in cum and (k - 1) in cum:
                this, prev = cum[k], cum[k - 1]
                if prev.symbols:
                    method = (
                        f"Q{k} = {this.symbols} - {_paren(prev.symbols)} = "
                        f"{this.numbers} - {_paren(prev.numbers)}"
                    )
                else:
                    method = f"Q{k} = {this.symbols} = {this.numbers}"
                quarters[k] = DerivedQuarter(this.value - prev.value, method)
                changed = True
    return dict(sorted(quarters.items()))


# ------------------------------------------------------------------ period arithmetic
def shift_fiscal_quarter(fiscal_year: int, fiscal_quarter: int, quarters: int) -> tuple[int, int]:
    """``shift_fiscal_quarter(2025, 1, -1) == (2024, 4)``."""
    if fiscal_quarter not in (1, 2, 3, 4):
        raise ValueError(f"fiscal quarter must be 1-4, got {fiscal_quarter!r}")
    index = fiscal_year * 4 + (fiscal_quarter - 1) + quarters
    return index // 4, index % 4 + 1


def fiscal_label(fiscal_year: int, fiscal_quarter: int | None = None) -> str:
    """``FY2025Q3`` (or ``FY2025`` for a whole year), the claims' spelling of fiscal periods."""
    return f"FY{fiscal_year}" if fiscal_quarter is None else f"FY{fiscal_year}Q{fiscal_quarter}"


def calendar_quarters_between(first: str, last: str) -> list[str]:
    """Every calendar quarter label from ``first`` to ``last`` inclusive."""

    def index(label: str) -> int:
        return int(label[:4]) * 4 + int(label[5]) - 1

    return [f"{i // 4}Q{i % 4 + 1}" for i in range(index(first), index(last) + 1)]
