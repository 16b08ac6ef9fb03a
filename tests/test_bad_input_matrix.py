"""The bad-input matrix: every raw file, broken in every way we know.

Each case breaks one file of a private copy of ``raw/`` and runs the validation the raw
asset runs (:func:`validate_file` with the companies and groups in scope; no Dagster run per
case), then asserts that

- the problem names file, row, column, value and rule (file-level problems: file and rule; a
  CSV row: file, row, value and rule), exactly as the refresh's failure message prints it,
- the problem becomes a quarantine row with the same row, column and value,
- a file that is only unusual (UTF-8 BOM, CRLF line ends) is accepted.

What the write path does with a rejection (the failed refresh keeps every published table
byte-identical, the rows land in ``quarantine.current_rejections``) is the same for every case,
so :func:`test_through_the_real_refresh` runs it end to end for a few representative cases.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from pipelines import settings
from pipelines.raw.datasets import DATASETS, RawDataset
from pipelines.raw.reference import companies_in_scope, company_rules, known_groups
from pipelines.raw.validation import ValidationResult, problems_frame, validate_file
from pipelines.refresh import failure_messages
from tests.conftest import REPO_RAW

Row = dict[str, str]


@dataclass(frozen=True)
class Expect:
    row: int | None  # line in the file, header = 1
    column: str | None
    value: str | None


@dataclass(frozen=True)
class Case:
    id: str
    file: str
    edit: Callable[[Path], Expect | None]  # breaks the file; None = the file stays acceptable
    rule: str | None  # a part of the rule text; None = the file must be accepted


# ------------------------------------------------------------------ file helpers
def read(path: Path) -> tuple[list[str], list[Row]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write(path: Path, header: list[str], rows: list[Row]) -> list[int]:
    """Write the rows; the line number each row starts on (counted here, independently of the
    validator)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    lines, line = [], 2
    for row in rows:
        start = out.tell()
        writer.writerow([row.get(h, "") for h in header])
        lines.append(line)
        line += out.getvalue()[start:].count("\n")
    path.write_text(out.getvalue(), encoding="utf-8")
    return lines


def _pick(rows: list[Row], where: Callable[[Row], bool] | None) -> int:
    hits = [i for i, r in enumerate(rows) if where is None or where(r)]
    assert hits, "no row matches"
    return hits[0]


def cell(
    column: str,
    value: str,
    where: Callable[[Row], bool] | None = None,
    reported: tuple[str, str] | None = None,
) -> Callable[[Path], Expect]:
    """Set ``column`` of the first row matching ``where``; the problem names that cell, or
    the ``reported`` (column, value) when a rule about two cells reports the other one."""

    def edit(path: Path) -> Expect:
        header, rows = read(path)
        index = _pick(rows, where)
        rows[index][column] = value
        line = write(path, header, rows)[index]
        return Expect(line, *(reported or (column, value)))

    return edit


def duplicate(column: str | None) -> Callable[[Path], Expect]:
    """Append a copy of the first row: its key is now twice in the file. A one-column key
    names its ``column``; a composite key (``None``) names no column and gives the values of
    the model's key columns."""

    def edit(path: Path) -> Expect:
        header, rows = read(path)
        rows.append(dict(rows[0]))
        if column:
            value = rows[0][column]
        else:
            model = next(d.model for d in DATASETS if d.filename == path.name)
            value = ", ".join(rows[0][k] for k in model.to_schema().unique or [])
        return Expect(write(path, header, rows)[-1], column, value)

    return edit


def extra_field(path: Path) -> Expect:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] += ",surplus"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Expect(2, None, ",".join(next(csv.reader([lines[1]])))[:200])


def drop_column(column: str) -> Callable[[Path], Expect]:
    def edit(path: Path) -> Expect:
        header, rows = read(path)
        write(path, [h for h in header if h != column], rows)
        return Expect(1, column, None)

    return edit


def add_column(column: str) -> Callable[[Path], Expect]:
    def edit(path: Path) -> Expect:
        header, rows = read(path)
        write(path, [*header, column], rows)
        return Expect(1, column, None)

    return edit


def double_header_column(path: Path) -> Expect:
    text = path.read_text(encoding="utf-8")
    header, _, rest = text.partition("\n")
    first = header.split(",")[0]
    lines = [f"{header},{first}"] + [f"{line},x" for line in rest.splitlines() if line]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Expect(1, first, None)


def replace_file(content: bytes | None, expect: Expect) -> Callable[[Path], Expect]:
    def edit(path: Path) -> Expect:
        if content is None:
            path.unlink()
        else:
            path.write_bytes(content)
        return expect

    return edit


def header_only(path: Path) -> Expect:
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    return Expect(None, None, None)


def directory(path: Path) -> Expect:
    path.unlink()
    path.mkdir()
    (path / "inside.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return Expect(None, None, None)


def fifo(path: Path) -> Expect:
    """A FIFO where the file should be: refused at once (before, the refresh blocked in
    ``open()`` while it held the lock). A timer gives a blocked reader an end of file after
    30 s, so a regression fails the case instead of hanging the suite."""
    path.unlink()
    os.mkfifo(path)

    def unblock() -> None:
        try:
            if stat.S_ISFIFO(os.stat(path).st_mode):
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass  # nobody reading it: nothing to unblock

    timer = threading.Timer(30, unblock)
    timer.daemon = True
    timer.start()
    return Expect(None, None, None)


def cut_in_last_quoted_field(path: Path) -> Expect:
    """The file cut in the middle of its last field, a quoted one."""
    header, rows = read(path)
    lines = write(path, header, rows)
    text = path.read_text(encoding="utf-8").rstrip("\n")
    assert text.endswith('"'), "the last field of the file must be quoted"
    path.write_text(text[: -1 - len(rows[-1][header[-1]]) // 2], encoding="utf-8")
    return Expect(lines[-1], None, None)


def group_without_members(path: Path) -> Expect:
    header, rows = read(path)
    rows.append({"group_name": "EMPTY_GROUP", "description": "A group nobody belongs to"})
    return Expect(write(path, header, rows)[-1], "group_name", "EMPTY_GROUP")


def latin1(path: Path) -> Expect:
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b",", b",Caf\xe9 ", 1)
    path.write_bytes(b"\n".join(lines))
    return Expect(4, None, "e9")


def bom(path: Path) -> None:
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())


def crlf(path: Path) -> None:
    _, rows = read(path)
    text = path.read_text(encoding="utf-8")
    assert "\r\n" not in text and rows
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))


def bom_and_crlf(path: Path) -> None:
    crlf(path)
    bom(path)


# ------------------------------------------------------------------ row selectors
def ytd(row: Row) -> bool:
    return row["basis"] == "ytd" and row["value_kind"] == "actual"


def quarter_guidance(row: Row) -> bool:
    return (
        row["value_kind"].startswith("guidance")
        and row["basis"] == "discrete"
        and bool(row["period_end"])
    )


def fy_guidance(row: Row) -> bool:
    return row["value_kind"].startswith("guidance") and row["basis"] == "fy"


def chip(name: str) -> Callable[[Row], bool]:
    return lambda row: row["chip"] == name


def full_year(row: Row) -> bool:
    return row["basis"] == "fy" and bool(row["period_end"])


def quarter(row: Row) -> bool:
    return row["basis"] == "discrete" and bool(row["period_end"])


FINITE = "must be a finite number"
FIN, GUID, ACC, ACS = (
    "financials.csv",
    "capex_guidance.csv",
    "accelerators.csv",
    ("accelerator_sources.csv"),
)
SYS, SYSS, TCO, TCOS = (
    "systems.csv",
    "system_sources.csv",
    "tco_assumptions.csv",
    ("tco_assumption_sources.csv"),
)
COMP, CLAIMS = "companies.csv", "claims.csv"
GROUPS, MEMBERS, NOTES = "groups.csv", "group_members.csv", "coverage_notes.csv"
CONCEPTS = "filing_concepts.csv"

CASES = [
    # financials.csv: types, non-finite numbers, ranges, keys, calendars, blanks
    Case("fin-type", FIN, cell("value", "abc"), "must be a number"),
    Case("fin-inf", FIN, cell("value", "inf"), FINITE),
    Case("fin-minus-inf", FIN, cell("value", "-inf"), FINITE),
    Case("fin-nan", FIN, cell("value", "NaN"), FINITE),
    Case("fin-overflow", FIN, cell("value", "1e309"), FINITE),
    Case("fin-ytd-blank", FIN, cell("value", "", ytd), "value is required"),
    Case("fin-ytd-na", FIN, cell("value", "n/a", ytd), "must be a number"),
    Case("fin-negative", FIN, cell("value", "-1", ytd), "amounts in USD_m must not be negative"),
    Case("fin-huge", FIN, cell("value", "1e30"), "must be between -10000000 and 10000000"),
    Case("fin-unit", FIN, cell("unit", "EUR_m"), "must be one of: "),
    Case("fin-ticker", FIN, cell("ticker", "XXXX"), "ticker must exist in raw.companies"),
    Case("fin-duplicate", FIN, duplicate(None), "duplicate key (ticker, metric, value_kind"),
    Case(
        "fin-guidance-off-calendar",
        FIN,
        cell("period_end", "2024-11-02", quarter_guidance),
        "period_end must match the company's fiscal calendar",
    ),
    Case(
        "fin-guidance-start-after-end",
        FIN,
        cell("period_start", "2030-01-01", quarter_guidance),
        "period_start must not be after period_end",
    ),
    Case(
        "fin-guidance-fy-as-discrete",
        FIN,
        cell("basis", "discrete", fy_guidance, reported=("fiscal_quarter", "")),
        "fiscal_quarter required for discrete/ytd",
    ),
    Case("fin-extra-field", FIN, extra_field, "row has 20 fields, header has 19"),
    Case(
        "fin-published-2999",
        FIN,
        cell("published", "2999-01-01", lambda r: bool(r["published"])),
        "a document cannot be dated in the future",
    ),
    # capex_guidance.csv
    Case("guid-mid-inf", GUID, cell("mid_usd_m", "inf", lambda r: bool(r["mid_usd_m"])), FINITE),
    Case("guid-low-nan", GUID, cell("low_usd_m", "NaN", lambda r: bool(r["low_usd_m"])), FINITE),
    Case(
        "guid-high-overflow",
        GUID,
        cell("high_usd_m", "1e309", lambda r: bool(r["high_usd_m"])),
        FINITE,
    ),
    Case(
        "guid-off-calendar",
        GUID,
        cell("period_end", "2025-12-30", lambda r: r["period_end"] == "2025-12-31"),
        "period_end must be the last day of guided_period on the company's fiscal calendar",
    ),
    Case(
        "guid-start-after-end",
        GUID,
        cell("period_start", "2026-06-01", lambda r: r["basis"] == "fy"),
        "period_start must not be after period_end",
    ),
    Case(
        "guid-start-off-calendar",
        GUID,
        cell("period_start", "2025-01-02", lambda r: r["period_start"] == "2025-01-01"),
        "period_start must be the first day of guided_period",
    ),
    Case(
        "guid-discrete-full-year",
        GUID,
        cell("basis", "discrete", lambda r: r["basis"] == "fy"),
        "basis must be fy for a full-year guided_period",
    ),
    Case(
        "guid-low-above-high",
        GUID,
        cell("low_usd_m", "99999", lambda r: bool(r["low_usd_m"]) and bool(r["high_usd_m"])),
        "guidance low <= mid <= high",
    ),
    Case(
        "guid-given-after-reported",
        GUID,
        cell("given_on", "2030-01-01", lambda r: bool(r["given_on"])),
        "given_on must not be after reported_on",
    ),
    Case(
        "guid-huge",
        GUID,
        cell("mid_usd_m", "1e30", lambda r: bool(r["mid_usd_m"])),
        "must be between 0 and 10000000",
    ),
    Case("guid-title-blank", GUID, cell("source_title", ""), "value is required"),
    Case("guid-header-only", GUID, header_only, "file has a header but no data rows"),
    # accelerators.csv: ranges refuse what would otherwise be dropped from the ranking
    Case(
        "acc-bandwidth-zero",
        ACC,
        cell("hbm_tbps", "0", chip("H100")),
        "must be between 0.01 and 100",
    ),
    Case(
        "acc-bandwidth-huge",
        ACC,
        cell("hbm_tbps", "1e30", chip("H100")),
        "must be between 0.01 and 100",
    ),
    Case(
        "acc-bandwidth-tiny",
        ACC,
        cell("hbm_tbps", "1e-300", chip("H100")),
        "must be between 0.01 and 100",
    ),
    Case("acc-bandwidth-inf", ACC, cell("hbm_tbps", "inf", chip("H100")), FINITE),
    Case("acc-tflops-nan", ACC, cell("bf16_dense_tflops", "NaN", chip("B200")), FINITE),
    Case(
        "acc-tdp-negative", ACC, cell("tdp_w", "-700", chip("H100")), "must be between 10 and 10000"
    ),
    Case("acc-duplicate-chip", ACC, duplicate("chip"), "must be unique"),
    Case("acc-missing-column", ACC, drop_column("tdp_w"), "required column is missing"),
    Case("acc-crlf-accepted", ACC, crlf, None),
    # accelerator_sources.csv
    Case("accs-field", ACS, cell("field", "hbm"), "must be one of: "),
    Case("accs-unknown-chip", ACS, cell("chip", "H800"), "chip must exist in accelerators.csv"),
    Case("accs-quote-blank", ACS, cell("quote", ""), "value is required"),
    Case(
        "accs-date",
        ACS,
        cell("published", "yesterday"),
        "must be a date (YYYY-MM-DD)",
    ),
    Case("accs-directory", ACS, directory, "is a directory, expected a CSV file"),
    # systems.csv
    Case(
        "sys-count-zero",
        SYS,
        cell("chip_count", "0", lambda r: bool(r["chip_count"])),
        "must be between 1 and 1000000",
    ),
    Case("sys-hbm-inf", SYS, cell("stated_total_hbm_tbps", "inf"), FINITE),
    Case(
        "sys-hbm-negative",
        SYS,
        cell("stated_total_hbm_tbps", "-1"),
        "must be between 0.01 and 100000000",
    ),
    Case("sys-unexpected-column", SYS, add_column("price_usd"), "unexpected column"),
    # system_sources.csv
    Case(
        "syss-unknown-system",
        SYSS,
        cell("system", "CloudMatrix 768"),
        "system must exist in systems.csv",
    ),
    Case("syss-field", SYSS, cell("field", "chips"), "must be one of: "),
    Case("syss-missing-file", SYSS, replace_file(None, Expect(None, None, None)), "file not found"),
    # tco_assumptions.csv
    Case("tco-capital-inf", TCO, cell("capital_usd", "inf"), FINITE),
    Case("tco-life-nan", TCO, cell("life_years", "NaN"), FINITE),
    Case("tco-rate-overflow", TCO, cell("cost_of_capital", "1e309"), FINITE),
    Case("tco-pue", TCO, cell("pue", "0.5"), "pue must be >= 1"),
    Case("tco-power-tiny", TCO, cell("it_power_kw", "1e-300"), "must be between 0.01 and 100"),
    Case("tco-unknown-chip", TCO, cell("chip", "Maia 100"), "chip must exist in accelerators.csv"),
    Case("tco-empty-file", TCO, replace_file(b"", Expect(None, None, None)), "file is empty"),
    # tco_assumption_sources.csv
    Case("tcos-kind", TCOS, cell("source_kind", "guess"), "must be one of: "),
    Case("tcos-field", TCOS, cell("field", "pue_ratio"), "must be one of: "),
    Case("tcos-bom-crlf-accepted", TCOS, bom_and_crlf, None),
    # companies.csv
    Case("comp-cik-type", COMP, cell("cik", "abc"), "must be a whole number"),
    Case("comp-ticker", COMP, cell("ticker", "nvda"), "must be 1 to 5 capital letters"),
    Case(
        "comp-calendar-rule",
        COMP,
        cell("fiscal_calendar", "mar31"),
        "fiscal_calendar must be a rule of the vocabulary",
    ),
    Case("comp-duplicate", COMP, duplicate("ticker"), "must be unique"),
    Case("comp-latin1", COMP, latin1, "file is not valid UTF-8"),
    Case("comp-bom-accepted", COMP, bom, None),
    Case("fc-duplicate", CONCEPTS, duplicate(None), "duplicate key (ticker, metric, priority"),
    # groups.csv, group_members.csv, coverage_notes.csv
    Case("grp-name", GROUPS, cell("group_name", "bad name"), "must be capital letters, digits"),
    Case("grp-duplicate", GROUPS, duplicate("group_name"), "must be unique"),
    Case("grp-description-blank", GROUPS, cell("description", ""), "value is required"),
    Case("grp-without-members", GROUPS, group_without_members, "a group needs at least one member"),
    Case(
        "gm-unknown-group",
        MEMBERS,
        cell("group_name", "NO_SUCH_GROUP"),
        "group_name must exist in raw.groups",
    ),
    Case(
        "gm-unknown-ticker", MEMBERS, cell("ticker", "XXXX"), "ticker must exist in raw.companies"
    ),
    Case("gm-duplicate", MEMBERS, duplicate(None), "duplicate key"),
    Case(
        "notes-quarter-format",
        NOTES,
        cell("first_quarter", "2024-Q1"),
        "must be a calendar quarter like 2025Q1",
    ),
    Case(
        "notes-reversed-span",
        NOTES,
        cell("first_quarter", "2030Q1"),
        "first_quarter must not be after last_quarter",
    ),
    Case("notes-unknown-ticker", NOTES, cell("ticker", "XXXX"), "ticker must exist"),
    Case("notes-crlf-accepted", NOTES, crlf, None),
    Case(
        "notes-metric-unknown",
        NOTES,
        cell("metric", "capex_typo"),
        "metric must be a metric of marts.company_quarterly",
    ),
    # filing_concepts.csv
    Case("concepts-unknown-ticker", CONCEPTS, cell("ticker", "XXXX"), "ticker must exist"),
    Case("concepts-sign", CONCEPTS, cell("sign", "2"), "must be one of: "),
    Case("concepts-metric", CONCEPTS, cell("metric", "capex"), "must be one of: "),
    Case("concepts-concept", CONCEPTS, cell("concept", "us-gaap:Revenues"), "without its taxonomy"),
    # claims.csv
    Case("claims-inf", CLAIMS, cell("stated_value", "inf"), FINITE),
    Case("claims-id", CLAIMS, cell("claim_id", "X1"), "must be C and three digits"),
    Case(
        "claims-related",
        CLAIMS,
        cell("related_claim_ids", "C999"),
        "related_claim_ids must name existing claims",
    ),
    Case("claims-double-header", CLAIMS, double_header_column, "column appears twice"),
    Case("claims-crlf-accepted", CLAIMS, crlf, None),
    Case("claims-fifo", CLAIMS, fifo, "is a FIFO (named pipe), not a regular file"),
    Case("claims-cut-in-quote", CLAIMS, cut_in_last_quoted_field, "ends inside a quoted field"),
]


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def matrix_raw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private copy of the raw snapshot; the environment points at it."""
    raw = tmp_path_factory.mktemp("matrix") / "raw"
    shutil.copytree(REPO_RAW, raw, ignore=shutil.ignore_patterns("sec"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(settings.RAW_DIR_ENV, str(raw))
        yield raw


@pytest.fixture(scope="module")
def warehouse(
    matrix_raw: Path, refreshed_warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Path, list[tuple[str, int, str]]]]:
    """(raw folder, warehouse file, its tables' hashes) for the end-to-end cases: a copy of
    the session's golden warehouse, refreshed from the same raw snapshot."""
    path = tmp_path_factory.mktemp("matrix-warehouse") / "warehouse.duckdb"
    shutil.copyfile(refreshed_warehouse, path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(settings.WAREHOUSE_ENV, str(path))
        mp.delenv("DAGSTER_HOME", raising=False)
        for name in [n for n in os.environ if n.startswith("SEC_")]:
            mp.delenv(name, raising=False)
        yield matrix_raw, path, tables(path)


@pytest.fixture(scope="module")
def refresh() -> Iterator[Callable[[str], dg.ExecuteInProcessResult]]:
    """``refresh(dataset)``: the refresh job for ``raw/<dataset>`` only, as ``ledger refresh
    raw/<dataset>`` runs it, on one ephemeral Dagster instance shared by the module."""
    from pipelines.definitions import defs

    job = defs.resolve_job_def("refresh_warehouse")
    config = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
    with dg.DagsterInstance.ephemeral() as instance:
        yield lambda dataset: job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            asset_selection=[dg.AssetKey(["raw", dataset])],
            run_config=config,
        )


def tables(path: Path) -> list[tuple[str, int, str]]:
    """(table, rows, md5 of its rows as sorted text) of every published table and view, in
    one query."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            "WHERE schema_name NOT IN ('meta', 'quarantine') UNION ALL "
            "SELECT schema_name || '.' || view_name FROM duckdb_views() WHERE NOT internal "
            "AND schema_name NOT IN ('meta', 'quarantine') ORDER BY 1"
        ).fetchall()
        assert len(names) > 20
        sql = " UNION ALL ".join(
            f"SELECT '{name}', count(*), md5(coalesce(string_agg(CAST(t AS VARCHAR), chr(10) "
            f"ORDER BY CAST(t AS VARCHAR)), '')) FROM {name} AS t"
            for (name,) in names
        )
        return sorted(con.execute(sql).fetchall())


def current_rejections(path: Path, dataset: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            'SELECT row_number, "column", value FROM quarantine.current_rejections '
            "WHERE dataset = ? ORDER BY ALL",
            [dataset],
        ).fetchall()


def expected_line(path: Path, expect: Expect, rule: str) -> str:
    """A regular expression for the problem's line in the failure message."""
    where = re.escape(str(path))
    if expect.row is not None:
        where += rf", row {expect.row}( \([^)]*\))?"
    if expect.column is not None:
        where += rf", column '{re.escape(expect.column)}'"
    if expect.value is not None:
        where += rf", value '{re.escape(expect.value)}'"
    return where + rf": [^\n]*{re.escape(rule)}"


# -------------------------------------------------------------------------- test
def test_the_matrix_covers_every_raw_file_and_enough_cases() -> None:
    assert {c.file for c in CASES} == {d.filename for d in DATASETS}
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


@contextmanager
def broken(target: Path, case: Case) -> Iterator[Expect | None]:
    """The case's file broken for the duration of the block, then restored."""
    original = target.read_bytes()
    try:
        yield case.edit(target)
    finally:
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.is_symlink() or (target.exists() and not target.is_file()):
            target.unlink()  # a FIFO: writing to it would block
        target.write_bytes(original)


def validate(dataset: RawDataset, path: Path) -> ValidationResult:
    """What the raw asset runs on its file (pipelines/raw/assets.py), without Dagster."""
    with companies_in_scope(company_rules(), known_groups()):
        return validate_file(path, dataset.model)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input(case: Case, matrix_raw: Path) -> None:
    dataset = next(d for d in DATASETS if d.filename == case.file)
    target = matrix_raw / case.file
    with broken(target, case) as expect:
        result = validate(dataset, target)
    if case.rule is None:
        assert result.ok, [str(p) for p in result.problems]
        return
    assert not result.ok
    assert expect is not None
    message = "\n".join(str(p) for p in result.problems)
    assert re.search(expected_line(target, expect, case.rule), message), message
    quarantined = problems_frame(result.problems, dataset.name, "run").select(
        "row_number", "column", "value"
    )
    assert (expect.row, expect.column, expect.value) in quarantined.rows()


#: One rejected cell, one file-level rejection, one accepted unusual file: through the real
#: refresh of the file's asset (build copy, validation, reject, carry-over of the quarantine).
END_TO_END = ["fin-type", "accs-directory", "tcos-bom-crlf-accepted"]


@pytest.mark.parametrize("case", [c for c in CASES if c.id in END_TO_END], ids=lambda c: c.id)
def test_through_the_real_refresh(
    case: Case, warehouse: tuple[Path, Path, list], refresh: Callable[[str], Any]
) -> None:
    raw, path, published = warehouse
    dataset = next(d.name for d in DATASETS if d.filename == case.file)
    target = raw / case.file
    with broken(target, case) as expect:
        result = refresh(dataset)
    assert tables(path) == published  # every published table byte-identical (content hashes)
    if case.rule is None:
        assert result.success, failure_messages(result)
        assert current_rejections(path, dataset) == []
        return
    assert not result.success
    assert expect is not None
    message = "\n".join(failure_messages(result))
    assert f"raw/{case.file} rejected" in message
    assert re.search(expected_line(target, expect, case.rule), message), message
    assert (expect.row, expect.column, expect.value) in current_rejections(path, dataset)


def test_the_end_to_end_cases_exist() -> None:
    assert {c.id for c in CASES} >= set(END_TO_END)


def test_the_docs_name_every_case() -> None:
    doc = (settings.REPO_ROOT / "docs" / "reliability-inputs.md").read_text(encoding="utf-8")
    missing = [c.id for c in CASES if f"`{c.id}`" not in doc]
    assert missing == []
    assert re.search(rf"broken in\s+{len(CASES)} ways", doc)
