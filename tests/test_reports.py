"""The charts asset: renders PNGs from the warehouse into the reports folder, lists them in
its metadata, and rewrites a file only when its bytes change."""

import dataclasses
import shutil
import struct
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from PIL import Image

from pipelines import settings
from pipelines.reports import assets as report_assets
from pipelines.reports import charts
from pipelines.reports.assets import (
    CACHE_DIR_NAME,
    CHART_SPECS,
    CHARTS_KEY,
    CHECK_NAME,
    charts_asset,
    read_chart_data,
)
from pipelines.warehouse import WarehouseResource
from tests.conftest import real_chart_drawing
from tests.metric_chart_fixture import METRICS_PIXELS, METRICS_ROWS, METRICS_TABLES

SMALL_WAREHOUSE = """
CREATE SCHEMA marts;
CREATE SCHEMA tco;
CREATE SCHEMA raw;
CREATE TABLE raw.companies (ticker VARCHAR, name VARCHAR, fiscal_calendar VARCHAR);
INSERT INTO raw.companies VALUES
    ('MSFT', 'Microsoft Corporation', 'month_end:jun'),
    ('AMZN', 'Amazon.com, Inc.', 'month_end:dec'),
    ('META', 'Meta Platforms, Inc.', 'month_end:dec'),
    ('AVGO', 'Broadcom Inc.', 'nearest:sun:oct-31:q1'),
    ('MRVL', 'Marvell Technology, Inc.', 'nearest:sat:jan-31:q4');
CREATE TABLE raw.group_members (group_name VARCHAR, ticker VARCHAR);
INSERT INTO raw.group_members VALUES ('MAMG', 'MSFT'), ('MAMG', 'AMZN'), ('MAMG', 'META'),
    ('AI_SEMI', 'AVGO'), ('AI_SEMI', 'MRVL');
CREATE TABLE marts.capex_quarterly (
    ticker VARCHAR, calendar_quarter VARCHAR, capex_usd_m DOUBLE, capex_yoy_pct DOUBLE,
    capex_is_derived BOOLEAN);
INSERT INTO marts.capex_quarterly VALUES
    ('MSFT', '2024Q2', 19000, NULL, false),
    ('MSFT', '2025Q2', 24200, 27.4, true),
    ('AMZN', '2024Q2', 17600, NULL, false),
    ('AMZN', '2025Q2', 31400, 78.4, false),
    ('META', '2025Q2', NULL, NULL, NULL);   -- no figure: not plotted
CREATE TABLE marts.ai_revenue_quarterly (
    ticker VARCHAR, fiscal_year BIGINT, fiscal_quarter BIGINT, is_reported BOOLEAN,
    ai_revenue_usd_m DOUBLE, ai_revenue_consensus_usd_m DOUBLE, ai_revenue_guidance_usd_m DOUBLE);
INSERT INTO marts.ai_revenue_quarterly VALUES
    ('AVGO', 2025, 2, true, 4400, 4300, 4400),
    ('AVGO', 2025, 3, true, 5200, 5100, 5100),
    ('AVGO', 2025, 4, false, NULL, 6000, 6200), -- not reported yet: consensus and guidance only
    ('AVGO', 2024, 1, true, NULL, NULL, NULL),  -- nothing to plot
    ('MRVL', 2026, 2, false, NULL, 1500, NULL); -- not Broadcom
CREATE TABLE tco.chip_tco (
    chip VARCHAR, tco_usd_per_tbps_hour DOUBLE, tco_usd_per_pflop_hour DOUBLE,
    capital_source_kind VARCHAR);
INSERT INTO tco.chip_tco VALUES
    ('GB200', 0.66, 2.1, 'assumption'),
    ('Trainium2', 0.43, 1.3, 'sourced'),
    ('NoSpecs', NULL, NULL, 'assumption');  -- no spec: not plotted
"""
# Rows plotted, by hand from the inserts above.
EXPECTED_ROWS = {"capex_by_company": 4, "broadcom_ai_revenue": 3, "chip_tco": 2}
SMALL_WAREHOUSE += METRICS_TABLES
EXPECTED_ROWS |= METRICS_ROWS
# Figure size (inches) x 100 dpi; chip_tco is 1.6 in + 0.45 in per chip (at least 3 rows).
EXPECTED_PIXELS = {
    "capex_by_company": (1200, 750),
    "broadcom_ai_revenue": (1100, 600),
    "chip_tco": (1200, 295),
}
EXPECTED_PIXELS |= METRICS_PIXELS


@pytest.fixture(scope="module", autouse=True)
def _real_drawing() -> Iterator[None]:
    """This module tests drawing itself: every chart is drawn, none remembered."""
    with real_chart_drawing():
        yield


@pytest.fixture
def reports_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "reports_out"
    monkeypatch.setenv(charts.REPORTS_DIR_ENV, str(out))
    return out


@pytest.fixture
def small_warehouse(warehouse_file: Path) -> Path:
    with duckdb.connect(str(warehouse_file)) as con:
        con.execute(SMALL_WAREHOUSE)
    return warehouse_file


@dataclasses.dataclass(frozen=True)
class Drawn:
    """The small warehouse, and the reports folder its first materialization drew."""

    warehouse: Path
    reports: Path
    result: dg.ExecuteInProcessResult


@pytest.fixture(scope="module")
def drawn_once(tmp_path_factory: pytest.TempPathFactory) -> Drawn:
    """The first materialization on the small warehouse, once per module (read-only: tests
    that start from drawn charts copy it with ``drawn``)."""
    root = tmp_path_factory.mktemp("drawn")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(settings.WAREHOUSE_ENV, str(root / "warehouse.duckdb"))
        mp.setenv(charts.REPORTS_DIR_ENV, str(root / "reports_out"))
        mp.delenv("DAGSTER_HOME", raising=False)
        with duckdb.connect(str(root / "warehouse.duckdb")) as con:
            con.execute(SMALL_WAREHOUSE)
        result = _materialize()
    return Drawn(root / "warehouse.duckdb", root / "reports_out", result)


@pytest.fixture
def drawn(drawn_once: Drawn, warehouse_file: Path, reports_out: Path) -> Path:
    """This test's small warehouse and reports folder, as after a first materialization
    (copies of ``drawn_once``); returns the warehouse."""
    shutil.copyfile(drawn_once.warehouse, warehouse_file)
    shutil.copytree(drawn_once.reports, reports_out)
    return warehouse_file


def _materialize() -> dg.ExecuteInProcessResult:
    result = dg.materialize([charts_asset], resources={"warehouse": WarehouseResource()})
    assert result.success
    return result


def _metadata(result: dg.ExecuteInProcessResult) -> dict:
    [event] = result.get_asset_materialization_events()
    assert event.materialization.asset_key == CHARTS_KEY
    return {k: v.value for k, v in event.materialization.metadata.items()}


def _check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.check_name == CHECK_NAME
    return evaluation


def _png_text_chunks(data: bytes) -> dict[str, str]:
    """tEXt/iTXt/zTXt chunks of a PNG (where software names and dates would hide)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = {}, 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8].decode("ascii")
        body = data[pos + 8 : pos + 8 + length]
        if kind in ("tEXt", "iTXt", "zTXt"):
            key, _, value = body.partition(b"\x00")
            if kind == "zTXt":
                value = zlib.decompress(value[1:])
            chunks[key.decode("latin-1")] = value.decode("latin-1", "replace")
        pos += 12 + length
    return chunks


def test_charts_render_from_a_small_warehouse(drawn_once: Drawn) -> None:
    result, reports_out = drawn_once.result, drawn_once.reports
    metadata = _metadata(result)

    for name, (width, height) in EXPECTED_PIXELS.items():
        path = reports_out / f"{name}.png"
        assert path.is_file(), name
        assert metadata[f"path_{name}"] == str(path)
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.size == (width, height), name
            # Not a blank canvas: a real chart has many distinct colours.
            assert len(image.convert("RGB").getcolors(maxcolors=1 << 20) or []) > 50, name
    assert metadata["chart_count"] == len(EXPECTED_PIXELS)
    assert metadata["charts_changed"] == len(EXPECTED_PIXELS)
    assert metadata["reports_dir"] == str(reports_out)
    for name in EXPECTED_PIXELS:
        assert f"`{reports_out / name}.png`" in metadata["charts"]
        assert f"![{name}](data:image/png;base64," in metadata["preview"]

    check = _check(result)
    assert check.passed
    assert {k: v.value for k, v in check.metadata.items() if k.startswith("rows_")} == {
        f"rows_{name}": rows for name, rows in EXPECTED_ROWS.items()
    }
    assert metadata["charts_drawn"] == len(EXPECTED_PIXELS)
    assert sorted(p.name for p in reports_out.iterdir()) == sorted(
        [f"{name}.png" for name in EXPECTED_PIXELS] + [CACHE_DIR_NAME]
    )  # no temp files left behind
    assert sorted(p.name for p in (reports_out / CACHE_DIR_NAME).iterdir()) == sorted(
        f"{name}.json" for name in EXPECTED_PIXELS
    )


def test_unchanged_data_leaves_files_untouched(drawn: Path, reports_out: Path) -> None:
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in reports_out.glob("*.png")}
    metadata = _metadata(_materialize())
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in reports_out.glob("*.png")}
    assert metadata["charts_changed"] == 0
    assert after == before
    for data, _ in after.values():
        chunks = _png_text_chunks(data)
        assert "Software" not in chunks and "Creation Time" not in chunks, chunks


def test_changed_data_rewrites_only_that_chart(drawn: Path, reports_out: Path) -> None:
    before = {p.name: p.read_bytes() for p in reports_out.glob("*.png")}
    with duckdb.connect(str(drawn)) as con:
        con.execute("UPDATE tco.chip_tco SET tco_usd_per_tbps_hour = 0.50 WHERE chip = 'GB200'")
    metadata = _metadata(_materialize())
    after = {p.name: p.read_bytes() for p in reports_out.glob("*.png")}
    assert metadata["charts_changed"] == 1
    assert [n for n in sorted(after) if after[n] != before[n]] == ["chip_tco.png"]


@pytest.fixture
def draw_counter(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Counts calls of each chart's drawing function during the test."""
    calls: Counter = Counter()

    def counted(spec):  # type: ignore[no-untyped-def]
        def render(frame):  # type: ignore[no-untyped-def]
            calls[spec.name] += 1
            return spec.render(frame)

        return dataclasses.replace(spec, render=render)

    monkeypatch.setattr(report_assets, "CHART_SPECS", tuple(counted(s) for s in CHART_SPECS))
    return calls


def test_unchanged_data_is_not_redrawn(
    drawn_once: Drawn, drawn: Path, reports_out: Path, draw_counter: Counter
) -> None:
    first = drawn_once.result  # drew every chart (test_charts_render_from_a_small_warehouse)
    mtimes = {p.name: p.stat().st_mtime_ns for p in reports_out.glob("*.png")}

    second = _materialize()
    assert draw_counter == {}  # no new drawing
    metadata = _metadata(second)
    assert metadata["charts_drawn"] == 0
    assert metadata["charts_changed"] == 0
    assert {p.name: p.stat().st_mtime_ns for p in reports_out.glob("*.png")} == mtimes
    # The reused run reports the same rows, sizes and previews as a drawing run.
    for key in ("preview", "chart_count"):
        assert metadata[key] == _metadata(first)[key], key
    charts_first = _metadata(first)["charts"].replace(str(drawn_once.reports), str(reports_out))
    assert metadata["charts"] == charts_first.replace("| yes |", "| no |")
    assert {k: v.value for k, v in _check(second).metadata.items()} == {
        k: v.value for k, v in _check(first).metadata.items()
    }
    # And the reused files are exactly what drawing the same data gives now.
    with duckdb.connect(str(drawn), read_only=True) as con:
        for spec in CHART_SPECS:
            fresh = spec.render(read_chart_data(con, spec))
            assert (reports_out / f"{spec.name}.png").read_bytes() == fresh.png, spec.name


def test_changed_data_is_redrawn(drawn: Path, reports_out: Path, draw_counter: Counter) -> None:
    with duckdb.connect(str(drawn)) as con:
        # A value change that moves no bar label's rounding still changes the input hash.
        con.execute("UPDATE marts.ai_revenue_quarterly SET ai_revenue_usd_m = 5200.000001 "
                    "WHERE fiscal_quarter = 3")  # fmt: skip
    metadata = _metadata(_materialize())
    assert draw_counter == {"broadcom_ai_revenue": 1}  # the others are reused
    assert metadata["charts_drawn"] == 1


def test_edited_or_missing_png_is_redrawn(
    drawn: Path, reports_out: Path, draw_counter: Counter
) -> None:
    original = (reports_out / "chip_tco.png").read_bytes()
    (reports_out / "chip_tco.png").write_bytes(b"not the chart")
    (reports_out / "capex_by_company.png").unlink()
    metadata = _metadata(_materialize())
    assert draw_counter == {"capex_by_company": 1, "chip_tco": 1}  # the others are reused
    assert metadata["charts_drawn"] == 2
    assert (reports_out / "chip_tco.png").read_bytes() == original
    assert (reports_out / "capex_by_company.png").is_file()


def test_code_fingerprint_is_part_of_the_key(small_warehouse: Path, reports_out: Path) -> None:
    spec = CHART_SPECS[2]
    with duckdb.connect(str(small_warehouse), read_only=True) as con:
        frame = read_chart_data(con, spec)
    code = report_assets._code_fingerprint()
    key = report_assets.render_key(spec, frame, code)
    assert key == report_assets.render_key(spec, frame.clone(), code)
    assert key != report_assets.render_key(spec, frame, "other code")
    assert key != report_assets.render_key(spec, frame.head(1), code)


def test_empty_warehouse_draws_placeholders_and_warns(
    warehouse_file: Path, reports_out: Path
) -> None:
    result = _materialize()  # marts and tco tables do not exist yet
    check = _check(result)
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["empty_charts"].value == ", ".join(s.name for s in CHART_SPECS)
    for spec in CHART_SPECS:
        assert (reports_out / f"{spec.name}.png").is_file()


def test_reports_dir_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(charts.REPORTS_DIR_ENV, raising=False)
    monkeypatch.delenv(settings.WAREHOUSE_ENV, raising=False)
    assert charts.reports_dir() == settings.REPO_ROOT / "data" / "reports"
    monkeypatch.setenv(settings.WAREHOUSE_ENV, str(tmp_path / "scratch" / "w.duckdb"))
    assert charts.reports_dir() == (tmp_path / "scratch" / "reports").resolve()
    monkeypatch.setenv(charts.REPORTS_DIR_ENV, str(tmp_path / "elsewhere"))
    assert charts.reports_dir() == (tmp_path / "elsewhere").resolve()


def test_write_if_changed(tmp_path: Path) -> None:
    path = tmp_path / "a" / "chart.png"
    assert charts.write_if_changed(path, b"one") is True
    assert charts.write_if_changed(path, b"one") is False
    assert charts.write_if_changed(path, b"two") is True
    assert path.read_bytes() == b"two"
    assert sorted(p.name for p in path.parent.iterdir()) == ["chart.png"]
