"""Reading a raw CSV file as text: header, rows with their line numbers, file problems.

A missing, unreadable, non-UTF-8, empty or malformed file is a problem naming the file (and
the line), never an exception.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipelines.raw.files import NotARegularFileError, read_regular
from pipelines.raw.problems import Problem


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
