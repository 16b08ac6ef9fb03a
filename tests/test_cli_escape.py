"""The CLI escape matrix: ``ledger query`` refuses everything but reads, and changes nothing.

Every case runs the real CLI (``pipelines.cli.main``) in its own process (an abort, e.g. from
``CALL enable_logging``, cannot take pytest down), in a scratch folder that holds the warehouse
and is the working directory. The processes are forked, one after the other, from a helper
process that imported the CLI once; it hashes every file before and after each case. Each
refused statement must exit with status 3, print nothing on stdout, leave the warehouse byte
for byte as it was and create, remove or change no file in that folder (and no file the
statement names elsewhere, under /tmp/ledger-escape-*). The allowed read-only forms must work.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines import settings

REPO = settings.REPO_ROOT


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a small warehouse: a table, a sequence and a view."""
    root = tmp_path_factory.mktemp("escape")
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw.companies (ticker VARCHAR NOT NULL, name VARCHAR, n INT)")
        con.execute(
            "INSERT INTO raw.companies VALUES ('AAA', 'Alpha', 1), ('BBB', 'Beta', 2), "
            "('CCC', 'Gamma', 3)"
        )
        con.execute("CREATE SEQUENCE raw.ids START 7")
        con.execute("CREATE VIEW raw.v AS SELECT ticker FROM raw.companies")
    (root / "note.txt").write_text("secret\n", encoding="utf-8")
    return root


def ledger(root: Path, sql: str, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("DAGSTER_HOME", None)
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "query", "--warehouse", "warehouse.duckdb",
         *extra, sql],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip


W = "warehouse.duckdb"
OUT = "/tmp/ledger-escape-out"
REFUSED = [
    # the cases
    f"EXPLAIN ANALYZE COPY (SELECT 1 AS x) TO '{W}' (FORMAT csv)",
    f"EXPLAIN ANALYZE COPY (SELECT 1 AS x) TO '{OUT}.csv' (FORMAT csv)",
    "EXPLAIN ANALYZE CREATE TEMP TABLE t AS SELECT 1 AS x",
    f"SET profiling_output = '{OUT}.prof'",
    "PRAGMA enable_profiling",
    f"PRAGMA profiling_output = '{OUT}.prof'",
    f"CALL enable_logging(storage = 'file', storage_path = '{OUT}-logs')",
    f"SELECT * FROM enable_logging(storage = 'file', storage_path = '{OUT}-logs')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_text('note.txt')",
    "SELECT * FROM read_csv('https://example.com/data.csv')",
    "SELECT * FROM 'https://example.com/data.parquet'",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM read_parquet('/tmp/*.parquet')",
    "SELECT * FROM read_json_auto('/etc/hosts')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    f"ATTACH '{OUT}.duckdb' AS other",
    "ATTACH ':memory:' AS scratch",
    "INSTALL httpfs",
    "LOAD httpfs",
    f"COPY raw.companies TO '{OUT}.csv'",
    f"EXPORT DATABASE '{OUT}-export'",
    "IMPORT DATABASE '/etc'",
    "SELECT 1; IMPORT DATABASE '/tmp'",
    "CREATE TABLE raw.sneaky AS SELECT 1 AS x",
    "CREATE TEMP TABLE t AS SELECT 1 AS x",
    "CREATE TEMP MACRO m() AS 1",
    "INSERT INTO raw.companies VALUES ('ZZZ', 'Zed', 9)",
    "UPDATE raw.companies SET name = 'x'",
    "DELETE FROM raw.companies",
    "DROP TABLE raw.companies",
    "ALTER TABLE raw.companies ADD COLUMN y INT",
    "COMMENT ON TABLE raw.companies IS 'x'",
    "CHECKPOINT",
    "SELECT * FROM checkpoint()",
    "SET enable_external_access = true",
    "RESET lock_configuration",
    "SET VARIABLE v = 1",
    "SELECT nextval('raw.ids')",
    "SELECT * FROM query('SELECT 1')",
    "VACUUM",
    "BEGIN TRANSACTION",
    # a write hidden behind a read, comments, case and quoting tricks
    "SELECT 1; DROP TABLE raw.companies",
    "SELECT ';'; DELETE FROM raw.companies",
    "/* harmless */ select 1 ; -- just a comment\n dRoP tAbLe raw.companies",
    f"/* c */ explain/**/analyze copy (select 1) to '{W}' (format csv)",
    f"EXPLAIN\n-- line comment\nANALYSE COPY (SELECT 1) TO '{W}'",
    "EXPLAIN (FORMAT json) SELECT 1",
    "EXPLAIN CREATE TABLE raw.x (a INT)",
    'SELECT * FROM "Enable_Logging"()',
    "SELECT * FROM (SELECT 1) AS a, LATERAL (SELECT * FROM enable_profiling())",
    "WITH x AS (SELECT * FROM force_checkpoint()) SELECT * FROM x",
    "SUMMARIZE SELECT * FROM enable_logging()",
    "PIVOT (SELECT * FROM enable_profiling()) ON x",
    "SELECT * FROM raw.companies UNION ALL SELECT * FROM read_csv('/etc/passwd')",
]


DOC = REPO / "docs" / "reliability.md"


def test_the_matrix_has_at_least_25_cases_and_the_docs_say_how_many():
    assert len(REFUSED) >= 25
    text = " ".join(DOC.read_text(encoding="utf-8").split())
    assert f"{len(REFUSED)} statements, each run by the real CLI" in text
    assert f"and {len(ALLOWED)} read-only forms that must work" in text


def test_the_refusal_shown_in_the_docs_is_what_the_cli_prints(scratch: Path):
    proc = ledger(scratch, "EXPLAIN ANALYZE SELECT 1")
    [shown] = [
        line
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("ledger: refused: EXPLAIN ANALYZE")
    ]
    assert proc.returncode == 3 and proc.stderr.strip() == shown


FORKER = textwrap.dedent(
    """
    import hashlib, json, os, sys, time
    from pathlib import Path
    import duckdb
    from pipelines import cli

    # The modules a parameterised query imports (pandas, pyarrow, ...), imported once here
    # instead of in every child (half a second each).
    with duckdb.connect() as con:
        con.execute("SELECT ?::VARCHAR", ["warm"]).fetchall()

    def tree(root):
        files = {}
        for path in [*root.rglob("*"), *Path("/tmp").glob("ledger-escape-*")]:
            if path.is_file():
                files[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif path.is_dir() and not any(path.iterdir()):
                files[str(path)] = "<empty dir>"
        return files

    root = Path(sys.argv[1])
    results = []
    for argv in json.load(sys.stdin):
        before = tree(root)
        out, err = root.parent / "case.out", root.parent / "case.err"
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os.chdir(root)
            for fd, path in ((1, out), (2, err)):
                os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
            code = 98
            try:
                code = cli.main(argv)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        took = time.monotonic() - started
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
        after = tree(root)
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        results.append([code, out.read_text(), err.read_text(), changed, took])
    print(json.dumps(results))
    """
)


def run_all(root: Path, argvs: list[list[str]]) -> list[tuple[int, str, str, list[str]]]:
    """(exit status, stdout, stderr, files changed) of ``ledger`` with each ``argv``."""
    return [row[:4] for row in run_all_timed(root, argvs)]


def run_all_timed(root: Path, argvs: list[list[str]]) -> list[tuple]:
    """As :func:`run_all`, each with the seconds its process ran (one after the other)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("DAGSTER_HOME", None)
    proc = subprocess.run(
        [sys.executable, "-c", FORKER, str(root)],
        input=json.dumps(argvs),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [tuple(r) for r in json.loads(proc.stdout.splitlines()[-1])]


@pytest.fixture(scope="module")
def refused_runs(scratch: Path) -> dict[str, tuple[int, str, str, list[str]]]:
    argvs = [["query", "--warehouse", W, sql] for sql in REFUSED]
    return dict(zip(REFUSED, run_all(scratch, argvs), strict=True))


@pytest.mark.parametrize("sql", REFUSED)
def test_refused_with_status_3_and_nothing_changed(refused_runs: dict, sql: str):
    code, out, err, changed = refused_runs[sql]
    assert code == 3, (code, out, err[-2000:])
    assert out == ""
    assert err.startswith("ledger: refused: "), err
    assert "Traceback" not in err
    assert changed == []  # the warehouse byte for byte, and no file made, changed or removed


ALLOWED = [
    ("SELECT ticker, n FROM raw.companies ORDER BY n", ["ticker,n", "AAA,1", "BBB,2", "CCC,3"]),
    ("FROM raw.companies SELECT count(*) AS c", ["c", "3"]),
    ("WITH x AS (SELECT 2 AS a) SELECT a FROM x", ["a", "2"]),
    ("VALUES (1, 'one')", ["col0,col1", "1,one"]),
    (
        "PIVOT (SELECT ticker, n FROM raw.companies) ON ticker USING sum(n)",
        ["AAA,BBB,CCC", "1,2,3"],
    ),
    (
        "PIVOT (SELECT ticker, n FROM raw.companies) ON ticker IN ('AAA', 'CCC') USING sum(n)",
        ["AAA,CCC", "1,3"],
    ),
    (
        "UNPIVOT (SELECT 1 AS a, 2 AS b) ON a, b INTO NAME k VALUE v",
        ["k,v", "a,1", "b,2"],
    ),
    ("SELECT column_name, count FROM (SUMMARIZE raw.companies)", None),
    ("DESCRIBE raw.companies", None),
    ("SHOW ALL TABLES", None),
    ("EXPLAIN SELECT * FROM raw.companies", None),
    ("PRAGMA version", None),
    ("SELECT 1 AS a; SELECT 2 AS b", ["a", "1", "", "b", "2"]),
    ("SELECT ';' AS semi", ["semi", ";"]),
]


@pytest.fixture(scope="module")
def allowed_runs(scratch: Path) -> dict[str, tuple[int, str, str, list[str]]]:
    sqls = [sql for sql, _ in ALLOWED]
    argvs = [["query", "--warehouse", W, "--format", "csv", sql] for sql in sqls]
    return dict(zip(sqls, run_all(scratch, argvs), strict=True))


@pytest.mark.parametrize(("sql", "expected"), ALLOWED)
def test_read_only_forms_work(allowed_runs: dict, sql: str, expected: list[str] | None):
    code, out, err, changed = allowed_runs[sql]
    assert code == 0, err
    lines = out.splitlines()
    if expected is not None:
        assert lines == expected
    elif sql.startswith("SELECT column_name"):
        assert lines == ["column_name,count", "ticker,3", "name,3", "n,3"]
    elif sql.startswith("DESCRIBE"):
        assert [line.split(",")[:3] for line in lines] == [
            ["column_name", "column_type", "null"],
            ["ticker", "VARCHAR", "NO"],
            ["name", "VARCHAR", "YES"],
            ["n", "INTEGER", "YES"],
        ]
    elif sql.startswith("SHOW"):
        assert lines[0].startswith("database,schema,name") and len(lines) == 3
        assert sorted(line.split(",")[2] for line in lines[1:]) == ["companies", "v"]
    elif sql.startswith("EXPLAIN"):
        assert lines[0] == "explain_key,explain_value" and "SEQ_SCAN" in out
    else:
        assert lines[0] == "library_version,source_id,codename" and duckdb.__version__ in lines[1]
    assert changed == []


def test_statements_are_split_where_duckdbs_tokenizer_sees_a_semicolon():
    from pipelines.warehouse.readonly import split_statements

    sql = "SELECT ';' AS a; /* ; */ SELECT \"x;y\" FROM t -- ;\n;; SELECT $$;$$"
    assert [piece.strip() for piece in split_statements(sql)] == [
        "SELECT ';' AS a",
        '/* ; */ SELECT "x;y" FROM t -- ;',
        "SELECT $$;$$",
    ]
    assert split_statements("  ;  -- nothing\n") == []
