"""docs/add-a-metric.md, run as written: its two files make a new table with an asset, a
dependency, a contract and a check, and compute the right numbers."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import dagster as dg
import pytest

from pipelines.settings import REPO_ROOT, SQL_DIR
from pipelines.sqlmodels.assets import sql_model_assets
from tests.sqlmodel import run_model

pytestmark = pytest.mark.end_to_end

GUIDE = REPO_ROOT / "docs" / "add-a-metric.md"
FENCE = re.compile(r"```(?:sql|yaml) file=(\S+)\n(.*?)```", re.DOTALL)


def _sql_dir_with_the_guide(tmp_path: Path) -> Path:
    sql_dir = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql_dir)
    files = FENCE.findall(GUIDE.read_text(encoding="utf-8"))
    assert [name for name, _ in files] == [
        "sql/metrics/ocf_margin.sql",
        "sql/metrics/ocf_margin.yml",
    ]
    for name, text in files:
        (tmp_path / name).write_text(text, encoding="utf-8")
    return sql_dir


def test_the_two_files_make_an_asset_with_its_dependency_and_check(tmp_path: Path) -> None:
    sql_dir = _sql_dir_with_the_guide(tmp_path)
    assets = sql_model_assets({"marts.company_quarterly", "raw.companies"}, sql_dir)
    by_key = {k: a for a in assets for k in a.keys}
    asset = by_key[dg.AssetKey(["metrics", "ocf_margin"])]
    spec = asset.specs_by_key[dg.AssetKey(["metrics", "ocf_margin"])]
    assert {d.asset_key for d in spec.deps} == {dg.AssetKey(["marts", "company_quarterly"])}
    assert spec.group_name == "metrics"
    assert [c.name for c in spec.metadata["dagster/column_schema"].columns] == [
        "ticker",
        "calendar_quarter",
        "operating_cash_flow_usd_m",
        "revenue_usd_m",
        "ocf_margin_pct",
    ]
    assert {c.name for c in asset.check_specs} == {"ocf_margin_matches_its_inputs"}


def test_the_metric_computes(tmp_path: Path) -> None:
    sql_dir = _sql_dir_with_the_guide(tmp_path)
    rows = run_model(
        "metrics.ocf_margin",
        {
            "marts.company_quarterly": [
                {
                    "ticker": "A",
                    "metric": "revenue",
                    "calendar_quarter": "2025Q1",
                    "value_usd_m": 200.0,
                },
                {
                    "ticker": "A",
                    "metric": "operating_cash_flow",
                    "calendar_quarter": "2025Q1",
                    "value_usd_m": 50.0,
                },
                {
                    "ticker": "A",
                    "metric": "revenue",
                    "calendar_quarter": "2025Q2",
                    "value_usd_m": 0.0,
                },
                {
                    "ticker": "A",
                    "metric": "operating_cash_flow",
                    "calendar_quarter": "2025Q2",
                    "value_usd_m": 10.0,
                },
            ]
        },
        sql_dir=sql_dir,
    )
    margins = {r["calendar_quarter"]: r["ocf_margin_pct"] for r in rows}
    assert margins == {"2025Q1": 25.0, "2025Q2": None}
