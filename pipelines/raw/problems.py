"""A validation problem and its words: the rule in plain words, the quarantine rows.

Every problem names file, row, column, value and rule; ``plain_rule`` turns a pandera check
name into words, ``problems_frame`` makes rows of ``quarantine.rejected_rows``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from pipelines.raw.models import PATTERN_WORDS

_CHECK = re.compile(r"^(?P<name>[a-z_]+)\((?P<args>.*)\)$", re.S)


def _arg_list(text: str) -> list[str]:
    return [a.strip().strip("'\"") for a in text.strip("[]").split(",") if a.strip()]


def plain_rule(check: str) -> str:
    """A pandera check name (``in_range(0, 100)``, ``str_matches('^...$')``, ``isin([...])``,
    ``field_uniqueness``) in plain words; any other text is returned as it is."""
    if check == "field_uniqueness":
        return "must be unique (the value is on more than one row)"
    match = _CHECK.match(check)
    if match is None:
        return check
    name, args = match["name"], match["args"]
    if name == "str_matches":
        pattern = args.strip()[1:-1].replace("\\\\", "\\")
        return PATTERN_WORDS.get(pattern, f"must have the form {pattern}")
    values = _arg_list(args)
    if name == "in_range" and len(values) == 2:
        return f"must be between {values[0]} and {values[1]}"
    if name == "isin":
        return "must be one of: " + ", ".join(values)
    if name == "notin":
        return "must not be one of: " + ", ".join(values)
    if name == "str_length" and len(values) == 2:
        low, high = (None if v == "None" else v for v in values)
        if low and high:
            return f"must be {low} to {high} characters long"
        return f"must be at least {low} characters long" if low else f"at most {high} characters"
    words = {
        "greater_than_or_equal_to": "must be at least",
        "less_than_or_equal_to": "must be at most",
        "greater_than": "must be more than",
        "less_than": "must be less than",
        "equal_to": "must be",
        "not_equal_to": "must not be",
    }
    if name in words and len(values) == 1:
        return f"{words[name]} {values[0]}"
    return check


@dataclass(frozen=True)
class Problem:
    """One validation failure."""

    file: str
    row: int | None  # line number in the file, header = 1; None for file-level problems
    column: str | None
    value: str | None
    rule: str
    record: str | None = None  # the whole row as JSON
    label: str | None = None  # the row's key, e.g. "chip 'GB200'" (models opting in, see below)

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" if self.row is not None else self.file
        if self.label:
            where += f" ({self.label})"
        col = f", column {self.column!r}" if self.column else ""
        val = f", value {self.value!r}" if self.value is not None else ""
        return f"{where}{col}{val}: {self.rule}"


def problems_frame(problems: list[Problem], dataset: str, run_id: str) -> pl.DataFrame:
    """Problems as rows of ``quarantine.rejected_rows``."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return pl.DataFrame(
        {
            "run_id": [run_id] * len(problems),
            "detected_at": [now] * len(problems),
            "dataset": [dataset] * len(problems),
            "file": [p.file for p in problems],
            "row_number": [p.row for p in problems],
            "column": [p.column for p in problems],
            "value": [p.value for p in problems],
            "rule": [p.rule for p in problems],
            "record": [p.record for p in problems],
        },
        schema={
            "run_id": pl.Utf8,
            "detected_at": pl.Datetime("us"),
            "dataset": pl.Utf8,
            "file": pl.Utf8,
            "row_number": pl.Int32,
            "column": pl.Utf8,
            "value": pl.Utf8,
            "rule": pl.Utf8,
            "record": pl.Utf8,
        },
    )
