"""The SQL-model machinery: contracts load, the builder enforces them, dependencies and
column lineage come from the SQL, and a model runs on given rows in milliseconds."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import SQL_DIR
from pipelines.sqlmodels.build import build_model
from pipelines.sqlmodels.contract import ContractError, build_order, load_contract, load_contracts
from pipelines.sqlmodels.lineage import model_lineage
from tests.sqlmodel import TODAY, run_model


def test_every_contract_loads_and_orders() -> None:
    contracts = load_contracts(SQL_DIR, require_sql=False)
    assert "staging.vintages" in contracts
    order = build_order(contracts, {})
    assert sorted(order) == sorted(contracts)


def test_vintages_are_today_claim_dates_and_statement_dates() -> None:
    rows = run_model(
        "staging.vintages",
        {
            "raw.claims": [{"publish_date": "2025-09-05 08:00"}, {"publish_date": "2025-09-05"}],
            "raw.capex_guidance": [
                {"given_on": dt.date(2025, 7, 30)},
                {"given_before": dt.date(2025, 4, 25), "reported_on": dt.date(2025, 8, 1)},
                {"reported_on": dt.date(2025, 2, 1)},
            ],
        },
    )
    assert sorted(r["as_of"] for r in rows) == [
        dt.date(2025, 2, 1),
        dt.date(2025, 4, 24),  # the day before a statement known only as "given before"
        dt.date(2025, 7, 30),
        dt.date(2025, 9, 5),
        TODAY,
    ]


def _contract(tmp_path: Path, sql: str, yml: str):  # type: ignore[no-untyped-def]
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "t.sql").write_text(sql)
    (folder / "t.yml").write_text(yml)
    return load_contract(folder / "t.yml")


CONTRACT = """
name: demo.t
description: A demo table.
unique_key: [k]
columns:
  - {name: k, type: VARCHAR, description: key}
  - {name: v, type: DOUBLE, nullable: true, min: 0, description: value}
tests:
  - name: v_below_ten
    severity: warn
    description: every v is below 10
    sql: SELECT * FROM demo.t WHERE v >= 10
"""


def test_builder_writes_table_with_comments(tmp_path: Path) -> None:
    contract = _contract(tmp_path, "SELECT 'a' AS k, 1.5::DOUBLE AS v", CONTRACT)
    con = duckdb.connect()
    assert build_model(con, contract) == 1
    assert con.execute("SELECT * FROM demo.t").fetchall() == [("a", 1.5)]
    comment = con.execute(
        "SELECT comment FROM duckdb_columns() WHERE table_name = 't' AND column_name = 'v'"
    ).fetchone()
    assert comment == ("value",)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT 'a' AS k, 1 AS v", "SQL gives v INTEGER"),
        ("SELECT 'a' AS k", "contract has v DOUBLE"),
        ("SELECT NULL::VARCHAR AS k, 1.0::DOUBLE AS v", "column k: 1 row(s) is NULL"),
        ("SELECT 'a' AS k, -1.0::DOUBLE AS v", "below the minimum 0"),
        ("SELECT 'a' AS k, 'inf'::DOUBLE AS v", "not a finite number"),
        (
            "SELECT * FROM (VALUES ('a', 1.0::DOUBLE), ('a', 2.0)) t(k, v)",
            "unique key (k): 1 key(s) occur more than once",
        ),
    ],
)
def test_builder_refuses_a_broken_contract_and_writes_nothing(
    tmp_path: Path, sql: str, message: str
) -> None:
    contract = _contract(tmp_path, sql, CONTRACT)
    con = duckdb.connect()
    with pytest.raises(ContractError, match=re.escape(message)):
        build_model(con, contract)
    assert con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 't'"
    ).fetchone() == (0,)


def test_contract_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="t.yml: name must be 'demo.t'"):
        _contract(tmp_path, "SELECT 1", CONTRACT.replace("demo.t", "other.t", 1))


def test_lineage_comes_from_the_sql(tmp_path: Path) -> None:
    contract = _contract(
        tmp_path,
        "SELECT f.ticker AS k, sum(f.value) AS v FROM raw.financials AS f "
        "WHERE f.metric = 'capex' GROUP BY f.ticker",
        CONTRACT,
    )
    lineage = model_lineage(contract, {"raw.financials": ["ticker", "value", "metric"]})
    assert lineage is not None
    deps = {c: {d.column_name for d in ds} for c, ds in lineage.deps_by_column.items()}
    assert deps["k"] == {"ticker"}
    assert "value" in deps["v"]


def test_no_macro_shadows_a_built_in_function() -> None:
    """`ledger` refuses a warehouse whose macros are named like DuckDB's own functions (they
    would change what a query means): the models' macros must never be."""
    import re as regex

    con = duckdb.connect()
    built_in = {
        name
        for (name,) in con.execute(
            "SELECT DISTINCT function_name FROM duckdb_functions() WHERE internal"
        ).fetchall()
    }
    ours = [
        match
        for path in sorted((SQL_DIR / "macros").glob("*.sql"))
        for match in regex.findall(r"CREATE OR REPLACE MACRO (\w+)", path.read_text())
    ]
    assert len(ours) > 10
    assert sorted(set(ours) & built_in) == []
