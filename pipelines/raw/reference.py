"""Cross-file context for validation: which companies and groups exist, and the calendars.

The financials, guidance and group-member models check tickers, groups and period ends
against the companies and groups tables. The raw assets set the context from the warehouse
before validating; on its own (tests, the CLI) a model falls back to the files in the raw
folder (``raw/companies.csv``, ``raw/groups.csv``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from pipelines import settings
from pipelines.raw.files import open_regular

_COMPANY_RULES: ContextVar[Mapping[str, str] | None] = ContextVar("company_rules", default=None)
_GROUPS: ContextVar[frozenset[str] | None] = ContextVar("groups", default=None)


@contextmanager
def companies_in_scope(
    rules: Mapping[str, str], groups: frozenset[str] | set[str] | None = None
) -> Iterator[None]:
    """Validate against ``rules`` (ticker → fiscal calendar) and ``groups`` inside the block."""
    token = _COMPANY_RULES.set(dict(rules))
    group_token = _GROUPS.set(frozenset(groups) if groups is not None else None)
    try:
        yield
    finally:
        _COMPANY_RULES.reset(token)
        _GROUPS.reset(group_token)


def _read_column(filename: str, key: str, value: str | None = None) -> list[tuple[str, str]]:
    path = settings.raw_dir() / filename
    try:
        with io.TextIOWrapper(open_regular(path), encoding="utf-8-sig", newline="") as handle:
            return [
                (row[key], row[value] if value else "")
                for row in csv.DictReader(handle)
                if row.get(key)
            ]
    except (OSError, KeyError, UnicodeDecodeError, csv.Error):
        return []


def company_rules() -> Mapping[str, str]:
    """Ticker → fiscal-calendar rule of the companies in scope."""
    rules = _COMPANY_RULES.get()
    if rules is not None:
        return rules
    return dict(_read_column("companies.csv", "ticker", "fiscal_calendar"))


def known_groups() -> frozenset[str] | None:
    """Names of the groups in scope (None: unknown, no check)."""
    groups = _GROUPS.get()
    if groups is not None:
        return groups
    names = _read_column("groups.csv", "group_name")
    return frozenset(n for n, _ in names) if names else None
