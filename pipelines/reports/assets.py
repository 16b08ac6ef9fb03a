"""The charts asset: PNG charts of the marts, TCO and metrics tables, written after each
refresh to a ``reports/`` folder next to the warehouse (``$LEDGER_REPORTS_DIR`` overrides;
``pipelines.reports.charts.reports_dir``).

It reads the warehouse only (inside a run, the run's own copy) and writes into
``warehouse.stage_folder(reports/)``, which the resource publishes only after the run's
warehouse was swapped in: a failed or refused run leaves every chart as it was. A chart is
drawn again only when its render key (the rows it plots, the drawing code, library
versions) or its PNG changed: ``.render-cache/<name>.json``, docs/benchmarks.md.
"""

import base64
import hashlib
import importlib.metadata
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
from dagster import AssetExecutionContext

from pipelines.metadata import OWNERS
from pipelines.reports import chart_config, charts, drawing, metric_charts
from pipelines.settings import read_sql
from pipelines.sqlmodels.build import empty_frame
from pipelines.sqlmodels.contract import table_contract
from pipelines.warehouse import WarehouseResource

CHARTS_KEY = dg.AssetKey(["reports", "charts"])
CHECK_NAME = "every_chart_has_data"
THUMBNAIL_WIDTH_PX = 480


@dataclass(frozen=True)
class ChartSpec:
    name: str  # reports/<name>.png
    table: str  # the warehouse table it reads (schema.table, the key of the asset writing it)
    sql: str  # file under sql/
    render: Callable[[pl.DataFrame], charts.Chart]

    @property
    def upstream(self) -> dg.AssetKey:
        return dg.AssetKey(self.table.split("."))


CHART_SPECS: tuple[ChartSpec, ...] = (
    ChartSpec(
        "capex_by_company",
        "marts.capex_quarterly",
        "reports/capex_by_company.sql",
        charts.capex_chart,
    ),
    ChartSpec(
        "broadcom_ai_revenue",
        "marts.ai_revenue_quarterly",
        "reports/broadcom_ai_revenue.sql",
        charts.broadcom_ai_revenue_chart,
    ),
    ChartSpec("chip_tco", "tco.chip_tco", "reports/chip_tco.sql", charts.chip_tco_chart),
    *(
        ChartSpec(name, f"metrics.{name}", f"reports/metrics_{name}.sql", render)
        for name, render in (
            ("capex_intensity", metric_charts.capex_intensity_chart),
            ("cash_coverage", metric_charts.cash_coverage_chart),
            ("supplier_capture", metric_charts.supplier_capture_chart),
            ("guidance_implied", metric_charts.guidance_implied_chart),
        )
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
        return empty_frame(con, table_contract(spec.table))  # typed as the table will be
    return con.execute(read_sql(spec.sql)).pl()


CACHE_DIR_NAME = ".render-cache"
CACHE_FORMAT = 1
_CODE_FILES = (
    Path(__file__),
    Path(charts.__file__),
    Path(metric_charts.__file__),
    Path(drawing.__file__),
    Path(chart_config.__file__),
)
_LIBRARIES = ("matplotlib", "pillow", "polars")


def _code_fingerprint() -> str:
    """What, besides the data, decides a chart's bytes: the drawing code and library versions."""
    digest = hashlib.sha256(f"format {CACHE_FORMAT}\n".encode())
    for path in _CODE_FILES:
        digest.update(path.read_bytes())
    for library in _LIBRARIES:
        digest.update(f"{library} {importlib.metadata.version(library)}\n".encode())
    return digest.hexdigest()


def render_key(spec: ChartSpec, frame: pl.DataFrame, code: str) -> str:
    """SHA-256 of a chart's name, its drawing code (``code``) and the exact rows it plots."""
    buffer = io.BytesIO()
    frame.rechunk().write_ipc(buffer, compression="uncompressed")  # schema + values, exact
    digest = hashlib.sha256(f"{spec.name}\n{code}\n".encode())
    digest.update(buffer.getvalue())
    return digest.hexdigest()


def _cache_path(out_dir: Path, name: str) -> Path:
    return out_dir / CACHE_DIR_NAME / f"{name}.json"


def _cached_chart(out_dir: Path, name: str, key: str) -> tuple[charts.Chart, str] | None:
    """The chart and thumbnail recorded for ``key``, if the PNG on disk is still the one
    that drawing produced; else None (draw it)."""
    try:
        entry = json.loads(_cache_path(out_dir, name).read_text(encoding="utf-8"))
        if entry.get("key") != key:
            return None
        png = (out_dir / f"{name}.png").read_bytes()
    except (OSError, ValueError):
        return None
    if hashlib.sha256(png).hexdigest() != entry.get("png_sha256"):
        return None
    chart = charts.Chart(
        name, entry["title"], entry["source"], png, entry["rows"], entry["width_px"],
        entry["height_px"],
    )  # fmt: skip
    return chart, entry["thumbnail"]


def _store_cache(out_dir: Path, chart: charts.Chart, key: str, thumbnail: str) -> None:
    entry = {
        "key": key,
        "png_sha256": hashlib.sha256(chart.png).hexdigest(),
        "title": chart.title,
        "source": chart.source,
        "rows": chart.rows,
        "width_px": chart.width_px,
        "height_px": chart.height_px,
        "thumbnail": thumbnail,
    }
    path = _cache_path(out_dir, chart.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(entry, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _thumbnail_data_uri(png: bytes) -> str:
    """A small copy of a chart as a ``data:`` URI, for the markdown preview in the UI."""
    from PIL import Image

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
        "PNG charts of the warehouse, redrawn after each refresh into a `reports/` folder next "
        "to the warehouse file (`data/reports/`, git-ignored; or `$LEDGER_REPORTS_DIR`; the "
        "pictures in the docs are `docs/images/`, redrawn by `make docs`): hyperscaler capex by "
        "company and calendar quarter with year-on-year growth (`marts.capex_quarterly`); a "
        "company's AI revenue against consensus and guidance (`marts.ai_revenue_quarterly`); "
        "chip TCO per HBM TB/s-hour and per dense-BF16 PFLOP/s-hour (`tco.chip_tco`); capex "
        "intensity, cash coverage, supplier capture and guidance-implied spend (`metrics.*`). "
        "Reads the warehouse, writes no table. "
        "A file is rewritten only when its bytes change."
    ),
    kinds={"matplotlib", "duckdb", "polars"},
    owners=OWNERS,
    tags={"domain": "reports", "layer": "reports"},
    metadata={
        "charts": ", ".join(f"{spec.name}.png" for spec in CHART_SPECS),
        "output_dir": "data/reports/, beside the warehouse (override: $LEDGER_REPORTS_DIR)",
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
    out_dir = charts.reports_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    # Inside a run, files go to a staging folder that the warehouse resource moves into
    # reports/ only once this run's warehouse is swapped in: a failed run changes no chart.
    staged = warehouse.stage_folder(out_dir)
    code = _code_fingerprint()
    rendered: list[charts.Chart] = []
    thumbnails: dict[str, str] = {}
    written: list[tuple[charts.Chart, str, bool]] = []
    metadata: dict[str, dg.RawMetadataValue] = {}
    drawn = 0
    with warehouse.connect() as con:
        frames = [(spec, read_chart_data(con, spec)) for spec in CHART_SPECS]
    for spec, frame in frames:
        key = render_key(spec, frame, code)
        cached = _cached_chart(out_dir, spec.name, key)
        if cached is None:
            chart = spec.render(frame)
            thumbnails[chart.name] = _thumbnail_data_uri(chart.png)
            drawn += 1
        else:
            chart, thumbnails[spec.name] = cached
        path = out_dir / f"{chart.name}.png"
        changed = not (path.exists() and path.read_bytes() == chart.png)
        if changed:
            charts.write_if_changed(staged / path.name, chart.png)
        if cached is None:
            _store_cache(staged, chart, key, thumbnails[chart.name])
        rendered.append(chart)
        written.append((chart, str(path), changed))
        metadata[f"path_{chart.name}"] = dg.MetadataValue.path(str(path))
        context.log.info(
            f"{path}: {chart.rows} rows from {chart.source}, "
            f"{'drawn' if cached is None else 'same data and code: not redrawn'}, "
            f"{'rewritten' if changed else 'unchanged'}"
            f"{' (published when the run is swapped in)' if changed and staged != out_dir else ''}"
        )
    previews = "\n\n".join(
        f"**{c.title}** (`{c.name}.png`)\n\n![{c.name}]({thumbnails[c.name]})" for c in rendered
    )
    empty = [chart.name for chart in rendered if chart.rows == 0]
    yield dg.MaterializeResult(
        asset_key=CHARTS_KEY,
        metadata={
            **metadata,
            "reports_dir": dg.MetadataValue.path(str(out_dir)),
            "chart_count": len(rendered),
            "charts_changed": sum(1 for _, _, changed in written if changed),
            "charts_drawn": drawn,
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
