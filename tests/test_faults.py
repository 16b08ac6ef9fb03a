"""The fault matrix: a refresh killed with ``kill -9`` at named moments, a crashed writer's
write-ahead log, a concurrent writer, a disk too small, a corrupted live file, a failed run
next to the charts. Each asserts that nothing published is lost or mixed: readers see the old
warehouse or the new one, whole.

Moments are driven deterministically: ``LEDGER_FAULT_PAUSE=<point>`` makes the refresh stop
itself (SIGSTOP) at that point after printing ``FAULT <point>``; the test then kills it with
SIGKILL (or lets it continue with SIGCONT). The killed refreshes run in parallel, each on its
own copy of the warehouse. See docs/reliability.md for what each case guarantees.
"""

import csv
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipelines import settings
from pipelines.refresh import failure_messages, main, run_refresh
from pipelines.reports import charts
from pipelines.warehouse import swap
from pipelines.warehouse.resource import snapshot_tables

REPO = settings.REPO_ROOT
SELECTION = ["raw/companies"]  # lifecycle moments: the smallest run that swaps a file in


def data_snapshot(path: Path) -> list[tuple[str, int, str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return snapshot_tables(con)


def child_env(live: Path, raw: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEC_")}
    env.pop("DAGSTER_HOME", None)
    env.pop(swap.FAULT_ENV, None)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env[settings.WAREHOUSE_ENV] = str(live)
    env[settings.RAW_DIR_ENV] = str(raw)
    env[charts.REPORTS_DIR_ENV] = str(live.parent / "reports")
    env.update(extra)
    return env


def rename_broadcom(raw: Path, new_name: str = "Broadcom Inc. (renamed)") -> None:
    path = raw / "companies.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:
        if row[0] == "AVGO":
            row[rows[0].index("name")] = new_name
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def leftovers(live: Path) -> list[str]:
    junk = [p.name for p in live.parent.glob(live.name + ".*.building*")]
    junk += [p.name for p in live.parent.glob(live.name + ".previous.tmp")]
    return sorted(junk)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def golden(refreshed_warehouse: Path) -> Path:
    return refreshed_warehouse


def make_case(root: Path, golden: Path, *, rename: bool) -> tuple[Path, Path]:
    root.mkdir(parents=True, exist_ok=True)
    raw = root / "raw"
    shutil.copytree(settings.REPO_ROOT / "raw", raw, ignore=shutil.ignore_patterns("sec"))
    if rename:
        rename_broadcom(raw)
    live = root / "warehouse.duckdb"
    shutil.copyfile(golden, live)
    return live, raw


# ------------------------------------------------------------------------- kill -9 matrix
@dataclass(frozen=True)
class Moment:
    point: str
    selection: tuple[str, ...]  # empty: the whole warehouse
    expect: str  # "old" or "new": what the live file must hold after the kill
    broken: bool = False  # break companies.csv so that the run fails


MOMENTS = [
    Moment("locked", tuple(SELECTION), "old"),
    Moment("copying", tuple(SELECTION), "old"),
    Moment("copied", tuple(SELECTION), "old"),
    Moment("table:raw.companies", tuple(SELECTION), "old"),
    Moment("table:marts.capex_quarterly", (), "old"),
    Moment("table:tco.chip_tco", (), "old"),
    Moment("checkpoint", tuple(SELECTION), "old"),
    Moment("before-swap-lock", tuple(SELECTION), "old"),
    Moment("previous-kept", tuple(SELECTION), "old"),
    Moment("swapped", tuple(SELECTION), "new"),
    Moment("publishing-files", ("reports/charts",), "old"),  # charts only: same data
    Moment("failure-copy-written", tuple(SELECTION), "old", broken=True),
]


@dataclass
class Killed:
    live: Path
    raw: Path
    returncode: int | None
    reached: bool
    stderr: str


def _kill_at(moment: Moment, live: Path, raw: Path) -> Killed:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.refresh", *moment.selection],
        env=child_env(live, raw, **{swap.FAULT_ENV: moment.point}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    reached, lines = False, []
    assert proc.stderr is not None
    for line in proc.stderr:
        lines.append(line)
        if line.strip() == f"FAULT {moment.point}":
            reached = True
            proc.send_signal(signal.SIGKILL)
            break
    proc.stderr.close()
    try:
        proc.wait(timeout=240)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return Killed(live, raw, proc.returncode, reached, "".join(lines[-40:]))


@pytest.fixture(scope="module")
def killed(golden: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Killed]:
    """Every moment of MOMENTS, run at once (one subprocess each), killed there."""
    results: dict[str, Killed] = {}
    threads = []
    base = tmp_path_factory.mktemp("kill")
    for i, moment in enumerate(MOMENTS):
        live, raw = make_case(base / f"case{i}", golden, rename=moment.expect == "new")
        if moment.broken:
            (raw / "companies.csv").write_text("ticker,name\n", encoding="utf-8")

        def run(m: Moment = moment, lv: Path = live, rw: Path = raw) -> None:
            results[m.point] = _kill_at(m, lv, rw)

        threads.append(threading.Thread(target=run))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


@pytest.fixture(scope="module")
def renamed_snapshot(golden: Path, tmp_path_factory: pytest.TempPathFactory) -> list:
    """The data of the golden warehouse after a clean refresh of SELECTION with Broadcom
    renamed: what "new" means."""
    live, raw = make_case(tmp_path_factory.mktemp("new"), golden, rename=True)
    with pytest.MonkeyPatch.context() as mp:
        for name, value in child_env(live, raw).items():
            mp.setenv(name, value)
        mp.delenv("DAGSTER_HOME", raising=False)
        result = run_refresh(SELECTION)
    assert result.success, failure_messages(result)
    return data_snapshot(live)


def test_at_least_ten_moments_including_the_swap():
    points = [m.point for m in MOMENTS]
    assert len(set(points)) >= 10
    assert {"before-swap-lock", "previous-kept", "swapped"} <= set(points)


@pytest.mark.parametrize("moment", MOMENTS, ids=[m.point for m in MOMENTS])
def test_kill_9_leaves_the_old_or_the_new_warehouse_whole(
    moment: Moment, killed: dict[str, Killed], golden: Path, renamed_snapshot: list, monkeypatch
):
    case = killed[moment.point]
    assert case.reached, f"never reached {moment.point}:\n{case.stderr}"
    assert case.returncode == -signal.SIGKILL
    live = case.live
    expected = data_snapshot(golden) if moment.expect == "old" else renamed_snapshot
    assert data_snapshot(live) == expected  # the whole old or the whole new warehouse
    assert not swap.wal_of(live).exists()
    previous = swap.previous_of(live)
    if previous.exists():  # written by the swap: always the old warehouse, whole
        assert data_snapshot(previous) == data_snapshot(golden)

    # The next refresh is not hindered (the kernel released the refresh lock) and cleans up.
    for name, value in child_env(live, case.raw).items():
        monkeypatch.setenv(name, value)
    if moment.broken:
        shutil.copyfile(REPO / "raw" / "companies.csv", case.raw / "companies.csv")
        rename_broadcom(case.raw)
    result = run_refresh(SELECTION, lock_timeout_s=5)
    assert result.success, failure_messages(result)
    assert leftovers(live) == []
    with duckdb.connect(str(live), read_only=True) as con:
        name = con.execute("SELECT name FROM raw.companies WHERE ticker = 'AVGO'").fetchone()[0]
    assert name == ("Broadcom Inc. (renamed)" if moment.expect == "new" or moment.broken else
                    con_name(golden))  # fmt: skip


def con_name(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT name FROM raw.companies WHERE ticker = 'AVGO'").fetchone()[0]
