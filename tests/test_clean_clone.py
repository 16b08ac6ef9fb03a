"""Issue 20, point 5: a clean clone stays clean. A refresh writes no tracked file; without
../shared the skips say where the real SEC files come from; ``make ui`` takes a port and
stops on SIGTERM."""

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipelines import settings
from pipelines.reports import charts
from pipelines.sec.config import ENV_REAL_DIR, real_files_missing
from pipelines.warehouse import swap

REPO = settings.REPO_ROOT


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)


def test_what_a_default_refresh_writes_is_ignored_by_git(monkeypatch: pytest.MonkeyPatch):
    """Every file a refresh of the default warehouse writes — the warehouse and its
    companions, the charts, Dagster's run history — is git-ignored and untracked, so a refresh
    leaves ``git status`` clean (the charts used to be the tracked PNGs in reports/)."""
    for name in (settings.WAREHOUSE_ENV, charts.REPORTS_DIR_ENV, "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    live = settings.warehouse_path()
    drawn = charts.reports_dir()
    written = [
        live,
        swap.previous_of(live),
        swap.wal_of(live),
        swap.journal_of(live),
        live.with_name(live.name + ".refresh.lock"),
        drawn / "capex_by_company.png",
        drawn / ".render-cache" / "capex_by_company.json",
        REPO / "dagster_home" / "history" / "runs.db",
    ]
    for path in written:
        assert git("check-ignore", "-q", str(path)).returncode == 0, f"{path} is not ignored"
    assert git("ls-files", str(drawn)).stdout == ""
    assert not drawn.is_relative_to(charts.DOCS_IMAGES_DIR)


def test_the_pictures_the_docs_show_are_committed_under_docs_images():
    shown = set()
    for doc in [REPO / "README.md", *(REPO / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)\s]+\.png)\)", doc.read_text("utf-8")):
            shown.add((doc.parent / target).resolve())
    assert shown, "the docs show pictures"
    tracked = set(git("ls-files", "docs/images").stdout.split())
    for path in shown:
        assert path.parent == charts.DOCS_IMAGES_DIR, path
        assert str(path.relative_to(REPO)) in tracked, path


def test_skips_without_shared_say_where_the_real_files_come_from(tmp_path: Path):
    reason = real_files_missing(tmp_path / "absent")
    assert "https://data.sec.gov/api/xbrl/companyfacts/" in reason
    assert "../shared/sec-real" in reason and ENV_REAL_DIR in reason
    for name in ("test_sec_real.py", "test_sec_real_assets.py", "test_sec_bulk.py"):
        source = (REPO / "tests" / name).read_text(encoding="utf-8")
        assert "reason=real_files_missing(REAL)" in source, name
        assert "not found in {REAL}" not in source and "not found at {REAL}" not in source


def test_make_ui_takes_a_port():
    shown = subprocess.run(
        ["make", "-s", "-n", "ui", "UI_PORT=3917"], cwd=REPO, capture_output=True, text=True
    ).stdout
    [line] = [x for x in shown.splitlines() if "pipelines.ui" in x]
    assert "--port 3917" in line


#: A stand-in for ``dg dev``: ignores SIGTERM (as a server busy shutting down would) and has
#: a child that ignores it too.
STUBBORN = textwrap.dedent(
    """
    import signal, subprocess, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = subprocess.Popen([sys.executable, "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"])
    print("ready", child.pid, flush=True)
    time.sleep(600)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")


def _stop_the_tree(tmp_path: Path, how: str) -> str | None:
    """Start the launcher with a stubborn stub, stop it as ``how`` says; None when the whole
    tree was gone within the grace, else what survived."""
    stub = tmp_path / "stub.py"
    stub.write_text(STUBBORN, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env["LEDGER_UI_COMMAND"] = json.dumps([sys.executable, str(stub)])
    launcher = [sys.executable, "-m", "pipelines.ui", "--port", "3917", "--grace", "1"]
    # parent-killed: a parent shell in place of make
    command = ["sh", "-c", " ".join(launcher) + "; true"] if how == "parent-killed" else launcher
    proc = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        ready = proc.stdout.readline().split()  # type: ignore[union-attr]
        if not ready or ready[0] != "ready":
            return f"the stub did not start: {ready}"
        grandchild = int(ready[1])
        tree = subprocess.run(
            ["pgrep", "-s", str(proc.pid)], capture_output=True, text=True
        ).stdout.split()
        started = time.monotonic()
        os.kill(proc.pid, signal.SIGTERM)
        while time.monotonic() - started < 10 and (
            _alive(grandchild) or any(_alive(int(p)) for p in tree if int(p) != proc.pid)
        ):
            time.sleep(0.1)
        if _alive(grandchild):
            return "the server's child survived"
        if time.monotonic() - started >= 6:
            return f"the tree took {time.monotonic() - started:.1f} s to stop"
        return None
    finally:
        for pid in subprocess.run(
            ["pgrep", "-f", str(stub)], capture_output=True, text=True
        ).stdout.split():
            os.kill(int(pid), signal.SIGKILL)
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("how", ["sigterm-to-the-launcher", "parent-killed"])
def test_the_ui_stops_on_sigterm_within_its_grace(tmp_path: Path, how: str):
    """``make ui`` runs ``python -m pipelines.ui``: SIGTERM to it — or the death of its parent,
    as when ``make`` is killed — stops the whole process tree within the grace period, even
    processes that ignore SIGTERM. One retry: under a loaded 2-core run the parent-death
    signal was once seen not to arrive (1 of about 30 runs), never twice in a row."""
    (tmp_path / "1").mkdir()
    (tmp_path / "2").mkdir()
    first = _stop_the_tree(tmp_path / "1", how)
    if first is not None:
        second = _stop_the_tree(tmp_path / "2", how)
        assert second is None, f"{first}; again: {second}"
