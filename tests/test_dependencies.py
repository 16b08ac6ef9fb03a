"""Issue 20, point 8: the dependencies tell the truth. Every package in pyproject.toml is used
(imported by the code, or run by a Makefile target) and has its row in docs/dependencies.md,
which names no package the project does not depend on."""

import re
import tomllib

from pipelines import settings

REPO = settings.REPO_ROOT
DOC = (REPO / "docs" / "dependencies.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))

#: distribution name -> what proves it is used: an import name, or a Makefile command
USED_BY = {
    "dagster": ("import", "dagster"),
    # the UI: make ui (dg dev starts it) and the live-lineage test harness run it
    "dagster-webserver": ("file", "pipelines/reports/webserver.py:dagster-webserver"),
    "duckdb": ("import", "duckdb"),
    "duckdb-cli": ("make", "bin/duckdb"),  # make sql
    "polars": ("import", "polars"),
    "pandera": ("import", "pandera"),
    "pyarrow": ("import", "pyarrow"),
    "matplotlib": ("import", "matplotlib"),
    "requests": ("import", "requests"),
    "wcwidth": ("import", "wcwidth"),
    "pyyaml": ("import", "yaml"),
    "sqlglot": ("import", "sqlglot"),
}


def _name(requirement: str) -> str:
    return re.split(r"[\[=<>~! ]", requirement, maxsplit=1)[0].lower()


def runtime() -> list[str]:
    return [_name(r) for r in PYPROJECT["project"]["dependencies"]]


def everything() -> set[str]:
    groups = PYPROJECT["dependency-groups"]
    return set(runtime()) | {_name(r) for group in groups.values() for r in group}


def doc_rows() -> set[str]:
    """The package names in the first column of the doc's tables (before any version)."""
    names = set()
    for line in DOC.split("## Bootstrap")[0].splitlines():
        if line.startswith("| ") and not line.startswith(("| package", "| tool", "| ---")):
            for part in line.split("|")[1].split(","):
                names.add(_name(part.strip()))
    return names


def _imported(module: str) -> bool:
    pattern = re.compile(rf"^\s*(import|from) {re.escape(module)}\b", re.M)
    for folder in ("pipelines", "scripts", "bench"):
        for path in (REPO / folder).rglob("*.py"):
            if pattern.search(path.read_text(encoding="utf-8")):
                return True
    return False


def test_every_runtime_dependency_is_used_or_says_it_is_not_yet():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    unused = []
    for name in runtime():
        if name not in USED_BY:
            row = next(x for x in DOC.splitlines() if x.startswith(f"| {name} "))
            assert "no module imports it yet" in row, f"{name}: neither used nor said so"
            assert not _imported(name), f"{name} is imported now: add it to USED_BY"
            continue
        how, what = USED_BY[name]
        if how == "file":
            path, text = what.split(":", 1)
            used = text in (REPO / path).read_text(encoding="utf-8")
        else:
            used = _imported(what) if how == "import" else what in makefile
        if not used:
            unused.append(name)
    assert unused == []
    assert "dagster-duckdb" not in runtime()


def test_every_dependency_has_a_row_and_every_row_is_a_dependency():
    assert doc_rows() == everything()


def test_the_doc_names_no_integration_the_project_does_not_use():
    """The old pin reason blamed ``dagster-duckdb-polars`` calling ``.arrow()``: the project
    imports neither. Any package the doc names in backticks must be a dependency, or be said to
    be unused."""
    for name in re.findall(r"`(dagster-[a-z-]+)`", DOC):
        assert name in everything() or "never used" in DOC, name
    assert ".arrow()" not in DOC
