"""The charts asset: PNG charts of the marts and TCO tables, written to ``reports/`` after each
refresh (``$LEDGER_REPORTS_DIR`` overrides; see ``pipelines.reports.charts.reports_dir``).

It reads the warehouse only (``warehouse.connect()``: inside a run, the run's own copy, so
the charts show the tables this run built) and writes nothing to it.
"""

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg
import duckdb
import polars as pl
from dagster import AssetExecutionContext
from PIL import Image

from pipelines.metadata import OWNERS
from pipelines.reports import charts
from pipelines.settings import read_sql
from pipelines.warehouse import WarehouseResource

CHARTS_KEY = dg.AssetKey(["reports", "charts"])
CHECK_NAME = "every_chart_has_data"
THUMBNAIL_WIDTH_PX = 480


@dataclass(frozen=True)
class ChartSpec:
    name: str  # reports/<name>.png
    table: str  # the warehouse table it reads
    upstream: dg.AssetKey  # the asset that writes that table
    sql: str  # file under sql/
    render: Callable[[pl.DataFrame], charts.Chart]


CHART_SPECS: tuple[ChartSpec, ...] = (
    ChartSpec(
        "capex_by_company",
        "marts.capex_quarterly",
        dg.AssetKey(["marts", "capex_quarterly"]),
        "reports/capex_by_company.sql",
        charts.capex_chart,
    ),
    ChartSpec(
        "broadcom_ai_revenue",
        "marts.ai_revenue_quarterly",
        dg.AssetKey(["marts", "ai_revenue_quarterly"]),
        "reports/broadcom_ai_revenue.sql",
        charts.broadcom_ai_revenue_chart,
    ),
    ChartSpec(
        "chip_tco",
        "tco.chip_tco",
        dg.AssetKey(["tco", "chip_tco"]),
        "reports/chip_tco.sql",
        charts.chip_tco_chart,
    ),
)


def _table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".", 1)
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def read_chart_data(con: duckdb.DuckDBPyConnection, spec: ChartSpec) -> pl.DataFrame:
    """The rows a chart plots (an empty frame if its table does not exist yet)."""
    if not _table_exists(con, spec.table):
        return _empty_like(spec)
    return con.execute(read_sql(spec.sql)).pl()


def render_charts(con: duckdb.DuckDBPyConnection) -> list[charts.Chart]:
    """Every chart of ``CHART_SPECS`` from the warehouse behind ``con``."""
    return [spec.render(read_chart_data(con, spec)) for spec in CHART_SPECS]


def _empty_like(spec: ChartSpec) -> pl.DataFrame:
    """A zero-row frame with the columns the chart's SQL selects (table not built yet)."""
    columns = {
        "capex_by_company": {
            "ticker": pl.String,
            "calendar_quarter": pl.String,
            "capex_usd_m": pl.Float64,
            "capex_yoy_pct": pl.Float64,
            "capex_is_derived": pl.Boolean,
        },
        "broadcom_ai_revenue": {
            "ticker": pl.String,
            "fiscal_year": pl.Int64,
            "fiscal_quarter": pl.Int64,
            "is_reported": pl.Boolean,
            "ai_revenue_usd_m": pl.Float64,
            "ai_revenue_consensus_usd_m": pl.Float64,
            "ai_revenue_guidance_usd_m": pl.Float64,
        },
        "chip_tco": {
            "chip": pl.String,
            "tco_usd_per_tbps_hour": pl.Float64,
            "tco_usd_per_pflop_hour": pl.Float64,
            "capital_source_kind": pl.String,
        },
    }[spec.name]
    return pl.DataFrame(schema=columns)


def _thumbnail_data_uri(png: bytes) -> str:
    """A small copy of a chart as a ``data:`` URI, for the markdown preview in the UI."""
    with Image.open(io.BytesIO(png)) as image:
        height = round(image.height * THUMBNAIL_WIDTH_PX / image.width)
        small = image.convert("RGB").resize((THUMBNAIL_WIDTH_PX, height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        small.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _markdown_table(rows: list[tuple[charts.Chart, str, bool]]) -> str:
    lines = [
        "| chart | file | reads | rows plotted | size (px) | changed |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for chart, path, changed in rows:
        lines.append(
            f"| {chart.title} | `{path}` | `{chart.source}` | {chart.rows} | "
            f"{chart.width_px} x {chart.height_px} | {'yes' if changed else 'no'} |"
        )
    return "\n".join(lines)


@dg.asset(
    key=CHARTS_KEY,
    group_name="reports",
    deps=[spec.upstream for spec in CHART_SPECS],
    description=(
        "PNG charts of the warehouse, redrawn after each refresh into `reports/` (or "
        "`$LEDGER_REPORTS_DIR`; a scratch warehouse set by `LEDGER_WAREHOUSE` gets a `reports/` "
        "folder next to it): hyperscaler capex by company and calendar quarter with "
        "year-on-year growth (`marts.capex_quarterly`); Broadcom AI revenue against consensus "
        "and guidance (`marts.ai_revenue_quarterly`); chip TCO per HBM TB/s-hour and per "
        "dense-BF16 PFLOP/s-hour (`tco.chip_tco`). Reads the warehouse, writes no table. A file "
        "is rewritten only when its bytes change, so an unchanged refresh leaves git clean."
    ),
    kinds={"matplotlib", "duckdb", "polars"},
    owners=OWNERS,
    tags={"domain": "reports", "layer": "reports"},
    metadata={
        "charts": ", ".join(f"{spec.name}.png" for spec in CHART_SPECS),
        "output_dir": "reports/ (override: $LEDGER_REPORTS_DIR)",
        "renderer": "matplotlib, Agg backend (static PNG)",
    },
    check_specs=[
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=CHARTS_KEY,
            description="Every chart plotted at least one row (a chart of an empty table shows "
            "'No data yet'). Warns, never blocks the refresh.",
        )
    ],
)
def charts_asset(context: AssetExecutionContext, warehouse: WarehouseResource):  # type: ignore[no-untyped-def]
    with warehouse.connect() as con:
        rendered = render_charts(con)
    out_dir = charts.reports_dir()
    written: list[tuple[charts.Chart, str, bool]] = []
    metadata: dict[str, dg.RawMetadataValue] = {}
    for chart in rendered:
        path = out_dir / f"{chart.name}.png"
        changed = charts.write_if_changed(path, chart.png)
        written.append((chart, str(path), changed))
        metadata[f"path_{chart.name}"] = dg.MetadataValue.path(str(path))
        context.log.info(
            f"{path}: {chart.rows} rows from {chart.source}, "
            f"{'rewritten' if changed else 'unchanged'}"
        )
    previews = "\n\n".join(
        f"**{c.title}** (`{c.name}.png`)\n\n![{c.name}]({_thumbnail_data_uri(c.png)})"
        for c in rendered
    )
    empty = [chart.name for chart in rendered if chart.rows == 0]
    yield dg.MaterializeResult(
        asset_key=CHARTS_KEY,
        metadata={
            **metadata,
            "reports_dir": dg.MetadataValue.path(str(out_dir)),
            "chart_count": len(rendered),
            "charts_changed": sum(1 for _, _, changed in written if changed),
            "charts": dg.MetadataValue.md(_markdown_table(written)),
            "preview": dg.MetadataValue.md(previews),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=CHECK_NAME,
                passed=not empty,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "empty_charts": ", ".join(empty) or "none",
                    **{f"rows_{chart.name}": chart.rows for chart in rendered},
                },
            )
        ],
    )


REPORT_ASSETS: list[dg.AssetsDefinition] = [charts_asset]
