"""Cross-file context for validation: which companies exist and their fiscal calendars.

The financials and guidance models check tickers and period ends against the companies
table. The raw assets set the context from ``raw.companies`` before validating; on its
own (tests, the CLI) a model falls back to the shipped ``raw/companies.csv``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from pipelines import settings

_COMPANY_RULES: ContextVar[Mapping[str, str] | None] = ContextVar("company_rules", default=None)


@contextmanager
def companies_in_scope(rules: Mapping[str, str]) -> Iterator[None]:
    """Validate against ``rules`` (ticker → fiscal_year_end_rule) inside the block."""
    token = _COMPANY_RULES.set(dict(rules))
    try:
        yield
    finally:
        _COMPANY_RULES.reset(token)


def company_rules() -> Mapping[str, str]:
    """Ticker → fiscal-year-end rule of the companies in scope."""
    rules = _COMPANY_RULES.get()
    if rules is not None:
        return rules
    path = settings.raw_dir() / "companies.csv"
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return {
                row["ticker"]: row["fiscal_year_end_rule"]
                for row in csv.DictReader(handle)
                if row.get("ticker")
            }
    except (OSError, KeyError, UnicodeDecodeError):
        return {}
