"""quarantine.rejected_rows keeps every run's rejections; quarantine.current_rejections shows
only those of the latest run that read each file, so a fixed file stops being reported."""

from pathlib import Path

import dagster as dg

from pipelines.raw.assets import RAW_ASSETS
from pipelines.refresh import run_refresh
from pipelines.warehouse import WarehouseResource

CURRENT = 'SELECT dataset, row_number, "column", value FROM quarantine.current_rejections'
HISTORY = 'SELECT dataset, row_number, "column", value FROM quarantine.rejected_rows'


def materialize() -> dg.ExecuteInProcessResult:
    return dg.materialize(
        RAW_ASSETS, resources={"warehouse": WarehouseResource()}, raise_on_error=False
    )


def set_cell(path: Path, line: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_fixed_file_leaves_the_current_view_and_history_stays(
    raw_copy: Path, warehouse_file: Path, query
) -> None:
    claims = raw_copy / "claims.csv"
    good = claims.read_text(encoding="utf-8")
    first = claims.read_text(encoding="utf-8").splitlines()[1]
    claim_id = first.split(",")[0]
    set_cell(claims, 2, claim_id, "bad-id")
    assert not materialize().success
    assert query(CURRENT) == [("claims", 2, "claim_id", "bad-id")]

    claims.write_text(good, encoding="utf-8")  # fixed
    accelerators = raw_copy / "accelerators.csv"
    set_cell(accelerators, 3, ",3.35,", ",inf,")  # H100 bandwidth: a new problem elsewhere
    assert not materialize().success
    assert query(CURRENT) == [("accelerators", 3, "hbm_tbps", "inf")]
    assert query(HISTORY + " ORDER BY dataset") == [
        ("accelerators", 3, "hbm_tbps", "inf"),
        ("claims", 2, "claim_id", "bad-id"),
    ]
    [(runs,)] = query("SELECT count(DISTINCT run_id) FROM quarantine.rejected_rows")
    assert runs == 2

    # A run that does not read accelerators.csv leaves its rejection current.
    assert run_refresh(["raw/claims"]).success
    assert query("SELECT assets FROM meta.refresh_log ORDER BY finished_at DESC LIMIT 1") == [
        ("raw/claims",)
    ]
    assert query(CURRENT) == [("accelerators", 3, "hbm_tbps", "inf")]

    accelerators.write_text(
        accelerators.read_text(encoding="utf-8").replace(",inf,", ",3.35,"), encoding="utf-8"
    )
    assert materialize().success
    assert query(CURRENT) == []
    assert len(query(HISTORY)) == 2
    [(comment,)] = query(
        "SELECT comment FROM duckdb_views() WHERE schema_name = 'quarantine' "
        "AND view_name = 'current_rejections'"
    )
    assert comment.startswith("Rejected rows that still hold")
