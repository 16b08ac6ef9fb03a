"""A refresh is safe for readers: failed, blocked or killed runs leave the last good tables.

Each test starts from a copy of the session's golden warehouse (``refreshed_warehouse``, of
the frozen raw snapshot), and uses its own copy of raw/ (``raw_copy``). Other processes are real
subprocesses holding real DuckDB connections; they are driven through stdin/stdout, so no
test depends on timing.
"""

import csv
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines import settings
from pipelines.refresh import failure_messages, main, run_refresh
from pipelines.warehouse.resource import snapshot_tables

REPO = settings.REPO_ROOT


def data_snapshot(path: Path) -> list[tuple[str, int, str]]:
    """(table, rows, content hash) of every data table, read-only."""
    with duckdb.connect(str(path), read_only=True) as con:
        return snapshot_tables(con)


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def leftovers(live: Path) -> list[str]:
    return sorted(p.name for p in live.parent.glob(live.name + ".*.building*"))


@pytest.fixture(scope="module")
def golden(refreshed_warehouse: Path) -> Path:
    """The session's golden warehouse, of the frozen raw snapshot (tests copy it, never change
    it)."""
    return refreshed_warehouse


@pytest.fixture
def live(golden: Path, warehouse_file: Path, raw_copy: Path, monkeypatch) -> Path:
    """This test's live warehouse: a copy of the golden one."""
    monkeypatch.delenv("SEC_USER_AGENT", raising=False)
    shutil.copyfile(golden, warehouse_file)
    return warehouse_file


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DAGSTER_HOME", None)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _hold(path: Path, read_only: bool) -> subprocess.Popen:
    """Another process with ``path`` open; it prints the AVGO company name, then waits for a
    line on stdin, prints the name again through the same connection and exits."""
    script = textwrap.dedent(
        """
        import sys, duckdb
        con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
        q = "SELECT name FROM raw.companies WHERE ticker = 'AVGO'"
        print(con.execute(q).fetchone()[0], flush=True)
        sys.stdin.readline()
        print(con.execute(q).fetchone()[0], flush=True)
        """
    )
    return subprocess.Popen(
        [sys.executable, "-c", script, str(path), "ro" if read_only else "rw"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_child_env(),
    )


def _release(proc: subprocess.Popen) -> str:
    out, err = proc.communicate("\n", timeout=60)
    assert proc.returncode == 0, err
    return out.strip()


def _rename_broadcom(raw: Path, new_name: str) -> None:
    path = raw / "companies.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    name_col = rows[0].index("name")
    for row in rows[1:]:
        if row[0] == "AVGO":
            row[name_col] = new_name
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


# ------------------------------------------------------------------------------- bad file
def test_bad_raw_file_keeps_every_table_and_quarantines_the_rows(live: Path, raw_copy: Path):
    before = data_snapshot(live)
    financials = csv_rows(raw_copy / "financials.csv")
    # Break the value of the second data row (file line 3: header is line 1).
    path = raw_copy / "financials.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[2][rows[0].index("value")] = "lots"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)

    result = run_refresh()

    assert not result.success
    assert data_snapshot(live) == before  # every data table, byte for byte
    with duckdb.connect(str(live), read_only=True) as con:
        # still readable, with the previous good contents
        assert con.execute("SELECT count(*) FROM raw.financials").fetchone()[0] == len(financials)
        rejected = con.execute(
            'SELECT dataset, row_number, "column", value FROM quarantine.rejected_rows '
            "WHERE run_id = ?",
            [result.run_id],
        ).fetchall()
        log = con.execute(
            "SELECT status, message FROM meta.refresh_log WHERE run_id = ?", [result.run_id]
        ).fetchall()
    assert rejected == [("financials", 3, "value", "lots")]
    assert len(log) == 1 and log[0][0] == "failure"
    assert "raw__financials" in log[0][1] and "1 rejected row" in log[0][1]
    assert leftovers(live) == []


# ------------------------------------------------------------------------------- readers
def test_refresh_succeeds_while_a_reader_keeps_its_snapshot(live: Path, raw_copy: Path):
    reader = _hold(live, read_only=True)
    try:
        assert reader.stdout is not None
        assert reader.stdout.readline().strip() == "Broadcom Inc."
        _rename_broadcom(raw_copy, "Broadcom Inc. (renamed)")

        # documented: readers never block a refresh (the smallest run that swaps a file in)
        result = run_refresh(["raw/companies"])

        assert result.success, failure_messages(result)
        # the reader, still connected, keeps reading the snapshot it opened
        assert _release(reader) == "Broadcom Inc."
    finally:
        reader.kill()
    with duckdb.connect(str(live), read_only=True) as con:  # new readers see the new file
        name = con.execute("SELECT name FROM raw.companies WHERE ticker = 'AVGO'").fetchone()[0]
    assert name == "Broadcom Inc. (renamed)"
    assert leftovers(live) == []


# ------------------------------------------------------------------------------- writers
def test_refresh_waits_for_a_writer_then_fails_naming_the_file(live: Path, raw_copy: Path, capsys):
    before = data_snapshot(live)
    _rename_broadcom(raw_copy, "Broadcom Inc. (renamed)")
    writer = _hold(live, read_only=False)
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "Broadcom Inc."

        code = main(["--lock-timeout", "1"])

        assert code == 1
        err = capsys.readouterr().err
        assert f"{live} is locked by another process" in err
        assert "stayed locked for 1 s" in err
        assert "close it" in err and "run the refresh again" in err
        assert "keeps its previous tables" in err
    finally:
        _release(writer)
    assert data_snapshot(live) == before
    assert leftovers(live) == []


# ------------------------------------------------------------------------ killed process
KILLER = textwrap.dedent(
    """
    import os, signal
    import pipelines.warehouse.tables as tables

    real = tables.write_table
    written = []

    def write_then_die(con, name, frame, doc=None):
        rows = real(con, name, frame, doc)
        written.append(name)
        if len(written) == 3:  # killed in the middle of the run, after three tables
            os.kill(os.getpid(), signal.SIGKILL)
        return rows

    tables.write_table = write_then_die
    from pipelines.refresh import run_refresh

    run_refresh()
    """
)


def test_killed_refresh_leaves_live_file_and_next_run_cleans_up(live: Path, raw_copy: Path):
    before = data_snapshot(live)
    _rename_broadcom(raw_copy, "Broadcom Inc. (renamed)")

    proc = subprocess.run(
        [sys.executable, "-c", KILLER],
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    stale = leftovers(live)
    # its private copy (and the copy's write-ahead log), abandoned
    assert [name.split(".", 3)[-1] for name in stale] == ["building", "building.wal"]
    assert data_snapshot(live) == before  # the live file was never touched
    (live.parent / f"{live.name}.deadbeef.building-rejects").write_bytes(b"not a database")

    # the kernel released the dead run's refresh lock (the smallest run that swaps a file in)
    result = run_refresh(["raw/companies"], lock_timeout_s=2)

    assert result.success, failure_messages(result)
    assert leftovers(live) == []
    with duckdb.connect(str(live), read_only=True) as con:
        name = con.execute("SELECT name FROM raw.companies WHERE ticker = 'AVGO'").fetchone()[0]
        statuses = con.execute(
            "SELECT status FROM meta.refresh_log ORDER BY finished_at"
        ).fetchall()
    assert name == "Broadcom Inc. (renamed)"
    assert statuses == [("success",), ("success",)]  # the killed run never reached the file


# ------------------------------------------------------------------------ --record, no home
def test_record_without_dagster_home_uses_the_projects_instance_and_says_so(
    tmp_path: Path, monkeypatch, capsys
):
    import pipelines.refresh as refresh

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setattr(refresh, "PROJECT_DAGSTER_HOME", home)
    monkeypatch.setenv("DAGSTER_HOME", "placeholder")
    monkeypatch.delenv("DAGSTER_HOME")  # unset, and restored after the test

    with refresh._instance(record=True) as instance:
        assert not instance.is_ephemeral
        assert Path(instance.root_directory) == home
    err = capsys.readouterr().err
    assert f"DAGSTER_HOME is not set; recording the run in {home}" in err
    with refresh._instance(record=False) as instance:
        assert instance.is_ephemeral


# ---------------------------------------------------------------------- failure causes
def test_root_cause_unwraps_dagsters_wrappers():
    from dagster._utils.error import SerializableErrorInfo

    from pipelines.warehouse.resource import root_cause

    inner = SerializableErrorInfo("IsADirectoryError: [Errno 21] Is a directory: 'x.csv'\n",
                                  [], "IsADirectoryError")  # fmt: skip
    wrapped = SerializableErrorInfo(
        "dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while "
        'executing op "raw__claims":\n',
        [],
        "DagsterExecutionStepExecutionError",
        cause=inner,
    )
    assert root_cause(wrapped) == "IsADirectoryError: [Errno 21] Is a directory: 'x.csv'"
    failure = SerializableErrorInfo(
        "dagster._core.definitions.events.Failure: raw/x.csv rejected: 1 problem(s)\n",
        [],
        "Failure",
    )
    assert root_cause(failure) == "raw/x.csv rejected: 1 problem(s)"
