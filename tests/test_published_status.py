"""Issue 21, class 12: the exit status and the summary of a refresh always match what was
published.

- A chart publish that fails after the swap (a full disk: every move of a PNG into
  ``reports/`` fails, or only the second one does) must not end "refresh succeeded": exit 1,
  "the new tables were swapped into …, but not everything was published", the failure
  journaled for the run and carried into ``meta.refresh_log`` by the next refresh.
- A full disk during the build (the live file on a tmpfs with room for it and its build copy
  but not for the build's writes; skipped where ``mount`` is not permitted) must be recorded:
  exit 1, the cause in ``meta.refresh_log`` (or the journal), every table unchanged.

docs/reliability.md lists the cases.
"""

import errno
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from pipelines import settings
from pipelines.refresh import main
from pipelines.reports import charts
from pipelines.warehouse import resource, swap
from pipelines.warehouse.resource import snapshot_tables
from tests.conftest import FIXTURE_RAW

pytestmark = pytest.mark.end_to_end

DOC = settings.REPO_ROOT / "docs" / "reliability.md"


def data_snapshot(path: Path) -> list:
    with duckdb.connect(str(path), read_only=True) as con:
        return snapshot_tables(con)


@pytest.fixture
def live(refreshed_warehouse: Path, tmp_path: Path, monkeypatch) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURE_RAW, raw, ignore=shutil.ignore_patterns("sec"))
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(refreshed_warehouse, path)
    monkeypatch.setenv(settings.WAREHOUSE_ENV, str(path))
    monkeypatch.setenv(settings.RAW_DIR_ENV, str(raw))
    monkeypatch.setenv(charts.REPORTS_DIR_ENV, str(tmp_path / "reports"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return path


#: (case, how many PNG moves succeed before the disk is full)
PUBLISH = [("charts-publish-disk-full", 0), ("charts-publish-half-done", 1)]


@pytest.mark.parametrize(("case", "allowed"), PUBLISH, ids=[p[0] for p in PUBLISH])
def test_a_failed_chart_publish_is_not_reported_as_success(
    live: Path, case: str, allowed: int, monkeypatch, capsys
):
    real_replace, real_copy = os.replace, shutil.copyfile
    moved: list[str] = []

    def full(target) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    def replace(src, dst, *args, **kwargs):  # (os is one module: charts use it too)
        if str(dst).endswith(".png") and "building-files" not in str(dst):
            if len(moved) >= allowed:
                full(dst)
            moved.append(str(dst))
        return real_replace(src, dst, *args, **kwargs)

    def copyfile(src, dst, *args, **kwargs):
        if str(dst).endswith(".png.tmp") and "building-files" not in str(dst):
            full(dst)
        return real_copy(src, dst, *args, **kwargs)

    monkeypatch.setattr(resource.os, "replace", replace)
    monkeypatch.setattr(resource.shutil, "copyfile", copyfile)
    assert main(["reports/charts"]) == 1
    out, err = capsys.readouterr()
    assert "refresh succeeded" not in out + err
    assert "refresh FAILED after" in err
    assert f"the new tables were swapped into {live}, but not everything was published" in err
    assert "No space left on device" in err and "recorded in the journal" in err
    [entry] = swap.read_journal(live)
    assert entry["status"] == "failure" and entry["message"].startswith("swapped in, but")
    assert len(moved) == allowed

    monkeypatch.setattr(resource.os, "replace", real_replace)
    monkeypatch.setattr(resource.shutil, "copyfile", real_copy)
    assert main(["reports/charts"]) == 0  # room again: published, the journal carried over
    with duckdb.connect(str(live), read_only=True) as con:
        [(count,)] = con.execute(
            "SELECT count(*) FROM meta.refresh_log WHERE run_id = ? AND status = 'failure' "
            "AND message LIKE 'swapped in, but%'",
            [entry["run_id"]],
        ).fetchall()
    assert count == 1
    assert not swap.journal_of(live).exists()


@pytest.fixture
def small_disk(tmp_path: Path, live: Path):
    """A tmpfs with room for the warehouse and its build copy, and 64 KiB more."""
    mount = tmp_path / "small"
    mount.mkdir()
    size_kb = 2 * live.stat().st_size // 1024 + 64
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a size-limited tmpfs here: {proc.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


BUILD = [("build-disk-full", ["raw/companies", "raw/financials", "raw/capex_guidance",
                              "raw/claims"])]  # fmt: skip


@pytest.mark.parametrize(("case", "selection"), BUILD, ids=[b[0] for b in BUILD])
def test_a_full_disk_during_the_build_is_recorded(
    small_disk: Path, live: Path, case: str, selection: list[str], monkeypatch, capsys
):
    target = small_disk / "warehouse.duckdb"
    shutil.copyfile(live, target)
    monkeypatch.setenv(settings.WAREHOUSE_ENV, str(target))
    before = data_snapshot(target)
    raw = Path(os.environ[settings.RAW_DIR_ENV])
    claims = raw / "claims.csv"  # make the build write a lot: every claim 40 times
    lines = claims.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = []
    for copy in range(40):
        for line in lines[1:]:
            rows.append(f"X{copy}-" + line if line.strip() else line)
    claims.write_text(lines[0] + "".join(rows), encoding="utf-8")

    code = main(selection)
    out, err = capsys.readouterr()
    assert code == 1, out + err
    assert "refresh succeeded" not in out
    assert "the failure could not be recorded" not in err
    assert "keeps its previous tables" in err
    assert data_snapshot(target) == before
    recorded = swap.read_journal(target)
    with duckdb.connect(str(target), read_only=True) as con:
        recorded += [
            {"message": m}
            for (m,) in con.execute(
                "SELECT message FROM meta.refresh_log WHERE status = 'failure'"
            ).fetchall()
        ]
    assert any("No space left on device" in r["message"] for r in recorded), (recorded, err)
    assert not list(small_disk.glob("*.building*"))


def test_the_docs_list_every_case():
    text = DOC.read_text(encoding="utf-8")
    for case in [p[0] for p in PUBLISH] + [b[0] for b in BUILD]:
        assert f"`{case}`" in text, case
