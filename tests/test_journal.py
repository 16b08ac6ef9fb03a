"""Issue 21, class 10: one bad line in the failure journal (``<warehouse>.refresh-failures
.jsonl``) never makes a refresh fail, and what was skipped is reported naming the file.

Each case writes a journal holding a good entry, the bad part and another good entry. The
reader (``swap.read_journal_checked``) must return both good entries and one problem naming
the line; the entries must go into ``meta.refresh_log`` (``_insert_journal``, as the swap of a
successful refresh does); the journal must be kept whole as ``.unreadable-<time>``; the note
names the journal file. Two cases also run the whole refresh. docs/reliability.md lists them.
"""

import json
from pathlib import Path

import duckdb
import pytest

from pipelines import settings
from pipelines.refresh import main, recorded
from pipelines.warehouse import swap
from pipelines.warehouse.resource import _insert_journal, bootstrap

DOC = settings.REPO_ROOT / "docs" / "reliability.md"


def entry(run_id: str, **fields) -> bytes:
    value = {
        "run_id": run_id,
        "started_at": "2026-01-02 03:04:05.123456",
        "finished_at": "2026-01-02T03:04:06",
        "status": "failure",
        "assets": "all",
        "message": f"could not start: {run_id} failed",
    }
    value.update(fields)
    return json.dumps(value).encode() + b"\n"


#: (case id, the bad part, words the problem must contain)
BAD = [
    ("not-json", b"garbage\n", "not JSON"),
    ("cut-short", b'{"run_id": "r9", "sta\n', "not JSON"),
    ("not-an-object", b"[1, 2]\n", "not an object"),
    ("a-string", b'"just text"\n', "not an object"),
    ("null-bytes", b"\0" * 64 + b"\n", "not JSON"),
    ("not-utf8", b'{"run_id": "\xff\xfe"}\n', "not UTF-8"),
    ("nested-too-deep", b"[" * 200_000 + b"\n", "not JSON"),
    ("bad-timestamp", entry("r8", started_at="yesterday"), "'started_at' is not an ISO 8601"),
    ("missing-fields", b'{"run_id": "r7"}\n', "no 'started_at'"),
    ("wrong-type", entry("r6", message={"nested": True}), "'message' is a dict"),
    ("run-id-number", entry("r5").replace(b'"r5"', b"5"), "'run_id' is a int"),
]


@pytest.fixture
def live(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.mark.parametrize(("case", "bad", "why"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_line_is_skipped_named_and_kept(live: Path, case: str, bad: bytes, why: str):
    content = entry("run-a") + bad + entry("run-b")
    swap.journal_of(live).write_bytes(content)

    journal = swap.read_journal_checked(live)
    assert [e["run_id"] for e in journal.entries] == ["run-a", "run-b"]
    [problem] = journal.problems
    assert problem.startswith("line 2: ") and why in problem, problem

    with duckdb.connect(str(live)) as con:  # what a successful refresh's swap does
        bootstrap(con)
        _insert_journal(con, journal.entries)
        rows = con.execute("SELECT run_id, status FROM meta.refresh_log ORDER BY 1").fetchall()
    assert rows == [("run-a", "failure"), ("run-b", "failure")]

    kept = swap.unreadable_journal_path(journal)
    note = swap.describe_journal_problems(journal, kept)
    assert str(swap.journal_of(live)) in note and "line 2: " in note and kept.name in note
    swap.set_aside_journal(journal, kept)
    assert not swap.journal_of(live).exists()
    assert kept.read_bytes() == content  # nothing lost: the bad line is kept, byte for byte

    assert recorded(live, "run-b")[0] == "failure"  # the refresh summary reads the same way


def test_a_journal_that_is_a_directory_is_reported_not_fatal(live: Path):
    swap.journal_of(live).mkdir()
    journal = swap.read_journal_checked(live)
    assert journal.entries == [] and journal.problems[0].startswith("cannot be read (")
    kept = swap.unreadable_journal_path(journal)
    assert str(swap.journal_of(live)) in swap.describe_journal_problems(journal, kept)
    swap.set_aside_journal(journal, kept)
    assert kept.is_dir() and not swap.journal_of(live).exists()


END_TO_END = ["not-an-object", "bad-timestamp"]


@pytest.mark.parametrize("case", END_TO_END)
def test_the_refresh_succeeds_and_says_what_it_skipped(
    case: str, warehouse_file: Path, raw_copy: Path, capsys
):
    assert main(["raw/companies"]) == 0
    bad = dict((b[0], b[1]) for b in BAD)[case]
    swap.journal_of(warehouse_file).write_bytes(entry("run-a") + bad)
    capsys.readouterr()

    assert main(["raw/companies"]) == 0  # before: every refresh failed from here on
    out = capsys.readouterr().out
    assert out.startswith("refresh succeeded")
    assert f"the failure journal {swap.journal_of(warehouse_file)} had 1 unreadable" in out
    assert "line 2: " in out
    assert main(["raw/companies"]) == 0  # and the next one too, without a note
    assert "unreadable" not in capsys.readouterr().out
    with duckdb.connect(str(warehouse_file), read_only=True) as con:
        assert con.execute(
            "SELECT count(*) FROM meta.refresh_log WHERE run_id = 'run-a'"
        ).fetchone() == (1,)
    [kept] = warehouse_file.parent.glob(warehouse_file.name + ".refresh-failures.jsonl.unread*")
    assert kept.read_bytes().endswith(bad)


def test_the_docs_list_every_case():
    text = DOC.read_text(encoding="utf-8")
    for case, *_ in BAD:
        assert f"`{case}`" in text, case
