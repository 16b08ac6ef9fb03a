"""Issue 20, point 3: rejections read the way the docs say. Every documented example of
docs/reliability-inputs.md ("What a rejection says") is run: its rows are appended to a copy of
the frozen snapshot, and the message must be the documented one (``…`` = the reader's folder,
a time or a run id)."""

import re
import shutil
from pathlib import Path

import pytest

from pipelines import settings
from pipelines.raw.datasets import DATASETS
from pipelines.raw.validation import validate_file
from pipelines.reports import charts
from tests.conftest import FIXTURE_RAW

DOC = settings.REPO_ROOT / "docs" / "reliability-inputs.md"


def examples(kind: str) -> list[tuple[str, list[str], list[str]]]:
    """(file, rows to append, documented output lines) of every ```csv KIND=FILE``` block and
    the ```text``` block after it."""
    lines = DOC.read_text(encoding="utf-8").split("\n")
    found = []
    for i, line in enumerate(lines):
        if line.startswith(f"```csv {kind}="):
            end = lines.index("```", i + 1)
            start = lines.index("```text", end + 1)
            stop = lines.index("```", start + 1)
            found.append(
                (line.split("=", 1)[1].strip(), lines[i + 1 : end], lines[start + 1 : stop])
            )
    return found


def matches(documented: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in documented.split("…"))
    return re.fullmatch(pattern, actual) is not None


def broken_raw(tmp_path: Path, file: str, rows: list[str]) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURE_RAW, raw, ignore=shutil.ignore_patterns("sec"))
    text = (raw / file).read_text(encoding="utf-8")
    (raw / file).write_text(text.rstrip("\n") + "\n" + "\n".join(rows) + "\n", "utf-8")
    return raw


REJECTIONS = examples("rejected")


def test_the_doc_shows_each_promised_message():
    said = "\n".join(line for _, _, out in REJECTIONS for line in out)
    assert "expected 2025-09-30" in said  # a date off the fiscal calendar: the expected date
    assert "grammar: month_end:<mon> | nearest:" in said  # a bad rule: the grammar
    assert "must be capital letters, digits and _" in said  # a bad group name: plain words
    assert "str_matches" not in said and "^[" not in said
    assert len(REJECTIONS) >= 3 and len(examples("refresh")) == 1


@pytest.mark.parametrize(("file", "rows", "documented"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_each_documented_rejection_is_what_validation_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file: str, rows: list[str], documented
):
    raw = broken_raw(tmp_path, file, rows)
    monkeypatch.setenv(settings.RAW_DIR_ENV, str(raw))
    [dataset] = [d for d in DATASETS if d.filename == file]
    result = validate_file(raw / file, dataset.model)
    said = [str(p).replace(str(raw) + "/", "…/") for p in result.problems]
    assert said == documented


def test_one_bad_cell_is_at_most_ten_lines_without_a_stack_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warehouse_file: Path, capsys
):
    from pipelines.refresh import main

    [(file, rows, documented)] = examples("refresh")
    raw = broken_raw(tmp_path, file, rows)
    monkeypatch.setenv(settings.RAW_DIR_ENV, str(raw))
    monkeypatch.setenv(charts.REPORTS_DIR_ENV, str(tmp_path / "reports"))
    code = main([])
    out, err = capsys.readouterr()
    said = (out + err).rstrip("\n").split("\n")
    assert code == 1
    assert len(said) <= 10, said
    assert not any("Traceback" in x or "Stack Trace" in x or "Not executing" in x for x in said)
    assert len(said) == len(documented), said
    for doc_line, line in zip(documented, said, strict=True):
        assert matches(doc_line, line), (doc_line, line)
