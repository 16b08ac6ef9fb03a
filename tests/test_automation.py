"""The refresh schedule and the raw-file sensor, evaluated with Dagster's test contexts."""

import hashlib
import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

from pipelines import automation
from pipelines.automation import raw_files_sensor
from pipelines.raw.datasets import DATASETS

# --------------------------------------------------------------------------- schedule


def test_schedule_defaults_to_daily_utc_on_the_refresh_job(monkeypatch):
    monkeypatch.delenv(automation.CRON_ENV, raising=False)
    monkeypatch.delenv(automation.TZ_ENV, raising=False)
    schedule = automation.build_schedule()
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.job_name == "refresh_warehouse"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_schedule_cron_and_timezone_come_from_the_environment(monkeypatch):
    monkeypatch.setenv(automation.CRON_ENV, "30 22 * * 1-5")
    monkeypatch.setenv(automation.TZ_ENV, "America/New_York")
    schedule = automation.build_schedule()
    assert schedule.cron_schedule == "30 22 * * 1-5"
    assert schedule.execution_timezone == "America/New_York"


def test_definitions_carry_the_schedule_and_sensor_running_by_default():
    from pipelines.definitions import defs

    schedule = defs.resolve_schedule_def(automation.SCHEDULE_NAME)
    sensor = defs.resolve_sensor_def(automation.SENSOR_NAME)
    assert schedule.job_name == sensor.job_name == "refresh_warehouse"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    # the job the schedule runs selects every asset of the code location
    job = defs.resolve_job_def("refresh_warehouse")
    assert job.asset_layer.selected_asset_keys == set(
        defs.resolve_asset_graph().get_all_asset_keys()
    )


# ----------------------------------------------------------------------------- sensor
# A small code location with a known graph, so the expected selections are written by hand:
#   raw/companies ──► raw/financials ──► marts/capex ──► marts/capex_chart
#   raw/claims ──────────────────────────────┴──► marts/claim_checks
def _fake(key: str, deps: list[str] | None = None) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey.from_user_string(key),
        deps=[dg.AssetKey.from_user_string(d) for d in deps or []],
    )
    def _a() -> None: ...

    return _a


FAKE_DEFS = dg.Definitions(
    assets=[
        _fake("raw/companies"),
        _fake("raw/financials", ["raw/companies"]),
        _fake("raw/claims"),
        _fake("raw/capex_guidance", ["raw/companies"]),
        _fake("marts/capex", ["raw/financials"]),
        _fake("marts/capex_chart", ["marts/capex"]),
        _fake("marts/claim_checks", ["marts/capex", "raw/claims"]),
    ]
)
WATCHED = {"companies.csv", "financials.csv", "claims.csv", "capex_guidance.csv"}


@pytest.fixture
def raw_dir(tmp_path: Path, monkeypatch) -> Path:
    """A raw folder with the four files the fake graph reads; LEDGER_RAW_DIR points at it."""
    folder = tmp_path / "raw"
    folder.mkdir()
    for name in sorted(WATCHED):
        shutil.copyfile(Path(__file__).parent.parent / "raw" / name, folder / name)
    monkeypatch.setenv("LEDGER_RAW_DIR", str(folder))
    monkeypatch.setattr(
        automation,
        "watched_files",
        lambda: {
            d.filename: dg.AssetKey(["raw", d.name]) for d in DATASETS if d.filename in WATCHED
        },
    )
    return folder


def evaluate(cursor: str | None, definitions: dg.Definitions = FAKE_DEFS):
    context = dg.build_sensor_context(cursor=cursor, definitions=definitions)
    return raw_files_sensor(context)


def selection(result) -> list[str]:
    (request,) = result.run_requests
    return sorted(k.to_user_string() for k in request.asset_selection)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_first_evaluation_requests_every_watched_asset_and_downstream(raw_dir: Path):
    result = evaluate(None)
    assert selection(result) == [
        "marts/capex",
        "marts/capex_chart",
        "marts/claim_checks",
        "raw/capex_guidance",
        "raw/claims",
        "raw/companies",
        "raw/financials",
    ]
    files, changes = automation.parse_cursor(result.cursor)
    assert files == {n: sha256(raw_dir / n) for n in sorted(WATCHED)} and changes == 1
    (request,) = result.run_requests
    assert request.job_name in (None, "refresh_warehouse")


def test_new_file_requests_its_asset_and_everything_downstream(raw_dir: Path):
    claims = raw_dir / "claims.csv"
    saved = claims.read_bytes()
    claims.unlink()
    cursor = evaluate(None).cursor  # claims.csv does not exist yet
    claims.write_bytes(saved)  # ... now it appears

    result = evaluate(cursor)

    assert selection(result) == ["marts/claim_checks", "raw/claims"]
    assert automation.parse_cursor(result.cursor)[0]["claims.csv"] == sha256(claims)


def test_changed_content_requests_downstream_but_touch_without_change_skips(raw_dir: Path):
    cursor = evaluate(None).cursor
    financials = raw_dir / "financials.csv"
    stat = financials.stat()

    os.utime(financials, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched, same bytes
    skipped = evaluate(cursor)
    assert isinstance(skipped, dg.SkipReason)

    # one byte changed, same size and the old modification time: still noticed
    data = bytearray(financials.read_bytes())
    data[-2:-1] = b"X" if data[-2:-1] != b"X" else b"Y"
    financials.write_bytes(bytes(data))
    os.utime(financials, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = evaluate(cursor)
    assert selection(result) == [
        "marts/capex",
        "marts/capex_chart",
        "marts/claim_checks",
        "raw/financials",
    ]


def test_unchanged_files_skip(raw_dir: Path):
    cursor = evaluate(None).cursor
    result = evaluate(cursor)
    assert isinstance(result, dg.SkipReason)
    assert "no raw file changed" in (result.skip_message or "")


def test_cursor_survives_a_restart(raw_dir: Path, tmp_path: Path):
    # Dagster stores the cursor string between evaluations; a restarted daemon hands the same
    # string to a brand-new evaluation context. Simulate by keeping only the string on disk.
    stored = tmp_path / "cursor.json"
    stored.write_text(evaluate(None).cursor or "")

    after_restart = evaluate(stored.read_text())
    assert isinstance(after_restart, dg.SkipReason)  # nothing re-run after the restart

    companies = raw_dir / "companies.csv"
    companies.write_bytes(companies.read_bytes() + b"\n")
    changed = evaluate(stored.read_text())
    assert selection(changed) == [
        "marts/capex",
        "marts/capex_chart",
        "marts/claim_checks",
        "raw/capex_guidance",
        "raw/companies",
        "raw/financials",
    ]


def test_same_change_gets_the_same_run_key_and_a_revert_is_a_new_change(raw_dir: Path):
    cursor = evaluate(None).cursor
    claims = raw_dir / "claims.csv"
    original = claims.read_bytes()
    claims.write_bytes(original + b"\n")
    first, retried = evaluate(cursor), evaluate(cursor)
    assert first.run_requests[0].run_key == retried.run_requests[0].run_key

    claims.write_bytes(original)  # reverted: a change again, with another key
    reverted = evaluate(first.cursor)
    assert selection(reverted) == ["marts/claim_checks", "raw/claims"]
    assert reverted.run_requests[0].run_key != first.run_requests[0].run_key


def test_deleted_file_requests_its_asset_so_the_failure_shows(raw_dir: Path):
    cursor = evaluate(None).cursor
    (raw_dir / "capex_guidance.csv").unlink()
    result = evaluate(cursor)
    assert selection(result) == ["raw/capex_guidance"]
    assert "capex_guidance.csv" not in automation.parse_cursor(result.cursor)[0]


def test_sensor_on_the_real_definitions_selects_real_assets_and_their_checks(raw_copy: Path):
    """Every dataset in DATASETS maps to an asset of the code location; a change in
    financials.csv selects raw/financials, its downstream assets and their checks."""
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    mapping = automation.watched_files()
    assert set(mapping) == {d.filename for d in DATASETS}
    assert all(graph.has(key) for key in mapping.values())

    cursor = evaluate(None, defs).cursor
    financials = raw_copy / "financials.csv"
    financials.write_bytes(financials.read_bytes() + b"\n")
    # evaluate_tick also runs Dagster's own validation of the run request against the job
    tick = raw_files_sensor.evaluate_tick(dg.build_sensor_context(cursor=cursor, definitions=defs))
    (request,) = tick.run_requests

    expected, frontier = set(), [dg.AssetKey(["raw", "financials"])]
    while frontier:  # walk the children by hand
        key = frontier.pop()
        if key not in expected:
            expected.add(key)
            frontier.extend(graph.get(key).child_keys)
    assert set(request.asset_selection) == expected
    assert dg.AssetKey(["raw", "companies"]) not in expected
    checks = {c for c in graph.asset_check_keys if c.asset_key in expected}
    assert set(request.asset_check_keys) == checks
    assert (
        dg.AssetCheckKey(dg.AssetKey(["raw", "financials"]), "financials_file_is_valid") in checks
    )
