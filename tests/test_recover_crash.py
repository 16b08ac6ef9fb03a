"""Issue 21, class 1: ``ledger recover`` is crash-safe, and a refresh never starts a new
warehouse while a previous or recovering copy exists.

Recovery copies ``.previous`` first and swaps it in by rename; the damaged file gets a second
name before the swap. The kill matrix stops ``ledger recover`` (a real process: the CLI
imports only duckdb) at each of its named moments (``LEDGER_FAULT_PAUSE``) and kills it with
SIGKILL: the live name must still hold the damaged file or the recovered one — never nothing —
and a second ``ledger recover`` must finish the job. Failures of the copy itself (a full disk)
must change nothing. A refresh that finds no live file but a ``.previous`` or ``.recovering``
beside its name must refuse, create no warehouse and point at ``ledger recover``.
docs/reliability.md lists the cases.
"""

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import settings
from pipelines.cli import main as cli_main
from pipelines.warehouse import recovery, swap
from tests.test_lock_vs_damage import small_warehouse

REPO = settings.REPO_ROOT
DOC = REPO / "docs" / "reliability.md"
DAMAGED = b"x\n1\n"  # what EXPLAIN ANALYZE COPY ... TO the warehouse used to do


@pytest.fixture
def live(tmp_path: Path) -> Path:
    """A damaged live file (4 bytes) with a good ``.previous`` and a stale ``.wal``."""
    path = tmp_path / "warehouse.duckdb"
    small_warehouse(swap.previous_of(path), "previous")
    path.write_bytes(DAMAGED)
    return path


def env_for(point: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DAGSTER_HOME", None)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env[swap.FAULT_ENV] = point
    return env


def recover_killed_at(live: Path, point: str, *extra: str) -> None:
    """Run ``ledger recover`` until it stops at ``point``, then SIGKILL it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "recover", "--warehouse", str(live), *extra],
        env=env_for(point),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    reached = False
    for line in proc.stderr:
        if line.strip() == f"FAULT {point}":
            reached = True
            break
    proc.kill()
    proc.wait(timeout=30)
    assert reached, f"ledger recover never reached {point} (exit {proc.returncode})"


#: (moment, with a WAL beside the damaged file, --force on a healthy file)
MOMENTS = [
    ("recover-locked", False, False),
    ("recover-copied", False, False),
    ("recover-damaged-kept", False, False),
    ("recover-wal-moved", True, False),
    ("recover-swapped", False, False),
    ("recover-copied-force", False, True),
    ("recover-damaged-kept-force", False, True),
]


@pytest.mark.parametrize(("moment", "wal", "force"), MOMENTS, ids=[m[0] for m in MOMENTS])
def test_recovery_killed_at_any_moment_leaves_a_live_file_and_can_be_repeated(
    live: Path, moment: str, wal: bool, force: bool, capsys
):
    point = moment.removesuffix("-force")
    previous = swap.previous_of(live).read_bytes()
    if force:  # a healthy live file, recovered with --force
        live.unlink()
        small_warehouse(live, "live")
    before = live.read_bytes()
    if wal:
        swap.wal_of(live).write_bytes(b"not a real log")

    recover_killed_at(live, point, *(["--force"] if force else []))

    # never a moment without a warehouse: the live name holds the old file or the recovered one
    assert live.exists()
    assert live.read_bytes() in (before, previous)
    assert swap.previous_of(live).read_bytes() == previous  # .previous is never touched
    for kept in live.parent.glob(live.name + ".damaged-*[0-9]Z"):
        assert kept.read_bytes() == before  # a second name, never a partial copy

    # a second recovery finishes the job and cleans up after the first (if the first got to
    # its rename, the live file is the recovered one: it opens fine, nothing left to do)
    done = live.read_bytes() == previous and before != previous
    code = cli_main(["recover", "--warehouse", str(live), *(["--force"] * (force and not done))])
    assert code == (1 if done else 0), capsys.readouterr().err
    if done:
        assert "opens fine: nothing to recover" in capsys.readouterr().err
    assert live.read_bytes() == previous
    assert not recovery.recovering_of(live).exists()
    assert not swap.wal_of(live).exists()
    kept = [p.read_bytes() for p in live.parent.glob(live.name + ".damaged-*[0-9]Z")]
    assert before in kept  # nothing deleted
    if wal:
        [log] = live.parent.glob(live.name + ".damaged-*.wal")
        assert log.read_bytes() == b"not a real log"


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def _no_space_for_a_second_name(*args, **kwargs):
    raise OSError(errno.EXDEV, "Invalid cross-device link")


#: (case, what fails) — copies that fail change nothing
FAILURES = [
    ("copy-disk-full", "copyfile"),
    ("damaged-copy-disk-full", "link+copyfile"),
]


@pytest.mark.parametrize(("case", "fails"), FAILURES, ids=[f[0] for f in FAILURES])
def test_a_failed_copy_changes_nothing(live: Path, case: str, fails: str, monkeypatch, capsys):
    before = live.read_bytes()
    real_copy = recovery.shutil.copyfile
    if fails == "copyfile":
        monkeypatch.setattr(recovery.shutil, "copyfile", _no_space)
    else:  # the .recovering copy works; keeping the damaged file under a second name does not
        monkeypatch.setattr(recovery.os, "link", _no_space_for_a_second_name)

        def copy(src, dst, *args, **kwargs):
            if ".damaged-" in str(dst):
                Path(dst).write_bytes(b"partial")
                _no_space()
            return real_copy(src, dst, *args, **kwargs)

        monkeypatch.setattr(recovery.shutil, "copyfile", copy)

    assert cli_main(["recover", "--warehouse", str(live)]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "nothing was changed" in err.replace(
        f"{live} was not changed", "nothing was changed"
    )
    assert "Traceback" not in err
    assert live.read_bytes() == before
    assert sorted(p.name for p in live.parent.iterdir()) == [
        live.name,
        swap.previous_of(live).name,
        live.name + ".refresh.lock",
    ]


LEFT_BEHIND = [
    ("only-previous", [".previous"]),
    ("only-recovering", [".recovering"]),
    ("previous-and-recovering", [".previous", ".recovering"]),
]


@pytest.mark.parametrize(("case", "copies"), LEFT_BEHIND, ids=[c[0] for c in LEFT_BEHIND])
def test_a_refresh_never_starts_a_new_warehouse_beside_a_copy(
    tmp_path: Path, case: str, copies: list[str]
):
    live = tmp_path / "warehouse.duckdb"
    for suffix in copies:
        small_warehouse(live.with_name(live.name + suffix), suffix)
    with pytest.raises(swap.WarehouseMissingError) as refused:
        swap.refuse_new_warehouse_beside_a_copy(live)
    assert "ledger recover" in str(refused.value) and str(live) in str(refused.value)
    small_warehouse(live, "live")
    swap.refuse_new_warehouse_beside_a_copy(live)  # a live file: nothing to say


def test_a_refresh_refuses_end_to_end_and_creates_nothing(
    tmp_path: Path, raw_copy: Path, monkeypatch, capsys
):
    """The whole refresh (one small asset): exit 1, no live file created, the reason shown
    and journaled; after ``ledger recover`` the refresh works."""
    from pipelines.refresh import main

    live = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv(settings.WAREHOUSE_ENV, str(live))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    small_warehouse(swap.previous_of(live), "previous")

    assert main(["raw/companies"]) == 1
    err = capsys.readouterr().err
    assert f"there is no live warehouse {live}, but {live.name}.previous" in err
    assert "ledger recover" in err
    assert not live.exists()
    [entry] = swap.read_journal(live)
    assert entry["status"] == "failure" and "ledger recover" in entry["message"]

    assert cli_main(["recover", "--warehouse", str(live)]) == 0
    assert main(["raw/companies"]) == 0, capsys.readouterr().err


def test_the_kill_moments_are_reached_in_order_and_documented():
    text = DOC.read_text(encoding="utf-8")
    for case in [m[0] for m in MOMENTS] + [f[0] for f in FAILURES] + [c[0] for c in LEFT_BEHIND]:
        assert f"`{case}`" in text, case
    assert signal.SIGKILL  # (the kills above are real SIGKILLs)
