"""Shared fixtures: every test gets its own warehouse file and its own copy of raw/."""

import dataclasses
import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines import settings
from pipelines.reports.assets import CHART_SPECS as SHIPPED_CHART_SPECS
from pipelines.reports.chart_config import REPORTS_DIR_ENV

#: Tests that assert values read this frozen copy of raw/ (v2 format, as of 2025-09-05), so
#: adding next quarter's figures to raw/ never changes what they see.
FIXTURE_RAW = Path(__file__).parent / "fixtures" / "raw_snapshot_2025-09-05"
#: The shipped raw/ folder: only tests of pinned historical quarters read it.
SHIPPED_RAW = settings.REPO_ROOT / "raw"
REPO_RAW = FIXTURE_RAW


#: How many tests this session collected, counting deselected ones (``-k``, ``-m``): what
#: ``pytest --collect-only`` counts, known when the session collected the whole suite.
_COLLECTED: dict[str, int] = {}


def pytest_configure(config: pytest.Config) -> None:
    """Tests never use the developer's Dagster instance: ``make`` exports DAGSTER_HOME (the
    project's dagster_home/ for ``make ui``), and runs of both xdist workers recorded in one
    SQLite instance there interfere with each other. A test that needs an instance makes its
    own (ephemeral, or a DAGSTER_HOME in its tmp_path)."""
    os.environ.pop("DAGSTER_HOME", None)


def _shares_a_module_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    return info is not None and any(
        defs and defs[-1].scope == "module" for defs in info.name2fixturedefs.values()
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``make test`` hands whole files to its two pytest-xdist workers (``--dist loadfile``):
    a module-scoped fixture, often a refresh, is built once, not once per worker. The long
    files (a module-scoped fixture, or marked ``end_to_end``) are handed out first and the
    many short ones last, so the two workers finish together: end-to-end files first, then
    those with a module-scoped fixture, then the rest (each in collection order)."""
    rank: dict[str, int] = {}
    for item in items:
        file = item.nodeid.split("::", 1)[0]
        here = (
            0
            if item.get_closest_marker("end_to_end")
            else 1
            if _shares_a_module_fixture(item)
            else 2
        )
        rank[file] = min(rank.get(file, 2), here)
    items.sort(key=lambda item: rank[item.nodeid.split("::", 1)[0]])


def pytest_deselected(items: list[pytest.Item]) -> None:
    _COLLECTED["deselected"] = _COLLECTED.get("deselected", 0) + len(items)


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    whole = config.args_source == pytest.Config.ArgsSource.TESTPATHS
    if whole and not config.getoption("lf", False):
        _COLLECTED["suite"] = len(session.items) + _COLLECTED.get("deselected", 0)


@pytest.fixture(scope="session")
def suite_test_count() -> int | None:
    """The number of tests of the whole suite when this session collected all of it (every
    xdist worker does), else None."""
    return _COLLECTED.get("suite")


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
    """A refresh done once per session: its warehouse file and its run (materialization
    metadata, check evaluations)."""

    path: Path
    result: dg.ExecuteInProcessResult

    @property
    def reports(self) -> Path:
        """The charts it drew, with their cache (copy it as a refresh's reports folder: charts
        of unchanged data are then reused, not redrawn)."""
        return self.path.parent / "reports"


@pytest.fixture(scope="session")
def refreshed_warehouse(refreshed_run: RefreshedRun) -> Path:
    """A warehouse refreshed once per test session from the frozen raw snapshot.

    Shared by every test that only reads a full warehouse; a test that changes it must work
    on a copy."""
    return refreshed_run.path


def shared_dir(factory: pytest.TempPathFactory) -> Path:
    """A folder every pytest-xdist worker of this session sees (the workers' base temp
    folders are siblings in it); without xdist, the session's own base temp folder."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def refresh_once(factory: pytest.TempPathFactory, name: str, raw: Path) -> RefreshedRun:
    """A full refresh of a copy of ``raw``, done once per session whatever the number of
    xdist workers: the first worker to ask builds it under a file lock and keeps the run's
    events beside the warehouse; the others wait for the lock and read them back."""
    from dagster._serdes import deserialize_value, serialize_value

    from pipelines.definitions import defs
    from pipelines.refresh import failure_messages, run_refresh

    root = shared_dir(factory) / f"refreshed-{name}"
    done = root / "run.json"
    with (shared_dir(factory) / f"refreshed-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            shutil.copytree(raw, root / "raw", ignore=shutil.ignore_patterns("sec"))
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv(settings.RAW_DIR_ENV, str(root / "raw"))
                mp.setenv(settings.WAREHOUSE_ENV, str(root / "warehouse.duckdb"))
                mp.setenv(REPORTS_DIR_ENV, str(root / "reports"))
                mp.delenv("DAGSTER_HOME", raising=False)
                for env in [n for n in os.environ if n.startswith("SEC_")]:
                    mp.delenv(env, raising=False)
                result = run_refresh(log_level="ERROR")
            assert result.success, failure_messages(result)
            text = serialize_value([result.dagster_run, list(result.all_events)])
            done.with_suffix(".tmp").write_text(text, encoding="utf-8")
            done.with_suffix(".tmp").rename(done)
            return RefreshedRun(root / "warehouse.duckdb", result)
    run, events = deserialize_value(done.read_text(encoding="utf-8"), list)
    result = dg.ExecuteInProcessResult(events, run, None, defs.resolve_job_def("refresh_warehouse"))
    return RefreshedRun(root / "warehouse.duckdb", result)


@pytest.fixture(scope="session")
def refreshed_run(tmp_path_factory: pytest.TempPathFactory) -> RefreshedRun:
    """The refresh behind ``refreshed_warehouse`` (the frozen raw snapshot), with its run
    result (read-only): materialization metadata, check evaluations."""
    return refresh_once(tmp_path_factory, "fixture", REPO_RAW)


@pytest.fixture(scope="session")
def shipped_run(tmp_path_factory: pytest.TempPathFactory) -> RefreshedRun:
    """A warehouse refreshed once per session from the shipped raw/ (read-only: copy it to
    change it)."""
    return refresh_once(tmp_path_factory, "shipped", SHIPPED_RAW)


@pytest.fixture(scope="session", autouse=True)
def _each_chart_drawn_once_per_rows() -> Iterator[None]:
    """Within a worker, a chart is drawn once for the same rows and drawing code: many
    end-to-end tests refresh the same data into a new reports folder, and a chart takes about
    half a second to draw. The same rows give the same bytes (tests/test_reports.py checks
    that, and everything else about drawing, with this turned off: ``real_chart_drawing``)."""
    from pipelines.reports import assets as report_assets

    code = report_assets._code_fingerprint()
    drawn: dict[str, object] = {}

    def remembered(spec: report_assets.ChartSpec) -> report_assets.ChartSpec:
        def render(frame):  # type: ignore[no-untyped-def]
            key = report_assets.render_key(spec, frame, code)
            if key not in drawn:
                drawn[key] = spec.render(frame)
            return drawn[key]

        return dataclasses.replace(spec, render=render)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(report_assets, "CHART_SPECS", tuple(map(remembered, SHIPPED_CHART_SPECS)))
        yield


@contextmanager
def real_chart_drawing() -> Iterator[None]:
    """Every chart really drawn (not remembered by ``_each_chart_drawn_once_per_rows``)."""
    from pipelines.reports import assets as report_assets

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(report_assets, "CHART_SPECS", SHIPPED_CHART_SPECS)
        yield


@pytest.fixture(scope="session", autouse=True)
def _session_refreshes_in_parallel(request: pytest.FixtureRequest) -> None:
    """Under pytest-xdist, the two session refreshes are built at the start, one per worker,
    at the same time: a worker never waits idle for the other to build the one it needs."""
    first = {"gw0": "refreshed_run", "gw1": "shipped_run"}.get(
        os.environ.get("PYTEST_XDIST_WORKER", "")
    )
    if first:
        request.getfixturevalue(first)
