"""Shared vocabulary and rule helpers of the raw models.

The enumerations and patterns the models check against, each pattern in plain words
(``PATTERN_WORDS``), row-by-row and document-date checks, and the helpers that read a
sibling raw file for a cross-file rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandera.polars as pa
import polars as pl

# ----------------------------------------------------------------- enumerations
FINANCIAL_METRICS = [
    "capex_additions_to_pp_e",
    "capex_purchases_pp_e",
    "capex_purchases_pp_e_net_of_proceeds",
    "proceeds_pp_e_sales_incentives",
    "capex_incl_finance_leases",
    "revenue",
    "ai_revenue",
    "data_center_revenue",
    "operating_cash_flow",
    "depreciation_amortization",
    "rpo",
    "gross_margin_pct",
    "eps_adjusted",
]
#: Metrics that may be negative (a cash flow); every other USD_m amount is >= 0.
SIGNED_METRICS = ["operating_cash_flow"]
#: The unit each metric is stated in (every other metric: USD_m).
METRIC_UNITS = {"eps_adjusted": "USD_per_share", "gross_margin_pct": "percent"}
#: Metrics that can stand for a company's cash capex or be subtracted from it.
CAPEX_METRICS = ["capex_additions_to_pp_e", "capex_purchases_pp_e"]
CAPEX_LESS_METRICS = ["proceeds_pp_e_sales_incentives"]
NAME_PATTERN = r"^[A-Z][A-Z0-9_]{0,31}$"
VALUE_KINDS = ["actual", "consensus", "estimate", "guidance_low", "guidance_mid", "guidance_high"]
BASES = ["discrete", "ytd", "fy"]
UNITS = ["USD_m", "USD_per_share", "percent"]
CAPEX_DEFINITIONS = ["cash_pp_e", "incl_finance_leases", "unspecified"]
#: What kind of document a figure was read from (raw/README.md "source_type").
SOURCE_TYPES = ["filing", "press_release", "secondary", "claim_list", "machine_summary"]
QUALIFIERS = ["about", "more_than", "nearly", "less_than", "up_to", "at_least"]

SOURCE_URL_PATTERN = r"^(https?://\S+|seed/\S+.*|\S+\.(md|csv|txt)\b.*)$"


def source_type_field() -> Any:
    """The ``source_type`` column of a file of sourced figures (financials, capex guidance)."""
    return pa.Field(
        isin=SOURCE_TYPES,
        description="filing, press_release, secondary, claim_list or machine_summary: what "
        "kind of document the figure was read from; claim_list and machine_summary are "
        "unverified",
    )


#: A vendor name as printed (a chip of a new vendor is a data row, not a code change).
VENDOR_PATTERN = r"^[A-Za-z][A-Za-z0-9 .&-]{1,39}$"
CONCEPT_PATTERN = r"^[A-Z][A-Za-z0-9]*$"

#: Every ``str_matches`` pattern of the raw models in plain words: a rejection says these,
#: never the regular expression (``pipelines.raw.problems.plain_rule``).
PATTERN_WORDS: dict[str, str] = {
    NAME_PATTERN: "must be capital letters, digits and _, starting with a letter, at most 32 "
    "characters (e.g. MAMG, AI_SEMI)",
    SOURCE_URL_PATTERN: "must be an http(s) address, a seed/ path or a repository file "
    "(.md, .csv, .txt)",
    CONCEPT_PATTERN: "must be an XBRL concept name without its taxonomy (e.g. Revenues)",
    VENDOR_PATTERN: "must be 2 to 40 letters, digits, spaces or . & -, starting with a letter",
    r"^[A-Z]{1,5}$": "must be 1 to 5 capital letters (e.g. MSFT)",
    r"^[a-z0-9_]+$": "must be lower-case letters, digits and _ (e.g. cash_purchases_pp_e)",
    r"^C\d{3}(;C\d{3})*$": "must be claim ids separated by ; (e.g. C001;C002)",
    r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?$": "must be a date YYYY-MM-DD, optionally with a time "
    "HH:MM",
    r"^C\d{3}$": "must be C and three digits (e.g. C001)",
    r"^\d{4}Q[1-4]$": "must be a calendar quarter like 2025Q1",
    r"^([a-z_]+|\*)$": "must be a metric name (lower-case letters and _) or *",
    r"^FY\d{4}(Q[1-4])?$": "must be a fiscal year like FY2025 or a fiscal quarter like FY2025Q1",
}


def row_rule(data: pa.PolarsData, ok: Callable[[dict[str, Any]], bool]) -> pl.LazyFrame:
    """A dataframe check evaluated row by row in Python (for calendar logic)."""
    rows = data.lazyframe.collect().to_dicts()
    return pl.LazyFrame({"ok": [bool(ok(row)) for row in rows]}, schema={"ok": pl.Boolean})


#: Plausible dates of a document, a publication or a statement: from this day to today.
EARLIEST_DOCUMENT_DATE = dt.date(2000, 1, 1)
#: Days past today (UTC) a document date may be: a figure published late in the evening in
#: the Americas is already dated tomorrow elsewhere.
FUTURE_SLACK_DAYS = 1
DOCUMENT_DATE_RULE = (
    f"must be a date from {EARLIEST_DOCUMENT_DATE} to today: a document cannot be dated in the "
    "future"
)


def latest_document_date() -> dt.date:
    """The latest plausible document date: today (UTC) plus the slack, read at each check."""
    return dt.datetime.now(dt.UTC).date() + dt.timedelta(days=FUTURE_SLACK_DAYS)


def document_dates(data: pa.PolarsData) -> pl.LazyFrame:
    """Column check: the date is empty or within the plausible document dates."""
    column = pl.col(data.key)
    return data.lazyframe.select(
        column.is_null() | column.is_between(EARLIEST_DOCUMENT_DATE, latest_document_date())
    )


#: A date as sources print it: 2025-05-07, May 7, 2025, Aug. 05, 2025, 7 May 2025.
_MONTH = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
STATED_DATE = (
    rf"\b(\d{{4}}-\d{{2}}-\d{{2}}|{_MONTH} \d{{1,2}}, \d{{4}}|\d{{1,2}} {_MONTH} \d{{4}})\b"
)
#: A date that is a period's end, not the document's ("quarter ended 2026-06-27").
PERIOD_END_DATE = rf"(ended|ending|latest column|months to) {STATED_DATE}"


def title_date_without_date(data: pa.PolarsData) -> pl.LazyFrame:
    """Dataframe check: a row whose ``source_title`` states a document date (not a period's end)
    carries a date, ``published`` or ``published_before``."""
    title = pl.col("source_title").fill_null("").str.replace_all(PERIOD_END_DATE, "")
    return data.lazyframe.select(
        pl.col("published").is_not_null()
        | pl.col("published_before").is_not_null()
        | ~title.str.contains(STATED_DATE)
    )


# ------------------------------------------------------------- sibling raw files
# Cross-file rules read the sibling file from ``settings.raw_dir()``.
#: A chip name standing for every chip (a value shared by all of them).
ALL_CHIPS = "*"


def sibling_rows(filename: str) -> list[dict[str, str]] | None:
    """Rows of another raw file (``raw_dir()/filename``) as text; None if it cannot be read."""
    import csv
    import io

    from pipelines import settings
    from pipelines.raw.files import open_regular

    try:
        path = settings.raw_dir() / filename
        with io.TextIOWrapper(open_regular(path), encoding="utf-8-sig", newline="") as handle:
            return [
                {k: (v or "").strip() for k, v in row.items() if k}
                for row in csv.DictReader(handle)
            ]
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def sibling_keys(filename: str, key: str, field: str | None = None) -> set[Any] | None:
    rows = sibling_rows(filename)
    if rows is None:
        return None
    if field is None:
        return {row.get(key, "") for row in rows}
    return {(row.get(key, ""), row.get(field, "")) for row in rows}


def has_source_row(
    data: pa.PolarsData, key: str, sources_file: str, wildcard: bool = False
) -> pl.LazyFrame:
    """Column check: a non-empty value in column ``data.key`` needs a (key, column) row in
    ``sources_file``."""
    sourced = sibling_keys(sources_file, key, "field") or set()
    frame = data.lazyframe.select(key, data.key).collect()
    column = data.key
    ok = [
        value is None or (name, column) in sourced or (wildcard and (ALL_CHIPS, column) in sourced)
        for name, value in zip(frame[key].to_list(), frame[column].to_list(), strict=True)
    ]
    return pl.LazyFrame({"ok": ok}, schema={"ok": pl.Boolean})


def names_existing(
    data: pa.PolarsData, key: str, parent_file: str, wildcard: bool = False
) -> pl.LazyFrame:
    """Dataframe check: ``key`` of each row names a row of ``parent_file`` (or ``*``)."""
    known = sibling_keys(parent_file, key) or set()
    names = data.lazyframe.select(key).collect()[key].to_list()
    ok = [name in known or (wildcard and name == ALL_CHIPS) for name in names]
    return pl.LazyFrame({"ok": ok}, schema={"ok": pl.Boolean})
