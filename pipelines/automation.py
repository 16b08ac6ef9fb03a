"""Refresh automation: a daily schedule for the whole warehouse and a sensor on raw files, both
``RUNNING`` by default (``make ui`` runs them without a click). Schedule
``refresh_warehouse_schedule``: job ``refresh_warehouse`` on cron ``$LEDGER_REFRESH_CRON``
(default daily 06:00) in ``$LEDGER_REFRESH_TZ`` (default UTC). Sensor ``raw_files_sensor``:
a raw file whose content (sha256) changed runs its raw asset and everything downstream.
Behaviour, cursor and run keys: docs/refresh-safety.md; the SEC filings sensor: pipelines/sec.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

import dagster as dg

from pipelines import settings
from pipelines.jobs import refresh_warehouse

CRON_ENV = "LEDGER_REFRESH_CRON"
TZ_ENV = "LEDGER_REFRESH_TZ"
INTERVAL_ENV = "LEDGER_SENSOR_INTERVAL_S"
DEFAULT_CRON = "0 6 * * *"
DEFAULT_TZ = "UTC"
DEFAULT_INTERVAL_S = 30

SCHEDULE_NAME = "refresh_warehouse_schedule"
SENSOR_NAME = "raw_files_sensor"


# ------------------------------------------------------------------------------- schedule
def build_schedule(cron: str | None = None, timezone: str | None = None) -> dg.ScheduleDefinition:
    """The refresh schedule; ``cron``/``timezone`` default to the environment, then daily UTC."""
    cron = cron or os.environ.get(CRON_ENV) or DEFAULT_CRON
    timezone = timezone or os.environ.get(TZ_ENV) or DEFAULT_TZ
    return dg.ScheduleDefinition(
        name=SCHEDULE_NAME,
        job=refresh_warehouse,
        cron_schedule=cron,
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"Refresh the whole warehouse on cron `{cron}` ({timezone}). "
        f"Set {CRON_ENV} / {TZ_ENV} before starting Dagster to change it.",
        tags={"trigger": "schedule"},
    )


# --------------------------------------------------------------------------------- sensor
def watched_files() -> dict[str, dg.AssetKey]:
    """Raw file name (relative to the raw folder) → the raw asset that reads it.

    Derived from ``DATASETS`` every time it is called, so datasets added later are watched.
    """
    from pipelines.raw.datasets import DATASETS

    return {d.filename: dg.AssetKey(["raw", d.name]) for d in DATASETS}


def file_hashes(raw_dir: Path, names: list[str]) -> dict[str, str]:
    """sha256 of each named file that exists in ``raw_dir`` as a regular file (a FIFO or a
    device is never opened: it counts as absent)."""
    from pipelines.raw.files import open_regular

    hashes: dict[str, str] = {}
    for name in sorted(names):
        try:
            handle = open_regular(raw_dir / name)
        except OSError:
            continue
        digest = hashlib.sha256()
        with handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        hashes[name] = digest.hexdigest()
    return hashes


def parse_cursor(cursor: str | None) -> tuple[dict[str, str], int]:
    """The ``{file: sha256}`` and the change count stored by the previous evaluation (empty
    and 0 if none or unreadable; a cursor of the earlier form ``{file: sha256}`` is read too)."""
    if not cursor:
        return {}, 0
    try:
        value = json.loads(cursor)
    except json.JSONDecodeError:
        return {}, 0
    if not isinstance(value, dict):
        return {}, 0
    if isinstance(value.get("files"), dict):
        changes = value.get("changes")
        count = changes if isinstance(changes, int) and changes >= 0 else 0
        return {str(k): str(v) for k, v in value["files"].items()}, count
    return {str(k): str(v) for k, v in value.items()}, 0


def make_cursor(hashes: Mapping[str, str], changes: int) -> str:
    return json.dumps({"changes": changes, "files": dict(sorted(hashes.items()))})


def changed_files(before: Mapping[str, str], now: Mapping[str, str]) -> list[str]:
    """Files added, removed or whose hash differs, sorted."""
    return sorted(name for name in set(before) | set(now) if before.get(name) != now.get(name))


def run_key_for(
    before: Mapping[str, str], now: Mapping[str, str], changed: list[str], change: int = 0
) -> str:
    """Key of the ``change``-th change set seen: an evaluation retried before its cursor was
    saved gets the same key (Dagster launches one run), while the same file change seen again
    later (change, revert, change again) is a later ``change`` and gets a new key."""
    text = f"change {change}\n" + "\n".join(
        f"{n}:{before.get(n, '-')}>{now.get(n, '-')}" for n in changed
    )
    return "raw-files-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def downstream_of(
    context: dg.SensorEvaluationContext, roots: list[dg.AssetKey]
) -> tuple[list[dg.AssetKey], list[dg.AssetCheckKey]]:
    """The assets and checks of ``roots`` and everything downstream, in the code location the
    sensor runs in (a test passes ``definitions=`` to ``dg.build_sensor_context``)."""
    if context.repository_def is None:
        raise dg.DagsterInvariantViolationError("a sensor needs its definitions (repository_def)")
    graph = context.repository_def.asset_graph
    selection = dg.AssetSelection.assets(*roots).downstream()
    assets = sorted(selection.resolve(graph), key=lambda k: k.to_user_string())
    return assets, sorted(selection.resolve_checks(graph), key=str)


@dg.sensor(
    name=SENSOR_NAME,
    job=refresh_warehouse,
    minimum_interval_seconds=int(os.environ.get(INTERVAL_ENV) or DEFAULT_INTERVAL_S),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Materializes a raw asset and everything downstream of it when the content "
    "(sha256) of its file under raw/ changes; unchanged files, even touched, are skipped. "
    "Cursor: JSON {files: {file: sha256}, changes: n}; n is in the run key, so a change "
    "seen before (change, revert, change again) runs again.",
)
def raw_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    mapping = watched_files()
    stored, changes = parse_cursor(context.cursor)
    before = {k: v for k, v in stored.items() if k in mapping}
    now = file_hashes(settings.raw_dir(), list(mapping))
    changed = changed_files(before, now)
    if not changed:
        return dg.SkipReason(f"no raw file changed ({len(now)} watched by content hash)")
    changes += 1
    cursor = make_cursor(now, changes)

    asset_keys, check_keys = downstream_of(context, [mapping[name] for name in changed])
    context.log.info(
        f"changed: {', '.join(changed)} → {len(asset_keys)} asset(s): "
        + ", ".join(k.to_user_string() for k in asset_keys)
    )
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=run_key_for(before, now, changed, changes),
                asset_selection=asset_keys,
                asset_check_keys=check_keys,
                tags={"trigger": "raw_files_sensor", "changed_files": ",".join(changed)[:200]},
            )
        ],
        cursor=cursor,
    )


SCHEDULES: list[dg.ScheduleDefinition] = [build_schedule()]
SENSORS: list[dg.SensorDefinition] = [raw_files_sensor]
