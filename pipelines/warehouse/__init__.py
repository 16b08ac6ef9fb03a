"""The DuckDB warehouse: the Dagster resource that owns it and helpers to write tables.

Names are imported lazily (PEP 562) so that light tools such as the ``ledger`` query CLI can
use ``pipelines.warehouse.locking`` without importing Dagster, polars or pandera.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.warehouse.locking import WarehouseLockedError
    from pipelines.warehouse.resource import WarehouseResource
    from pipelines.warehouse.tables import TableDoc, write_table

__all__ = ["TableDoc", "WarehouseLockedError", "WarehouseResource", "write_table"]

_HOME = {
    "TableDoc": "pipelines.warehouse.tables",
    "write_table": "pipelines.warehouse.tables",
    "WarehouseResource": "pipelines.warehouse.resource",
    "WarehouseLockedError": "pipelines.warehouse.locking",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
