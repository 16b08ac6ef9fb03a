"""The drawing helpers every PNG chart uses (``charts``, ``metric_charts``, the lineage
picture): a matplotlib ``Figure`` on the Agg backend at a fixed size and :data:`DPI`, the
bundled DejaVu Sans font (:data:`RC`), PNG bytes without ``Software``/date metadata (so the
same data gives the same bytes), the :class:`Chart` record, end labels that never overlap,
gaps and hatching that mean something, and :func:`write_if_changed`.

matplotlib is imported when a chart is drawn, not when this module is imported.
"""

from __future__ import annotations

import io
import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 100
RC = {
    "font.family": "DejaVu Sans",  # bundled with matplotlib: same glyphs on every machine
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "hatch.linewidth": 0.8,
    "svg.hashsalt": "ledger",
}


@dataclass(frozen=True)
class Chart:
    name: str  # file stem: reports/<name>.png
    title: str
    source: str  # warehouse tables the chart reads
    png: bytes
    rows: int  # rows plotted
    width_px: int
    height_px: int


# ----------------------------------------------------------------------------- helpers
def _rc_context() -> Any:
    """matplotlib's ``rc_context(RC)``; the first call imports matplotlib."""
    import matplotlib

    return matplotlib.rc_context(RC)


def _figure(width_in: float, height_in: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_in, height_in), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    # No "Software" entry (matplotlib version) and no timestamp: identical data, identical bytes.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _chart(name: str, title: str, source: str, figure: Figure, rows: int) -> Chart:
    width, height = (round(v * DPI) for v in figure.get_size_inches())
    return Chart(name, title, source, _png(figure), rows, width, height)


def _no_data(figure: Figure, title: str, what: str) -> None:
    ax = figure.add_subplot()
    ax.set_axis_off()
    ax.set_title(title, loc="left", fontweight="bold")
    ax.text(0.5, 0.5, f"No data yet: {what} is empty.", ha="center", va="center", fontsize=12)


def _footer(figure: Figure, text: str) -> None:
    chars_per_line = int(figure.get_size_inches()[0] * 15)  # 8-pt DejaVu Sans, with margin
    wrapped = textwrap.fill(text, width=chars_per_line)
    figure.supxlabel(wrapped, fontsize=8, color="#555555", ha="left", x=0.01)


def _bn(value: float | None) -> float | None:
    return None if value is None else value / 1000.0


def spread_labels(values: Sequence[float], min_gap: float) -> list[float]:
    """Positions for labels wanted at ``values`` (same order), at least ``min_gap`` apart and
    as close to their values as that allows: end labels of lines never overlap."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    placed = [float(values[i]) for i in order]
    for k in range(1, len(placed)):  # push up what sits too close to the one below
        placed[k] = max(placed[k], placed[k - 1] + min_gap)
    # shift the whole stack down by half of what it gained, so it stays centred on the values
    gained = sum(p - float(values[i]) for p, i in zip(placed, order, strict=True))
    shift = gained / len(placed) if placed else 0.0
    result = [0.0] * len(values)
    for p, i in zip(placed, order, strict=True):
        result[i] = p - shift
    return result


def end_labels(ax: Any, labels: Sequence[tuple[float, float, str, str]], gap_px: float = 12):
    """Write ``(x, y, text, colour)`` labels just right of their points, spread vertically so
    that none overlaps another; returns the matplotlib ``Text`` objects."""
    if not labels:
        return []
    low, high = ax.get_ylim()
    height_px = ax.get_window_extent().height or 300.0
    min_gap = (high - low) * gap_px / height_px
    ys = spread_labels([y for _, y, _, _ in labels], min_gap)
    texts = []
    for (x, y, text, color), placed in zip(labels, ys, strict=True):
        texts.append(
            ax.annotate(
                text,
                (x, y),
                xytext=(x + 0.25, placed),
                textcoords="data",
                va="center",
                fontsize=8,
                color=color,
                annotation_clip=False,
            )
        )
    return texts


def missing_slots(
    tickers: Sequence[str], quarters: Sequence[str], present: set[tuple[str, str]]
) -> list[tuple[str, str]]:
    """(ticker, quarter) pairs of the chart's range with no figure: drawn as a marked gap."""
    return [(t, q) for t in tickers for q in quarters if (t, q) not in present]


def meaningful_hatch(flags: Sequence[bool]) -> list[bool]:
    """Which bars to hatch: the flagged ones, but none when every bar (or none) is flagged,
    since a pattern on every bar tells a reader nothing (the footer says it instead)."""
    return [False] * len(flags) if len(set(flags)) <= 1 else list(flags)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically unless the file already holds exactly it.
    Returns whether the file changed."""
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True
