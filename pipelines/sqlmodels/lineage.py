"""Column lineage of a SQL model, derived from its SQL with sqlglot (never hand-written).

For each output column, the columns of upstream tables it is computed from (its value, and
what filters or joins decide it, as sqlglot's lineage walk sees them). ``as_of.<table>`` counts
as the asset of ``<table>``'s model. Parsing costs tens of milliseconds per model, so the
result is cached by the hash of the SQL and the upstream columns.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import dagster as dg

from pipelines.sqlmodels.contract import ASOF_SCHEMA, Contract


def _asset_of(table: str, model_of_table: Mapping[str, str]) -> dg.AssetKey:
    schema, name = table.split(".", 1)
    if schema == ASOF_SCHEMA and name in model_of_table:
        return dg.AssetKey(model_of_table[name].split(".", 1))
    return dg.AssetKey([schema, name])


#: Lineage already derived, by the hash of its inputs (the first walk of a model costs up to
#: seconds; the SQL rarely changes between refreshes). Not tracked by git.
CACHE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "lineage"


def _column_sources(sql: str, upstream_json: str, outputs: tuple[str, ...]) -> str:
    from importlib.metadata import version  # sqlglot itself is imported only on a miss

    digest = sql_digest("\x00".join([version("sqlglot"), sql, upstream_json, *outputs]))
    cached = CACHE_DIR / f"{digest}.json"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    try:
        text = _walk(sql, upstream_json, outputs)
    except Exception as error:  # noqa: BLE001 - remembered too: the walk is as slow to fail
        text = json.dumps({"__error__": f"{type(error).__name__}: {error}"[:500]})
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, cached)
    except OSError:  # a read-only checkout: no cache, same result
        pass
    return text


@lru_cache(maxsize=256)
def _walk(sql: str, upstream_json: str, outputs: tuple[str, ...]) -> str:
    import sqlglot
    from sqlglot import exp
    from sqlglot.lineage import lineage
    from sqlglot.optimizer.qualify import qualify

    upstream: dict[str, list[str]] = json.loads(upstream_json)
    schema: dict[str, dict[str, dict[str, str]]] = {}
    for table, columns in upstream.items():
        s, t = table.split(".", 1)
        schema.setdefault(s, {})[t] = {c: "VARCHAR" for c in columns}
    tree = sqlglot.parse_one(sql, dialect="duckdb")
    tree = qualify(tree, schema=schema, dialect="duckdb", validate_qualify_columns=False)
    nodes = lineage(None, tree, schema=schema, dialect="duckdb", copy=False)  # every column
    result: dict[str, list[list[str]]] = {}
    for column in outputs:
        node = nodes.get(column) if isinstance(nodes, dict) else None
        if node is None:
            continue
        sources: list[list[str]] = []
        for leaf in node.walk():
            if leaf.downstream:
                continue
            source = leaf.expression
            if isinstance(source, exp.Table):
                table = f"{source.db}.{source.name}" if source.db else source.name
                col = leaf.name.split(".")[-1].strip('"')
                pair = [table, col]
                if table in upstream and col in upstream[table] and pair not in sources:
                    sources.append(pair)
        result[column] = sources
    return json.dumps(result)


def model_lineage(
    contract: Contract,
    upstream: Mapping[str, Sequence[str]],
    model_of_table: Mapping[str, str] | None = None,
) -> dg.TableColumnLineage | None:
    """``dagster/column_lineage`` of a SQL model whose upstream tables have ``upstream``
    columns; None for a Python model or SQL sqlglot cannot read."""
    sql = contract.sql()
    if sql is None:
        return None
    outputs = tuple(
        (["as_of"] if contract.point_in_time else []) + [c.name for c in contract.columns]
    )
    try:
        found = json.loads(
            _column_sources(
                sql, json.dumps({k: list(v) for k, v in sorted(upstream.items())}), outputs
            )
        )
    except Exception:  # noqa: BLE001 - lineage is metadata: never fail a build for it
        return None
    if "__error__" in found:  # SQL sqlglot cannot follow: no column lineage
        return None
    tables = model_of_table or {}
    deps: dict[str, list[dg.TableColumnDep]] = {}
    for column in outputs[1:] if contract.point_in_time else outputs:
        deps[column] = [
            dg.TableColumnDep(asset_key=_asset_of(t, tables), column_name=c)
            for t, c in found.get(column, [])
        ]
    return dg.TableColumnLineage(deps_by_column=deps)


def sql_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
