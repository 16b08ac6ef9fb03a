"""Checked examples in the docs: run each example query and write its real output below it.

In ``README.md``, ``raw/README.md`` and ``docs/*.md`` an example is a fenced block opened
with ```` ```sql example````
followed (blank lines and one ``<!-- docs-example ... -->`` comment may stand between) by a
fenced ```` ```text output```` block::

    ```sql example
    SELECT ticker, name FROM raw.companies ORDER BY ticker
    ```
    ```text output
    (rewritten by `make docs`)
    ```

The output block holds exactly what ``ledger query "<the SQL>"`` prints (the CLI's own
read-only connection, statement allow-list and table formatter), so a reader can paste the
query and get the same text.

Two kinds of example:

* ```` ```sql example```` (default): run on a warehouse refreshed from the frozen fixture
  snapshot ``tests/fixtures/raw_snapshot_2025-09-05``. Its output never changes when raw/
  gains figures, and ``tests/test_docs_examples.py`` regenerates every one of them on each test
  run and fails on any difference: they cannot go stale.
* ```` ```sql example shipped````: run on a warehouse refreshed from the shipped ``raw/`` (the
  current data: its as-of date, the newest quarter). The generator writes the sha256 of the
  raw/ files it ran on into the comment beside the block; the test re-checks these only while
  raw/ still has that hash and otherwise skips ("raw/ changed since make docs: run make docs"),
  so adding next quarter's figures never turns CI red.

Options in the opening line: ``width=N`` cuts cells at N characters (``ledger --max-width``,
default 60).

Numbers that come from the code (how many asset groups, which charts) are written between
``<!-- n:NAME -->`` and ``<!-- /n -->`` (names: :data:`NUMBERS`); ``make docs`` rewrites them
from the code and the same test fails on drift, so a count in prose cannot go stale either.

Usage::

    python scripts/docs_examples.py            # rewrite every output block (make docs)
    python scripts/docs_examples.py --check    # exit 1 and show a diff on drift (make docs-check)
    python scripts/docs_examples.py --only fixture --fixture-warehouse PATH

Without ``--fixture-warehouse`` / ``--shipped-warehouse`` the script refreshes scratch
warehouses under ``data/docs/`` (never the live warehouse) from copies of the raw folders.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import hashlib
import io
import os
import re
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script: make `pipelines` importable
    sys.path.insert(0, str(REPO_ROOT))

FIXTURE_RAW = REPO_ROOT / "tests" / "fixtures" / "raw_snapshot_2025-09-05"
SHIPPED_RAW = REPO_ROOT / "raw"
SCRATCH = REPO_ROOT / "data" / "docs"
KINDS = ("fixture", "shipped")
DEFAULT_WIDTH = 60
STALE_SHIPPED = "raw/ changed since make docs: run make docs"

_SQL_OPEN = re.compile(r"^```sql\s+example(?P<opts>(?:\s+\S+)*)\s*$")
_OUT_OPEN = re.compile(r"^```text\s+output\s*$")
_FENCE_CLOSE = re.compile(r"^```\s*$")
_COMMENT = re.compile(r"^<!--\s*docs-example\b(?P<body>.*?)-->\s*$")
_DIGEST = re.compile(r"raw-sha256=(?P<digest>[0-9a-f]{64})")


class DocsExampleError(Exception):
    """A malformed example or a query that fails; the message names file and line."""


@dataclass
class Example:
    """One example: line numbers are 0-based indices into the file's lines."""

    path: Path
    sql_open: int  # the ```sql example line
    sql: str
    kind: str  # fixture | shipped
    width: int
    comment: int | None  # the <!-- docs-example --> line, if any
    digest: str | None  # raw-sha256 recorded in the comment
    out_open: int  # the ```text output line
    out_close: int  # its closing fence
    output: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.sql_open + 1}"


# ------------------------------------------------------------------------------ parsing
def _options(path: Path, line_no: int, text: str) -> tuple[str, int]:
    kind, width = "fixture", DEFAULT_WIDTH
    for token in text.split():
        if token == "shipped":
            kind = "shipped"
        elif token.startswith("width=") and token[6:].isdigit() and int(token[6:]) >= 10:
            width = int(token[6:])
        else:
            raise DocsExampleError(
                f"{path}:{line_no + 1}: unknown option {token!r} after ```sql example "
                "(allowed: shipped, width=N with N >= 10)"
            )
    return kind, width


def _close(lines: Sequence[str], start: int, path: Path) -> int:
    for i in range(start + 1, len(lines)):
        if _FENCE_CLOSE.match(lines[i]):
            return i
    raise DocsExampleError(f"{path}:{start + 1}: fenced block is never closed")


def parse(text: str, path: Path) -> tuple[list[Example], list[str]]:
    """Every example of ``text``, and the problems: an example without its output block, an
    output block without its example."""
    lines = text.split("\n")
    examples: list[Example] = []
    problems: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        sql_open = _SQL_OPEN.match(line)
        if sql_open:
            kind, width = _options(path, i, sql_open.group("opts"))
            sql_close = _close(lines, i, path)
            sql = "\n".join(lines[i + 1 : sql_close]).strip()
            j = sql_close + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            comment = digest = None
            if j < len(lines) and _COMMENT.match(lines[j]):
                comment = j
                found = _DIGEST.search(lines[j])
                digest = found.group("digest") if found else None
                j += 1
            if j < len(lines) and _OUT_OPEN.match(lines[j]):
                out_close = _close(lines, j, path)
                examples.append(
                    Example(
                        path,
                        i,
                        sql,
                        kind,
                        width,
                        comment,
                        digest,
                        j,
                        out_close,
                        "\n".join(lines[j + 1 : out_close]),
                    )
                )
                i = out_close + 1
                continue
            problems.append(
                f"{path}:{i + 1}: ```sql example block has no ```text output block after it"
            )
            i = sql_close + 1
            continue
        if _OUT_OPEN.match(line):
            problems.append(
                f"{path}:{i + 1}: ```text output block without a ```sql example block before it"
            )
            i = _close(lines, i, path) + 1
            continue
        if line.startswith("```"):  # any other fenced block: skip its body
            i = _close(lines, i, path) + 1
            continue
        i += 1
    return examples, problems


# ---------------------------------------------------------------------------- running
def raw_digest(raw: Path) -> str:
    """sha256 over the name and content of every raw CSV file (what a refresh reads)."""
    digest = hashlib.sha256()
    for path in sorted(raw.glob("*.csv")):
        digest.update(path.name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).hexdigest().encode() + b"\n")
    return digest.hexdigest()


def run_example(sql: str, warehouse: Path, width: int = DEFAULT_WIDTH) -> str:
    """What ``ledger query SQL --max-width width`` prints on ``warehouse`` (without the final
    newline). Raises CliError for refused or failing SQL."""
    from pipelines import cli

    con = cli.open_read_only(warehouse, cli.DEFAULT_WAIT_S)
    try:
        out = io.StringIO()
        for i, (columns, rows) in enumerate(cli.run_query(con, sql)):
            if i:
                out.write("\n")
            cli.write_result(columns, rows, "table", out, width)
    finally:
        con.close()
    return out.getvalue().rstrip("\n")


_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]


def _count(n: int) -> str:
    return _WORDS[n] if n < len(_WORDS) else str(n)


@functools.cache
def _asset_groups() -> list[str]:
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    order = ["raw", "marts", "metrics", "coverage", "tco", "sec", "reports"]
    return sorted(groups, key=lambda g: (order.index(g) if g in order else len(order), g))


def _charts() -> list[str]:
    from pipelines.reports.assets import CHART_SPECS

    return [spec.name for spec in CHART_SPECS]


@functools.cache
def _test_count() -> str:
    """How many tests pytest collects (``pytest --collect-only``; skips are decided later, so
    the count does not depend on ../shared)."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"^(\d+) tests? collected", done.stdout, re.M)
    if found is None:
        raise DocsExampleError(f"pytest --collect-only gave no count:\n{done.stdout[-2000:]}")
    return f"{int(found.group(1)):,}"


#: Numbers and lists the docs state, computed from the code (``<!-- n:NAME -->``).
NUMBERS = {
    "test-count": _test_count,
    "asset-group-count": lambda: _count(len(_asset_groups())),
    "asset-groups": lambda: ", ".join(f"`{g}`" for g in _asset_groups()),
    "chart-count": lambda: _count(len(_charts())),
}
_NUMBER = re.compile(r"<!-- n:([a-z-]+) -->(.*?)<!-- /n -->", re.S)


def fill_numbers(text: str, path: Path) -> str:
    """``text`` with every ``<!-- n:NAME -->...<!-- /n -->`` holding the code's value."""
    cache: dict[str, str] = {}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in NUMBERS:
            raise DocsExampleError(f"{path}: unknown number {name!r} (known: {sorted(NUMBERS)})")
        if name not in cache:
            cache[name] = NUMBERS[name]()
        return f"<!-- n:{name} -->{cache[name]}<!-- /n -->"

    return _NUMBER.sub(value, text)


def regenerate(
    text: str,
    path: Path,
    warehouses: dict[str, Path],
    digest: str | None = None,
) -> str:
    """``text`` with the output of every example whose kind is in ``warehouses`` rewritten.

    ``digest`` (the raw/ hash) is written beside every shipped example that is regenerated."""
    from pipelines.cli import CliError

    examples, problems = parse(text, path)
    if problems:
        raise DocsExampleError("\n".join(problems))
    lines = text.split("\n")
    for ex in reversed(examples):  # from the end, so earlier line numbers stay valid
        if ex.kind not in warehouses:
            continue
        try:
            output = run_example(ex.sql, warehouses[ex.kind], ex.width)
        except CliError as error:
            raise DocsExampleError(f"{ex.where}: example query failed: {error}") from None
        block = ["```text output", *output.split("\n"), "```"]
        if ex.kind == "shipped":
            note = (
                f"<!-- docs-example shipped: output of raw/ with raw-sha256={digest} "
                "(make docs) -->"
            )
            head = [note]
        else:
            head = []
        start = ex.comment if ex.comment is not None else ex.out_open
        # keep blank lines between the SQL block and the comment / output as they were
        lines[start : ex.out_close + 1] = head + block
    return fill_numbers("\n".join(lines), path)


def doc_files(root: Path = REPO_ROOT) -> list[Path]:
    """README.md, raw/README.md and every docs/*.md (sorted)."""
    files = [p for p in (root / "README.md", root / "raw" / "README.md") if p.exists()]
    return files + sorted((root / "docs").glob("*.md"))


# -------------------------------------------------------------------- scratch warehouses
@contextmanager
def _env(**values: str) -> Iterator[None]:
    saved = dict(os.environ)
    try:
        for name in [n for n in os.environ if n.startswith("SEC_") or n == "DAGSTER_HOME"]:
            del os.environ[name]
        os.environ.update(values)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def build_warehouse(raw: Path, folder: Path) -> Path:
    """Refresh ``folder/warehouse.duckdb`` from a copy of ``raw`` (SEC connector off)."""
    from pipelines import settings
    from pipelines.refresh import failure_messages, run_refresh

    folder.mkdir(parents=True, exist_ok=True)
    raw_copy = folder / "raw"
    shutil.rmtree(raw_copy, ignore_errors=True)
    shutil.copytree(raw, raw_copy, ignore=shutil.ignore_patterns("sec", "README.md"))
    warehouse = folder / "warehouse.duckdb"
    values = {settings.RAW_DIR_ENV: str(raw_copy), settings.WAREHOUSE_ENV: str(warehouse)}
    with _env(**values):
        result = run_refresh(log_level="ERROR")
    if not result.success:
        raise DocsExampleError(
            f"refresh from {raw} failed:\n" + "\n".join(failure_messages(result))
        )
    return warehouse


def update_doc_images(drawn: Path) -> list[str]:
    """Copy the charts a scratch refresh of the shipped ``raw/`` drew (``drawn``) into
    ``docs/images/``, the pictures the docs show; only ``make docs`` does this, never a
    refresh. Returns what changed."""
    from pipelines.reports.charts import DOCS_IMAGES_DIR, write_if_changed
    from pipelines.reports.lineage_picture import lineage_png

    changed = []
    pictures = {chart.name: chart.read_bytes() for chart in sorted(drawn.glob("*.png"))}
    pictures["lineage.png"] = lineage_png()  # the asset graph, drawn from the definitions
    for name, data in pictures.items():
        if write_if_changed(DOCS_IMAGES_DIR / name, data):
            changed.append(f"updated {DOCS_IMAGES_DIR.relative_to(REPO_ROOT) / name}")
    return changed


# ---------------------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="show drift and exit 1; write nothing")
    parser.add_argument("--only", choices=KINDS, help="only fixture or only shipped examples")
    parser.add_argument("--fixture-warehouse", type=Path, help="use this warehouse (fixture)")
    parser.add_argument("--shipped-warehouse", type=Path, help="use this warehouse (shipped)")
    parser.add_argument(
        "files", nargs="*", type=Path, help="default: README.md, raw/README.md, docs/*.md"
    )
    args = parser.parse_args(argv)
    files = [f.resolve() for f in args.files] or doc_files()
    kinds = [args.only] if args.only else list(KINDS)

    texts = {f: f.read_text(encoding="utf-8") for f in files}
    problems = [p for f, t in texts.items() for p in parse(t, f)[1]]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    wanted = {ex.kind for t in texts.values() for ex in parse(t, Path())[0]}
    warehouses: dict[str, Path] = {}
    for kind in kinds:
        if kind not in wanted:
            continue
        given = args.fixture_warehouse if kind == "fixture" else args.shipped_warehouse
        if given:
            warehouses[kind] = given.resolve()
        else:
            raw = FIXTURE_RAW if kind == "fixture" else SHIPPED_RAW
            print(f"refreshing a scratch warehouse from {raw.relative_to(REPO_ROOT)}/ ...")
            warehouses[kind] = build_warehouse(raw, SCRATCH / kind)
    digest = raw_digest(SHIPPED_RAW)
    if "shipped" in warehouses and not args.check and not args.shipped_warehouse:
        for line in update_doc_images(warehouses["shipped"].parent / "reports"):
            print(line)

    drift = 0
    for path, text in texts.items():
        try:
            new = regenerate(text, path, warehouses, digest)
        except DocsExampleError as error:
            print(error, file=sys.stderr)
            return 1
        if new == text:
            continue
        shown = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
        if args.check:
            drift += 1
            sys.stdout.writelines(
                difflib.unified_diff(
                    text.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    f"{shown} (as committed)",
                    f"{shown} (as the queries give it)",
                )
            )
        else:
            path.write_text(new, encoding="utf-8")
            print(f"updated {shown}")
    count = sum(len(parse(t, p)[0]) for p, t in texts.items())
    if args.check and drift:
        print(
            f"\n{drift} file(s) differ from what their example queries give: run `make docs` "
            "and commit the result.",
            file=sys.stderr,
        )
        return 1
    print(f"{count} example(s) in {len(files)} file(s) {'checked' if args.check else 'up to date'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
