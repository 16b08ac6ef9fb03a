"""Class 7 of issue 21: the CSV reader is strict.

A raw file cut inside its last quoted field (a copy interrupted, a disk full while saving) used
to be read as if the field ended there: the row was stored with that field truncated. Now
the reader is strict (``csv.reader(..., strict=True)``): a quoted field still open at the end
of the file, or text after a closing quote, rejects the file with a problem naming the file,
the line the broken row starts on and what is wrong. Every raw file is cut the same way
(quoted throughout, then cut in the middle of its last field), plus the variants below; the
files that are merely unusual stay accepted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines import settings
from pipelines.raw.datasets import BY_NAME, DATASETS
from pipelines.raw.validation import validate_file

CUT = "ends inside a quoted field"
AFTER_QUOTE = "text after the closing quote of a quoted field"


def rows_of(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def quoted(rows: list[list[str]]) -> str:
    out = io.StringIO(newline="")
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    return out.getvalue()


def last_line(rows: list[list[str]]) -> int:
    """Line the last row starts on (header = 1), counting newlines inside quoted fields."""
    return 1 + quoted(rows[:-1]).count("\n")


def cut_in_last_field(path: Path) -> int:
    """Quote every field, then cut the file in the middle of the last row's last field."""
    rows = rows_of(path)
    last = rows[-1][-1] or "x"
    rows[-1][-1] = last if len(last) > 1 else last + "0"
    text = quoted(rows)
    keep = len(text) - 2 - len(rows[-1][-1].replace('"', '""')) // 2  # drop '"\n' and half
    path.write_text(text[:keep], encoding="utf-8")
    return last_line(rows)


def cut_after_a_newline_in_quotes(path: Path) -> int:
    """The last field holds a line break; the file is cut right after it."""
    rows = rows_of(path)
    rows[-1][-1] = "first line\nsecond line"
    text = quoted(rows)
    path.write_text(text[: text.rindex("\n", 0, len(text) - 1) + 1], encoding="utf-8")
    return last_line(rows)


def cut_in_a_middle_field(path: Path) -> int:
    """The last row is cut inside its first quoted field (no later field left)."""
    rows = rows_of(path)
    text = quoted(rows)
    start = text.rindex("\n", 0, len(text) - 1) + 1
    path.write_text(text[: start + 2], encoding="utf-8")  # '"' and one character
    return last_line(rows)


def text_after_quote(path: Path) -> int:
    """``"value"x``: the non-strict reader glued ``x`` onto the value."""
    rows = rows_of(path)
    lines = quoted(rows).split("\n")
    lines[1] = lines[1].replace('",', '"x,', 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    return 2


def cut_in_header(path: Path) -> int:
    header = rows_of(path)[0]
    path.write_text('"' + ",".join(header), encoding="utf-8")
    return 1


def closed_without_newline(path: Path) -> None:
    """Quoted throughout and no newline after the last row: complete, accepted."""
    path.write_text(quoted(rows_of(path)).rstrip("\n"), encoding="utf-8")


def quote_inside_unquoted_field(path: Path) -> None:
    """A ``"`` in the middle of an unquoted field is part of the text, as before."""
    rows = rows_of(path)
    column = rows[0].index("note")
    rows[1][column] = 'a 12" wafer'
    out = io.StringIO(newline="")
    csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue().replace('"a 12"" wafer"', 'a 12" wafer'), encoding="utf-8")


@dataclass(frozen=True)
class Case:
    id: str
    dataset: str
    edit: Callable[[Path], int | None]  # the line reported, None: accepted
    rule: str | None


CASES = [
    *(Case(f"cut-last-field-{d.name}", d.name, cut_in_last_field, CUT) for d in DATASETS),
    Case("cut-after-newline-in-quotes", "claims", cut_after_a_newline_in_quotes, CUT),
    Case("cut-in-first-field-of-last-row", "financials", cut_in_a_middle_field, CUT),
    Case("text-after-closing-quote", "companies", text_after_quote, AFTER_QUOTE),
    Case("cut-in-header", "groups", cut_in_header, CUT),
    Case("quoted-no-final-newline-accepted", "claims", closed_without_newline, None),
    Case("quote-inside-unquoted-field-accepted", "systems", quote_inside_unquoted_field, None),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_cut_or_malformed_csv_is_rejected(case: Case, raw_copy: Path) -> None:
    dataset = BY_NAME[case.dataset]
    path = raw_copy / dataset.filename
    line = case.edit(path)
    result = validate_file(path, dataset.model)
    if case.rule is None:
        assert result.ok, result.problems
        return
    assert not result.ok and result.frame is None
    hits = [p for p in result.problems if case.rule in p.rule]
    assert hits, [str(p) for p in result.problems]
    assert (hits[0].file, hits[0].row) == (str(path), line)
    assert "malformed CSV" in hits[0].rule


def test_the_docs_name_every_case() -> None:
    doc = (settings.REPO_ROOT / "docs" / "reliability-inputs.md").read_text(encoding="utf-8")
    assert "`cut-last-field-<dataset>`" in doc  # one case per raw file
    named = [c.id for c in CASES if not c.id.startswith("cut-last-field-")]
    assert [i for i in named if f"`{i}`" not in doc] == []
