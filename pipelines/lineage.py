"""Column lineage helpers: build ``dagster/column_lineage`` from a plain dict, and check it.

Example, in an asset that writes ``marts.capex_quarterly``::

    from pipelines.lineage import column_lineage

    FIN, COMP = "raw/financials", "raw/companies"
    lineage = column_lineage({
        "ticker": [(FIN, "ticker")],
        "capex_usd_m": [(FIN, "value"), (FIN, "metric"), (FIN, "basis")],
        "calendar_quarter": [(FIN, "period_end"), (COMP, "fiscal_calendar")],
    })
    yield dg.MaterializeResult(metadata={"dagster/column_lineage": lineage, ...})

Asset keys may be given as ``"raw/financials"``, ``["raw", "financials"]`` or ``dg.AssetKey``.
Give every column of the table an entry; a column that comes from no upstream column (a
constant, a run-config value, a generated id) gets an empty list, which says so explicitly.
``lineage_problems`` is what the test suite checks every marts and TCO table against.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import dagster as dg

AssetRef = str | Sequence[str] | dg.AssetKey
ColumnRef = tuple[AssetRef, str]


def asset_key(ref: AssetRef) -> dg.AssetKey:
    """``"raw/financials"`` / ``["raw", "financials"]`` / ``AssetKey`` → ``AssetKey``."""
    if isinstance(ref, dg.AssetKey):
        return ref
    if isinstance(ref, str):
        return dg.AssetKey.from_user_string(ref)
    return dg.AssetKey(list(ref))


def column_lineage(mapping: Mapping[str, Iterable[ColumnRef]]) -> dg.TableColumnLineage:
    """``{output_column: [(asset, column), ...]}`` → ``dg.TableColumnLineage``.

    Duplicate inputs of a column are dropped; order is kept (the UI lists them as given).
    """
    deps: dict[str, list[dg.TableColumnDep]] = {}
    for output, inputs in mapping.items():
        seen: set[tuple[dg.AssetKey, str]] = set()
        column_deps = []
        for ref, column in inputs:
            key = asset_key(ref)
            if (key, column) in seen:
                continue
            seen.add((key, column))
            column_deps.append(dg.TableColumnDep(asset_key=key, column_name=column))
        deps[output] = column_deps
    return dg.TableColumnLineage(deps_by_column=deps)


def passthrough(source: AssetRef, columns: Iterable[str]) -> dict[str, list[ColumnRef]]:
    """Columns copied unchanged from ``source`` (same name): merge into a lineage dict."""
    return {column: [(source, column)] for column in columns}


def lineage_problems(
    lineage: dg.TableColumnLineage | None,
    output_columns: Iterable[str],
    upstream_columns: Mapping[dg.AssetKey, Iterable[str]],
) -> list[str]:
    """What is wrong with ``lineage`` for a table with ``output_columns`` whose upstream assets
    have ``upstream_columns``: output columns missing from it, lineage for columns the table
    does not have, and inputs naming an asset that is not upstream or a column that asset does
    not have. A column mapped to an empty list is fine: it says explicitly that the column
    comes from no upstream column (a constant, a run-config value, a generated id). Returns
    an empty list when the lineage is complete and consistent."""
    outputs = list(output_columns)
    if lineage is None:
        return ["no dagster/column_lineage"]
    upstream = {key: set(cols) for key, cols in upstream_columns.items()}
    problems = []
    deps = lineage.deps_by_column
    for column in outputs:
        if column not in deps:
            problems.append(f"column {column!r} has no lineage")
    for column in sorted(set(deps) - set(outputs)):
        problems.append(f"lineage for {column!r}, which the table does not have")
    for column, column_deps in deps.items():
        for dep in column_deps:
            source = dep.asset_key.to_user_string()
            if dep.asset_key not in upstream:
                problems.append(
                    f"{column!r} ← {source}.{dep.column_name}: {source} is not upstream"
                )
            elif dep.column_name not in upstream[dep.asset_key]:
                problems.append(
                    f"{column!r} ← {source}.{dep.column_name}: {source} has no such column"
                )
    return problems
