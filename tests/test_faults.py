"""The fault matrix: a refresh killed with ``kill -9`` at named moments, a crashed writer's
write-ahead log, a concurrent writer, a disk too small, a corrupted live file, a failed run
next to the charts. Each asserts that nothing published is lost or mixed: readers see the old
warehouse or the new one, whole.

Moments are driven deterministically: ``LEDGER_FAULT_PAUSE=<point>`` makes the refresh stop
itself (SIGSTOP) at that point after printing ``FAULT <point>``; the test then kills it with
SIGKILL (or lets it continue with SIGCONT). The twelve killed refreshes run in parallel, each
on its own copy of the warehouse, forked from one process that imported the pipeline once
(a fork costs nothing next to a new interpreter importing Dagster). See docs/reliability.md
for what each case guarantees.
"""

import csv
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipelines import settings
from pipelines.cli import main as cli_main
from pipelines.refresh import failure_messages, main, run_refresh
from pipelines.reports import charts
from pipelines.warehouse import swap
from pipelines.warehouse.resource import snapshot_tables
from tests.conftest import FIXTURE_RAW

pytestmark = pytest.mark.end_to_end

REPO = settings.REPO_ROOT
SELECTION = ["raw/companies"]  # lifecycle moments: the smallest run that swaps a file in


DOC = REPO / "docs" / "reliability.md"


def doc_line(prefix: str) -> str:
    """The one line of docs/reliability.md that starts with ``prefix``."""
    [line] = [x for x in DOC.read_text(encoding="utf-8").splitlines() if x.startswith(prefix)]
    return line


def shown_in(text: str, prefix: str) -> bool:
    """Whether a line of ``text`` is the doc's example line (``…`` = anything)."""
    pattern = ".*".join(re.escape(part) for part in doc_line(prefix).split("…"))
    return any(re.fullmatch(pattern, line) for line in text.splitlines())


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


@pytest.fixture(scope="module")
def golden_snapshot(golden: Path) -> list[tuple[str, int, str]]:
    """What "old" means: the golden warehouse's tables (hashed once; the file is read-only)."""
    return data_snapshot(golden)


def make_case(root: Path, golden: Path, *, rename: bool) -> tuple[Path, Path]:
    root.mkdir(parents=True, exist_ok=True)
    raw = root / "raw"
    shutil.copytree(FIXTURE_RAW, raw)  # the raw files of the golden warehouse
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
    Moment(
        "table:raw.financials", ("raw/companies", "raw/financials", "raw/capex_guidance"), "old"
    ),
    Moment("table:tco.chip_tco", ("tco/chip_tco",), "old"),
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
    by_sigkill: bool
    reached: bool
    stderr: str


FORKER = textwrap.dedent(
    """
    # Import the pipeline once, then fork one refresh per case (cheap: no new interpreter).
    # A child runs `python -m pipelines.refresh` in all but the process start, stops itself
    # at its fault point; this parent sees it stopped, kills it with SIGKILL, and reports.
    import json, os, signal, sys
    import dagster as dg, duckdb
    import pipelines.definitions
    from pipelines import refresh

    # What every run does once per process, done here once instead of in every child: the
    # ephemeral instance's storage set-up and the modules a parameterised query imports.
    with dg.DagsterInstance.ephemeral():
        pass
    with duckdb.connect() as con:
        con.execute("SELECT ?::VARCHAR", ["warm"]).fetchall()

    cases = json.load(sys.stdin)
    pids = []
    for case in cases:
        pid = os.fork()
        if pid == 0:
            os.environ.update(case["env"])
            log = os.open(case["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            try:
                code = refresh.main(case["selection"])
            finally:
                os._exit(99)
        pids.append(pid)
    results = []
    for case, pid in zip(cases, pids):
        _, status = os.waitpid(pid, os.WUNTRACED)
        reached = os.WIFSTOPPED(status)
        if reached:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        results.append({"point": case["point"], "reached": reached, "killed": killed})
    print(json.dumps(results))
    """
)


@pytest.fixture(scope="module")
def killed(golden: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Killed]:
    """Every moment of MOMENTS, run at once (one forked refresh process each), killed there."""
    base = tmp_path_factory.mktemp("kill")
    cases, paths = [], {}
    for i, moment in enumerate(MOMENTS):
        live, raw = make_case(base / f"case{i}", golden, rename=moment.expect == "new")
        if moment.broken:
            (raw / "companies.csv").write_text("ticker,name\n", encoding="utf-8")
        env = child_env(live, raw, **{swap.FAULT_ENV: moment.point})
        env = {k: env[k] for k in (settings.WAREHOUSE_ENV, settings.RAW_DIR_ENV,
                                   charts.REPORTS_DIR_ENV, swap.FAULT_ENV)}  # fmt: skip
        log = live.parent / "refresh.log"
        cases.append({"point": moment.point, "selection": list(moment.selection), "env": env,
                      "log": str(log)})  # fmt: skip
        paths[moment.point] = (live, raw, log)
    parent_env = child_env(base / "none.duckdb", base)
    proc = subprocess.run(
        [sys.executable, "-c", FORKER],
        input=json.dumps(cases),
        env=parent_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = {}
    for row in json.loads(proc.stdout.splitlines()[-1]):
        live, raw, log = paths[row["point"]]
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        results[row["point"]] = Killed(live, raw, row["killed"], row["reached"], text[-4000:])
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


def test_at_least_ten_moments_including_the_swap_all_documented():
    points = [m.point for m in MOMENTS]
    assert len(set(points)) >= 10
    assert {"before-swap-lock", "previous-kept", "swapped"} <= set(points)
    table = [x for x in DOC.read_text(encoding="utf-8").splitlines() if x.startswith("| `")]
    documented = [x.split("`")[1] for x in table]
    assert all(p in documented for p in points), set(points) - set(documented)


@pytest.mark.parametrize("moment", MOMENTS, ids=[m.point for m in MOMENTS])
def test_kill_9_leaves_the_old_or_the_new_warehouse_whole(
    moment: Moment,
    killed: dict[str, Killed],
    golden: Path,
    golden_snapshot: list,
    renamed_snapshot: list,
    monkeypatch,
):
    case = killed[moment.point]
    assert case.reached, f"never reached {moment.point}:\n{case.stderr}"
    assert case.by_sigkill
    live = case.live
    expected = golden_snapshot if moment.expect == "old" else renamed_snapshot
    assert data_snapshot(live) == expected  # the whole old or the whole new warehouse
    assert not swap.wal_of(live).exists()
    previous = swap.previous_of(live)
    if previous.exists():  # written by the swap: always the old warehouse, whole
        assert data_snapshot(previous) == golden_snapshot

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


# ------------------------------------------------------------------- crashed writer's WAL
CRASHING_WRITER = textwrap.dedent(
    """
    import os, signal, sys, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("SET checkpoint_threshold = '1GB'")  # keep everything in the WAL
    con.execute("INSERT INTO raw.claims SELECT * FROM raw.claims LIMIT 5")
    con.execute("UPDATE raw.companies SET name = 'Crashed Writer Inc.' WHERE ticker = 'AVGO'")
    con.execute("CREATE TABLE raw.crashed_writer AS SELECT 42 AS x")
    print("written", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def crash_a_writer(path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", CRASHING_WRITER, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL and proc.stdout.strip() == "written", proc.stderr
    assert swap.wal_of(path).stat().st_size > 0  # a real write-ahead log was left behind


@pytest.fixture
def case(golden: Path, tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    live, raw = make_case(tmp_path / "case", golden, rename=True)
    for name, value in child_env(live, raw).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return live, raw


def test_a_crashed_writers_wal_is_set_aside_never_replayed_onto_the_new_file(
    case: tuple[Path, Path], golden: Path, renamed_snapshot: list, capsys
):
    live, _ = case
    crash_a_writer(live)
    assert cli_main(["tables", "--warehouse", str(live), "--format", "csv"]) == 0
    assert f"ledger: note: {live}.wal was left by a writer" in capsys.readouterr().err

    assert main(SELECTION) == 0
    out = capsys.readouterr().out
    assert "stale write-ahead log" in out and "set aside" in out

    assert not swap.wal_of(live).exists()
    assert data_snapshot(live) == renamed_snapshot  # nothing of the dead writer replayed
    with duckdb.connect(str(live), read_only=True) as con:
        [(message,)] = con.execute(
            "SELECT message FROM meta.refresh_log ORDER BY finished_at DESC LIMIT 1"
        ).fetchall()
    assert f"a stale write-ahead log {live}.wal" in message
    # nothing lost: the dead writer's changes are kept in the set-aside pair
    [stale] = live.parent.glob(live.name + ".stale-*[0-9]Z")
    assert swap.wal_of(stale).exists() and stale.name in message
    with duckdb.connect(str(stale), read_only=True) as con:
        assert con.execute("SELECT x FROM raw.crashed_writer").fetchall() == [(42,)]
    # and later refreshes keep working (a WAL holding a CREATE no longer blocks every open)
    assert main(SELECTION) == 0
    assert data_snapshot(live) == renamed_snapshot


def test_a_wal_that_does_not_fit_the_file_is_set_aside_too(case: tuple[Path, Path], capsys):
    """The issue's second state: a WAL with a CREATE beside a file that already has that
    table. Every open fails; the CLI says so without a traceback; a refresh sets it aside."""
    live, _ = case
    crash_a_writer(live)
    wal = swap.wal_of(live).read_bytes()
    swap.wal_of(live).unlink()
    with duckdb.connect(str(live)) as con:
        con.execute("CREATE TABLE raw.crashed_writer AS SELECT 1 AS x")
    swap.wal_of(live).write_bytes(wal)

    cli = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "tables", "--warehouse", str(live)],
        env=child_env(live, live.parent / "raw"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 4 and "Traceback" not in cli.stderr
    assert "ledger recover" in cli.stderr and str(live) in cli.stderr

    assert main(SELECTION) == 0
    assert not swap.wal_of(live).exists()
    with duckdb.connect(str(live), read_only=True) as con:
        assert con.execute("SELECT x FROM raw.crashed_writer").fetchall() == [(1,)]


def test_ledger_recover_sets_aside_a_wal_that_does_not_fit_and_keeps_the_file(
    case: tuple[Path, Path], capsys
):
    live, _ = case
    crash_a_writer(live)
    wal = swap.wal_of(live).read_bytes()
    swap.wal_of(live).unlink()
    with duckdb.connect(str(live)) as con:
        con.execute("CREATE TABLE raw.crashed_writer AS SELECT 1 AS x")
    swap.wal_of(live).write_bytes(wal)
    before = sha(live)

    assert cli_main(["recover", "--warehouse", str(live)]) == 0

    out = capsys.readouterr().out
    assert f"{live} itself is fine" in out and "stale write-ahead log" in out
    assert sha(live) == before and not swap.wal_of(live).exists()
    assert not list(live.parent.glob(live.name + ".damaged-*"))
    assert cli_main(["query", "--warehouse", str(live), "SELECT x FROM raw.crashed_writer"]) == 0


# ---------------------------------------------------------------------- concurrent writer
WRITER = textwrap.dedent(
    """
    import sys, duckdb
    with duckdb.connect(sys.argv[1]) as con:
        con.execute("UPDATE raw.companies SET name = 'Written Meanwhile' WHERE ticker = 'AVGO'")
    """
)


def paused_refresh(live: Path, raw: Path, point: str, *selection: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.refresh", *selection, "--lock-timeout", "5"],
        env=child_env(live, raw, **{swap.FAULT_ENV: point}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.strip() == f"FAULT {point}":
            return proc
    proc.wait(timeout=60)
    pytest.fail(f"refresh never reached {point} (exit {proc.returncode})")


def fake_charts(reports: Path) -> dict[str, str]:
    reports.mkdir(parents=True, exist_ok=True)
    from pipelines.reports.assets import CHART_SPECS

    for name in (spec.name for spec in CHART_SPECS):
        (reports / f"{name}.png").write_bytes(f"previous {name}".encode())
    return {p.name: sha(p) for p in reports.glob("*.png")}


def test_a_write_made_during_a_refresh_is_detected_kept_and_reported(case: tuple[Path, Path]):
    live, raw = case
    reports = live.parent / "reports"
    charts_before = fake_charts(reports)
    proc = paused_refresh(live, raw, "copied", "raw/companies", "reports/charts")
    try:
        writer = subprocess.run(
            [sys.executable, "-c", WRITER, str(live)], capture_output=True, text=True, timeout=60
        )
        assert writer.returncode == 0, writer.stderr
    finally:
        proc.send_signal(signal.SIGCONT)
        _, err = proc.communicate(timeout=240)

    assert proc.returncode == 1
    assert f"the live warehouse {live} was changed by another process" in err
    assert "That change is kept" in err and "run the refresh again" in err
    assert "cause (recorded in meta.refresh_log" in err
    assert shown_in(err, "refresh FAILED after") and shown_in(err, "cause (recorded in")
    with duckdb.connect(str(live), read_only=True) as con:  # the other write is not lost
        assert con.execute("SELECT name FROM raw.companies WHERE ticker = 'AVGO'").fetchone() == (
            "Written Meanwhile",
        )
        status, message = con.execute(
            "SELECT status, message FROM meta.refresh_log ORDER BY finished_at DESC LIMIT 1"
        ).fetchone()
    assert status == "failure" and "changed by another process" in message
    # the charts this run drew from its discarded copy were never published
    assert {p.name: sha(p) for p in reports.glob("*.png")} == charts_before
    assert leftovers(live) == []


def test_charts_are_published_only_with_the_swap(case: tuple[Path, Path]):
    """issue 10: a failed run (here raw/claims.csv is a directory) leaves the previous charts;
    a run that is swapped in publishes the ones it drew."""
    live, raw = case
    reports = live.parent / "reports"
    charts_before = fake_charts(reports)
    (raw / "claims.csv").unlink()
    (raw / "claims.csv").mkdir()

    result = run_refresh(["raw/claims", "reports/charts"])

    assert not result.success
    assert {p.name: sha(p) for p in reports.glob("*.png")} == charts_before
    with duckdb.connect(str(live), read_only=True) as con:
        [(message,)] = con.execute(
            "SELECT message FROM meta.refresh_log WHERE run_id = ?", [result.run_id]
        ).fetchall()
    # the cause, not "Error occurred while executing op": step, file, what is wrong
    assert message.startswith("failed steps: raw__claims (")
    assert str(raw / "claims.csv") in message and "is a directory" in message.lower()
    assert "Error occurred while executing" not in message
    assert leftovers(live) == []

    result = run_refresh(["reports/charts"])
    assert result.success, failure_messages(result)
    after = {p.name: sha(p) for p in reports.glob("*.png")}
    assert after.keys() == charts_before.keys()
    assert all(after[name] != charts_before[name] for name in after)
    assert all((reports / name).read_bytes()[:4] == b"\x89PNG" for name in after)


# ------------------------------------------------------------------------ disk too small
@pytest.fixture
def small_disk(tmp_path: Path, golden: Path) -> Path:
    """A tmpfs that holds the warehouse but not a second copy of it."""
    mount = tmp_path / "small"
    mount.mkdir()
    size_kb = golden.stat().st_size * 3 // 2 // 1024
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a size-limited tmpfs here: {proc.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_fails_clearly_and_leaves_no_partial_copy(
    small_disk: Path, case: tuple[Path, Path], golden: Path, monkeypatch, capsys
):
    _, raw = case
    live = small_disk / "warehouse.duckdb"
    shutil.copyfile(golden, live)
    monkeypatch.setenv(settings.WAREHOUSE_ENV, str(live))
    before = sha(live)

    assert main(SELECTION) == 1

    err = capsys.readouterr().err
    assert "No space left on device" in err and "keeps its previous tables" in err
    assert f"copying {live}" in err and "the partial copy was removed" in err
    assert sha(live) == before
    assert leftovers(live) == []  # the partial copy is gone: the disk is not left full
    [entry] = swap.read_journal(live)  # the warehouse could not take the failure line
    assert entry["status"] == "failure" and "No space left on device" in entry["message"]
    free = shutil.disk_usage(small_disk).free
    assert free > golden.stat().st_size // 3


# ----------------------------------------------------------------- corrupted live file
def ledger_cli(live: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *argv, "--warehouse", str(live)],
        env=child_env(live, live.parent / "raw"),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_corrupted_live_file_is_recovered_with_one_command(
    case: tuple[Path, Path], renamed_snapshot: list, capsys
):
    live, _ = case
    assert main(SELECTION) == 0  # its swap keeps the golden file as .previous
    previous = swap.previous_of(live)
    kept = sha(previous)
    live.write_bytes(b"x\n1\n")  # what EXPLAIN ANALYZE COPY ... TO the warehouse used to do
    capsys.readouterr()

    assert main(SELECTION) == 1
    err = capsys.readouterr().err
    assert f"the live warehouse {live} cannot be opened" in err and "ledger recover" in err

    cli = ledger_cli(live, "tables")
    assert cli.returncode == 4 and "Traceback" not in cli.stderr
    assert "looks damaged" in cli.stderr and "ledger recover" in cli.stderr
    assert shown_in(cli.stderr, "ledger: cannot open the warehouse"), cli.stderr

    cli = ledger_cli(live, "recover")
    assert cli.returncode == 0, cli.stderr
    assert f"recovered {live} from {previous.name}" in cli.stdout
    assert shown_in(cli.stdout, "recovered ") and shown_in(cli.stdout, "Run `make refresh` to")
    assert sha(live) == kept and sha(previous) == kept
    [damaged] = live.parent.glob(live.name + ".damaged-*")
    assert damaged.read_bytes() == b"x\n1\n"  # nothing deleted

    cli = ledger_cli(live, "recover")  # a healthy file is left alone
    assert cli.returncode == 1 and "opens fine" in cli.stderr

    assert main(SELECTION) == 0  # and refreshes work again
    assert data_snapshot(live) == renamed_snapshot
