"""Validate a computed table with its pandera model and write it: shared by the mart domains.

:func:`validated` fails the asset with every problem (nothing is written); :func:`publish`
writes the validated frame with its column comments and returns the Dagster result with the
row count, column lineage and a markdown preview.
"""

from __future__ import annotations

import dagster as dg
import duckdb
import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaError, SchemaErrors

from pipelines.metadata import markdown_preview, table_doc
from pipelines.warehouse.tables import write_table


def validated(frame: pl.DataFrame, model: type[pa.DataFrameModel]) -> pl.DataFrame:
    """``frame`` in the model's column order, validated; fails the asset with every problem."""
    frame = frame.select(list(model.to_schema().columns))
    try:
        return model.validate(frame, lazy=True)
    except (SchemaErrors, SchemaError) as error:
        raise dg.Failure(
            description=f"{model.__name__} rejected the computed table; nothing was "
            f"written.\n{error}"
        ) from error


def publish(
    con: duckdb.DuckDBPyConnection,
    key: dg.AssetKey,
    frame: pl.DataFrame,
    model: type[pa.DataFrameModel],
    lineage: dg.TableColumnLineage,
    extra: dict | None = None,
    *,
    preview_latest: bool = False,
) -> dg.MaterializeResult:
    """Validate ``frame``, write it as table ``key`` and describe it for Dagster. The preview
    shows the first rows, or the last ones with ``preview_latest`` (tables sorted by time)."""
    frame = validated(frame, model)
    rows = write_table(con, ".".join(key.path), frame, table_doc(model))
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "dagster/column_lineage": lineage,
            "preview": dg.MetadataValue.md(
                markdown_preview(frame.tail(10) if preview_latest else frame)
            ),
            **(extra or {}),
        }
    )
