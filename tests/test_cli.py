"""The ``ledger`` CLI, run for real: ``main(argv)`` with captured output, and the installed
console script in a subprocess."""

import csv
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines import settings
from pipelines.cli import main
from pipelines.metadata import table_doc
from pipelines.raw.models import CompaniesModel, FinancialsModel
from tests.conftest import FIXTURE_RAW

REPO = settings.REPO_ROOT


def csv_rows(name: str) -> list[dict[str, str]]:
    with (FIXTURE_RAW / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def warehouse(refreshed_warehouse: Path) -> Path:
    """A warehouse refreshed once from the frozen raw snapshot (read-only here)."""
    return refreshed_warehouse


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A small hand-made warehouse: two schemas with a table of the same name."""
    path = tmp_path / "tiny.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA a; CREATE SCHEMA b")
        con.execute("CREATE TABLE a.t (n INTEGER, s VARCHAR, x DOUBLE)")
        con.execute("INSERT INTO a.t VALUES (1, 'a', 0.5), (22, 'bb', NULL), (3, NULL, 1234.25)")
        con.execute("CREATE TABLE b.t (k VARCHAR)")
        con.execute("COMMENT ON TABLE a.t IS 'The a table'")
        con.execute("COMMENT ON COLUMN a.t.n IS 'A number'")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -------------------------------------------------------------------------------- query
def test_query_prints_an_aligned_table(tiny: Path, capsys):
    code, out, err = run(
        capsys, "query", "--warehouse", str(tiny), "SELECT n, s, x FROM a.t ORDER BY n"
    )
    assert code == 0, err
    assert out == textwrap.dedent(
        """\
         n | s    |       x
        ---+------+--------
         1 | a    |    0.50
         3 | NULL | 1234.25
        22 | bb   |    NULL
        (3 rows)
        """
    )


def test_query_csv_and_json(warehouse: Path, capsys):
    companies = sorted(csv_rows("companies.csv"), key=lambda r: r["ticker"])
    sql = "SELECT ticker, name, cik FROM raw.companies ORDER BY ticker"

    code, out, _ = run(capsys, "query", "--warehouse", str(warehouse), "--format", "csv", sql)
    assert code == 0
    assert list(csv.reader(out.splitlines())) == [["ticker", "name", "cik"]] + [
        [r["ticker"], r["name"], r["cik"]] for r in companies
    ]

    code, out, _ = run(capsys, "query", "--warehouse", str(warehouse), "--format", "json", sql)
    assert code == 0
    assert json.loads(out) == [
        {"ticker": r["ticker"], "name": r["name"], "cik": int(r["cik"])} for r in companies
    ]


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("CREATE TABLE raw.sneaky AS SELECT 1 AS x", "CREATE"),
        ("INSERT INTO raw.companies (ticker) VALUES ('ZZZZ')", "INSERT"),
        ("DELETE FROM raw.companies", "DELETE"),
        ("DROP TABLE raw.companies", "DROP"),
        ("SELECT 1; UPDATE raw.companies SET name = 'x'", "UPDATE"),
        ("ATTACH ':memory:' AS scratch", "ATTACH"),
    ],
)
def test_query_refuses_statements_that_write(warehouse: Path, capsys, sql: str, kind: str):
    count = len(csv_rows("companies.csv"))
    code, out, err = run(capsys, "query", "--warehouse", str(warehouse), sql)
    assert code == 3
    assert out == ""
    assert f"refused: {kind} statements are not allowed" in err and "read-only" in err
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.companies").fetchone()[0] == count
        assert (
            con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'sneaky'"
            ).fetchone()[0]
            == 0
        )


def test_query_turns_the_read_only_error_into_a_refusal(tmp_path: Path, capsys):
    """A statement that passes the type check but writes (nextval advances a sequence) is
    stopped by the read-only connection, and reported as a refusal."""
    path = tmp_path / "seq.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SEQUENCE ids START 7")
    code, out, err = run(capsys, "query", "--warehouse", str(path), "SELECT nextval('ids')")
    assert code == 3 and out == ""
    assert "refused: this statement would write to the warehouse" in err
    with duckdb.connect(str(path)) as con:  # the sequence did not move
        assert con.execute("SELECT nextval('ids')").fetchone()[0] == 7


def test_query_refuses_copy_to_a_file(warehouse: Path, tmp_path: Path, capsys):
    target = tmp_path / "out.csv"
    code, _, err = run(
        capsys, "query", "--warehouse", str(warehouse), f"COPY raw.companies TO '{target}'"
    )
    assert code == 3 and "--format csv" in err
    assert not target.exists()


def test_query_reports_sql_errors(tiny: Path, capsys):
    code, out, err = run(capsys, "query", "--warehouse", str(tiny), "SELEC 1")
    assert code == 1 and out == ""
    assert err.startswith("ledger: SQL error:") and "syntax error" in err


# ------------------------------------------------------------------------ tables/describe
def test_tables_lists_every_table_with_rows_and_description(warehouse: Path, capsys):
    code, out, _ = run(capsys, "tables", "--warehouse", str(warehouse), "--format", "json")
    assert code == 0
    listing = {row["table"]: row for row in json.loads(out)}
    assert listing["raw.companies"]["rows"] == len(csv_rows("companies.csv"))
    assert listing["raw.financials"]["rows"] == len(csv_rows("financials.csv"))
    assert listing["raw.companies"]["description"] == table_doc(CompaniesModel).description
    assert listing["quarantine.rejected_rows"]["rows"] == 0
    assert listing["meta.refresh_log"]["rows"] == 1
    assert listing["meta.table_changes"]["kind"] == "view"
    assert all(row["description"] for row in listing.values()), [
        name for name, row in listing.items() if not row["description"]
    ]

    code, out, _ = run(capsys, "tables", "--warehouse", str(warehouse))
    line = next(x for x in out.splitlines() if x.startswith("raw.companies "))
    assert f"| table | {len(csv_rows('companies.csv'))} |" in " ".join(line.split())


def test_describe_lists_columns_types_and_descriptions(warehouse: Path, capsys):
    doc = table_doc(FinancialsModel)
    header = list(csv_rows("financials.csv")[0])
    code, out, _ = run(
        capsys, "describe", "raw.financials", "--warehouse", str(warehouse), "--format", "json"
    )
    assert code == 0
    columns = json.loads(out)
    assert [c["column"] for c in columns] == header
    assert {c["column"]: c["description"] for c in columns} == {n: doc.columns[n] for n in header}
    assert next(c for c in columns if c["column"] == "value")["type"] == "DOUBLE"

    code, out, _ = run(capsys, "describe", "financials", "--warehouse", str(warehouse))
    first, second = out.splitlines()[:2]
    assert first == f"raw.financials ({len(csv_rows('financials.csv'))} rows)"
    assert second == doc.description


def test_describe_needs_an_unambiguous_existing_table(tiny: Path, capsys):
    code, _, err = run(capsys, "describe", "t", "--warehouse", str(tiny))
    assert code == 1 and "'t' is ambiguous: a.t, b.t" in err
    code, _, err = run(capsys, "describe", "nope", "--warehouse", str(tiny))
    assert code == 1 and "no table or view named 'nope'" in err
    code, out, _ = run(capsys, "describe", "a.t", "--warehouse", str(tiny), "--format", "csv")
    assert code == 0
    assert out.splitlines() == [
        "column,type,nullable,description",
        "n,INTEGER,yes,A number",
        "s,VARCHAR,yes,",
        "x,DOUBLE,yes,",
    ]


def test_every_table_and_column_in_a_refreshed_warehouse_has_a_comment(warehouse: Path):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        bare_tables = con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            "WHERE NOT internal AND coalesce(trim(comment), '') = '' "
            "UNION ALL SELECT schema_name || '.' || view_name FROM duckdb_views() "
            "WHERE NOT internal AND coalesce(trim(comment), '') = '' ORDER BY 1"
        ).fetchall()
        bare_columns = con.execute(
            "SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns() "
            "WHERE NOT internal AND coalesce(trim(comment), '') = '' ORDER BY 1"
        ).fetchall()
        documented = con.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE NOT internal"
        ).fetchone()[0]
    assert bare_tables == []
    assert bare_columns == []
    # at least the columns of the raw files and the bookkeeping tables were checked
    assert documented >= len(csv_rows("companies.csv")[0]) + len(csv_rows("financials.csv")[0]) + 9


# --------------------------------------------------------------------- process behaviour
def test_installed_console_script_runs_a_query(warehouse: Path):
    script = Path(sys.executable).with_name("ledger")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "pipelines.cli"]
    proc = subprocess.run(
        [
            *command,
            "query",
            "--warehouse",
            str(warehouse),
            "--format",
            "csv",
            "SELECT count(*) AS n FROM raw.claims",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["n", str(len(csv_rows("claims.csv")))]


def test_query_retries_then_names_the_file_a_writer_holds(warehouse: Path, tmp_path: Path, capsys):
    held = tmp_path / "held.duckdb"
    shutil.copyfile(warehouse, held)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, duckdb; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
            "sys.stdin.readline()",
            str(held),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        code, out, err = run(capsys, "query", "--warehouse", str(held), "--wait", "0.3", "SELECT 1")
    finally:
        holder.communicate("\n", timeout=60)
    assert code == 1 and out == ""
    assert f"{held} is locked by another process" in err and "--wait" in err
    # once the writer is gone the same command works
    code, out, _ = run(
        capsys, "query", "--warehouse", str(held), "--format", "csv", "SELECT 1 AS one"
    )
    assert code == 0 and out.splitlines() == ["one", "1"]


def test_missing_warehouse_says_how_to_build_it(tmp_path: Path, capsys):
    code, _, err = run(capsys, "tables", "--warehouse", str(tmp_path / "none.duckdb"))
    assert code == 1 and "make refresh" in err


# ------------------------------------------------------------------------ issue 14 fixes
def test_chinese_text_keeps_the_table_aligned(tmp_path: Path, capsys):
    path = tmp_path / "zh.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t (name VARCHAR, n INTEGER)")
        con.execute("INSERT INTO t VALUES ('阿里巴巴', 1), ('Tencent 腾讯', 22), ('x', 333)")
    code, out, err = run(capsys, "query", "--warehouse", str(path), "SELECT * FROM t")
    assert code == 0, err
    assert out.splitlines() == [
        "name         |   n",
        "-------------+----",
        "阿里巴巴     |   1",  # 8 cells of text + 4 spaces: 12, like "Tencent 腾讯"
        "Tencent 腾讯 |  22",
        "x            | 333",
        "(3 rows)",
    ]
    from wcwidth import wcswidth

    lines = out.splitlines()[:5]
    assert len({wcswidth(line.split("|")[0]) for line in lines if "|" in line}) == 1


def test_describe_shows_the_models_not_null_columns(warehouse: Path, capsys):
    code, out, _ = run(
        capsys, "describe", "raw.financials", "--warehouse", str(warehouse), "--format", "json"
    )
    assert code == 0
    nullable = {c["column"]: c["nullable"] for c in json.loads(out)}
    schema = FinancialsModel.to_schema()
    assert nullable == {n: "yes" if col.nullable else "no" for n, col in schema.columns.items()}
    assert nullable["ticker"] == "no"  # a key column
    assert "yes" in nullable.values()


def test_a_damaged_warehouse_gives_a_clear_message_and_status_4(tmp_path: Path, capsys):
    path = tmp_path / "broken.duckdb"
    path.write_bytes(b"x\n1\n")
    code, out, err = run(capsys, "query", "--warehouse", str(path), "SELECT 1")
    assert code == 4 and out == ""
    assert f"cannot open the warehouse {path}: it looks damaged" in err
    assert "ledger recover" in err and "Traceback" not in err
    code, _, err = run(capsys, "recover", "--warehouse", str(path))
    assert code == 1 and "there is no broken.duckdb.previous" in err


# ------------------------------------------------- issue 20, point 2: the SEC bulk store
@pytest.fixture
def with_bulk(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The tiny warehouse with the ``sec.bulk_*`` views of a (small) SEC bulk store beside it,
    made by the code a bulk ingest runs (``pipelines.sec.store.expose_views``)."""
    from pipelines.sec import store

    monkeypatch.delenv("SEC_BULK_STORE", raising=False)
    bulk = tiny.with_name("sec_bulk.duckdb")
    with duckdb.connect(str(bulk)) as con:
        con.execute("CREATE TABLE facts AS SELECT 320193 AS cik, 'Revenues' AS concept")
        con.execute(store.MEMBERS_DDL)
        con.execute(
            "INSERT INTO members (member, cik, status, reason, facts, quarters) VALUES "
            "('CIK0000320193.json', 320193, 'ingested', NULL, 1, 0), "
            "('CIK0000000001.json', 1, 'quarantined', 'not JSON', 0, 0)"
        )
    with duckdb.connect(str(tiny)) as con:
        made = store.expose_views(con, bulk)
    assert made == ["sec.bulk_facts", "sec.bulk_members", "sec.bulk_quarantine"]
    return tiny, bulk


def test_tables_lists_every_table_the_bulk_views_included(with_bulk, capsys):
    tiny, _ = with_bulk
    code, out, err = run(capsys, "tables", "--warehouse", str(tiny), "--format", "csv")
    assert code == 0, err
    rows = {r["table"]: r for r in csv.DictReader(out.splitlines())}
    assert sorted(rows) == [
        "a.t",
        "b.t",
        "sec.bulk_facts",
        "sec.bulk_members",
        "sec.bulk_quarantine",
    ]
    assert rows["sec.bulk_members"]["rows"] == "2"
    assert rows["sec.bulk_quarantine"]["rows"] == "1"


def test_query_reads_the_bulk_views_and_still_refuses_attach_and_detach(with_bulk, capsys):
    tiny, bulk = with_bulk
    code, out, err = run(
        capsys,
        "query",
        "--warehouse",
        str(tiny),
        "--format",
        "csv",
        "SELECT member, reason FROM sec.bulk_quarantine",
    )
    assert (code, out) == (0, "member,reason\nCIK0000000001.json,not JSON\n"), err
    other = tiny.with_name("other.duckdb")
    duckdb.connect(str(other)).close()
    for sql in (
        f"ATTACH '{other}' AS x (READ_ONLY)",
        "DETACH sec_bulk",
        "SET enable_external_access = true",
        f"SELECT * FROM read_csv('{tiny.parent / 'x.csv'}')",
    ):
        code, out, err = run(capsys, "query", "--warehouse", str(tiny), sql)
        assert code == 3 and out == "" and "refused" in err, (sql, err)
    # the store is attached read-only: the views cannot write through it
    code, _, err = run(
        capsys, "query", "--warehouse", str(tiny), "INSERT INTO sec_bulk.facts VALUES (1, 'x')"
    )
    assert code == 3, err


def test_tables_and_describe_say_what_is_missing_without_the_store(with_bulk, capsys):
    tiny, bulk = with_bulk
    bulk.unlink()
    code, out, err = run(capsys, "tables", "--warehouse", str(tiny), "--format", "csv")
    assert code == 0, err
    rows = {r["table"]: r for r in csv.DictReader(out.splitlines())}
    assert len(rows) == 5 and rows["a.t"]["rows"] == "3"
    missing = rows["sec.bulk_facts"]
    assert missing["rows"] == ""
    assert f"the SEC bulk store {bulk}, which does not exist" in missing["description"]
    assert "Traceback" not in err
    code, out, err = run(capsys, "describe", "--warehouse", str(tiny), "sec.bulk_members")
    assert code == 0, err
    assert out.startswith("sec.bulk_members (unreadable)\ncannot be read: its data is in the SEC")
    code, out, err = run(capsys, "query", "--warehouse", str(tiny), "SELECT * FROM sec.bulk_facts")
    assert code == 1 and 'Catalog "sec_bulk" does not exist' in err


def test_make_sql_opens_the_shell_read_only_and_in_safe_mode(tiny: Path, tmp_path: Path):
    """``make sql`` runs the DuckDB shell with ``-readonly -safe``: no writes, no file access,
    no ``.shell`` (the same sandbox as ``ledger``, less its statement guard)."""
    shown = subprocess.run(
        ["make", "-s", "-n", "sql", f"WAREHOUSE={tiny}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    [command] = [line for line in shown.splitlines() if "-readonly" in line]
    assert "-safe" in command

    def shell(sql: str) -> str:
        done = subprocess.run(
            ["bash", "-c", command], input=sql, capture_output=True, text=True, timeout=60
        )
        return done.stdout + done.stderr

    assert "42" in shell("SELECT 42 AS answer;")
    marker = tmp_path / "shell-ran"
    assert "cannot be used in -safe mode" in shell(f".shell touch {marker}\n")
    assert not marker.exists()
    assert "disabled by configuration" in shell("SELECT * FROM read_csv('/etc/hostname');")
    assert "read-only" in shell("CREATE TABLE a.u (x INTEGER);")
    assert "locked" in shell("SET enable_external_access = true;")
