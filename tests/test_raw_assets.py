"""Raw assets land every shipped row; a bad file changes nothing but the quarantine."""

import csv
from pathlib import Path

import dagster as dg

from pipelines.raw.assets import RAW_ASSETS, check_name
from pipelines.raw.datasets import BY_NAME, DATASETS
from pipelines.warehouse import WarehouseResource


def materialize_raw() -> dg.ExecuteInProcessResult:
    return dg.materialize(
        RAW_ASSETS, resources={"warehouse": WarehouseResource()}, raise_on_error=False
    )


def csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def test_every_raw_asset_lands_every_shipped_row(
    raw_copy: Path, warehouse_file: Path, query
) -> None:
    result = materialize_raw()
    assert result.success
    assert warehouse_file.exists()
    for dataset in DATASETS:
        [(count,)] = query(f"SELECT count(*) FROM {dataset.table}")
        assert count == csv_rows(raw_copy / dataset.filename), dataset.name
    # spot values straight from the source files
    assert query(
        "SELECT value FROM raw.financials WHERE ticker='MSFT' AND metric='capex_additions_to_pp_e' "
        "AND fiscal_year=2025 AND fiscal_quarter=4 AND basis='discrete' AND value_kind='actual'"
    ) == [(17079.0,)]
    assert query("SELECT cik, fiscal_calendar FROM raw.companies WHERE ticker='AVGO'") == [
        (1730168, "nearest:sun:oct-31:q1")
    ]
    # the warehouse documents itself
    [(comment,)] = query(
        "SELECT comment FROM duckdb_columns() WHERE schema_name='raw' AND table_name='financials' "
        "AND column_name='value_kind'"
    )
    assert comment.startswith("actual, consensus")
    # checks passed and row counts were recorded
    evaluations = result.get_asset_check_evaluations()
    assert {e.check_name for e in evaluations if e.passed} >= {check_name(d) for d in DATASETS}
    materialization = result.asset_materializations_for_node("raw__financials")[0]
    assert materialization.metadata["dagster/row_count"].value == csv_rows(
        raw_copy / "financials.csv"
    )


def test_bad_file_keeps_previous_tables_and_quarantines_rows(
    raw_copy: Path, warehouse_file: Path, query
) -> None:
    assert materialize_raw().success
    before = {d.table: query(f"SELECT * FROM {d.table} ORDER BY ALL") for d in DATASETS}

    path = raw_copy / BY_NAME["financials"].filename
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",USD_m,", ",EUR_m,", 1)
    lines.append(lines[2])  # duplicate key
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (raw_copy / "companies.csv").write_text(
        (raw_copy / "companies.csv").read_text(encoding="utf-8")
        + "nvda,NVIDIA,abc,last:sun:jan:q4,,,,x,2025-01-01,https://x\n",
        encoding="utf-8",
    )

    result = materialize_raw()
    assert not result.success
    failed = {e.check_name for e in result.get_asset_check_evaluations() if not e.passed}
    assert failed == {"companies_file_is_valid"}  # financials is skipped: its upstream failed
    after = {d.table: query(f"SELECT * FROM {d.table} ORDER BY ALL") for d in DATASETS}
    assert after == before

    rejected = query(
        'SELECT dataset, row_number, "column", value, rule '
        "FROM quarantine.rejected_rows ORDER BY ALL"
    )
    n = csv_rows(raw_copy / "companies.csv") + 1
    assert ("companies", n, "cik", "abc", "must be a whole number") in rejected
    assert (
        "companies",
        n,
        "ticker",
        "nvda",
        "must be 1 to 5 capital letters (e.g. MSFT)",
    ) in rejected
    [(status, message)] = query(
        "SELECT status, message FROM meta.refresh_log WHERE status='failure'"
    )
    assert "raw__companies" in message and "tables unchanged" in message


def test_failure_message_names_file_row_column_value_rule(
    raw_copy: Path, warehouse_file: Path
) -> None:
    path = raw_copy / "capex_guidance.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    cells = next(csv.reader([rows[1]]))
    cells[header.index("basis")] = "annual"
    rows[1] = ",".join(f'"{c}"' for c in cells)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = materialize_raw()
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    text = failure.step_failure_data.error.message
    assert f"{path}, row 2, column 'basis', value 'annual': must be one of: fy, discrete" in text
    assert "raw.capex_guidance keeps its previous contents" in text
