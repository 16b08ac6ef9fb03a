"""PNG charts of the marts and TCO tables: pure functions, frames in, PNG bytes out.

Drawn with matplotlib's Agg backend through ``matplotlib.figure.Figure`` (no pyplot state),
byte-for-byte reproducible for the same data and matplotlib version, and matplotlib is
imported only when a chart is drawn (docs/lineage.md, docs/benchmarks.md). The helpers they
are drawn with: ``pipelines.reports.drawing``; what they draw, where they go and their
colours: ``pipelines.reports.chart_config``. Both stay importable from here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from pipelines.reports.chart_config import (
    COLORS,
    DOCS_IMAGES_DIR,
    FALLBACK_PALETTE,
    REPORTS_DIR_ENV,
    chart_config,
    entity_color,
    reports_dir,
)
from pipelines.reports.drawing import (
    DPI,
    RC,
    Chart,
    _bn,
    _chart,
    _figure,
    _footer,
    _no_data,
    _rc_context,
    end_labels,
    meaningful_hatch,
    missing_slots,
    spread_labels,
    write_if_changed,
)

#: The configuration (``chart_config``) and drawing helpers (``drawing``) of these charts stay
#: importable from here.
__all__ = [
    "COLORS",
    "DOCS_IMAGES_DIR",
    "DPI",
    "FALLBACK_PALETTE",
    "RC",
    "REPORTS_DIR_ENV",
    "Chart",
    "broadcom_ai_revenue_chart",
    "capex_chart",
    "chart_config",
    "chip_tco_chart",
    "end_labels",
    "entity_color",
    "meaningful_hatch",
    "missing_slots",
    "reports_dir",
    "spread_labels",
    "write_if_changed",
]


# ------------------------------------------------------------ capex by company and quarter
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
