"""Reading a raw CSV file and validating it against its pandera model.

Every problem is reported at once, each naming file, row, column, value and rule.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaError, SchemaErrors

from pipelines.raw.files import NotARegularFileError, read_regular
from pipelines.raw.models import PATTERN_WORDS

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


def read_csv_text(
    path: Path,
) -> tuple[list[str], list[tuple[int, dict[str, str | None]]], list[Problem]]:
    """Header, (line number, row) pairs and file-level problems of a CSV file."""
    name = str(path)
    if not path.exists():
        return [], [], [Problem(name, None, None, None, "file not found")]
    if path.is_dir():
        return [], [], [Problem(name, None, None, None, "is a directory, expected a CSV file")]
    try:
        data = read_regular(path)  # never blocks: a FIFO or a device is refused at once
    except NotARegularFileError as error:
        rule = f"is {error.kind}, not a regular file: expected a CSV file"
        return [], [], [Problem(name, None, None, None, rule)]
    except OSError as error:
        reason = error.strerror or str(error)
        return [], [], [Problem(name, None, None, None, f"cannot read the file ({reason})")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        bad = data[error.start : error.end]
        return (
            [],
            [],
            [
                Problem(
                    name,
                    line,
                    None,
                    bad.hex(" "),
                    f"file is not valid UTF-8 (byte {bad[:1].hex()} at offset {error.start}); "
                    "save it as UTF-8",
                )
            ],
        )
    if not text.strip():
        return (
            [],
            [],
            [Problem(name, None, None, None, "file is empty: expected a header row and data rows")],
        )
    # strict: a quoted field left open at the end of the file (a file cut short) or text
    # after a closing quote is an error, never a field stored truncated or glued together
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as error:
        return [], [], [Problem(name, 1, None, None, f"malformed CSV header: {_csv_error(error)}")]
    problems: list[Problem] = []
    rows: list[tuple[int, dict[str, str | None]]] = []
    start_line = reader.line_num + 1
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                start_line = reader.line_num + 1
                continue
            if len(record) != len(header):
                problems.append(
                    Problem(
                        name,
                        start_line,
                        None,
                        ",".join(record)[:200],
                        f"row has {len(record)} fields, header has {len(header)}",
                    )
                )
            else:
                rows.append(
                    (
                        start_line,
                        {h: (c if c != "" else None) for h, c in zip(header, record, strict=True)},
                    )
                )
            start_line = reader.line_num + 1
    except csv.Error as error:
        problems.append(
            Problem(name, start_line, None, None, f"malformed CSV: {_csv_error(error)}")
        )
    if not rows and not problems:
        problems.append(Problem(name, None, None, None, "file has a header but no data rows"))
    return header, rows, problems


def _csv_error(error: csv.Error) -> str:
    """The csv module's message, with what it means where it is terse."""
    text = str(error)
    if text == "unexpected end of data":
        return (
            "the file ends inside a quoted field (its closing quote is missing: "
            "the file may have been cut short)"
        )
    if text.endswith("expected after '\"'"):
        return f"text after the closing quote of a quoted field ({text})"
    return text


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
                problems.append(
                    Problem(
                        name,
                        lines[index],
                        column,
                        values[index],
                        rule,
                        json.dumps(records[index], ensure_ascii=False),
                    )
                )
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
                problems.append(
                    Problem(
                        name,
                        lines[index],
                        column,
                        value,
                        check,
                        json.dumps(records[index], ensure_ascii=False),
                    )
                )
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
