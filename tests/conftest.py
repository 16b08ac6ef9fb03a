"""Shared fixtures: every test gets its own warehouse file and its own copy of raw/."""

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines import settings

#: Tests that assert values read this frozen copy of raw/ (v2 format, as of 2025-09-05), so
#: adding next quarter's figures to raw/ never changes what they see.
FIXTURE_RAW = Path(__file__).parent / "fixtures" / "raw_snapshot_2025-09-05"
#: The shipped raw/ folder: only tests of pinned historical quarters read it.
SHIPPED_RAW = settings.REPO_ROOT / "raw"
REPO_RAW = FIXTURE_RAW


@pytest.fixture
def raw_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of raw/ that the test may break; LEDGER_RAW_DIR points at it."""
    target = tmp_path / "raw"
    shutil.copytree(REPO_RAW, target, ignore=shutil.ignore_patterns("sec"))
    monkeypatch.setenv(settings.RAW_DIR_ENV, str(target))
    return target


@pytest.fixture
def warehouse_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throw-away warehouse path; LEDGER_WAREHOUSE points at it."""
    path = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv(settings.WAREHOUSE_ENV, str(path))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return path


@pytest.fixture
def query(warehouse_file: Path) -> Iterator:
    """``query(sql)`` → list of tuples, read-only on the test warehouse."""

    def run(sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(warehouse_file), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    yield run


@pytest.fixture(autouse=True)
def _sec_connector_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches data.sec.gov: the SEC connector is off unless a test turns it on
    (a developer's shell may have SEC_USER_AGENT set)."""
    for name in ("SEC_USER_AGENT", "SEC_BASE_URL", "SEC_LANDING_DIR", "SEC_TICKERS"):
        monkeypatch.delenv(name, raising=False)


@dataclass(frozen=True)
class RefreshedRun:
    """The session's one refresh: its warehouse file and its run (materialization metadata,
    check evaluations)."""

    path: Path
    result: dg.ExecuteInProcessResult


@pytest.fixture(scope="session")
def refreshed_warehouse(refreshed_run: RefreshedRun) -> Path:
    """A warehouse refreshed once per test session from the frozen raw snapshot.

    Shared by every test that only reads a full warehouse; a test that changes it must work
    on a copy."""
    return refreshed_run.path


@pytest.fixture(scope="session")
def refreshed_run(tmp_path_factory: pytest.TempPathFactory) -> RefreshedRun:
    """The refresh behind ``refreshed_warehouse``, with its run result (read-only)."""
    from pipelines.refresh import failure_messages, run_refresh

    root = tmp_path_factory.mktemp("refreshed")
    raw = root / "raw"
    shutil.copytree(REPO_RAW, raw, ignore=shutil.ignore_patterns("sec"))
    path = root / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(settings.RAW_DIR_ENV, str(raw))
        mp.setenv(settings.WAREHOUSE_ENV, str(path))
        mp.delenv("DAGSTER_HOME", raising=False)
        for name in [n for n in os.environ if n.startswith("SEC_")]:
            mp.delenv(name, raising=False)
        result = run_refresh()
    assert result.success, failure_messages(result)
    return RefreshedRun(path, result)
