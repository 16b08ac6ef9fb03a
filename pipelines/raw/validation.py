"""Validating a raw CSV file against its pandera model.

Every problem is reported at once, each naming file, row, column, value and rule. The file
is read by ``pipelines.raw.csv_text``; a problem and its words are ``pipelines.raw.problems``
(re-exported here).
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaError, SchemaErrors

from pipelines.raw.csv_text import read_csv_text
from pipelines.raw.problems import Problem, plain_rule, problems_frame

__all__ = [
    "FINITE_RULE",
    "TYPE_WORDS",
    "Problem",
    "ValidationResult",
    "plain_rule",
    "problems_frame",
    "read_csv_text",
    "validate_file",
]

_RULE_COLUMN = re.compile(r"\[([A-Za-z0-9_]+)\]\s*$")

#: Rule applied to every float column of every raw model (pandera's ``ge``/``le`` checks let
#: ``inf`` and ``NaN`` through; ``1e309`` parses as ``inf``).
FINITE_RULE = "must be a finite number (inf, -inf, NaN and values beyond ±1.8e308 are refused)"


#: Column types in words (a cell that does not parse as its column's type).
TYPE_WORDS = {
    "Float64": "must be a number",
    "Int64": "must be a whole number",
    "Date": "must be a date (YYYY-MM-DD)",
    "Boolean": "must be true or false",
}


@dataclass(frozen=True)
class ValidationResult:
    """A validated frame (None when the file was rejected) and every problem found."""

    frame: pl.DataFrame | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def _polars_type(dtype: Any) -> pl.DataType:
    return dtype.type if hasattr(dtype, "type") else dtype


def _cast_column(values: list[str | None], target: pl.DataType) -> tuple[pl.Series, list[int]]:
    """Cast text to ``target``; returns the series and the indexes that failed."""
    raw = pl.Series(values, dtype=pl.Utf8)
    if target == pl.Utf8 or target == pl.String:
        return raw, []
    if target == pl.Date:
        cast = raw.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    elif target == pl.Boolean:
        lowered = raw.str.to_lowercase()
        cast = lowered.replace_strict(
            {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False},
            default=None,
            return_dtype=pl.Boolean,
        )
    else:
        cast = raw.str.strip_chars().cast(target, strict=False)
    failed = [
        i
        for i, (a, b) in enumerate(zip(values, cast.to_list(), strict=True))
        if a is not None and b is None
    ]
    return cast, failed


def _non_finite(cast: pl.Series) -> tuple[pl.Series, list[int]]:
    """Indexes of ``inf``/``-inf``/``NaN`` in a float series, and the series with them nulled
    (so that later rules do not compute with them; the cell is reported once, here)."""
    if not cast.dtype.is_float():
        return cast, []
    finite = cast.is_finite()
    bad = [i for i, ok in enumerate(finite.to_list()) if ok is False]
    if not bad:
        return cast, []
    return pl.Series(cast.name, cast.to_list()).scatter(bad, None).cast(cast.dtype), bad


def validate_file(path: Path, model: type[pa.DataFrameModel]) -> ValidationResult:
    """Read ``path`` and validate it with ``model``: all problems at once, or a typed frame."""
    name = str(path)
    header, rows, problems = read_csv_text(path)
    if not header:
        return ValidationResult(None, problems)
    schema = model.to_schema()
    expected = list(schema.columns)
    for column in expected:
        if column not in header:
            problems.append(
                Problem(name, 1, column, None, "required column is missing from the header")
            )
    seen: set[str] = set()
    for column in header:
        if column in seen:
            problems.append(Problem(name, 1, column, None, "column appears twice in the header"))
        seen.add(column)
        if column not in schema.columns:
            problems.append(
                Problem(
                    name,
                    1,
                    column,
                    None,
                    f"unexpected column (the model has: {', '.join(expected)})",
                )
            )
    if problems:
        return ValidationResult(None, problems)

    lines = [line for line, _ in rows]
    records = [record for _, record in rows]

    def row_problem(index: int, column: str | None, value: str | None, rule: str) -> Problem:
        row = json.dumps(records[index], ensure_ascii=False)
        return Problem(name, lines[index], column, value, rule, row)

    series: dict[str, pl.Series] = {}
    bad_cells: set[tuple[int, str]] = set()
    for column, spec in schema.columns.items():
        target = _polars_type(spec.dtype)
        values = [record[column] for record in records]
        cast, failed = _cast_column(values, target)
        cast, non_finite = _non_finite(cast)
        series[column] = cast.alias(column)
        type_rule = TYPE_WORDS.get(str(target), f"must be of type {target}")
        for indexes, rule in ((failed, type_rule), (non_finite, FINITE_RULE)):
            for index in indexes:
                bad_cells.add((index, column))
                problems.append(row_problem(index, column, values[index], rule))
    frame = pl.DataFrame(series)
    explain = getattr(model, "explain_problem", None)  # a model's own words for its rules

    try:
        model.validate(frame, lazy=True)
    except (SchemaErrors, SchemaError) as error:
        cases = error.failure_cases if isinstance(error, SchemaErrors) else None
        if cases is None or not isinstance(cases, pl.DataFrame):
            problems.append(Problem(name, None, None, None, str(error)))
        else:
            for case in cases.iter_rows(named=True):
                index = case["index"]
                check = str(case["check"])
                column = case["column"] if case["schema_context"] == "Column" else None
                match = _RULE_COLUMN.search(check)
                if column is None and match:
                    column = match.group(1)
                    check = check[: match.start()].rstrip()
                if index is None:
                    problems.append(
                        Problem(name, None, column, str(case["failure_case"]), plain_rule(check))
                    )
                    continue
                index = int(index)
                if column and (index, column) in bad_cells:
                    continue  # already reported as a type error
                value = records[index].get(column) if column else None
                if column and value is None:
                    value = ""  # a blank cell: say so rather than print no value
                if check == "multiple_fields_uniqueness":
                    keys = schema.unique or []
                    check = f"duplicate key ({', '.join(keys)})"
                    value = ", ".join(str(records[index].get(k) or "") for k in keys)
                elif check.startswith("not_nullable"):
                    check = "value is required"
                else:
                    check = plain_rule(check)
                    if explain is not None:
                        check = explain(check, frame.row(index, named=True)) or check
                problems.append(row_problem(index, column, value, check))
    if problems:
        problems = [_with_row_label(p, model) for p in problems]
        problems.sort(key=lambda p: (p.row or 0, p.column or "", p.rule))
        return ValidationResult(None, problems)
    return ValidationResult(frame, [])


def _with_row_label(problem: Problem, model: type[pa.DataFrameModel]) -> Problem:
    """Name the row by its key columns when the model lists them in
    ``Config.metadata = {"row_label": [...]}`` (e.g. the chip of a TCO assumption)."""
    config = getattr(model, "__config__", None)
    columns = ((getattr(config, "metadata", None) or {}).get("row_label")) or []
    if not columns or not problem.record:
        return problem
    row = json.loads(problem.record)
    label = ", ".join(f"{c} {row.get(c)!r}" for c in columns if row.get(c) is not None)
    return dataclasses.replace(problem, label=label or None)
