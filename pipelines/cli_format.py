"""How ``ledger`` prints results: an aligned text table, CSV or JSON.

Column widths are display widths (``wcwidth``: a Chinese character takes two terminal
cells, a combining accent none), so tables with CJK text stay aligned.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import math
import uuid
from collections.abc import Sequence
from typing import Any, TextIO

from wcwidth import wcswidth, wcwidth


def display_width(text: str) -> int:
    """Terminal cells ``text`` takes (unprintable characters count as one)."""
    width = wcswidth(text)
    if width >= 0:
        return width
    return sum(max(wcwidth(ch), 1) if wcwidth(ch) != 0 else 0 for ch in text)


def _cut(text: str, max_width: int) -> str:
    """``text`` on one line, cut with '…' to at most ``max_width`` display cells."""
    text = text.replace("\n", " ")
    if display_width(text) <= max_width:
        return text
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > max_width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * max(width - display_width(text), 0)
    return fill + text if right else text + fill


def _plain(value: Any) -> Any:
    """A JSON-friendly value."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _decimals(value: float) -> int:
    """Decimals needed to show ``value`` (at most 6)."""
    text = f"{value:.6f}".rstrip("0")
    return len(text) - text.index(".") - 1


def _text(value: Any, decimals: int | None = None) -> str:
    """A cell of the readable table; floats get ``decimals`` places (default: as needed)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value != 0 and abs(value) < 1e-4:
            return f"{value:.4g}"
        return f"{value:.{_decimals(value) if decimals is None else decimals}f}"
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def render_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int = 60) -> str:
    """Rows as an aligned text table (display widths), numbers right-aligned, long cells cut
    with '…'."""

    # floats of a column share their number of decimals, so that they line up
    places = [
        max(
            (_decimals(r[i]) for r in rows if isinstance(r[i], float) and math.isfinite(r[i])),
            default=0,
        )
        for i in range(len(columns))
    ]
    cells = [[_cut(_text(v, places[i]), max_width) for i, v in enumerate(row)] for row in rows]
    widths = [display_width(c) for c in columns]
    for row in cells:
        widths = [max(w, display_width(c)) for w, c in zip(widths, row, strict=True)]
    numeric = [
        any(_is_number(row[i]) for row in rows)
        and all(row[i] is None or _is_number(row[i]) for row in rows)
        for i in range(len(columns))
    ]

    def line(values: Sequence[str]) -> str:
        parts = [_pad(v, w, num) for v, w, num in zip(values, widths, numeric, strict=True)]
        return " | ".join(parts).rstrip()

    out = [line(list(columns)), "-+-".join("-" * w for w in widths)]
    out += [line(row) for row in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def write_result(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    out: TextIO,
    max_width: int = 60,
) -> None:
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if v is None else _plain(v) for v in row])
    elif fmt == "json":
        records = [dict(zip(columns, (_plain(v) for v in row), strict=True)) for row in rows]
        out.write(json.dumps(records, indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(render_table(columns, rows, max_width) + "\n")
