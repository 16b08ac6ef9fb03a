"""The DuckDB warehouse: the Dagster resource that owns it and helpers to write tables."""

from pipelines.warehouse.resource import WarehouseLockedError, WarehouseResource
from pipelines.warehouse.tables import TableDoc, write_table

__all__ = ["TableDoc", "WarehouseLockedError", "WarehouseResource", "write_table"]
