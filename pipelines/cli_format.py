"""How ``ledger`` prints results: an aligned text table, CSV or JSON.

Column widths are display widths (``wcwidth``: a Chinese character takes two terminal
cells, a combining accent none), so tables with CJK text stay aligned.

No output carries a raw control character (:func:`escape_controls`): C0 and C1 controls
(terminal escapes, a bare CR, backspace, BEL), DEL, the line and paragraph separators and the
bidirectional overrides and isolates (a right-to-left override makes ``txt.exe`` look like
``exe.txt``) are shown as ``\\uXXXX``. In JSON that is the JSON escape of the same character
(the value is unchanged); in a table or CSV it is the text ``\\uXXXX``. A line break and a tab
stay as they are in CSV and JSON (quoted, escaped) and become a space in a table.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import math
import re
import uuid
from collections.abc import Sequence
from typing import Any, TextIO

from wcwidth import wcswidth, wcwidth

#: Characters never written raw: C0 controls, DEL, C1 controls, the Arabic letter mark, the
#: left-to-right / right-to-left marks, the line and paragraph separators, the bidirectional
#: embeddings and overrides (U+202A..U+202E) and isolates (U+2066..U+2069).
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def escape_controls(text: str, keep: str = "") -> str:
    """``text`` with every character of :data:`CONTROLS` except those in ``keep`` written as
    ``\\uXXXX`` (a JSON escape: in JSON text it stands for the character itself)."""

    def one(match: re.Match[str]) -> str:
        ch = match.group()
        return ch if ch in keep else f"\\u{ord(ch):04x}"

    return CONTROLS.sub(one, text)


class EscapingWriter:
    """A text stream that writes through ``stream`` with :func:`escape_controls` applied
    (line breaks and tabs kept): what ``ledger`` wraps stdout and stderr in."""

    def __init__(self, stream: TextIO, keep: str = "\n\t") -> None:
        self._stream = stream
        self._keep = keep

    def write(self, text: str) -> int:
        self._stream.write(escape_controls(text, self._keep))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding, ...
        return getattr(self._stream, name)


def display_width(text: str) -> int:
    """Terminal cells ``text`` takes (unprintable characters count as one)."""
    width = wcswidth(text)
    if width >= 0:
        return width
    return sum(max(wcwidth(ch), 1) if wcwidth(ch) != 0 else 0 for ch in text)


def _cut(text: str, max_width: int) -> str:
    """``text`` on one line, controls escaped, cut with '…' to at most ``max_width`` display
    cells."""
    text = escape_controls(text.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))
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
    columns = [escape_controls(c) for c in columns]
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


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str):
        return escape_controls(value, "\n\t")
    if isinstance(value, dict | list):  # nested values: as the csv module writes them
        return escape_controls(str(value), "\n\t")
    return value


def write_result(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    out: TextIO,
    max_width: int = 60,
) -> None:
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([escape_controls(c, "\n\t") for c in columns])
        for row in rows:
            writer.writerow(["" if v is None else _csv_cell(_plain(v)) for v in row])
    elif fmt == "json":
        records = [dict(zip(columns, (_plain(v) for v in row), strict=True)) for row in rows]
        # json escapes C0 controls itself; the rest (DEL, C1, bidi) get the same \\uXXXX form
        # (json's own text has no raw C0 control but its indentation line breaks)
        text = json.dumps(records, indent=2, ensure_ascii=False)
        out.write(escape_controls(text, "\n") + "\n")
    else:
        out.write(render_table(columns, rows, max_width) + "\n")
