"""Add ``stated_precision`` to ``financials.csv``: a figure's rounding as a typed column.

Usage: ``python scripts/migrate_precision.py RAW_DIR`` rewrites ``RAW_DIR/financials.csv`` in
place, idempotently.

``stated_precision`` is the place value of the last printed digit, in the figure's unit
(USD_m: 10 for "$18.83 billion", 100 for "$18.8 billion", 1 for "18,829 million"; empty =
exact to the unit). The marts do not use a figure with ``stated_precision > 1`` to derive
another quarter (its rounding error would land entirely in the derived quarter).

Before this column the marts read the rounding off ``source_note`` with the regular
expression ``stated in bn to (\\d) decimal`` (case-insensitive, first match;
``pipelines/marts/capex.py`` ``is_rounded``: rounded when N < 3). This script turns exactly
those notes into the column, so every figure keeps its derivable / not derivable decision:

* a USD_m figure whose note matches gets ``10 ** (3 - N)`` (N = 0, 1, 2 -> 1000, 100, 10,
  i.e. > 1: not derivable, as before; N = 3 -> 1; N > 3 -> below 1: derivable, as before);
* a figure whose note does not match stays empty, even where another wording says how it was
  printed ("USD bn to 2 decimals", "stated in bn without decimals"): the old rule used those
  figures, so setting them is a curation decision for later, not part of this migration;
* a matching note on a figure not in USD_m (none today) is left empty and listed: "bn" says
  nothing about the precision of a percentage or a per-share amount, and no derivation uses
  such figures.

A value already in the column is kept (curated values win); only empty cells are filled.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

COLUMN = "stated_precision"
AFTER = "unit"
#: The old rule's pattern, unchanged (pipelines/marts/capex.py ``_ROUNDED``).
STATED_IN_BN = re.compile(r"stated in bn to (\d) decimal", re.IGNORECASE)


def precision_from_note(note: str | None, unit: str) -> float | None:
    """The place value of the last printed digit that ``note`` states, in USD_m."""
    match = STATED_IN_BN.search(note or "")
    if match is None or unit != "USD_m":
        return None
    return float(10 ** (3 - int(match.group(1))))


def _text(value: float) -> str:
    return f"{value:g}"


def migrate(raw: Path) -> list[str]:
    path = raw / "financials.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    messages = []
    if COLUMN not in columns:
        at = columns.index(AFTER) + 1
        columns = [*columns[:at], COLUMN, *columns[at:]]
        messages.append(f"{path}: column {COLUMN} added after {AFTER}")
    filled = 0
    for number, row in enumerate(rows, start=2):
        if (row.get(COLUMN) or "").strip():
            continue
        precision = precision_from_note(row.get("source_note"), row.get("unit", ""))
        if precision is None and STATED_IN_BN.search(row.get("source_note") or ""):
            messages.append(
                f"{path}:{number}: note states bn decimals on a {row.get('unit')} figure; "
                "left empty"
            )
        row[COLUMN] = _text(precision) if precision is not None else ""
        filled += precision is not None
    messages.append(f"{path}: {filled} {COLUMN} value(s) filled from source_note")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: r.get(c) or "" for c in columns} for r in rows)
    return messages


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    for message in migrate(Path(argv[0])):
        print(message)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
