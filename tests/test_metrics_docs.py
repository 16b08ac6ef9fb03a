"""The worked examples of docs/metrics.md: each query's output in the docs is what
``ledger query`` prints for it, checked here (and rewritten with ``UPDATE_DOCS=1``).

* A fenced block tagged ``sql example`` runs on the frozen test snapshot
  (tests/fixtures/raw_snapshot_2025-09-05, the session's ``refreshed_warehouse``).
* A block tagged ``sql shipped-example`` runs on the shipped ``raw/`` (pinned historical
  quarters only, so new data does not change it).

Each is followed by a ``text output`` block holding the output::

    UPDATE_DOCS=1 .venv/bin/python -m pytest tests/test_metrics_docs.py
"""

import io
import os
import re
import shutil
from pathlib import Path

import pytest

from pipelines import cli, settings
from tests.conftest import SHIPPED_RAW

DOC = settings.REPO_ROOT / "docs" / "metrics.md"
BLOCK = re.compile(
    r"```sql (?P<tag>example|shipped-example)\n(?P<sql>.*?)```\n+```text output\n(?P<out>.*?)```",
    re.DOTALL,
)
#: What the shipped examples need (the whole graph would also draw charts and claims).
SHIPPED_SELECTION = [
    "raw/companies",
    "raw/groups",
    "raw/group_members",
    "raw/financials",
    "raw/capex_guidance",
    "marts/capex_quarterly",
    "marts/company_quarterly",
    "marts/group_quarterly",
    "metrics/capex_intensity",
    "metrics/cash_coverage",
    "metrics/depreciation_vs_capex",
    "metrics/guidance_implied",
    "metrics/supplier_capture",
]


def ledger_query(warehouse: Path, sql: str) -> str:
    """What ``ledger query --warehouse <warehouse> "<sql>"`` prints."""
    out = io.StringIO()
    args = cli.build_parser().parse_args(["query", "--warehouse", str(warehouse), sql.strip()])
    assert cli._dispatch(args, out) == 0
    return out.getvalue()


@pytest.fixture(scope="module")
def shipped_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.refresh import failure_messages, run_refresh

    root = tmp_path_factory.mktemp("metrics_docs_shipped")
    raw = root / "raw"
    shutil.copytree(SHIPPED_RAW, raw, ignore=shutil.ignore_patterns("sec"))
    path = root / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(settings.RAW_DIR_ENV, str(raw))
        mp.setenv(settings.WAREHOUSE_ENV, str(path))
        mp.delenv("DAGSTER_HOME", raising=False)
        result = run_refresh(SHIPPED_SELECTION)
    assert result.success, failure_messages(result)
    return path


def test_docs_examples_match_ledger_output(
    refreshed_warehouse: Path, shipped_warehouse: Path
) -> None:
    text = DOC.read_text(encoding="utf-8")
    blocks = list(BLOCK.finditer(text))
    assert len(blocks) >= 6, "one worked example per metrics mart and tco.breakeven"
    warehouses = {"example": refreshed_warehouse, "shipped-example": shipped_warehouse}
    updated, stale = text, []
    for match in reversed(blocks):  # replace from the end: offsets stay valid
        actual = ledger_query(warehouses[match["tag"]], match["sql"])
        if actual != match["out"]:
            stale.append(match["sql"].strip().splitlines()[0])
            start, end = match.span("out")
            updated = updated[:start] + actual + updated[end:]
    if os.environ.get("UPDATE_DOCS") == "1":
        DOC.write_text(updated, encoding="utf-8")
        pytest.skip(f"{DOC} rewritten ({len(stale)} outputs changed)")
    assert not stale, (
        "docs/metrics.md outputs differ from `ledger query` (regenerate with UPDATE_DOCS=1 "
        f".venv/bin/python -m pytest tests/test_metrics_docs.py): {stale}"
    )
