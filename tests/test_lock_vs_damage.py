"""Issue 21, class 9: a damaged warehouse is reported as damaged, never as "locked".

DuckDB's lock error is matched exactly (``locking.LOCK_ERROR``), not by the substring "lock":
a checksum error names the *block* it failed in, and a path may contain "lock" too. Each
damage below is made to a small warehouse that has a good ``.previous``; ``ledger tables``
must exit 4 at once (no waiting for a lock), ``ledger recover`` and ``ledger recover --force``
must put ``.previous`` back. A file really held by a writer stays "locked" (exit 1) and
recovery refuses it. All in-process: a few seconds in all. docs/reliability.md lists the cases.
"""

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from pipelines import settings
from pipelines.cli import main as cli_main
from pipelines.warehouse import locking, swap

DOC = settings.REPO_ROOT / "docs" / "reliability.md"


def small_warehouse(path: Path, name: str) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA meta")
        con.execute(
            "CREATE TABLE meta.refresh_log (run_id VARCHAR, started_at TIMESTAMP, "
            "finished_at TIMESTAMP, status VARCHAR, assets VARCHAR, message VARCHAR)"
        )
        con.execute(
            "INSERT INTO meta.refresh_log VALUES ('run-1', TIMESTAMP '2026-01-01 10:00:00', "
            "TIMESTAMP '2026-01-01 10:01:00', 'success', 'all', 'swapped in')"
        )
        con.execute(
            "CREATE TABLE t AS SELECT range AS r, ? AS name, md5(range::VARCHAR) AS h "
            "FROM range(20000)",
            [name],
        )


def _overwrite(at: int, size: int = 64, byte: bytes = b"\xff"):
    def damage(path: Path) -> None:
        data = bytearray(path.read_bytes())
        data[at : at + size] = byte * size
        path.write_bytes(bytes(data))

    return damage


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _zeros(path: Path) -> None:
    path.write_bytes(b"\0" * path.stat().st_size)


#: (case id, folder name, damage): the folder name puts "lock" into the path in some cases.
DAMAGES = [
    ("checksum-in-block", "wh", _overwrite(4096)),
    ("checksum-in-block-lock-path", "locked-blocks", _overwrite(4096)),
    ("not-a-duckdb-file", "wh", _overwrite(0)),
    ("not-a-duckdb-file-lock-path", "lock", _overwrite(0)),
    ("truncated", "wh", _truncate),
    ("truncated-lock-path", "flock", _truncate),
    ("zeroed", "wh", _zeros),
]
COMMANDS = [
    ("query", "SELECT count(*), max(h), max(name) FROM t"),
    ("recover",),
    ("recover", "--force"),
]


@pytest.fixture
def damaged(tmp_path: Path, request) -> tuple[Path, bytes]:
    _, folder, damage = request.param
    root = tmp_path / folder
    root.mkdir()
    live = root / "warehouse.duckdb"
    small_warehouse(swap.previous_of(live), "previous")
    small_warehouse(live, "live")
    damage(live)
    return live, swap.previous_of(live).read_bytes()


@pytest.mark.parametrize(
    "command", COMMANDS, ids=[c[0] + c[-1] * (c[-1] == "--force") for c in COMMANDS]
)
@pytest.mark.parametrize("damaged", DAMAGES, ids=[d[0] for d in DAMAGES], indirect=True)
def test_damage_is_reported_as_damage_and_recovered(damaged, command, capsys):
    live, previous = damaged
    started = time.monotonic()
    wait = ["--wait", "5"] if command[0] == "query" else []
    code = cli_main([*command, "--warehouse", str(live), *wait])
    elapsed = time.monotonic() - started
    out, err = capsys.readouterr()
    assert "locked by another process" not in err and "open for writing" not in err, err
    assert elapsed < 3, "it waited for a lock that nobody holds"
    if command[0] == "query":
        assert code == 4, err
        assert f" the warehouse {live}: it looks damaged" in err
        assert "ledger recover" in err
    else:
        assert code == 0, err
        assert f"recovered {live} from {live.name}.previous" in out
        assert live.read_bytes() == previous
        [kept] = live.parent.glob(live.name + ".damaged-*")
        assert kept.stat().st_size > 0
        assert cli_main(["query", "--warehouse", str(live), "SELECT DISTINCT name FROM t"]) == 0
        assert "previous" in capsys.readouterr().out


HOLDER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    sys.stdin.readline()
    """
)

LOCKED = [("tables", 1, "is locked by another process"), ("recover", 1, "open for writing")]


@pytest.mark.parametrize(("command", "code", "says"), LOCKED, ids=[c[0] for c in LOCKED])
def test_a_file_held_by_a_writer_is_still_locked(tmp_path: Path, command, code, says, capsys):
    live = tmp_path / "blocks" / "warehouse.duckdb"
    live.parent.mkdir()
    small_warehouse(swap.previous_of(live), "previous")
    small_warehouse(live, "live")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(live)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        before = live.read_bytes()
        wait = ["--wait", "0.3"] if command == "tables" else []
        assert cli_main([command, "--warehouse", str(live), *wait]) == code
        err = capsys.readouterr().err
        assert says in err and "damaged" not in err.split(".")[0]
        assert live.read_bytes() == before
        assert not list(live.parent.glob(live.name + ".damaged-*"))
    finally:
        holder.communicate("\n", timeout=30)


MESSAGES = [
    ('IO Error: Could not set lock on file "/w/warehouse.duckdb": Conflicting lock is held in '
     "/usr/bin/python3 (PID 7). See also https://duckdb.org/docs/stable/connect/concurrency", True),
    ('IO Error: Could not set lock on file "/w/a "quoted" name.duckdb": Conflicting lock is held '
     "in x (PID 1)", True),
    ("IO Error: Corrupt database file: computed checksum 1 does not match stored checksum 2 in "
     "block at location 4096", False),
    ('IO Error: The file "/tmp/lock/warehouse.duckdb" exists, but it is not a valid DuckDB '
     "database file!", False),
    ('IO Error: Could not read enough bytes from file "/srv/flock/w.duckdb": attempted to read '
     "262144 bytes from location 274432", False),
    ("IO Error: Conflicting lock is held (but said in the middle of another message)", False),
]  # fmt: skip


@pytest.mark.parametrize(("text", "is_lock"), MESSAGES)
def test_lock_errors_are_matched_exactly(text: str, is_lock: bool):
    assert locking.is_lock_error(duckdb.IOException(text)) is is_lock
    assert not locking.is_lock_error(duckdb.CatalogException(MESSAGES[0][0]))


def test_the_docs_list_every_case():
    text = DOC.read_text(encoding="utf-8")
    for case_id, *_ in DAMAGES:
        assert f"`{case_id}`" in text, case_id
