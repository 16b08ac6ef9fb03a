"""One Dagster asset per raw dataset: validate the CSV, then replace its table.

A file that fails validation never replaces the previous table: the asset records every
problem in ``quarantine.rejected_rows`` (the history, one row per problem with the run that
found it), reports a failed asset check with the problems in its metadata, and fails with a
message listing them all. ``quarantine.current_rejections`` shows only the rejections of the
latest run that read each file, so a fixed file stops being reported.
"""

import hashlib

import dagster as dg
import duckdb
from dagster import AssetExecutionContext

from pipelines import settings
from pipelines.metadata import OWNERS, column_schema, markdown_preview, table_doc
from pipelines.raw.datasets import DATASETS, RawDataset
from pipelines.raw.files import read_regular
from pipelines.raw.reference import companies_in_scope, company_rules, known_groups
from pipelines.raw.validation import Problem, problems_frame, validate_file
from pipelines.warehouse import WarehouseResource
from pipelines.warehouse.tables import read_table, write_table

MAX_PROBLEMS_IN_MESSAGE = 200


def check_name(dataset: RawDataset) -> str:
    return f"{dataset.name}_file_is_valid"


def _companies_from_warehouse(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    frame = read_table(con, "raw.companies")
    if frame.is_empty() or "fiscal_calendar" not in frame.columns:
        return dict(company_rules())
    return dict(zip(frame["ticker"].to_list(), frame["fiscal_calendar"].to_list(), strict=True))


def _groups_from_warehouse(con: duckdb.DuckDBPyConnection) -> frozenset[str] | None:
    frame = read_table(con, "raw.groups")
    if frame.is_empty() or "group_name" not in frame.columns:
        return known_groups()
    return frozenset(frame["group_name"].to_list())


def _problem_table(problems: list[Problem]) -> str:
    lines = ["| row | column | value | rule |", "| --- | --- | --- | --- |"]
    for p in problems[:MAX_PROBLEMS_IN_MESSAGE]:
        value = "" if p.value is None else str(p.value).replace("|", "\\|")[:60]
        lines.append(f"| {p.row or ''} | {p.column or ''} | {value} | {p.rule} |")
    return "\n".join(lines)


def build_raw_asset(dataset: RawDataset) -> dg.AssetsDefinition:
    key = dg.AssetKey(["raw", dataset.name])
    doc = table_doc(dataset.model)
    check = dg.AssetCheckSpec(
        check_name(dataset),
        asset=key,
        description=f"raw/{dataset.filename} passes {dataset.model.__name__}: types, enumerations, "
        "ranges, unique key and cross-field rules. Failure lists every problem.",
    )

    @dg.asset(
        key=key,
        group_name="raw",
        description=f"{doc.description}\n\nLoaded from `raw/{dataset.filename}`, validated by "
        f"`{dataset.model.__name__}`.",
        kinds={"pandera", "polars", "duckdb", "csv"},
        owners=OWNERS,
        tags={"domain": dataset.domain, "layer": "raw"},
        metadata={
            "dagster/column_schema": column_schema(dataset.model),
            "dagster/table_name": dataset.table,
            "source_file": f"raw/{dataset.filename}",
            "pandera_model": f"pipelines.raw.models.{dataset.model.__name__}",
        },
        deps=[dg.AssetKey(["raw", name]) for name in dataset.needs] or None,
        check_specs=[check],
    )
    def _raw_asset(context: AssetExecutionContext, warehouse: WarehouseResource):  # type: ignore[no-untyped-def]
        path = settings.raw_dir() / dataset.filename
        needs = dataset.needs
        with warehouse.connect() as con:
            rules = _companies_from_warehouse(con) if "companies" in needs else company_rules()
            groups = _groups_from_warehouse(con) if "groups" in needs else known_groups()
            with companies_in_scope(rules, groups):
                result = validate_file(path, dataset.model)
            if not result.ok:
                rejected = problems_frame(result.problems, dataset.name, context.run.run_id)
                con.register("__rejected", rejected.to_arrow())
                con.execute("INSERT INTO quarantine.rejected_rows SELECT * FROM __rejected")
                con.unregister("__rejected")
                summary = "\n".join(f"  - {p}" for p in result.problems[:MAX_PROBLEMS_IN_MESSAGE])
                yield dg.AssetCheckResult(
                    check_name=check.name,
                    passed=False,
                    severity=dg.AssetCheckSeverity.ERROR,
                    metadata={
                        "file": str(path),
                        "problem_count": len(result.problems),
                        "problems": dg.MetadataValue.md(_problem_table(result.problems)),
                    },
                )
                count = len(result.problems)
                raise dg.Failure(
                    description=f"raw/{dataset.filename} rejected: {count} problem(s); "
                    f"table {dataset.table} keeps its previous contents; rejected rows are in "
                    "quarantine.current_rejections (history of every run: "
                    f"quarantine.rejected_rows).\n{summary}",
                    metadata={"problem_count": len(result.problems)},
                )
            frame = result.frame
            assert frame is not None
            frame = frame.sort(list(dataset.sort_by), nulls_last=True, maintain_order=True)
            rows = write_table(con, dataset.table, frame, doc)
        digest = hashlib.sha256(read_regular(path)).hexdigest()
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "dagster/row_count": rows,
                "file_sha256": digest,
                "preview": dg.MetadataValue.md(markdown_preview(frame)),
            },
            data_version=dg.DataVersion(digest[:16]),
            check_results=[
                dg.AssetCheckResult(
                    check_name=check.name, passed=True, metadata={"rows": rows, "file": str(path)}
                )
            ],
        )

    return _raw_asset


RAW_ASSETS: list[dg.AssetsDefinition] = [build_raw_asset(d) for d in DATASETS]
