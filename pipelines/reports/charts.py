"""PNG charts of the marts and TCO tables: pure functions, frames in, PNG bytes out.

Rendered with matplotlib's Agg backend (no display, no browser, no server) through
``matplotlib.figure.Figure`` directly, so nothing touches pyplot's global state. Output is
byte-for-byte reproducible for the same data and matplotlib version: bundled DejaVu Sans
font, fixed size and dpi, and no ``Software``/date entries in the PNG metadata. Files are
rewritten only when their bytes change, so a refresh with unchanged data leaves git clean.

matplotlib is imported when a chart is drawn, not when this module is imported: loading
the Dagster code (every refresh, every ``dagster dev`` reload) does not pay for it, and a
refresh whose chart data did not change never imports it (see ``pipelines.reports.assets``).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import textwrap
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from pipelines import settings

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Environment variable that overrides where charts are written.
REPORTS_DIR_ENV = "LEDGER_REPORTS_DIR"
#: The committed pictures the docs show: redrawn only by ``make docs``, never by a refresh.
DOCS_IMAGES_DIR = settings.REPO_ROOT / "docs" / "images"

DPI = 100
#: What the charts draw (a group, a company): configuration, not code.
CONFIG_FILE = Path(__file__).with_name("charts.toml")
#: Colours for a company or group that charts.toml does not pin, picked by a hash of its name
#: (never by position, so which other companies exist does not matter).
FALLBACK_PALETTE = (
    "#4477AA",
    "#EE6677",
    "#228833",
    "#CCBB44",
    "#66CCEE",
    "#AA3377",
    "#BBBBBB",
    "#EE7733",
)
COLORS = {
    "actual": "#0072B2",
    "consensus": "#000000",
    "guidance": "#D55E00",
    "tbps": "#0072B2",
    "pflop": "#009E73",
}
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


def reports_dir() -> Path:
    """Where a refresh writes its charts: ``$LEDGER_REPORTS_DIR`` if set, else a ``reports/``
    folder next to the warehouse file (``data/reports/`` for the default warehouse: git-ignored,
    so a refresh never modifies a tracked file; the docs' pictures are ``DOCS_IMAGES_DIR``)."""
    explicit = os.environ.get(REPORTS_DIR_ENV)
    if explicit:
        return Path(explicit).resolve()
    return settings.warehouse_path().parent / "reports"


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


# ------------------------------------------------------------ capex by company and quarter
def chart_config() -> dict[str, Any]:
    """``pipelines/reports/charts.toml``: which group and company the charts draw, and the
    colour of each company and group."""
    with CONFIG_FILE.open("rb") as handle:
        return tomllib.load(handle)


def entity_color(name: str, kind: str = "company") -> str:
    """The colour of a company (ticker) or group in every chart: pinned in charts.toml, else
    from ``FALLBACK_PALETTE`` by a hash of ``kind:name``. Depends on nothing else, so adding a
    company changes no other colour."""
    pinned = chart_config().get("colors", {}).get(kind, {})
    if name in pinned:
        return str(pinned[name])
    digest = hashlib.sha256(f"{kind}:{name}".encode()).digest()
    return FALLBACK_PALETTE[int.from_bytes(digest[:4], "big") % len(FALLBACK_PALETTE)]


def capex_chart(frame: pl.DataFrame) -> Chart:
    """A group's cash capex per calendar quarter (grouped bars, USD bn; derived quarters
    hatched) above year-on-year growth per company (lines, %). ``frame``: rows of
    ``marts.capex_quarterly`` (ticker, calendar_quarter, capex_usd_m, capex_yoy_pct,
    capex_is_derived)."""
    group = chart_config()["capex_by_company"]["group"]
    title = f"{group} capex by company and calendar quarter"
    source = "marts.capex_quarterly"
    with _rc_context():
        figure = _figure(12, 7.5)
        data = frame.filter(pl.col("capex_usd_m").is_not_null())
        if "groups" in data.columns:
            data = data.filter(pl.col("groups").list.contains(group))
        if data.is_empty():
            _no_data(figure, title, source)
            return _chart("capex_by_company", title, source, figure, 0)
        quarters = sorted(data["calendar_quarter"].unique().to_list())
        tickers = sorted(set(data["ticker"].to_list()))
        colors = {t: entity_color(t) for t in tickers}
        names = dict(zip(data["ticker"].to_list(), data["name"].to_list(), strict=True))
        lookup = {(r["ticker"], r["calendar_quarter"]): r for r in data.iter_rows(named=True)}

        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[3, 2])
        width = 0.8 / len(tickers)
        growth_labels: list[tuple[float, float, str, str]] = []
        for i, ticker in enumerate(tickers):
            xs, heights, hatches = [], [], []
            for q, quarter in enumerate(quarters):
                row = lookup.get((ticker, quarter))
                if row is None:
                    continue
                xs.append(q - 0.4 + width * (i + 0.5))
                heights.append(_bn(row["capex_usd_m"]))
                hatches.append("///" if row.get("capex_is_derived") else None)
            bars = top.bar(
                xs,
                heights,
                width=width * 0.95,
                color=colors[ticker],
                label=f"{names.get(ticker, ticker)} ({ticker})",
                edgecolor="white",
                linewidth=0.5,
            )
            for bar, hatch in zip(bars, hatches, strict=True):
                if hatch:
                    bar.set_hatch(hatch)
                    bar.set_edgecolor("#333333")

            # One point per quarter, NaN where growth is unknown: the line breaks at gaps
            # instead of joining non-adjacent quarters.
            growth = [
                (lookup.get((ticker, quarter)) or {}).get("capex_yoy_pct") for quarter in quarters
            ]
            known = [(q, v) for q, v in enumerate(growth) if v is not None]
            if known:
                bottom.plot(
                    range(len(quarters)),
                    [math.nan if v is None else v for v in growth],
                    marker="o",
                    color=colors[ticker],
                    label=ticker,
                )
                last_q, last_v = known[-1]
                growth_labels.append((last_q, last_v, f"{last_v:+.0f}%", colors[ticker]))
        # a quarter of the range without the company's figure: a marked gap, not a blank
        gaps = missing_slots(tickers, quarters, set(lookup))
        for ticker, quarter in gaps:
            i, q = tickers.index(ticker), quarters.index(quarter)
            top.scatter(
                [q - 0.4 + width * (i + 0.5)],
                [0],
                marker="x",
                s=28,
                color=colors[ticker],
                zorder=3,
                clip_on=False,
            )
        top.set_title(title, loc="left", fontweight="bold")
        top.set_ylabel("Cash capex, USD bn")
        from matplotlib.patches import Patch

        handles = [Patch(facecolor=colors[t], label=f"{names.get(t, t)} ({t})") for t in tickers]
        handles.append(Patch(facecolor="white", edgecolor="#333333", hatch="///", label="derived"))
        if gaps:
            from matplotlib.lines import Line2D

            handles.append(
                Line2D([], [], marker="x", color="#333333", linestyle="", label="no figure")
            )
        top.legend(handles=handles, ncols=len(handles), loc="upper left", frameon=False, fontsize=9)
        top.set_ylim(0, top.get_ylim()[1] * 1.12)
        bottom.axhline(0, color="#333333", linewidth=0.8)
        bottom.set_ylabel("Year-on-year growth, %")
        bottom.set_xticks(range(len(quarters)), quarters, rotation=45, ha="right")
        bottom.set_xlim(-0.6, len(quarters) - 0.4 + 0.6)
        end_labels(bottom, growth_labels)
        _footer(
            figure,
            "Source: marts.capex_quarterly, from company releases and filings "
            "(raw/financials.csv). "
            "Each company's own cash-capex definition (e.g. purchases net of proceeds). Hatched "
            "(derived): computed, not printed as a quarter - from year-to-date / full-year "
            "figures, or purchases minus proceeds. Fiscal quarters placed on the "
            "calendar quarter holding their midpoint. x on the axis: no figure for that company "
            "and quarter (meta.coverage says why). Lines break where a year-earlier quarter "
            "is missing.",
        )
        return _chart("capex_by_company", title, source, figure, data.height)


# ----------------------------------------------- AI revenue vs consensus and guidance
def _calendar_words(data: pl.DataFrame) -> str:
    from pipelines.calendar.fiscal import parse_calendar

    if "fiscal_calendar" not in data.columns or data.is_empty():
        return "company fiscal calendar"
    return parse_calendar(data["fiscal_calendar"][0]).describe()


def _fiscal_label(fiscal_year: int, fiscal_quarter: int) -> str:
    return f"FY{fiscal_year % 100:02d} Q{fiscal_quarter}"


def broadcom_ai_revenue_chart(frame: pl.DataFrame) -> Chart:
    """A company's AI revenue per fiscal quarter (bars) against the consensus in
    force at results (diamonds) and the company's guidance for that quarter (bars' outline).
    ``frame``: rows of ``marts.ai_revenue_quarterly``."""
    ticker = chart_config()["ai_revenue"]["ticker"]
    mine = frame.filter(pl.col("ticker") == ticker)
    name = mine["name"][0] if "name" in mine.columns and mine.height else ticker
    title = f"{name} AI revenue vs consensus and guidance"
    source = "marts.ai_revenue_quarterly"
    value_columns = ["ai_revenue_usd_m", "ai_revenue_consensus_usd_m", "ai_revenue_guidance_usd_m"]
    with _rc_context():
        figure = _figure(11, 6)
        data = mine.filter(
            pl.any_horizontal([pl.col(c).is_not_null() for c in value_columns])
        ).sort("fiscal_year", "fiscal_quarter")
        if data.is_empty():
            _no_data(figure, title, f"{source} ({ticker} AI revenue)")
            return _chart("broadcom_ai_revenue", title, source, figure, 0)
        ax = figure.add_subplot()
        rows = data.to_dicts()
        labels = [_fiscal_label(r["fiscal_year"], r["fiscal_quarter"]) for r in rows]
        xs = list(range(len(rows)))
        actual = [_bn(r["ai_revenue_usd_m"]) for r in rows]
        consensus = [_bn(r["ai_revenue_consensus_usd_m"]) for r in rows]
        guidance = [_bn(r["ai_revenue_guidance_usd_m"]) for r in rows]

        bars_x = [x for x, v in zip(xs, actual, strict=True) if v is not None]
        bars_v = [v for v in actual if v is not None]
        ax.bar(bars_x, bars_v, width=0.6, color=COLORS["actual"], label="Reported AI revenue")
        for x, v in zip(bars_x, bars_v, strict=True):
            ax.annotate(
                f"{v:.2f}",
                (x, 0),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=9,
                color="white",
                fontweight="bold",
            )
        g = [(x, v) for x, v in zip(xs, guidance, strict=True) if v is not None]
        if g:
            ax.scatter(
                [x for x, _ in g],
                [v for _, v in g],
                marker="_",
                s=900,
                linewidths=2.5,
                color=COLORS["guidance"],
                label="Company guidance for the quarter",
                zorder=3,
            )
        c = [(x, v) for x, v in zip(xs, consensus, strict=True) if v is not None]
        if c:
            ax.scatter(
                [x for x, _ in c],
                [v for _, v in c],
                marker="D",
                s=40,
                color=COLORS["consensus"],
                label="Consensus",
                zorder=4,
            )
        for x, r in zip(xs, rows, strict=True):
            if r["ai_revenue_usd_m"] is None:
                ax.annotate(
                    "no AI figure on file" if r.get("is_reported") else "not reported yet",
                    (x, 0),
                    textcoords="offset points",
                    xytext=(0, 4),
                    ha="center",
                    fontsize=8,
                    color="#555555",
                )
        ax.set_xticks(xs, labels)
        ax.set_ylabel("USD bn")
        ax.set_ylim(0, ax.get_ylim()[1] * 1.1)
        ax.set_title(title, loc="left", fontweight="bold")
        ax.legend(loc="upper left", frameon=False)
        _footer(
            figure,
            f"Source: marts.ai_revenue_quarterly ({name} releases for actuals and guidance; "
            "consensus as quoted by the cited sources, the one in force at the results date). "
            f"{name} fiscal quarters ({_calendar_words(data)}).",
        )
        return _chart("broadcom_ai_revenue", title, source, figure, data.height)


# ------------------------------------------------------------------- chip TCO per unit
def chip_tco_chart(frame: pl.DataFrame) -> Chart:
    """Cost of one chip-hour per HBM TB/s and per dense-BF16 PFLOP/s, per chip (horizontal
    bars, USD). ``frame``: rows of ``tco.chip_tco``."""
    title = "Chip TCO per unit of capability (USD per hour)"
    source = "tco.chip_tco"
    with _rc_context():
        data = frame.filter(
            pl.col("tco_usd_per_tbps_hour").is_not_null()
            | pl.col("tco_usd_per_pflop_hour").is_not_null()
        ).sort("tco_usd_per_tbps_hour", "chip", nulls_last=True)  # cheapest per TB/s first
        figure = _figure(12, 1.6 + 0.45 * max(data.height, 3))
        if data.is_empty():
            _no_data(figure, title, source)
            return _chart("chip_tco", title, source, figure, 0)
        chips = data["chip"].to_list()
        assumed_flags = (
            [(kind or "") == "assumption" for kind in data["capital_source_kind"].to_list()]
            if "capital_source_kind" in data.columns
            else [False] * len(chips)
        )
        assumed = meaningful_hatch(assumed_flags)
        axes = figure.subplots(1, 2, sharey=True)
        panels: Sequence[tuple[str, str, str]] = (
            ("tco_usd_per_tbps_hour", "per HBM TB/s-hour", "tbps"),
            ("tco_usd_per_pflop_hour", "per dense-BF16 PFLOP/s-hour", "pflop"),
        )
        for ax, (column, label, color) in zip(axes, panels, strict=True):
            values = data[column].to_list()
            ys = list(range(len(chips)))
            bars = ax.barh(
                ys, [v if v is not None else 0 for v in values], color=COLORS[color], height=0.6
            )
            for bar, value, is_assumed in zip(bars, values, assumed, strict=True):
                if is_assumed:
                    bar.set_hatch("///")
                    bar.set_edgecolor("white")
                text = "n/a" if value is None else f"${value:,.2f}"
                ax.annotate(
                    text,
                    (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    textcoords="offset points",
                    xytext=(4, 0),
                    va="center",
                    fontsize=9,
                )
            ax.set_title(f"USD {label}", loc="left", fontsize=10)
            ax.set_xlim(0, max([v for v in values if v is not None] or [1]) * 1.25)
            ax.grid(axis="y", visible=False)
        axes[0].set_yticks(range(len(chips)), chips)
        axes[0].invert_yaxis()  # cheapest on top (shared y: both panels)
        figure.suptitle(title, x=0.01, ha="left", fontweight="bold")
        _footer(
            figure,
            "Source: tco.chip_tco = capital annuity + power + colocation rent + maintenance per "
            "chip-hour, divided by HBM bandwidth (TB/s) or dense BF16 PFLOP/s from "
            "raw/accelerators.csv. "
            + (
                "Hatched: capital cost is an assumption (raw/tco_assumption_sources.csv)."
                if any(assumed)
                else "Capital cost: an assumption for every chip (raw/tco_assumption_sources.csv)."
                if all(assumed_flags)
                else "Capital cost: sourced for every chip."
            ),
        )
        return _chart("chip_tco", title, source, figure, data.height)


# --------------------------------------------------------------------------- writing
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
