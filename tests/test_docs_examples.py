"""The docs' example outputs are what their queries give (scripts/docs_examples.py).

Fixture examples (```sql example```) are regenerated on the session's warehouse refreshed from
the frozen raw snapshot and must match the docs exactly. Shipped examples
(```sql example shipped```) are re-checked on a warehouse refreshed from raw/ only while raw/
still has the hash `make docs` recorded beside them; otherwise they are skipped, because new
figures in raw/ must not turn CI red.
"""

import importlib.util
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines import cli, settings
from pipelines.reports.chart_config import REPORTS_DIR_ENV
from tests.conftest import FIXTURE_RAW, SHIPPED_RAW, RefreshedRun

SCRIPT = settings.REPO_ROOT / "scripts" / "docs_examples.py"


def _load():
    spec = importlib.util.spec_from_file_location("docs_examples", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["docs_examples"] = module
    spec.loader.exec_module(module)
    return module


docs = _load()
DOC_FILES = docs.doc_files()


@pytest.fixture(autouse=True)
def _test_count_of_this_session(
    suite_test_count: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The docs' test count is what ``pytest --collect-only`` counts; when this session
    collected the whole suite it knows that number already, and a second pytest collecting
    everything again (seconds of CPU per worker) is not run."""
    if suite_test_count is not None:
        monkeypatch.setitem(docs.NUMBERS, "test-count", lambda: f"{suite_test_count:,}")


def _rel(path: Path) -> str:
    return str(path.relative_to(settings.REPO_ROOT))


def _drift(path: Path, text: str, new: str) -> str:
    import difflib

    diff = "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True), new.splitlines(keepends=True), "docs", "queries"
        )
    )
    return f"{_rel(path)}: example outputs differ from their queries; run `make docs`.\n{diff}"


# --------------------------------------------------------------------- the shipped docs
def test_docs_have_examples_and_every_example_has_its_output() -> None:
    names = [_rel(p) for p in DOC_FILES]
    assert "README.md" in names and "docs/sql-cookbook.md" in names
    problems, kinds = [], []
    for path in DOC_FILES:
        examples, found = docs.parse(path.read_text(encoding="utf-8"), path)
        problems += found
        kinds += [ex.kind for ex in examples]
        for ex in examples:
            assert ex.sql, f"{ex.where}: empty example"
            if ex.kind == "shipped":
                assert ex.digest, f"{ex.where}: shipped example without raw-sha256: run make docs"
    assert problems == []
    assert kinds.count("fixture") >= 10 and kinds.count("shipped") >= 1


def test_readme_tour_queries_are_checked_examples() -> None:
    examples, _ = docs.parse((settings.REPO_ROOT / "README.md").read_text("utf-8"), Path())
    sql = "\n".join(ex.sql for ex in examples)
    for table in ("marts.group_quarterly", "marts.ai_revenue_quarterly", "tco.chip_tco"):
        assert table in sql
    assert any(ex.kind == "shipped" and "meta.data_as_of" in ex.sql for ex in examples)


@pytest.mark.parametrize("path", DOC_FILES, ids=_rel)
def test_fixture_examples_match_their_queries(path: Path, refreshed_warehouse: Path) -> None:
    text = path.read_text(encoding="utf-8")
    new = docs.regenerate(text, path, {"fixture": refreshed_warehouse})
    assert new == text, _drift(path, text, new)


@pytest.fixture(scope="module")
def shipped_warehouse(shipped_run: RefreshedRun) -> Path:
    """The session's refresh of the shipped raw/ (what ``docs.build_warehouse`` builds)."""
    return shipped_run.path


def test_shipped_examples_match_while_raw_is_unchanged(request: pytest.FixtureRequest) -> None:
    digest = docs.raw_digest(SHIPPED_RAW)
    texts = {p: p.read_text(encoding="utf-8") for p in DOC_FILES}
    shipped = [ex for p, t in texts.items() for ex in docs.parse(t, p)[0] if ex.kind == "shipped"]
    if any(ex.digest != digest for ex in shipped):
        pytest.skip(docs.STALE_SHIPPED)
    warehouse = request.getfixturevalue("shipped_warehouse")
    for path, text in texts.items():
        new = docs.regenerate(text, path, {"shipped": warehouse}, digest)
        assert new == text, _drift(path, text, new)


# ------------------------------------------------------------------ the machinery itself
@pytest.fixture
def tiny_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('a', 1.5), ('b', 10.25)) v(k, x)")
    return path


PAGE = """# Page

```sql example
SELECT k, x FROM t ORDER BY k
```
```text output
stale
```

```sql example shipped width=20
SELECT count(*) AS n FROM t
```

```text output
```
"""


def test_regenerate_writes_what_ledger_query_prints(tiny_warehouse: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    new = docs.regenerate(
        PAGE, page, {"fixture": tiny_warehouse, "shipped": tiny_warehouse}, "ab" * 32
    )
    assert "stale" not in new
    expected = "k |     x\n--+------\na |  1.50\nb | 10.25\n(2 rows)"
    assert f"```text output\n{expected}\n```" in new
    assert (
        "```\n\n<!-- docs-example shipped: output of raw/ with raw-sha256="
        + "ab" * 32
        + " (make docs) -->\n```text output\nn\n-\n2\n(1 row)\n```"
        in new
    )
    # the same as the CLI prints
    out = tmp_path / "out.txt"
    with out.open("w") as handle:
        cli.write_result(["k", "x"], [("a", 1.5), ("b", 10.25)], "table", handle)
    assert out.read_text().rstrip("\n") == expected
    # idempotent; a second run with a new digest only changes the comment
    assert (
        docs.regenerate(
            new, page, {"fixture": tiny_warehouse, "shipped": tiny_warehouse}, "ab" * 32
        )
        == new
    )
    again = docs.regenerate(new, page, {"shipped": tiny_warehouse}, "cd" * 32)
    assert again == new.replace("ab" * 32, "cd" * 32)
    examples, problems = docs.parse(again, page)
    assert problems == [] and [e.kind for e in examples] == ["fixture", "shipped"]
    assert examples[1].digest == "cd" * 32 and examples[1].width == 20


def test_only_the_requested_kind_is_rewritten(tiny_warehouse: Path, tmp_path: Path) -> None:
    new = docs.regenerate(PAGE, tmp_path / "p.md", {"shipped": tiny_warehouse}, "ab" * 32)
    assert "```text output\nstale\n```" in new  # the fixture example was left alone


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("```sql example\nSELECT 1\n```\n\nsome prose\n", "has no ```text output block"),
        ("```sql example\nSELECT 1\n```\n```text\n1\n```\n", "has no ```text output block"),
        ("Text\n\n```text output\n1\n```\n", "without a ```sql example block"),
        (
            "```sql example\nSELECT 1\n```\n```text output\n1\n```\n```text output\n2\n```\n",
            "without a ```sql example block",
        ),
    ],
)
def test_unpaired_blocks_are_reported_with_file_and_line(text: str, problem: str) -> None:
    _, problems = docs.parse(text, Path("docs/x.md"))
    assert len(problems) == 1 and problem in problems[0] and problems[0].startswith("docs/x.md:")


def test_plain_sql_and_other_blocks_are_not_examples() -> None:
    text = "```sql\nSELECT 1\n```\n```\nplain\n```\n```bash\nmake docs\n```\n"
    assert docs.parse(text, Path("x.md")) == ([], [])


def test_bad_option_and_unclosed_block_name_the_line() -> None:
    with pytest.raises(docs.DocsExampleError, match=r"x.md:2: unknown option 'wide'"):
        docs.parse("\n```sql example wide\nSELECT 1\n```\n```text output\n```\n", Path("x.md"))
    with pytest.raises(docs.DocsExampleError, match=r"x.md:1: fenced block is never closed"):
        docs.parse("```sql example\nSELECT 1\n", Path("x.md"))


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DROP TABLE t", "refused: "),
        ("SELECT * FROM no_such_table", "SQL error"),
    ],
)
def test_a_failing_or_writing_query_stops_with_its_place(
    sql: str, message: str, tiny_warehouse: Path
) -> None:
    page = f"# P\n\n```sql example\n{sql}\n```\n```text output\n```\n"
    with pytest.raises(docs.DocsExampleError, match=rf"p.md:3: example query failed: .*{message}"):
        docs.regenerate(page, Path("p.md"), {"fixture": tiny_warehouse})
    with duckdb.connect(str(tiny_warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_raw_digest_follows_file_content(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SHIPPED_RAW, raw, ignore=shutil.ignore_patterns("sec"))
    before = docs.raw_digest(raw)
    assert before == docs.raw_digest(SHIPPED_RAW)
    (raw / "README.md").write_text("not read by a refresh\n")
    assert docs.raw_digest(raw) == before
    with (raw / "financials.csv").open("a") as handle:
        handle.write("\n")
    assert docs.raw_digest(raw) != before


def test_check_mode_fails_on_drift_and_passes_after_make_docs(
    tiny_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.md"
    page.write_text(PAGE.split("```sql example shipped")[0], encoding="utf-8")
    args = ["--only", "fixture", "--fixture-warehouse", str(tiny_warehouse), str(page)]
    assert docs.main(["--check", *args]) == 1
    assert "-stale" in capsys.readouterr().out
    assert page.read_text().count("stale") == 1  # --check writes nothing
    assert docs.main(args) == 0
    assert docs.main(["--check", *args]) == 0
    assert "stale" not in page.read_text()


# ------------------------------------------------------- the made-up company of the guide
GUIDE = settings.REPO_ROOT / "docs" / "add-a-company-or-group.md"


def _csv_blocks(text: str) -> dict[str, list[str]]:
    """{file name: lines} of every ```csv append=FILE``` block."""
    blocks: dict[str, list[str]] = {}
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("```csv append="):
            end = lines.index("```", i + 1)
            blocks.setdefault(line.split("=", 1)[1].strip(), []).extend(lines[i + 1 : end])
    return blocks


def test_made_up_company_of_the_guide_goes_through_every_mart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refreshed_run: RefreshedRun
) -> None:
    from pipelines.refresh import failure_messages, run_refresh

    blocks = _csv_blocks(GUIDE.read_text(encoding="utf-8"))
    assert sorted(blocks) == [
        "companies.csv",
        "coverage_notes.csv",  # issue 20: the guide says when a coverage note is needed
        "financials.csv",
        "group_members.csv",
        "groups.csv",
    ]
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURE_RAW, raw)
    for name, rows in blocks.items():
        text = (raw / name).read_text(encoding="utf-8")
        (raw / name).write_text(text.rstrip("\n") + "\n" + "\n".join(rows) + "\n", "utf-8")
    warehouse = tmp_path / "warehouse.duckdb"
    # the golden run's charts beside it: those whose data the new company leaves alone are reused
    shutil.copytree(refreshed_run.reports, tmp_path / "reports")
    monkeypatch.setenv(REPORTS_DIR_ENV, str(tmp_path / "reports"))
    monkeypatch.setenv(settings.RAW_DIR_ENV, str(raw))
    monkeypatch.setenv(settings.WAREHOUSE_ENV, str(warehouse))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    result = run_refresh(log_level="ERROR")
    assert result.success, failure_messages(result)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        capex = con.execute(
            "SELECT calendar_quarter, fiscal_year, fiscal_quarter, value_usd_m "
            "FROM marts.company_quarterly WHERE ticker = 'XNEO' AND metric = 'capex' "
            "AND value_usd_m IS NOT NULL ORDER BY calendar_quarter"
        ).fetchall()
        group = con.execute(
            "SELECT metric, calendar_quarter, members_reported, is_complete, total_usd_m "
            "FROM marts.group_quarterly WHERE group_name = 'NEOCLOUD' ORDER BY ALL"
        ).fetchall()
        rejected = con.execute("SELECT count(*) FROM quarantine.rejected_rows").fetchone()
        unexplained = con.execute(
            "SELECT count(*) FROM meta.coverage WHERE ticker = 'XNEO' AND NOT explained"
        ).fetchone()
    # following the guide leaves no check failing because of the new company
    assert unexplained == (0,)
    # the guide's figures: FY2026 Q1 (to 29 Jun 2025) = 1,200 and Q2 (to 28 Sep 2025) = 1,500
    assert capex == [("2025Q2", 2026, 1, 1200.0), ("2025Q3", 2026, 2, 1500.0)]
    assert ("capex", "2025Q2", 1, True, 1200.0) in group
    assert ("revenue", "2025Q3", 1, True, 950.0) in group
    assert rejected == (0,)


# ------------------------------------------------------------------------- dg conventions
def test_dg_project_and_make_ui_load_the_same_code_location() -> None:
    """`dg dev` (pyproject [tool.dg]) and `make ui` (workspace.yaml) serve one location."""
    pyproject = tomllib.loads((settings.REPO_ROOT / "pyproject.toml").read_text("utf-8"))
    dg_project = pyproject["tool"]["dg"]["project"]
    assert pyproject["tool"]["dg"]["directory_type"] == "project"
    workspace = yaml.safe_load((settings.REPO_ROOT / "workspace.yaml").read_text("utf-8"))
    (entry,) = workspace["load_from"]
    module = entry["python_module"]
    assert dg_project["code_location_target_module"] == module["module_name"]
    assert dg_project["code_location_name"] == module["location_name"]
    assert dg_project["root_module"] == module["module_name"].split(".")[0]
    assert pyproject["tool"]["dagster"]["module_name"] == module["module_name"]


# ------------------------------------------------- issue 20, point 7: numbers from the code
def test_numbers_in_the_docs_come_from_the_code() -> None:
    """Every ``<!-- n:NAME -->`` number holds what the code gives (``make docs`` writes them),
    and the counts a reader quotes (asset groups, charts) are such numbers, not typed."""
    for path in DOC_FILES:
        text = path.read_text(encoding="utf-8")
        assert docs.fill_numbers(text, path) == text, f"{_rel(path)}: run make docs"
    lineage = (settings.REPO_ROOT / "docs" / "lineage.md").read_text(encoding="utf-8")
    assert "<!-- n:asset-group-count -->" in lineage and "<!-- n:chart-count -->" in lineage
    changes = (settings.REPO_ROOT / "docs" / "changes.md").read_text(encoding="utf-8")
    assert "<!-- n:test-count -->" in changes  # the test count a reader quotes
    from pipelines.definitions import defs
    from pipelines.reports.assets import CHART_SPECS

    graph = defs.resolve_asset_graph()
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    said = docs.NUMBERS["asset-groups"]()
    assert sorted(said.replace("`", "").split(", ")) == sorted(groups)
    assert docs.NUMBERS["chart-count"]() == docs._count(len(CHART_SPECS))
    assert docs._count(7) == "seven"
    for stale in ("five groups", "three PNGs", "three charts"):
        assert not any(stale in p.read_text(encoding="utf-8") for p in DOC_FILES), stale


# ----------------------------------- issue 20, point 4: the README answers with today's data
def test_readme_answers_with_the_data_the_two_commands_build() -> None:
    """Every README example runs on the warehouse `make refresh` builds from raw/ (shipped);
    the snapshot's answers to the same questions live in docs/snapshot.md, which gives the one
    command that builds the snapshot's warehouse, and every page quoting the snapshot says so."""
    readme, _ = docs.parse((settings.REPO_ROOT / "README.md").read_text("utf-8"), Path())
    assert readme and all(ex.kind == "shipped" for ex in readme)
    guide_path = settings.REPO_ROOT / "docs" / "snapshot.md"
    guide_text = guide_path.read_text("utf-8")
    guide, _ = docs.parse(guide_text, guide_path)
    assert "make snapshot" in guide_text
    for table in ("marts.group_quarterly", "marts.ai_revenue_quarterly", "tco.chip_tco"):
        assert any(ex.kind == "fixture" and table in ex.sql for ex in guide)
        assert any(table in ex.sql for ex in readme)
    for path in DOC_FILES:
        text = path.read_text("utf-8")
        if any(ex.kind == "fixture" for ex in docs.parse(text, path)[0]):
            assert "make snapshot" in text, (
                f"{_rel(path)} quotes the snapshot without make snapshot"
            )
    shown = subprocess.run(
        ["make", "-s", "-n", "snapshot"],
        cwd=settings.REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    [line] = [x for x in shown.splitlines() if "pipelines.refresh" in x]
    assert f"LEDGER_RAW_DIR={FIXTURE_RAW}" in line
    assert f"LEDGER_WAREHOUSE={settings.REPO_ROOT / 'data' / 'snapshot.duckdb'}" in line
