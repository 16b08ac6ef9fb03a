"""PNG charts of the ``metrics`` tables: capex intensity, cash coverage, supplier capture and
guidance-implied spend. Pure functions, frames in, :class:`pipelines.reports.drawing.Chart`
out, drawn with the helpers (and reproducibility rules) of ``pipelines.reports.drawing``.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from pipelines.reports.chart_config import COLORS, entity_color
from pipelines.reports.drawing import (
    Chart,
    _bn,
    _chart,
    _figure,
    _footer,
    _no_data,
    _rc_context,
    end_labels,
)


def _series_colors(entities: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(entity_type, entity) -> its colour: the same for a company or group in every chart."""
    return {e: entity_color(e[1], "group" if e[0] == "group" else "company") for e in entities}


def _series(data: pl.DataFrame, column: str) -> tuple[list[tuple[str, str]], dict, dict]:
    """The (entity_type, entity) series of ``data``, sorted; their colours; and ``column`` by
    (entity_type, entity, calendar_quarter)."""
    rows = list(data.iter_rows(named=True))
    entities = sorted({(r["entity_type"], r["entity"]) for r in rows})
    colors = _series_colors(entities)
    lookup = {(r["entity_type"], r["entity"], r["calendar_quarter"]): r[column] for r in rows}
    return entities, colors, lookup


def _ratio_lines(ax: Any, data: pl.DataFrame, column: str, quarters: list[str]) -> list[Any]:
    """One line per company (thin) and group (thick, dashed), breaking at missing quarters,
    each with its last value as an end label; returns the labels (matplotlib ``Text``)."""
    labels: list[tuple[float, float, str, str]] = []
    entities, colors, lookup = _series(data, column)
    for entity in entities:
        values = [lookup.get((*entity, q)) for q in quarters]
        is_group = entity[0] == "group"
        ax.plot(
            range(len(quarters)),
            [math.nan if v is None else v for v in values],
            marker="o",
            markersize=4 if not is_group else 6,
            linewidth=2.5 if is_group else 1.2,
            linestyle="--" if is_group else "-",
            color=colors[entity],
            label=f"{entity[1]} (group)" if is_group else entity[1],
        )
        known = [(i, v) for i, v in enumerate(values) if v is not None]
        if known:
            i, v = known[-1]
            labels.append((i, v, f"{v:.0f}%", colors[entity]))
    ax.set_xticks(range(len(quarters)), quarters, rotation=45, ha="right")
    ax.set_xlim(-0.5, len(quarters) - 0.5 + 0.9)
    return end_labels(ax, labels)  # spread so that no two end labels overlap


# ------------------------------------------------------------------ capex intensity
def capex_intensity_chart(frame: pl.DataFrame) -> Chart:
    """Capex / revenue, %, per company and group: per quarter (left), trailing twelve months
    (right). ``frame``: rows of ``sql/reports/metrics_capex_intensity.sql``."""
    title = "Capex intensity: cash capex as % of revenue"
    source = "metrics.capex_intensity"
    with _rc_context():
        figure = _figure(12, 6)
        data = frame.filter(pl.col("capex_to_revenue_pct").is_not_null())
        if data.is_empty():
            _no_data(figure, title, source)
            return _chart("capex_intensity", title, source, figure, 0)
        quarters = sorted(data["calendar_quarter"].unique().to_list())
        axes = figure.subplots(1, 2, sharey=True)
        for ax, (period, label) in zip(
            axes, (("quarter", "Per quarter"), ("ttm", "Trailing twelve months")), strict=True
        ):
            _ratio_lines(
                ax, data.filter(pl.col("period") == period), "capex_to_revenue_pct", quarters
            )
            ax.set_title(label, loc="left", fontsize=10)
        axes[0].set_ylabel("Capex / revenue, %")
        axes[0].legend(loc="upper left", frameon=False, fontsize=8, ncols=2)
        figure.suptitle(title, x=0.01, ha="left", fontweight="bold")
        _footer(
            figure,
            "Source: metrics.capex_intensity (marts.company_quarterly). Each company's own "
            "cash-capex definition (capex_definitions). A group's ratio (dashed) is the sum of "
            "its members' capex over the sum of their revenue, drawn only for quarters where "
            "every member has both figures; lines break where a figure is missing.",
        )
        return _chart("capex_intensity", title, source, figure, data.height)


# ------------------------------------------------------------------ cash coverage
def cash_coverage_chart(frame: pl.DataFrame) -> Chart:
    """Capex / operating cash flow, % (top) and free cash flow after capex, USD bn (bottom),
    per company and group, per quarter. ``frame``: rows of
    ``sql/reports/metrics_cash_coverage.sql``."""
    title = "Cash coverage: capex against operating cash flow"
    source = "metrics.cash_coverage"
    with _rc_context():
        figure = _figure(12, 7.5)
        data = frame.filter(
            pl.col("capex_to_ocf_pct").is_not_null() | pl.col("fcf_after_capex_usd_m").is_not_null()
        )
        if data.is_empty():
            _no_data(figure, title, source)
            return _chart("cash_coverage", title, source, figure, 0)
        quarters = sorted(data["calendar_quarter"].unique().to_list())
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[1, 1])
        _ratio_lines(top, data, "capex_to_ocf_pct", quarters)
        top.axhline(100, color="#333333", linewidth=0.8, linestyle=":")
        top.set_ylabel("Capex / operating cash flow, %")
        top.legend(loc="upper left", frameon=False, fontsize=8, ncols=3)
        top.set_title(title, loc="left", fontweight="bold")
        entities, colors, lookup = _series(data, "fcf_after_capex_usd_m")
        width = 0.8 / max(len(entities), 1)
        for i, entity in enumerate(entities):
            xs, heights = [], []
            for q, quarter in enumerate(quarters):
                value = lookup.get((*entity, quarter))
                if value is not None:
                    xs.append(q - 0.4 + width * (i + 0.5))
                    heights.append(_bn(value))
            bottom.bar(xs, heights, width=width * 0.95, color=colors[entity], label=entity[1])
        bottom.axhline(0, color="#333333", linewidth=0.8)
        bottom.set_ylabel("Free cash flow after capex, USD bn")
        bottom.set_xticks(range(len(quarters)), quarters, rotation=45, ha="right")
        _footer(
            figure,
            "Source: metrics.cash_coverage. Free cash flow after capex = operating cash flow - "
            "cash capex, computed from the sourced figures (a company's own printed free cash "
            "flow is not used). Above the dotted 100 % line capex exceeds the cash operations "
            "generated; bars below zero are quarters of negative free cash flow. Groups only "
            "where every member has both figures.",
        )
        return _chart("cash_coverage", title, source, figure, data.height)


# ------------------------------------------------------------------ supplier capture
def supplier_capture_chart(frame: pl.DataFrame) -> Chart:
    """Suppliers' AI / data-center revenue against a spender group's capex (bars, USD bn) and
    the ratio, same quarter and against the previous quarter's capex (lines, %).
    ``frame``: rows of ``sql/reports/metrics_supplier_capture.sql``."""
    title = "Who captures the capex: AI suppliers' revenue vs spenders' capex"
    source = "metrics.supplier_capture"
    with _rc_context():
        figure = _figure(12, 7.5)
        data = frame.filter(pl.col("supplier_ai_revenue_usd_m").is_not_null())
        if data.is_empty():
            _no_data(figure, title, source)
            return _chart("supplier_capture", title, source, figure, 0)
        # spender groups with at least one complete capex total (the others say why in
        # metrics.supplier_capture.missing_reason)
        spenders = sorted(
            data.filter(pl.col("spender_capex_usd_m").is_not_null())["spender_group"]
            .unique()
            .to_list()
        ) or sorted(data["spender_group"].unique().to_list())
        supplier = data["supplier_group"][0]
        quarters = sorted(data["calendar_quarter"].unique().to_list())
        top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[3, 2])
        width = 0.8 / (len(spenders) + 1)
        first = data.filter(pl.col("spender_group") == spenders[0])
        revenue = {
            r["calendar_quarter"]: r["supplier_ai_revenue_usd_m"]
            for r in first.iter_rows(named=True)
        }
        xs = [q - 0.4 + width * 0.5 for q in range(len(quarters))]
        bars = top.bar(
            xs,
            [_bn(revenue.get(q)) or 0 for q in quarters],
            width=width * 0.95,
            color=entity_color(supplier, "group"),
            label=f"{supplier} AI / data-center revenue (n/N: suppliers with a figure)",
        )
        present = {
            r["calendar_quarter"]: f"{r['suppliers_present']}/{r['suppliers_expected']}"
            for r in first.iter_rows(named=True)
        }
        for bar, quarter in zip(bars, quarters, strict=True):
            if quarter in present:
                top.annotate(
                    present[quarter],
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    textcoords="offset points",
                    xytext=(0, 2),
                    ha="center",
                    fontsize=7,
                )
        for i, spender in enumerate(spenders):
            rows = {
                r["calendar_quarter"]: r
                for r in data.filter(pl.col("spender_group") == spender).iter_rows(named=True)
            }
            color = entity_color(spender, "group")
            top.bar(
                [q - 0.4 + width * (i + 1.5) for q in range(len(quarters))],
                [_bn((rows.get(q) or {}).get("spender_capex_usd_m")) or 0 for q in quarters],
                width=width * 0.95,
                color=color,
                label=f"{spender} capex",
            )
            for column, style, label in (
                ("supplier_revenue_to_capex_pct", "-", "same quarter"),
                ("supplier_revenue_to_prev_quarter_capex_pct", "--", "capex one quarter earlier"),
            ):
                values = [(rows.get(q) or {}).get(column) for q in quarters]
                bottom.plot(
                    range(len(quarters)),
                    [math.nan if v is None else v for v in values],
                    marker="o",
                    linestyle=style,
                    color=color,
                    label=f"vs {spender} capex, {label}",
                )
        top.set_title(title, loc="left", fontweight="bold")
        top.set_ylabel("USD bn")
        top.legend(loc="upper left", frameon=False, fontsize=9)
        bottom.set_ylabel("Supplier revenue / capex, %")
        bottom.legend(loc="upper left", frameon=False, fontsize=8)
        bottom.set_ylim(bottom=0)
        bottom.set_xticks(range(len(quarters)), quarters, rotation=45, ha="right")
        _footer(
            figure,
            "Source: metrics.supplier_capture (groups in pipelines/metrics/config.toml). The "
            "ratio is the suppliers' AI / data-center revenue as a % of the spenders' cash "
            "capex. It is not the share of that capex the suppliers received: they sell to "
            "other buyers too, and capex also pays for land, buildings, power and non-AI "
            "equipment. Suppliers summed are those with a figure for the quarter "
            "(suppliers_listed).",
        )
        return _chart("supplier_capture", title, source, figure, data.height)


# ------------------------------------------------------------ guidance-implied spend
def implied_label(point: float | None, actual: float | None) -> str:
    """The value label of a guidance bar: says which number is implied and which is actual
    (a bare number next to the actual's diamond read as the actual)."""
    text = f"implied {point:,.1f}" if point is not None else "implied n/a"
    return text if actual is None else f"{text} / actual {actual:,.1f}"


def guidance_implied_chart(frame: pl.DataFrame) -> Chart:
    """Per guidance statement, the capex it implies for the rest of its period (bar at the
    point, whisker low-high, USD bn), and what was actually spent once reported (diamond).
    ``frame``: rows of ``sql/reports/metrics_guidance_implied.sql``."""
    title = "Guidance-implied capex for the rest of the guided period"
    source = "metrics.guidance_implied"
    with _rc_context():
        data = frame.filter(pl.col("implied_remaining_point_usd_m").is_not_null())
        figure = _figure(12, 1.8 + 0.42 * max(data.height, 3))
        if data.is_empty():
            _no_data(figure, title, source)
            return _chart("guidance_implied", title, source, figure, 0)
        ax = figure.add_subplot()
        labels, ys = [], list(range(data.height))
        for y, r in zip(ys, data.iter_rows(named=True), strict=True):
            point = _bn(r["implied_remaining_point_usd_m"])
            low = _bn(r["implied_remaining_low_usd_m"])
            high = _bn(r["implied_remaining_high_usd_m"])
            ax.barh(y, point, color=COLORS["guidance"], height=0.6, alpha=0.85)
            if low is not None and high is not None:
                ax.plot([low, high], [y, y], color="#333333", linewidth=1.5)
            actual = _bn(r["actual_remaining_usd_m"])
            if actual is not None:
                ax.plot(actual, y, marker="D", color=COLORS["actual"], markersize=7)
            ax.annotate(
                implied_label(point, actual),
                (max(point or 0, high or 0, actual or 0), y),
                textcoords="offset points",
                xytext=(6, 0),
                va="center",
                fontsize=8,
            )
            labels.append(
                f"{r['ticker']} {r['guided_period']} #{r['statement_number']} "
                f"({r['statement_date']}) -> {r['remaining_quarters']}"
            )
        ax.set_yticks(ys, labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("Implied capex for the quarters not yet published, USD bn")
        ax.set_xlim(left=0)
        ax.set_title(title, loc="left", fontweight="bold")
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        ax.legend(
            handles=[
                Patch(facecolor=COLORS["guidance"], label="implied at the point"),
                Line2D([], [], color="#333333", label="low - high"),
                Line2D([], [], marker="D", color=COLORS["actual"], linestyle="", label="actual"),
            ],
            loc="lower right",
            frameon=False,
            fontsize=8,
        )
        _footer(
            figure,
            "Source: metrics.guidance_implied: one bar per guidance statement (a revision is a "
            "new bar) = guided total - capex published by the statement's date (only figures "
            "dated on or before it). Diamond: what was actually spent in those quarters, once "
            "reported. Statements whose published-to-date capex is unknown are left out.",
        )
        return _chart("guidance_implied", title, source, figure, data.height)
