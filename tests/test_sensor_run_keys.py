"""Class 6 of issue 21: the raw-file sensor's run key changes with every change it sees.

Each case is a sequence of edits of the raw folder; the sensor is evaluated after each one
with the cursor the previous evaluation stored (as the daemon does). Every edit that changes
a file's content must request a run with a key no earlier evaluation used — Dagster launches
a run key once, so a repeated key is a change silently skipped (before: change, revert, change
again the same way → the third change was skipped and the warehouse kept the old value). A
retried evaluation (same cursor) keeps its key, so a retry never launches two runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from pipelines import automation
from tests.test_automation import evaluate, raw_dir, selection  # noqa: F401  (fixture)

Edit = Callable[[Path, dict[str, bytes]], None]


def append(name: str, text: bytes = b"\n") -> Edit:
    def edit(folder: Path, original: dict[str, bytes]) -> None:
        (folder / name).write_bytes(original[name] + text)

    return edit


def revert(name: str) -> Edit:
    def edit(folder: Path, original: dict[str, bytes]) -> None:
        (folder / name).write_bytes(original[name])

    return edit


def delete(name: str) -> Edit:
    def edit(folder: Path, original: dict[str, bytes]) -> None:
        (folder / name).unlink()

    return edit


def both(*edits: Edit) -> Edit:
    def edit(folder: Path, original: dict[str, bytes]) -> None:
        for e in edits:
            e(folder, original)

    return edit


@dataclass(frozen=True)
class Case:
    id: str
    steps: tuple[Edit, ...]


C, F = "claims.csv", "financials.csv"
CASES = [
    Case("change-revert-change", (append(C), revert(C), append(C))),
    Case("change-revert-change-revert", (append(C), revert(C), append(C), revert(C))),
    Case("a-b-a-b", (append(C, b"\n"), append(C, b"\n\n"), append(C, b"\n"), append(C, b"\n\n"))),
    Case("delete-restore-delete", (delete(C), revert(C), delete(C), revert(C))),
    Case(
        "two-files-then-one-again",
        (both(append(C), append(F)), both(revert(C), revert(F)), append(C), revert(C), append(C)),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_change_gets_a_new_run_key(case: Case, raw_dir: Path) -> None:  # noqa: F811
    original = {p.name: p.read_bytes() for p in raw_dir.iterdir()}
    first = evaluate(None)
    keys = [first.run_requests[0].run_key]
    cursor = first.cursor
    for number, step in enumerate(case.steps, start=1):
        step(raw_dir, original)
        result = evaluate(cursor)
        assert isinstance(result, dg.SensorResult), f"step {number}: skipped"
        (request,) = result.run_requests
        assert request.run_key not in keys, f"step {number} reuses the key of an earlier change"
        # a retry of the same evaluation (cursor not yet saved) gets the same key
        assert evaluate(cursor).run_requests[0].run_key == request.run_key
        keys.append(request.run_key)
        cursor = result.cursor
        assert isinstance(evaluate(cursor), dg.SkipReason)  # nothing more until the next edit


def test_the_third_change_reruns_the_asset_and_its_downstream(raw_dir: Path) -> None:  # noqa: F811
    """The issue's case, with the selection: the third change runs raw/claims again."""
    claims = raw_dir / "claims.csv"
    original = claims.read_bytes()
    cursor = evaluate(None).cursor
    seen = []
    for content in (original + b"\n", original, original + b"\n"):
        claims.write_bytes(content)
        result = evaluate(cursor)
        seen.append(result.run_requests[0].run_key)
        assert selection(result) == ["marts/claim_checks", "raw/claims"]
        cursor = result.cursor
    assert len(set(seen)) == 3


def test_a_cursor_of_the_earlier_form_is_read(raw_dir: Path) -> None:  # noqa: F811
    """A daemon upgraded with a stored ``{file: sha256}`` cursor: unchanged files skip."""
    files, _ = automation.parse_cursor(evaluate(None).cursor)
    assert isinstance(evaluate(json.dumps(files)), dg.SkipReason)
    (raw_dir / "claims.csv").write_bytes((raw_dir / "claims.csv").read_bytes() + b"\n")
    assert selection(evaluate(json.dumps(files))) == ["marts/claim_checks", "raw/claims"]


def test_the_docs_name_every_case() -> None:
    from pipelines import settings

    doc = (settings.REPO_ROOT / "docs" / "reliability-inputs.md").read_text(encoding="utf-8")
    assert [c.id for c in CASES if f"`{c.id}`" not in doc] == []
