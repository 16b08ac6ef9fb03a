"""Helpers for tests that edit a copy of a raw folder."""

from __future__ import annotations

import csv
from pathlib import Path


def append_rows(path: Path, rows: list[dict[str, object]]) -> None:
    """Append ``rows`` to the CSV file at ``path`` in its own column order (missing = empty;
    a missing ``source_type``, required by the files that have it, is ``secondary``)."""
    with path.open(encoding="utf-8", newline="") as handle:
        columns = next(csv.reader(handle))
    rows = [{"source_type": "secondary", **r} for r in rows]
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, columns, lineterminator="\n").writerows(
            {c: r.get(c, "") for c in columns} for r in rows
        )
