"""Running a contract's data tests: each is SQL returning the offending rows (none = pass)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipelines.sqlmodels.contract import Contract, DataTest

#: Offending rows shown with a failed test.
SHOWN_ROWS = 10


@dataclass(frozen=True)
class TestOutcome:
    test: DataTest
    failing_rows: int
    sample: str  # the first offending rows as text, one per line

    @property
    def passed(self) -> bool:
        return self.failing_rows == 0

    @property
    def blocking(self) -> bool:
        return self.test.blocking


def run_test(con: duckdb.DuckDBPyConnection, test: DataTest) -> TestOutcome:
    sql = test.sql.strip().rstrip(";")
    count = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()
    failing = int(count[0]) if count else 0
    sample = ""
    if failing:
        cursor = con.execute(f"SELECT * FROM ({sql}) LIMIT {SHOWN_ROWS}")
        names = [d[0] for d in cursor.description or []]
        lines = [
            ", ".join(f"{n}={v}" for n, v in zip(names, row, strict=True))
            for row in cursor.fetchall()
        ]
        sample = "\n".join(lines)
    return TestOutcome(test, failing, sample)


def run_tests(con: duckdb.DuckDBPyConnection, contract: Contract) -> list[TestOutcome]:
    """Every data test of ``contract``, on the table as built."""
    return [run_test(con, test) for test in contract.tests]
