"""Dagster metadata derived from pandera models and frames: column schema, previews, docs."""

from __future__ import annotations

from typing import Any

import dagster as dg
import pandera.polars as pa
import polars as pl

from pipelines.warehouse.tables import TableDoc

OWNERS = ["team:ai-compute-ledger"]


def _type_name(dtype: Any) -> str:
    inner = dtype.type if hasattr(dtype, "type") else dtype
    return str(inner)


def table_doc(model: type[pa.DataFrameModel]) -> TableDoc:
    """Table and column descriptions of a pandera model."""
    schema = model.to_schema()
    description = schema.description or (model.__doc__ or "").strip()
    return TableDoc(
        description=description,
        columns={name: col.description or "" for name, col in schema.columns.items()},
        not_null=tuple(name for name, col in schema.columns.items() if not col.nullable),
    )


def column_schema(model: type[pa.DataFrameModel]) -> dg.TableSchema:
    """``dagster/column_schema`` of a pandera model, with descriptions and constraints."""
    schema = model.to_schema()
    unique_keys = schema.unique or []
    columns = []
    for name, col in schema.columns.items():
        other = [str(check) for check in col.checks]
        if name in unique_keys:
            other.append(f"part of unique key ({', '.join(unique_keys)})")
        columns.append(
            dg.TableColumn(
                name=name,
                type=_type_name(col.dtype),
                description=col.description,
                constraints=dg.TableColumnConstraints(
                    nullable=bool(col.nullable), unique=bool(col.unique), other=other
                ),
            )
        )
    return dg.TableSchema(columns=columns)


def markdown_preview(frame: pl.DataFrame, rows: int = 10, max_width: int = 40) -> str:
    """First ``rows`` rows as a markdown table (long text cut to ``max_width``)."""
    head = frame.head(rows)

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        text = text.replace("|", "\\|").replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    lines = [
        "| " + " | ".join(head.columns) + " |",
        "| " + " | ".join("---" for _ in head.columns) + " |",
    ]
    for row in head.iter_rows():
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    if frame.height > rows:
        lines.append(f"\n… {frame.height - rows} more rows")
    return "\n".join(lines)
