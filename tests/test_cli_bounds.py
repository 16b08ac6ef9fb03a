"""Issue 21, classes 2, 11a and 11c: the read-only guard covers what the warehouse file brings
(views, macros), deep but legal SQL gets a message (never a traceback), and every query is
bounded in time, memory, rows and bytes.

Every case runs the real CLI in its own process, forked from a helper that imported it once
(``tests.test_cli_escape.run_all``: an abort cannot take pytest down; files are hashed before
and after). docs/reliability.md lists the cases.

- **What the file brings** (class 2): each hostile warehouse holds one view or macro that
  would change the session, run SQL given as text or change what a built-in means. Any
  command on it (even ``SELECT 1``, even ``tables``) must exit 3 naming the object, print
  nothing on stdout and change no file. A file with harmless views and macros works.
- **Nesting** (class 11a): legal SQL nested 400 to 900 levels deep runs; deeper than
  DuckDB's limit of 1,000 gets a one-line message (exit 1). Before, 400 levels of subqueries
  or CASE and 600 of function calls or lists made the guard's JSON parse raise
  RecursionError: a traceback.
- **Bounds** (class 11c): billions of rows, huge values, endless aggregates, a huge list:
  each stops within seconds with a message saying which bound (exit 1); what was fetched
  before a row or byte bound is printed.
"""

from pathlib import Path

import duckdb
import pytest

from pipelines import settings
from tests.test_cli_escape import run_all, run_all_timed

DOC = settings.REPO_ROOT / "docs" / "reliability.md"
LOGS = "/tmp/ledger-escape-logs"

# ------------------------------------------------------------------ what the file brings
#: (case, SQL that puts the object into the file, what the refusal names)
HOSTILE_FILES = [
    ("view-enable-logging",
     f"CREATE VIEW raw.v AS SELECT * FROM enable_logging(storage = 'file', storage_path = "
     f"'{LOGS}')", "view raw.v calls enable_logging()"),
    ("view-enable-profiling", "CREATE VIEW raw.v AS SELECT * FROM enable_profiling()",
     "view raw.v calls enable_profiling()"),
    ("view-query", "CREATE VIEW raw.v AS SELECT * FROM query('SELECT 42 AS x')",
     "view raw.v calls query()"),
    ("view-checkpoint", "CREATE VIEW raw.v AS SELECT * FROM checkpoint()",
     "view raw.v calls checkpoint()"),
    ("view-quoted-mixed-case", 'CREATE VIEW raw.v AS SELECT * FROM "Enable_Logging"()',
     "view raw.v calls enable_logging()"),
    ("view-behind-a-view",
     "CREATE VIEW raw.inner_v AS SELECT * FROM query('SELECT 1 AS x'); "
     "CREATE VIEW raw.v AS SELECT * FROM raw.inner_v", "view raw.inner_v calls query()"),
    ("table-macro-query", "CREATE MACRO raw.m() AS TABLE SELECT * FROM query('SELECT 43 AS x')",
     "table macro raw.m calls query()"),
    ("table-macro-enable-logging",
     f"CREATE MACRO raw.m() AS TABLE SELECT * FROM enable_logging(storage = 'file', "
     f"storage_path = '{LOGS}')", "table macro raw.m calls enable_logging()"),
    ("macro-calls-query", "CREATE MACRO raw.m(a) AS (SELECT count(*) FROM query('SELECT 1'))",
     "macro raw.m calls query()"),
    ("macro-shadows-builtin", "CREATE MACRO lower(a) AS 'pwned'",
     "macro main.lower has the name of a built-in function"),
]  # fmt: skip
COMMANDS = [["query", "SELECT 1 AS one"], ["tables"]]


def make_warehouse(path: Path, sql: str = "") -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw.companies AS SELECT 'AAA' AS ticker, 1 AS n")
        if sql:
            con.execute(sql)


@pytest.fixture(scope="module")
def hostile_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("bounds")
    argvs, keys = [], []
    for case, sql, _ in HOSTILE_FILES:
        make_warehouse(root / f"{case}.duckdb", sql)
        for command in COMMANDS:
            argvs.append([command[0], "--warehouse", f"{case}.duckdb", *command[1:]])
            keys.append((case, command[0]))
    make_warehouse(
        root / "benign.duckdb",
        "CREATE VIEW raw.v AS SELECT upper(ticker) AS t, n + 1 AS m FROM raw.companies; "
        "CREATE MACRO raw.plus_one(a) AS a + 1; "
        "CREATE MACRO raw.firsts() AS TABLE SELECT * FROM raw.companies LIMIT 1",
    )
    argvs.append(["query", "--warehouse", "benign.duckdb", "--format", "csv",
                  "SELECT t, raw.plus_one(m) AS p FROM raw.v, raw.firsts()"])  # fmt: skip
    keys.append(("benign", "query"))
    argvs.append(["tables", "--warehouse", "benign.duckdb", "--format", "csv"])
    keys.append(("benign", "tables"))
    return dict(zip(keys, run_all(root, argvs), strict=True))


@pytest.mark.parametrize("command", [c[0] for c in COMMANDS])
@pytest.mark.parametrize(("case", "sql", "names"), HOSTILE_FILES, ids=[h[0] for h in HOSTILE_FILES])
def test_a_file_that_brings_hostile_sql_is_refused_whole(
    hostile_runs: dict, case: str, sql: str, names: str, command: str
):
    code, out, err, changed = hostile_runs[(case, command)]
    assert code == 3, (code, out, err[-2000:])
    assert out == ""
    assert err.startswith("ledger: refused: the warehouse file ") and names in err, err
    assert "Traceback" not in err
    assert changed == []


def test_harmless_views_and_macros_work(hostile_runs: dict):
    code, out, err, changed = hostile_runs[("benign", "query")]
    assert code == 0, err
    assert out.splitlines() == ["t,p", "AAA,3"]
    code, out, err, changed = hostile_runs[("benign", "tables")]
    assert code == 0, err
    assert "raw.v,view,1," in out


# ------------------------------------------------------------------- nesting and bounds
def _nested(kind: str, depth: int) -> str:
    if kind == "subquery":
        return "SELECT * FROM " + "(SELECT * FROM " * depth + "range(1)" + ") t" * depth
    if kind == "case":
        return "SELECT " + "CASE WHEN true THEN " * depth + "1" + " END" * depth + " AS x"
    if kind == "function":
        return "SELECT " + "abs(" * depth + "1" + ")" * depth + " AS x"
    if kind == "list":
        return "SELECT " + "[" * depth + "1" + "]" * depth + " IS NULL AS x"
    raise AssertionError(kind)


#: (case, argv after `query --warehouse w.duckdb`, exit status, stdout lines (None: any),
#:  words of stderr, at most seconds)
CASES = [
    ("nested-subquery-400", ["--format", "csv", _nested("subquery", 400)], 0, ["range", "0"], "",
     30),
    ("nested-case-400", ["--format", "csv", _nested("case", 400)], 0, ["x", "1"], "", 30),
    ("nested-case-900", ["--format", "csv", _nested("case", 900)], 0, ["x", "1"], "", 30),
    ("nested-function-600", ["--format", "csv", _nested("function", 600)], 0, ["x", "1"], "", 60),
    ("nested-list-600", ["--format", "csv", _nested("list", 600)], 0, ["x", "False"], "", 60),
    ("nested-case-1200", [_nested("case", 1200)], 1, [], "nested deeper than DuckDB's limit", 30),
    ("nested-subquery-1500", [_nested("subquery", 1500)], 1, [],
     "nested deeper than DuckDB's limit", 30),
    ("rows-billions", ["--format", "csv", "--max-rows", "1000",
                       "SELECT * FROM range(10000000000)"], 1, None,
     "more than 1,000 rows (--max-rows): only the first 1,000 rows are shown", 15),
    ("bytes-huge-values", ["--format", "csv", "--max-bytes", "25000",
                           "SELECT repeat('x', 10000) AS v FROM range(10000000000)"], 1, None,
     "larger than 25,000 bytes (--max-bytes): only the first 2 rows are shown", 30),
    ("no-progress-bar", ["--format", "csv", "--timeout", "20",  # runs > 2 s: DuckDB's bar
                         "SELECT sum(range) AS s FROM range(400000000)"], 0,
     ["s", "79999999800000000"], "", 25),
    ("time-endless-aggregate", ["--timeout", "1", "SELECT sum(range) FROM range(1000000000000)"],
     1, [], "stopped after 1 s (--timeout)", 15),
    ("time-cross-join", ["--timeout", "1", "SELECT count(*) FROM range(1000000) a, "
                         "range(1000000) b WHERE a.range + b.range = 7"], 1, [],
     "stopped after 1 s (--timeout)", 15),
    ("memory-huge-list", ["--max-memory", "100MB", "--timeout", "20",
                          "SELECT list(range) FROM range(300000000)"], 1, [],
     "needs more memory than --max-memory 100MB", 25),
    ("time-in-a-view-tables", ["--timeout", "1"], 1, None, "stopped after 1 s (--timeout)", 15),
]  # fmt: skip


@pytest.fixture(scope="module")
def bounded_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("bounded")
    make_warehouse(
        root / "w.duckdb",
        "CREATE VIEW raw.endless AS SELECT sum(range) AS s FROM range(1000000000000)",
    )
    argvs = [
        ["tables" if case.endswith("-tables") else "query", "--warehouse", "w.duckdb", *argv]
        for case, argv, *_ in CASES
    ]  # run one at a time, each timed from its fork to its exit
    return dict(zip([c[0] for c in CASES], run_all_timed(root, argvs), strict=True))


@pytest.mark.parametrize(("case", "argv", "code", "lines", "says", "seconds"), CASES,
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_deep_or_huge_queries_get_a_message_within_their_bounds(
    bounded_runs: dict, case, argv, code, lines, says, seconds
):
    got, out, err, changed, took = bounded_runs[case]
    assert "Traceback" not in err and "RecursionError" not in err, err[-2000:]
    assert got == code, (got, err[-2000:])
    assert says in err, err[-2000:]
    if lines is not None:
        assert out.splitlines() == lines, out[:500]
    if case == "rows-billions":  # what was fetched is printed
        assert out.splitlines() == ["range", *map(str, range(1000))]
    if case == "bytes-huge-values":
        assert len(out.splitlines()) == 3
    assert took < seconds, took
    assert changed == []


def test_the_docs_list_every_case():
    text = DOC.read_text(encoding="utf-8")
    for case in [h[0] for h in HOSTILE_FILES] + [c[0] for c in CASES]:
        assert f"`{case}`" in text, case
