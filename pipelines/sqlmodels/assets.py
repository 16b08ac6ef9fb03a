"""Dagster assets generated from the SQL models: one asset per contract, its data tests as
asset checks of the same step (``error`` tests block), its column schema, description,
dependencies and column lineage all read from the contract and the SQL — nothing written
twice. No ``from __future__ import annotations`` here: Dagster inspects the annotations."""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from pipelines import settings as paths
from pipelines.ledger_settings import LedgerSettings
from pipelines.metadata import OWNERS, markdown_preview
from pipelines.sqlmodels.build import build_model
from pipelines.sqlmodels.checks import run_tests
from pipelines.sqlmodels.contract import Contract, asof_owners, load_contracts, references
from pipelines.sqlmodels.lineage import model_lineage
from pipelines.warehouse import WarehouseResource

#: Schemas written by the ingestion assets (raw files) and the Python models of other domains.
GROUP_OF_SCHEMA = {"meta": "coverage", "staging": "staging"}


def key_of(name: str) -> dg.AssetKey:
    return dg.AssetKey(name.split(".", 1))


def column_schema(contract: Contract) -> dg.TableSchema:
    """``dagster/column_schema`` of a contract: types, descriptions, NULL and value rules."""
    columns = []
    for c in contract.columns:
        other = []
        if c.accepted_values is not None:
            other.append(f"one of {list(c.accepted_values)}")
        if c.regex:
            other.append(f"matches {c.regex}")
        if c.min is not None:
            other.append(f">= {c.min}")
        if c.max is not None:
            other.append(f"<= {c.max}")
        if c.greater_than is not None:
            other.append(f"> {c.greater_than}")
        if c.less_than is not None:
            other.append(f"< {c.less_than}")
        if c.name in contract.unique_key:
            other.append(f"part of unique key ({', '.join(contract.unique_key)})")
        columns.append(
            dg.TableColumn(
                name=c.name,
                type=c.type,
                description=c.description,
                constraints=dg.TableColumnConstraints(
                    nullable=c.nullable, unique=c.unique, other=other
                ),
            )
        )
    return dg.TableSchema(columns=columns)


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(paths.REPO_ROOT))
    except ValueError:
        return str(path)


def model_asset(contract: Contract, known: set[str]) -> dg.AssetsDefinition:
    """The asset of one model; ``known``: every table an asset writes (its upstream)."""
    key = key_of(contract.name)
    deps = [key_of(n) for n in references(contract, known)]
    model_of_table = asof_owners(known)
    check_specs = [
        dg.AssetCheckSpec(
            name=test.name,
            asset=key,
            description=test.description or None,
            blocking=test.blocking,
        )
        for test in contract.tests
    ]
    source = f"python: {contract.python}" if contract.python else _relative(contract.sql_path)

    @dg.asset(
        key=key,
        group_name=contract.group or GROUP_OF_SCHEMA.get(contract.schema, contract.schema),
        deps=deps,
        description=contract.description,
        kinds={"duckdb", "python" if contract.python else "sql"},
        owners=OWNERS,
        tags={"domain": contract.schema, "layer": "model"},
        metadata={
            "dagster/column_schema": column_schema(contract),
            "dagster/table_name": contract.name,
            "model": source,
            "contract": _relative(contract.path),
            **({"point_in_time": f"as_of.{contract.table}"} if contract.point_in_time else {}),
        },
        check_specs=check_specs or None,
    )
    def _model(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: LedgerSettings
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        with warehouse.connect() as con:
            rows = build_model(con, contract, settings.sql_variables(), settings)
            outcomes = run_tests(con, contract)
            preview = con.execute(f"SELECT * FROM {contract.name} LIMIT 10").pl()
            upstream = {
                n: [c for c, *_ in con.execute(f"DESCRIBE {n}").fetchall()]
                for n in references(contract, _tables(con))
            }
        context.log.info(f"{contract.name}: {rows} rows")
        metadata: dict[str, object] = {
            "dagster/row_count": rows,
            "preview": dg.MetadataValue.md(markdown_preview(preview)),
        }
        lineage = model_lineage(contract, upstream, model_of_table)
        if lineage is not None:
            metadata["dagster/column_lineage"] = lineage
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
        for outcome in outcomes:
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=outcome.test.name,
                passed=outcome.passed,
                severity=dg.AssetCheckSeverity.ERROR
                if outcome.test.severity == "error"
                else dg.AssetCheckSeverity.WARN,
                metadata={
                    "failing_rows": outcome.failing_rows,
                    **(
                        {"first_failing_rows": dg.MetadataValue.md(outcome.sample)}
                        if outcome.sample
                        else {}
                    ),
                },
            )

    return _model


def _tables(con) -> set[str]:  # type: ignore[no-untyped-def]
    return {
        f"{s}.{t}"
        for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
    }


def sql_model_assets(
    other_tables: set[str], sql_dir: Path = paths.SQL_DIR
) -> list[dg.AssetsDefinition]:
    """One asset per contract in ``sql_dir`` that has its SQL (or Python) model;
    ``other_tables``: the tables the other assets write (raw files, Python models)."""
    contracts = {n: c for n, c in load_contracts(sql_dir, require_sql=False).items() if c.has_model}
    known = set(contracts) | other_tables
    return [model_asset(c, known) for c in contracts.values()]
